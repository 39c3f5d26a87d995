//! Property tests of the parsers of untrusted configuration text: whatever the input, the
//! configuration, duration and cron parsers return a value or an error in our words; they never
//! panic, and what they accept reads back the same.

use std::path::Path;

use proptest::prelude::*;
use shipline_core::config::{Config, ConfigError, CronExpr, Duration};

use super::fixture_dir;

/// Lines of the design sketch, to build texts that are almost configurations.
fn design_lines() -> Vec<String> {
    std::fs::read_to_string(fixture_dir().join("design.yml"))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

/// Scalars that probe the edges: empty, blank, huge, negative, other types, YAML specials.
const EXTREMES: [&str; 18] = [
    "\"\"",
    "\" \"",
    "~",
    "null",
    "0",
    "-1",
    "99999999999999999999",
    "1e400",
    ".nan",
    "-.inf",
    "true",
    "[]",
    "{}",
    "0s",
    "*a",
    "&a x",
    "\"\\u0000\"",
    "!!binary AAAA",
];

fn mutated_design() -> impl Strategy<Value = String> {
    let lines = design_lines();
    let count = lines.len();
    prop::collection::vec((0..count, 0usize..5, 0..EXTREMES.len(), 0usize..4), 0..6).prop_map(
        move |edits| {
            let mut lines = lines.clone();
            for (at, kind, extreme, indent) in edits {
                if lines.is_empty() {
                    break;
                }
                let at = at % lines.len();
                match kind {
                    0 => {
                        lines.remove(at);
                    }
                    1 => {
                        let copy = lines[at].clone();
                        lines.insert(at, copy);
                    }
                    2 => {
                        if let Some((key, _)) = lines[at].split_once(": ") {
                            lines[at] = format!("{key}: {}", EXTREMES[extreme]);
                        }
                    }
                    3 => {
                        let trimmed = lines[at].trim_start().to_string();
                        lines[at] = format!("{}{trimmed}", " ".repeat(indent * 3));
                    }
                    _ => {
                        let other = (at + extreme) % lines.len();
                        lines.swap(at, other);
                    }
                }
            }
            lines.join("\n")
        },
    )
}

fn check_error(err: &ConfigError) {
    let text = err.to_string();
    assert!(
        !text.contains('\u{1f}'),
        "internal separator leaked: {text}"
    );
    for word in [
        "Option<",
        "from_str",
        "budget breached",
        "invalid type:",
        "deserialize",
    ] {
        assert!(!text.contains(word), "library text `{word}` leaked: {text}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn config_parser_never_panics_on_any_text(text in "\\PC{0,300}") {
        if let Err(err) = Config::parse(&text, Path::new(".shipline.yml")) {
            check_error(&err);
        }
    }

    #[test]
    fn config_parser_never_panics_on_near_configurations(text in mutated_design()) {
        match Config::parse_all(&text, Path::new(".shipline.yml")) {
            Ok(config) => {
                // What loads also loads again after a round trip through YAML.
                let again = serde_saphyr::to_string(&config).unwrap();
                Config::parse(&again, Path::new("again.yml")).unwrap();
            }
            Err(errors) => {
                prop_assert!(!errors.is_empty());
                errors.iter().for_each(check_error);
            }
        }
    }

    #[test]
    fn duration_parser_never_panics_and_reads_back(text in "[0-9a-z. +-]{0,24}|\\PC{0,24}") {
        if let Ok(duration) = text.parse::<Duration>() {
            prop_assert!(duration <= Duration::MAX);
            prop_assert_eq!(duration.to_string().parse::<Duration>().unwrap(), duration);
        }
    }

    #[test]
    fn cron_parser_never_panics_and_what_it_accepts_fires(
        text in "([0-9*/,LW#?-]{1,6} ){4}[0-9A-Z*/,LW#?-]{1,6}|@[a-z]{0,8}|\\PC{0,30}"
    ) {
        match CronExpr::parse(&text) {
            Ok(expr) => prop_assert_eq!(expr.as_str(), text.trim()),
            Err(reason) => {
                prop_assert!(!reason.is_empty());
                prop_assert!(!reason.contains("Component error"), "{}", reason);
                prop_assert!(!reason.contains("CronPattern"), "{}", reason);
            }
        }
    }
}
