//! Reading commit messages: conventional-commit structure, purpose signals and PR references.
//!
//! A release summary groups changes by kind, the semver bump follows from those kinds, and the risk
//! model weighs fixes, reverts and hotfixes differently from other work. All three start from the
//! message text, so the rules for reading it live here, in one place.
//!
//! The header follows [Conventional Commits 1.0](https://www.conventionalcommits.org/en/v1.0.0/):
//! `type(scope)!: description`, with a `BREAKING CHANGE:` (or `BREAKING-CHANGE:`) footer as the other
//! way to mark a breaking change. The type is case-insensitive; the footer token is upper case, as the
//! specification requires. Real-world forms that the specification does not forbid are accepted:
//! leading blank lines or spaces, `Fix: x`, an empty scope `feat(): x`, and `!` written before the
//! scope (`feat!(api): x`). A message that does not follow the form is *not conventional*: its type
//! is `None`, and no type is guessed from its words.
//!
//! Merge commits written by the forges carry the PR/MR title on the first body line
//! (`Merge pull request #1 from o/b` + blank line + title on GitHub, `Merge branch 'b' into 'main'` +
//! blank line + title on GitLab); for those the title is read as the header.

use serde::{Serialize, Serializer};

use crate::pr_subject;
use crate::refs::{self, References};
use crate::text::split_message;

/// The type of a conventional commit (`feat`, `fix`, ...), compared case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CommitType {
    /// `feat`: a new feature.
    Feat,
    /// `fix`: a bug fix.
    Fix,
    /// `perf`: a performance improvement.
    Perf,
    /// `refactor`: a code change that neither fixes a bug nor adds a feature.
    Refactor,
    /// `docs`: documentation only.
    Docs,
    /// `test`: tests only.
    Test,
    /// `build`: the build system or external dependencies.
    Build,
    /// `ci`: CI configuration and scripts.
    Ci,
    /// `chore`: maintenance that touches neither sources nor tests.
    Chore,
    /// `style`: formatting and whitespace.
    Style,
    /// `revert`: undoes an earlier commit.
    Revert,
    /// Any other type the team uses (`wip`, `deps`, `release`...), lower-cased.
    Other(String),
}

impl CommitType {
    /// The type named by a header token, compared case-insensitively. The singular and plural
    /// spellings that histories mix (`doc:` and `docs:`, `test:` and `tests:`) name one type.
    pub fn from_token(token: &str) -> CommitType {
        let lower = token.to_ascii_lowercase();
        match lower.as_str() {
            "feat" => CommitType::Feat,
            "fix" => CommitType::Fix,
            "perf" => CommitType::Perf,
            "refactor" => CommitType::Refactor,
            "docs" | "doc" => CommitType::Docs,
            "test" | "tests" => CommitType::Test,
            "build" => CommitType::Build,
            "ci" => CommitType::Ci,
            "chore" => CommitType::Chore,
            "style" => CommitType::Style,
            "revert" => CommitType::Revert,
            _ => CommitType::Other(lower),
        }
    }

    /// Whether the type is one of the kind words teams use for what a change is (the types of
    /// Conventional Commits, and `deps`), rather than a word of their own such as an area of the
    /// code (`printer: …`, read as a type by the grammar).
    pub fn is_kind_word(&self) -> bool {
        match self {
            CommitType::Other(other) => matches!(other.as_str(), "deps" | "dep"),
            _ => true,
        }
    }

    /// The lower-case spelling, as used in headers and in JSON output.
    pub fn as_str(&self) -> &str {
        match self {
            CommitType::Feat => "feat",
            CommitType::Fix => "fix",
            CommitType::Perf => "perf",
            CommitType::Refactor => "refactor",
            CommitType::Docs => "docs",
            CommitType::Test => "test",
            CommitType::Build => "build",
            CommitType::Ci => "ci",
            CommitType::Chore => "chore",
            CommitType::Style => "style",
            CommitType::Revert => "revert",
            CommitType::Other(other) => other,
        }
    }
}

impl Serialize for CommitType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Why a change was made, as far as its message says: the purpose features of the risk model.
///
/// Fix-inducing research (Kamei et al. 2013, after Mockus and Votta) marks a change as a fix from
/// keywords in its message. The signals used here are deliberately few:
/// - `is_fix`: the conventional type is `fix`; or, for a message that is not conventional, a header
///   word among `fix`, `fixes`, `fixed`, `fixing`, `bug`, `bugs`, `bugfix`, `bugfixes`, `defect`,
///   `defects`; or the change is a hotfix. A conventional type other than `fix` is trusted
///   (`docs: fix typo` is documentation, not a bug fix).
/// - `is_revert`: the type is `revert`, the subject is git's `Revert "..."`, or the body names
///   what it reverts (`This reverts commit <sha>`, `Reverts owner/repo#12`, `This reverts merge
///   request !42`).
/// - `is_hotfix`: the word `hotfix` (or `hot fix`, `hot-fix`) in the header, a `hotfix` type or
///   scope, or a merged branch named `hotfix/...` or `hotfix-...`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Purpose {
    /// The change repairs a defect.
    pub is_fix: bool,
    /// The change undoes an earlier change.
    pub is_revert: bool,
    /// The change is an urgent fix, usually shipped outside the normal flow.
    pub is_hotfix: bool,
}

/// One commit message, read: conventional structure, purpose and PR references.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommitMessage {
    /// The conventional type, or `None` when the header is not conventional.
    #[serde(rename = "type")]
    pub kind: Option<CommitType>,
    /// The scope in parentheses, if any (empty scopes are dropped).
    pub scope: Option<String>,
    /// A breaking change: `!` before the colon or a `BREAKING CHANGE:` footer.
    pub breaking: bool,
    /// The description after `type(scope): `, or the whole header when not conventional.
    pub description: String,
    /// The area of the code the header names, as in `printer: fix …`, `net: ipv4: …` or
    /// `ignore/types: add …` ("area: subject", the style of ripgrep and the Linux kernel):
    /// the type when it is not a kind word ([`CommitType::is_kind_word`]), or a path-like
    /// prefix (letters, digits, `_ . / + -`) before `: ` in a header that is not conventional.
    pub area: Option<String>,
    /// The text of the `BREAKING CHANGE:` footer, when there is one.
    pub breaking_note: Option<String>,
    /// Fix, revert and hotfix signals.
    pub purpose: Purpose,
    /// The PR/MR this commit came from and what it reverts.
    pub references: References,
}

impl CommitMessage {
    /// Reads a full commit message (subject, blank line, body).
    pub fn parse(message: &str) -> CommitMessage {
        let (subject, body) = split_message(message);
        let references = refs::references(message);
        let header = effective_header(subject, body);
        let conventional = parse_header(header).or_else(|| kind_path_header(header));
        let (kind, scope, bang, description) = match conventional {
            Some(h) => (Some(h.kind), h.scope, h.breaking, h.description.to_owned()),
            None => (None, None, false, header.trim().to_owned()),
        };
        let area = match &kind {
            Some(kind) if kind.is_kind_word() => None,
            Some(kind) => Some(kind.as_str().to_owned()),
            None => area_prefix(header),
        };
        let breaking_note = breaking_footer(body);
        let purpose = purpose(
            subject,
            header,
            kind.as_ref(),
            scope.as_deref(),
            &references,
        );
        CommitMessage {
            kind,
            scope,
            breaking: bang || breaking_note.is_some(),
            description,
            area,
            breaking_note,
            purpose,
            references,
        }
    }

    /// Whether the header follows the conventional form.
    pub fn is_conventional(&self) -> bool {
        self.kind.is_some()
    }
}

/// The header to read as conventional: the PR/MR title for forge merge commits, else the subject.
fn effective_header<'a>(subject: &'a str, body: &'a str) -> &'a str {
    if !pr_subject::title_in_body(subject) {
        return subject;
    }
    body.lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .filter(|line| !line.starts_with("See merge request "))
        .unwrap_or(subject)
}

struct Header<'a> {
    kind: CommitType,
    scope: Option<String>,
    breaking: bool,
    description: &'a str,
}

fn parse_header(header: &str) -> Option<Header<'_>> {
    let header = header.trim();
    let token_end = header
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .unwrap_or(header.len());
    if token_end == 0 || !header.as_bytes()[0].is_ascii_alphabetic() {
        return None;
    }
    let kind = CommitType::from_token(&header[..token_end]);
    let mut rest = &header[token_end..];
    let mut breaking = false;
    if let Some(after) = rest.strip_prefix('!') {
        breaking = true;
        rest = after;
    }
    let mut scope = None;
    if let Some(after) = rest.strip_prefix('(') {
        let close = after.find(')')?;
        let inner = after[..close].trim();
        if inner.contains('(') {
            return None;
        }
        if !inner.is_empty() {
            scope = Some(inner.to_owned());
        }
        rest = &after[close + 1..];
    }
    if let Some(after) = rest.strip_prefix('!') {
        breaking = true;
        rest = after;
    }
    let after_colon = rest.strip_prefix(':')?;
    // The specification requires a space after the colon; without it `http://x` or `a:b` would
    // read as headers.
    if !after_colon.starts_with([' ', '\t']) {
        return None;
    }
    let description = after_colon.trim();
    if description.is_empty() {
        return None;
    }
    Some(Header {
        kind,
        scope,
        breaking,
        description,
    })
}

/// `docs/ignore: …`, `test/printer: …`: a kind word whose scope is written as a path after it
/// instead of in parentheses.
fn kind_path_header(header: &str) -> Option<Header<'_>> {
    let prefix = area_prefix(header)?;
    let (first, rest) = prefix.split_once('/')?;
    let kind = CommitType::from_token(first);
    if matches!(kind, CommitType::Other(_)) || first.contains(['.', '+']) {
        return None;
    }
    let (_, description) = header.trim().split_once(": ")?;
    Some(Header {
        kind,
        scope: Some(rest.to_owned()).filter(|r| !r.is_empty()),
        breaking: false,
        description: description.trim(),
    })
}

/// `ignore/types: add …` or `drm/i915: …`: a path-like prefix before `: `, with at least one
/// letter and a description after it. Words with spaces (`Update README: …`), a `Revert "…"`
/// and numbers (`2024: …`) are not areas.
fn area_prefix(header: &str) -> Option<String> {
    let (prefix, description) = header.trim().split_once(": ")?;
    let valid = !prefix.is_empty()
        && prefix.len() <= 48
        && prefix.starts_with(|c: char| c.is_ascii_alphanumeric())
        && prefix.chars().any(|c| c.is_ascii_alphabetic())
        && prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '/' | '+' | '-'))
        && !description.trim().is_empty();
    valid.then(|| prefix.to_owned())
}

/// The text of the first `BREAKING CHANGE:` / `BREAKING-CHANGE:` footer, up to the next blank line.
fn breaking_footer(body: &str) -> Option<String> {
    let mut lines = body.lines();
    while let Some(line) = lines.next() {
        let line = line.trim();
        let text = line
            .strip_prefix("BREAKING CHANGE:")
            .or_else(|| line.strip_prefix("BREAKING-CHANGE:"));
        if let Some(first) = text {
            let mut note = first.trim().to_owned();
            for more in lines.by_ref() {
                let more = more.trim();
                if more.is_empty() {
                    break;
                }
                if !note.is_empty() {
                    note.push(' ');
                }
                note.push_str(more);
            }
            return Some(note);
        }
    }
    None
}

const FIX_WORDS: &[&str] = &[
    "fix", "fixes", "fixed", "fixing", "bug", "bugs", "bugfix", "bugfixes", "defect", "defects",
];

fn purpose(
    subject: &str,
    header: &str,
    kind: Option<&CommitType>,
    scope: Option<&str>,
    references: &References,
) -> Purpose {
    let lower = header.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let hotfix_word = words.iter().any(|w| *w == "hotfix" || *w == "hotfixes")
        || words.windows(2).any(|w| w[0] == "hot" && w[1] == "fix");
    let hotfix_type = kind.is_some_and(|k| k.as_str() == "hotfix")
        || scope.is_some_and(|s| s.eq_ignore_ascii_case("hotfix"));
    let hotfix_branch = references
        .pr
        .as_ref()
        .and_then(|pr| pr.head.as_deref())
        .is_some_and(|head| {
            // GitHub heads read `owner/branch`; GitLab heads are the bare branch.
            let branch = head.to_ascii_lowercase();
            branch.starts_with("hotfix/")
                || branch.starts_with("hotfix-")
                || branch.contains("/hotfix/")
                || branch.contains("/hotfix-")
        });
    let is_hotfix = hotfix_word || hotfix_type || hotfix_branch;

    let is_revert = matches!(kind, Some(CommitType::Revert))
        || subject.starts_with("Revert \"")
        || !references.reverts.is_empty();

    let is_fix = is_hotfix
        || match kind {
            Some(CommitType::Fix) => true,
            Some(_) => false,
            None => words.iter().any(|w| FIX_WORDS.contains(w)),
        };
    Purpose {
        is_fix,
        is_revert,
        is_hotfix,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::group::Section;

    fn parse(message: &str) -> CommitMessage {
        CommitMessage::parse(message)
    }

    #[test]
    fn plain_types_scopes_and_bang() {
        let m = parse("feat(api)!: drop v1 endpoints");
        assert_eq!(m.kind, Some(CommitType::Feat));
        assert_eq!(m.scope.as_deref(), Some("api"));
        assert!(m.breaking);
        assert_eq!(m.description, "drop v1 endpoints");

        let m = parse("fix: handle empty input");
        assert_eq!(m.kind, Some(CommitType::Fix));
        assert_eq!(m.scope, None);
        assert!(!m.breaking);
    }

    #[test]
    fn type_is_case_insensitive_and_leading_whitespace_is_tolerated() {
        let m = parse("\n\n   Fix: Crash on start");
        assert_eq!(m.kind, Some(CommitType::Fix));
        assert_eq!(m.description, "Crash on start");
        assert_eq!(parse("FEAT(UI): x").kind, Some(CommitType::Feat));
        assert_eq!(parse("Docs: x").kind, Some(CommitType::Docs));
    }

    #[test]
    fn bang_before_scope_and_empty_scope_are_tolerated() {
        let m = parse("feat!(core): new engine");
        assert!(m.breaking);
        assert_eq!(m.scope.as_deref(), Some("core"));
        let m = parse("chore(): tidy");
        assert_eq!(m.kind, Some(CommitType::Chore));
        assert_eq!(m.scope, None);
    }

    #[test]
    fn unknown_types_are_kept_lower_cased() {
        let m = parse("WIP: half done");
        assert_eq!(m.kind, Some(CommitType::Other("wip".into())));
        assert_eq!(m.kind.as_ref().map(CommitType::as_str), Some("wip"));
    }

    #[test]
    fn not_conventional_forms() {
        for message in [
            "Update README",
            "Merge branch 'main' of github.com:o/r",
            "see http://example.com",
            "fix:no space after colon",
            "feat(api: unbalanced",
            "feat: ",
            "2024: yearly cleanup",
            "(scope): no type",
            "fixup! feat: x",
        ] {
            let m = parse(message);
            assert_eq!(m.kind, None, "{message:?} should not be conventional");
            assert_eq!(m.description, message.trim());
        }
    }

    #[test]
    fn breaking_footers() {
        let m = parse(
            "feat: new config\n\nLong body.\n\nBREAKING CHANGE: `timeout` is now in seconds\nand must be set.\n\nRefs: #12",
        );
        assert!(m.breaking);
        assert_eq!(
            m.breaking_note.as_deref(),
            Some("`timeout` is now in seconds and must be set.")
        );
        assert!(parse("refactor: x\n\nBREAKING-CHANGE: gone").breaking);
        // The specification requires the token in upper case.
        assert!(!parse("refactor: x\n\nbreaking change: maybe").breaking);
        // The footer is a body element: the subject cannot carry it.
        assert!(!parse("BREAKING CHANGE: in the subject").breaking);
    }

    #[test]
    fn merge_commits_are_read_through_their_pr_title() {
        let m = parse("Merge pull request #42 from octo/feature/login\n\nfeat(auth): add login");
        assert_eq!(m.kind, Some(CommitType::Feat));
        assert_eq!(m.scope.as_deref(), Some("auth"));
        assert_eq!(m.references.pr.as_ref().map(|p| p.number), Some(42));

        let m = parse(
            "Merge branch 'fix-timeout' into 'main'\n\nfix: raise the timeout\n\nCloses #3\n\nSee merge request group/app!7",
        );
        assert_eq!(m.kind, Some(CommitType::Fix));
        assert_eq!(m.references.pr.as_ref().map(|p| p.number), Some(7));

        // A merge without a title keeps its subject and is not conventional.
        let m = parse("Merge pull request #5 from o/b");
        assert_eq!(m.kind, None);
        assert_eq!(m.description, "Merge pull request #5 from o/b");
    }

    #[test]
    fn fix_signal_from_type_or_words() {
        assert!(parse("fix(db): pool leak").purpose.is_fix);
        assert!(parse("Fix crash when config is empty").purpose.is_fix);
        assert!(parse("Resolve bug in parser").purpose.is_fix);
        assert!(!parse("docs: fix typo").purpose.is_fix);
        assert!(!parse("Add prefix option").purpose.is_fix);
        assert!(!parse("feat: debugger support").purpose.is_fix);
    }

    #[test]
    fn revert_signals() {
        let m = parse(
            "Revert \"feat: add cache\"\n\nThis reverts commit 1f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c.",
        );
        assert!(m.purpose.is_revert);
        assert!(!m.purpose.is_fix);
        assert_eq!(m.kind, None);
        assert_eq!(m.section(), Section::Reverts);
        assert!(
            parse("revert: feat: add cache\n\nRefs: 1f2e3d4")
                .purpose
                .is_revert
        );
        assert!(
            !parse("Reverting to old behaviour is hard")
                .purpose
                .is_revert
        );
    }

    #[test]
    fn hotfix_signals() {
        assert!(parse("hotfix: stop the bleeding").purpose.is_hotfix);
        assert!(parse("fix(hotfix): patch").purpose.is_hotfix);
        assert!(parse("Hot-fix for checkout").purpose.is_hotfix);
        let m = parse("Merge pull request #9 from octo/hotfix/payments\n\nPatch payments");
        assert!(m.purpose.is_hotfix);
        assert!(m.purpose.is_fix);
        assert!(
            parse("Merge branch 'hotfix-12' into 'main'\n\nSee merge request g/p!3")
                .purpose
                .is_hotfix
        );
        assert!(!parse("feat: add hotel search").purpose.is_hotfix);
    }
}
