//! Integration tests of shipline-risk, one module per concept.

mod attribution;
mod cache;
mod comment;
mod comments;
mod components;
mod deps;
mod exit;
mod gitlab;
mod grouping;
mod helpers;
mod history;
mod large;
mod layout;
mod manifest_props;
mod manifests;
mod process;
mod range;
mod report;
mod requests;
mod sections;
mod version;
