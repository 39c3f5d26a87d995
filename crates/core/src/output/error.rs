//! What can go wrong writing an output, a summary or an annotation.

use std::path::PathBuf;

use crate::variable::InvalidVar;

/// What went wrong writing an output.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// A file could not be written or read.
    #[error("cannot {action} {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// `write`, `read`, `create the directory of`.
        action: &'static str,
        /// The IO error.
        #[source]
        source: std::io::Error,
    },
    /// A variable the runtime always sets is missing.
    #[error("{var} is not set: {hint}")]
    MissingVar {
        /// The variable.
        var: &'static str,
        /// What to do.
        hint: &'static str,
    },
    /// A setting variable has an unusable value.
    #[error(transparent)]
    InvalidVar(#[from] InvalidVar),
    /// An output name the runtime cannot carry.
    #[error("output name {name:?} is not valid: {rule}")]
    InvalidName {
        /// The name as given.
        name: String,
        /// The rule it breaks.
        rule: &'static str,
    },
    /// A value the runtime cannot carry.
    #[error("output {name:?} cannot be written: {reason}")]
    Unrepresentable {
        /// The output name.
        name: String,
        /// Why, and what to do.
        reason: String,
    },
    /// A documented limit would be exceeded.
    #[error("output {name:?} cannot be written: {detail}")]
    Limit {
        /// The output name.
        name: String,
        /// Which limit, and what to do.
        detail: String,
    },
    /// An existing output file is not in the expected format.
    #[error("{path}:{line}: {detail}; delete the file or point SHIPLINE_DOTENV elsewhere")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        detail: String,
    },
}
