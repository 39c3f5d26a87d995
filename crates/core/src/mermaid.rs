//! Mermaid diagrams for the summaries the forges render: a `flowchart` of environments and an
//! `xychart-beta` bar chart, the two kinds GitHub and GitLab draw from a ```` ```mermaid ````
//! block.
//!
//! Why a builder instead of `format!`: Mermaid's grammar has no escapes, and a name, a version
//! or a commit subject is text someone else wrote. A quote would end a label, `%%{init}%%` would
//! reconfigure the renderer, `click` or `classDef` on a line of its own would add behaviour, and
//! a line break would start a new statement. So node ids come from an index (`n0`, `n1`, ...),
//! never from a name, and every label goes through [`text::chart_label`] inside double quotes:
//! whatever the input, each statement stays on one line and its labels stay labels.
//!
//! Logs and terminals do not render Mermaid: callers add these blocks only to what a forge
//! renders (the job summary or report), never to local or log output.

use std::fmt::Write as _;

use crate::text;

/// The longest label kept, in characters; longer ones keep their end ([`text::chart_label`]).
pub const LABEL_MAX: usize = 32;

/// The longest chart title kept, in characters.
pub const TITLE_MAX: usize = 80;

/// A label quoted for Mermaid: [`text::chart_label`] of each line, joined with `<br/>`.
pub fn label(lines: &[&str]) -> String {
    let lines: Vec<String> = lines
        .iter()
        .filter(|l| !l.is_empty())
        .map(|l| text::chart_label(l, LABEL_MAX))
        .collect();
    format!("\"{}\"", lines.join("<br/>"))
}

/// A left-to-right `flowchart`: boxes with labels and arrows between them, some labelled.
#[derive(Debug, Clone, Default)]
pub struct Flowchart {
    nodes: Vec<String>,
    edges: Vec<(usize, usize, Option<String>)>,
}

impl Flowchart {
    /// An empty chart.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a box whose label has one line per entry of `lines` (empty ones left out); returns
    /// its index for [`Flowchart::edge`].
    pub fn node(&mut self, lines: &[&str]) -> usize {
        self.nodes.push(label(lines));
        self.nodes.len() - 1
    }

    /// Adds an arrow from box `from` to box `to`, with an optional label. An index that names
    /// no box is ignored.
    pub fn edge(&mut self, from: usize, to: usize, text: Option<&str>) {
        if from < self.nodes.len() && to < self.nodes.len() {
            self.edges.push((from, to, text.map(|t| label(&[t]))));
        }
    }

    /// The chart as a fenced ```` ```mermaid ```` block, ending with a blank line; `None` without
    /// boxes.
    pub fn block(&self) -> Option<String> {
        if self.nodes.is_empty() {
            return None;
        }
        let mut out = String::from("```mermaid\nflowchart LR\n");
        for (i, label) in self.nodes.iter().enumerate() {
            let _ = writeln!(out, "    n{i}[{label}]");
        }
        for (from, to, label) in &self.edges {
            match label {
                Some(label) => {
                    let _ = writeln!(out, "    n{from} -->|{label}| n{to}");
                }
                None => {
                    let _ = writeln!(out, "    n{from} --> n{to}");
                }
            }
        }
        out.push_str("```\n\n");
        Some(out)
    }
}

/// A vertical bar chart (`xychart-beta`) of whole numbers, one bar per category.
#[derive(Debug, Clone)]
pub struct BarChart {
    /// Title above the chart.
    pub title: String,
    /// The x axis's title.
    pub x_title: String,
    /// The y axis's title.
    pub y_title: String,
    /// One category label and value per bar, left to right.
    pub bars: Vec<(String, u64)>,
}

impl BarChart {
    /// The chart as a fenced ```` ```mermaid ```` block, ending with a blank line; `None` without
    /// bars. The y axis starts at 0 and reaches at least 1, so an all-zero chart still draws.
    pub fn block(&self) -> Option<String> {
        if self.bars.is_empty() {
            return None;
        }
        let categories: Vec<String> = self.bars.iter().map(|(l, _)| label(&[l])).collect();
        let values: Vec<String> = self.bars.iter().map(|(_, v)| v.to_string()).collect();
        let top = self.bars.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
        Some(format!(
            "```mermaid\nxychart-beta\n    title \"{}\"\n    x-axis {} [{}]\n    y-axis {} 0 --> {top}\n    bar [{}]\n```\n\n",
            text::chart_label(&self.title, TITLE_MAX),
            label(&[&self.x_title]),
            categories.join(", "),
            label(&[&self.y_title]),
            values.join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_come_from_the_index_and_labels_are_quoted() {
        let mut chart = Flowchart::new();
        let a = chart.node(&["staging", "1.2.0", "running"]);
        let b = chart.node(&["end", "", "nothing"]);
        chart.edge(a, b, Some("3 waiting"));
        chart.edge(b, 7, None);
        assert_eq!(
            chart.block().unwrap(),
            "```mermaid\nflowchart LR\n    n0[\"staging<br/>1.2.0<br/>running\"]\n    n1[\"end<br/>nothing\"]\n    n0 -->|\"3 waiting\"| n1\n```\n\n"
        );
        assert!(Flowchart::new().block().is_none());
    }

    #[test]
    fn bars_have_a_range_from_zero() {
        let chart = BarChart {
            title: "Deploys".into(),
            x_title: "week".into(),
            y_title: "count".into(),
            bars: vec![("Nov 02".into(), 0), ("Nov 09".into(), 0)],
        };
        assert_eq!(
            chart.block().unwrap(),
            "```mermaid\nxychart-beta\n    title \"Deploys\"\n    x-axis \"week\" [\"Nov 02\", \"Nov 09\"]\n    y-axis \"count\" 0 --> 1\n    bar [0, 0]\n```\n\n"
        );
    }
}
