//! The Mermaid builder with text someone else wrote: quotes, directives, `click` and `classDef`
//! statements, entities, HTML and line breaks stay inside their quoted labels, node ids come from
//! positions, and no line of a diagram is anything but the statement the builder meant.

use proptest::prelude::*;
use regex::Regex;
use shipline_core::mermaid::{BarChart, Flowchart, label};
use shipline_core::text::chart_label;

/// Names and versions written to break out of a Mermaid label.
const HOSTILE: [&str; 9] = [
    "prod\"] --> x[\"owned",
    "%%{init: {'securityLevel': 'loose'}}%%",
    "x\nclick n0 call alert(1)",
    "x\r\nclassDef evil fill:#f00;",
    "<script>alert(1)</script>",
    "#quot;#59;&amp;",
    "a|b|-->n9",
    "end",
    "v1.2.3\u{202e}kcatta",
];

/// Every line of a block, checked against the only statements the builder writes; the text of
/// each quoted label holds plain characters only (`<br/>` is the builder's own line break).
fn assert_contained(block: &str) {
    let node = Regex::new(r#"^    n[0-9]+\["([^"]*)"\]$"#).unwrap();
    let edge = Regex::new(r#"^    n[0-9]+ -->(?:\|"([^"]*)"\|)? n[0-9]+$"#).unwrap();
    let titled = Regex::new(r#"^    (?:title|y-axis) "([^"]*)"(?: 0 --> [0-9]+)?$"#).unwrap();
    let x_axis = Regex::new(r#"^    x-axis "([^"]*)" \[((?:"[^"]*"(?:, )?)*)\]$"#).unwrap();
    let bar = Regex::new(r"^    bar \[[0-9, ]*\]$").unwrap();
    let plain = Regex::new(r"^[A-Za-z0-9 ._+/-]*$").unwrap();
    let lines: Vec<&str> = block.trim_end().lines().collect();
    assert_eq!(lines.first(), Some(&"```mermaid"), "{block}");
    assert!(
        matches!(lines.get(1), Some(&"flowchart LR") | Some(&"xychart-beta")),
        "{block}"
    );
    assert_eq!(lines.last(), Some(&"```"), "{block}");
    for line in &lines[2..lines.len() - 1] {
        let quoted: Vec<String> = if let Some(c) = node.captures(line) {
            vec![c[1].to_string()]
        } else if let Some(c) = edge.captures(line) {
            c.get(1)
                .map(|m| m.as_str().to_string())
                .into_iter()
                .collect()
        } else if let Some(c) = titled.captures(line) {
            vec![c[1].to_string()]
        } else if let Some(c) = x_axis.captures(line) {
            let mut all = vec![c[1].to_string()];
            all.extend(
                c[2].split(", ")
                    .filter(|s| !s.is_empty())
                    .map(|s| s.trim_matches('"').to_string()),
            );
            all
        } else if bar.is_match(line) {
            Vec::new()
        } else {
            panic!("a line the builder does not write: {line:?}\n{block}");
        };
        for text in quoted {
            for part in text.split("<br/>") {
                assert!(plain.is_match(part), "{part:?} in {line:?}");
            }
        }
    }
}

#[test]
fn hostile_labels_stay_plain_text() {
    assert_eq!(
        chart_label("prod\"] --> x[\"owned", 32),
        "prod__ --_ x__owned"
    );
    assert_eq!(chart_label("%%{init}%%", 32), "___init___");
    assert_eq!(
        chart_label("x\nclick n0 call alert(1)", 32),
        "x_click n0 call alert_1_"
    );
    assert_eq!(
        chart_label("<script>alert(1)</script>", 32),
        "_script_alert_1__/script_"
    );
    assert_eq!(chart_label("#quot;", 32), "_quot_");
    // Spoofing characters go, they do not become a visible `_`.
    assert_eq!(chart_label("v1\u{202e}2", 32), "v12");
    assert_eq!(
        chart_label("release-candidate-2026.12.06", 10),
        "2026.12.06"
    );
    assert_eq!(label(&["a\"b", "", "c%%d"]), "\"a_b<br/>c__d\"");
}

#[test]
fn hostile_names_cannot_add_statements_or_ids() {
    let mut chart = Flowchart::new();
    let ids: Vec<usize> = HOSTILE
        .iter()
        .map(|name| chart.node(&[name, name]))
        .collect();
    for pair in ids.windows(2) {
        chart.edge(pair[0], pair[1], Some(HOSTILE[pair[1]]));
    }
    let block = chart.block().unwrap();
    assert_contained(&block);
    assert_eq!(
        block.trim_end().lines().count(),
        3 + HOSTILE.len() * 2 - 1,
        "{block}"
    );
    assert!(
        !block.contains("%%") && !block.contains("click n0\n"),
        "{block}"
    );
    assert!(block.contains("    n7[\"end<br/>end\"]"), "{block}");

    let chart = BarChart {
        title: HOSTILE[1].into(),
        x_title: HOSTILE[2].into(),
        y_title: HOSTILE[0].into(),
        bars: HOSTILE.iter().map(|h| (h.to_string(), 3)).collect(),
    };
    let block = chart.block().unwrap();
    assert_contained(&block);
    assert_eq!(block.trim_end().lines().count(), 7, "{block}");
}

/// Text with what Mermaid reads as syntax much more often than chance would give it.
fn hostile() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "\\PC{0,6}",
        "[\"'`%#;:&<>|\\[\\](){}\\\\]{1,4}",
        "[\\x00-\\x1f\\x7f\\u{2028}\\u{2029}\\u{85}]{1,3}",
        Just("%%{init}%%".to_string()),
        Just("click".to_string()),
        Just("classDef".to_string()),
        Just("-->".to_string()),
        Just("<br/>".to_string()),
        " ",
    ];
    proptest::collection::vec(piece, 0..10).prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn no_line_of_a_label_breaks_out_of_its_quotes(
        names in proptest::collection::vec(hostile(), 1..5),
        edge in hostile(),
        title in hostile(),
    ) {
        let mut chart = Flowchart::new();
        for name in &names {
            chart.node(&[name, &edge]);
        }
        chart.edge(0, names.len() - 1, Some(&edge));
        let block = chart.block().unwrap();
        assert_contained(&block);
        prop_assert_eq!(block.trim_end().lines().count(), 3 + names.len() + 1);

        let chart = BarChart {
            title: title.clone(),
            x_title: edge.clone(),
            y_title: title,
            bars: names.iter().map(|n| (n.clone(), 1)).collect(),
        };
        let block = chart.block().unwrap();
        assert_contained(&block);
        prop_assert_eq!(block.trim_end().lines().count(), 7);
    }
}
