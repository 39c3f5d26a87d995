//! `Gemfile` (and `gems.rb`): `gem` lines with their requirements, and the `ruby` floor.
//!
//! A Gemfile is Ruby, so it is read line by line for the forms Bundler documents rather than
//! run: `gem "name", "~> 7.0", ">= 7.0.4", require: false`. The quoted strings after the name
//! and before the first option are the requirements; a gem with `path:`, `git:`, `github:` (or
//! another source option) is pinned by its source and skipped. `group :test do ... end` blocks
//! (and `group: :test` options) give the scope; other blocks (`platforms`, `source`, `if`) only
//! nest. `ruby "3.3.0"` (or `ruby "~> 3.2"`) is the Ruby floor. Lines that are none of these
//! (`source`, `gemspec`, `eval_gemfile`, Ruby code) are ignored: they declare no requirement.

use super::lockfile::Syntax;
use super::manifest::{Declared, Requirement};

const SOURCE_OPTIONS: &[&str] = &["path", "git", "github", "gist", "bitbucket", "source"];

pub(crate) fn parse(text: &str) -> Result<Declared, Syntax> {
    let mut declared = Declared::default();
    // The open blocks, each with the group it names (if any).
    let mut blocks: Vec<Option<String>> = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let number = index + 1;
        let line = strip_comment(raw).trim();
        if line.is_empty() {
            continue;
        }
        let (word, rest) = line
            .split_once(|c: char| c.is_whitespace() || c == '(')
            .unwrap_or((line, ""));
        let opens = line.ends_with(" do") || line.contains(" do |");
        match word {
            "end" => {
                blocks.pop();
                continue;
            }
            "group" if opens => {
                let group = rest
                    .split([',', ' '])
                    .map(|g| g.trim().trim_start_matches(':').trim_matches(['"', '\'']))
                    .find(|g| !g.is_empty())
                    .map(str::to_owned);
                blocks.push(group);
                continue;
            }
            "gem" => {
                let (args, options) = arguments(rest);
                let Some((name, reqs)) = args.split_first() else {
                    return Err(Syntax::at(number, "a `gem` line without a gem name"));
                };
                let computed = options.iter().any(|(key, _)| key.is_empty());
                if computed
                    || options
                        .iter()
                        .any(|(key, _)| SOURCE_OPTIONS.contains(&key.as_str()))
                {
                    continue;
                }
                let group = options
                    .iter()
                    .find(|(key, _)| key == "group" || key == "groups")
                    .map(|(_, value)| value.clone())
                    .or_else(|| blocks.iter().rev().flatten().next().cloned());
                let req = if reqs.is_empty() {
                    ">= 0".to_owned()
                } else {
                    reqs.join(", ")
                };
                declared
                    .required
                    .push(Requirement::new(group.as_deref(), name, Some(req)));
            }
            "ruby" => {
                let (args, _) = arguments(rest);
                if !args.is_empty() {
                    declared
                        .toolchains
                        .push(Requirement::new(None, "ruby", Some(args.join(", "))));
                }
            }
            _ => {}
        }
        if opens {
            blocks.push(None);
        }
    }
    Ok(declared)
}

/// A `#` comment outside quotes ends the line.
fn strip_comment(line: &str) -> &str {
    let mut quote = None;
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (None, '#') => return &line[..i],
            _ => {}
        }
    }
    line
}

type Options = Vec<(String, String)>;

/// The quoted positional arguments and the `key: value` / `:key => value` options of a call.
/// An argument that is neither (a variable, a method call) comes back as an option with an empty
/// key.
fn arguments(text: &str) -> (Vec<String>, Options) {
    let text = text.trim().trim_start_matches('(');
    let text = text
        .strip_suffix(" do")
        .unwrap_or(text)
        .trim_end_matches(')');
    let mut args = Vec::new();
    let mut options = Vec::new();
    for part in split_outside_quotes(text) {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        if let Some(value) = quoted(part) {
            if options.is_empty() {
                args.push(value.to_owned());
            }
            continue;
        }
        let (key, value) = match part.split_once("=>") {
            Some((key, value)) => (key.trim().trim_start_matches(':'), value),
            None => match part.split_once(": ") {
                Some((key, value)) => (key, value),
                None if part.ends_with(':') => (part.trim_end_matches(':'), ""),
                // A variable or a method call: what it requires is not written here.
                None => ("", part),
            },
        };
        let value = value.trim();
        let value = quoted(value).unwrap_or(value).trim_start_matches(':');
        options.push((key.trim().to_owned(), value.to_owned()));
    }
    (args, options)
}

fn quoted(text: &str) -> Option<&str> {
    ['"', '\'']
        .iter()
        .find_map(|q| text.strip_prefix(*q)?.strip_suffix(*q))
}

fn split_outside_quotes(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut quote = None;
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (None, '[' | '{' | '(') => depth += 1,
            (None, ']' | '}' | ')') => depth = depth.saturating_sub(1),
            (None, ',') if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gems_groups_sources_and_ruby() {
        let text = r#"source "https://rubygems.org"
ruby "3.3.0"

gem "rails", "~> 7.1", ">= 7.1.3" # the framework
gem 'pg', '~> 1.5'
gem "puma"
gem "local", path: "../local"
gem "fork", github: "o/fork", branch: "main"
gem "bootsnap", require: false
gem "debug", platforms: %i[ mri windows ], group: :development

group :development, :test do
  gem "rspec-rails", "~> 6.1"
  platforms :mri do
    gem "byebug"
  end
end
gem "rack", ">= 3"
"#;
        let declared = parse(text).unwrap();
        let listed: Vec<String> = declared.listed();
        assert_eq!(
            listed,
            [
                "rails ~> 7.1, >= 7.1.3",
                "pg ~> 1.5",
                "puma >= 0",
                "bootsnap >= 0",
                "development:debug >= 0",
                "development:rspec-rails ~> 6.1",
                "development:byebug >= 0",
                "rack >= 3",
                "ruby 3.3.0",
            ]
        );
    }

    #[test]
    fn computed_requirements_are_not_guessed() {
        let declared =
            parse("gem \"a\"\ngem \"b\", VERSION\ngem(\"c\", \"1.0\")\ngem\n").unwrap_err();
        assert_eq!(declared.line, Some(4));
        let declared = parse("gem \"a\"\ngem \"b\", ENV.fetch(\"V\", \"1\")\n").unwrap();
        assert_eq!(declared.required.len(), 1);
    }
}
