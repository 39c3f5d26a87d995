//! Faults the fake injects per route: what happens instead of (or after) the handler's answer,
//! when, and to how many requests.

use std::time::Duration;

/// What a fault does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultKind {
    /// Answer with this status and a JSON error body.
    Status(u16),
    /// Answer with `status` and `Retry-After: secs`.
    RetryAfter {
        /// Usually 429 or 503.
        status: u16,
        /// Seconds to wait.
        secs: u64,
    },
    /// GitHub's secondary rate limit: 403, `retry-after`, and the documented message.
    SecondaryRateLimit {
        /// Seconds to wait.
        secs: u64,
    },
    /// Wait this long, then answer normally.
    Delay(Duration),
    /// Close the connection without answering.
    Drop,
    /// Send the headers and half the body, then close.
    TruncatedBody,
}

/// When a fault strikes relative to the handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Before the handler: the request had no effect.
    Before,
    /// After the handler: the effect happened, the answer is lost or mangled.
    After,
}

/// A fault armed for the next `times` requests matching `method` and `path`.
#[derive(Debug, Clone)]
pub struct Fault {
    /// `GET`, `POST`, ...; `None` matches any method.
    pub method: Option<String>,
    /// Path pattern: segments compared one by one, `*` matches any one segment, a trailing
    /// `**` matches the rest.
    pub path: String,
    /// What to do.
    pub kind: FaultKind,
    /// Before or after the handler.
    pub phase: Phase,
    /// How many matching requests it applies to.
    pub times: usize,
    /// How many matching requests pass untouched before it applies.
    pub skip: usize,
}

impl Fault {
    /// A fault on `METHOD path`, before the handler, once.
    pub fn on(method: &str, path: &str, kind: FaultKind) -> Self {
        Self {
            method: Some(method.to_ascii_uppercase()),
            path: path.to_string(),
            kind,
            phase: Phase::Before,
            times: 1,
            skip: 0,
        }
    }

    /// Lets the first `skip` matching requests through untouched (the second status of a
    /// deployment, say, not the first).
    pub fn skipping(mut self, skip: usize) -> Self {
        self.skip = skip;
        self
    }

    /// Applies after the handler ran.
    pub fn after(mut self) -> Self {
        self.phase = Phase::After;
        self
    }

    /// Applies to this many matching requests.
    pub fn times(mut self, times: usize) -> Self {
        self.times = times;
        self
    }

    pub(super) fn matches(&self, method: &str, path: &str) -> bool {
        if self.times == 0 {
            return false;
        }
        let method_ok = self
            .method
            .as_ref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method));
        method_ok && path_matches(&self.path, path)
    }
}

/// Segment-wise match with `*` (one segment) and a trailing `**` (the rest).
pub fn path_matches(pattern: &str, path: &str) -> bool {
    let mut want = pattern.trim_matches('/').split('/');
    let mut have = path.trim_matches('/').split('/');
    loop {
        match (want.next(), have.next()) {
            (Some("**"), _) => return true,
            (Some(w), Some(h)) if w == "*" || w == h => continue,
            (None, None) => return true,
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::path_matches;

    #[test]
    fn path_patterns() {
        assert!(path_matches(
            "/api/v3/repos/*/*/issues/*/comments",
            "/api/v3/repos/o/r/issues/3/comments"
        ));
        assert!(!path_matches(
            "/api/v3/repos/*/*/issues",
            "/api/v3/repos/o/r/issues/3"
        ));
        assert!(path_matches("/api/v4/**", "/api/v4/projects/1/deployments"));
    }
}
