//! `go.mod` requirements and `go.sum` checksums.
//!
//! `go.mod` lists the selected version of every module the build needs (since Go 1.17, indirect
//! ones too, marked `// indirect`), in `require` lines or `require ( ... )` blocks. `replace`,
//! `exclude` and `retract` directives do not list requirements and are skipped. `go.sum` holds a
//! line per downloaded module zip (`mod v1.2.3 h1:...`) and per `go.mod` file read
//! (`mod v1.2.3/go.mod h1:...`); only the first kind means the module's code is in the build, so only
//! those count, each version once. go.mod's `go` directive is the Go floor.

use std::collections::HashSet;

use super::lockfile::{Entry, Syntax};
use super::manifest::{Declared, Requirement};

pub(crate) fn parse_mod(text: &str) -> Result<Declared, Syntax> {
    let mut entries = Vec::new();
    let mut toolchains = Vec::new();
    let mut in_require = false;
    let mut in_other_block = false;
    for (index, raw) in text.lines().enumerate() {
        let number = index + 1;
        let line = strip_comment(raw).trim();
        if line.is_empty() {
            continue;
        }
        if in_require || in_other_block {
            if line == ")" {
                in_require = false;
                in_other_block = false;
            } else if in_require {
                entries.push(requirement(line, number)?);
            }
            continue;
        }
        let (verb, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let rest = rest.trim();
        match verb {
            "require" if rest == "(" => in_require = true,
            "require" => entries.push(requirement(rest, number)?),
            "go" if !rest.is_empty() => {
                toolchains.push(Requirement::new(None, "go", Some(rest.to_owned())));
            }
            "module" | "go" | "toolchain" | "godebug" | "replace" | "exclude" | "retract"
            | "tool" | "ignore" => {
                if rest == "(" {
                    in_other_block = true;
                }
            }
            _ => {
                return Err(Syntax::at(
                    number,
                    format!("unknown go.mod directive `{verb}`"),
                ));
            }
        }
    }
    if in_require || in_other_block {
        return Err(Syntax::at(
            text.lines().count(),
            "a `(` block is not closed with `)`",
        ));
    }
    Ok(Declared {
        locked: entries,
        toolchains,
        ..Declared::default()
    })
}

fn requirement(line: &str, number: usize) -> Result<Entry, Syntax> {
    let mut fields = line.split_whitespace();
    match (fields.next(), fields.next(), fields.next()) {
        (Some(module), Some(version), None) if version.starts_with('v') => {
            Ok(Entry::new(unquote(module), version))
        }
        _ => Err(Syntax::at(
            number,
            format!("expected `module/path vX.Y.Z` in a require, found `{line}`"),
        )),
    }
}

fn strip_comment(line: &str) -> &str {
    line.find("//").map_or(line, |i| &line[..i])
}

fn unquote(text: &str) -> &str {
    text.strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(text)
}

pub(crate) fn parse_sum(text: &str) -> Result<Vec<Entry>, Syntax> {
    let mut seen = HashSet::new();
    let mut entries = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let mut fields = line.split_whitespace();
        let (Some(module), Some(version), Some(hash), None) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            return Err(Syntax::at(
                index + 1,
                "expected `module version hash` (three fields)",
            ));
        };
        if !version.starts_with('v') || !hash.contains(':') {
            return Err(Syntax::at(
                index + 1,
                format!("expected `module vX.Y.Z h1:hash`, found `{line}`"),
            ));
        }
        if version.ends_with("/go.mod") {
            continue;
        }
        if seen.insert((module, version)) {
            entries.push(Entry::new(module, version));
        }
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_mod_blocks_single_lines_and_indirect() {
        let text = "module example.com/svc\n\ngo 1.22\n\ntoolchain go1.22.1\n\nrequire (\n\tgithub.com/pkg/errors v0.9.1\n\tgolang.org/x/text v0.14.0 // indirect\n)\n\nrequire github.com/google/uuid v1.6.0\n\nreplace (\n\tgithub.com/pkg/errors => ../errors\n)\n\nexclude golang.org/x/net v0.1.0\n";
        let declared = parse_mod(text).unwrap();
        assert_eq!(
            declared.toolchains,
            [Requirement::new(None, "go", Some("1.22".into()))]
        );
        assert_eq!(
            declared.locked,
            vec![
                Entry::new("github.com/pkg/errors", "v0.9.1"),
                Entry::new("golang.org/x/text", "v0.14.0"),
                Entry::new("github.com/google/uuid", "v1.6.0"),
            ]
        );
    }

    #[test]
    fn go_mod_errors() {
        assert_eq!(
            parse_mod("module m\nrequire (\n\tgithub.com/a\n)\n")
                .unwrap_err()
                .line,
            Some(3)
        );
        assert_eq!(
            parse_mod("module m\nfrobnicate x\n").unwrap_err().line,
            Some(2)
        );
        assert!(parse_mod("module m\nrequire (\n\tgithub.com/a v1.0.0\n").is_err());
    }

    #[test]
    fn go_sum_counts_module_zips_once() {
        let text = "github.com/pkg/errors v0.9.1 h1:FEBLx1zS214owpjy7qsBeixbURkuhQAwrK5UwLGTwt4=\ngithub.com/pkg/errors v0.9.1/go.mod h1:bwawxfHBFNV+L2hUp1rHADufV3IMtnDRdf1r5NINEl0=\ngolang.org/x/text v0.3.0/go.mod h1:NqM8EUOU14njkJ3fqMW+pc6Ldnwhi/IjpwHt7yyuwOQ=\n";
        assert_eq!(
            parse_sum(text).unwrap(),
            vec![Entry::new("github.com/pkg/errors", "v0.9.1")]
        );
        assert_eq!(parse_sum("a v1 h1:x\nbroken\n").unwrap_err().line, Some(2));
    }
}
