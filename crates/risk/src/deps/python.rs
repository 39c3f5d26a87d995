//! Python: `poetry.lock`, `uv.lock` and `requirements*.txt`.
//!
//! Names are normalised as PEP 503 says (lower case, runs of `-`, `_`, `.` as one `-`), since pip
//! treats `Django`, `django` and `DJANGO` as one project.
//!
//! - `poetry.lock` and `uv.lock` are TOML with one `[[package]]` per resolved distribution.
//!   Local sources (poetry's `directory` type; uv's `editable`, `virtual`, `directory` and `path`
//!   sources, which is how uv records the project itself) are the project's own code and skipped.
//! - `requirements*.txt`: one requirement per line, with `#` comments, `\` continuations,
//!   options (`-r`, `-c`, `-e`, `--index-url`, trailing `--hash=`) and environment markers after
//!   `;`. A pin `name==1.2.3` (or `===`) records the version; any other specifier records the
//!   specifier itself (`>=2.0,<3`), or `*` when there is none, so a change from one to another shows
//!   as changed. Lines that are paths or URLs (`./pkg`, `https://...whl`) are not named packages
//!   and are skipped.

use super::lockfile::{Entry, Package, Syntax, toml_packages};

pub(crate) fn parse_poetry(text: &str) -> Result<Vec<Entry>, Syntax> {
    parse_toml(text, |source| {
        source.get("type").and_then(toml::Value::as_str) == Some("directory")
    })
}

pub(crate) fn parse_uv(text: &str) -> Result<Vec<Entry>, Syntax> {
    parse_toml(text, |source| {
        ["editable", "virtual", "directory", "path"]
            .iter()
            .any(|key| source.contains_key(*key))
    })
}

fn parse_toml(text: &str, local: impl Fn(&toml::Table) -> bool) -> Result<Vec<Entry>, Syntax> {
    let packages: Vec<Package<Option<String>, toml::Table>> = toml_packages(text)?;
    Ok(packages
        .into_iter()
        .filter(|p| !p.source.as_ref().is_some_and(&local))
        .filter_map(|p| Some(Entry::new(normalize(&p.name), p.version?)))
        .collect())
}

/// PEP 503 name normalisation.
pub(crate) fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut separator = false;
    for c in name.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            separator = true;
            continue;
        }
        if separator && !out.is_empty() {
            out.push('-');
        }
        separator = false;
        out.push(c.to_ascii_lowercase());
    }
    out
}

pub(crate) fn parse_requirements(text: &str) -> Result<Vec<Entry>, Syntax> {
    let mut entries = Vec::new();
    let mut logical = String::new();
    let mut start = 0;
    for (index, raw) in text.lines().enumerate() {
        if logical.is_empty() {
            start = index + 1;
        }
        // A comment starts at `#` at the line start or after whitespace (a URL fragment does not).
        let line = match raw.find(" #").or_else(|| raw.find("\t#")) {
            Some(i) => &raw[..i],
            None if raw.trim_start().starts_with('#') => "",
            None => raw,
        };
        match line.trim_end().strip_suffix('\\') {
            Some(continued) => {
                logical.push_str(continued);
                logical.push(' ');
                continue;
            }
            None => logical.push_str(line),
        }
        if let Some(entry) = requirement(logical.trim(), start)? {
            entries.push(entry);
        }
        logical.clear();
    }
    if let Some(entry) = requirement(logical.trim(), start)? {
        entries.push(entry);
    }
    Ok(entries)
}

pub(crate) fn requirement(line: &str, number: usize) -> Result<Option<Entry>, Syntax> {
    if line.is_empty() || line.starts_with('-') {
        return Ok(None);
    }
    // Options after the requirement (`--hash=...`) and environment markers.
    let line = line.split(" --").next().unwrap_or(line);
    let line = line.split(';').next().unwrap_or(line).trim();
    if line.starts_with(['.', '/']) || line.contains("://") {
        return Ok(None);
    }
    let name_end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(line.len());
    let name = &line[..name_end];
    if name.is_empty() {
        return Err(Syntax::at(
            number,
            format!("`{line}` does not start with a package name"),
        ));
    }
    let mut rest = line[name_end..].trim_start();
    if let Some(after) = rest.strip_prefix('[') {
        let Some(close) = after.find(']') else {
            return Err(Syntax::at(number, format!("unclosed extras in `{line}`")));
        };
        rest = after[close + 1..].trim_start();
    }
    if rest.starts_with('@') {
        return Ok(None);
    }
    let spec: String = rest
        .trim_start_matches('(')
        .trim_end_matches(')')
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if !spec.is_empty() && !spec.starts_with(['=', '<', '>', '!', '~']) {
        return Err(Syntax::at(
            number,
            format!("cannot read the version specifier `{rest}` of `{name}`"),
        ));
    }
    let version = match spec.strip_prefix("===").or_else(|| spec.strip_prefix("==")) {
        Some(pin) if !pin.contains([',', '*']) => pin.to_owned(),
        _ if spec.is_empty() => "*".to_owned(),
        _ => spec,
    };
    Ok(Some(Entry::new(normalize(name), version)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_normalised() {
        assert_eq!(normalize("Django"), "django");
        assert_eq!(normalize("zope.interface"), "zope-interface");
        assert_eq!(normalize("Foo__Bar-.baz"), "foo-bar-baz");
    }

    #[test]
    fn requirement_lines() {
        let text = "# pinned\n-r base.txt\n-c constraints.txt\n--index-url https://pypi.org/simple\nrequests==2.31.0  # http\nuvicorn[standard]==0.29.0\nDjango >= 4.2, < 5 ; python_version >= \"3.10\"\nflask\nnumpy==1.26.4 \\\n    --hash=sha256:abc \\\n    --hash=sha256:def\n-e git+https://github.com/o/r.git#egg=r\n./local/pkg\nhttps://example.com/pkg-1.0-py3-none-any.whl\npkg @ https://example.com/pkg.zip\nblack===24.3.0\nrich==13.*\n";
        assert_eq!(
            parse_requirements(text).unwrap(),
            vec![
                Entry::new("requests", "2.31.0"),
                Entry::new("uvicorn", "0.29.0"),
                Entry::new("django", ">=4.2,<5"),
                Entry::new("flask", "*"),
                Entry::new("numpy", "1.26.4"),
                Entry::new("black", "24.3.0"),
                Entry::new("rich", "==13.*"),
            ]
        );
    }

    #[test]
    fn requirement_errors_name_the_line() {
        assert_eq!(
            parse_requirements("a==1\n\nb[x==2\n").unwrap_err().line,
            Some(3)
        );
        assert_eq!(parse_requirements("a==1\n!!!\n").unwrap_err().line, Some(2));
        assert_eq!(
            parse_requirements("a==1\nb 2.0\n").unwrap_err().line,
            Some(2)
        );
    }

    #[test]
    fn uv_skips_the_project() {
        let text = "version = 1\nrequires-python = \">=3.12\"\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\nsource = { editable = \".\" }\n\n[[package]]\nname = \"Requests\"\nversion = \"2.32.3\"\nsource = { registry = \"https://pypi.org/simple\" }\n";
        assert_eq!(
            parse_uv(text).unwrap(),
            vec![Entry::new("requests", "2.32.3")]
        );
    }
}
