//! The parser of `git log -z` output in the reader's format.
//!
//! Kept apart from the process handling so it can be tested on hand-made byte streams, including
//! paths with newlines, tabs and the record marker itself.

use std::io::BufRead;

use super::commit::{Commit, FileChange, GitPath, GitTime};

/// Start-of-record marker in the `--format` string; the parser keys on it.
const RECORD: u8 = 0x1e;
/// One NUL-terminated field per item, after the marker: sha, parents, author name/email/date,
/// committer name/email/date, raw message.
pub(super) const FORMAT: &str =
    "--format=%x1e%H%x00%P%x00%an%x00%ae%x00%ad%x00%cn%x00%ce%x00%cd%x00%B%x00";
const HEADER_FIELDS: usize = 9;

/// Streaming parser over NUL-terminated tokens of `git log -z` with [`FORMAT`].
///
/// After a commit's header come its numstat entries, each `added\tdeleted\tpath` in one token, or
/// for a rename `added\tdeleted\t` followed by two tokens, old and new path. Between records git
/// puts an empty token and a newline before the first entry; both are skipped. A token starting
/// with the record marker begins the next commit; a numstat token never does (it starts with a
/// digit or `-`) and rename paths are consumed by position, so any path bytes are safe.
pub(super) struct Parser<R> {
    input: R,
    token: Vec<u8>,
    /// The first token of the next record, read while finishing the previous one.
    lookahead: Option<Vec<u8>>,
}

impl<R: BufRead> Parser<R> {
    pub(super) fn new(input: R) -> Self {
        Self {
            input,
            token: Vec::with_capacity(4096),
            lookahead: None,
        }
    }

    /// Reads the next NUL-terminated token into `self.token`; false at end of input.
    fn read_token(&mut self) -> Result<bool, String> {
        self.token.clear();
        let n = self
            .input
            .read_until(0, &mut self.token)
            .map_err(|e| format!("reading git's output failed: {e}"))?;
        if n == 0 {
            return Ok(false);
        }
        if self.token.last() == Some(&0) {
            self.token.pop();
        }
        Ok(true)
    }

    pub(super) fn next_commit(&mut self) -> Result<Option<Commit>, String> {
        let first = match self.lookahead.take() {
            Some(token) => token,
            None => loop {
                if !self.read_token()? {
                    return Ok(None);
                }
                if !self.token.is_empty() {
                    break self.token.clone();
                }
            },
        };
        if first.first() != Some(&RECORD) {
            return Err(format!(
                "expected a commit record, found {:?}",
                String::from_utf8_lossy(&first)
            ));
        }
        let mut fields: Vec<String> = Vec::with_capacity(HEADER_FIELDS);
        fields.push(String::from_utf8_lossy(&first[1..]).into_owned());
        while fields.len() < HEADER_FIELDS {
            if !self.read_token()? {
                return Err(format!("commit {} ends inside its header", fields[0]));
            }
            fields.push(String::from_utf8_lossy(&self.token).into_owned());
        }
        let mut commit = commit_from_header(fields)?;

        loop {
            if !self.read_token()? {
                break;
            }
            if self.token.is_empty() {
                continue;
            }
            if self.token[0] == RECORD {
                self.lookahead = Some(std::mem::take(&mut self.token));
                break;
            }
            let entry = self.token.strip_prefix(b"\n").unwrap_or(&self.token);
            let (added, deleted, path) = split_numstat(entry)
                .ok_or_else(|| format!("bad numstat entry in commit {}", commit.sha))?;
            let binary = added.is_none();
            let (path, old_path) = if path.is_empty() {
                let mut pair = [Vec::new(), Vec::new()];
                for slot in &mut pair {
                    if !self.read_token()? {
                        return Err(format!("rename in commit {} lacks its paths", commit.sha));
                    }
                    *slot = self.token.clone();
                }
                let [old, new] = pair;
                (GitPath::new(new), Some(GitPath::new(old)))
            } else {
                (GitPath::new(path.to_vec()), None)
            };
            commit.files.push(FileChange {
                path,
                old_path,
                added: added.unwrap_or(0),
                deleted: deleted.unwrap_or(0),
                binary,
            });
        }
        Ok(Some(commit))
    }
}

/// Splits `added\tdeleted\tpath`; counts are `None` for binary files (`-`).
type Numstat<'a> = (Option<u64>, Option<u64>, &'a [u8]);

fn split_numstat(entry: &[u8]) -> Option<Numstat<'_>> {
    let mut parts = entry.splitn(3, |&b| b == b'\t');
    let added = count(parts.next()?)?;
    let deleted = count(parts.next()?)?;
    Some((added, deleted, parts.next()?))
}

fn count(field: &[u8]) -> Option<Option<u64>> {
    if field == b"-" {
        return Some(None);
    }
    std::str::from_utf8(field).ok()?.parse().ok().map(Some)
}

fn commit_from_header(fields: Vec<String>) -> Result<Commit, String> {
    let [sha, parents, an, ae, ad, cn, ce, cd, message]: [String; HEADER_FIELDS] = fields
        .try_into()
        .map_err(|_| "wrong number of header fields".to_string())?;
    let time = |raw: &str| parse_time(raw).ok_or_else(|| format!("commit {sha}: bad date {raw:?}"));
    let (author_time, committer_time) = (time(&ad)?, time(&cd)?);
    let (subject, body) = split_message(&message);
    Ok(Commit {
        parents: parents.split_whitespace().map(str::to_string).collect(),
        author_name: an,
        author_email: ae,
        author_time,
        committer_name: cn,
        committer_email: ce,
        committer_time,
        subject,
        body,
        files: Vec::new(),
        sha,
    })
}

/// Parses `--date=raw` output: `1700000000 +0130`.
fn parse_time(raw: &str) -> Option<GitTime> {
    let (secs, zone) = raw.trim().split_once(' ')?;
    let seconds = secs.parse().ok()?;
    // Old tools wrote malformed zones (`+51800`); the instant is still right, so such a zone
    // reads as UTC rather than failing the whole history.
    let offset_minutes = parse_zone(zone).unwrap_or(0);
    Some(GitTime {
        seconds,
        offset_minutes,
    })
}

fn parse_zone(zone: &str) -> Option<i32> {
    let (sign, digits) = match zone.as_bytes().first()? {
        b'+' => (1, &zone[1..]),
        b'-' => (-1, &zone[1..]),
        _ => return None,
    };
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hours: i32 = digits[..2].parse().ok()?;
    let minutes: i32 = digits[2..].parse().ok()?;
    Some(sign * (hours * 60 + minutes))
}

/// Subject as git's `%s` (first paragraph, lines joined by spaces) and the body after it.
fn split_message(message: &str) -> (String, String) {
    let message = message.trim_start_matches('\n');
    let mut lines = message.split('\n');
    let mut subject = String::new();
    for line in lines.by_ref() {
        if line.trim().is_empty() {
            break;
        }
        if !subject.is_empty() {
            subject.push(' ');
        }
        subject.push_str(line.trim_end());
    }
    let rest: Vec<&str> = lines.skip_while(|l| l.trim().is_empty()).collect();
    (subject, rest.join("\n").trim_end().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(bytes: &[u8]) -> Result<Vec<Commit>, String> {
        let mut parser = Parser::new(bytes);
        let mut out = Vec::new();
        while let Some(c) = parser.next_commit()? {
            out.push(c);
        }
        Ok(out)
    }

    fn header(sha: &str, message: &str) -> Vec<u8> {
        format!(
            "\x1e{sha}\0p1 p2\0Ann\0ann@x\01700000000 +0130\0Bob\0bob@x\01700000100 -0800\0{message}\0"
        )
        .into_bytes()
    }

    #[test]
    fn parses_records_numstat_renames_and_binary() {
        let mut out = header("aaa", "feat: x\n\nbody\nmore\n");
        out.extend_from_slice(b"\0\n3\t1\tsrc/a.rs\0-\t-\timg.png\0");
        out.extend_from_slice(b"2\t0\t\0old\tname\0new\nname\0");
        out.extend(header("bbb", "second\n"));
        out.extend_from_slice(b"\0");
        out.extend(header("ccc", "third\nline two\n\n\nbody"));
        out.extend_from_slice(b"\0\n1\t1\t\x1eodd\0");
        let commits = parse(&out).unwrap();
        assert_eq!(commits.len(), 3);
        let a = &commits[0];
        assert_eq!(a.sha, "aaa");
        assert_eq!(a.parents, ["p1", "p2"]);
        assert_eq!(a.subject, "feat: x");
        assert_eq!(a.body, "body\nmore");
        assert_eq!(a.author_time.offset_minutes, 90);
        assert_eq!(a.committer_time.seconds, 1_700_000_100);
        assert_eq!(a.committer_time.offset_minutes, -480);
        assert_eq!(a.files.len(), 3);
        assert_eq!(a.files[0].path, "src/a.rs");
        assert_eq!((a.files[0].added, a.files[0].deleted), (3, 1));
        assert!(a.files[1].binary);
        assert_eq!(a.files[2].path, "new\nname");
        assert_eq!(a.files[2].old_path.as_ref().unwrap(), &"old\tname");
        assert!(commits[1].files.is_empty());
        assert_eq!(commits[2].subject, "third line two");
        assert_eq!(commits[2].body, "body");
        assert_eq!(commits[2].files[0].path.as_bytes(), b"\x1eodd");
    }

    #[test]
    fn rejects_garbage() {
        assert!(parse(b"not a record\0").is_err());
        let mut out = header("aaa", "x");
        out.extend_from_slice(b"\nx\ty\tz\0");
        assert!(parse(&out).is_err());
        assert!(parse(&header("aaa", "x")[..20]).is_err());
    }

    #[test]
    fn parses_times() {
        let t = parse_time("1 -0030").unwrap();
        assert_eq!((t.seconds, t.offset_minutes), (1, -30));
        // Malformed zones from old tools keep the instant and read as UTC.
        assert_eq!(parse_time("1 0030").unwrap().offset_minutes, 0);
        assert_eq!(parse_time("1313584730 +51800").unwrap().offset_minutes, 0);
        assert!(parse_time("x +0000").is_none());
    }
}
