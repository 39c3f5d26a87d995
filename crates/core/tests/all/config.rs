//! `.shipline.yml`: the design sketch parses to the values it says, broken files are refused at
//! the right line and column with a fix, freeze windows follow local time across daylight-saving
//! changes, and the committed schema and documentation agree with the code.

use std::path::{Path, PathBuf};

use shipline_core::config::{Config, ConfigError, Duration, HealthCheck, RevertTrigger, RiskLevel};

mod compare;
mod freeze;
mod properties;
mod schema;

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/config")
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::parse(text, Path::new(".shipline.yml"))
}

fn design() -> Config {
    let text = std::fs::read_to_string(fixture_dir().join("design.yml")).unwrap();
    parse(&text).unwrap()
}

#[test]
fn design_sketch_parses_into_expected_values() {
    let config = design();
    assert_eq!(config.environments.names(), ["staging", "production"]);

    let staging = config.environment("staging").unwrap();
    assert_eq!(
        staging.url.as_ref().unwrap().url().host_str(),
        Some("staging.example.com")
    );
    assert!(!staging.is_production());
    assert!(staging.rollout.is_none());
    assert_eq!(staging.after().count(), 0);

    let production = config.environment("production").unwrap();
    assert!(production.is_production());
    assert_eq!(production.after().collect::<Vec<_>>(), ["staging"]);
    assert_eq!(production.soak, Some(Duration::from_secs(30 * 60)));
    assert_eq!(production.auto_promote_max_risk, Some(RiskLevel::Medium));
    assert_eq!(production.freeze.len(), 1);
    let freeze = &production.freeze[0];
    assert_eq!(freeze.start.as_str(), "0 18 * * FRI");
    assert_eq!(freeze.end.as_str(), "0 8 * * MON");
    assert_eq!(freeze.timezone.name(), "Europe/Berlin");

    let rollout = production.rollout.as_ref().unwrap();
    assert_eq!(rollout.command, "./deploy.sh");
    assert_eq!(rollout.rollback.as_deref(), Some("./rollback.sh"));
    assert_eq!(rollout.steps.weights(), [10, 50, 100]);
    assert_eq!(rollout.bake, Duration::from_secs(300));
    assert_eq!(rollout.interval, Duration::from_secs(30));
    assert_eq!(rollout.failure_limit, 2);
    assert_eq!(rollout.inconclusive_limit, 3);
    assert!(!rollout.observe_only);
    assert_eq!(rollout.health.len(), 2);
    let HealthCheck::Http(http) = &rollout.health[0] else {
        panic!("first check should be http: {:?}", rollout.health[0]);
    };
    assert_eq!(http.url.as_str(), "https://example.com/healthz");
    assert_eq!(http.expect_status, 200);
    assert_eq!(http.max_latency_ms, Some(800));
    assert_eq!(http.timeout, Duration::from_secs(10));
    let HealthCheck::Prometheus(prom) = &rollout.health[1] else {
        panic!("second check should be prometheus: {:?}", rollout.health[1]);
    };
    assert_eq!(prom.url.url().port(), Some(9090));
    assert_eq!(prom.query, "sum(rate(http_errors_total[5m]))");
    assert_eq!((prom.min, prom.max), (None, Some(0.5)));

    assert_eq!(config.risk.sensitive.len(), 1);
    let rule = &config.risk.sensitive[0];
    assert_eq!(
        (rule.weight, rule.reason.as_str()),
        (25, "database migration")
    );
    assert!(rule.paths[0].is_match("migrations/2024/01_add_users.sql"));
    assert_eq!(config.risk.sensitive_matches("migrations/x.sql").count(), 1);
    assert_eq!(config.risk.sensitive_matches("src/main.rs").count(), 0);
    let levels = config.risk.levels;
    assert_eq!((levels.medium, levels.high, levels.critical), (30, 60, 85));

    assert_eq!(
        config.revert.on,
        [RevertTrigger::DeploymentFailure, RevertTrigger::Comment]
    );
    assert!(!config.revert.triggers_on(RevertTrigger::WorkflowFailure));
    assert_eq!(config.revert.max_per_day, 3);
    assert_eq!(config.revert.labels, ["revert"]);
    assert!(!config.revert.auto_merge);
    assert_eq!(config.revert.opt_out_marker, "[no-revert]");
    assert_eq!(config.upstream_order(), ["staging", "production"]);
    assert_eq!(
        config.production().map(|env| env.name()),
        Some("production")
    );
}

#[test]
fn empty_and_sparse_files_take_the_defaults() {
    for text in [
        "",
        "# nothing configured yet\n",
        "environments:\nrisk:\nrevert:\n",
    ] {
        let config = parse(text).unwrap();
        assert!(config.environments.is_empty(), "{text:?}");
        assert_eq!(config.risk.levels.medium, 30);
        assert_eq!(config.revert.opt_out_marker, "[no-revert]");
    }
    let config = parse("environments:\n  review:\n    transient: true\n  prod:\n    rollout:\n      command: ./deploy.sh\n").unwrap();
    let review = config.environment("review").unwrap();
    assert!(review.transient && !review.is_production());
    let prod = config.environment("prod").unwrap();
    assert!(prod.is_production());
    let rollout = prod.rollout.as_ref().unwrap();
    assert_eq!(rollout.steps.weights(), [100]);
    assert_eq!(rollout.failure_limit, 1);
    assert!(rollout.bake.is_zero());
    let err = parse("environments: [staging, production]\n").unwrap_err();
    assert!(
        err.to_string()
            == ".shipline.yml:1:15: expected a mapping here; write `key: value` lines indented under the key, or `{ key: value }`",
        "{err}"
    );
    // `production:` overrides the guess from the name either way.
    let config =
        parse("environments:\n  live:\n    production: true\n  prod:\n    production: false\n")
            .unwrap();
    assert!(config.environment("live").unwrap().is_production());
    assert!(!config.environment("prod").unwrap().is_production());
}

/// Each broken file with where it is broken and words the message and hint must contain.
const BROKEN: &[(&str, &str, &str, &str)] = &[
    (
        "component_unknown_environment.yml",
        "7:29",
        "component `api` names unknown environment `prodution`",
        "did you mean `production`?",
    ),
    (
        "component_without_paths.yml",
        "2:3",
        "component `api` has no paths",
        "list what belongs to it under `paths:`",
    ),
    (
        "component_same_tag_prefix.yml",
        "4:3",
        "components `api` and `web` both use the tag prefix `api-v`",
        "give one of them another `tag_prefix`",
    ),
    (
        "component_path_outside.yml",
        "3:13",
        "path `../elsewhere` leaves the repository with `..`",
        "without `..`",
    ),
    (
        "unknown_key.yml",
        "6:5",
        "unknown field `soke`, expected one of `url`, `after`, `soak`",
        "did you mean `soak`?",
    ),
    (
        "wrong_type.yml",
        "5:22",
        "`failure_limit` must be a whole number from 1 to 1000, not the text `twice`",
        "write digits only",
    ),
    (
        "bad_duration.yml",
        "3:11",
        "duration `30` has no unit",
        "write `30s` for seconds or `30m` for minutes",
    ),
    (
        "bad_cron.yml",
        "4:16",
        "invalid cron expression `0 0 18 * * FRI`: has 6 fields, expected 5",
        "minute hour day-of-month month day-of-week",
    ),
    (
        "bad_timezone.yml",
        "6:19",
        "unknown time zone `Berlin`",
        "did you mean `Europe/Berlin`?",
    ),
    (
        "steps_not_ending_at_100.yml",
        "5:14",
        "rollout steps end at 90, not at 100",
        "add 100 as the last step",
    ),
    (
        "steps_decreasing.yml",
        "5:14",
        "rollout step 25 does not increase on the step before it (50)",
        "increasing order",
    ),
    (
        "after_cycle.yml",
        "3:13",
        "`after:` forms a cycle: dev → production → staging → dev",
        "remove one of these entries",
    ),
    (
        "after_self.yml",
        "3:13",
        "environment `production` lists itself in `after:`",
        "remove it",
    ),
    (
        "unknown_upstream.yml",
        "4:13",
        "`after:` of `production` names unknown environment `stagign`",
        "did you mean `staging`?",
    ),
    (
        "duplicate_key.yml",
        "5:5",
        "duplicate key `soak`",
        "each key may appear once",
    ),
    (
        "invalid_glob.yml",
        "3:32",
        "invalid glob `db/[schema`: unclosed character class",
        "close every `[`",
    ),
    (
        "two_health_kinds.yml",
        "7:11",
        "health check has more than one kind (`http` and `command`)",
        "exactly one of `http`, `prometheus`, `command` or `compare`",
    ),
    (
        "invalid_regex.yml",
        "7:23",
        "invalid regular expression `status: (ok`: unclosed group",
        "escape literal `(`",
    ),
    (
        "failure_limit_zero.yml",
        "5:22",
        "`failure_limit: 0` is outside 1–1000",
        "use a whole number from 1 to 1000",
    ),
    (
        "bad_url.yml",
        "6:17",
        "invalid URL `example.com/healthz`: it has no scheme",
        "absolute URL with its scheme",
    ),
    (
        "levels_not_increasing.yml",
        "3:5",
        "risk levels do not increase: medium 50, high 40, critical 85",
        "must start above the one before",
    ),
    (
        "unknown_risk_level.yml",
        "3:28",
        "unknown value `meduim`, expected one of `low`, `medium`, `high`, `critical`",
        "did you mean `medium`?",
    ),
];

#[test]
fn broken_configs_are_refused_at_the_offending_line_and_column_with_a_fix() {
    let dir = fixture_dir().join("broken");
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = BROKEN.iter().map(|(name, ..)| name.to_string()).collect();
    listed.sort();
    assert_eq!(on_disk, listed, "every broken fixture needs an expectation");

    for (name, line_col, message, hint) in BROKEN {
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        let err = Config::parse(&text, Path::new(name)).expect_err(name);
        let rendered = err.to_string();
        let prefix = format!("{name}:{line_col}: ");
        assert!(
            rendered.starts_with(&prefix),
            "{name}: expected `{prefix}...`, got: {rendered}"
        );
        let ConfigError::Invalid { message: got, .. } = &err else {
            panic!("{name}: expected ConfigError::Invalid, got {err:?}");
        };
        assert!(
            got.contains(message),
            "{name}: message {got:?} lacks {message:?}"
        );
        let got_hint = err
            .hint()
            .unwrap_or_else(|| panic!("{name}: no hint in {rendered}"));
        assert!(
            got_hint.contains(hint),
            "{name}: hint {got_hint:?} lacks {hint:?}"
        );
        // Rendered as: location, what is wrong, then the fix.
        assert!(
            rendered.ends_with(&format!("{got}; {got_hint}")),
            "{name}: {rendered}"
        );
        let location = err.location().unwrap();
        assert_eq!(
            format!("{}:{}", location.line, location.column),
            *line_col,
            "{name}"
        );
        assert!(
            !rendered.contains('\u{1f}'),
            "{name}: internal separator leaked"
        );
    }
}

#[test]
fn health_checks_reject_options_of_another_kind() {
    let err = parse(
        "environments:\n  production:\n    rollout:\n      command: ./deploy.sh\n      health:\n        - command: ./smoke.sh\n          expect_status: 204\n",
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        ".shipline.yml:6:11: `expect_status` applies to `http` checks, not to `command`; remove `expect_status` or make this an `http` check"
    );
    let err = parse(
        "environments:\n  production:\n    rollout:\n      command: ./deploy.sh\n      health:\n        - prometheus: { url: http://prom:9090, query: up }\n",
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .starts_with(".shipline.yml:6:11: prometheus check has neither `max` nor `min`"),
        "{err}"
    );
    let config = parse(
        "environments:\n  production:\n    rollout:\n      command: ./deploy.sh\n      health:\n        - command: ./smoke.sh\n          name: smoke\n          timeout: 2m\n        - http: https://example.com/\n          body_regex: '\"status\":\\s*\"ok\"'\n          body_contains: ok\n",
    )
    .unwrap();
    let health = &config
        .environment("production")
        .unwrap()
        .rollout
        .as_ref()
        .unwrap()
        .health;
    assert_eq!(health[0].label(), "smoke");
    assert_eq!(health[0].timeout(), Duration::from_secs(120));
    let HealthCheck::Http(http) = &health[1] else {
        panic!("{:?}", health[1])
    };
    assert!(
        http.body_regex
            .as_ref()
            .unwrap()
            .regex()
            .is_match(r#"{"status": "ok"}"#)
    );
    assert_eq!(http.body_contains.as_deref(), Some("ok"));
}

#[test]
fn load_finds_the_file_at_the_root_or_falls_back_to_defaults() {
    let repo = tempfile::tempdir().unwrap();
    let root = repo.path();
    assert!(Config::load(root, None).unwrap().environments.is_empty());
    assert_eq!(Config::load(root, None).unwrap().source(), None);

    std::fs::write(root.join(".shipline.yaml"), "environments:\n  qa: {}\n").unwrap();
    let config = Config::load(root, None).unwrap();
    assert_eq!(config.environments.names(), ["qa"]);
    assert_eq!(config.source(), Some(Path::new(".shipline.yaml")));

    std::fs::write(root.join(".shipline.yml"), "environments:\n  qa: {}\n").unwrap();
    let err = Config::load(root, None).unwrap_err();
    assert!(matches!(err, ConfigError::Ambiguous { .. }), "{err:?}");
    assert!(err.to_string().contains("keep one of them"), "{err}");

    std::fs::remove_file(root.join(".shipline.yaml")).unwrap();
    std::fs::write(
        root.join(".shipline.yml"),
        "environments:\n  qa:\n    sok: 5m\n",
    )
    .unwrap();
    // Errors name the file relative to the repository root, ready for a CI annotation.
    let err = Config::load(root, None).unwrap_err();
    assert!(
        err.to_string()
            .starts_with(".shipline.yml:3:5: unknown field `sok`"),
        "{err}"
    );
    assert!(err.to_string().ends_with("did you mean `soak`?"), "{err}");
}

#[test]
fn load_refuses_an_explicit_path_that_does_not_exist() {
    let repo = tempfile::tempdir().unwrap();
    std::fs::write(
        repo.path().join(".shipline.yml"),
        "environments:\n  qa: {}\n",
    )
    .unwrap();
    let missing = repo.path().join("ci/shipline.yml");
    let err = Config::load(repo.path(), Some(&missing)).unwrap_err();
    assert!(
        matches!(&err, ConfigError::NotFound { path } if *path == missing),
        "{err:?}"
    );
    assert!(err.to_string().contains("--config does not exist"), "{err}");

    // A directory given for the file.
    let err = Config::load(repo.path(), Some(repo.path())).unwrap_err();
    assert!(
        err.to_string()
            .contains("is a directory, not a configuration file"),
        "{err}"
    );
    assert!(!err.to_string().contains("os error"), "{err}");

    let other = repo.path().join("other.yml");
    std::fs::write(&other, "environments:\n  canary: {}\n").unwrap();
    let config = Config::load(repo.path(), Some(&other)).unwrap();
    assert_eq!(config.environments.names(), ["canary"]);
    assert_eq!(config.source(), Some(other.as_path()));
}

#[test]
fn unknown_environment_lists_the_known_ones() {
    let err = design().environment("prodution").unwrap_err().to_string();
    assert_eq!(
        err,
        "unknown environment `prodution`; known environments: staging, production; check the \
         spelling or add it under `environments:` in .shipline.yml"
    );
    let err = Config::default()
        .environment("staging")
        .unwrap_err()
        .to_string();
    assert!(err.contains("defines no environments"), "{err}");
}

#[test]
fn upstream_order_puts_each_environment_after_its_upstreams() {
    let config = parse(
        "environments:\n  production:\n    after: [staging, canary]\n  review: {}\n  canary:\n    after: [staging]\n  staging:\n    after: [dev]\n  dev: {}\n",
    )
    .unwrap();
    assert_eq!(
        config.upstream_order(),
        ["review", "dev", "staging", "canary", "production"]
    );
    // File order is kept for display.
    assert_eq!(
        config.environments.names(),
        ["production", "review", "canary", "staging", "dev"]
    );
}

#[test]
fn allowed_refs_match_short_and_full_ref_names() {
    let config = parse("environments:\n  production:\n    allowed_refs: [main, 'v*', 'release/*']\n  staging: {}\n").unwrap();
    let production = config.environment("production").unwrap();
    assert!(production.allows_ref("main"));
    assert!(production.allows_ref("refs/heads/main"));
    assert!(production.allows_ref("refs/tags/v1.2.3"));
    assert!(production.allows_ref("release/2024-05"));
    assert!(!production.allows_ref("feature/x"));
    assert!(!production.allows_ref("release/2024/05"));
    assert!(
        config
            .environment("staging")
            .unwrap()
            .allows_ref("anything")
    );
}

#[test]
fn serialised_config_reads_back_the_same() {
    let config = design();
    let yaml = serde_saphyr::to_string(&config).unwrap();
    let again = parse(&yaml).unwrap_or_else(|err| panic!("{err}\n{yaml}"));
    assert_eq!(
        serde_json::to_value(&config).unwrap(),
        serde_json::to_value(&again).unwrap()
    );
}

// Regression: risk and promote read one tag prefix; the older per-environment key still works
// alone and is refused, with the fix, where it disagrees.
#[test]
fn one_tag_prefix_for_every_tool() {
    assert_eq!(parse("risk: {}\n").unwrap().tag_prefix(), None);
    let shared = parse("versions:\n  tag_prefix: api-\n").unwrap();
    assert_eq!(shared.tag_prefix(), Some("api-"));
    let old = parse("environments:\n  production:\n    release: { tag_prefix: app-v }\n").unwrap();
    assert_eq!(old.tag_prefix(), Some("app-v"));
    let err = parse(
        "versions: { tag_prefix: api- }\nenvironments:\n  production:\n    release: { tag_prefix: v }\n",
    )
    .unwrap_err();
    let text = format!("{err} {}", err.hint().unwrap_or_default());
    assert!(
        text.contains("environments.production.release.tag_prefix"),
        "{text}"
    );
    assert!(
        text.contains("versions: { tag_prefix: \"api-\" }"),
        "{text}"
    );
}

#[test]
fn components_say_which_paths_count_for_them() {
    let config = parse(
        "environments:\n  staging:\n  production:\ncomponents:\n  api:\n    paths: [services/api, \"!services/api/docs\"]\n    shared: [libs/auth, Cargo.lock]\n  web:\n    paths: [\"apps/web/**\"]\n    tag_prefix: web@\n    environments: [production]\n",
    )
    .unwrap();
    let components = &config.components;
    assert_eq!(components.names(), ["api", "web"]);
    let api = components.get("api").unwrap();
    assert!(api.owns("services/api/src/main.rs"));
    assert!(!api.owns("services/api/docs/guide.md"));
    assert!(!api.counts("services/api/docs/guide.md"));
    assert!(!api.owns("libs/auth/token.rs"));
    assert!(api.counts("libs/auth/token.rs"));
    assert!(api.counts("Cargo.lock"));
    assert!(!api.counts("apps/web/index.ts"));
    assert_eq!(api.tag_prefix(), "api-v");
    assert!(api.deploys_to("staging") && api.deploys_to("production"));
    let web = components.get("web").unwrap();
    assert_eq!(web.tag_prefix(), "web@");
    assert!(!web.deploys_to("staging"));
    assert!(web.counts("apps/web/src/app.tsx"));
    let err = components.find("wbe").unwrap_err();
    assert!(err.contains("did you mean `web`?"), "{err}");
    let err = parse("").unwrap().components.find("api").unwrap_err();
    assert!(err.contains("defines no components"), "{err}");
    // Without `components:` nothing is written back for it.
    let text = serde_saphyr::to_string(&parse("environments:\n  production:\n").unwrap()).unwrap();
    assert!(!text.contains("components"), "{text}");
}
