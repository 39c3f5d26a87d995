//! Why a canary test or judgement could not be made, in one type for the statistics and the
//! judge.

/// Why a test or a judgement could not be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CanaryError {
    /// A sample given to the test has no values.
    #[error("a sample is empty: the Mann–Whitney test needs at least one value on each side")]
    EmptySample,
    /// A sample given to the test holds NaN or an infinity.
    #[error(
        "a sample holds NaN or an infinite value: drop them first (`canary::finite` does) and report how many"
    )]
    NotFinite,
    /// The exact method was asked for samples with ties.
    #[error(
        "the exact distribution of U assumes no ties, and these samples have equal values: use the asymptotic or the auto method"
    )]
    ExactWithTies,
    /// The exact method was asked for samples too large for it.
    #[error(
        "the exact distribution of U for samples of {n1} and {n2} values is too large to count: use the asymptotic or the auto method"
    )]
    ExactTooLarge {
        /// The size of the first sample.
        n1: usize,
        /// The size of the second sample.
        n2: usize,
    },
    /// A setting is out of its range.
    #[error("canary setting `{name}` is {value}: {hint}")]
    Setting {
        /// The setting's name as written in the configuration.
        name: &'static str,
        /// The value given.
        value: String,
        /// The range it must be in.
        hint: &'static str,
    },
}
