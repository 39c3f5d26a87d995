//! The repository a run reverts in, as every step of the run needs it: the checkout, the forge
//! (when a token is there) and the default branch. It has a module of its own because the steps
//! that share it (the run, the comment check, the GitLab revert, publishing) call each other.

use shipline_core::app::App;
use shipline_core::forge::Forge;
use shipline_core::git::Git;

/// The repository, its forge and its default branch, as one run sees them.
pub(crate) struct Repo<'a> {
    /// Configuration (`revert:`), the CI context and the outputs.
    pub(crate) app: &'a App,
    /// The checkout.
    pub(crate) git: Git,
    /// The forge, when a token is there; without one the revert stays local.
    pub(crate) forge: Option<Forge>,
    /// The default branch's name.
    pub(crate) base: String,
    /// The revision of the default branch to build on (`refs/remotes/origin/<base>` when there
    /// is an `origin`).
    pub(crate) base_rev: String,
}
