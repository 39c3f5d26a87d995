//! GitHub Actions formats: the `$GITHUB_OUTPUT` file syntax and workflow-command escaping.
//!
//! Both are easy to get subtly wrong: a multi-line output needs a heredoc-style delimiter that
//! must not occur in the value (or the value is cut short and the rest parsed as more outputs),
//! and a workflow command's message must escape `%`, CR and LF, its properties also `:` and `,`.

/// The line(s) to append to `$GITHUB_OUTPUT` (or `$GITHUB_ENV`) for one output.
///
/// Single-line values use `name=value`; values with a line break use
/// `name<<DELIMITER\nvalue\nDELIMITER\n` with a random delimiter that occurs neither in the value
/// nor in the name (redrawn until it does not).
pub fn file_command_entry(
    name: &str,
    value: &str,
    mut delimiter: impl FnMut() -> String,
) -> String {
    if !value.contains(['\n', '\r']) {
        return format!("{name}={value}\n");
    }
    let mut delim = delimiter();
    while value.contains(&delim) || name.contains(&delim) {
        delim = delimiter();
    }
    format!("{name}<<{delim}\n{value}\n{delim}\n")
}

/// A fresh random delimiter (`ghadelimiter_` and 32 hex digits, as the runner's toolkit does).
pub fn random_delimiter() -> String {
    format!(
        "ghadelimiter_{:016x}{:016x}",
        fastrand::u64(..),
        fastrand::u64(..)
    )
}

/// Escapes a workflow command's message (`%`, `\r`, `\n`).
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value (as data, plus `:` and `,`).
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// `::command key=value,key=value::message`.
pub fn command(name: &str, properties: &[(&str, String)], message: &str) -> String {
    let props: Vec<String> = properties
        .iter()
        .map(|(k, v)| format!("{k}={}", escape_property(v)))
        .collect();
    if props.is_empty() {
        format!("::{name}::{}", escape_data(message))
    } else {
        format!("::{name} {}::{}", props.join(","), escape_data(message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_line_is_plain() {
        assert_eq!(file_command_entry("a", "b=c", random_delimiter), "a=b=c\n");
    }

    #[test]
    fn delimiter_is_redrawn_when_the_value_contains_it() {
        let mut draws = vec!["EOF".to_string(), "XYZ".to_string()].into_iter();
        let entry = file_command_entry("notes", "line\nEOF\nmore", || draws.next().unwrap());
        assert_eq!(entry, "notes<<XYZ\nline\nEOF\nmore\nXYZ\n");
    }

    #[test]
    fn random_delimiters_differ() {
        assert_ne!(random_delimiter(), random_delimiter());
        assert!(random_delimiter().starts_with("ghadelimiter_"));
    }

    #[test]
    fn escaping_follows_the_workflow_command_rules() {
        assert_eq!(escape_data("100% done\r\nnext"), "100%25 done%0D%0Anext");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
        assert_eq!(
            command(
                "warning",
                &[("file", "src/a,b.rs".into()), ("line", "3".into())],
                "bad: x\ny"
            ),
            "::warning file=src/a%2Cb.rs,line=3::bad: x%0Ay"
        );
        assert_eq!(command("endgroup", &[], ""), "::endgroup::");
    }
}
