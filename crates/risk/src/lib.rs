//! What is in a release, and how risky it is.
//!
//! shipline-risk reads a range of history and answers the questions a reviewer or a release manager
//! asks before shipping: which changes are in it and of what kind ([`commits`]), what the next
//! version should be ([`version`]), and which third-party code moved with it ([`deps`]). These
//! modules are pure: they take the text of commit messages, tag names and file contents and return
//! typed values, so the parts that read git or talk to a forge stay thin and these rules stay
//! testable on their own.
#![deny(missing_docs)]

pub mod commits;
pub mod deps;
pub mod version;
