//! The committed JSON Schema and the documentation stay true to the code: the schema file matches
//! what the types generate, and the schema and the parser both accept every example in
//! `docs/configuration.md`.

use super::{fixture_dir, parse, repo_root};

const UPDATE_SCHEMA: &str = "SHIPLINE_UPDATE_SCHEMA";

#[test]
fn matches_the_committed_copy() {
    let path = repo_root().join("docs/shipline.schema.json");
    let generated = shipline_core::config::schema_json();
    if std::env::var_os(UPDATE_SCHEMA).is_some() {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/shipline.schema.json is out of date with the config types; regenerate it with\n  \
         {UPDATE_SCHEMA}=1 cargo test -p shipline-core --test all config::schema\nand commit it"
    );
}

fn validator() -> jsonschema::Validator {
    let schema = serde_json::to_value(shipline_core::config::schema()).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

fn yaml_to_json(text: &str) -> serde_json::Value {
    serde_saphyr::from_str(text).unwrap()
}

fn doc_examples() -> Vec<String> {
    let doc = std::fs::read_to_string(repo_root().join("docs/configuration.md")).unwrap();
    let mut examples = Vec::new();
    let mut current: Option<String> = None;
    for line in doc.lines() {
        match (&mut current, line.trim_end()) {
            (None, "```yaml") => current = Some(String::new()),
            (Some(_), "```") => examples.extend(current.take()),
            (Some(block), line) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    examples
}

#[test]
fn accepts_the_examples_and_rejects_misspelt_keys() {
    let validator = validator();
    let mut examples = doc_examples();
    assert!(
        examples.len() >= 3,
        "docs/configuration.md should hold yaml examples"
    );
    examples.push(std::fs::read_to_string(fixture_dir().join("design.yml")).unwrap());
    for example in &examples {
        let value = yaml_to_json(example);
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{errors:?}\n{example}");
    }
    for broken in [
        "unknown_key.yml",
        "bad_duration.yml",
        "unknown_risk_level.yml",
        "two_health_kinds.yml",
    ] {
        let text = std::fs::read_to_string(fixture_dir().join("broken").join(broken)).unwrap();
        let value = yaml_to_json(&text);
        assert!(!validator.is_valid(&value), "{broken}");
    }
}

#[test]
fn documentation_examples_parse() {
    for example in doc_examples() {
        parse(&example).unwrap_or_else(|err| panic!("{err}\n{example}"));
    }
}
