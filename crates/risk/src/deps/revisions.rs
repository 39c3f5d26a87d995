//! Dependency files read from git: the changes between a range's ends, and each commit's own.
//!
//! A release's dependency section compares the range's base with its head. A change's reasons
//! must be its own, so each commit's dependency moves come from its own diff: the files it
//! touched, at the commit and at its first parent. Every file content either needs is read
//! through one `git cat-file --batch`, so a release with hundreds of lockfile bumps costs one git
//! process, not two per file.

use std::collections::HashMap;
use std::io::Write;
use std::process::Stdio;

use shipline_core::git::history::Commit;
use shipline_core::git::{Git, GitError};

use super::{ChangedFile, DepFormat, DependencyReport, diff_files};

/// The dependency changes between `base` (`None`: the empty tree) and `head`.
pub fn between(git: &Git, base: Option<&str>, head: &str) -> Result<DependencyReport, GitError> {
    let names = match base {
        Some(base) => git.run(["diff", "--name-only", "--no-renames", "-z", base, head])?,
        None => git.run(["ls-tree", "-r", "-z", "--name-only", head])?,
    };
    let paths: Vec<&str> = names
        .split('\0')
        .filter(|p| !p.is_empty() && DepFormat::detect(p).is_some())
        .collect();
    let mut specs = Vec::new();
    for path in &paths {
        specs.push(base.map(|base| format!("{base}:{path}")));
        specs.push(Some(format!("{head}:{path}")));
    }
    let blobs = read_blobs(git, &specs)?;
    let mut blobs = blobs.chunks(2);
    Ok(diff_files(paths.iter().map(|path| {
        let pair = blobs.next().unwrap_or_default();
        ChangedFile {
            path,
            old: pair.first().and_then(Option::as_deref),
            new: pair.get(1).and_then(Option::as_deref),
        }
    })))
}

/// Each non-merge commit's own dependency changes (against its first parent), for the commits
/// that touched a dependency file. Commits without such a file are left out of the map.
pub fn of_commits<'c>(
    git: &Git,
    commits: impl IntoIterator<Item = &'c Commit>,
) -> Result<HashMap<String, DependencyReport>, GitError> {
    // (commit, path, old path, parent) for every dependency file a commit touched.
    let mut touched: Vec<(&str, String, String, Option<&str>)> = Vec::new();
    for commit in commits {
        if commit.is_merge() {
            continue;
        }
        for file in &commit.files {
            let Some(path) = file.path.to_str() else {
                continue;
            };
            if DepFormat::detect(path).is_none() {
                continue;
            }
            let old = file
                .old_path
                .as_ref()
                .and_then(|p| p.to_str())
                .unwrap_or(path);
            touched.push((
                &commit.sha,
                path.to_owned(),
                old.to_owned(),
                commit.parents.first().map(String::as_str),
            ));
        }
    }
    let mut specs = Vec::with_capacity(touched.len() * 2);
    for (sha, path, old, parent) in &touched {
        specs.push(parent.map(|parent| format!("{parent}:{old}")));
        specs.push(Some(format!("{sha}:{path}")));
    }
    let blobs = read_blobs(git, &specs)?;
    let mut files: HashMap<&str, Vec<ChangedFile<'_>>> = HashMap::new();
    for ((sha, path, _, _), pair) in touched.iter().zip(blobs.chunks(2)) {
        files.entry(sha).or_default().push(ChangedFile {
            path,
            old: pair.first().and_then(Option::as_deref),
            new: pair.get(1).and_then(Option::as_deref),
        });
    }
    Ok(files
        .into_iter()
        .map(|(sha, files)| (sha.to_owned(), diff_files(files)))
        .collect())
}

/// The contents of `rev:path` objects, in order; `None` for a spec that is `None` or names no
/// blob (a file that does not exist on that side).
fn read_blobs(git: &Git, specs: &[Option<String>]) -> Result<Vec<Option<Vec<u8>>>, GitError> {
    let asked: Vec<&str> = specs
        .iter()
        .flatten()
        // `cat-file --batch` reads one name a line.
        .filter(|s| !s.contains('\n'))
        .map(String::as_str)
        .collect();
    if asked.is_empty() {
        return Ok(vec![None; specs.len()]);
    }
    let args = "cat-file --batch";
    let mut child = git
        .command(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(GitError::Spawn)?;
    let input: Vec<u8> = asked
        .iter()
        .flat_map(|s| [s.as_bytes(), b"\n"])
        .flatten()
        .copied()
        .collect();
    let writer = child.stdin.take().map(|mut stdin| {
        // A git that exits early closes the pipe; its exit status tells why.
        std::thread::spawn(move || stdin.write_all(&input))
    });
    let output = child.wait_with_output().map_err(GitError::Spawn)?;
    if let Some(writer) = writer {
        let _ = writer.join();
    }
    if !output.status.success() {
        return Err(GitError::Command {
            args: args.into(),
            dir: git.dir().display().to_string(),
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
            code: output.status.code(),
        });
    }
    let mut rest = output.stdout.as_slice();
    let mut found: HashMap<&str, Vec<u8>> = HashMap::new();
    for name in &asked {
        let newline = rest
            .iter()
            .position(|b| *b == b'\n')
            .ok_or_else(|| GitError::Parse {
                args: args.into(),
                detail: format!("no answer for `{name}`"),
            })?;
        let header = String::from_utf8_lossy(&rest[..newline]).into_owned();
        rest = &rest[newline + 1..];
        // `<name> missing` (or `ambiguous`): nothing on that side.
        let mut fields = header.rsplitn(3, ' ');
        let (Some(size), Some(kind), Some(_oid)) = (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        let Ok(size) = size.parse::<usize>() else {
            continue;
        };
        if rest.len() < size {
            return Err(GitError::Parse {
                args: args.into(),
                detail: format!("`{name}`: {size} bytes announced, {} present", rest.len()),
            });
        }
        if kind == "blob" {
            found.insert(name, rest[..size].to_vec());
        }
        rest = rest.get(size + 1..).unwrap_or_default();
    }
    Ok(specs
        .iter()
        .map(|spec| spec.as_deref().and_then(|s| found.get(s).cloned()))
        .collect())
}
