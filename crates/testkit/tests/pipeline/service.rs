//! The deployed service the rollout's health check probes: an axum server on 127.0.0.1 whose
//! `/healthz` turns unhealthy once the rollout command has shifted at least the armed weight of
//! traffic to the new version. Keying the failure on what the command wrote (not on a timer)
//! makes "fails at step 2" deterministic whatever the machine's speed.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU16, Ordering};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;

/// A running service; dropping it stops the server.
pub struct Service {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    fail_from_weight: Arc<AtomicU16>,
    _runtime: tokio::runtime::Runtime,
}

#[derive(Clone)]
struct Shared {
    fail_from_weight: Arc<AtomicU16>,
    weight_file: PathBuf,
}

impl Service {
    /// Starts the service; `weight_file` is where the rollout command writes its weight.
    pub fn start(weight_file: &Path) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("service runtime");
        let shared = Shared {
            fail_from_weight: Arc::new(AtomicU16::new(0)),
            weight_file: weight_file.to_path_buf(),
        };
        let app = Router::new()
            .route("/healthz", get(healthz))
            .with_state(shared.clone());
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind the service on loopback");
        let url = format!("http://{}", listener.local_addr().expect("service address"));
        runtime.spawn(async move { axum::serve(listener, app).await });
        Self {
            url,
            fail_from_weight: shared.fail_from_weight,
            _runtime: runtime,
        }
    }

    /// From now on `/healthz` answers 500 while the deployed weight is `weight` or more.
    pub fn fail_from_weight(&self, weight: u16) {
        self.fail_from_weight.store(weight, Ordering::SeqCst);
    }

    /// `/healthz` is healthy again whatever the weight.
    pub fn heal(&self) {
        self.fail_from_weight.store(0, Ordering::SeqCst);
    }
}

async fn healthz(State(shared): State<Shared>) -> (StatusCode, &'static str) {
    let weight: u16 = std::fs::read_to_string(&shared.weight_file)
        .ok()
        .and_then(|w| w.trim().parse().ok())
        .unwrap_or(0);
    let fail_from = shared.fail_from_weight.load(Ordering::SeqCst);
    if fail_from > 0 && weight >= fail_from {
        (StatusCode::INTERNAL_SERVER_ERROR, "down")
    } else {
        (StatusCode::OK, "ok")
    }
}
