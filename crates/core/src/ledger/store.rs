//! Git plumbing for the notes ledger: reading a notes tree in a fixed number of processes,
//! writing a new notes commit with a compare-and-swap on the ref, union-merging two notes
//! histories, and fetching and pushing the ref.
//!
//! `git notes` itself would do most of this, but it spawns a process per note read and updates
//! the ref without checking its old value, so two writers could lose each other's events. Doing
//! it by hand keeps reads at three processes whatever the number of notes, and every ref update
//! a compare-and-swap.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::process::Stdio;

use crate::git::{Git, GitError};

use super::error::LedgerError;
use super::names::{NOTES_REF, REMOTE_NOTES_REF};

/// Identity of the notes commits: fixed, so writing works on runners without `user.name`.
const IDENTITY: [(&str, &str); 4] = [
    ("GIT_AUTHOR_NAME", "shipline"),
    ("GIT_AUTHOR_EMAIL", "shipline@localhost"),
    ("GIT_COMMITTER_NAME", "shipline"),
    ("GIT_COMMITTER_EMAIL", "shipline@localhost"),
];

/// The notes at one commit of the notes ref.
#[derive(Debug, Clone, Default)]
pub(crate) struct Notes {
    /// The notes commit read (`None`: the ref does not exist yet).
    pub commit: Option<String>,
    /// Annotated object → note blob.
    pub blobs: BTreeMap<String, String>,
    /// Annotated object → note text.
    pub texts: BTreeMap<String, String>,
}

/// Outcome of a compare-and-swap.
pub(crate) enum Swap {
    Done,
    Lost,
}

/// Outcome of a push.
pub(crate) enum Pushed {
    Done,
    /// Another writer moved the remote ref first (or held its lock): fetch, merge, retry.
    Raced(String),
    /// The remote will not take it (no access, a protected ref, a hook, no connection):
    /// retrying cannot help. git's own words.
    Refused(String),
}

/// Outcome of a fetch.
pub(crate) enum Fetched {
    Done,
    /// Another process of this clone updated the fetched ref at the same moment.
    Raced,
}

pub(crate) struct Store<'a> {
    pub git: &'a Git,
}

impl Store<'_> {
    /// The current values of the local and the fetched remote notes refs (one process).
    pub fn refs(&self) -> Result<(Option<String>, Option<String>), LedgerError> {
        let out = self.git.run([
            "for-each-ref",
            "--format=%(refname) %(objectname)",
            NOTES_REF,
            REMOTE_NOTES_REF,
        ])?;
        let (mut local, mut remote) = (None, None);
        for line in out.lines() {
            match line.split_once(' ') {
                Some((NOTES_REF, oid)) => local = Some(oid.to_string()),
                Some((REMOTE_NOTES_REF, oid)) => remote = Some(oid.to_string()),
                _ => {}
            }
        }
        Ok((local, remote))
    }

    /// Every note at `commit`: three processes in all (`for-each-ref` done by the caller,
    /// `ls-tree`, one `cat-file --batch`).
    pub fn read(&self, commit: Option<String>) -> Result<Notes, LedgerError> {
        let Some(commit) = commit else {
            return Ok(Notes::default());
        };
        let blobs = self.ls_tree(&commit)?;
        let wanted: Vec<&str> = blobs.values().map(String::as_str).collect();
        let contents = self.cat_blobs(&wanted)?;
        let texts = blobs
            .iter()
            .filter_map(|(object, blob)| {
                let bytes = contents.get(blob)?;
                Some((object.clone(), String::from_utf8_lossy(bytes).into_owned()))
            })
            .collect();
        Ok(Notes {
            commit: Some(commit),
            blobs,
            texts,
        })
    }

    /// Annotated object → blob for a notes commit. Fan-out directories (`ab/cdef…`, as
    /// `git notes` writes past a few hundred notes) are flattened; other files are ignored.
    fn ls_tree(&self, commit: &str) -> Result<BTreeMap<String, String>, LedgerError> {
        let out = self.git.output(["ls-tree", "-r", "-z", commit])?;
        let mut blobs = BTreeMap::new();
        for entry in out.stdout.split(|b| *b == 0).filter(|e| !e.is_empty()) {
            let entry = String::from_utf8_lossy(entry);
            let Some((meta, path)) = entry.split_once('\t') else {
                continue;
            };
            let mut meta = meta.split(' ');
            let (Some(_mode), Some("blob"), Some(blob)) = (meta.next(), meta.next(), meta.next())
            else {
                continue;
            };
            let object: String = path.chars().filter(|c| *c != '/').collect();
            if matches!(object.len(), 40 | 64) && object.chars().all(|c| c.is_ascii_hexdigit()) {
                blobs.insert(object.to_ascii_lowercase(), blob.to_string());
            }
        }
        Ok(blobs)
    }

    /// Contents of many blobs through one `git cat-file --batch`.
    fn cat_blobs(&self, oids: &[&str]) -> Result<HashMap<String, Vec<u8>>, LedgerError> {
        let mut unique: Vec<&str> = oids.to_vec();
        unique.sort_unstable();
        unique.dedup();
        if unique.is_empty() {
            return Ok(HashMap::new());
        }
        let mut input = Vec::with_capacity(unique.len() * 41);
        for oid in &unique {
            input.extend_from_slice(oid.as_bytes());
            input.push(b'\n');
        }
        let out = self.with_input(&["cat-file", "--batch"], input, &[])?;
        let mut blobs = HashMap::with_capacity(unique.len());
        let mut rest = out.as_slice();
        while !rest.is_empty() {
            let newline = rest.iter().position(|b| *b == b'\n').unwrap_or(rest.len());
            let header = String::from_utf8_lossy(&rest[..newline]).into_owned();
            rest = rest.get(newline + 1..).unwrap_or_default();
            let parts: Vec<&str> = header.split(' ').collect();
            let [oid, _kind, size] = parts[..] else {
                // `<oid> missing`: a note blob absent from a partial clone; nothing to read.
                continue;
            };
            let size: usize = size.parse().map_err(|_| GitError::Parse {
                args: "cat-file --batch".into(),
                detail: format!("bad header `{header}`"),
            })?;
            if rest.len() < size {
                return Err(GitError::Parse {
                    args: "cat-file --batch".into(),
                    detail: format!("{oid}: {size} bytes announced, {} present", rest.len()),
                }
                .into());
            }
            blobs.insert(oid.to_string(), rest[..size].to_vec());
            rest = rest.get(size + 1..).unwrap_or_default();
        }
        Ok(blobs)
    }

    /// Writes a blob and returns its id.
    pub fn write_blob(&self, content: &str) -> Result<String, LedgerError> {
        let out = self.with_input(
            &["hash-object", "-w", "--stdin"],
            content.as_bytes().to_vec(),
            &[],
        )?;
        Ok(String::from_utf8_lossy(&out).trim().to_string())
    }

    /// Writes a notes commit holding `blobs` (a flat tree) on top of `parents`.
    pub fn commit(
        &self,
        blobs: &BTreeMap<String, String>,
        parents: &[&str],
        message: &str,
    ) -> Result<String, LedgerError> {
        let mut listing = Vec::with_capacity(blobs.len() * 100);
        for (object, blob) in blobs {
            write!(listing, "100644 blob {blob}\t{object}\0")
                .map_err(|e| LedgerError::Task(format!("building the notes tree listing: {e}")))?;
        }
        let tree = self.with_input(&["mktree", "-z"], listing, &[])?;
        let tree = String::from_utf8_lossy(&tree).trim().to_string();
        let mut args = vec!["commit-tree", tree.as_str(), "-m", message];
        for parent in parents {
            args.extend(["-p", parent]);
        }
        let out = self.with_input(&args, Vec::new(), &IDENTITY)?;
        Ok(String::from_utf8_lossy(&out).trim().to_string())
    }

    /// Moves the local notes ref from `old` (`None`: must not exist) to `new`, atomically.
    pub fn swap(&self, new: &str, old: Option<&str>) -> Result<Swap, LedgerError> {
        let result = self.git.output([
            "update-ref",
            "-m",
            "shipline ledger",
            NOTES_REF,
            new,
            old.unwrap_or(""),
        ]);
        match result {
            Ok(_) => Ok(Swap::Done),
            Err(err) => {
                // Lost the race if the ref moved; any other failure is real.
                let (now, _) = self.refs()?;
                if now.as_deref() != old {
                    Ok(Swap::Lost)
                } else {
                    Err(err.into())
                }
            }
        }
    }

    /// The merge base of two commits, if they share history.
    pub fn merge_base(&self, a: &str, b: &str) -> Result<Option<String>, LedgerError> {
        match self.git.output(["merge-base", a, b]) {
            Ok(out) => Ok(Some(
                String::from_utf8_lossy(&out.stdout).trim().to_string(),
            )),
            Err(GitError::Command { code: Some(1), .. }) => Ok(None),
            Err(err) => Err(err.into()),
        }
    }

    /// Whether `ancestor` is `descendant` or in its history.
    pub fn is_ancestor(&self, ancestor: &str, descendant: &str) -> Result<bool, LedgerError> {
        if ancestor == descendant {
            return Ok(true);
        }
        match self
            .git
            .output(["merge-base", "--is-ancestor", ancestor, descendant])
        {
            Ok(_) => Ok(true),
            Err(GitError::Command { code: Some(1), .. }) => Ok(false),
            Err(err) => Err(err.into()),
        }
    }

    /// Fetches the remote's notes into [`REMOTE_NOTES_REF`]. A remote without notes is fine.
    /// Two processes of one clone fetching at once race for that ref's lock; the loser is told
    /// [`Fetched::Raced`] rather than an error about the remote.
    pub fn fetch(&self, remote: &str) -> Result<Fetched, LedgerError> {
        let refspec = format!("+{NOTES_REF}:{REMOTE_NOTES_REF}");
        let args = [
            "fetch",
            "--quiet",
            "--no-tags",
            "--no-write-fetch-head",
            "--no-auto-gc",
            remote,
            refspec.as_str(),
        ];
        match self.git.output(args) {
            Ok(_) => Ok(Fetched::Done),
            Err(GitError::Command { stderr, .. })
                if stderr.contains("couldn't find remote ref") =>
            {
                Ok(Fetched::Done)
            }
            Err(GitError::Command { stderr, .. }) if is_local_lock_race(&stderr) => {
                tracing::debug!(remote, stderr, "ledger fetch raced another process");
                Ok(Fetched::Raced)
            }
            Err(GitError::Command { stderr, .. }) => Err(LedgerError::Remote {
                operation: "fetch from",
                remote: remote.to_string(),
                message: stderr,
                hint: fetch_hint(remote),
            }),
            Err(err) => Err(err.into()),
        }
    }

    /// Pushes notes commit `commit` to the remote's notes ref, fast-forward only: the remote
    /// takes it only if it builds on what the remote has, so a record is published whole or
    /// not at all.
    pub fn push(&self, remote: &str, commit: &str) -> Result<Pushed, LedgerError> {
        let refspec = format!("{commit}:{NOTES_REF}");
        match self
            .git
            .output(["push", "--quiet", "--no-verify", remote, refspec.as_str()])
        {
            Ok(_) => Ok(Pushed::Done),
            Err(GitError::Command { stderr, .. }) if is_push_race(&stderr) => {
                Ok(Pushed::Raced(stderr))
            }
            Err(GitError::Command { stderr, .. }) => Ok(Pushed::Refused(stderr)),
            Err(err) => Err(err.into()),
        }
    }

    /// The error for a push the remote refuses for good (no access, a protected ref, a hook).
    pub fn push_refused(&self, remote: &str, message: String) -> LedgerError {
        LedgerError::Remote {
            operation: "push to",
            remote: remote.to_string(),
            message,
            hint: push_hint(remote),
        }
    }

    /// Runs git with `input` on stdin (written from a thread so a large output cannot block
    /// a large input) and returns stdout.
    fn with_input(
        &self,
        args: &[&str],
        input: Vec<u8>,
        env: &[(&str, &str)],
    ) -> Result<Vec<u8>, LedgerError> {
        let mut command = self.git.command(args);
        command
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().map_err(GitError::Spawn)?;
        let writer = child.stdin.take().map(|mut stdin| {
            std::thread::spawn(move || {
                // A git that exits early closes the pipe; its exit status tells why.
                let _ = stdin.write_all(&input);
            })
        });
        let output = child.wait_with_output().map_err(GitError::Spawn)?;
        if let Some(writer) = writer {
            let _ = writer.join();
        }
        if output.status.success() {
            Ok(output.stdout)
        } else {
            Err(GitError::Command {
                args: args.join(" "),
                dir: self.git.dir().display().to_string(),
                stderr: String::from_utf8_lossy(&output.stderr).trim().to_string(),
                code: output.status.code(),
            }
            .into())
        }
    }
}

/// A ref of this clone that another process was updating at the same moment: git names the
/// lock (`cannot lock ref …: is at X but expected Y`, `Unable to create '….lock': File exists`).
fn is_local_lock_race(stderr: &str) -> bool {
    stderr.contains("cannot lock ref")
        || stderr.contains("but expected")
        || (stderr.contains(".lock") && stderr.contains("File exists"))
}

/// A push that lost a race: the client saw the remote ref move (`[rejected] … (fetch first)`,
/// `(non-fast-forward)`, `(stale info)`), or the remote lost the compare-and-swap on the ref
/// or its lock to another push (`[remote rejected] … (cannot lock ref …)`, `(failed to update
/// ref)`, `incorrect old value`). A hook's or a protection's refusal is `[remote rejected]`
/// with another reason, and no access fails before any ref is named: those are refusals.
fn is_push_race(stderr: &str) -> bool {
    let rejected = stderr.contains("[rejected]")
        && (stderr.contains("fetch first")
            || stderr.contains("non-fast-forward")
            || stderr.contains("stale info"));
    let lost_lock = stderr.contains("[remote rejected]")
        && (stderr.contains("lock")
            || stderr.contains("failed to update ref")
            || stderr.contains("but expected")
            || stderr.contains("incorrect old value"));
    rejected || lost_lock
}

fn fetch_hint(remote: &str) -> String {
    format!(
        "check that `{remote}` is reachable with the job's credentials (GitHub Actions: keep `persist-credentials` on actions/checkout; GitLab: the job token may read), or set SHIPLINE_LEDGER_REMOTE=none to keep the ledger in this clone only"
    )
}

fn push_hint(remote: &str) -> String {
    format!(
        "the ledger is pushed to `{remote}` as {NOTES_REF}, and CI jobs share their records only through it: give the job push access (GitHub Actions: `permissions: contents: write`; GitLab: a project access token with write_repository, since CI_JOB_TOKEN cannot push), point SHIPLINE_LEDGER_REMOTE at a remote the job can push to, or use `--backend github|gitlab`"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn races_are_told_apart_from_refusals() {
        let races = [
            " ! [rejected]        abc -> refs/notes/shipline (fetch first)",
            " ! [rejected]        abc -> refs/notes/shipline (non-fast-forward)",
            " ! [remote rejected] abc -> refs/notes/shipline (cannot lock ref 'refs/notes/shipline': is at 1 but expected 2)",
            " ! [remote rejected] abc -> refs/notes/shipline (failed to update ref)",
        ];
        for race in races {
            assert!(is_push_race(race), "{race}");
        }
        let refusals = [
            " ! [remote rejected] abc -> refs/notes/shipline (pre-receive hook declined)",
            " ! [remote rejected] abc -> refs/notes/shipline (protected ref)",
            "remote: Permission to o/r.git denied to bot.\nfatal: unable to access 'https://github.com/o/r.git/': The requested URL returned error: 403",
            "fatal: Could not read from remote repository.",
        ];
        for refusal in refusals {
            assert!(!is_push_race(refusal), "{refusal}");
        }
        assert!(is_local_lock_race(
            "error: cannot lock ref 'refs/notes/shipline-remote': is at 1 but expected 2"
        ));
        assert!(!is_local_lock_race(
            "fatal: 'nowhere' does not appear to be a git repository"
        ));
    }
}
