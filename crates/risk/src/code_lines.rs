//! The lines of code a change really changes: comments, doc comments, blank lines and
//! whitespace-only edits left out, for the languages lexed here.
//!
//! `git log --numstat` counts every changed line, so a change that only rewrites `///` examples
//! looked like a large code change. git cannot leave comments out of its counts (`-w` drops
//! whitespace-only edits from `--numstat`; `--ignore-blank-lines` and `-I` do not change it), so
//! the changed lines themselves are read: one `git log -p -w` pass limited to files of the
//! lexed languages gives each added or removed line's number, and the file before and after the
//! change is read whole (`git cat-file --batch`) and lexed ([`crate::lex`]), so a line deep inside
//! a block comment or docstring opened far above its hunk is known for what it is. A blob git
//! cannot read (a partial clone, a binary file) falls back to judging the line within its hunk.
//! Files of other languages keep git's counts.
//!
//! The pass costs about as much as reading the history itself, so what it finds is kept per
//! commit under `.git/shipline/` ([`CACHE`]) and a repeated run reads only commits it has not
//! seen.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::Stdio;

use serde::{Deserialize, Serialize};
use shipline_core::git::history::HistoryQuery;
use shipline_core::git::{Git, GitError};

use crate::lex::{self, Lang};

/// The per-commit cache's file name under `.git/shipline/`; the version changes with the rules.
pub const CACHE: &str = "code-lines-v3.json";

/// Commits kept in the cache; past this the oldest-read half is dropped.
const CACHE_MAX: usize = 200_000;

/// Commits fed to one `git log` process.
const CHUNK: usize = 400;

/// How a language writes comments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    /// `//` and `/* … */` (Rust, Go, JS/TS, Java, C/C++, C#, Kotlin, Scala, Swift).
    Slash,
    /// `#` and docstrings (Python).
    Python,
    /// `#` (shell).
    Hash,
    /// `#` and `=begin`/`=end` (Ruby).
    Ruby,
}

/// Extensions whose comments are recognised, with their language.
const LANGUAGES: &[(&str, Lang)] = &[
    ("rs", Lang::Rust),
    ("go", Lang::Go),
    ("js", Lang::Js),
    ("jsx", Lang::Js),
    ("mjs", Lang::Js),
    ("cjs", Lang::Js),
    ("ts", Lang::Js),
    ("tsx", Lang::Js),
    ("mts", Lang::Js),
    ("cts", Lang::Js),
    ("java", Lang::Java),
    ("c", Lang::C),
    ("h", Lang::C),
    ("cc", Lang::C),
    ("cpp", Lang::C),
    ("cxx", Lang::C),
    ("hpp", Lang::C),
    ("hh", Lang::C),
    ("cs", Lang::Slash),
    ("kt", Lang::Slash),
    ("kts", Lang::Slash),
    ("scala", Lang::Slash),
    ("swift", Lang::Slash),
    ("py", Lang::Python),
    ("pyi", Lang::Python),
    ("sh", Lang::Shell),
    ("bash", Lang::Shell),
    ("zsh", Lang::Shell),
    ("rb", Lang::Ruby),
];

/// The language of a file, from its extension; `None` for languages not lexed.
pub fn language(path: &str) -> Option<Lang> {
    let name = path.rsplit(['/', '\\']).next()?;
    let (_, ext) = name.rsplit_once('.')?;
    let ext = ext.to_ascii_lowercase();
    LANGUAGES
        .iter()
        .find(|(e, _)| *e == ext)
        .map(|(_, lang)| *lang)
}

/// The comment syntax of a file, from its extension; `None` for languages not lexed.
pub fn syntax(path: &str) -> Option<Syntax> {
    language(path).map(|lang| match lang {
        Lang::Python => Syntax::Python,
        Lang::Shell => Syntax::Hash,
        Lang::Ruby => Syntax::Ruby,
        _ => Syntax::Slash,
    })
}

/// Lines of code one file of a change adds and removes.
pub type Counts = (u64, u64);

/// A measured commit: the lines of code of each lexed file it changes in code (files absent
/// changed only in comments, blank lines or whitespace).
pub type Measured = HashMap<String, Counts>;

/// Per commit SHA, the lexed files with code lines: (path, added, deleted).
type Found = HashMap<String, Vec<(String, u64, u64)>>;

/// What the pass found, per commit SHA.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct CodeLines {
    commits: Found,
}

impl CodeLines {
    /// The measure of one commit, `None` when it was not measured.
    pub fn get(&self, sha: &str) -> Option<Measured> {
        self.commits.get(sha).map(|files| {
            files
                .iter()
                .map(|(path, added, deleted)| (path.clone(), (*added, *deleted)))
                .collect()
        })
    }

    /// Measures the non-merge commits `query` selects that the cache does not hold yet, and
    /// keeps them there. A part of the pass that fails (a blob missing from a partial clone, say)
    /// leaves its commits unmeasured: git's counts stand for them, and they are tried again on
    /// the next run.
    pub fn read(git: &Git, query: &HistoryQuery) -> Result<CodeLines, GitError> {
        let cache = cache_path(git);
        let mut lines: CodeLines = cache
            .as_deref()
            .and_then(|path| std::fs::read(path).ok())
            .and_then(|text| serde_json::from_slice(&text).ok())
            .unwrap_or_default();
        let missing: Vec<String> = commits(git, query)?
            .into_iter()
            .filter(|sha| !lines.commits.contains_key(sha))
            .collect();
        if missing.is_empty() {
            return Ok(lines);
        }
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(8);
        let chunk = missing.len().div_ceil(threads).clamp(1, CHUNK);
        let mut pending: Vec<&[String]> = missing.chunks(chunk).collect();
        pending.reverse();
        let pending = std::sync::Mutex::new(pending);
        let found: Vec<Found> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads)
                .map(|_| {
                    scope.spawn(|| {
                        let mut out = HashMap::new();
                        loop {
                            let next = pending.lock().map(|mut p| p.pop()).unwrap_or(None);
                            let Some(shas) = next else {
                                return out;
                            };
                            if let Ok(found) = measure(git, shas) {
                                out.extend(found);
                            }
                        }
                    })
                })
                .collect();
            workers
                .into_iter()
                .map(|w| w.join().unwrap_or_default())
                .collect()
        });
        for part in found {
            lines.commits.extend(part);
        }
        if let Some(path) = cache {
            lines.store(&path);
        }
        Ok(lines)
    }

    fn store(&mut self, path: &Path) {
        if self.commits.len() > CACHE_MAX {
            // No order is kept: drop an arbitrary half, to be measured again when needed.
            let drop: Vec<String> = self
                .commits
                .keys()
                .take(self.commits.len() - CACHE_MAX / 2)
                .cloned()
                .collect();
            for sha in drop {
                self.commits.remove(&sha);
            }
        }
        let Some(dir) = path.parent() else {
            return;
        };
        let _ = std::fs::create_dir_all(dir);
        if let Ok(text) = serde_json::to_vec(self) {
            let tmp = path.with_extension(format!("{}.tmp", std::process::id()));
            if std::fs::write(&tmp, text).is_ok() {
                let _ = std::fs::rename(&tmp, path);
            }
        }
    }
}

/// Where the cache lives: `.git/shipline/` of the repository (shared by worktrees); `None` when
/// git does not say, and in a bare repository (a mirror is read, never written to).
fn cache_path(git: &Git) -> Option<std::path::PathBuf> {
    if git.is_bare() {
        return None;
    }
    let dir = git.run(["rev-parse", "--git-common-dir"]).ok()?;
    let dir = Path::new(dir.trim());
    let dir = if dir.is_absolute() {
        dir.to_path_buf()
    } else {
        git.dir().join(dir)
    };
    Some(dir.join("shipline").join(CACHE))
}

/// The non-merge commits `query` selects (the same walk as the history read, merges dropped).
fn commits(git: &Git, query: &HistoryQuery) -> Result<Vec<String>, GitError> {
    let mut args = vec!["rev-list".to_string(), "--parents".to_string()];
    if let Some(n) = query.max_commits {
        args.push(format!("--max-count={n}"));
    }
    if query.first_parent {
        args.push("--first-parent".into());
    }
    args.push(query.head.clone());
    if let Some(base) = &query.base {
        args.push(format!("^{base}"));
    }
    args.push("--".into());
    let out = git.run(&args)?;
    Ok(out
        .lines()
        .filter_map(|line| {
            let mut parts = line.split(' ');
            let sha = parts.next()?;
            // A root commit or a commit with one parent; merges are not changes of their own.
            (parts.count() <= 1).then(|| sha.to_string())
        })
        .collect())
}

/// One `git log -p` over `shas`, limited to the lexed languages.
fn measure(git: &Git, shas: &[String]) -> Result<Found, GitError> {
    let mut args: Vec<String> = [
        "-c",
        "core.quotePath=false",
        "log",
        "--no-walk=unsorted",
        "--stdin",
        "-p",
        "-U3",
        "-w",
        "--full-index",
        "-M",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        "--format=%x01%H",
        "--",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(
        LANGUAGES
            .iter()
            .map(|(ext, _)| format!(":(glob,icase)**/*.{ext}")),
    );
    let mut child = git
        .command(&args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(GitError::Spawn)?;
    let input = shas.join("\n") + "\n";
    let mut stdin = child.stdin.take();
    let writer = std::thread::spawn(move || {
        if let Some(stdin) = stdin.as_mut() {
            let _ = stdin.write_all(input.as_bytes());
        }
    });
    let mut parser = Parser::default();
    if let Some(stdout) = child.stdout.take() {
        let mut reader = BufReader::new(stdout);
        let mut line = Vec::new();
        while reader.read_until(b'\n', &mut line).unwrap_or(0) > 0 {
            parser.line(&String::from_utf8_lossy(&line));
            line.clear();
        }
    }
    let _ = writer.join();
    let output = child.wait_with_output().map_err(GitError::Spawn)?;
    if !output.status.success() {
        return Err(git.failed(&args.join(" "), &output));
    }
    let changes = parser.finish();
    let blobs = read_blobs(git, &changes);
    let mut found: Found = changes
        .into_iter()
        .map(|(sha, files)| (sha, tally(&files, &blobs)))
        .collect();
    // Commits the pathspec left out changed no lexed file: measured, with nothing to count.
    let seen: HashSet<&String> = found.keys().collect();
    let empty: Vec<String> = shas
        .iter()
        .filter(|sha| !seen.contains(sha))
        .cloned()
        .collect();
    for sha in empty {
        found.insert(sha, Vec::new());
    }
    Ok(found)
}

/// Per blob id, one flag per line (`true`: code); blobs git could not give or binary ones are
/// absent.
type Blobs = HashMap<String, Vec<bool>>;

/// Reads and lexes, in one `git cat-file --batch`, the blobs before and after of every file in
/// `changes` with changed lines. Failures leave blobs out (their lines are judged in their hunk).
fn read_blobs(git: &Git, changes: &HashMap<String, Vec<FileChange>>) -> Blobs {
    let mut wanted: HashMap<&str, Lang> = HashMap::new();
    for file in changes.values().flatten() {
        if !file.removed.is_empty()
            && let Some(id) = &file.old_blob
        {
            wanted.insert(id, file.lang);
        }
        if !file.added.is_empty()
            && let Some(id) = &file.new_blob
        {
            wanted.insert(id, file.lang);
        }
    }
    let mut blobs = Blobs::new();
    if wanted.is_empty() {
        return blobs;
    }
    let Ok(mut child) = git
        .command(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
    else {
        return blobs;
    };
    let ids: Vec<String> = wanted.keys().map(|id| id.to_string()).collect();
    let input = ids.join("\n") + "\n";
    let mut stdin = child.stdin.take();
    let writer = std::thread::spawn(move || {
        if let Some(stdin) = stdin.as_mut() {
            let _ = stdin.write_all(input.as_bytes());
        }
    });
    if let Some(stdout) = child.stdout.take() {
        let mut reader = BufReader::new(stdout);
        let mut header = String::new();
        let mut data = Vec::new();
        for id in &ids {
            header.clear();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                break;
            }
            // `<id> blob <size>`, or `<id> missing`.
            let mut parts = header.split_whitespace();
            let (Some(_), Some(kind), Some(size)) = (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            let Ok(size) = size.parse::<usize>() else {
                break;
            };
            data.clear();
            data.resize(size + 1, 0);
            if std::io::Read::read_exact(&mut reader, &mut data).is_err() {
                break;
            }
            data.truncate(size);
            let binary = data[..size.min(8000)].contains(&0);
            if kind == "blob" && !binary {
                blobs.insert(id.clone(), lex::code_flags(&data, wanted[id.as_str()]));
            }
        }
    }
    let _ = writer.join();
    let _ = child.wait();
    blobs
}

/// One lexed file of a change: its blobs and its changed lines, each as (line number, whether
/// the line holds code judged within its hunk alone).
#[derive(Debug, Clone)]
struct FileChange {
    path: String,
    lang: Lang,
    syntax: Syntax,
    old_blob: Option<String>,
    new_blob: Option<String>,
    removed: Vec<(usize, bool)>,
    added: Vec<(usize, bool)>,
}

/// The files of one change with lines of code, judged in their whole blob where it was read.
fn tally(files: &[FileChange], blobs: &Blobs) -> Vec<(String, u64, u64)> {
    let count = |lines: &[(usize, bool)], blob: &Option<String>| -> u64 {
        let flags = blob.as_ref().and_then(|id| blobs.get(id));
        lines
            .iter()
            .filter(|(number, local)| {
                match flags.and_then(|f| number.checked_sub(1).and_then(|at| f.get(at))) {
                    Some(code) => *code,
                    None => *local,
                }
            })
            .count() as u64
    };
    files
        .iter()
        .filter_map(|file| {
            let added = count(&file.added, &file.new_blob);
            let deleted = count(&file.removed, &file.old_blob);
            (added + deleted > 0).then(|| (file.path.clone(), added, deleted))
        })
        .collect()
}

/// A blob id of an `index` line, `None` for the all-zero id of a side that does not exist.
fn blob_id(id: &str) -> Option<String> {
    (!id.is_empty() && id.bytes().any(|b| b != b'0')).then(|| id.to_string())
}

/// Reads `git log -p` output line by line.
#[derive(Default)]
struct Parser {
    out: HashMap<String, Vec<FileChange>>,
    commit: Option<String>,
    files: Vec<FileChange>,
    /// The file being read.
    file: Option<FileChange>,
    old_path: Option<String>,
    /// The blob ids of the file's `index` line.
    blobs: (Option<String>, Option<String>),
    in_hunk: bool,
    removed: Side,
    added: Side,
    /// The line numbers the next removed and added lines have.
    old_line: usize,
    new_line: usize,
}

impl Parser {
    fn line(&mut self, raw: &str) {
        let line = raw.strip_suffix('\n').unwrap_or(raw);
        let line = line.strip_suffix('\r').unwrap_or(line);
        if let Some(sha) = line.strip_prefix('\u{1}') {
            self.end_commit();
            self.commit = Some(sha.trim().to_string());
            return;
        }
        if line.starts_with("diff --git ") {
            self.end_file();
            self.in_hunk = false;
            self.old_path = None;
            self.blobs = (None, None);
            return;
        }
        if !self.in_hunk {
            if let Some(ids) = line.strip_prefix("index ") {
                let ids = ids.split(' ').next().unwrap_or("");
                if let Some((old, new)) = ids.split_once("..") {
                    self.blobs = (blob_id(old), blob_id(new));
                }
            } else if let Some(path) = line.strip_prefix("--- ") {
                self.old_path = header_path(path, "a/");
            } else if let Some(path) = line.strip_prefix("+++ ") {
                let path = header_path(path, "b/").or_else(|| self.old_path.clone());
                self.file = path.and_then(|path| {
                    Some(FileChange {
                        lang: language(&path)?,
                        syntax: syntax(&path)?,
                        path,
                        old_blob: self.blobs.0.clone(),
                        new_blob: self.blobs.1.clone(),
                        removed: Vec::new(),
                        added: Vec::new(),
                    })
                });
            } else if line.starts_with("@@") {
                self.hunk(line);
            }
            return;
        }
        if line.starts_with("@@") {
            self.hunk(line);
            return;
        }
        let Some(file) = self.file.as_mut() else {
            return;
        };
        if let Some(text) = line.strip_prefix('+') {
            let code = self.added.is_code(text, file.syntax);
            file.added.push((self.new_line, code));
            self.new_line += 1;
        } else if let Some(text) = line.strip_prefix('-') {
            let code = self.removed.is_code(text, file.syntax);
            file.removed.push((self.old_line, code));
            self.old_line += 1;
        } else if let Some(text) = line.strip_prefix(' ') {
            // A context line is on both sides: it may open or close a comment.
            self.added.is_code(text, file.syntax);
            self.removed.is_code(text, file.syntax);
            self.old_line += 1;
            self.new_line += 1;
        }
    }

    /// A hunk header, `@@ -12,3 +14,5 @@`: where its lines start on each side.
    fn hunk(&mut self, header: &str) {
        self.in_hunk = true;
        self.removed = Side::default();
        self.added = Side::default();
        let start = |prefix: char| -> usize {
            header
                .split(' ')
                .find_map(|part| part.strip_prefix(prefix))
                .and_then(|range| range.split(',').next())
                .and_then(|n| n.parse().ok())
                .unwrap_or(0)
        };
        self.old_line = start('-');
        self.new_line = start('+');
    }

    fn end_file(&mut self) {
        if let Some(file) = self.file.take()
            && !(file.added.is_empty() && file.removed.is_empty())
        {
            self.files.push(file);
        }
    }

    fn end_commit(&mut self) {
        self.end_file();
        if let Some(sha) = self.commit.take() {
            self.out.insert(sha, std::mem::take(&mut self.files));
        }
        self.in_hunk = false;
    }

    fn finish(mut self) -> HashMap<String, Vec<FileChange>> {
        self.end_commit();
        self.out
    }
}

/// The path of a `---`/`+++` header line, `None` for `/dev/null`.
fn header_path(text: &str, prefix: &str) -> Option<String> {
    let text = text.trim_end_matches('\t');
    if text == "/dev/null" {
        return None;
    }
    let text = if text.starts_with('"') {
        unquote(text)
    } else {
        text.to_string()
    };
    Some(text.strip_prefix(prefix).unwrap_or(&text).to_string())
}

/// A path git quoted C-style (`"a/caf\303\251.rs"`).
fn unquote(text: &str) -> String {
    let inner = text.trim_matches('"').as_bytes();
    let mut bytes = Vec::with_capacity(inner.len());
    let mut i = 0;
    while i < inner.len() {
        if inner[i] == b'\\' && i + 1 < inner.len() {
            let next = inner[i + 1];
            if next.is_ascii_digit() && i + 3 < inner.len() {
                let octal = std::str::from_utf8(&inner[i + 1..i + 4]).unwrap_or("0");
                bytes.push(u8::from_str_radix(octal, 8).unwrap_or(b'?'));
                i += 4;
                continue;
            }
            bytes.push(match next {
                b'n' => b'\n',
                b't' => b'\t',
                other => other,
            });
            i += 2;
            continue;
        }
        bytes.push(inner[i]);
        i += 1;
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// One side (removed or added lines, context included) of a hunk, as read so far.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Side {
    open: Open,
    /// The last line read ends a Python block header (`def f():`), after which a lone `"""`
    /// opens a docstring rather than closing one.
    after_header: bool,
}

/// What a side has opened and not closed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Open {
    #[default]
    Code,
    /// Inside `/* … */`.
    Block,
    /// Inside a Python docstring closed by this quote (`"""` or `'''`).
    Docstring(&'static str),
    /// Inside Ruby's `=begin` … `=end`.
    Begin,
}

impl Side {
    /// Whether `text` (one line) holds code, given what came before it on this side.
    fn is_code(&mut self, text: &str, syntax: Syntax) -> bool {
        let after_header = std::mem::replace(&mut self.after_header, false);
        let code = self.judge(text, syntax, after_header);
        if code && syntax == Syntax::Python {
            self.after_header = text.trim_end().ends_with(':');
        }
        code
    }

    fn judge(&mut self, text: &str, syntax: Syntax, after_header: bool) -> bool {
        let s = text.trim();
        match self.open {
            Open::Block => {
                if let Some(at) = s.find("*/") {
                    self.open = Open::Code;
                    return Side::rest_is_code(&s[at + 2..]);
                }
                return false;
            }
            Open::Docstring(quote) => {
                if s.contains(quote) {
                    self.open = Open::Code;
                }
                return false;
            }
            Open::Begin => {
                if text.starts_with("=end") {
                    self.open = Open::Code;
                }
                return false;
            }
            Open::Code => {}
        }
        if s.is_empty() {
            return false;
        }
        match syntax {
            Syntax::Slash => {
                if s.starts_with("//") {
                    return false;
                }
                if let Some(rest) = s.strip_prefix("/*") {
                    return match rest.find("*/") {
                        Some(at) => Side::rest_is_code(&rest[at + 2..]),
                        None => {
                            self.open = Open::Block;
                            false
                        }
                    };
                }
                // The inside or the end of a block comment: ` * text`, `*`, `*/`. A line of code
                // starting with `*` dereferences (`*p = 1;`) or multiplies (`* b`) with no space
                // or an operand after it.
                if s == "*" || s.starts_with("* ") || s.starts_with("*/") || s.starts_with("**") {
                    return s.starts_with("*/") && Side::rest_is_code(&s[2..]);
                }
                true
            }
            Syntax::Python => {
                if s.starts_with('#') {
                    return false;
                }
                let body = s.trim_start_matches(['r', 'R', 'u', 'U', 'b', 'B']);
                for quote in ["\"\"\"", "'''"] {
                    if let Some(rest) = body.strip_prefix(quote) {
                        // A statement that is only a string is a docstring.
                        match rest.find(quote) {
                            Some(at) => return !rest[at + 3..].trim().is_empty(),
                            // A lone quote after code that is no block header closes a
                            // docstring opened before the hunk.
                            None if rest.trim().is_empty() && !after_header => return false,
                            None => {
                                self.open = Open::Docstring(quote);
                                return false;
                            }
                        }
                    }
                }
                true
            }
            Syntax::Hash => !s.starts_with('#'),
            Syntax::Ruby => {
                if text.starts_with("=begin") {
                    self.open = Open::Begin;
                    return false;
                }
                !s.starts_with('#')
            }
        }
    }

    /// Whether what follows a closed comment on the same line is code.
    fn rest_is_code(rest: &str) -> bool {
        let rest = rest.trim();
        !rest.is_empty() && !rest.starts_with("//")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code_lines(syntax: Syntax, lines: &[&str]) -> Vec<bool> {
        let mut side = Side::default();
        lines.iter().map(|l| side.is_code(l, syntax)).collect()
    }

    #[test]
    fn slash_comments_doc_comments_and_blocks_are_not_code() {
        assert_eq!(
            code_lines(
                Syntax::Slash,
                &[
                    "/// Example:",
                    "//! crate docs",
                    "",
                    "/*",
                    "   inside",
                    " */",
                    " * continued",
                    "let x = 1; // trailing",
                    "*p = 1;",
                    "/* a */ let y = 2;",
                ]
            ),
            [
                false, false, false, false, false, false, false, true, true, true
            ]
        );
    }

    #[test]
    fn python_comments_and_docstrings_are_not_code() {
        assert_eq!(
            code_lines(
                Syntax::Python,
                &[
                    "# note",
                    "\"\"\"Summary.",
                    "",
                    "More.",
                    "\"\"\"",
                    "r'''one line'''",
                    "x = \"\"\"not a docstring\"\"\"",
                    "return x",
                ]
            ),
            [false, false, false, false, false, false, true, true]
        );
    }

    #[test]
    fn a_lone_triple_quote_opens_after_a_header_and_closes_otherwise() {
        // The docstring opened before the hunk: its end, then code.
        assert_eq!(
            code_lines(
                Syntax::Python,
                &["    more words", "    \"\"\"", "    return 1"]
            ),
            [true, false, true]
        );
        assert_eq!(
            code_lines(
                Syntax::Python,
                &[
                    "def f():",
                    "    \"\"\"",
                    "    Words.",
                    "    \"\"\"",
                    "    return 1"
                ]
            ),
            [true, false, false, false, true]
        );
    }

    #[test]
    fn context_lines_open_comments_for_the_changed_lines() {
        let mut p = Parser::default();
        for line in [
            "\u{1}cccc",
            "diff --git a/src/a.ts b/src/a.ts",
            "--- a/src/a.ts",
            "+++ b/src/a.ts",
            "@@ -1,3 +1,3 @@",
            " \t/**",
            "-\tOld words.",
            "+\tNew words.",
            " \t*/",
        ] {
            p.line(line);
        }
        assert!(tally(&p.finish()["cccc"], &Blobs::new()).is_empty());
    }

    #[test]
    fn shell_and_ruby_comments_are_not_code() {
        assert_eq!(
            code_lines(Syntax::Hash, &["# note", "#!/bin/sh", "echo hi # there"]),
            [false, false, true]
        );
        assert_eq!(
            code_lines(Syntax::Ruby, &["=begin", "text", "=end", "# c", "puts 1"]),
            [false, false, false, false, true]
        );
    }

    #[test]
    fn a_patch_is_counted_per_commit_and_file() {
        let mut p = Parser::default();
        for line in [
            "\u{1}aaaa",
            "diff --git a/src/lib.rs b/src/lib.rs",
            "index 1..2 100644",
            "--- a/src/lib.rs",
            "+++ b/src/lib.rs",
            "@@ -1,0 +2,3 @@",
            "+/// docs",
            "+",
            "+fn f() {}",
            "@@ -9 +11 @@",
            "-// old",
            "+// new",
            "diff --git a/gone.py b/gone.py",
            "--- a/gone.py",
            "+++ /dev/null",
            "@@ -1,2 +0,0 @@",
            "-# c",
            "-x = 1",
            "\u{1}bbbb",
            "diff --git \"a/caf\\303\\251.rs\" \"b/caf\\303\\251.rs\"",
            "--- \"a/caf\\303\\251.rs\"",
            "+++ \"b/caf\\303\\251.rs\"",
            "@@ -1 +1 @@",
            "-// a",
            "+// b",
        ] {
            p.line(line);
        }
        let out: Found = p
            .finish()
            .into_iter()
            .map(|(sha, files)| (sha, tally(&files, &Blobs::new())))
            .collect();
        let mut a = out["aaaa"].clone();
        a.sort();
        assert_eq!(a, [("gone.py".into(), 0, 1), ("src/lib.rs".into(), 1, 0)]);
        assert!(out["bbbb"].is_empty(), "{out:?}");
    }

    #[test]
    fn languages_come_from_extensions() {
        assert_eq!(syntax("src/a.RS"), Some(Syntax::Slash));
        assert_eq!(syntax("x/y.py"), Some(Syntax::Python));
        assert_eq!(syntax("Makefile"), None);
        assert_eq!(syntax("a.lua"), None);
    }
}
