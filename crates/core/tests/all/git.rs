//! Git access against real repositories: the history reader, shallow-clone handling, and the
//! testkit repo builder the other tests stand on.

use std::ops::ControlFlow;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use shipline_core::git::history::{self, Commit, HistoryQuery, Parallel};
use shipline_core::git::{Git, GitError, shallow};
use shipline_testkit::repo::{
    CommitSpec, EPOCH, FastImportSpec, MergeStyle, PrSpec, TICK, TestRepo, fast_import,
};

fn lines(n: usize, tag: &str) -> String {
    (0..n).map(|i| format!("{tag} line {i}\n")).collect()
}

fn read(git: &Git, query: HistoryQuery) -> Vec<Commit> {
    history::read(git, &query).expect("read history")
}

#[test]
fn reads_metadata_and_line_stats() {
    let repo = TestRepo::new();
    let first = repo
        .commit("feat: add parser\n\nExplains why.\nSecond line.")
        .file("src/parse.rs", lines(10, "p"))
        .file("README.md", "hello\n")
        .author("Ann Lee", "ann@example.com")
        .at(EPOCH + 100)
        .create();
    let mut edited = lines(10, "p").replace("p line 3\n", "");
    edited.push_str("more\nand more\n");
    let second = repo
        .commit("fix: parser edge")
        .file("src/parse.rs", edited)
        .delete("README.md")
        .create();

    let commits = read(&repo.git(), HistoryQuery::new("main"));
    assert_eq!(commits.len(), 2);
    let (new, old) = (&commits[0], &commits[1]);
    assert_eq!(new.sha, second);
    assert_eq!(new.parents, std::slice::from_ref(&first));
    assert_eq!(old.sha, first);
    assert!(old.parents.is_empty());
    assert_eq!(old.author_name, "Ann Lee");
    assert_eq!(old.author_email, "ann@example.com");
    assert_eq!(old.author_time.seconds, EPOCH + 100);
    assert_eq!(old.author_time.offset_minutes, 0);
    assert_eq!(old.committer_name, "Shipline Test");
    assert_eq!(new.committer_time.seconds, EPOCH + 100 + TICK);
    assert_eq!(old.subject, "feat: add parser");
    assert_eq!(old.body, "Explains why.\nSecond line.");
    assert_eq!(new.body, "");

    let stats = |c: &Commit| -> Vec<(String, u64, u64)> {
        c.files
            .iter()
            .map(|f| (f.path.to_string(), f.added, f.deleted))
            .collect()
    };
    assert_eq!(
        stats(old),
        [("README.md".into(), 1, 0), ("src/parse.rs".into(), 10, 0)]
    );
    assert_eq!(
        stats(new),
        [("README.md".into(), 0, 1), ("src/parse.rs".into(), 2, 1)]
    );

    let bare = read(
        &repo.git(),
        HistoryQuery {
            stats: false,
            ..HistoryQuery::new("main")
        },
    );
    assert!(bare.iter().all(|c| c.files.is_empty()));
    assert_eq!(bare[1].subject, "feat: add parser");
}

#[test]
fn reads_renames_binaries_and_non_utf8_paths() {
    let repo = TestRepo::new();
    repo.commit("init")
        .file("src/old_name.rs", lines(20, "r"))
        .file("keep.txt", "k\n")
        .create();
    let odd = std::ffi::OsStr::from_bytes(b"data/caf\xe9 menu\nlist.txt");
    repo.commit("move and add")
        .rename("src/old_name.rs", "src/lib/new_name.rs")
        .binary("assets/logo.png", b"\x89PNG\r\n\x1a\n\0\0\x01\x02binary")
        .file(Path::new(odd), "one\ntwo\n")
        .create();

    let commits = read(&repo.git(), HistoryQuery::new("HEAD"));
    let files = &commits[0].files;
    assert_eq!(files.len(), 3, "{files:?}");
    let png = files.iter().find(|f| f.path == "assets/logo.png").unwrap();
    assert!(png.binary);
    assert_eq!((png.added, png.deleted), (0, 0));
    let odd_file = files
        .iter()
        .find(|f| f.path.as_bytes() == odd.as_bytes())
        .expect("the non-UTF-8 path with a newline comes back byte for byte");
    assert_eq!(
        (odd_file.added, odd_file.deleted, odd_file.binary),
        (2, 0, false)
    );
    assert!(odd_file.path.to_str().is_none());
    assert!(odd_file.path.to_string().contains('\u{fffd}'));
    let moved = files
        .iter()
        .find(|f| f.path == "src/lib/new_name.rs")
        .unwrap();
    assert_eq!(moved.old_path.as_ref().unwrap(), &"src/old_name.rs");
    assert_eq!((moved.added, moved.deleted), (0, 0));

    let plain = read(
        &repo.git(),
        HistoryQuery {
            renames: false,
            ..HistoryQuery::new("HEAD")
        },
    );
    let paths: Vec<String> = plain[0].files.iter().map(|f| f.path.to_string()).collect();
    assert!(paths.contains(&"src/old_name.rs".to_string()), "{paths:?}");
    assert!(plain[0].files.iter().all(|f| f.old_path.is_none()));
}

fn pr(number: u64, branch: &str, style: MergeStyle, files: &[&str]) -> PrSpec {
    PrSpec {
        number,
        title: format!("Add {branch}"),
        branch: branch.into(),
        commits: files
            .iter()
            .map(|f| {
                CommitSpec::new(&format!("feat: {f}"))
                    .file(format!("src/{f}"), lines(3, f))
                    .author("Bob Stone", "bob@example.com")
            })
            .collect(),
        style,
    }
}

#[test]
fn merges_with_and_without_first_parent() {
    let repo = TestRepo::new();
    let base = repo.commit("init").file("a.txt", "a\n").create();
    let merged = repo.merge_pr(pr(7, "topic", MergeStyle::Merge, &["x.rs", "y.rs"]));
    let direct = repo
        .commit("chore: direct")
        .file("a.txt", "a\nb\n")
        .create();
    let merge_sha = merged.merge_commit.clone().unwrap();

    let all = read(&repo.git(), HistoryQuery::new("main").base(&base));
    let shas: Vec<&str> = all.iter().map(|c| c.sha.as_str()).collect();
    assert_eq!(shas.len(), 4, "{shas:?}");
    assert_eq!(shas[0], direct);
    assert_eq!(shas[1], merge_sha);
    assert!(all[1].is_merge());
    assert!(
        all[1].files.is_empty(),
        "merges carry no stats unless first-parent"
    );
    assert_eq!(all[2].files.len(), 1);

    let mainline = read(
        &repo.git(),
        HistoryQuery {
            first_parent: true,
            ..HistoryQuery::new("main").base(&base)
        },
    );
    let shas: Vec<&str> = mainline.iter().map(|c| c.sha.as_str()).collect();
    assert_eq!(shas, [direct.as_str(), merge_sha.as_str()]);
    let merge_files: Vec<(String, u64)> = mainline[1]
        .files
        .iter()
        .map(|f| (f.path.to_string(), f.added))
        .collect();
    assert_eq!(
        merge_files,
        [("src/x.rs".into(), 3), ("src/y.rs".into(), 3)]
    );

    let no_merges = read(
        &repo.git(),
        HistoryQuery {
            include_merges: false,
            ..HistoryQuery::new("main").base(&base)
        },
    );
    assert_eq!(no_merges.len(), 3);
    assert!(no_merges.iter().all(|c| !c.is_merge()));
}

#[test]
fn ranges_limits_paths_and_early_stop() {
    let repo = TestRepo::new();
    let shas: Vec<String> = (0..6)
        .map(|i| {
            repo.commit(&format!("change {i}"))
                .file(
                    if i % 2 == 0 { "even.txt" } else { "odd.txt" },
                    lines(i + 1, "x"),
                )
                .create()
        })
        .collect();
    let git = repo.git();
    let range = read(&git, HistoryQuery::new(&shas[4]).base(&shas[1]));
    let got: Vec<&str> = range.iter().map(|c| c.sha.as_str()).collect();
    assert_eq!(got, [&shas[4], &shas[3], &shas[2]]);

    let limited = read(
        &git,
        HistoryQuery {
            max_commits: Some(2),
            ..HistoryQuery::new("main")
        },
    );
    assert_eq!(limited.len(), 2);
    assert_eq!(limited[0].sha, shas[5]);

    let odd = read(
        &git,
        HistoryQuery {
            paths: vec!["odd.txt".into()],
            ..HistoryQuery::new("main")
        },
    );
    let got: Vec<&str> = odd.iter().map(|c| c.sha.as_str()).collect();
    assert_eq!(got, [&shas[5], &shas[3], &shas[1]]);

    for parallel in [
        Parallel::Off,
        Parallel::Fixed {
            threads: 2,
            chunk: 1,
        },
        Parallel::Split { parts: 3 },
    ] {
        let mut seen = Vec::new();
        let query = HistoryQuery {
            parallel,
            max_commits: Some(6),
            ..HistoryQuery::new("main")
        };
        history::for_each(&git, &query, |c| {
            seen.push(c.sha);
            if seen.len() == 2 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap();
        assert_eq!(seen, [shas[5].clone(), shas[4].clone()], "{parallel:?}");
    }
}

#[test]
fn unknown_revision_is_reported_with_a_hint() {
    let repo = TestRepo::new();
    repo.commit("init").file("a", "a\n").create();
    let err = history::read(&repo.git(), &HistoryQuery::new("main").base("v9.9.9")).unwrap_err();
    match err {
        GitError::UnknownRevision { rev, hint } => {
            assert_eq!(rev, "v9.9.9");
            assert!(hint.contains("fetch"), "{hint}");
        }
        other => panic!("expected UnknownRevision, got {other:?}"),
    }
}

/// A commit's SHA and its files as (path, old path, added, deleted), counts as git prints them.
type LogEntry = (String, Vec<(String, Option<String>, String, String)>);

/// A straightforward reading of `git log --numstat` (text mode, `{old => new}` rename forms).
fn reference_log(dir: &Path, first_parent: bool) -> Vec<LogEntry> {
    let mut cmd = std::process::Command::new("git");
    cmd.current_dir(dir)
        .args(["log", "--numstat", "-M", "--format=@@%H", "main"]);
    if first_parent {
        cmd.args(["--first-parent", "--diff-merges=first-parent"]);
    }
    let out = cmd.output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let mut commits: Vec<(String, Vec<_>)> = Vec::new();
    for line in text.lines() {
        if let Some(sha) = line.strip_prefix("@@") {
            commits.push((sha.to_string(), Vec::new()));
        } else if !line.is_empty() {
            let mut parts = line.splitn(3, '\t');
            let (added, deleted, path) = (
                parts.next().unwrap(),
                parts.next().unwrap(),
                parts.next().unwrap(),
            );
            let (old, new) = expand_rename(path);
            commits
                .last_mut()
                .unwrap()
                .1
                .push((new, old, added.to_string(), deleted.to_string()));
        }
    }
    commits
}

fn expand_rename(path: &str) -> (Option<String>, String) {
    let Some((left, right)) = path.split_once(" => ") else {
        return (None, path.to_string());
    };
    match (left.rfind('{'), right.find('}')) {
        (Some(open), Some(close)) => {
            let (pre, old) = (&left[..open], &left[open + 1..]);
            let (new, post) = (&right[..close], &right[close + 1..]);
            let join = |mid: &str| format!("{pre}{mid}{post}").replace("//", "/");
            (Some(join(old)), join(new))
        }
        _ => (Some(left.to_string()), right.to_string()),
    }
}

fn as_reference(commits: &[Commit]) -> Vec<LogEntry> {
    commits
        .iter()
        .map(|c| {
            let files = c
                .files
                .iter()
                .map(|f| {
                    let count = |n: u64| {
                        if f.binary {
                            "-".to_string()
                        } else {
                            n.to_string()
                        }
                    };
                    (
                        f.path.to_string(),
                        f.old_path.as_ref().map(|p| p.to_string()),
                        count(f.added),
                        count(f.deleted),
                    )
                })
                .collect();
            (c.sha.clone(), files)
        })
        .collect()
}

#[test]
fn matches_git_log_numstat_on_a_generated_history() {
    let dir = tempfile::tempdir().unwrap();
    let summary = fast_import(
        dir.path(),
        &FastImportSpec {
            commits: 500,
            files: 300,
            seed: 7,
        },
    );
    assert_eq!(summary.commits, 500);
    assert!(summary.merges > 0, "{summary:?}");
    let git = Git::new(dir.path());
    for first_parent in [false, true] {
        let expected = reference_log(dir.path(), first_parent);
        assert!(
            expected
                .iter()
                .any(|(_, files)| files.iter().any(|f| f.1.is_some())),
            "has renames"
        );
        assert!(
            expected
                .iter()
                .any(|(_, files)| files.iter().any(|f| f.2 == "-")),
            "has binaries"
        );
        for parallel in [
            Parallel::Off,
            Parallel::Auto,
            Parallel::Fixed {
                threads: 3,
                chunk: 37,
            },
        ] {
            let query = HistoryQuery {
                first_parent,
                parallel,
                ..HistoryQuery::new("main")
            };
            let got = as_reference(&read(&git, query));
            assert_eq!(
                got.len(),
                expected.len(),
                "{parallel:?} first_parent={first_parent}"
            );
            for (g, e) in got.iter().zip(&expected) {
                assert_eq!(g, e, "{parallel:?} first_parent={first_parent}");
            }
        }
        // The newest 450 of them, split by position or listed, newest or oldest first.
        let newest = &expected[..450];
        for parallel in [
            Parallel::Off,
            Parallel::Auto,
            Parallel::Split { parts: 3 },
            Parallel::Split { parts: 7 },
            Parallel::Fixed {
                threads: 2,
                chunk: 100,
            },
        ] {
            for reverse in [false, true] {
                let query = HistoryQuery {
                    first_parent,
                    parallel,
                    reverse,
                    max_commits: Some(450),
                    ..HistoryQuery::new("main")
                };
                let mut got = as_reference(&read(&git, query));
                if reverse {
                    got.reverse();
                }
                assert_eq!(
                    got, newest,
                    "{parallel:?} reverse={reverse} first_parent={first_parent}"
                );
            }
        }
    }
    // A split past the end of the range reads what there is.
    let query = HistoryQuery {
        parallel: Parallel::Split { parts: 4 },
        max_commits: Some(10_000),
        ..HistoryQuery::new("main")
    };
    assert_eq!(
        as_reference(&read(&git, query)),
        reference_log(dir.path(), false)
    );
    let again = tempfile::tempdir().unwrap();
    let same = fast_import(
        again.path(),
        &FastImportSpec {
            commits: 500,
            files: 300,
            seed: 7,
        },
    );
    assert_eq!(same.head, summary.head, "a seed gives the same repository");
}

#[test]
fn shallow_clone_is_deepened_to_cover_the_range() {
    let repo = TestRepo::new();
    let shas: Vec<String> = (0..80)
        .map(|i| {
            repo.commit(&format!("c{i}"))
                .file("f.txt", lines(i + 1, "f"))
                .create()
        })
        .collect();
    let clone = Git::new(repo.clone_shallow(1));
    assert!(clone.is_shallow().unwrap());
    let err = history::read(&clone, &HistoryQuery::new("HEAD").base(&shas[5])).unwrap_err();
    assert!(
        matches!(&err, GitError::UnknownRevision { hint, .. } if hint.contains("fetch-depth: 0")),
        "{err}"
    );

    // A first step is enough for a near base; the clone stays shallow.
    shallow::ensure_range(&clone, Some(&shas[40]), "HEAD").unwrap();
    assert!(clone.is_shallow().unwrap());
    assert_eq!(
        read(&clone, HistoryQuery::new("HEAD").base(&shas[40])).len(),
        39
    );

    let base = &shas[5];
    shallow::ensure_range(&clone, Some(base), "HEAD").unwrap();
    let commits = read(&clone, HistoryQuery::new("HEAD").base(base));
    assert_eq!(commits.len(), 74);
    assert_eq!(commits.last().unwrap().files[0].added, 1);

    shallow::ensure_range(&clone, None, "HEAD").unwrap();
    assert!(!clone.is_shallow().unwrap());
    assert_eq!(read(&clone, HistoryQuery::new("HEAD")).len(), 80);
}

#[test]
fn shallow_clone_without_origin_fails_with_the_checkout_hint() {
    let repo = TestRepo::new();
    let shas: Vec<String> = (0..5)
        .map(|i| {
            repo.commit(&format!("c{i}"))
                .file("f.txt", lines(i + 1, "f"))
                .create()
        })
        .collect();
    let path = repo.clone_shallow(1);
    let clone = Git::new(&path);
    clone.run(["remote", "remove", "origin"]).unwrap();
    // Covered by what the clone holds: no fetch needed, so no origin needed either.
    shallow::ensure_range(&clone, Some(&shas[4]), "HEAD").unwrap();
    for base in [Some(shas[1].as_str()), None] {
        let err = shallow::ensure_range(&clone, base, "HEAD").unwrap_err();
        let GitError::Shallow(message) = &err else {
            panic!("expected a shallow-clone error, got {err:?}");
        };
        assert!(message.contains("fetch-depth: 0"), "{message}");
        assert!(message.contains("GIT_DEPTH: 0"), "{message}");
    }

    let broken = Git::new(repo.clone_shallow(1));
    broken
        .run([
            "remote",
            "set-url",
            "origin",
            "file:///nonexistent/shipline.git",
        ])
        .unwrap();
    let err = shallow::ensure_range(&broken, Some(&shas[0]), "HEAD").unwrap_err();
    assert!(
        matches!(&err, GitError::Shallow(m) if m.contains("fetching") && m.contains("fetch-depth: 0")),
        "{err}"
    );
}

#[test]
fn complete_clone_needs_no_fetch() {
    let repo = TestRepo::new();
    let a = repo.commit("a").file("a", "a\n").create();
    repo.commit("b").file("b", "b\n").create();
    repo.run(["remote", "remove", "origin"]);
    shallow::ensure_range(&repo.git(), Some(&a), "HEAD").unwrap();
    shallow::ensure_range(&repo.git(), None, "HEAD").unwrap();
}

fn subject_and_body(repo: &TestRepo, sha: &str) -> (String, String) {
    (
        repo.run(["log", "-1", "--format=%s", sha]),
        repo.run(["log", "-1", "--format=%b", sha]),
    )
}

fn parent_count(repo: &TestRepo, sha: &str) -> usize {
    repo.run(["log", "-1", "--format=%P", sha])
        .split_whitespace()
        .count()
}

#[test]
fn builder_merges_prs_like_the_forges() {
    let repo = TestRepo::new();
    repo.commit("init").file("a.txt", "a\n").create();

    let merge = repo.merge_pr(pr(12, "feature-x", MergeStyle::Merge, &["x.rs", "x2.rs"]));
    let sha = merge.merge_commit.clone().unwrap();
    assert_eq!(parent_count(&repo, &sha), 2);
    assert_eq!(
        subject_and_body(&repo, &sha),
        (
            "Merge pull request #12 from acme/feature-x".into(),
            "Add feature-x".into()
        )
    );
    assert_eq!(merge.commits.len(), 2);
    assert_eq!(merge.head, sha);
    assert_eq!(repo.rev(&format!("{sha}^2")), merge.commits[1]);

    let squash = repo.merge_pr(pr(13, "feature-y", MergeStyle::Squash, &["y.rs", "y2.rs"]));
    let sha = squash.merge_commit.clone().unwrap();
    assert_eq!(parent_count(&repo, &sha), 1);
    let (subject, body) = subject_and_body(&repo, &sha);
    assert_eq!(subject, "Add feature-y (#13)");
    assert!(
        body.contains("* feat: y.rs") && body.contains("* feat: y2.rs"),
        "{body}"
    );
    assert_eq!(repo.run(["log", "-1", "--format=%an", &sha]), "Bob Stone");
    assert_eq!(squash.landed, std::slice::from_ref(&sha));
    assert_eq!(repo.rev(&format!("{sha}^")), merge.head);

    let rebase = repo.merge_pr(pr(14, "feature-z", MergeStyle::Rebase, &["z.rs", "z2.rs"]));
    assert_eq!(rebase.merge_commit, None);
    assert_eq!(rebase.landed.len(), 2);
    assert_ne!(
        rebase.landed, rebase.commits,
        "rebased commits get new SHAs"
    );
    assert_eq!(rebase.head, rebase.landed[1]);
    assert_eq!(repo.rev(&format!("{}^", rebase.landed[0])), squash.head);
    for sha in &rebase.landed {
        assert_eq!(parent_count(&repo, sha), 1);
        assert_eq!(repo.run(["log", "-1", "--format=%an", sha]), "Bob Stone");
    }

    let repo = repo.with_slug("group", "proj");
    let mr = repo.merge_pr(pr(15, "fix-w", MergeStyle::GitLabMerge, &["w.rs"]));
    let sha = mr.merge_commit.unwrap();
    assert_eq!(parent_count(&repo, &sha), 2);
    let (subject, body) = subject_and_body(&repo, &sha);
    assert_eq!(subject, "Merge branch 'fix-w' into 'main'");
    assert_eq!(body, "Add fix-w\n\nSee merge request group/proj!15");

    repo.tag("v1.2.0");
    repo.run(["notes", "--ref=shipline", "add", "-m", "deployed", "HEAD"]);
    repo.push_all();
    let remote = Git::new(repo.bare_path());
    assert_eq!(remote.resolve("main").unwrap(), repo.head());
    assert_eq!(remote.resolve("v1.2.0").unwrap(), repo.head());
    assert!(remote.resolve("refs/notes/shipline").is_ok());
    assert!(remote.resolve("feature-x").is_ok());

    let first_parent = read(
        &repo.git(),
        HistoryQuery {
            first_parent: true,
            ..HistoryQuery::new("main")
        },
    );
    let subjects: Vec<&str> = first_parent.iter().map(|c| c.subject.as_str()).collect();
    assert_eq!(
        subjects,
        [
            "Merge branch 'fix-w' into 'main'",
            "feat: z2.rs",
            "feat: z.rs",
            "Add feature-y (#13)",
            "Merge pull request #12 from acme/feature-x",
            "init"
        ]
    );
}

#[test]
fn builder_is_deterministic() {
    let make = || {
        let repo = TestRepo::new();
        repo.commit("a").file("a", "a\n").create();
        repo.merge_pr(pr(1, "b", MergeStyle::Merge, &["b"])).head
    };
    assert_eq!(make(), make());
}

#[test]
fn a_component_has_the_same_content_when_nothing_under_its_paths_changed() {
    let config = shipline_core::config::Config::parse(
        "components:\n  api:\n    paths: [services/api, \"!services/api/docs\"]\n    shared: [libs/auth]\n  web:\n    paths: [\"apps/web/**/*.ts\"]\n",
        Path::new(".shipline.yml"),
    )
    .unwrap();
    let api = config.components.get("api").unwrap();
    let web = config.components.get("web").unwrap();
    let repo = TestRepo::new();
    let base = repo
        .commit("feat: start")
        .file("services/api/src/main.rs", "fn main() {}\n")
        .file("services/api/docs/guide.md", "guide\n")
        .file("libs/auth/token.rs", "// token\n")
        .file("apps/web/src/app.ts", "export {}\n")
        .file("apps/web/README.md", "web\n")
        .create();
    let web_only = repo
        .commit("feat(web): page")
        .file("apps/web/src/page.ts", "export {}\n")
        .create();
    let docs_only = repo
        .commit("docs(api): guide")
        .file("services/api/docs/guide.md", "a better guide\n")
        .file("apps/web/README.md", "the web app\n")
        .create();
    let shared = repo
        .commit("fix(auth): token expiry")
        .file("libs/auth/token.rs", "// token, expiring\n")
        .create();
    let git = repo.git();
    let same = |a: &str, b: &str, component: &shipline_core::config::Component| {
        git.same_content(a, b, &component.pathspecs()).unwrap()
    };
    assert!(same(&base, &web_only, api));
    assert!(!same(&base, &web_only, web));
    // The guide is excluded from api; the README is not a `.ts` file of web.
    assert!(same(&web_only, &docs_only, api));
    assert!(same(&web_only, &docs_only, web));
    // A shared path counts.
    assert!(!same(&docs_only, &shared, api));
    assert!(same(&docs_only, &shared, web));

    // git's pathspecs and the config's own matching agree on every file of the history.
    let files = git.run(["ls-tree", "-r", "--name-only", &shared]).unwrap();
    for component in [api, web] {
        // Everything the last commit holds, as a diff from the empty tree (`ls-tree` takes no
        // `exclude` pathspecs).
        let empty_tree = git.run(["hash-object", "-t", "tree", "/dev/null"]).unwrap();
        let mut args = vec!["diff".to_string(), "--name-only".into()];
        args.push(empty_tree.trim().to_string());
        args.push(shared.clone());
        args.push("--".into());
        args.extend(component.pathspecs());
        let selected = git.run(args).unwrap();
        for file in files.lines() {
            assert_eq!(
                selected.lines().any(|s| s == file),
                component.counts(file),
                "{} {file}",
                component.name()
            );
        }
    }
    assert_eq!(api.environment_key("production"), "production/api");
}
