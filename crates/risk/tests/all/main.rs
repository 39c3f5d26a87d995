//! Integration tests of shipline-risk, one module per concept.

mod commits;
mod deps;
mod version;
