//! Strings from the configuration that must be valid before anything runs: glob patterns,
//! regular expressions and HTTP(S) URLs.
//!
//! Each one is compiled while the YAML is read, so a typo fails at load with the line of the
//! value instead of surfacing mid-rollout, and the compiled form is kept for the tools to use.

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::error::invalid;

/// A glob over slash-separated paths or git refs (`migrations/**`, `release/*`), in the syntax
/// of `.gitignore`-style tools: `*` stays within one path segment, `**` crosses segments.
#[derive(Debug, Clone)]
pub struct GlobPattern {
    text: String,
    matcher: globset::GlobMatcher,
}

impl GlobPattern {
    /// Compiles a pattern.
    pub fn new(text: &str) -> Result<Self, globset::Error> {
        let glob = globset::GlobBuilder::new(text)
            .literal_separator(true)
            .backslash_escape(true)
            .build()?;
        Ok(Self {
            text: text.to_string(),
            matcher: glob.compile_matcher(),
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether `path` (relative, slash-separated) matches.
    pub fn is_match(&self, path: &str) -> bool {
        self.matcher.is_match(path)
    }

    /// The underlying glob, to build a `globset::GlobSet` from many patterns.
    pub fn glob(&self) -> &globset::Glob {
        self.matcher.glob()
    }
}

impl PartialEq for GlobPattern {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl fmt::Display for GlobPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Serialize for GlobPattern {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for GlobPattern {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        if text.trim().is_empty() {
            return Err(serde::de::Error::custom(invalid(
                "a glob is empty",
                "write the paths or refs to match, e.g. `migrations/**` or `main`, or remove \
                 the empty entry",
            )));
        }
        GlobPattern::new(&text).map_err(|err| {
            let kind = err.kind().to_string();
            serde::de::Error::custom(invalid(
                format_args!("invalid glob `{text}`: {kind}"),
                "close every `[` and `{`, escape literal metacharacters with `\\`, \
                 and use `**` only as a whole path segment (`dir/**/file`)",
            ))
        })
    }
}

impl JsonSchema for GlobPattern {
    fn schema_name() -> Cow<'static, str> {
        "GlobPattern".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "minLength": 1,
            "description": "A glob over slash-separated paths or refs: `*` matches within one \
                            segment, `**` across segments, `?` one character, `[abc]` and `{a,b}` \
                            alternatives.",
            "examples": ["migrations/**", "release/*"]
        })
    }
}

/// A regular expression (Rust `regex` syntax), compiled at load.
#[derive(Debug, Clone)]
pub struct RegexPattern(regex::Regex);

impl RegexPattern {
    /// Compiles an expression.
    pub fn new(text: &str) -> Result<Self, regex::Error> {
        regex::Regex::new(text).map(Self)
    }

    /// The expression as written.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// The compiled expression.
    pub fn regex(&self) -> &regex::Regex {
        &self.0
    }
}

impl PartialEq for RegexPattern {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Serialize for RegexPattern {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for RegexPattern {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        RegexPattern::new(&text).map_err(|err| {
            // The regex error spans several lines (a caret diagram); its last line says what
            // is wrong, which is what fits on one line.
            let reason = err.to_string();
            let reason = reason
                .lines()
                .rev()
                .find(|line| !line.trim().is_empty())
                .unwrap_or("invalid syntax")
                .trim()
                .trim_start_matches("error: ")
                .to_string();
            serde::de::Error::custom(invalid(
                format_args!("invalid regular expression `{text}`: {reason}"),
                "escape literal `(`, `[`, `{`, `.`, `*`, `+`, `?` with `\\`, or use \
                 `body_contains` for a plain substring",
            ))
        })
    }
}

impl JsonSchema for RegexPattern {
    fn schema_name() -> Cow<'static, str> {
        "RegexPattern".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "format": "regex",
            "description": "A regular expression in Rust `regex` syntax (no look-around or \
                            backreferences)."
        })
    }
}

/// An absolute `http` or `https` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpUrl(url::Url);

impl HttpUrl {
    /// Parses and checks the scheme.
    pub fn parse(text: &str) -> Result<Self, String> {
        let url = url::Url::parse(text).map_err(|err| {
            match err {
                url::ParseError::RelativeUrlWithoutBase => "it has no scheme (`https://`)",
                url::ParseError::EmptyHost => "it has no host",
                url::ParseError::InvalidPort => "its port is not a number from 0 to 65535",
                url::ParseError::InvalidIpv4Address | url::ParseError::InvalidIpv6Address => {
                    "its IP address is malformed"
                }
                url::ParseError::InvalidDomainCharacter | url::ParseError::IdnaError => {
                    "its host name has characters a host name cannot have"
                }
                _ => "it is not a URL",
            }
            .to_string()
        })?;
        match url.scheme() {
            "http" | "https" => Ok(Self(url)),
            other => Err(format!("scheme `{other}` is not http or https")),
        }
    }

    /// The parsed URL.
    pub fn url(&self) -> &url::Url {
        &self.0
    }

    /// The URL as a string.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl fmt::Display for HttpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.as_str())
    }
}

impl Serialize for HttpUrl {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0.as_str())
    }
}

impl<'de> Deserialize<'de> for HttpUrl {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        HttpUrl::parse(&text).map_err(|reason| {
            serde::de::Error::custom(invalid(
                format_args!("invalid URL `{text}`: {reason}"),
                "write an absolute URL with its scheme, e.g. `https://example.com/healthz`",
            ))
        })
    }
}

impl JsonSchema for HttpUrl {
    fn schema_name() -> Cow<'static, str> {
        "HttpUrl".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "format": "uri",
            "pattern": "^https?://",
            "description": "An absolute http or https URL."
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_star_stays_in_one_segment() {
        let glob = GlobPattern::new("release/*").unwrap();
        assert!(glob.is_match("release/1.2"));
        assert!(!glob.is_match("release/1.2/hotfix"));
        let deep = GlobPattern::new("migrations/**").unwrap();
        assert!(deep.is_match("migrations/2024/01_init.sql"));
        assert!(!deep.is_match("src/migrations.rs"));
        assert!(GlobPattern::new("src/[abc").is_err());
    }

    #[test]
    fn url_requires_http_scheme() {
        assert!(HttpUrl::parse("https://example.com/healthz").is_ok());
        assert!(
            HttpUrl::parse("ftp://example.com")
                .unwrap_err()
                .contains("ftp")
        );
        assert!(HttpUrl::parse("example.com/healthz").is_err());
    }
}
