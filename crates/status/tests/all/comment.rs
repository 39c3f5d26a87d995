//! `finish --comment` on the fake GitHub: one sticky comment per PR and environment.

use shipline_testkit::repo::{CommitSpec, MergeStyle, PrSpec, TestRepo};

use shipline_testkit::forge::github::Pull;

use crate::helpers::GitHubJob;

fn pr(repo: &TestRepo, number: u64, style: MergeStyle) {
    repo.merge_pr(PrSpec {
        number,
        title: format!("feat: change {number}"),
        branch: format!("change-{number}"),
        commits: vec![
            CommitSpec::new(&format!("feat: part of {number}"))
                .file(format!("f{number}.txt"), "x\n"),
        ],
        style,
    });
}

/// A push job whose checkout is `repo` at its head, on the fake GitHub backed by its origin.
fn job_at(repo: &TestRepo) -> GitHubJob {
    let mut job = GitHubJob::new("push");
    {
        let mut state = job.fake.state();
        state.github.repo(&job.repo).git_dir = Some(repo.bare_path().to_path_buf());
    }
    job.env
        .set("GITHUB_WORKSPACE", &repo.path().display().to_string());
    job
}

fn deploy(job: &GitHubJob, sha: &str, env: &str, comment: bool) {
    // A push payload names its own commit; the checkout's is passed explicitly.
    let out = job
        .cmd()
        .args(["start", "--env", env, "--ref", sha])
        .assert()
        .success();
    let id = String::from_utf8_lossy(&out.get_output().stdout)
        .trim()
        .to_string();
    let mut cmd = job.cmd();
    cmd.args(["finish", "--env", env, "--deployment", &id])
        .args(["--state", "success", "--url", "https://staging.example.com"]);
    if comment {
        cmd.arg("--comment");
    }
    cmd.assert().success();
}

#[test]
fn the_prs_a_deployment_delivered_get_one_updated_comment_each() {
    let repo = TestRepo::new();
    repo.commit("feat: base").file("a.txt", "a\n").create();
    repo.push();
    let first = job_at(&repo);
    deploy(&first, &repo.head(), "staging", true);
    let repo_name = first.repo.clone();
    // The first deployment names no PRs (it would be the whole history).
    assert_eq!(
        first.outputs().get("commented").map(String::as_str),
        Some("")
    );

    pr(&repo, 5, MergeStyle::Squash);
    pr(&repo, 6, MergeStyle::Merge);
    repo.push();
    // Same fake, new job at the new head.
    let mut second = first;
    {
        let mut state = second.fake.state();
        for number in [5, 6] {
            let mut pull = Pull::open(&format!("feat: change {number}"), "x", &repo.head());
            pull.number = number;
            state
                .github
                .add_pull(&repo_name, pull.merged(&repo.head(), "octocat"));
        }
    }
    second.env.set("GITHUB_RUN_ID", "4343");
    // Deployed twice (a redeploy of the same commit): the comments are updated, not repeated.
    for _ in 0..2 {
        deploy(&second, &repo.head(), "staging", true);
    }
    let outputs = second.outputs();
    assert_eq!(outputs["commented"], "5,6");
    let last = format!("deployment {}", outputs["deployment-id"]);
    let state = second.fake.state();
    for number in [5, 6] {
        let comments = state.github.comments_on(&repo_name, number);
        assert_eq!(comments.len(), 1, "PR #{number}: {comments:#?}");
        assert!(
            comments[0]
                .body
                .starts_with("<!-- shipline:status:staging -->")
        );
        assert!(
            comments[0]
                .body
                .contains("Deployed to **staging** at https://staging.example.com")
        );
        // The redeploy's comment replaced the first one's.
        assert!(comments[0].body.contains(&last), "{}", comments[0].body);
        assert!(comments[0].body.contains(&repo.head()[..7]));
    }
    drop(state);
    second.assert_conformance();
}
