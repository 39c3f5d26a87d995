//! The forge sections of docs/tutorial.md (9, on GitHub; 10, on GitLab), checked against the
//! fake forges once their block has pushed to a bare origin.

pub mod on_github;
pub mod on_gitlab;
