//! A small service whose `/metrics` page (Prometheus text format) the test controls, and a real
//! Prometheus server scraping it.
//!
//! The service counts requests per `track` label (`stable`, `canary`, or any name a test picks):
//! every scrape adds the track's requests per scrape to `http_requests_total{code="200"|"500"}`,
//! the set share of them as errors, and observes each in the
//! `http_request_duration_seconds` histogram at the set latency. A track can be removed, so its
//! series go stale in Prometheus at the next scrape.
//!
//! [`Prometheus`] runs the `prometheus` binary (Debian package `prometheus`; `.ci/run` installs
//! it) on a loopback port with a temporary data directory, scraping given targets every 250ms,
//! and stops it when dropped.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::routing::get;

use crate::background::Background;

/// Histogram bucket bounds, in seconds.
const BUCKETS: [f64; 6] = [0.05, 0.1, 0.25, 0.5, 1.0, 2.5];

/// What one track serves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Track {
    /// Requests added per scrape.
    pub requests_per_scrape: u64,
    /// Share of them answered 500, 0.0 to 1.0.
    pub error_rate: f64,
    /// Latency observed for each request, in seconds.
    pub latency: f64,
}

impl Default for Track {
    fn default() -> Self {
        Self {
            requests_per_scrape: 100,
            error_rate: 0.0,
            latency: 0.02,
        }
    }
}

#[derive(Debug, Default, Clone)]
struct Counts {
    ok: u64,
    errors: u64,
    buckets: [u64; BUCKETS.len()],
    sum: f64,
}

#[derive(Debug, Default)]
struct Tracks {
    settings: BTreeMap<String, Track>,
    counts: BTreeMap<String, Counts>,
}

/// The service; stopped when dropped.
pub struct MetricsService {
    tracks: Arc<Mutex<Tracks>>,
    server: Background,
}

impl MetricsService {
    /// Starts on 127.0.0.1 with no tracks.
    pub fn start() -> Self {
        let tracks = Arc::new(Mutex::new(Tracks::default()));
        let state = tracks.clone();
        let server = Background::start("metrics-service", 1, move |listener, stop| async move {
            let app = Router::new()
                .route("/metrics", get(metrics))
                .with_state(state);
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stop.await;
                })
                .await;
        });
        Self { tracks, server }
    }

    /// The service's address (a Prometheus scrape target).
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// Sets (or adds) `track`; its counters carry on from where they are.
    pub fn set(&self, track: &str, settings: Track) {
        self.tracks
            .lock()
            .unwrap()
            .settings
            .insert(track.to_string(), settings);
    }

    /// Removes `track`: its series are no longer on the page (stale at the next scrape).
    pub fn remove(&self, track: &str) {
        let mut tracks = self.tracks.lock().unwrap();
        tracks.settings.remove(track);
        tracks.counts.remove(track);
    }
}

async fn metrics(State(tracks): State<Arc<Mutex<Tracks>>>) -> String {
    let mut tracks = tracks.lock().unwrap();
    let Tracks { settings, counts } = &mut *tracks;
    for (name, track) in settings.iter() {
        let count = counts.entry(name.clone()).or_default();
        let errors = (track.requests_per_scrape as f64 * track.error_rate).round() as u64;
        count.errors += errors;
        count.ok += track.requests_per_scrape - errors.min(track.requests_per_scrape);
        for (bucket, bound) in count.buckets.iter_mut().zip(BUCKETS) {
            if track.latency <= bound {
                *bucket += track.requests_per_scrape;
            }
        }
        count.sum += track.latency * track.requests_per_scrape as f64;
    }
    let mut page = String::new();
    page.push_str("# HELP http_requests_total Requests served.\n");
    page.push_str("# TYPE http_requests_total counter\n");
    for (name, count) in counts.iter() {
        let _ = writeln!(
            page,
            "http_requests_total{{code=\"200\",track=\"{name}\"}} {}",
            count.ok
        );
        let _ = writeln!(
            page,
            "http_requests_total{{code=\"500\",track=\"{name}\"}} {}",
            count.errors
        );
    }
    page.push_str("# HELP http_request_duration_seconds Request latency.\n");
    page.push_str("# TYPE http_request_duration_seconds histogram\n");
    for (name, count) in counts.iter() {
        for (bucket, bound) in count.buckets.iter().zip(BUCKETS) {
            let _ = writeln!(
                page,
                "http_request_duration_seconds_bucket{{track=\"{name}\",le=\"{bound}\"}} {bucket}"
            );
        }
        let total = count.ok + count.errors;
        let _ = writeln!(
            page,
            "http_request_duration_seconds_bucket{{track=\"{name}\",le=\"+Inf\"}} {total}"
        );
        let _ = writeln!(
            page,
            "http_request_duration_seconds_sum{{track=\"{name}\"}} {}",
            count.sum
        );
        let _ = writeln!(
            page,
            "http_request_duration_seconds_count{{track=\"{name}\"}} {total}"
        );
    }
    page
}

/// How to get the server.
pub const PROMETHEUS_HINT: &str = "apt-get install prometheus (Debian), or put a `prometheus` binary on PATH; .ci/run installs it";

/// A real Prometheus server; killed when dropped.
pub struct Prometheus {
    child: Child,
    pid: String,
    url: String,
    _data: tempfile::TempDir,
}

impl Prometheus {
    /// The `prometheus` binary's version line, or `None` when it is not on PATH.
    pub fn version() -> Option<String> {
        let out = Command::new("prometheus").arg("--version").output().ok()?;
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        out.status
            .success()
            .then(|| text.lines().next().unwrap_or_default().to_string())
    }

    /// Starts `prometheus` scraping `targets` every 250ms and waits until each is up (at most
    /// 60 s). Panics, with the install command, when the binary is missing.
    pub fn start(targets: &[SocketAddr]) -> Self {
        let data = tempfile::tempdir().expect("a data directory");
        let listed: Vec<String> = targets.iter().map(|t| format!("'{t}'")).collect();
        let config = format!(
            "global:\n  scrape_interval: 250ms\n  scrape_timeout: 200ms\nscrape_configs:\n  - job_name: service\n    static_configs:\n      - targets: [{}]\n",
            listed.join(", ")
        );
        let config_path: PathBuf = data.path().join("prometheus.yml");
        std::fs::write(&config_path, config).expect("write prometheus.yml");
        let port = free_port();
        let args = [
            format!("--config.file={}", config_path.display()),
            format!("--storage.tsdb.path={}", data.path().join("tsdb").display()),
            format!("--web.listen-address=127.0.0.1:{port}"),
            "--log.level=error".to_string(),
        ];
        // A server shared through a `static` is never dropped: a watchdog shell stops it (and
        // removes its data) once the test process is gone, or once the server is.
        let watchdog = format!(
            "prometheus \"$@\" >/dev/null 2>&1 & p=$!; echo $p; while kill -0 {owner} 2>/dev/null && kill -0 $p 2>/dev/null; do sleep 0.5; done; kill $p 2>/dev/null; wait $p; rm -rf '{data}'",
            owner = std::process::id(),
            data = data.path().display(),
        );
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(watchdog)
            .arg("sh")
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run sh ({e})"));
        let mut pid = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(child.stdout.take().expect("the watchdog's stdout")),
            &mut pid,
        )
        .expect("the server's pid");
        let pid = pid.trim().to_string();
        assert!(
            Command::new("kill")
                .args(["-0", &pid])
                .status()
                .is_ok_and(|s| s.success()),
            "prometheus did not start; install: {PROMETHEUS_HINT}"
        );
        let server = Self {
            child,
            pid,
            url: format!("http://127.0.0.1:{port}"),
            _data: data,
        };
        let up = format!("count(up{{job=\"service\"}} == 1) == {}", targets.len());
        server.wait_for(&up, Duration::from_secs(60));
        server
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The answer to an instant query, as JSON (`None` while the server does not answer).
    pub fn query(&self, query: &str) -> Option<serde_json::Value> {
        let url =
            url::Url::parse_with_params(&format!("{}/api/v1/query", self.url), [("query", query)])
                .ok()?;
        let text = http_get(&url)?;
        serde_json::from_str(&text).ok()
    }

    /// Waits until `query` returns at least one sample. Panics after `limit`.
    pub fn wait_for(&self, query: &str, limit: Duration) {
        let started = Instant::now();
        loop {
            let answer = self.query(query);
            let has_data = answer
                .as_ref()
                .and_then(|a| a["data"]["result"].as_array())
                .is_some_and(|r| !r.is_empty());
            if has_data {
                return;
            }
            assert!(
                started.elapsed() < limit,
                "Prometheus at {} gave no data for `{query}` within {limit:?}: {answer:?}",
                self.url
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = Command::new("kill").arg(&self.pid).status();
        let _ = self.child.wait();
    }
}

/// A loopback port nobody listens on right now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// The body of a GET, on a runtime of its own (callers are plain `#[test]` functions).
fn http_get(url: &url::Url) -> Option<String> {
    shipline_core::tls::init();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .ok()?;
    runtime.block_on(async {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .ok()?;
        client
            .get(url.as_str())
            .send()
            .await
            .ok()?
            .text()
            .await
            .ok()
    })
}
