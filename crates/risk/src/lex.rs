//! Whole-file lexers: which lines of a source file hold code.
//!
//! A line holds code when something outside comments is on it: comments, doc comments, Python
//! docstrings (a statement that is only a string) and blank lines are not code; string contents
//! are. Reading the whole file is what tells a line in the middle of a long block comment or
//! docstring from code, which a diff hunk alone cannot.

/// The languages lexed, each with its own comment and string rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Nested block comments, raw strings (`r#"…"#`), lifetimes.
    Rust,
    /// Raw strings in backquotes.
    Go,
    /// JavaScript and TypeScript: template literals, regular expression literals.
    Js,
    /// Text blocks (`"""`).
    Java,
    /// C and C++: raw strings (`R"x(…)x"`).
    C,
    /// Other languages with `//` and `/* … */` (C#, Kotlin, Scala, Swift).
    Slash,
    /// `#` comments, docstrings.
    Python,
    /// `#` comments, heredocs.
    Shell,
    /// `#` comments, heredocs, `=begin`/`=end`.
    Ruby,
}

/// One flag per line of `text` (lines split at `\n`): `true` when the line holds code.
pub fn code_flags(text: &[u8], lang: Lang) -> Vec<bool> {
    match lang {
        Lang::Python => python(text),
        Lang::Shell | Lang::Ruby => hash(text, lang == Lang::Ruby),
        _ => clike(text, lang),
    }
}

fn ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80
}

/// Bytes after which a JavaScript `/` starts a regular expression rather than a division.
const JS_REGEX_AFTER: &[u8] = b"(,=:[!&|?{};+-*%<>~^";
/// Keywords after which a JavaScript `/` starts a regular expression.
const JS_REGEX_WORDS: &[&[u8]] = &[
    b"return",
    b"typeof",
    b"case",
    b"do",
    b"else",
    b"in",
    b"of",
    b"new",
    b"delete",
    b"void",
    b"throw",
    b"yield",
    b"await",
    b"instanceof",
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Code,
    Line,
    Block,
    Str,
    Raw,
    Template,
    Regex,
}

/// `r"`, `r#"`, `br"`, `cr##"` at `i`: the closing delimiter and where the contents start.
fn rust_raw(text: &[u8], i: usize) -> Option<(Vec<u8>, usize)> {
    let mut j = i;
    if matches!(text.get(j), Some(b'b' | b'c')) {
        j += 1;
    }
    if text.get(j) != Some(&b'r') {
        return None;
    }
    j += 1;
    let hashes = text[j..].iter().take_while(|&&c| c == b'#').count();
    j += hashes;
    if text.get(j) != Some(&b'"') {
        return None;
    }
    let mut end = vec![b'"'];
    end.extend(std::iter::repeat_n(b'#', hashes));
    Some((end, j + 1))
}

/// `R"x(`, `u8R"(` at `i`: the closing delimiter and where the contents start.
fn cpp_raw(text: &[u8], i: usize) -> Option<(Vec<u8>, usize)> {
    let mut j = i;
    for prefix in [&b"u8"[..], b"u", b"U", b"L"] {
        if text[j..].starts_with(prefix) && text.get(j + prefix.len()) == Some(&b'R') {
            j += prefix.len();
            break;
        }
    }
    if text.get(j) != Some(&b'R') || text.get(j + 1) != Some(&b'"') {
        return None;
    }
    j += 2;
    let start = j;
    while j < text.len() && j - start <= 16 {
        match text[j] {
            b'(' => {
                let mut end = vec![b')'];
                end.extend_from_slice(&text[start..j]);
                end.push(b'"');
                return Some((end, j + 1));
            }
            b')' | b'\\' | b' ' | b'\t' | b'\n' => return None,
            _ => j += 1,
        }
    }
    None
}

/// The length of the UTF-8 character starting with `lead`.
fn char_len(lead: u8) -> usize {
    match lead {
        0xf0.. => 4,
        0xe0.. => 3,
        0xc0.. => 2,
        _ => 1,
    }
}

fn clike(text: &[u8], lang: Lang) -> Vec<bool> {
    let mut flags = vec![false; text.iter().filter(|&&c| c == b'\n').count() + 1];
    let n = text.len();
    let (mut i, mut line) = (0, 0);
    let mut mode = Mode::Code;
    let mut depth = 0u32;
    let mut end: Vec<u8> = Vec::new();
    let mut quote = b'"';
    // JavaScript: the open `${` substitutions, each with its brace depth.
    let mut braces: Vec<u32> = Vec::new();
    // The last token: `a` for a word or a literal, else its punctuation; `0` at the start.
    let (mut prev, mut word, mut in_class) = (0u8, &text[0..0], false);
    let nested = lang == Lang::Rust;
    let multiline_strings = lang == Lang::Rust;
    while i < n {
        let c = text[i];
        if c == b'\n' {
            line += 1;
            i += 1;
            if mode == Mode::Line
                || (mode == Mode::Str && !multiline_strings)
                || mode == Mode::Regex
            {
                mode = Mode::Code;
            }
            continue;
        }
        match mode {
            Mode::Code => {
                if matches!(c, b' ' | b'\t' | b'\r' | 0x0b | 0x0c) {
                    i += 1;
                    continue;
                }
                let next = text.get(i + 1).copied();
                if c == b'/' && next == Some(b'/') {
                    mode = Mode::Line;
                    continue;
                }
                if c == b'/' && next == Some(b'*') {
                    mode = Mode::Block;
                    depth = 1;
                    i += 2;
                    continue;
                }
                flags[line] = true;
                let before = if i > 0 { text[i - 1] } else { b' ' };
                if lang == Lang::Rust
                    && matches!(c, b'r' | b'b' | b'c')
                    && !ident(before)
                    && let Some((close, at)) = rust_raw(text, i)
                {
                    (mode, end, i) = (Mode::Raw, close, at);
                    continue;
                }
                if lang == Lang::C
                    && matches!(c, b'u' | b'U' | b'L' | b'R')
                    && !ident(before)
                    && let Some((close, at)) = cpp_raw(text, i)
                {
                    (mode, end, i) = (Mode::Raw, close, at);
                    continue;
                }
                if lang == Lang::Java && text[i..].starts_with(b"\"\"\"") {
                    (mode, end, i) = (Mode::Raw, b"\"\"\"".to_vec(), i + 3);
                    continue;
                }
                if c == b'"' {
                    (mode, quote, i) = (Mode::Str, b'"', i + 1);
                    continue;
                }
                if c == b'\'' {
                    if lang == Lang::Rust {
                        if next == Some(b'\\') {
                            (mode, quote, i) = (Mode::Str, b'\'', i + 1);
                        } else if let Some(lead) = next {
                            let after = i + 1 + char_len(lead);
                            // A character literal, else a lifetime or a label.
                            i = if text.get(after) == Some(&b'\'') {
                                after + 1
                            } else {
                                i + 1
                            };
                        } else {
                            i += 1;
                        }
                        continue;
                    }
                    (mode, quote, i) = (Mode::Str, b'\'', i + 1);
                    continue;
                }
                if c == b'`' && lang == Lang::Go {
                    (mode, end, i) = (Mode::Raw, b"`".to_vec(), i + 1);
                    continue;
                }
                if c == b'`' && lang == Lang::Js {
                    (mode, i) = (Mode::Template, i + 1);
                    continue;
                }
                if lang == Lang::Js {
                    if c == b'/'
                        && (prev == 0
                            || JS_REGEX_AFTER.contains(&prev)
                            || (prev == b'a' && JS_REGEX_WORDS.contains(&word)))
                    {
                        (mode, in_class, i) = (Mode::Regex, false, i + 1);
                        continue;
                    }
                    if c == b'{' && !braces.is_empty() {
                        if let Some(last) = braces.last_mut() {
                            *last += 1;
                        }
                    } else if c == b'}' && !braces.is_empty() {
                        if braces.last() == Some(&0) {
                            braces.pop();
                            (mode, i) = (Mode::Template, i + 1);
                            continue;
                        }
                        if let Some(last) = braces.last_mut() {
                            *last -= 1;
                        }
                    }
                }
                if ident(c) {
                    let mut j = i + 1;
                    while j < n && ident(text[j]) {
                        j += 1;
                    }
                    (prev, word, i) = (b'a', &text[i..j], j);
                    continue;
                }
                prev = if matches!(c, b')' | b']') { b')' } else { c };
                word = &text[0..0];
                i += 1;
            }
            Mode::Line => {
                i = text[i..]
                    .iter()
                    .position(|&c| c == b'\n')
                    .map_or(n, |at| i + at);
            }
            Mode::Block => {
                let next = text.get(i + 1).copied();
                if c == b'*' && next == Some(b'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        mode = Mode::Code;
                    }
                } else if nested && c == b'/' && next == Some(b'*') {
                    depth += 1;
                    i += 2;
                } else {
                    i += 1;
                }
            }
            // Inside a literal: its text is code.
            _ => {
                if !c.is_ascii_whitespace() {
                    flags[line] = true;
                }
                if c == b'\\'
                    && (matches!(mode, Mode::Str | Mode::Template | Mode::Regex)
                        || (mode == Mode::Raw && end == b"\"\"\""))
                {
                    if text.get(i + 1) == Some(&b'\n') {
                        line += 1;
                    }
                    i += 2;
                    continue;
                }
                let done = match mode {
                    Mode::Str if c == quote => Some(1),
                    Mode::Raw if text[i..].starts_with(&end) => Some(end.len()),
                    Mode::Template if c == b'`' => Some(1),
                    Mode::Template if c == b'$' && text.get(i + 1) == Some(&b'{') => {
                        braces.push(0);
                        (mode, prev, i) = (Mode::Code, b'{', i + 2);
                        continue;
                    }
                    Mode::Regex => {
                        match c {
                            b'[' => in_class = true,
                            b']' => in_class = false,
                            b'/' if !in_class => {}
                            _ => {
                                i += 1;
                                continue;
                            }
                        }
                        if c == b'/' { Some(1) } else { None }
                    }
                    _ => None,
                };
                match done {
                    Some(len) => {
                        (mode, prev, word) = (Mode::Code, b'a', &text[0..0]);
                        i += len;
                    }
                    None => i += 1,
                }
            }
        }
    }
    flags
}

/// A heredoc opener at `i` (`<<EOF`, `<<-'EOF'`, Ruby's `<<~EOF`): its terminator, whether
/// the terminator may be indented, and where the opener ends.
fn heredoc(src: &[u8], i: usize, ruby: bool) -> Option<(Vec<u8>, bool, usize)> {
    let mut j = i + 2;
    let strip = match src.get(j) {
        Some(b'-') => true,
        Some(b'~') if ruby => true,
        _ => false,
    };
    if strip {
        j += 1;
    }
    if !ruby {
        while matches!(src.get(j), Some(b' ' | b'\t')) {
            j += 1;
        }
    }
    let quote = match src.get(j) {
        Some(&q @ (b'"' | b'\'')) => Some(q),
        Some(b'`') if ruby => Some(b'`'),
        _ => None,
    };
    if quote.is_some() {
        j += 1;
    }
    let start = j;
    match src.get(j) {
        Some(c) if c.is_ascii_uppercase() || *c == b'_' => {}
        Some(c) if !ruby && c.is_ascii_alphabetic() => {}
        _ => return None,
    }
    while j < src.len() && (src[j].is_ascii_alphanumeric() || src[j] == b'_') {
        j += 1;
    }
    let word = src[start..j].to_vec();
    if let Some(q) = quote {
        if src.get(j) != Some(&q) {
            return None;
        }
        j += 1;
    }
    Some((word, strip, j))
}

fn hash(text: &[u8], ruby: bool) -> Vec<bool> {
    let lines: Vec<&[u8]> = text.split(|&c| c == b'\n').collect();
    let mut flags = vec![false; lines.len()];
    let (mut in_str, mut quote) = (false, b'"');
    let mut pending: Vec<(Vec<u8>, bool)> = Vec::new();
    let mut k = 0;
    while k < lines.len() {
        let src = lines[k];
        if !in_str && ruby && src.starts_with(b"=begin") {
            while k < lines.len() && !lines[k].starts_with(b"=end") {
                k += 1;
            }
            k += 1;
            continue;
        }
        let (mut i, n) = (0, src.len());
        while i < n {
            let c = src[i];
            if !in_str {
                if matches!(c, b' ' | b'\t' | b'\r') {
                    i += 1;
                    continue;
                }
                if c == b'#' && (ruby || i == 0 || b" \t;&|()".contains(&src[i - 1])) {
                    break;
                }
                flags[k] = true;
                if matches!(c, b'\'' | b'"' | b'`') {
                    (in_str, quote, i) = (true, c, i + 1);
                    continue;
                }
                if c == b'\\' {
                    i += 2;
                    continue;
                }
                if src[i..].starts_with(b"<<")
                    && !src[i..].starts_with(b"<<<")
                    && let Some((word, strip, at)) = heredoc(src, i, ruby)
                {
                    pending.push((word, strip));
                    i = at;
                    continue;
                }
                i += 1;
            } else {
                if !c.is_ascii_whitespace() {
                    flags[k] = true;
                }
                if c == b'\\' && quote != b'\'' {
                    i += 2;
                    continue;
                }
                if c == quote {
                    in_str = false;
                }
                i += 1;
            }
        }
        k += 1;
        while !in_str && !pending.is_empty() {
            let (word, strip) = pending.remove(0);
            while k < lines.len() {
                let body = if strip {
                    lines[k].trim_ascii()
                } else {
                    lines[k]
                };
                if !lines[k].trim_ascii().is_empty() {
                    flags[k] = true;
                }
                k += 1;
                if body == word.as_slice() {
                    break;
                }
            }
        }
    }
    flags
}

/// Python: a logical line (brackets and backslashes join physical lines) holds code unless it
/// is only strings (a docstring, or a string used as a comment).
fn python(text: &[u8]) -> Vec<bool> {
    let lines: Vec<&[u8]> = text.split(|&c| c == b'\n').collect();
    let mut flags = vec![false; lines.len()];
    let n = text.len();
    let (mut i, mut line, mut depth) = (0, 0usize, 0u32);
    // The statement being read: the line spans of its tokens, and whether one is not a string.
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut other = false;
    let flush = |spans: &mut Vec<(usize, usize)>, other: &mut bool, flags: &mut Vec<bool>| {
        if *other {
            for &(from, to) in spans.iter() {
                for row in from..=to.min(lines.len() - 1) {
                    if !lines[row].trim_ascii().is_empty() {
                        flags[row] = true;
                    }
                }
            }
        }
        spans.clear();
        *other = false;
    };
    while i < n {
        let c = text[i];
        match c {
            b'\n' => {
                line += 1;
                i += 1;
                if depth == 0 {
                    flush(&mut spans, &mut other, &mut flags);
                }
                continue;
            }
            b' ' | b'\t' | b'\r' | 0x0c => {
                i += 1;
                continue;
            }
            b'#' => {
                i = text[i..]
                    .iter()
                    .position(|&c| c == b'\n')
                    .map_or(n, |at| i + at);
                continue;
            }
            b'\\' if text.get(i + 1) == Some(&b'\n') => {
                line += 1;
                i += 2;
                continue;
            }
            b'\\' if text.get(i + 1) == Some(&b'\r') && text.get(i + 2) == Some(&b'\n') => {
                line += 1;
                i += 3;
                continue;
            }
            _ => {}
        }
        // A string, with its prefix (`r`, `b`, `rb`, `f`…).
        let mut j = i;
        while j < n && j - i < 2 && matches!(text[j] | 0x20, b'r' | b'b' | b'u' | b'f') {
            j += 1;
        }
        if j < n && matches!(text[j], b'"' | b'\'') && (i == 0 || !ident(text[i - 1])) {
            let prefix = &text[i..j];
            let formatted = prefix.iter().any(|&c| c | 0x20 == b'f');
            let q = text[j];
            let triple = text[j..].starts_with(&[q, q, q]);
            let close: &[u8] = if triple {
                &text[j..j + 3]
            } else {
                &text[j..j + 1]
            };
            let start_line = line;
            let mut k = j + close.len();
            loop {
                if k >= n {
                    break;
                }
                let c = text[k];
                if c == b'\\' {
                    if text.get(k + 1) == Some(&b'\n') {
                        line += 1;
                    }
                    k += 2;
                    continue;
                }
                if c == b'\n' {
                    if !triple {
                        break;
                    }
                    line += 1;
                }
                if text[k..].starts_with(close) {
                    k += close.len();
                    break;
                }
                k += 1;
            }
            spans.push((start_line, line));
            // An f-string is an expression with substitutions, not a docstring.
            other |= formatted;
            i = k;
            continue;
        }
        spans.push((line, line));
        other = true;
        match c {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if ident(c) {
            while i < n && ident(text[i]) {
                i += 1;
            }
        } else {
            i += 1;
        }
    }
    flush(&mut spans, &mut other, &mut flags);
    flags
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(text: &str, lang: Lang) -> Vec<bool> {
        code_flags(text.as_bytes(), lang)
    }

    #[test]
    fn a_line_deep_inside_a_block_comment_is_not_code() {
        let mut text = String::from("int x;\n/*\n");
        for _ in 0..40 {
            text.push_str("   words; more words\n");
        }
        text.push_str("*/ int y;\n\"/* not a comment */\";\n");
        let f = flags(&text, Lang::C);
        assert!(f[0]);
        assert!(!f[1] && !f[20] && !f[41]);
        assert!(f[42] && f[43]);
    }

    #[test]
    fn python_docstrings_are_not_code_and_strings_in_code_are() {
        let text = "def f():\n    \"\"\"\n    Words\n\n    x = 1\n    \"\"\"\n    return (\n        # c\n        '''a\nb'''\n    )\n";
        assert_eq!(
            flags(text, Lang::Python),
            [
                true, false, false, false, false, false, true, false, true, true, true, false
            ]
        );
    }

    #[test]
    fn rust_nested_blocks_raw_strings_and_lifetimes() {
        let text = "/* a /* b */ c */\nfn f<'a>(x: &'a str) -> char {\n    let s = r#\"// \"#;\n    '/'\n}\n// end\n";
        assert_eq!(
            flags(text, Lang::Rust),
            [false, true, true, true, true, false, false]
        );
    }

    #[test]
    fn javascript_templates_and_regular_expressions() {
        let text = "const r = /\\/*x/;\nconst t = `${a /* c */}\n// inside\n`;\n// gone\n";
        assert_eq!(
            flags(text, Lang::Js),
            [true, true, true, true, false, false]
        );
    }

    #[test]
    fn shell_heredocs_and_ruby_blocks() {
        let text = "cat <<EOF\n# kept\nEOF\n# c\necho '#x'\n";
        assert_eq!(
            flags(text, Lang::Shell),
            [true, true, true, false, true, false]
        );
        let text = "=begin\nx = 1\n=end\nputs 1 # c\n";
        assert_eq!(flags(text, Lang::Ruby), [false, false, false, true, false]);
    }
}
