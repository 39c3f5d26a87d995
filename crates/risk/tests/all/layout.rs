//! The Markdown summary's layout on releases of real sizes: trimming keeps every
//! section and says what it cut, the top fits one screen and names each change once, the release
//! is ranked among past releases in words a release manager reads, and the chart of past releases
//! is well-formed Mermaid.

use shipline_testkit::fixtures::{GitHubEnv, webhook};
use shipline_testkit::repo::TestRepo;

use crate::helpers::{json_report, lines, risk, risk_with};

/// GitHub's limit on a comment body.
const COMMENT_LIMIT: usize = 65_536;

/// Lines a reader may see before the first folded section.
const TOP_LINES: usize = 25;

/// A Cargo.lock of `packages` registry packages, each at `{major}.0.0`.
fn cargo_lock(packages: usize, major: usize) -> String {
    let mut text = String::from("version = 4\n");
    for i in 0..packages {
        text.push_str(&format!(
            "\n[[package]]\nname = \"crate-{i}\"\nversion = \"{major}.0.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n"
        ));
    }
    text
}

/// One change of `size` lines in `dir`, with a long subject so that a few hundred of them do not
/// fit one comment.
fn change(repo: &TestRepo, n: usize, dir: &str, size: usize) {
    repo.commit(&format!(
        "feat: change {n} reworks the widget pipeline so that every stage reports its own progress and failures to the caller"
    ))
    .file(
        format!("{dir}/m{n}.rs"),
        lines("pub fn f() {}\n", 5 + size),
    )
    .create();
}

/// Six past releases of ten changes each, then a release of `size` changes spread over two
/// crates and the docs, with a lockfile moving 40 dependencies across a major and a breaking
/// change: the shape of a large real release.
fn large_release(size: usize) -> TestRepo {
    let repo = TestRepo::new();
    repo.commit("chore: lockfile")
        .file("Cargo.lock", cargo_lock(40, 1))
        .create();
    let mut n = 0;
    for minor in 0..6 {
        for _ in 0..10 {
            n += 1;
            change(&repo, n, "crates/core/src", (n * 37) % 90);
        }
        repo.tag(&format!("v1.{minor}.0"));
    }
    repo.commit("build(deps): move every dependency to 2.0")
        .file("Cargo.lock", cargo_lock(40, 2))
        .create();
    repo.commit("feat!: drop the old widget format")
        .file("crates/core/src/format.rs", lines("pub fn g() {}\n", 30))
        .create();
    for i in 0..size.saturating_sub(2) {
        n += 1;
        let (dir, lines) = match i % 4 {
            0 | 1 => ("crates/core/src", 40 + (n * 37) % 200),
            2 => ("crates/cli/src", 5 + (n * 13) % 20),
            _ => ("docs", 5),
        };
        change(&repo, n, dir, lines);
    }
    repo
}

fn markdown(repo: &TestRepo, base: &str) -> String {
    let out = risk(repo.path())
        .args(["--base", base])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).expect("UTF-8 Markdown")
}

/// Everything before the first `<details>`.
fn top(md: &str) -> &str {
    &md[..md.find("<details>").expect("a folded section")]
}

/// Regression: trimming to the comment limit dropped the dependency and direct-push
/// sections, and the top-risk line named 5 of 11 majors without saying so.
#[test]
fn a_300_change_release_keeps_every_section_within_one_comment() {
    let repo = large_release(300);
    let md = markdown(&repo, "v1.5.0");
    assert!(md.len() <= COMMENT_LIMIT, "{} bytes", md.len());
    for header in [
        "<summary>Against the last 5 releases (chart)</summary>",
        "<summary>Changes by type (300)</summary>",
        "<summary>Risk per change (300)</summary>",
        "<summary>Dependencies (40)</summary>",
    ] {
        assert!(md.contains(header), "{header} is missing:\n{md}");
    }
    // Without a forge no change is said to have come without a PR/MR.
    assert!(!md.contains("Direct pushes"), "{md}");
    assert!(md.contains("Trimmed to stay under"), "the trim is said");
    // Each cut list says so before its first entry: right under its heading.
    let lines: Vec<&str> = md.lines().collect();
    let cuts: Vec<usize> = (0..lines.len())
        .filter(|i| lines[*i].contains("_… and "))
        .collect();
    assert!(cuts.len() >= 2, "the long lists are cut:\n{md}");
    for i in cuts {
        let heading = lines[..i]
            .iter()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap();
        assert!(
            heading.starts_with("**")
                || heading.starts_with("|---")
                || heading.starts_with("<details>"),
            "\"… and N more\" comes first in its list, not after {heading:?}"
        );
    }
    // A cut sentence says how much is left out.
    assert!(
        md.contains("40 dependencies cross a major version:") && md.contains("and 35 more"),
        "{}",
        top(&md)
    );
    // The JSON keeps everything.
    let out = risk(repo.path())
        .args(["--base", "v1.5.0", "--format", "json"])
        .assert()
        .success();
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(json["changes"].as_array().unwrap().len(), 300);
    assert_eq!(json["dependencies"].as_array().unwrap().len(), 40);
}

/// Regression: the top of a large release ran past one screen, listed the riskiest
/// change twice and gave "a stretch of 337 change(s) here has 134.1 on average".
#[test]
fn the_top_of_a_300_change_release_is_readable_in_one_pass() {
    let repo = large_release(300);
    let md = markdown(&repo, "v1.5.0");
    let top = top(&md);
    assert!(
        top.lines().count() <= TOP_LINES,
        "{} lines before the first <details>:\n{top}",
        top.lines().count()
    );
    // No change named twice on top.
    let shas: Vec<&str> = top
        .lines()
        .filter_map(|l| l.strip_prefix("- `"))
        .filter_map(|l| l.split('`').next())
        .collect();
    let mut unique = shas.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(shas.len(), unique.len(), "{top}");
    assert_eq!(shas.len(), 3, "the three riskiest changes: {top}");
    assert!(!top.contains("riskiest change"), "{top}");
    assert!(!top.contains("on average"), "{top}");
    assert!(top.contains("- ⚠️ **1 change marked breaking**"), "{top}");
    // Ranked among the past releases, in words.
    assert!(
        top.contains("of the 5 past releases in the last") || top.contains("all 5 past releases"),
        "{top}"
    );
    // Where the risk is: the crate with most of the code.
    let areas = top
        .lines()
        .find(|l| l.starts_with("| Risk areas |"))
        .unwrap_or_else(|| panic!("no risk areas:\n{top}"));
    assert!(
        areas.starts_with("| Risk areas | `crates/core/` "),
        "{areas}"
    );
    for line in top.lines() {
        let line = line.trim_end();
        assert!(
            !line.ends_with(':') || line.starts_with("**"),
            "dangling punctuation: {line:?}"
        );
    }
}

/// Regression: the full lists belong in the step summary, which holds 1 MiB.
#[test]
fn the_step_summary_has_the_full_lists() {
    let repo = large_release(300);
    let payload = webhook("push");
    let mut env = GitHubEnv::for_event("push", &payload);
    env.set("GITHUB_SHA", &repo.head())
        .set("GITHUB_WORKSPACE", &repo.path().to_string_lossy())
        .remove("GITHUB_TOKEN");
    let out = risk_with(repo.path(), env.vars())
        .args(["--base", "v1.5.0"])
        .assert()
        .success();
    let comment = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(comment.contains("… and "), "the comment is cut");
    let summary = std::fs::read_to_string(env.summary_file()).expect("step summary written");
    assert!(summary.len() > COMMENT_LIMIT && summary.len() <= 1 << 20);
    assert!(!summary.contains("… and "), "nothing cut in the summary");
    assert!(!summary.contains("Trimmed"));
    assert_eq!(summary.matches("\n| `").count(), 300, "every change scored");
}

/// Regression: with too few past releases the summary still gave a percentage of
/// "this repository's releases".
#[test]
fn too_few_past_releases_are_said_instead_of_a_percentage() {
    let repo = TestRepo::new();
    for n in 0..30 {
        change(&repo, n, "src", (n * 37) % 90);
        if n == 9 || n == 19 {
            repo.tag(&format!("v1.{n}.0"));
        }
    }
    let md = markdown(&repo, "v1.19.0");
    let risk_row = md
        .lines()
        .find(|l| l.starts_with("| Risk |"))
        .expect("risk row");
    assert!(
        risk_row.contains("too few past releases here to rank it against (1 in the last"),
        "{risk_row}"
    );
    assert!(
        !risk_row.contains("past releases in the last"),
        "{risk_row}"
    );
    assert!(!md.contains("```mermaid"), "no chart without past releases");
}

/// Regression: a top change with no reasons ended in a dangling colon.
#[test]
fn a_change_with_no_reasons_ends_without_a_colon() {
    let repo = TestRepo::new();
    repo.commit("chore: start").create();
    repo.commit("chore: again").create();
    let md = risk(repo.path()).assert().success();
    let md = String::from_utf8(md.get_output().stdout.clone()).unwrap();
    let listed: Vec<&str> = top(&md).lines().filter(|l| l.starts_with("- `")).collect();
    assert_eq!(listed.len(), 2, "{md}");
    for line in listed {
        assert!(line.ends_with("(low)") || line.ends_with(')'), "{line:?}");
        assert!(!line.trim_end().ends_with(':'), "{line:?}");
    }
}

/// Regression (top risk areas): the summary did not say where a release's risk is.
#[test]
fn risk_areas_name_the_directories_carrying_the_risk() {
    let repo = TestRepo::new();
    repo.commit("feat: start")
        .file("README.md", "# w\n")
        .create();
    repo.tag("v1.0.0");
    for n in 0..6 {
        change(&repo, n, "crates/core/src", 150);
    }
    change(&repo, 10, "crates/cli/src", 3);
    repo.commit("docs: explain everything")
        .file("docs/guide.md", lines("Words.\n", 300))
        .create();
    let json = json_report(repo.path());
    let areas = json["areas"].as_array().expect("areas");
    assert_eq!(areas[0]["path"], "crates/core/", "{areas:?}");
    assert!(areas[0]["share"].as_f64().unwrap() > 50.0, "{areas:?}");
    let shares: f64 = areas.iter().map(|a| a["share"].as_f64().unwrap()).sum();
    assert!((shares - 100.0).abs() < 0.5, "shares add up: {areas:?}");
}

/// The chart of past releases against this one: present with enough history, at most 12 past
/// releases, every series as long as its axis, in the strict `xychart-beta` form checked here.
#[test]
fn the_release_chart_is_well_formed_xychart() {
    let md = markdown(&fifteen_releases(), "v1.14.0");
    assert!(
        md.contains("<summary>Against the last 12 releases (chart)</summary>"),
        "{md}"
    );
    let charts = mermaid_blocks(&md);
    assert_eq!(charts.len(), 2, "score and size");
    for chart in &charts {
        check_xychart(chart).unwrap_or_else(|e| panic!("{e}:\n{chart}"));
        assert!(chart.contains("\"v1.14.0\", \"this release\"]"), "{chart}");
        assert!(!chart.contains("\"v1.1.0\""), "only the last 12: {chart}");
    }
}

/// Fifteen releases of four changes each, then four more changes.
fn fifteen_releases() -> TestRepo {
    let repo = TestRepo::new();
    let mut n = 0;
    for minor in 0..15 {
        for _ in 0..4 {
            n += 1;
            change(&repo, n, "src", (n * 37) % 90);
        }
        repo.tag(&format!("v1.{minor}.0"));
    }
    for _ in 0..4 {
        n += 1;
        change(&repo, n, "src", 50);
    }
    repo
}

/// The chart parsed by the real `mermaid` library (`scripts/mermaid-parse.mjs`, under Node with
/// jsdom standing in for the browser), with a broken chart beside it to show the check can fail.
/// `.ci/run` installs the packages and runs this test with `SHIPLINE_NODE_MODULES` set.
#[test]
#[ignore = "needs Node and the mermaid and jsdom npm packages: set SHIPLINE_NODE_MODULES to their node_modules (.ci/run does)"]
fn the_release_chart_parses_with_mermaid() {
    let modules = std::env::var("SHIPLINE_NODE_MODULES")
        .expect("SHIPLINE_NODE_MODULES: the node_modules directory holding mermaid and jsdom");
    let md = markdown(&fifteen_releases(), "v1.14.0");
    let charts = mermaid_blocks(&md);
    assert_eq!(charts.len(), 2, "{md}");
    let dir = tempfile::tempdir().unwrap();
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/mermaid-parse.mjs");
    let parse = |files: &[std::path::PathBuf]| {
        std::process::Command::new("node")
            .arg(&script)
            .arg(&modules)
            .args(files)
            .output()
            .expect("node runs")
    };
    let files: Vec<std::path::PathBuf> = charts
        .iter()
        .enumerate()
        .map(|(i, chart)| {
            let path = dir.path().join(format!("chart{i}.mmd"));
            std::fs::write(&path, chart).unwrap();
            path
        })
        .collect();
    let out = parse(&files);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("2 diagram(s), 0 failed"), "{said}");
    let broken = dir.path().join("broken.mmd");
    std::fs::write(
        &broken,
        charts[0].replace("\"this release\"", "\"this \"release\""),
    )
    .unwrap();
    assert!(
        !parse(&[broken]).status.success(),
        "a quote inside a label must fail"
    );
}

/// The charts drawn by the real `mermaid` browser bundle in headless Chromium
/// (`shipline_testkit::browser`), with a broken chart beside them to show the check can fail.
/// `.ci/run` runs this with `SHIPLINE_NODE_MODULES` set and Chromium required.
#[test]
#[ignore = "needs headless Chromium and the mermaid npm package: set SHIPLINE_NODE_MODULES (.ci/run does)"]
fn the_release_chart_renders_with_mermaid() {
    let md = markdown(&fifteen_releases(), "v1.14.0");
    let mut charts = mermaid_blocks(&md);
    assert_eq!(charts.len(), 2, "{md}");
    charts.push(charts[0].replace("\"this release\"", "\"this \"release\""));
    let Some(drawn) = shipline_testkit::browser::render_mermaid(&charts) else {
        return;
    };
    let (broken, drawn) = drawn.split_last().unwrap();
    assert!(!broken.ok, "a quote inside a label must fail");
    for (chart, result) in charts.iter().zip(drawn) {
        assert!(result.ok, "{chart}\n{}", result.output);
        assert!(result.output.starts_with("<svg"), "{}", result.output);
        assert!(result.output.contains("this release"), "{}", result.output);
    }
    assert!(
        drawn[0].output.contains("Risk score"),
        "{}",
        drawn[0].output
    );
}

/// The Mermaid blocks of a Markdown text.
pub fn mermaid_blocks(md: &str) -> Vec<String> {
    md.split("```mermaid\n")
        .skip(1)
        .filter_map(|rest| rest.split_once("```").map(|(block, _)| block.to_string()))
        .collect()
}

/// A strict check of the `xychart-beta` subset the summary writes, after Mermaid's grammar
/// (`packages/mermaid/src/diagrams/xychart/parser/xychart.jison`): the header line, then a title,
/// an x axis of quoted categories, a y axis with an optional range, and one bar series with as
/// many numbers as categories. Quoted text may hold no `"` (the grammar has no escape), no `%%`
/// (a directive) and no `#…;` (an entity).
pub fn check_xychart(chart: &str) -> Result<(), String> {
    fn quoted(text: &str) -> Result<(&str, &str), String> {
        let rest = text
            .strip_prefix('"')
            .ok_or_else(|| format!("expected a quoted string at {text:?}"))?;
        let (inner, after) = rest
            .split_once('"')
            .ok_or_else(|| format!("unclosed quote in {text:?}"))?;
        if inner.contains("%%") || inner.contains('#') || inner.contains('\n') {
            return Err(format!("unsafe text in a label: {inner:?}"));
        }
        Ok((inner, after))
    }
    fn number(text: &str) -> Result<f64, String> {
        let text = text.trim();
        let ok = !text.is_empty()
            && text
                .chars()
                .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
            && text.parse::<f64>().is_ok();
        if ok {
            text.parse().map_err(|_| text.to_string())
        } else {
            Err(format!("not a number: {text:?}"))
        }
    }
    let mut lines = chart.lines();
    if lines.next() != Some("xychart-beta") {
        return Err("the first line must be `xychart-beta`".into());
    }
    let mut categories = None;
    let mut bars = None;
    for line in lines {
        let line = line
            .strip_prefix("    ")
            .ok_or_else(|| format!("statement not indented: {line:?}"))?;
        if let Some(rest) = line.strip_prefix("title ") {
            let (_, after) = quoted(rest)?;
            if !after.is_empty() {
                return Err(format!("text after the title: {after:?}"));
            }
        } else if let Some(rest) = line.strip_prefix("x-axis [") {
            let inner = rest
                .strip_suffix(']')
                .ok_or_else(|| format!("x-axis not closed: {line:?}"))?;
            let mut count = 0;
            let mut rest = inner;
            loop {
                let (_, after) = quoted(rest)?;
                count += 1;
                if after.is_empty() {
                    break;
                }
                rest = after
                    .strip_prefix(", ")
                    .ok_or_else(|| format!("expected `, ` between categories at {after:?}"))?;
            }
            categories = Some(count);
        } else if let Some(rest) = line.strip_prefix("y-axis ") {
            let (_, after) = quoted(rest)?;
            if !after.is_empty() {
                let range = after
                    .strip_prefix(' ')
                    .ok_or_else(|| format!("bad y-axis: {line:?}"))?;
                let (low, high) = range
                    .split_once(" --> ")
                    .ok_or_else(|| format!("bad y-axis range: {range:?}"))?;
                if number(low)? >= number(high)? {
                    return Err(format!("empty y-axis range: {range:?}"));
                }
            }
        } else if let Some(rest) = line.strip_prefix("bar [") {
            let inner = rest
                .strip_suffix(']')
                .ok_or_else(|| format!("bar not closed: {line:?}"))?;
            let values: Result<Vec<f64>, String> = inner.split(", ").map(number).collect();
            bars = Some(values?.len());
        } else {
            return Err(format!("unexpected statement: {line:?}"));
        }
    }
    match (categories, bars) {
        (Some(c), Some(b)) if c == b => Ok(()),
        (c, b) => Err(format!("{c:?} categories against {b:?} bars")),
    }
}
