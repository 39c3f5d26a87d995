//! Splitting a commit message into its subject and body, which every reader of messages needs.

/// The subject (first non-blank line, trimmed) and the body (everything after it).
pub(crate) fn split_message(message: &str) -> (&str, &str) {
    let message = message.trim_start();
    match message.split_once('\n') {
        Some((subject, body)) => (subject.trim(), body),
        None => (message.trim(), ""),
    }
}
