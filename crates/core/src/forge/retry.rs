//! Retry policy for forge calls: exponential backoff with full jitter, honouring the forge's own
//! `Retry-After` and rate-limit reset headers.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How often and how long to retry a transient failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total, the first included.
    pub max_attempts: u32,
    /// Base of the exponential backoff.
    pub base_delay: Duration,
    /// No single wait is longer than this; a forge asking for longer fails as rate limited.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// A policy for tests: same attempts, tiny waits.
    pub fn fast() -> Self {
        Self {
            max_attempts: 5,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_secs(5),
        }
    }

    /// The wait before attempt `attempt + 1` (attempt counts from 1): full jitter over
    /// `base * 2^(attempt-1)`, capped at `max_delay`.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1)));
        let cap = exp.min(self.max_delay);
        let millis = cap.as_millis().min(u128::from(u64::MAX)) as u64;
        Duration::from_millis(fastrand::u64(millis / 2..=millis.max(1)))
    }
}

/// The wait a response asks for: `Retry-After` (seconds or HTTP date) first, then
/// `x-ratelimit-reset` (epoch seconds) when `x-ratelimit-remaining` is 0, GitHub's and GitLab's
/// conventions alike (GitLab also sends `RateLimit-Reset`).
pub fn requested_wait(headers: &http::HeaderMap) -> Option<Duration> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(value) = header("retry-after") {
        if let Ok(secs) = value.parse::<u64>() {
            return Some(Duration::from_secs(secs));
        }
        if let Ok(date) = chrono::DateTime::parse_from_rfc2822(value) {
            let wait = date.timestamp() - chrono::Utc::now().timestamp();
            return Some(Duration::from_secs(wait.max(0) as u64));
        }
    }
    let exhausted = matches!(
        header("x-ratelimit-remaining").or_else(|| header("ratelimit-remaining")),
        Some("0")
    );
    if exhausted {
        let reset = header("x-ratelimit-reset").or_else(|| header("ratelimit-reset"))?;
        let reset: u64 = reset.parse().ok()?;
        let now = SystemTime::now().duration_since(UNIX_EPOCH).ok()?.as_secs();
        return Some(Duration::from_secs(reset.saturating_sub(now)));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let policy = RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
        };
        for _ in 0..50 {
            assert!(policy.backoff(1) <= Duration::from_millis(100));
            assert!(policy.backoff(3) >= Duration::from_millis(200));
            assert!(policy.backoff(30) <= Duration::from_secs(1));
        }
    }

    #[test]
    fn retry_after_seconds_and_reset() {
        let mut headers = http::HeaderMap::new();
        headers.insert("retry-after", "7".parse().unwrap());
        assert_eq!(requested_wait(&headers), Some(Duration::from_secs(7)));

        let mut headers = http::HeaderMap::new();
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        headers.insert("x-ratelimit-remaining", "0".parse().unwrap());
        headers.insert("x-ratelimit-reset", (now + 30).to_string().parse().unwrap());
        let wait = requested_wait(&headers).unwrap();
        assert!(wait <= Duration::from_secs(30) && wait >= Duration::from_secs(28));

        headers.insert("x-ratelimit-remaining", "12".parse().unwrap());
        assert_eq!(requested_wait(&headers), None);
    }
}
