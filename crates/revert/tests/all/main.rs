//! Integration tests of `shipline-revert`: the real binary on real git repositories, with the
//! fake GitHub backed by the test repository's bare `origin`.

mod auto_merge;
mod github;
mod gitlab;
mod gitlab_landings;
mod gitlab_note;
mod gitlab_roles;
mod helpers;
mod local;
mod race;
mod triggers;
