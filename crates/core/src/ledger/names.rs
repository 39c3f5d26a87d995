//! The names the ledger fixes: where the git backend keeps its notes, and how long an
//! environment name may be.

/// The notes ref holding the git ledger.
pub const NOTES_REF: &str = "refs/notes/shipline";
/// Where the remote's notes are fetched to before they are merged.
pub const REMOTE_NOTES_REF: &str = "refs/notes/shipline-remote";
/// Longest accepted environment name.
pub const MAX_ENVIRONMENT_LEN: usize = 64;
