//! What commit messages and version tags say: the semantics every shipline tool shares.
//!
//! A release summary groups changes by kind, the semver bump follows from those kinds, revert
//! pull requests and delivery metrics need to know which change reverts which, and the release
//! tagging of a promotion needs the next version. All of that starts from message text and tag
//! names, so it lives here, in a leaf crate that depends on no tool: a change to these rules
//! rebuilds this crate and its users, not one tool through another.
//!
//! - [`CommitMessage`]: a message read as Conventional Commits, with purpose signals and the
//!   PR/MR it came from ([`references`]);
//! - [`group_by_section`]: changes grouped into the sections of a summary; [`Grouping`]: how a
//!   range is best grouped (by type, by area, by component) and [`group_by_key`] to do it;
//! - [`Bump`], [`TagScheme`], [`next_version`]: the bump a range calls for and the next version;
//! - [`decide`]: a release's version from evidence (a tag at the head, the manifest, breaking
//!   markers, Conventional Commits where the repository uses them), or "not stated".
#![deny(missing_docs)]

mod component;
mod decision;
mod group;
mod manifest;
mod message;
mod pr;
mod pr_body;
mod pr_subject;
mod refs;
mod text;
mod version;

pub use component::{TOP_LEVEL, component_of, component_of_path};
pub use decision::{
    Basis, CONVENTIONAL_SHARE, Evidence, ManifestChange, VersionDecision, choose_family,
    conventional_share, decide, is_conventional, manifest_speaks_for,
};
pub use group::{
    Group, GroupBy, GroupKey, Grouping, Section, fold_single_groups, group_by_key, group_by_section,
};
pub use manifest::{MANIFESTS, manifest_version};
pub use message::{CommitMessage, CommitType, Purpose};
pub use pr::{PrRef, PrSource};
pub use refs::{References, Reverted, references};
/// The semver version type the functions here take and return.
pub use semver::Version;
pub use version::{
    Bump, ReleaseMode, TagScheme, TaggedVersion, VersionError, bump_between, is_release_tag,
    next_version,
};
