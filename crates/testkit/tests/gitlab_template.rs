//! The GitLab CI template, run for real: `gitlab-ci-local` (shell executor) executes a pipeline
//! that includes `.gitlab-ci-template.yml` with `inputs:` and extends its hidden jobs, in a temp
//! git repository, with the shipline binaries of this workspace on PATH and the jobs talking to
//! the fake GitLab. This is what proves the template's scripts, its dotenv reports (outputs of one
//! job read by the next) and the deployments it leaves behind, rather than only its schema.
//!
//! Without `gitlab-ci-local` and `rsync` each test is ignored, with the install command as the
//! reason (see `gitlab/mod.rs`).

mod gitlab;

use gitlab::releases::{self, ReleaseServer, this_target};
use gitlab::{Pipeline, connect, shipline_bins, template};
use shipline_testkit::forge::FakeForge;
use shipline_testkit::releases::TOOLS;
use shipline_testkit::repo::TestRepo;

const PROJECT: &str = "acme/widgets";
const TOKEN: &str = "glpat-template-test";

/// The pipeline a team would write: the template included with inputs, its hidden jobs
/// extended, and two jobs of its own that consume the dotenv outputs.
const PIPELINE: &str = r#"include:
  - local: .gitlab-ci-template.yml
    inputs:
      install: path
      comment: false
      deploy-stage: deploy
      promote-stage: production

stages: [test, deploy, verify, production, report]

risk:
  extends: .shipline-risk

deploy-staging:
  extends: .shipline-deploy
  variables:
    SHIPLINE_ENV: staging
  script:
    - echo "deploying $CI_COMMIT_SHA to staging" > deployed.txt

check-staging:
  stage: verify
  needs: [risk, deploy-staging]
  script:
    - test -n "$DEPLOYMENT_ID"
    - echo "$DEPLOYMENT_ID" > staging-deployment-id.txt
    - echo "$LEVEL" > risk-level.txt
    - shipline-status show --env staging --format json > staging-show.json
  artifacts:
    paths: [staging-deployment-id.txt, risk-level.txt, staging-show.json]

promote-production:
  extends: .shipline-promote
  needs: [risk, check-staging]
  variables:
    SHIPLINE_ENV: production

check-production:
  stage: report
  needs: [promote-production]
  script:
    - echo "$PROMOTED $DEPLOYMENT_ID" > production.txt
  artifacts:
    paths: [production.txt]
"#;

const SHIPLINE_YML: &str = r#"environments:
  staging: {}
  production:
    after: [staging]
    auto_promote_max_risk: critical
    rollout:
      command: echo "step $SHIPLINE_STEP at $SHIPLINE_WEIGHT%" >> rollout.log
      steps: [50, 100]
"#;

#[test]
#[cfg_attr(
    not(gitlab_ci_local),
    ignore = "needs gitlab-ci-local and rsync: npm install --global gitlab-ci-local@4.60.0 (Node 20), apt-get install rsync; .ci/run installs both"
)]
fn template_jobs_pass_outputs_on_and_a_deploy_freeze_blocks_the_promotion() {
    gitlab::require_tools("gitlab_template");
    let bins = shipline_bins();

    let forge = FakeForge::start();
    let repo = TestRepo::new();
    let head = repo
        .commit("feat: first version")
        .file("README.md", "widgets\n")
        .file(".gitlab-ci-template.yml", template())
        .file(".gitlab-ci.yml", PIPELINE)
        .file(".shipline.yml", SHIPLINE_YML)
        .file(".gitignore", ".gitlab-ci-local/\n.shipline/\n")
        .create();
    repo.push();
    let project = connect(&repo, &forge, PROJECT, TOKEN);

    let home = tempfile::tempdir().expect("temp HOME");
    let mut pipeline = Pipeline {
        repo: repo.path(),
        home: home.path(),
        path: vec![bins],
        vars: project.vars.clone(),
        file: None,
    };
    let run = pipeline.run(&[]);
    run.assert_success().assert_after_scripts_passed();
    let log = &run.log;

    let read = |name: &str| {
        let path = repo.path().join(name);
        std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("artifact {} missing ({e}); log:\n{log}", path.display()))
    };

    // The fake GitLab holds one deployment per environment, both successful, of this commit.
    let (staging, production) = {
        let state = forge.state();
        let project = state.gitlab.project(PROJECT).expect("project");
        let of = |env: &str| {
            let env_id = project
                .environment(env)
                .unwrap_or_else(|| panic!("no {env} environment; log:\n{log}"))
                .id;
            project
                .deployments
                .iter()
                .filter(|d| d.environment_id == env_id)
                .cloned()
                .collect::<Vec<_>>()
        };
        (of("staging"), of("production"))
    };
    assert_eq!(staging.len(), 1, "staging deployments: {staging:?}\n{log}");
    assert_eq!(staging[0].status, "success", "{staging:?}\n{log}");
    assert_eq!(staging[0].sha, head);
    assert_eq!(production.len(), 1, "production: {production:?}\n{log}");
    assert_eq!(production[0].status, "success", "{production:?}\n{log}");
    assert_eq!(production[0].sha, head);

    // DEPLOYMENT_ID went from deploy-staging's dotenv report into check-staging, and is the
    // deployment the fake GitLab holds; shipline-status in that job sees it running.
    let passed_id = read("staging-deployment-id.txt");
    assert_eq!(passed_id.trim(), staging[0].id.to_string(), "{log}");
    let show: serde_json::Value =
        serde_json::from_str(&read("staging-show.json")).expect("show JSON");
    let running = &show["environments"][0]["running"];
    assert_eq!(
        running["deployment_id"],
        staging[0].id.to_string(),
        "{show}"
    );
    assert_eq!(running["sha"], head.as_str(), "{show}");

    // The risk job's LEVEL output reached the later jobs.
    let level = read("risk-level.txt");
    assert!(
        ["low", "medium", "high", "critical"].contains(&level.trim()),
        "risk level {level:?}\n{log}"
    );

    // promote-production ran the rollout's two steps and reported through its dotenv.
    let production_out = read("production.txt");
    assert_eq!(
        production_out.trim(),
        format!("true {}", production[0].id),
        "{log}"
    );

    // GitLab's deploy freeze blocks the promotion: the job fails and nothing is deployed.
    pipeline
        .vars
        .push(("CI_DEPLOY_FREEZE".into(), "true".into()));
    let frozen = pipeline.run(&["promote-production"]);
    let frozen_log = &frozen.log;
    assert!(
        !frozen.success(),
        "promotion ran in a freeze:\n{frozen_log}"
    );
    assert!(
        frozen_log.contains("GitLab deploy freeze is active (CI_DEPLOY_FREEZE=true)"),
        "the block does not name the freeze:\n{frozen_log}"
    );
    let state = forge.state();
    let project = state.gitlab.project(PROJECT).expect("project");
    assert_eq!(project.deployments.len(), 2, "{:?}", project.deployments);
}

/// A deploy job of a pipeline that installs shipline with `install: release` from `url`.
fn release_pipeline(url: &str, sha256: &str) -> String {
    format!(
        r#"include:
  - local: .gitlab-ci-template.yml
    inputs:
      version: "{RELEASE}"
      download-url: "{url}"
      sha256: "{sha256}"

stages: [deploy]

deploy-staging:
  extends: .shipline-deploy
  variables:
    SHIPLINE_ENV: staging
  script:
    - shipline-risk --format json
"#
    )
}

const RELEASE: &str = "9.8.7";

/// A checkout that gitlab-ci-local can run pipelines in, with the template and no forge.
fn plain_checkout() -> TestRepo {
    let repo = TestRepo::new();
    repo.commit("feat: first version")
        .file("README.md", "widgets\n")
        .file(".gitlab-ci-template.yml", template())
        .file(
            ".gitignore",
            ".gitlab-ci-local/\n.shipline/\n.gitlab-ci.yml\ninstalled.log\n",
        )
        .create();
    repo.push();
    repo.run(["fetch", "-q", "origin"]);
    repo.run(["remote", "set-head", "origin", "main"]);
    repo.run([
        "remote",
        "add",
        "gcl-origin",
        &format!("https://gitlab.example.com/{PROJECT}.git"),
    ]);
    repo
}

#[test]
#[cfg_attr(
    not(gitlab_ci_local),
    ignore = "needs gitlab-ci-local and rsync: npm install --global gitlab-ci-local@4.60.0 (Node 20), apt-get install rsync; .ci/run installs both"
)]
fn install_release_takes_the_archive_of_this_machine_and_refuses_a_checksum_mismatch() {
    gitlab::require_tools("gitlab_template install: release");
    let server = ReleaseServer::start(RELEASE);
    let target = this_target();
    let archive = server.archive(&target);
    let other = releases::TARGETS
        .iter()
        .find(|t| **t != target)
        .expect("another target");
    let repo = plain_checkout();
    let home = tempfile::tempdir().expect("temp HOME");
    let bin = repo.path().join(".shipline/bin");
    let run = |sha256: &str| {
        let _ = std::fs::remove_dir_all(repo.path().join(".shipline"));
        let _ = std::fs::remove_file(repo.path().join("installed.log"));
        std::fs::write(
            repo.path().join(".gitlab-ci.yml"),
            release_pipeline(&server.url, sha256),
        )
        .unwrap();
        let run = Pipeline {
            repo: repo.path(),
            home: home.path(),
            path: Vec::new(),
            vars: Vec::new(),
            file: None,
        }
        .run(&[]);
        let installed = std::fs::read_to_string(repo.path().join("installed.log")).ok();
        (run, installed, server.take_requests())
    };

    // The release's checksums.sha256 vouches for the archive: before_script installs it,
    // after_script (a fresh shell) finds it installed and downloads nothing.
    let (ok, installed, requests) = run("");
    ok.assert_success().assert_after_scripts_passed();
    assert_eq!(
        installed.as_deref(),
        Some(
            format!(
                "shipline-status {target} start --env staging\n\
                 shipline-risk {target} --format json\n\
                 shipline-status {target} finish --env staging --state success\n"
            )
            .as_str()
        ),
        "{}",
        ok.log
    );
    assert_eq!(
        requests,
        [server.path_of(&archive), server.path_of("checksums.sha256")],
        "{}",
        ok.log
    );
    for tool in TOOLS {
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(bin.join(tool))
                .unwrap_or_else(|e| panic!("{tool} not installed ({e}):\n{}", ok.log))
                .permissions(),
        );
        assert_eq!(mode & 0o777, 0o755, "{tool}");
    }

    // Pinned to this archive's hash: installed without asking the release for checksums.
    let (pinned, installed, requests) = run(&server.sha256(&target));
    pinned.assert_success();
    assert!(installed.is_some(), "{}", pinned.log);
    assert_eq!(requests, [server.path_of(&archive)], "{}", pinned.log);

    // Pinned to another archive's hash: refused, nothing installed, no tool ran.
    let expected = server.sha256(other);
    let (refused, installed, _) = run(&expected);
    assert!(!refused.success(), "installed anyway:\n{}", refused.log);
    let message = format!(
        "shipline: checksum mismatch for {archive}: expected {expected}, got {}; refusing to install",
        server.sha256(&target)
    );
    assert!(refused.log.contains(&message), "{}", refused.log);
    assert_eq!(installed, None, "{}", refused.log);
    assert!(!bin.join("shipline-status").exists());

    // The release's own checksums.sha256 disagrees with the download (a corrupted or
    // truncated archive): refused the same way.
    server.set_checksums(&format!("{expected}  {archive}"));
    let (corrupt, installed, _) = run("");
    assert!(!corrupt.success(), "installed anyway:\n{}", corrupt.log);
    assert!(corrupt.log.contains(&message), "{}", corrupt.log);
    assert_eq!(installed, None, "{}", corrupt.log);
    assert!(!bin.join("shipline-status").exists());
}

/// A stand-in for the shipline workspace with the same layout (`crates/<tool>/` building the
/// binary `shipline-<tool>`), whose binaries append `<tool> built <args>` to
/// `$CI_PROJECT_DIR/installed.log`. It has no dependencies, so `cargo install` compiles it in
/// seconds and offline: this test is about the template's use of cargo, not about compiling
/// shipline.
fn stand_in_source(dir: &std::path::Path) {
    std::fs::write(
        dir.join("Cargo.toml"),
        "[workspace]\nresolver = \"3\"\nmembers = [\"crates/*\"]\n",
    )
    .unwrap();
    for tool in TOOLS {
        let krate = dir
            .join("crates")
            .join(tool.trim_start_matches("shipline-"));
        std::fs::create_dir_all(krate.join("src")).unwrap();
        std::fs::write(
            krate.join("Cargo.toml"),
            format!("[package]\nname = \"{tool}\"\nversion = \"{RELEASE}\"\nedition = \"2024\"\n"),
        )
        .unwrap();
        std::fs::write(
            krate.join("src/main.rs"),
            format!(
                r#"use std::io::Write;
fn main() {{
    let args: Vec<String> = std::env::args().skip(1).collect();
    let log = std::path::Path::new(&std::env::var("CI_PROJECT_DIR").unwrap()).join("installed.log");
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(log).unwrap();
    writeln!(file, "{tool} built {{}}", args.join(" ")).unwrap();
}}
"#
            ),
        )
        .unwrap();
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = std::process::Command::new(cargo)
        .args(["generate-lockfile", "--offline"])
        .current_dir(dir)
        .status()
        .expect("cargo generate-lockfile");
    assert!(
        status.success(),
        "cargo generate-lockfile in {}",
        dir.display()
    );
}

#[test]
#[cfg_attr(
    not(gitlab_ci_local),
    ignore = "needs gitlab-ci-local and rsync: npm install --global gitlab-ci-local@4.60.0 (Node 20), apt-get install rsync; .ci/run installs both"
)]
fn install_cargo_runs_cargo_install_from_the_source_with_the_extra_arguments() {
    gitlab::require_tools("gitlab_template install: cargo");
    let work = tempfile::tempdir().expect("temp dir");
    let source = work.path().join("source");
    std::fs::create_dir_all(&source).unwrap();
    stand_in_source(&source);
    let repo = plain_checkout();
    std::fs::write(
        repo.path().join(".gitlab-ci.yml"),
        format!(
            r#"include:
  - local: .gitlab-ci-template.yml
    inputs:
      install: cargo
      source: "{source}"
      cargo-args: "--debug --offline"

stages: [deploy]

deploy-staging:
  extends: .shipline-deploy
  variables:
    SHIPLINE_ENV: staging
  script:
    - shipline-risk --format json
"#,
            source = source.display()
        ),
    )
    .unwrap();
    // The runner image's toolchain: the cargo running this test, and the rustc next to it.
    let cargo = std::env::var("CARGO").expect("cargo sets CARGO for tests");
    let toolchain = std::path::Path::new(&cargo)
        .parent()
        .expect("cargo's directory")
        .to_path_buf();
    let home = tempfile::tempdir().expect("temp HOME");
    let run = Pipeline {
        repo: repo.path(),
        home: home.path(),
        path: vec![toolchain],
        vars: Vec::new(),
        file: None,
    }
    .run(&[]);
    run.assert_success().assert_after_scripts_passed();
    let installed = std::fs::read_to_string(repo.path().join("installed.log"))
        .unwrap_or_else(|e| panic!("installed.log ({e}):\n{}", run.log));
    assert_eq!(
        installed,
        "shipline-status built start --env staging\n\
         shipline-risk built --format json\n\
         shipline-status built finish --env staging --state success\n",
        "{}",
        run.log
    );
    // cargo install put all four into the root's bin and recorded them; `--debug` reached it
    // (the dev profile built them), once per tool: after_script found them installed.
    let root = repo.path().join(".shipline");
    // The four installs shared one target directory, under the installed root.
    assert!(
        root.join("target/debug").is_dir(),
        "no shared target dir:\n{}",
        run.log
    );
    let recorded = std::fs::read_to_string(root.join(".crates.toml"))
        .unwrap_or_else(|e| panic!("no .crates.toml ({e}):\n{}", run.log));
    for tool in TOOLS {
        assert!(
            root.join("bin").join(tool).is_file(),
            "{tool}:\n{}",
            run.log
        );
        assert!(
            recorded.contains(&format!("\"{tool} {RELEASE} (path+file://")),
            "{recorded}"
        );
    }
    assert_eq!(
        run.log.matches("Finished `dev` profile").count(),
        4,
        "{}",
        run.log
    );
}
