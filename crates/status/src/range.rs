//! The commits between two deployed SHAs, with the PRs and reverts their messages name.
//!
//! `show` needs them to say what waits upstream, `metrics` to know which commits a deployment
//! delivered (lead time) and which deployments a later revert undid (change failure rate).
//! Numbers come from the merge and squash subjects the forges write, so no API call is needed.

use std::collections::{HashMap, HashSet};

use shipline_commits::{Reverted, references};
use shipline_core::git::history::{self, HistoryQuery, Parallel};
use shipline_core::git::{Git, GitError};

/// One commit of a range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RangeCommit {
    /// Full SHA.
    pub sha: String,
    /// Committer time (seconds since the epoch): when the change landed.
    pub committed_at: i64,
    /// The PR/MR the commit came from, when its message says.
    pub pr: Option<u64>,
    /// What the commit reverts.
    pub reverts: Vec<Reverted>,
}

/// Commits reachable from `head` and not from `base` (all history when `base` is `None`),
/// newest first.
pub(crate) fn commits(
    git: &Git,
    base: Option<&str>,
    head: &str,
) -> Result<Vec<RangeCommit>, GitError> {
    commits_in(git, base, head, &[])
}

/// Like [`commits`], only those changing `paths` (git pathspecs; all commits when empty).
pub(crate) fn commits_in(
    git: &Git,
    base: Option<&str>,
    head: &str,
    paths: &[String],
) -> Result<Vec<RangeCommit>, GitError> {
    let mut query = HistoryQuery::new(head);
    query.paths = paths.to_vec();
    query.base = base.map(str::to_string);
    query.stats = false;
    query.renames = false;
    query.parallel = Parallel::Off;
    Ok(history::read(git, &query)?
        .into_iter()
        .map(|c| {
            let message = format!("{}\n\n{}", c.subject, c.body);
            let refs = references(&message);
            RangeCommit {
                sha: c.sha,
                committed_at: c.committer_time.seconds,
                pr: refs.pr.map(|p| p.number),
                reverts: refs.reverts,
            }
        })
        .collect())
}

/// The distinct PR numbers of `commits`, ascending.
pub(crate) fn pull_requests(commits: &[RangeCommit]) -> Vec<u64> {
    let mut prs: Vec<u64> = commits.iter().filter_map(|c| c.pr).collect();
    prs.sort_unstable();
    prs.dedup();
    prs
}

/// Whether `sha` resolves to a commit in this clone (a shallow or stale clone may lack it).
pub(crate) fn has_commit(git: &Git, sha: &str) -> bool {
    git.check(["cat-file", "-e", &format!("{sha}^{{commit}}")])
        .unwrap_or(false)
}

/// Which of `shas` name commits this clone has (a shallow or stale clone may lack some), asked
/// of one `git cat-file --batch-check` process whatever their number.
pub(crate) fn present(git: &Git, shas: &[&str]) -> Result<HashSet<String>, GitError> {
    let mut input = String::new();
    for sha in shas {
        // Only full SHAs are asked: anything else in the ledger names no commit here.
        if shipline_core::git::is_full_sha(sha) {
            input.push_str(sha);
            input.push('\n');
        }
    }
    let out = git.run_with_input(
        &["cat-file", "--batch-check=%(objectname) %(objecttype)"],
        &input,
    )?;
    Ok(out
        .lines()
        .filter_map(|line| line.strip_suffix(" commit"))
        .map(str::to_string)
        .collect())
}

/// The commits each of `heads` (oldest first, all in this clone) added to the one before it:
/// entry `k - 1` holds what `commits(git, Some(heads[k - 1]), heads[k])` lists, for every
/// `k >= 1`, newest first.
///
/// Read with one `git log` over all of them (and one `rev-parse`) instead of one process per
/// pair: the metrics of a busy environment ask for thousands of consecutive ranges. The graph is
/// walked in memory: while each head descends from the one before it (the usual case), the
/// commits first reached from a head are exactly those its range holds; after a head that does
/// not (a rollback to an older commit), the walk starts again from that head, and where it
/// cannot tell (a head that does not contain the first one), that range is asked of git.
pub(crate) fn consecutive(git: &Git, heads: &[&str]) -> Result<Vec<Vec<RangeCommit>>, GitError> {
    let Some(first) = heads.first() else {
        return Ok(Vec::new());
    };
    let graph = Graph::read(git, heads)?;
    let index = |sha: &str| graph.index.get(sha).copied();
    let first = index(first).ok_or_else(|| missing(first))?;
    let mut claimed = vec![false; graph.nodes.len()];
    graph.reach(first, &mut claimed);
    // Whether `claimed` (plus what lies below the first head) is everything the previous head
    // reaches, so that what a walk from the next head finds unclaimed is its range.
    let mut exact = true;
    let mut out = Vec::with_capacity(heads.len().saturating_sub(1));
    for pair in heads.windows(2) {
        let (previous, head) = (pair[0], pair[1]);
        if previous == head {
            out.push(Vec::new());
            continue;
        }
        // A head below the first one (a rollback past it) is not in the graph: git answers.
        let (Some(at), Some(before)) = (index(head), index(previous)) else {
            out.push(commits(git, Some(previous), head)?);
            claimed.iter_mut().for_each(|c| *c = false);
            exact = match index(head) {
                Some(at) => {
                    graph.reach(at, &mut claimed);
                    claimed[first]
                }
                None => false,
            };
            continue;
        };
        if exact {
            let (found, descends) = graph.walk_new(at, before, &claimed);
            out.push(
                found
                    .iter()
                    .map(|&i| graph.nodes[i].commit.clone())
                    .collect(),
            );
            if descends {
                for i in found {
                    claimed[i] = true;
                }
                continue;
            }
        } else {
            out.push(commits(git, Some(previous), head)?);
        }
        claimed.iter_mut().for_each(|c| *c = false);
        graph.reach(at, &mut claimed);
        exact = claimed[first];
    }
    Ok(out)
}

/// A head `git log` did not list: the caller promised commits this clone has.
fn missing(sha: &str) -> GitError {
    GitError::Parse {
        args: "log --stdin".to_string(),
        detail: format!("commit {sha} was asked for but not listed"),
    }
}

/// One commit of the graph [`consecutive`] walks.
struct Node {
    commit: RangeCommit,
    /// Parents inside the graph; those below the first head are left out.
    parents: Vec<usize>,
}

/// Every commit reachable from the heads but not from the first head's parents (heads below
/// those parents are not in it).
struct Graph {
    nodes: Vec<Node>,
    index: HashMap<String, usize>,
}

impl Graph {
    fn read(git: &Git, heads: &[&str]) -> Result<Self, GitError> {
        let below = git.run(["rev-parse", &format!("{}^@", heads[0])])?;
        let mut input = String::new();
        let mut seen = HashSet::new();
        for head in heads {
            if seen.insert(*head) {
                input.push_str(head);
                input.push('\n');
            }
        }
        for parent in below.split_whitespace() {
            input.push('^');
            input.push_str(parent);
            input.push('\n');
        }
        let out = git.run_with_input(
            &["log", "--stdin", "-z", "--format=%H%x1f%P%x1f%ct%x1f%B"],
            &input,
        )?;
        let mut raw = Vec::new();
        for record in out.split('\0').filter(|r| !r.trim().is_empty()) {
            let mut fields = record.trim_start_matches('\n').splitn(4, '\x1f');
            let (Some(sha), Some(parents), Some(time), Some(message)) =
                (fields.next(), fields.next(), fields.next(), fields.next())
            else {
                continue;
            };
            raw.push((sha.to_string(), parents.to_string(), time, message));
        }
        let index: HashMap<String, usize> = raw
            .iter()
            .enumerate()
            .map(|(i, (sha, ..))| (sha.clone(), i))
            .collect();
        let nodes = raw
            .into_iter()
            .map(|(sha, parents, time, message)| {
                let refs = references(message);
                Node {
                    parents: parents
                        .split_whitespace()
                        .filter_map(|p| index.get(p).copied())
                        .collect(),
                    commit: RangeCommit {
                        sha,
                        committed_at: time.trim().parse().unwrap_or_default(),
                        pr: refs.pr.map(|p| p.number),
                        reverts: refs.reverts,
                    },
                }
            })
            .collect();
        Ok(Self { nodes, index })
    }

    /// Marks everything reachable from `from` in `marks`.
    fn reach(&self, from: usize, marks: &mut [bool]) {
        let mut stack = vec![from];
        while let Some(i) = stack.pop() {
            if !std::mem::replace(&mut marks[i], true) {
                stack.extend(&self.nodes[i].parents);
            }
        }
    }

    /// The commits reachable from `from` that are not `claimed`, newest first by committer
    /// time as `git log` lists them, and whether the walk met `before` (then `from` descends
    /// from it).
    fn walk_new(&self, from: usize, before: usize, claimed: &[bool]) -> (Vec<usize>, bool) {
        let mut seen = HashSet::new();
        let mut found = Vec::new();
        let mut met = false;
        let mut stack = vec![from];
        while let Some(i) = stack.pop() {
            if claimed[i] {
                met |= i == before;
                continue;
            }
            if seen.insert(i) {
                found.push(i);
                stack.extend(&self.nodes[i].parents);
            }
        }
        found.sort_by_key(|&i| std::cmp::Reverse(self.nodes[i].commit.committed_at));
        (found, met)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shipline_testkit::repo::TestRepo;

    /// A small deterministic generator, so a failing seed can be replayed.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }
    }

    /// `n` commits made with `commit-tree`, oldest first: mostly a line, with side branches
    /// merged back and a few commits that revert or name PRs; times out of order now and then.
    fn dag(repo: &TestRepo, rng: &mut Rng, n: usize) -> Vec<String> {
        let tree = repo.run(["hash-object", "-w", "-t", "tree", "/dev/null"]);
        let tree = tree.trim();
        let mut shas: Vec<String> = Vec::new();
        for i in 0..n {
            let mut parents = Vec::new();
            if i > 0 {
                // Mostly the newest commit; sometimes an older one (a side branch).
                let p = if rng.below(4) == 0 {
                    rng.below(i)
                } else {
                    i - 1
                };
                parents.push(shas[p].clone());
                if i > 2 && rng.below(5) == 0 {
                    let q = rng.below(i);
                    if q != p {
                        parents.push(shas[q].clone());
                    }
                }
            }
            let message = match rng.below(6) {
                0 => format!("fix: thing {i} (#{i})"),
                1 if i > 0 => format!(
                    "Revert \"an earlier change\"\n\nThis reverts commit {}.",
                    shas[rng.below(i)]
                ),
                _ => format!("change {i}"),
            };
            let mut args = vec![
                "commit-tree".to_string(),
                tree.to_string(),
                "-m".into(),
                message,
            ];
            for p in &parents {
                args.push("-p".into());
                args.push(p.clone());
            }
            let time = 1_700_000_000 + 60 * i as i64 - 3_600 * rng.below(2) as i64;
            let out = std::process::Command::new("git")
                .current_dir(repo.path())
                .args(&args)
                .env("GIT_COMMITTER_DATE", format!("{time} +0000"))
                .env("GIT_AUTHOR_DATE", format!("{time} +0000"))
                .output()
                .expect("git commit-tree");
            assert!(out.status.success(), "{out:?}");
            shas.push(String::from_utf8_lossy(&out.stdout).trim().to_string());
        }
        shas
    }

    fn sorted(mut commits: Vec<RangeCommit>) -> Vec<RangeCommit> {
        commits.sort_by(|a, b| a.sha.cmp(&b.sha));
        commits
    }

    /// The batched read agrees with one `git log` per pair on histories with merges, side
    /// branches, redeployments, rollbacks to older commits and heads that do not descend from
    /// the first.
    #[test]
    fn consecutive_ranges_are_what_git_lists_for_each_pair() {
        let repo = TestRepo::new();
        let git = repo.git();
        for seed in 1..=12u64 {
            let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
            let shas = dag(&repo, &mut rng, 40);
            let mut heads = vec![rng.below(10)];
            for _ in 0..24 {
                let last = *heads.last().unwrap_or(&0);
                heads.push(match rng.below(10) {
                    0..=5 => (last + 1 + rng.below(4)).min(shas.len() - 1),
                    6 => last,
                    _ => rng.below(shas.len()),
                });
            }
            let heads: Vec<&str> = heads.iter().map(|&i| shas[i].as_str()).collect();
            let batched = consecutive(&git, &heads).expect("batched read");
            assert_eq!(batched.len(), heads.len() - 1);
            for (k, got) in batched.into_iter().enumerate() {
                let expected = commits(&git, Some(heads[k]), heads[k + 1]).expect("git log");
                assert_eq!(
                    sorted(got),
                    sorted(expected),
                    "seed {seed}, range {k}: {}..{}",
                    heads[k],
                    heads[k + 1]
                );
            }
        }
    }

    #[test]
    fn present_names_the_commits_the_clone_has() {
        let repo = TestRepo::new();
        let head = repo.commit("feat: one").file("a", "1\n").create();
        let missing = "0123456789abcdef0123456789abcdef01234567";
        let tree = repo.run(["rev-parse", "HEAD^{tree}"]).trim().to_string();
        let found = present(&repo.git(), &[&head, missing, "HEAD", &tree]).expect("cat-file");
        assert_eq!(found, HashSet::from([head]));
    }
}
