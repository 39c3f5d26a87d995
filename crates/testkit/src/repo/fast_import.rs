//! Long synthetic histories through one `git fast-import` stream.
//!
//! Benchmarks and equivalence tests need repositories with tens of thousands of commits that look
//! like real work: files spread over directories, commits touching a few related files, line
//! additions and deletions of plausible sizes, renames, deletions, binary files, several authors
//! and merged side branches. Making them with `git commit` would take minutes; one fast-import
//! stream takes seconds. The same seed always gives the same repository, SHAs included.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;

use super::git::{EPOCH, check, command};

/// What to generate.
#[derive(Debug, Clone)]
pub struct FastImportSpec {
    /// Total commits, merges and side-branch commits included.
    pub commits: usize,
    /// Roughly how many files exist at the end (half exist after the first commit).
    pub files: usize,
    /// Seed of the generator; equal seeds give equal repositories.
    pub seed: u64,
}

impl FastImportSpec {
    /// `commits` commits over about 3,000 files, seed 1.
    pub fn new(commits: usize) -> Self {
        Self {
            commits,
            files: 3_000,
            seed: 1,
        }
    }
}

/// What was generated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FastImportSummary {
    /// SHA of `main`.
    pub head: String,
    /// Commits written.
    pub commits: usize,
    /// Of which merge commits.
    pub merges: usize,
}

/// The repository a benchmark measures, and the temp dir that holds it (drop it last). With
/// `SHIPLINE_BENCH_REPO` set, that path: a real repository, or, when it does not exist yet, a
/// generated history of `commits` kept there for later runs. Without it, a generated history in
/// a temp dir.
pub fn bench_repo(commits: usize) -> (PathBuf, Option<tempfile::TempDir>) {
    let generate = |path: &Path| {
        let start = std::time::Instant::now();
        let summary = fast_import(path, &FastImportSpec::new(commits));
        println!(
            "generated {} commits ({} merges) with fast-import in {:.1}s",
            summary.commits,
            summary.merges,
            start.elapsed().as_secs_f64()
        );
    };
    match std::env::var_os("SHIPLINE_BENCH_REPO").map(PathBuf::from) {
        Some(path) => {
            if !path.exists() {
                generate(&path);
            }
            (path, None)
        }
        None => {
            let dir = tempfile::tempdir().expect("temp dir");
            generate(dir.path());
            (dir.path().to_path_buf(), Some(dir))
        }
    }
}

/// Creates a repository at `path` (which must not exist or be empty) on branch `main` holding a
/// generated history. The work tree is left unchecked-out: the history is what matters. Panics
/// when git fails.
pub fn fast_import(path: &Path, spec: &FastImportSpec) -> FastImportSummary {
    std::fs::create_dir_all(path).expect("create the repository dir");
    check(
        &["init"],
        command(path, ["init", "-q", "-b", "main"])
            .output()
            .expect("run git init"),
    );
    let mut child = command(path, ["fast-import", "--quiet", "--done"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("run git fast-import");
    let stdin = child.stdin.take().expect("stdin is piped");
    let mut generator = Generator::new(spec);
    let mut out = BufWriter::with_capacity(1 << 20, stdin);
    let (commits, merges) = generator
        .write(&mut out)
        .and_then(|counts| out.flush().map(|()| counts))
        .unwrap_or_else(|e| panic!("write the fast-import stream: {e}"));
    drop(out);
    let status = child.wait().expect("wait for git fast-import");
    assert!(status.success(), "git fast-import failed ({status})");
    let head = command(path, ["rev-parse", "main"])
        .output()
        .expect("run git rev-parse");
    let head = String::from_utf8_lossy(&check(&["rev-parse"], head).stdout)
        .trim()
        .to_string();
    FastImportSummary {
        head,
        commits,
        merges,
    }
}

/// SplitMix64: tiny, fast and good enough for shaping test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next() % (hi - lo + 1) as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

struct File {
    path: String,
    /// Line ids; the text of a line is derived from its id.
    lines: Vec<u32>,
    binary: Option<u64>,
    mark: u64,
}

const AUTHORS: [(&str, &str, &str); 9] = [
    ("Ann Lee", "ann@example.com", "+0100"),
    ("Bob Stone", "bob@example.com", "-0500"),
    ("Chen Wei", "chen@example.com", "+0800"),
    ("Dana Cruz", "dana@example.com", "-0300"),
    ("Emeka Obi", "emeka@example.com", "+0100"),
    ("Fatima Zahra", "fatima@example.com", "+0000"),
    ("Gus Holm", "gus@example.com", "+0200"),
    ("Hana Sato", "hana@example.com", "+0900"),
    ("release-bot", "bot@example.com", "+0000"),
];
const WORDS: [&str; 16] = [
    "value", "config", "request", "result", "buffer", "index", "cache", "token", "parse", "render",
    "client", "state", "limit", "record", "event", "path",
];
const TYPES: [&str; 6] = ["feat", "fix", "chore", "refactor", "test", "docs"];
const TOP: [&str; 6] = ["src", "lib", "app", "tests", "docs", "tools"];
const EXT: [&str; 5] = ["rs", "ts", "py", "go", "md"];

struct Generator {
    rng: Rng,
    target: usize,
    files: Vec<File>,
    dirs: Vec<String>,
    max_files: usize,
    next_line: u32,
    next_file: usize,
    mark: u64,
    time: i64,
    tip: u64,
    pr: u64,
}

impl Generator {
    fn new(spec: &FastImportSpec) -> Self {
        let mut rng = Rng(spec.seed ^ 0x5eed);
        let dirs = (0..(spec.files / 12).max(4))
            .map(|i| {
                let top = TOP[rng.range(0, TOP.len() - 1)];
                if rng.chance(50) {
                    format!("{top}/mod{i}")
                } else {
                    format!("{top}/area{}/mod{i}", i % 7)
                }
            })
            .collect();
        Self {
            rng,
            target: spec.commits,
            files: Vec::new(),
            dirs,
            max_files: spec.files.max(8),
            next_line: 0,
            next_file: 0,
            mark: 0,
            time: EPOCH,
            tip: 0,
            pr: 0,
        }
    }

    fn write(&mut self, out: &mut impl Write) -> std::io::Result<(usize, usize)> {
        let (mut commits, mut merges) = (0, 0);
        if self.target == 0 {
            writeln!(out, "done")?;
            return Ok((0, 0));
        }
        // The initial import: half the files at once.
        let mut changes = String::new();
        for _ in 0..self.max_files / 2 {
            let i = self.new_file(out)?;
            self.modify_line(&mut changes, i);
        }
        self.tip = self.commit(out, "main", "chore: initial import", &changes, &[])?;
        commits += 1;
        while commits < self.target {
            let left = self.target - commits;
            if left >= 3 && self.rng.chance(4) {
                let side = self.rng.range(1, 4.min(left - 1));
                let base = self.tip;
                let mut merged: BTreeMap<String, Option<u64>> = BTreeMap::new();
                let mut from = base;
                for _ in 0..side {
                    let message = self.message();
                    let changes = self.changes(out, Some(&mut merged))?;
                    from = self.commit(out, "feature", &message, &changes, &[from])?;
                }
                self.pr += 1;
                let number = self.pr;
                let title = self.message();
                let message =
                    format!("Merge pull request #{number} from acme/feature-{number}\n\n{title}");
                let mut changes = String::new();
                for (path, mark) in merged {
                    match mark {
                        Some(mark) => writeln!(changes, "M 100644 :{mark} {path}"),
                        None => writeln!(changes, "D {path}"),
                    }
                    .expect("write to a String");
                }
                self.tip = self.commit(out, "main", &message, &changes, &[base, from])?;
                commits += side + 1;
                merges += 1;
            } else {
                let message = self.message();
                let changes = self.changes(out, None)?;
                let parent = self.tip;
                self.tip = self.commit(out, "main", &message, &changes, &[parent])?;
                commits += 1;
            }
        }
        writeln!(out, "done")?;
        Ok((commits, merges))
    }

    /// Writes the blobs of one commit's changes and returns its file commands. `merged` collects
    /// the final state of every path a side branch touched, so the merge commit can replay it.
    fn changes(
        &mut self,
        out: &mut impl Write,
        mut merged: Option<&mut BTreeMap<String, Option<u64>>>,
    ) -> std::io::Result<String> {
        let touches = match self.rng.range(0, 99) {
            0..=39 => 1,
            40..=69 => self.rng.range(2, 3),
            70..=89 => self.rng.range(4, 8),
            _ => self.rng.range(9, 20),
        };
        let center = self.rng.range(0, self.files.len() - 1);
        let mut seen = HashSet::new();
        let mut cmds = String::new();
        for _ in 0..touches {
            let roll = self.rng.range(0, 99);
            let grow = self.files.len() < self.max_files;
            if roll < 6 && grow || self.files.len() < 8 {
                let i = self.new_file(out)?;
                seen.insert(self.files[i].path.clone());
                self.modify_line(&mut cmds, i);
                record(&mut merged, &self.files[i].path, Some(self.files[i].mark));
                continue;
            }
            let spread = self.rng.range(0, 30);
            let i = (center + spread).min(self.files.len() - 1);
            if !seen.insert(self.files[i].path.clone()) {
                continue;
            }
            if roll < 9 {
                let file = self.files.swap_remove(i);
                writeln!(cmds, "D {}", file.path).expect("write to a String");
                record(&mut merged, &file.path, None);
            } else if roll < 13 {
                let old = self.files[i].path.clone();
                let new = self.fresh_path(&old);
                seen.insert(new.clone());
                writeln!(cmds, "R {old} {new}").expect("write to a String");
                self.files[i].path = new.clone();
                record(&mut merged, &old, None);
                if self.rng.chance(50) && self.files[i].binary.is_none() {
                    self.edit(i, 3);
                    self.emit_blob(out, i)?;
                    self.modify_line(&mut cmds, i);
                }
                record(&mut merged, &new, Some(self.files[i].mark));
            } else {
                if let Some(seed) = self.files[i].binary.as_mut() {
                    *seed += 1;
                } else {
                    self.edit(i, 30);
                }
                self.emit_blob(out, i)?;
                self.modify_line(&mut cmds, i);
                record(&mut merged, &self.files[i].path, Some(self.files[i].mark));
            }
        }
        Ok(cmds)
    }

    /// Deletes a few lines and inserts new ones: mostly small edits, sometimes larger ones, with
    /// files hovering around a hundred lines.
    fn edit(&mut self, i: usize, max_insert: usize) {
        let len = self.files[i].lines.len();
        let delete = if len > 120 {
            self.rng.range(5, 25)
        } else {
            self.rng.range(0, (len / 4).min(8))
        };
        let at = self.rng.range(0, len.saturating_sub(delete));
        self.files[i].lines.drain(at..at + delete.min(len - at));
        let most = if self.rng.chance(70) {
            max_insert.min(8)
        } else {
            max_insert
        };
        let insert = self.rng.range(usize::from(delete == 0), most);
        let at = self.rng.range(0, self.files[i].lines.len());
        let new: Vec<u32> = (0..insert).map(|_| self.line_id()).collect();
        self.files[i].lines.splice(at..at, new);
    }

    fn line_id(&mut self) -> u32 {
        self.next_line += 1;
        self.next_line
    }

    fn new_file(&mut self, out: &mut impl Write) -> std::io::Result<usize> {
        self.next_file += 1;
        let dir = &self.dirs[self.rng.range(0, self.dirs.len() - 1)];
        let binary = self.rng.chance(3);
        let ext = if binary {
            "png"
        } else {
            EXT[self.rng.range(0, EXT.len() - 1)]
        };
        let path = format!("{dir}/file{}.{ext}", self.next_file);
        let count = if binary { 0 } else { self.rng.range(5, 80) };
        let lines = (0..count).map(|_| self.line_id()).collect();
        let seed = binary.then(|| self.rng.next());
        self.files.push(File {
            path,
            lines,
            binary: seed,
            mark: 0,
        });
        let i = self.files.len() - 1;
        self.emit_blob(out, i)?;
        Ok(i)
    }

    fn fresh_path(&mut self, old: &str) -> String {
        self.next_file += 1;
        let dir = if self.rng.chance(50) {
            old.rsplit_once('/').map_or("src", |(d, _)| d).to_string()
        } else {
            self.dirs[self.rng.range(0, self.dirs.len() - 1)].clone()
        };
        let ext = old.rsplit_once('.').map_or("txt", |(_, e)| e);
        format!("{dir}/moved{}.{ext}", self.next_file)
    }

    fn emit_blob(&mut self, out: &mut impl Write, i: usize) -> std::io::Result<()> {
        self.mark += 1;
        let file = &mut self.files[i];
        file.mark = self.mark;
        let data = match file.binary {
            Some(seed) => binary_bytes(seed),
            None => {
                let mut text = String::with_capacity(file.lines.len() * 36);
                for &id in &file.lines {
                    line_text(&mut text, id);
                }
                text.into_bytes()
            }
        };
        write!(out, "blob\nmark :{}\ndata {}\n", self.mark, data.len())?;
        out.write_all(&data)?;
        out.write_all(b"\n")
    }

    fn modify_line(&self, cmds: &mut String, i: usize) {
        let file = &self.files[i];
        writeln!(cmds, "M 100644 :{} {}", file.mark, file.path).expect("write to a String");
    }

    fn message(&mut self) -> String {
        let kind = TYPES[self.rng.range(0, TYPES.len() - 1)];
        let word = WORDS[self.rng.range(0, WORDS.len() - 1)];
        let other = WORDS[self.rng.range(0, WORDS.len() - 1)];
        let mut message = format!("{kind}: handle {word} {other}");
        if self.rng.chance(30) {
            self.pr += 1;
            write!(message, " (#{})", self.pr).expect("write to a String");
        }
        if self.rng.chance(25) {
            write!(message, "\n\nThe {word} path now checks the {other} first.")
                .expect("write to a String");
        }
        message
    }

    /// Writes a commit on `branch` with the given parents (none for the root) and returns its mark.
    fn commit(
        &mut self,
        out: &mut impl Write,
        branch: &str,
        message: &str,
        changes: &str,
        parents: &[u64],
    ) -> std::io::Result<u64> {
        self.mark += 1;
        let mark = self.mark;
        let (name, email, zone) = AUTHORS[self.rng.range(0, AUTHORS.len() - 1)];
        self.time += self.rng.range(60, 4 * 3_600) as i64;
        let authored = self.time - self.rng.range(0, 3 * 86_400) as i64;
        write!(
            out,
            "commit refs/heads/{branch}\nmark :{mark}\nauthor {name} <{email}> {authored} {zone}\n\
             committer {name} <{email}> {} {zone}\ndata {}\n{message}\n",
            self.time,
            message.len()
        )?;
        if let Some((first, rest)) = parents.split_first() {
            writeln!(out, "from :{first}")?;
            for parent in rest {
                writeln!(out, "merge :{parent}")?;
            }
        }
        out.write_all(changes.as_bytes())?;
        out.write_all(b"\n")?;
        Ok(mark)
    }
}

fn record(merged: &mut Option<&mut BTreeMap<String, Option<u64>>>, path: &str, mark: Option<u64>) {
    if let Some(merged) = merged {
        merged.insert(path.to_string(), mark);
    }
}

fn line_text(text: &mut String, id: u32) {
    let h = id.wrapping_mul(2_654_435_761);
    let a = WORDS[(h >> 28) as usize];
    let b = WORDS[((h >> 24) & 15) as usize];
    let indent = ["", "    ", "        "][(h % 3) as usize];
    writeln!(text, "{indent}let {a}_{id} = {b}({id}, {});", h % 1000).expect("write to a String");
}

fn binary_bytes(seed: u64) -> Vec<u8> {
    let mut rng = Rng(seed);
    let len = 64 + (rng.next() % 1500) as usize;
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    bytes.extend((0..len).map(|_| rng.next() as u8));
    bytes
}
