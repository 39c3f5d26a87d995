//! Integration tests of shipline-risk, one module per concept.

mod cache;
mod comment;
mod deps;
mod exit;
mod gitlab;
mod helpers;
mod history;
mod large;
mod layout;
mod process;
mod range;
mod report;
mod requests;
