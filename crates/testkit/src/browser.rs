//! Headless Chromium for the tests that need a real browser: the status dashboard, and the
//! Mermaid diagrams the summaries carry, drawn by the real `mermaid` library the way GitHub and
//! GitLab draw them.
//!
//! Chromium is `SHIPLINE_CHROMIUM`, else `chromium` on PATH. Each run gets a fresh profile and
//! no network of its own (no updates, sync or background requests); pages load from disk.
//!
//! Require-or-skip: without Chromium, or (for Mermaid) without `SHIPLINE_NODE_MODULES` pointing
//! at a `node_modules` that holds `mermaid`, [`render_mermaid`] says why and returns `None` so
//! the test can return early; with `SHIPLINE_REQUIRE_CHROMIUM=1` (as `.ci/run` sets it) a
//! missing piece fails the test instead.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The Chromium to drive, with the flags every headless run here needs; add
/// `--user-data-dir` (a fresh directory) and what to do.
pub fn chromium() -> Command {
    let mut cmd = Command::new(program());
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ]);
    cmd
}

fn program() -> std::ffi::OsString {
    std::env::var_os("SHIPLINE_CHROMIUM").unwrap_or_else(|| "chromium".into())
}

/// Whether Chromium runs here.
pub fn available() -> bool {
    Command::new(program())
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Whether a missing browser or package must fail the test (`SHIPLINE_REQUIRE_CHROMIUM=1`).
pub fn required() -> bool {
    std::env::var("SHIPLINE_REQUIRE_CHROMIUM").as_deref() == Ok("1")
}

/// A `file://` URL for a local file.
pub fn file_url(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// Loads `page` with the profile `profile` and returns the DOM after loading (given
/// `extra` flags, such as `--virtual-time-budget=...`), and the console messages Chromium
/// logged. Panics when Chromium fails.
pub fn dump_dom(page: &Path, profile: &Path, extra: &[&str]) -> (String, Vec<String>) {
    let out = chromium()
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(["--enable-logging=stderr", "--v=0", "--dump-dom"])
        .args(extra)
        .arg(file_url(page))
        .output()
        .expect("run chromium");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let console = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| l.contains("CONSOLE") || l.contains("Uncaught") || l.contains("net::ERR"))
        .map(str::to_string)
        .collect();
    (String::from_utf8_lossy(&out.stdout).into_owned(), console)
}

/// What Mermaid made of one diagram.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// `mermaid.render` resolved.
    pub ok: bool,
    /// The SVG when it did, the error message when it did not.
    pub output: String,
}

/// The `mermaid/dist/mermaid.min.js` browser bundle under `SHIPLINE_NODE_MODULES`, if there.
fn mermaid_bundle() -> Result<PathBuf, String> {
    let modules = std::env::var_os("SHIPLINE_NODE_MODULES").ok_or(
        "SHIPLINE_NODE_MODULES is not set: point it at a node_modules holding mermaid@11 (.ci/run does)",
    )?;
    let bundle = PathBuf::from(modules).join("mermaid/dist/mermaid.min.js");
    if bundle.is_file() {
        Ok(bundle)
    } else {
        Err(format!(
            "{} is missing: npm install mermaid@11.17.2 into SHIPLINE_NODE_MODULES",
            bundle.display()
        ))
    }
}

/// Draws each Mermaid text with the real `mermaid` browser bundle in headless Chromium: a page
/// next to the texts loads `mermaid.min.js` from `SHIPLINE_NODE_MODULES` (nothing is fetched),
/// `mermaid.render`s each one in turn and writes the SVG or the error into the DOM, read back
/// with `--dump-dom`. One result per text, in order.
///
/// `None` (after saying why on stderr) when Chromium or the bundle is missing; panics instead
/// when `SHIPLINE_REQUIRE_CHROMIUM=1`.
pub fn render_mermaid(texts: &[String]) -> Option<Vec<Rendered>> {
    let missing = match mermaid_bundle() {
        Err(why) => Some(why),
        Ok(_) if !available() => Some(
            "headless Chromium is not installed: apt-get install chromium, or set SHIPLINE_CHROMIUM"
                .to_string(),
        ),
        Ok(_) => None,
    };
    if let Some(why) = missing {
        assert!(!required(), "SHIPLINE_REQUIRE_CHROMIUM=1 but {why}");
        eprintln!("skipped: {why}");
        return None;
    }
    let bundle = mermaid_bundle().ok()?;
    let dir = tempfile::tempdir().expect("temp dir for the page");
    // `<` as an escape, so no text can close the script element it sits in.
    let data = serde_json::to_string(texts)
        .expect("texts serialize")
        .replace('<', "\\u003c");
    let page = format!(
        r#"<!doctype html>
<html><head><meta charset="utf-8"></head><body><main id="out"></main>
<script src="{bundle}"></script>
<script>
const texts = {data};
(async () => {{
  const out = document.getElementById("out");
  try {{
    mermaid.initialize({{ startOnLoad: false, securityLevel: "strict" }});
  }} catch (err) {{
    out.dataset.error = String(err);
  }}
  for (let i = 0; i < texts.length; i++) {{
    const result = document.createElement("section");
    result.className = "mermaid-result";
    try {{
      const {{ svg }} = await mermaid.render("diagram" + i, texts[i]);
      result.dataset.ok = "true";
      result.innerHTML = svg;
    }} catch (err) {{
      result.dataset.ok = "false";
      result.textContent = String((err && err.message) || err);
    }}
    out.appendChild(result);
  }}
  out.dataset.done = String(texts.length);
}})();
</script></body></html>
"#,
        bundle = file_url(&bundle),
    );
    let path = dir.path().join("mermaid.html");
    std::fs::write(&path, page).expect("write the page");
    let profile = tempfile::tempdir().expect("temp dir for the profile");
    let (dom, console) = dump_dom(
        &path,
        profile.path(),
        &[
            "--allow-file-access-from-files",
            "--virtual-time-budget=30000",
        ],
    );
    assert!(
        dom.contains(&format!("data-done=\"{}\"", texts.len())),
        "the page did not finish drawing; console: {console:#?}\n{}",
        &dom[..dom.len().min(2000)]
    );
    let marker = "<section class=\"mermaid-result\" data-ok=\"";
    let results: Vec<Rendered> = dom
        .split(marker)
        .skip(1)
        .map(|rest| {
            let ok = rest.starts_with("true");
            let body = rest.split_once("\">").map_or("", |(_, b)| b);
            let body = body.rsplit_once("</section>").map_or(body, |(b, _)| b);
            Rendered {
                ok,
                output: body.to_string(),
            }
        })
        .collect();
    assert_eq!(results.len(), texts.len(), "{dom}");
    Some(results)
}
