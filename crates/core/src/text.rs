//! Untrusted text on its way out: commit subjects, PR/MR titles, branch and tag names, author
//! names and anything else someone outside this run wrote.
//!
//! Three dangers, three functions, shared by all four tools so they agree:
//!
//! - [`plain`] / [`plain_lines`]: control characters (C0, DEL, C1), bidirectional overrides and
//!   invisible joiners removed. An `ESC [` sequence in a commit subject would otherwise recolour
//!   or rewrite a terminal and a CI log, and a right-to-left override makes a line read
//!   differently from what it says.
//! - [`inline`]: Markdown for a table cell or a list item. Only what Markdown would take as
//!   syntax is escaped, so the raw text still reads normally.
//! - mentions: `@name`, `@org/team` and group mentions such as GitLab's `@all` written in a
//!   commit subject or PR title would notify people on every update of a sticky comment.
//!   [`inline`] puts each in a code span, `` `@octocat` ``.
//!
//! Why a code span: neither GitHub nor GitLab turn references inside code into mentions, both
//! render it cleanly, and the text stays exactly what was written (copyable, searchable). An
//! invisible joiner after the `@` would also stop the notification, but it is one of the
//! spoofing characters [`plain`] removes, it survives copy and paste, and a terminal may show
//! it; an HTML entity (`&#64;`) is decoded before the forges look for mentions.
//!
//! E-mail addresses (`a@b.com`: a word character before the `@`) are not mentions and stay as
//! they are; `#123`, `!123` and URLs stay readable and keep linking.
//!
//! JSON output does not go through here: JSON is data, its consumers get the text as written,
//! and serde writes control characters as `\u001b`-style escapes, never as raw bytes.

/// Whether `c` is removed from untrusted text: control characters (C0, DEL, C1), bidirectional
/// embeddings, overrides, isolates and marks, and the zero-width characters used to make two
/// different strings look the same.
pub fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2069}'
                | '\u{061C}'
                | '\u{FEFF}'
        )
}

/// Untrusted text on one line: line breaks and tabs become spaces, every other hidden character
/// ([`is_hidden`]) is removed. For terminal output, log lines, titles and anything Markdown
/// renders on one line.
pub fn plain(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            '\n' | '\r' | '\t' => Some(' '),
            c if is_hidden(c) => None,
            c => Some(c),
        })
        .collect()
}

/// Untrusted text over several lines: like [`plain`], but line breaks stay (`\r\n` and `\r`
/// become `\n`) and tabs stay. For bodies printed as they are.
pub fn plain_lines(text: &str) -> String {
    let text = text.replace("\r\n", "\n");
    text.chars()
        .filter_map(|c| match c {
            '\n' | '\r' => Some('\n'),
            '\t' => Some('\t'),
            c if is_hidden(c) => None,
            c => Some(c),
        })
        .collect()
}

/// Untrusted text as inline Markdown that stays on one line and inside a table cell: [`plain`],
/// then Markdown syntax escaped and mentions neutralised (see the module docs).
///
/// Escaped: `\`, `` ` ``, `*`, `_`, `~`, `[`, `]` and `|` with a backslash; `<` and `>` as
/// `&lt;` and `&gt;` (no HTML, no hidden comments); `&` that would start an entity; and
/// at the start, what would open a heading, quote or list (`#`, `>`, `-`, `+`, `=`, `1.`, `1)`).
/// URLs (`http://`, `https://`) keep their characters so the forges still link them, except those
/// that would end a table cell or open HTML.
pub fn inline(text: &str) -> String {
    let text = plain(text);
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 8);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        // What counts is the character the forge will see before this one: a mention just
        // put in a code span ends a text node, so an `@` right after it starts a new one.
        let word_before = out.chars().next_back().is_some_and(is_word);
        if !word_before && let Some(len) = url_len(&chars[i..]) {
            out.extend(&chars[i..i + len]);
            i += len;
            continue;
        }
        if c == '@'
            && !word_before
            && let Some(len) = mention_len(&chars[i + 1..])
        {
            out.push('`');
            out.extend(&chars[i..=i + len]);
            out.push('`');
            i += len + 1;
            continue;
        }
        match c {
            '\\' | '`' | '*' | '_' | '~' | '[' | ']' | '|' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' if entity_like(&chars[i + 1..]) => {
                out.push_str("\\&");
            }
            '#' | '-' | '+' | '=' if out.trim().is_empty() => {
                out.push('\\');
                out.push(c);
            }
            // An ordered-list marker: digits at the start, then `.` or `)` and a space or
            // the end (`1.2.3` is no list).
            '.' | ')'
                if !out.trim().is_empty()
                    && out.trim_start().chars().all(|d| d.is_ascii_digit())
                    && chars.get(i + 1).is_none_or(|n| n.is_whitespace()) =>
            {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
        i += 1;
    }
    out
}

/// Untrusted text as a Markdown code span that also survives a table cell: [`plain`], backticks
/// turned into `'` (a span cannot hold its own delimiter reliably) and `|` escaped (GitHub ends a
/// cell at a bare `|` even inside code). Mentions inside code never notify.
pub fn code(text: &str) -> String {
    format!("`{}`", plain(text).replace('`', "'").replace('|', "\\|"))
}

/// Markdown of our own that quotes untrusted text, fitted into one table cell or list item:
/// [`plain`] (line breaks become spaces), `|` escaped, `<` and `>` as entities (no HTML) and
/// mentions quieted ([`quiet_mentions`]); the rest of its Markdown stays.
pub fn cell(text: &str) -> String {
    quiet_mentions(
        &plain(text)
            .replace('|', "\\|")
            .replace('<', "&lt;")
            .replace('>', "&gt;"),
    )
}

/// Untrusted text inside a quoted Mermaid label (a node, an edge, a chart's title or category):
/// Mermaid's grammar has no escapes, and quotes, `%%` (a directive or comment), `#…;` (an
/// entity), `<…>` (HTML in a label) and line breaks all mean something to it, so only ASCII
/// letters, digits, space and `.`, `-`, `+`, `/` stay; every other character becomes `_`. At
/// most `max` characters: a longer text keeps its end, where a tag or a version differs.
pub fn chart_label(text: &str, max: usize) -> String {
    let plain: String = text
        .chars()
        .filter(|c| !is_hidden(*c) || matches!(c, '\n' | '\r' | '\t'))
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+' | '/' | ' ') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let count = plain.chars().count();
    if count <= max {
        plain
    } else {
        plain.chars().skip(count - max).collect()
    }
}

/// The mentions in Markdown `text` that would notify someone: `@name` or `@group/name` outside
/// code spans and URLs, with no word character before the `@`. What [`inline`] produces has none.
pub fn live_mentions(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    scan_mentions(text, |mention| {
        found.push(mention.to_string());
        mention.to_string()
    });
    found
}

/// Markdown `text` of our own that quotes untrusted text: its live mentions ([`live_mentions`])
/// put in code spans, everything else as it is. For messages whose own Markdown must stay.
pub fn quiet_mentions(text: &str) -> String {
    scan_mentions(text, |mention| format!("`{mention}`"))
}

/// `text` with each live mention replaced by what `replace` makes of it.
fn scan_mentions(text: &str, mut replace: impl FnMut(&str) -> String) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    // Where the last replaced mention ended: a code span ends a text node, so the forges read
    // an `@` right after it as the start of a mention whatever came before (see [`inline`]).
    let mut replaced_to = None;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let word_before = i > 0 && is_word(chars[i - 1]) && replaced_to != Some(i);
        if c == '\\' {
            out.extend(chars.get(i..(i + 2).min(chars.len())).unwrap_or_default());
            i += 2;
            continue;
        }
        if c == '`' {
            // A code span opens with a run of backticks and closes at the next run of the
            // same length (CommonMark); a run without one is literal text, escaped here so
            // that it cannot pair with the backticks put around a mention after it.
            let run = chars[i..].iter().take_while(|c| **c == '`').count();
            match code_span_end(&chars, i + run, run) {
                Some(end) => {
                    out.extend(&chars[i..end]);
                    i = end;
                }
                None => {
                    out.push_str(&"\\`".repeat(run));
                    i += run;
                }
            }
            continue;
        }
        if !word_before {
            if let Some(len) = url_len(&chars[i..]) {
                out.extend(&chars[i..i + len]);
                i += len;
                continue;
            }
            if c == '@'
                && let Some(len) = mention_len(&chars[i + 1..])
            {
                let mention: String = chars[i..=i + len].iter().collect();
                out.push_str(&replace(&mention));
                i += len + 1;
                replaced_to = Some(i);
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

/// Where the code span whose opening run of `run` backticks ends before `from` closes: the
/// index after its closing run, or `None` when no run of that length follows.
fn code_span_end(chars: &[char], from: usize, run: usize) -> Option<usize> {
    let mut i = from;
    while i < chars.len() {
        if chars[i] == '`' {
            let len = chars[i..].iter().take_while(|c| **c == '`').count();
            if len == run {
                return Some(i + len);
            }
            i += len;
        } else {
            i += 1;
        }
    }
    None
}

/// Whether the text after a `&` would make it an HTML entity (`&amp;`, `&#64;`, `&#x40;`).
fn entity_like(after: &[char]) -> bool {
    if after.first() == Some(&'#') {
        return true;
    }
    let name = after
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric())
        .count();
    name > 0 && after.get(name) == Some(&';')
}

/// Characters that, before an `@`, make it part of a word (an e-mail address) on both forges.
fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The length of the name after an `@`, when it is one either forge could take for a mention:
/// a letter, digit or `_` first, then also `.`, `-` and `/` (groups), not ending in punctuation.
fn mention_len(after: &[char]) -> Option<usize> {
    let first = after.first()?;
    if !is_word(*first) {
        return None;
    }
    let mut len = after
        .iter()
        .take_while(|c| is_word(**c) || matches!(c, '.' | '-' | '/'))
        .count();
    while len > 1 && matches!(after[len - 1], '.' | '-' | '/') {
        len -= 1;
    }
    Some(len)
}

/// The length of a URL starting here (`http://` or `https://` up to white space or `<`, `>`,
/// `` ` ``, `|`, `\`, `[`, `]`: brackets, which Markdown reads as link syntax, end it, so
/// what follows them is escaped as text).
fn url_len(at: &[char]) -> Option<usize> {
    let starts = |p: &str| at.len() > p.len() && p.chars().zip(at).all(|(a, b)| a == *b);
    if !(starts("http://") || starts("https://")) {
        return None;
    }
    Some(
        at.iter()
            .take_while(|c| {
                !c.is_whitespace() && !matches!(c, '<' | '>' | '`' | '|' | '\\' | '[' | ']')
            })
            .count(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_bidi_and_joiners_go_and_breaks_become_spaces() {
        assert_eq!(
            plain("a\u{1b}[31mb\u{7}\u{9b}c\u{202e}d\u{2066}e\u{200d}f\u{7f}\n\tg"),
            "a[31mbcdef  g"
        );
        assert_eq!(plain_lines("a\r\nb\rc\u{1b}\td"), "a\nb\nc\td");
    }

    #[test]
    fn markdown_syntax_is_escaped_and_plain_words_stay() {
        assert_eq!(inline("fix: parser"), "fix: parser");
        assert_eq!(
            inline("a|b <img> *x* _y_ [l](u) `c` ~s~ \\"),
            "a\\|b &lt;img&gt; \\*x\\* \\_y\\_ \\[l\\](u) \\`c\\` \\~s\\~ \\\\"
        );
        assert_eq!(inline("# title"), "\\# title");
        assert_eq!(inline("- item"), "\\- item");
        assert_eq!(inline("12. item"), "12\\. item");
        assert_eq!(inline("3)"), "3\\)");
        assert_eq!(inline("1.2.3 is out"), "1.2.3 is out");
        assert_eq!(inline("v1.2 fixes #12 and !34"), "v1.2 fixes #12 and !34");
        assert_eq!(inline("R&D &amp; &#64;x"), "R&D \\&amp; \\&#64;x");
    }

    #[test]
    fn mentions_go_into_code_spans_and_emails_stay() {
        assert_eq!(inline("thanks @octocat!"), "thanks `@octocat`!");
        assert_eq!(inline("cc @acme/ops."), "cc `@acme/ops`.");
        assert_eq!(inline("@all deploy"), "`@all` deploy");
        assert_eq!(inline("(@user_1)"), "(`@user_1`)");
        assert_eq!(inline("mail a.b@example.com"), "mail a.b@example.com");
        assert_eq!(inline("@ alone and @"), "@ alone and @");
        assert!(live_mentions(&inline("hi @x and @y/z")).is_empty());
        // A bracket ends a URL; the mention after it is quieted like any other.
        assert_eq!(inline("http://]@_"), "http://\\]`@_`");
        assert!(live_mentions(&inline("http://]@_")).is_empty());
        assert_eq!(live_mentions("hi @x, `@y`"), vec!["@x".to_string()]);
        assert_eq!(quiet_mentions("by @x in `@y` *b*"), "by `@x` in `@y` *b*");
        // A code span closes only at a run of backticks as long as the one that opened it.
        assert_eq!(quiet_mentions("``a` @x``"), "``a` @x``");
        assert_eq!(quiet_mentions("``a` @x` b"), "\\`\\`a` @x` b");
        // After a mention put in code, an `@` starts a new text node: no longer an address.
        assert_eq!(quiet_mentions("@a@b"), "`@a``@b`");
        assert_eq!(quiet_mentions("``a` @x"), "\\`\\`a\\` `@x`");
        assert_eq!(quiet_mentions("` @x"), "\\` `@x`");
        assert!(live_mentions(&cell("``a` @x` b | <i>")).is_empty());
    }

    #[test]
    fn urls_keep_their_characters() {
        assert_eq!(
            inline("see https://example.com/a_b/@user?q=*x*"),
            "see https://example.com/a_b/@user?q=*x*"
        );
    }

    #[test]
    fn code_spans_hold_anything_on_one_line() {
        assert_eq!(code("a`b|c\n@x\u{1b}"), "`a'b\\|c @x`");
    }
}
