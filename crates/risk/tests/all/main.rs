//! Integration tests of shipline-risk, one module per concept.

mod comment;
mod commits;
mod deps;
mod helpers;
mod history;
mod range;
mod report;
mod version;
