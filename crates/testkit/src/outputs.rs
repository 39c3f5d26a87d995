//! Reading back what a step wrote to `$GITHUB_OUTPUT`, the way the runner reads it.
//!
//! Every test that runs a tool as a GitHub Actions step checks its outputs; one reader keeps them
//! agreeing on the file format (`name=value` lines and multi-line `name<<DELIMITER` blocks), and
//! it is written from the runner's documentation, not from shipline's writer, so a round trip
//! through it tests the writer.

use std::collections::BTreeMap;
use std::path::Path;

/// The outputs in the `$GITHUB_OUTPUT` file at `path`: a later value for a name replaces an
/// earlier one, as on the runner. A missing file means no outputs (a step that set none).
///
/// Panics with the file's text when it is not in the runner's format: the tool under test wrote
/// something the runner would reject.
pub fn read_github_output(path: &Path) -> BTreeMap<String, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return BTreeMap::new(),
        Err(e) => panic!("cannot read {}: {e}", path.display()),
    };
    parse_github_output(&text)
        .unwrap_or_else(|e| panic!("{}: {e}\n$GITHUB_OUTPUT:\n{text}", path.display()))
}

/// Parses the `$GITHUB_OUTPUT` file format: `name=value` lines and multi-line
/// `name<<DELIMITER` … `DELIMITER` blocks (a name never contains `=`, so `a=x<<y` is the value
/// `x<<y`). A later value for a name replaces an earlier one. Lines end at `\n` only: a `\r` is
/// part of the value, as on a Linux runner.
pub fn parse_github_output(text: &str) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    let mut lines = text.split('\n').enumerate();
    while let Some((index, line)) = lines.next() {
        if line.is_empty() {
            continue;
        }
        let heredoc = line
            .split_once("<<")
            .filter(|(name, _)| !name.contains('='));
        if let Some((name, delimiter)) = heredoc {
            let mut value = Vec::new();
            let mut closed = false;
            for (_, body) in lines.by_ref() {
                if body == delimiter {
                    closed = true;
                    break;
                }
                value.push(body);
            }
            if !closed {
                return Err(format!(
                    "line {}: `{name}<<{delimiter}` is never closed",
                    index + 1
                ));
            }
            out.insert(name.to_string(), value.join("\n"));
        } else if let Some((name, value)) = line.split_once('=') {
            out.insert(name.to_string(), value.to_string());
        } else {
            return Err(format!(
                "line {}: `{line}` is neither name=value nor name<<DELIMITER",
                index + 1
            ));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::{parse_github_output, read_github_output};

    #[test]
    fn github_output_format_round_trips_single_and_multi_line_values() {
        let text = "a=1\nnote<<ghadelimiter_1\nline one\nline=two\nghadelimiter_1\na=2\n";
        let parsed = parse_github_output(text).unwrap();
        assert_eq!(parsed["a"], "2");
        assert_eq!(parsed["note"], "line one\nline=two");
        assert!(parse_github_output("x<<EOF\nnever closed\n").is_err());
        assert!(parse_github_output("garbage\n").is_err());
        let dir = tempfile::tempdir().unwrap();
        assert!(read_github_output(&dir.path().join("none")).is_empty());
    }
}
