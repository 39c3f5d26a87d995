//! Shared set-up: a real repository with `.shipline.yml`, the binary with a clean environment,
//! the git-notes ledger, and a local HTTP server standing in for the deployed service.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU16, AtomicU64, Ordering};
use std::time::Duration;

use assert_cmd::Command;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use shipline_core::forge::DeploymentState;
use shipline_core::ledger::{
    DeploymentRecord, Ledger, ListQuery, NewDeploymentRecord, TransitionRequest,
};
use shipline_testkit::repo::TestRepo;
use tempfile::TempDir;

/// A repository with a configuration, and a scratch directory the configured commands log to.
pub struct Setup {
    pub repo: TestRepo,
    pub scratch: TempDir,
    pub sha: String,
}

impl Setup {
    /// Commits `config` as `.shipline.yml` (with `{log}` replaced by the scratch directory)
    /// and pushes.
    pub fn new(config: &str) -> Self {
        Self::build(tempfile::tempdir().unwrap(), config)
    }

    /// A set-up whose configuration (built from the service's URL) probes a running service.
    pub fn with_service(config: impl FnOnce(&str) -> String) -> (Self, Service) {
        let scratch = tempfile::tempdir().unwrap();
        let service = Service::start(&scratch.path().join("weight"));
        (Self::build(scratch, &config(&service.url)), service)
    }

    fn build(scratch: TempDir, config: &str) -> Self {
        let repo = TestRepo::new();
        let text = config.replace("{log}", &scratch.path().display().to_string());
        repo.commit("feat: first")
            .file("README.md", "widgets\n")
            .file(".shipline.yml", text)
            .create();
        repo.push();
        let sha = repo.head();
        Self { repo, scratch, sha }
    }

    /// The binary in the repository with only PATH and HOME set.
    pub fn promote(&self) -> Command {
        let mut cmd = Command::cargo_bin("shipline-promote").unwrap();
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.scratch.path())
            .current_dir(self.repo.path())
            .timeout(Duration::from_secs(60));
        cmd
    }

    /// A file in the scratch directory, or "" when it does not exist.
    pub fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.scratch.path().join(name)).unwrap_or_default()
    }

    pub fn scratch_path(&self, name: &str) -> PathBuf {
        self.scratch.path().join(name)
    }

    fn ledger(&self) -> Ledger {
        Ledger::git_default(self.repo.git()).unwrap()
    }

    /// Records a successful deployment of this commit to `env`.
    pub fn seed_success(&self, env: &str) -> String {
        self.seed_success_at(env, &self.sha)
    }

    /// Records a successful deployment of `sha` to `env`.
    pub fn seed_success_at(&self, env: &str, sha: &str) -> String {
        let ledger = self.ledger();
        let sha = sha.to_string();
        block_on(async move {
            let record = ledger
                .start(&NewDeploymentRecord {
                    environment: env.to_string(),
                    sha,
                    git_ref: "refs/heads/main".into(),
                    creator: "ci".into(),
                    ..NewDeploymentRecord::default()
                })
                .await
                .unwrap();
            ledger
                .transition(
                    &record.id,
                    &TransitionRequest::new(DeploymentState::Success),
                )
                .await
                .unwrap();
            record.id
        })
    }

    /// The deployments to `env`, newest first.
    pub fn deployments(&self, env: &str) -> Vec<DeploymentRecord> {
        let ledger = self.ledger();
        let env = env.to_string();
        block_on(async move {
            ledger
                .list(&ListQuery {
                    environment: Some(env),
                    ..ListQuery::default()
                })
                .await
                .unwrap()
        })
    }

    /// The notes ref (local and origin), to prove a run wrote nothing.
    pub fn ledger_refs(&self) -> String {
        let local = self
            .repo
            .try_output(["for-each-ref", "refs/notes/shipline"])
            .stdout;
        let remote = std::process::Command::new("git")
            .args(["for-each-ref", "refs/notes/shipline"])
            .current_dir(self.repo.bare_path())
            .output()
            .unwrap()
            .stdout;
        format!(
            "{}|{}",
            String::from_utf8_lossy(&local),
            String::from_utf8_lossy(&remote)
        )
    }
}

pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

/// A run's stdout as JSON; panics with the text when it is not.
pub fn json(stdout: &[u8]) -> serde_json::Value {
    serde_json::from_slice(stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(stdout)
        )
    })
}

/// The value of output `name` in a local run's stderr (`name=value` lines).
pub fn output(stderr: &[u8], name: &str) -> Option<String> {
    let text = String::from_utf8_lossy(stderr);
    let prefix = format!("{name}=");
    text.lines()
        .rev()
        .find_map(|line| line.strip_prefix(&prefix).map(str::to_string))
}

/// The service under rollout: `/healthz` answers with the status the test sets (and fails
/// from a given weight on, read from the file the deploy command writes); `/slow` never answers
/// in time; `/sluggish` answers after 150ms; `/api/v1/query` is a Prometheus instant query endpoint with a settable value.
pub struct Service {
    pub url: String,
    status: Arc<AtomicU16>,
    fail_from_weight: Arc<AtomicU16>,
    prom_value: Arc<AtomicU64>,
    prom_empty: Arc<AtomicBool>,
    _runtime: tokio::runtime::Runtime,
}

#[derive(Clone)]
struct ServiceState {
    status: Arc<AtomicU16>,
    fail_from_weight: Arc<AtomicU16>,
    weight_file: PathBuf,
    prom_value: Arc<AtomicU64>,
    prom_empty: Arc<AtomicBool>,
}

impl Service {
    /// Starts on 127.0.0.1; `weight_file` is where the deploy command writes its weight.
    pub fn start(weight_file: &Path) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let state = ServiceState {
            status: Arc::new(AtomicU16::new(200)),
            fail_from_weight: Arc::new(AtomicU16::new(0)),
            weight_file: weight_file.to_path_buf(),
            prom_value: Arc::new(AtomicU64::new(0f64.to_bits())),
            prom_empty: Arc::new(AtomicBool::new(false)),
        };
        let app = Router::new()
            .route("/healthz", get(healthz))
            .route("/slow", get(slow))
            .route("/sluggish", get(sluggish))
            .route("/api/v1/query", get(query))
            .with_state(state.clone());
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        runtime.spawn(async move { axum::serve(listener, app).await });
        Self {
            url,
            status: state.status,
            fail_from_weight: state.fail_from_weight,
            prom_value: state.prom_value,
            prom_empty: state.prom_empty,
            _runtime: runtime,
        }
    }

    /// `/healthz` answers with this status.
    pub fn set_status(&self, status: u16) {
        self.status.store(status, Ordering::SeqCst);
    }

    /// `/healthz` answers 500 once the deployed weight reaches `weight`.
    pub fn fail_from_weight(&self, weight: u16) {
        self.fail_from_weight.store(weight, Ordering::SeqCst);
    }

    /// The Prometheus query's value.
    pub fn set_metric(&self, value: f64) {
        self.prom_value.store(value.to_bits(), Ordering::SeqCst);
    }

    /// The Prometheus query returns no series.
    pub fn set_metric_empty(&self) {
        self.prom_empty.store(true, Ordering::SeqCst);
    }
}

async fn healthz(State(state): State<ServiceState>) -> (StatusCode, &'static str) {
    let weight: u16 = std::fs::read_to_string(&state.weight_file)
        .ok()
        .and_then(|w| w.trim().parse().ok())
        .unwrap_or(0);
    let fail_from = state.fail_from_weight.load(Ordering::SeqCst);
    if fail_from > 0 && weight >= fail_from {
        return (StatusCode::INTERNAL_SERVER_ERROR, "down");
    }
    let status = StatusCode::from_u16(state.status.load(Ordering::SeqCst)).unwrap();
    (status, "ok")
}

async fn slow() -> &'static str {
    tokio::time::sleep(Duration::from_secs(5)).await;
    "ok"
}

async fn sluggish() -> &'static str {
    tokio::time::sleep(Duration::from_millis(150)).await;
    "ok"
}

async fn query(State(state): State<ServiceState>) -> axum::Json<serde_json::Value> {
    let result = if state.prom_empty.load(Ordering::SeqCst) {
        serde_json::json!([])
    } else {
        let value = f64::from_bits(state.prom_value.load(Ordering::SeqCst));
        serde_json::json!([{ "metric": {}, "value": [1_700_000_000.0, value.to_string()] }])
    };
    axum::Json(serde_json::json!({
        "status": "success",
        "data": { "resultType": "vector", "result": result }
    }))
}

/// The standard three-step rollout against `service`, logging to the scratch directory.
pub fn rollout_config(service_url: &str, extra: &str) -> String {
    format!(
        r#"environments:
  staging:
  production:
    after: [staging]
    rollout:
      command: printf '%s %s %s %s %s\n' "$SHIPLINE_ENVIRONMENT" "$SHIPLINE_STEP" "$SHIPLINE_WEIGHT" "$SHIPLINE_SHA" "$SHIPLINE_VERSION" >> {{log}}/deploy.log && printf '%s' "$SHIPLINE_WEIGHT" > {{log}}/weight
      rollback: printf 'rollback %s %s\n' "$SHIPLINE_STEP" "$SHIPLINE_WEIGHT" >> {{log}}/rollback.log
      steps: [10, 50, 100]
      bake: 150ms
      interval: 50ms
      health:
        - name: healthz
          http: {service_url}/healthz
          expect_status: 200
          body_contains: ok
{extra}"#
    )
}
