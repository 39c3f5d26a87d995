//! The delivery dashboard: a 12-week git-notes ledger of three environments, the page
//! `shipline-status dashboard` writes for it, its structure as a snapshot, and the page loaded
//! in headless Chromium (DOM values against `metrics --format json`, both themes' colours in
//! screenshots).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{DateTime, Duration, Utc};
use regex::Regex;
use serde_json::Value;
use shipline_core::forge::DeploymentState;
use shipline_core::ledger::record::{EVENT_VERSION, Event, EventKind};
use shipline_testkit::browser;
use shipline_testkit::repo::TestRepo;

use crate::helpers::local;

/// Bar colours of the page's two themes (`--bar` in its CSS).
const LIGHT_BAR: [u8; 3] = [0x09, 0x69, 0xda];
const DARK_BAR: [u8; 3] = [0x44, 0x93, 0xf8];

/// What the ledger holds, for the assertions.
pub(crate) struct Ledger {
    pub(crate) repo: TestRepo,
    deployments: usize,
}

fn start(
    id: &str,
    environment: &str,
    sha: &str,
    at: DateTime<Utc>,
    risk: Option<u8>,
    version: &str,
) -> Event {
    Event {
        v: EVENT_VERSION,
        id: id.into(),
        event: EventKind::Start,
        environment: environment.into(),
        sha: sha.into(),
        git_ref: Some("main".into()),
        version: Some(version.into()),
        state: DeploymentState::InProgress,
        at,
        by: Some("release-bot".into()),
        url: None,
        log_url: None,
        description: None,
        run_id: None,
        production: Some(environment == "production"),
        transient: Some(false),
        risk_score: risk,
        risk_level: risk.map(|s| {
            match s {
                0..30 => "low",
                30..60 => "medium",
                60..85 => "high",
                _ => "critical",
            }
            .to_string()
        }),
    }
}

fn state(start: &Event, state: DeploymentState, at: DateTime<Utc>) -> Event {
    Event {
        event: EventKind::State,
        git_ref: None,
        version: None,
        state,
        at,
        by: None,
        production: None,
        transient: None,
        risk_score: None,
        risk_level: None,
        ..start.clone()
    }
}

/// Fourteen commits over 12 weeks, each deployed to dev and staging and (but the last two) to
/// production: 40 deployments. Every fourth production deployment fails and the next one
/// restores it; commit 9 reverts commit 7, so production's release of commit 7 counts as a
/// failed change too.
pub(crate) fn ledger() -> Ledger {
    let repo = TestRepo::new();
    std::fs::write(
        repo.path().join(".shipline.yml"),
        "environments:\n  dev: {}\n  staging:\n    after: [dev]\n  production:\n    after: [staging]\n",
    )
    .unwrap();
    let now = Utc::now();
    let mut deployments = 0;
    let mut shas: Vec<String> = Vec::new();
    for i in 0..14_i64 {
        let committed = now - Duration::days(82) + Duration::days(6 * i);
        let message = if i == 9 {
            format!(
                "Revert \"feat: change 7\"\n\nThis reverts commit {}.",
                shas[7]
            )
        } else {
            format!("feat: change {i}")
        };
        let sha = repo
            .commit(&message)
            .file(format!("src/{i}.txt"), format!("{i}\n"))
            .at(committed.timestamp())
            .create();
        shas.push(sha.clone());
        let mut lines = Vec::new();
        for (k, environment) in ["dev", "staging", "production"].iter().enumerate() {
            if *environment == "production" && i >= 12 {
                continue;
            }
            let at = committed + Duration::hours(2 + 3 * k as i64);
            let id = format!("{environment}-{}-{}-{:04x}", &sha[..7], at.timestamp(), i);
            let risk = (*environment == "production" && i != 5).then_some((10 + 6 * i) as u8);
            let begin = start(&id, environment, &sha, at, risk, &format!("1.{i}.0"));
            let fails = *environment == "production" && i % 4 == 2;
            let end = if fails {
                DeploymentState::Failure
            } else {
                DeploymentState::Success
            };
            lines.push(begin.to_line());
            lines.push(state(&begin, end, at + Duration::minutes(10 + i)).to_line());
            deployments += 1;
        }
        repo.run([
            "notes",
            "--ref",
            "refs/notes/shipline",
            "add",
            "-f",
            "-m",
            &lines.join("\n"),
            &sha,
        ]);
    }
    repo.push();
    repo.run(["push", "-q", "origin", "refs/notes/shipline"]);
    Ledger { repo, deployments }
}

fn dashboard(repo: &TestRepo) -> (tempfile::TempDir, String) {
    let out = tempfile::tempdir().unwrap();
    local(repo.path())
        .args(["dashboard", "--out"])
        .arg(out.path().join("site"))
        .assert()
        .success();
    let html = std::fs::read_to_string(out.path().join("site/index.html")).unwrap();
    (out, html)
}

fn metrics_json(repo: &TestRepo) -> Value {
    let out = local(repo.path())
        .args(["metrics", "--since", "84d", "--format", "json"])
        .assert()
        .success();
    serde_json::from_slice(&out.get_output().stdout).unwrap()
}

/// The page's element structure: each element with an id, a class or a data key, indented by
/// depth, repeats folded into `×N`; text, dates and SHAs left out.
fn structure(html: &str) -> String {
    let tag = Regex::new(r#"<(/?)([a-zA-Z0-9]+)([^>]*?)(/?)>"#).unwrap();
    let attr =
        Regex::new(r#"\b(id|class|data-key|data-environment|data-outcome)="([^"]*)""#).unwrap();
    let void = ["meta", "br", "link", "input"];
    let mut depth = 0_usize;
    let mut lines: Vec<String> = Vec::new();
    let body = &html[html.find("<body").unwrap_or(0)..];
    for cap in tag.captures_iter(body) {
        let name = cap[2].to_ascii_lowercase();
        if &cap[1] == "/" {
            depth = depth.saturating_sub(1);
            continue;
        }
        let attrs: Vec<String> = attr
            .captures_iter(&cap[3])
            .map(|a| format!("{}={}", &a[1], &a[2]))
            .collect();
        if !attrs.is_empty() || ["section", "svg", "table", "figure", "h2"].contains(&name.as_str())
        {
            lines.push(format!("{}{name} {}", "  ".repeat(depth), attrs.join(" ")));
        }
        if &cap[4] != "/" && !void.contains(&name.as_str()) {
            depth += 1;
        }
    }
    let mut out = String::new();
    let mut i = 0;
    while i < lines.len() {
        let mut n = 1;
        while i + n < lines.len() && lines[i + n] == lines[i] {
            n += 1;
        }
        out.push_str(lines[i].trim_end());
        if n > 1 {
            out.push_str(&format!(" ×{n}"));
        }
        out.push('\n');
        i += n;
    }
    out
}

#[test]
fn the_dashboard_page_has_the_map_every_chart_and_the_metrics_tables() {
    let ledger = ledger();
    assert_eq!(ledger.deployments, 40);
    let (_out, html) = dashboard(&ledger.repo);
    insta::assert_snapshot!(structure(&html));
    // Self-contained: nothing is fetched and nothing runs.
    for outside in ["<script", "<link", "src=\"http", "@import", "url("] {
        assert!(!html.contains(outside), "the page holds `{outside}`");
    }
    assert!(html.len() < 1_000_000);
}

#[test]
fn bad_risk_flags_are_refused_before_anything_is_written() {
    let repo = TestRepo::new();
    repo.commit("feat: one").file("a.txt", "a\n").create();
    for (args, says) in [
        (
            vec!["--risk-score", "101", "--risk-level", "high"],
            "outside 0 to 100",
        ),
        (
            vec!["--risk-score", "lots", "--risk-level", "high"],
            "is not a number",
        ),
        (
            vec!["--risk-score", "40", "--risk-level", "extreme"],
            "not one of low, medium, high, critical",
        ),
        (vec!["--risk-score", "40"], "needs `--risk-level`"),
        (vec!["--risk-level", "low"], "needs `--risk-score`"),
    ] {
        let out = local(repo.path())
            .args(["start", "--env", "staging"])
            .args(&args)
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
    let notes = repo.try_output(["notes", "--ref", "refs/notes/shipline", "list"]);
    assert!(notes.stdout.is_empty(), "nothing recorded");
}

#[test]
fn the_risk_given_to_start_lands_in_the_start_event_and_on_the_page() {
    let repo = TestRepo::new();
    repo.commit("feat: one").file("a.txt", "a\n").create();
    repo.push();
    local(repo.path())
        .args(["start", "--env", "production", "--version", "2.0.0"])
        .args(["--risk-score", "86.58", "--risk-level", "Critical"])
        .assert()
        .success();
    local(repo.path())
        .args(["finish", "--env", "production", "--state", "success"])
        .assert()
        .success();
    let note = repo.run(["notes", "--ref", "refs/notes/shipline", "show", "HEAD"]);
    let first: Value = serde_json::from_str(note.lines().next().unwrap()).unwrap();
    assert_eq!(first["risk_score"], 87);
    assert_eq!(first["risk_level"], "critical");
    let (_out, html) = dashboard(&repo);
    let row = Regex::new(r#"<tr data-outcome="succeeded"><th scope="row">2.0.0</th><td>[0-9-]+</td><td data-key="score">87</td><td>critical</td>"#).unwrap();
    assert!(row.is_match(&html), "{html}");
}

/// Flags of the dashboard's window: the screenshots read pixels at known places.
const WINDOW: [&str; 3] = [
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
    "--window-size=1100,2100",
];

/// The Chromium to drive (`shipline_testkit::browser`), with the dashboard's window.
fn chromium() -> Command {
    let mut cmd = browser::chromium();
    cmd.args(WINDOW);
    cmd
}

fn file_url(path: &Path) -> String {
    browser::file_url(path)
}

/// Loads the page and returns the DOM after loading, and the console messages Chromium logged.
fn dump_dom(page: &Path, profile: &Path) -> (String, Vec<String>) {
    browser::dump_dom(page, profile, &WINDOW)
}

/// A screenshot of the page in a colour scheme (`light` or `dark`), as RGB rows.
fn screenshot(page: &Path, profile: &Path, scheme: &str, png_path: &Path) -> (u32, u32, Vec<u8>) {
    let flag = match scheme {
        "dark" => "--blink-settings=preferredColorScheme=0",
        _ => "--blink-settings=preferredColorScheme=1",
    };
    let out = chromium()
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(flag)
        .arg(format!("--screenshot={}", png_path.display()))
        .arg(file_url(page))
        .output()
        .expect("run chromium");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(png_path).expect("chromium wrote the screenshot"),
    ));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let rgb = buf[..info.buffer_size()]
        .chunks(channels)
        .flat_map(|px| [px[0], px[1], px[2]])
        .collect();
    (info.width, info.height, rgb)
}

fn count(rgb: &[u8], colour: [u8; 3]) -> usize {
    rgb.chunks(3).filter(|px| *px == colour).count()
}

/// `data-key` → `data-value` of each totals row, by environment.
fn totals(dom: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let row = Regex::new(r#"(?s)<tr data-environment="([^"]+)">(.*?)</tr>"#).unwrap();
    let cell = Regex::new(r#"data-key="([^"]+)" data-value="([^"]*)""#).unwrap();
    let table = &dom[dom.find(r#"id="totals""#).expect("totals table")..];
    let table = &table[..table.find("</table>").unwrap()];
    row.captures_iter(table)
        .map(|r| {
            let cells = cell
                .captures_iter(&r[2])
                .map(|c| (c[1].to_string(), c[2].to_string()))
                .collect();
            (r[1].to_string(), cells)
        })
        .collect()
}

/// The JSON value at a dotted path, as the page writes it (`""` for null).
fn json_text(env: &Value, path: &str) -> String {
    let value = path.split('.').fold(env, |v, key| &v[key]);
    match value {
        Value::Null => String::new(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}

#[test]
#[cfg_attr(
    not(chromium),
    ignore = "needs headless Chromium: apt-get install chromium (.ci/run installs it and requires these)"
)]
fn the_dashboard_renders_in_chromium_with_the_metrics_values_and_both_themes() {
    let ledger = ledger();
    let (out, _) = dashboard(&ledger.repo);
    let page = out.path().join("site/index.html");
    let profile = tempfile::tempdir().unwrap();

    let (dom, console) = dump_dom(&page, profile.path());
    assert!(console.is_empty(), "console messages: {console:#?}");

    // The map, in promotion order, with what waits upstream of production.
    let envs: Vec<String> = Regex::new(r#"<li class="env" data-environment="([^"]+)">"#)
        .unwrap()
        .captures_iter(&dom)
        .map(|c| c[1].to_string())
        .collect();
    assert_eq!(envs, ["dev", "staging", "production"]);
    let production = &dom[dom.find(r#"data-environment="production">"#).unwrap()..];
    assert!(
        production.contains("2 commit(s) from staging"),
        "{}",
        &production[..800.min(production.len())]
    );

    // Every chart is there, with its title and its bars.
    for id in [
        "frequency",
        "lead-time",
        "failure-rate",
        "restore",
        "risk-chart",
    ] {
        let at = dom
            .find(&format!(r#"id="{id}""#))
            .unwrap_or_else(|| panic!("no chart {id}"));
        // The id is on the chart's figure, or on the `<svg>` itself.
        let chart = &dom[at..];
        let svg = &chart[..chart.find("</svg>").unwrap()];
        assert!(svg.contains("<title"), "chart {id} has no title");
        assert!(svg.matches("<rect").count() >= 12, "chart {id}: {svg}");
    }

    // The numbers the page shows are the ones `metrics` computes.
    let metrics = metrics_json(&ledger.repo);
    let page_totals = totals(&dom);
    let json_envs = metrics["environments"].as_array().unwrap();
    assert_eq!(page_totals.len(), json_envs.len());
    for env in json_envs {
        let name = env["environment"].as_str().unwrap();
        let cells = &page_totals[name];
        for key in [
            "deployments",
            "successful",
            "deployment_frequency_per_day",
            "lead_time.median_seconds",
            "lead_time.p90_seconds",
            "change_failure_rate",
            "time_to_restore.median_seconds",
        ] {
            let want = json_text(env, key);
            let got = &cells[key];
            match (want.parse::<f64>(), got.parse::<f64>()) {
                (Ok(w), Ok(g)) => {
                    assert!((w - g).abs() < 1e-9, "{name} {key}: page {g}, metrics {w}")
                }
                _ => assert_eq!(got, &want, "{name} {key}"),
            }
        }
    }
    let production = json_envs
        .iter()
        .find(|e| e["environment"] == "production")
        .unwrap();
    assert_eq!(production["deployments"], 12);
    assert_eq!(production["failed"], 3);
    assert_eq!(production["reverted"], 1);
    // The weekly bars add up to the totals.
    let frequency = &dom[dom.find(r#"id="frequency""#).unwrap()..];
    let frequency = &frequency[..frequency.find("</svg>").unwrap()];
    let weekly: f64 = Regex::new(r#"data-value="([0-9.]+)""#)
        .unwrap()
        .captures_iter(frequency)
        .map(|c| c[1].parse::<f64>().unwrap())
        .sum();
    assert_eq!(weekly, production["successful"].as_f64().unwrap());
    // Failed and reverted releases are marked, a release without a score says so.
    assert_eq!(dom.matches(r#"data-outcome="failed""#).count(), 2 * 3);
    assert_eq!(dom.matches(r#"data-outcome="reverted""#).count(), 2);
    assert!(dom.contains(r#"<td data-key="score">unknown</td>"#));

    // Each theme draws the bars in its own colour.
    let shots = std::env::var_os("SHIPLINE_DASHBOARD_SCREENSHOTS").map(PathBuf::from);
    for (scheme, mine, other) in [
        ("light", LIGHT_BAR, DARK_BAR),
        ("dark", DARK_BAR, LIGHT_BAR),
    ] {
        let png_path = out.path().join(format!("dashboard-{scheme}.png"));
        let (width, height, rgb) = screenshot(&page, profile.path(), scheme, &png_path);
        assert_eq!((width, height), (1100, 2100));
        let bars = count(&rgb, mine);
        assert!(
            bars > 2_000,
            "{scheme}: only {bars} pixels of the bar colour"
        );
        assert_eq!(
            count(&rgb, other),
            0,
            "{scheme}: the other theme's bar colour shows"
        );
        if let Some(dir) = &shots {
            std::fs::copy(&png_path, dir.join(format!("dashboard-{scheme}.png"))).unwrap();
        }
    }
}

#[test]
fn on_github_the_risk_travels_in_the_deployment_payload_and_reaches_the_page() {
    let job = crate::helpers::GitHubJob::new("push");
    job.cmd()
        .args(["start", "--env", "production", "--version", "3.1.0"])
        .args(["--risk-score", "64", "--risk-level", "high"])
        .assert()
        .success();
    let create = job.fake.requests()[0].json().unwrap();
    assert_eq!(
        create["payload"]["shipline"]["risk"],
        serde_json::json!({"score": 64, "level": "high"})
    );
    job.cmd()
        .args(["finish", "--env", "production", "--state", "success"])
        .assert()
        .success();
    let out = tempfile::tempdir().unwrap();
    job.cmd()
        .args(["dashboard", "--out"])
        .arg(out.path())
        .assert()
        .success();
    assert_eq!(
        job.outputs()["dashboard"],
        out.path().join("index.html").display().to_string()
    );
    let html = std::fs::read_to_string(out.path().join("index.html")).unwrap();
    assert!(
        html.contains(r#"<td data-key="score">64</td><td>high</td>"#),
        "{html}"
    );
    let link = format!("https://github.com/{}/commit/{}", job.repo, job.sha());
    assert!(html.contains(&format!(r#"href="{link}""#)), "{html}");
    job.assert_conformance();
}
