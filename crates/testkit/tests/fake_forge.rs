//! The fake forge's own machinery: request log, fault injection, connection-level faults.
//! Spoken to with raw HTTP/1.1 over a TCP socket so that what the server really sends is visible.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use shipline_testkit::forge::{FakeForge, Fault, FaultKind};

/// Sends one request and returns everything the server sent before closing.
fn raw(forge: &FakeForge, method: &str, path: &str, body: &str) -> String {
    let addr = forge.url().trim_start_matches("http://").to_string();
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: fake\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn unknown_route_is_404_and_logged_with_body() {
    let forge = FakeForge::start();
    let answer = raw(&forge, "POST", "/nowhere?x=1", r#"{"a":1}"#);
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
    assert!(answer.contains("no route for POST /nowhere"));
    let log = forge.requests();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].method, "POST");
    assert_eq!(log[0].path, "/nowhere");
    assert_eq!(log[0].query.as_deref(), Some("x=1"));
    assert_eq!(log[0].json().unwrap()["a"], 1);
    assert_eq!(log[0].status, 404);
    assert!(!log[0].faulted);
}

#[test]
fn status_and_retry_after_faults_apply_the_given_number_of_times() {
    let forge = FakeForge::start();
    forge.inject(
        Fault::on(
            "GET",
            "/api/*/x",
            FaultKind::RetryAfter {
                status: 429,
                secs: 3,
            },
        )
        .times(2),
    );
    let first = raw(&forge, "GET", "/api/v9/x", "");
    assert!(first.starts_with("HTTP/1.1 429"), "{first}");
    assert!(first.to_ascii_lowercase().contains("retry-after: 3"));
    assert!(raw(&forge, "GET", "/api/v9/x", "").starts_with("HTTP/1.1 429"));
    assert!(raw(&forge, "GET", "/api/v9/x", "").starts_with("HTTP/1.1 404"));
    // Other methods and paths are untouched.
    forge.inject(Fault::on("POST", "/api/*/x", FaultKind::Status(502)));
    assert!(raw(&forge, "GET", "/api/v9/x", "").starts_with("HTTP/1.1 404"));
    assert!(raw(&forge, "POST", "/api/v9/y", "").starts_with("HTTP/1.1 404"));
    assert!(raw(&forge, "POST", "/api/v9/x", "").starts_with("HTTP/1.1 502"));
    let faulted: Vec<_> = forge.requests().iter().map(|r| r.faulted).collect();
    assert_eq!(faulted, [true, true, false, false, false, true]);
}

#[test]
fn secondary_rate_limit_looks_like_githubs() {
    let forge = FakeForge::start();
    forge.inject(Fault::on(
        "POST",
        "/api/v3/**",
        FaultKind::SecondaryRateLimit { secs: 1 },
    ));
    let answer = raw(&forge, "POST", "/api/v3/repos/o/r/issues/1/comments", "{}");
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    assert!(answer.contains("secondary rate limit"));
    assert!(answer.to_ascii_lowercase().contains("retry-after: 1"));
}

#[test]
fn dropped_connection_sends_nothing() {
    let forge = FakeForge::start();
    forge.inject(Fault::on("GET", "/gone", FaultKind::Drop));
    assert_eq!(raw(&forge, "GET", "/gone", ""), "");
    assert_eq!(forge.requests()[0].status, 0);
    // The next request is served normally.
    assert!(raw(&forge, "GET", "/gone", "").starts_with("HTTP/1.1 404"));
}

#[test]
fn truncated_body_is_shorter_than_announced() {
    let forge = FakeForge::start();
    forge.inject(Fault::on("GET", "/half", FaultKind::TruncatedBody).after());
    let answer = raw(&forge, "GET", "/half", "");
    let (head, body) = answer.split_once("\r\n\r\n").expect("headers");
    let announced: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length: ")
                .map(|v| v.trim().parse().unwrap())
        })
        .expect("content-length");
    assert!(
        body.len() < announced,
        "body {} vs announced {announced}",
        body.len()
    );
    // The handler ran: the log keeps its full answer.
    let log = forge.requests();
    assert!(log[0].faulted);
    assert_eq!(log[0].status, 404);
    assert_eq!(log[0].response_body.len(), announced);
}

#[test]
fn delay_fault_delays() {
    let forge = FakeForge::start();
    forge.inject(Fault::on(
        "GET",
        "/slow",
        FaultKind::Delay(Duration::from_millis(300)),
    ));
    let started = Instant::now();
    assert!(raw(&forge, "GET", "/slow", "").starts_with("HTTP/1.1 404"));
    // A lower bound only: the delay must have happened; how long beyond it is the machine's business.
    assert!(started.elapsed() >= Duration::from_millis(300));
}
