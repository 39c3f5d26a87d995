//! Comments, doc comments, blank lines and whitespace-only edits are not code: a change that
//! only rewrites `///` examples once scored above a real fix, "changes 116 line(s) of code".

use serde_json::Value;
use shipline_testkit::repo::TestRepo;

use crate::helpers::{change, reason, risk};

fn code_fn(n: usize, indent: &str) -> String {
    (0..n)
        .map(|i| format!("{indent}pub fn f{i}() -> u32 {{ {i} }}\n"))
        .collect()
}

#[test]
fn comment_only_changes_are_not_code_in_any_lexed_language() {
    let repo = TestRepo::new();
    let rust = code_fn(20, "");
    let python: String = (0..20)
        .map(|i| format!("def f{i}():\n    return {i}\n"))
        .collect();
    let js: String = (0..20)
        .map(|i| format!("export const f{i} = () => {i};\n"))
        .collect();
    repo.commit("Initial import")
        .file("src/lib.rs", &rust)
        .file("app/main.py", &python)
        .file("web/index.js", &js)
        .file("tests/it.rs", "#[test]\nfn t() {}\n")
        .create();
    repo.tag("v1.0.0");

    let docs: String = (0..58).map(|i| format!("/// Example {i}:\n")).collect();
    repo.commit("docs: examples in the API docs")
        .file("src/lib.rs", format!("//! The crate.\n{docs}\n{rust}"))
        .create();
    let docstring = format!("\"\"\"The module.\n\nMore words.\n\"\"\"\n# a note\n\n{python}");
    repo.commit("docs: module docstring")
        .file("app/main.py", &docstring)
        .create();
    repo.commit("docs: block comment")
        .file(
            "web/index.js",
            format!("/*\n * Licence\n * text\n */\n{js}"),
        )
        .create();
    repo.commit("style: indent")
        .file(
            "src/lib.rs",
            format!("//! The crate.\n{docs}\n{}", code_fn(20, "    ")),
        )
        .create();
    repo.commit("fix: off by one")
        .file(
            "src/lib.rs",
            format!(
                "//! The crate.\n{docs}\n{}pub fn g() -> u32 {{ 1 }}\npub fn h() -> u32 {{ 2 }}\n",
                code_fn(20, "    ")
            ),
        )
        .create();

    let out = risk(repo.path())
        .args(["--base", "v1.0.0", "--format", "json"])
        .assert()
        .success();
    let json: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    for title in [
        "examples in the API docs",
        "module docstring",
        "block comment",
        "indent",
    ] {
        let c = change(&json, title);
        assert_eq!(reason(c, "code_size"), None, "{title}: {c}");
        assert!(
            reason(c, "non_code_size").is_some_and(|m| m.contains("docs, comments, tests")),
            "{title}: {c}"
        );
    }
    let fix = change(&json, "off by one");
    assert_eq!(
        reason(fix, "code_size"),
        Some("changes 2 line(s) of code (+2 −0) in 1 file(s)"),
        "{fix}"
    );
    let docs = change(&json, "examples in the API docs");
    assert!(
        fix["score"].as_f64() > docs["score"].as_f64(),
        "a real fix outranks doc comments: {json}"
    );

    // The second run reads the changed lines from the cache and says the same.
    let again = risk(repo.path())
        .args(["--base", "v1.0.0", "--format", "json"])
        .assert()
        .success();
    assert_eq!(out.get_output().stdout, again.get_output().stdout);
}

// Regression: a line edited deep inside a long docstring or block comment, its opening far above
// the hunk, was counted as code ("changes 2 line(s) of code"): the hunk alone cannot tell.
#[test]
fn an_edit_deep_inside_a_long_comment_is_not_code() {
    let repo = TestRepo::new();
    let prose = |word: &str| -> String {
        (0..30)
            .map(|i| format!("    {word} sentence {i} of the long explanation.\n"))
            .collect()
    };
    let python = |word: &str| {
        format!(
            "def f():\n    \"\"\"\n{}    \"\"\"\n    return 1\n",
            prose(word)
        )
    };
    let js = |word: &str| format!("/*\n{}*/\nexport const f = () => 1;\n", prose(word));
    let rust = |word: &str| format!("/*\n{}*/\npub fn f() -> u32 {{ 1 }}\n", prose(word));
    repo.commit("Initial import")
        .file("app/main.py", python("One"))
        .file("web/index.js", js("One"))
        .file("src/lib.rs", rust("One"))
        .create();
    repo.tag("v1.0.0");
    let edit = |text: String| text.replacen("sentence 20 ", "sentence twenty ", 1);
    repo.commit("docs: docstring wording")
        .file("app/main.py", edit(python("One")))
        .create();
    repo.commit("docs: block comment wording")
        .file("web/index.js", edit(js("One")))
        .file("src/lib.rs", edit(rust("One")))
        .create();
    repo.commit("fix: return two")
        .file(
            "app/main.py",
            edit(python("One")).replace("return 1", "return 2"),
        )
        .create();

    let json: Value = serde_json::from_slice(
        &risk(repo.path())
            .args(["--base", "v1.0.0", "--format", "json"])
            .assert()
            .success()
            .get_output()
            .stdout,
    )
    .unwrap();
    for title in ["docstring wording", "block comment wording"] {
        let c = change(&json, title);
        assert_eq!(reason(c, "code_size"), None, "{title}: {c}");
    }
    assert_eq!(
        reason(change(&json, "return two"), "code_size"),
        Some("changes 2 line(s) of code (+1 −1) in 1 file(s)")
    );
}
