//! Commit messages and versions as real histories write them.

mod commits;
mod properties;
mod version;
