//! Scrubbing secrets out of text before it leaves the process.
//!
//! Masking on the CI side (`::add-mask::`, GitLab masked variables) only covers logs the runner
//! sees; output files, summaries and reports are not masked by anyone. The [`Redactor`] is the
//! second line of defence: every string shipline writes passes through it, and it replaces every
//! known secret with `***`. It is shared (cheap to clone, one list behind a lock), so a secret
//! registered anywhere is scrubbed everywhere, including by the binaries' error printing.

use std::borrow::Cow;
use std::io::{self, Write};
use std::sync::{Arc, RwLock};

/// What a secret is replaced with.
pub const MASK: &str = "***";

/// Secrets shorter than this are not registered: scrubbing a two-letter value would blank out
/// ordinary words without protecting anything (no real token is that short).
pub const MIN_SECRET_LEN: usize = 4;

/// A shared list of secret values and the function that scrubs them out of text.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    secrets: Arc<RwLock<Vec<String>>>,
}

impl Redactor {
    /// An empty redactor.
    pub fn new() -> Self {
        Self::default()
    }

    /// A redactor that knows the value of every secret variable in `vars`
    /// ([`crate::secret::is_secret_var`]): what the tools start with, before flags or files
    /// are read, so no message can echo a token given where a setting was expected.
    pub fn from_vars<'a>(vars: impl IntoIterator<Item = (&'a String, &'a String)>) -> Self {
        let redactor = Self::new();
        for value in crate::secret::secret_values(vars) {
            redactor.add(value);
        }
        redactor
    }

    /// Registers a secret: the value as given, trimmed, and each line of a multi-line value.
    /// Returns whether anything new was registered.
    pub fn add(&self, secret: &str) -> bool {
        let mut candidates = vec![secret, secret.trim()];
        candidates.extend(secret.lines().map(str::trim));
        let mut list = self.secrets.write().unwrap_or_else(|e| e.into_inner());
        let mut added = false;
        for candidate in candidates {
            if candidate.len() >= MIN_SECRET_LEN && !list.iter().any(|s| s == candidate) {
                list.push(candidate.to_string());
                added = true;
            }
        }
        // Longest first, so a secret that contains another is replaced whole.
        list.sort_by_key(|s| std::cmp::Reverse(s.len()));
        added
    }

    /// How many values are registered.
    pub fn len(&self) -> usize {
        self.secrets.read().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Whether no secret is registered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `text` with every registered secret replaced by [`MASK`].
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let list = self.secrets.read().unwrap_or_else(|e| e.into_inner());
        if !list.iter().any(|s| text.contains(s.as_str())) {
            return Cow::Borrowed(text);
        }
        let mut out = text.to_string();
        for secret in list.iter() {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), MASK);
            }
        }
        Cow::Owned(out)
    }

    /// Wraps a writer so everything written through it is scrubbed. Text is held back until a
    /// newline (or flush) so a secret split across two writes is still caught.
    pub fn writer<W: Write>(&self, inner: W) -> RedactingWriter<W> {
        RedactingWriter {
            redactor: self.clone(),
            inner: Some(inner),
            pending: Vec::new(),
        }
    }
}

/// A writer that scrubs secrets line by line; see [`Redactor::writer`].
#[derive(Debug)]
pub struct RedactingWriter<W: Write> {
    redactor: Redactor,
    // `None` only after `into_inner`, which consumes the wrapper.
    inner: Option<W>,
    pending: Vec<u8>,
}

impl<W: Write> RedactingWriter<W> {
    fn emit(&mut self, bytes: &[u8]) -> io::Result<()> {
        let text = String::from_utf8_lossy(bytes);
        let redacted = self.redactor.redact(&text);
        match self.inner.as_mut() {
            Some(inner) => inner.write_all(redacted.as_bytes()),
            None => Ok(()),
        }
    }

    /// The wrapped writer (pending text is flushed first).
    pub fn into_inner(mut self) -> io::Result<W> {
        self.flush()?;
        Ok(self.inner.take().expect("writer present until into_inner"))
    }
}

impl<W: Write> Write for RedactingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        if let Some(last_newline) = self.pending.iter().rposition(|&b| b == b'\n') {
            let ready: Vec<u8> = self.pending.drain(..=last_newline).collect();
            self.emit(&ready)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.pending.is_empty() {
            let rest = std::mem::take(&mut self.pending);
            self.emit(&rest)?;
        }
        match self.inner.as_mut() {
            Some(inner) => inner.flush(),
            None => Ok(()),
        }
    }
}

impl<W: Write> Drop for RedactingWriter<W> {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_every_occurrence_and_longest_first() {
        let r = Redactor::new();
        r.add("ghp_abcdef");
        r.add("ghp_abcdef123456");
        assert_eq!(
            r.redact("a ghp_abcdef123456 b ghp_abcdef c"),
            "a *** b *** c"
        );
    }

    #[test]
    fn multi_line_secrets_are_scrubbed_line_by_line() {
        let r = Redactor::new();
        r.add("-----BEGIN KEY-----\nMIIEsecretline\n-----END KEY-----\n");
        let out = r.redact("log: MIIEsecretline appeared");
        assert_eq!(out, "log: *** appeared");
    }

    #[test]
    fn short_and_blank_values_are_not_secrets() {
        let r = Redactor::new();
        assert!(!r.add("ab"));
        assert!(!r.add("   "));
        assert!(r.is_empty());
        assert_eq!(r.redact("ab ab"), "ab ab");
    }

    #[test]
    fn clones_share_the_list() {
        let r = Redactor::new();
        let other = r.clone();
        other.add("token-value-1");
        assert_eq!(r.redact("x token-value-1"), "x ***");
    }

    #[test]
    fn writer_catches_a_secret_split_across_writes() {
        let r = Redactor::new();
        r.add("supersecret");
        let mut w = r.writer(Vec::new());
        w.write_all(b"error: super").unwrap();
        w.write_all(b"secret rejected\nnext ").unwrap();
        w.write_all(b"line").unwrap();
        let out = w.into_inner().unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "error: *** rejected\nnext line"
        );
    }
}
