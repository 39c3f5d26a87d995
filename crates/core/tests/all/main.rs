//! Integration tests of shipline-core, one module per concept.

mod config;
mod context;
mod context_gitlab_note;
mod forge_github;
mod forge_gitlab;
mod forge_gitlab_graphql;
mod git;
mod ledger;
mod ledger_forge;
mod mermaid;
mod output;
mod text;
