//! `Gemfile.lock` (and `gems.locked`): the `specs:` lists of the `GEM` and `GIT` sections.
//!
//! Each spec sits four spaces deep as `name (version)`, its own dependencies six spaces deep
//! below it. Platform-specific builds of one version (`nokogiri (1.16.2-x86_64-linux)`,
//! `nokogiri (1.16.2-arm64-darwin)`) are one release, counted once. `PATH` sections are local gems
//! (usually the project itself) and are skipped, as are `PLATFORMS`, `DEPENDENCIES`, `RUBY VERSION`
//! and `BUNDLED WITH`, which list no resolved versions.

use std::collections::HashSet;

use super::lockfile::{Entry, Syntax};

pub(crate) fn parse(text: &str) -> Result<Vec<Entry>, Syntax> {
    let mut entries = Vec::new();
    let mut seen = HashSet::new();
    let mut section = "";
    let mut in_specs = false;
    for (index, raw) in text.lines().enumerate() {
        let number = index + 1;
        let line = raw.trim_end();
        if line.is_empty() {
            continue;
        }
        if !line.starts_with(' ') {
            if line.starts_with("<<<<<<<")
                || line.starts_with("=======")
                || line.starts_with(">>>>>>>")
            {
                return Err(Syntax::at(number, "unresolved merge conflict marker"));
            }
            section = line;
            in_specs = false;
            continue;
        }
        if !matches!(section, "GEM" | "GIT") {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let content = line.trim_start();
        match indent {
            2 => in_specs = content == "specs:",
            4 if in_specs => {
                let Some((name, version)) = spec(content) else {
                    return Err(Syntax::at(
                        number,
                        format!("expected `name (version)` in specs, found `{content}`"),
                    ));
                };
                if seen.insert((name, version)) {
                    entries.push(Entry::new(name, version));
                }
            }
            _ => {}
        }
    }
    Ok(entries)
}

/// `name (1.2.3)` or `name (1.2.3-platform)` → (`name`, `1.2.3`).
fn spec(content: &str) -> Option<(&str, &str)> {
    let (name, rest) = content.split_once(" (")?;
    let version = rest.strip_suffix(')')?;
    let version = version.split('-').next()?;
    (!name.is_empty() && !version.is_empty()).then_some((name, version))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_specs_and_platforms() {
        let text = "PATH\n  remote: .\n  specs:\n    myapp (0.1.0)\n\nGIT\n  remote: https://github.com/o/kaminari.git\n  revision: 0123abc\n  specs:\n    kaminari (1.2.2)\n\nGEM\n  remote: https://rubygems.org/\n  specs:\n    actionpack (7.1.3)\n      rack (>= 2.2.4)\n    nokogiri (1.16.2-arm64-darwin)\n      racc (~> 1.4)\n    nokogiri (1.16.2-x86_64-linux)\n      racc (~> 1.4)\n    rack (3.0.9)\n\nPLATFORMS\n  arm64-darwin\n  x86_64-linux\n\nDEPENDENCIES\n  actionpack (~> 7.1)\n\nBUNDLED WITH\n   2.5.6\n";
        assert_eq!(
            parse(text).unwrap(),
            vec![
                Entry::new("kaminari", "1.2.2"),
                Entry::new("actionpack", "7.1.3"),
                Entry::new("nokogiri", "1.16.2"),
                Entry::new("rack", "3.0.9"),
            ]
        );
    }

    #[test]
    fn errors_name_the_line() {
        assert_eq!(
            parse("GEM\n  specs:\n    rack 3.0\n").unwrap_err().line,
            Some(3)
        );
        assert_eq!(parse("GEM\n<<<<<<< HEAD\n").unwrap_err().line, Some(2));
    }
}
