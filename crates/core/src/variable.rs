//! A setting read from an environment variable whose value shipline cannot use.
//!
//! Detecting the CI context and opening the output sink both read settings from the
//! environment; a bad value is the same mistake in either place, so it is one error type that
//! names the variable, the value and what the value should look like.

/// A variable has a value shipline cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{var}={value:?} is not valid: expected {expected}")]
pub struct InvalidVar {
    /// The variable.
    pub var: &'static str,
    /// Its value (never a token: only non-secret variables are checked).
    pub value: String,
    /// What it should look like.
    pub expected: &'static str,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::ContextError;
    use crate::output::OutputError;

    #[test]
    fn names_the_variable_the_value_and_what_it_should_be_wherever_it_is_read() {
        let invalid = || InvalidVar {
            var: "GITHUB_RUN_ID",
            value: "abc".into(),
            expected: "a number",
        };
        let text = r#"GITHUB_RUN_ID="abc" is not valid: expected a number"#;
        assert_eq!(invalid().to_string(), text);
        assert_eq!(ContextError::from(invalid()).to_string(), text);
        assert_eq!(OutputError::from(invalid()).to_string(), text);
    }
}
