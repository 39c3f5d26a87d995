//! What reading history yields: commits, their file changes and git's raw paths and times.

use std::fmt;

/// A path as git stores it: raw bytes, which need not be UTF-8.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GitPath(Vec<u8>);

impl GitPath {
    /// Wraps raw bytes.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Self(bytes.into())
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The path as UTF-8 if it is valid UTF-8.
    pub fn to_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.0).ok()
    }

    /// The path for display, with invalid bytes replaced.
    pub fn to_string_lossy(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.0)
    }
}

impl fmt::Display for GitPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_string_lossy())
    }
}

impl fmt::Debug for GitPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.to_string_lossy(), f)
    }
}

impl PartialEq<str> for GitPath {
    fn eq(&self, other: &str) -> bool {
        self.0 == other.as_bytes()
    }
}

impl PartialEq<&str> for GitPath {
    fn eq(&self, other: &&str) -> bool {
        self.0 == other.as_bytes()
    }
}

/// A point in time as git records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GitTime {
    /// Seconds since the Unix epoch.
    pub seconds: i64,
    /// The recorded time zone, in minutes east of UTC.
    pub offset_minutes: i32,
}

/// One file changed by a commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    /// The path after the change.
    pub path: GitPath,
    /// The path before, when the change is a rename.
    pub old_path: Option<GitPath>,
    /// Lines added (0 for binary files).
    pub added: u64,
    /// Lines deleted (0 for binary files).
    pub deleted: u64,
    /// git considers the file binary (no line counts).
    pub binary: bool,
}

/// One commit with its metadata and, when asked for, its file changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commit {
    /// Full SHA.
    pub sha: String,
    /// Parent SHAs (more than one for merges).
    pub parents: Vec<String>,
    /// Author name as recorded (no mailmap).
    pub author_name: String,
    /// Author email as recorded.
    pub author_email: String,
    /// When the change was authored.
    pub author_time: GitTime,
    /// Committer name.
    pub committer_name: String,
    /// Committer email.
    pub committer_email: String,
    /// When the commit was made.
    pub committer_time: GitTime,
    /// First paragraph of the message, lines joined by spaces (as `%s`).
    pub subject: String,
    /// The rest of the message after the subject's paragraph, trailing blank space removed.
    pub body: String,
    /// Files changed, in git's order (empty when stats were not asked for, and for merges unless
    /// reading first-parent history).
    pub files: Vec<FileChange>,
}

impl Commit {
    /// Whether the commit has more than one parent.
    pub fn is_merge(&self) -> bool {
        self.parents.len() > 1
    }
}
