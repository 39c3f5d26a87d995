//! Section 10, on GitLab: the pipeline the page's `.gitlab-ci.yml` includes, run by
//! gitlab-ci-local against the fake GitLab for the push to the default branch and for a merge
//! request.

use shipline_testkit::bins;
use shipline_testkit::forge::FakeForge;
use shipline_testkit::forge::gitlab::NewMergeRequest;

use crate::Pushed;
use crate::gitlab::{self, Pipeline, connect_checkout, merge_request_vars};

/// The project access token on the fake GitLab (a masked CI/CD variable on a real instance).
const GITLAB_TOKEN: &str = "glpat-tutorial-test";

/// The GitLab side of section 10: the pipeline the pushed `.gitlab-ci.yml` defines, run by
/// gitlab-ci-local in a fresh clone of what was pushed, for the push to the default branch (what
/// the page's block starts) and then for a merge request from a new branch (the page opens none
/// on GitLab; the risk note is what its section promises).
///
/// The included file pulls shipline's template from its release tag on GitHub and installs the
/// release archive; no test reaches the internet, so the clone takes the template from this
/// workspace (`local:`) and `install: path` (this workspace's binaries on PATH) instead. Nothing
/// else of what the page pushed is changed.
pub fn check(pushed: &Pushed) {
    let reader = pushed.reader;
    let slug = pushed.slug.as_str();
    let checkout = reader.root.path().join("gitlab-checkout");
    reader.git(&[
        "clone",
        "-q",
        &pushed.origin.to_string_lossy(),
        &checkout.to_string_lossy(),
    ]);
    let included = checkout.join(".gitlab/shipline.yml");
    let written = std::fs::read_to_string(&included).unwrap_or_else(|e| {
        panic!(
            "the pushed .gitlab/shipline.yml ({e}); pushed:\n{}\n{}",
            reader.git(&["log", "--stat", "-2", "main"]),
            reader.git(&["status", "--short"])
        )
    });
    let remote = format!(
        "  - remote: https://raw.githubusercontent.com/shipline/shipline/v{}/.gitlab-ci-template.yml\n    inputs:\n",
        env!("CARGO_PKG_VERSION")
    );
    assert!(
        written.contains(&remote),
        "the included file does not take the template of this release:\n{written}"
    );
    let local = "  - local: .gitlab-ci-template.yml\n    inputs:\n      install: path\n";
    std::fs::write(&included, written.replace(&remote, local)).expect("write the include");
    std::fs::write(checkout.join(".gitlab-ci-template.yml"), gitlab::template())
        .expect("write the template");

    let forge = FakeForge::start();
    let project = connect_checkout(&checkout, &pushed.origin, &forge, slug, GITLAB_TOKEN);
    let main = reader.git(&["rev-parse", "main"]);
    let home = tempfile::tempdir().expect("temp HOME");
    let mut vars = project.vars.clone();
    vars.push(("CI_PIPELINE_SOURCE".into(), "push".into()));
    vars.push(("CI_COMMIT_BEFORE_SHA".into(), "0".repeat(40)));
    let pipeline = Pipeline {
        repo: &checkout,
        home: home.path(),
        path: vec![bins::dir().to_path_buf()],
        vars,
        file: None,
    };
    let run = pipeline.run(&[]);
    let log = &run.log;

    let deployments = |environment: &str| {
        let state = forge.state();
        let project = state.gitlab.project(slug).expect("project");
        project
            .deployments_of(environment)
            .into_iter()
            .cloned()
            .collect::<Vec<_>>()
    };
    // Staging: deployed by the page's own command inside shipline's job, recorded on the fake.
    let staging = deployments("staging");
    assert_eq!(staging.len(), 1, "staging deployments: {staging:?}\n{log}");
    assert_eq!(staging[0].sha, main, "{log}");
    assert_eq!(staging[0].status, "success", "{staging:?}\n{log}");
    assert!(
        log.contains("deployed  to staging"),
        "the page's deploy command did not run:\n{log}"
    );
    // Production: the `build` gate blocks the promotion (the page's project has no such job)
    // and the pipeline fails; nothing is deployed.
    assert!(!run.success(), "promoted without a build check:\n{log}");
    assert!(
        log.contains("| required_checks | ❌ fail | `build` missing on"),
        "the promotion was not blocked by the build check:\n{log}"
    );
    let successful = |environment: &str| {
        deployments(environment)
            .into_iter()
            .filter(|d| d.status == "success")
            .count()
    };
    assert_eq!(successful("production"), 0, "{log}");
    // Once a `build` status is green on the commit, the promotion job rolls it out.
    forge
        .state()
        .gitlab
        .add_status(slug, &main, "build", "success");
    let promoted = pipeline.run(&["promote-production"]);
    promoted.assert_success();
    let production = deployments("production");
    assert_eq!(
        production
            .iter()
            .map(|d| (d.sha.as_str(), d.status.as_str()))
            .collect::<Vec<_>>(),
        [(main.as_str(), "success")],
        "{}",
        promoted.log
    );

    // A merge request from a new branch of the clone: one risk note, still one after the
    // pipeline runs again.
    let git = |args: &[&str]| {
        let mut all = vec!["-C", checkout.to_str().expect("UTF-8 path")];
        all.extend_from_slice(args);
        reader.git(&all)
    };
    git(&[
        "clean",
        "-q",
        "-ffdx",
        "-e",
        ".gitlab-ci-local/",
        "-e",
        ".gitlab-ci-template.yml",
    ]);
    git(&["switch", "-qc", "more"]);
    std::fs::write(
        checkout.join("helper.c"),
        "int helper(void) { return 2; }\n",
    )
    .expect("change helper.c");
    git(&["commit", "-qm", "fix: a better helper", "helper.c"]);
    git(&["push", "-q", "origin", "more"]);
    let head = git(&["rev-parse", "HEAD"]);
    let listed = format!("`{}` a better helper", &head[..7]);
    let iid = forge.state().gitlab.add_merge_request(
        slug,
        NewMergeRequest {
            title: "fix: a better helper".into(),
            author: "dee".into(),
            source_branch: "more".into(),
            target_branch: "main".into(),
            sha: head.clone(),
            commits: vec![head.clone()],
            merged_as: None,
        },
    );
    let mr = forge
        .state()
        .gitlab
        .project(slug)
        .and_then(|p| p.merge_request(iid))
        .cloned()
        .expect("the merge request");
    let mut vars = project.vars.clone();
    vars.extend(merge_request_vars(&forge, &project, slug, &mr, &main));
    let merge_request = Pipeline { vars, ..pipeline };
    for round in ["opened", "re-run"] {
        let run = merge_request.run(&[]);
        run.assert_success().assert_after_scripts_passed();
        let notes: Vec<String> = forge
            .state()
            .gitlab
            .project(slug)
            .expect("project")
            .comments(iid)
            .into_iter()
            .map(|n| n.body.clone())
            .filter(|body| body.starts_with("<!-- shipline-risk -->"))
            .collect();
        assert_eq!(
            notes.len(),
            1,
            "{round}: risk notes {notes:#?}\n{}",
            run.log
        );
        assert!(
            notes[0].contains(&listed),
            "{round}: the note does not list the MR's commit:\n{}",
            notes[0]
        );
    }
}
