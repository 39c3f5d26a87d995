//! Shallow clones: detecting them and deepening what is needed.

use super::{Git, GitError};

/// Whether the repository is a shallow clone.
pub fn is_shallow(git: &Git) -> Result<bool, GitError> {
    Ok(git.run(["rev-parse", "--is-shallow-repository"])?.trim() == "true")
}
