//! The revert PR's title and description: why, what, who.
//!
//! Reviewers of a revert are usually in a hurry (something is red), so the description leads with
//! the reason and its evidence, then lists exactly what is reverted, then asks the original author
//! to look. A hidden marker names the reverted commit, so a person reading the PR source (or a
//! search) can tell which run made it.

use serde::Serialize;
use shipline_core::sha::{UNIQUE, prefix};
use shipline_core::text;

use crate::culprit::{Culprit, Landing};

/// Why the revert is being made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Why {
    /// Asked for on the command line.
    Manual {
        /// Who ran it, when known.
        actor: Option<String>,
    },
    /// A `/revert` comment.
    Comment {
        /// Who wrote it.
        author: String,
        /// Link to the comment.
        url: Option<String>,
    },
    /// A deployment failed.
    Deployment {
        /// Environment.
        environment: String,
        /// Deployment id, as the ledger prints it.
        id: String,
        /// `failure` or `error`.
        state: String,
        /// Log or target URL.
        url: Option<String>,
    },
    /// A workflow run failed on the default branch.
    Workflow {
        /// Workflow name.
        name: String,
        /// Link to the run.
        url: String,
        /// The run's head commit.
        sha: String,
    },
}

impl Why {
    /// Whether nobody asked for this revert in person (daily cap and opt-out apply).
    pub fn is_automatic(&self) -> bool {
        matches!(self, Why::Deployment { .. } | Why::Workflow { .. })
    }

    fn sentence(&self) -> String {
        match self {
            Why::Manual { actor: Some(a) } => format!("Requested by @{a}."),
            Why::Manual { actor: None } => "Requested from the command line.".to_string(),
            Why::Comment { author, url } => match url {
                Some(u) => format!("Requested by @{author} in [a `/revert` comment]({u})."),
                None => format!("Requested by @{author} with a `/revert` comment."),
            },
            Why::Deployment {
                environment,
                id,
                state,
                url,
            } => {
                let link = url
                    .as_ref()
                    .map(|u| format!(" ([log]({u}))"))
                    .unwrap_or_default();
                format!("Deployment {id} to `{environment}` ended in `{state}`{link}.")
            }
            Why::Workflow { name, url, sha } => format!(
                "The [{} run]({url}) failed on the default branch at {}.",
                text::code(name),
                prefix(sha, UNIQUE)
            ),
        }
    }
}

/// `Revert "<original title>"`.
pub fn title(culprit: &Culprit) -> String {
    format!("Revert \"{}\"", culprit.title)
}

/// The PR description.
pub fn body(culprit: &Culprit, why: &Why, reason: Option<&str>, run_url: Option<&str>) -> String {
    let mut out = String::new();
    out.push_str(&format!("{}\n", marker(&culprit.key)));
    out.push_str("## Why\n\n");
    out.push_str(&why.sentence());
    out.push('\n');
    if let Some(reason) = reason.map(str::trim).filter(|r| !r.is_empty()) {
        // Quoted as written, but a name in it must not notify anyone again.
        let quoted = text::quiet_mentions(&text::plain_lines(reason));
        out.push_str(&format!("\n> {}\n", quoted.replace('\n', "\n> ")));
    }
    if let Some(run) = run_url {
        out.push_str(&format!("\nOpened by [this run]({run}).\n"));
    }
    out.push_str("\n## What\n\n");
    match (culprit.pr, &culprit.url) {
        (Some(n), Some(url)) => {
            out.push_str(&format!("Reverts [#{n}]({url}) ({}).\n", landing(culprit)))
        }
        (Some(n), None) => out.push_str(&format!("Reverts #{n} ({}).\n", landing(culprit))),
        (None, _) => out.push_str(&format!("Reverts {}.\n", landing(culprit))),
    }
    if let Some(component) = &culprit.component {
        out.push_str(&format!(
            "\nOnly the changes to component {} are reverted: the commits of the range that touch its `paths` or `shared` paths in `.shipline.yml`. The range's other commits stay.\n",
            text::code(component)
        ));
    }
    if culprit.reland {
        out.push_str("\nThe reverted change was itself a revert: merging this lands the original change again (re-land).\n");
    }
    out.push('\n');
    for c in &culprit.commits {
        let how = if c.merge {
            " (merge, against its first parent)"
        } else {
            ""
        };
        out.push_str(&format!("- {} {}{how}\n", c.sha, text::inline(&c.subject)));
    }
    out.push_str("\n## Who\n\n");
    match &culprit.author {
        Some(author) => out.push_str(&format!(
            "@{author}, this reverts your change; please review. Re-land it with a new PR once the cause is fixed.\n"
        )),
        None => {
            // No forge account to mention: name the authors git recorded, or for merge commits
            // alone, who merged them.
            let authored = culprit.commits.iter().any(|c| !c.merge);
            let mut names: Vec<&str> = Vec::new();
            for c in culprit.commits.iter().filter(|c| c.merge != authored) {
                let name = c.author.trim();
                if !name.is_empty() && !names.contains(&name) {
                    names.push(name);
                }
            }
            let role = if authored { "wrote" } else { "merged" };
            if names.is_empty() {
                out.push_str("The original author could not be determined; please review.\n");
            } else {
                out.push_str(&format!(
                    "No forge account is known for the original author; git says {} {role} it. Please review.\n",
                    text::inline(&names.join(", "))
                ));
            }
        }
    }
    out
}

fn landing(culprit: &Culprit) -> &'static str {
    match culprit.landing {
        Landing::Merge => "merge commit",
        Landing::Squash => "squash commit",
        Landing::Rebase => "rebase-merged commits, newest first",
        Landing::DirectPush => "a commit pushed without a pull request",
        Landing::Range => "a range of commits, newest first",
    }
}

/// The hidden marker naming the reverted commit, in every revert PR and conflict issue: how a
/// later run finds the issue an earlier one opened.
pub fn marker(key: &str) -> String {
    format!("<!-- shipline-revert {key} -->")
}

/// The issue opened when the revert conflicts: the files and the commands to finish by hand.
pub fn conflict_issue(
    culprit: &Culprit,
    why: &Why,
    sha: &str,
    files: &[String],
    base: &str,
) -> String {
    let branch = culprit.branch();
    let mut out = format!("{}\n", marker(&culprit.key));
    out.push_str(&format!(
        "{}\n\nReverting {} conflicts with later changes on `{base}`, so no revert PR was opened.\n\n",
        why.sentence(),
        prefix(sha, UNIQUE)
    ));
    out.push_str("Conflicting files:\n\n");
    for f in files {
        out.push_str(&format!("- {}\n", text::code(f)));
    }
    out.push_str("\nFinish by hand:\n\n```sh\n");
    out.push_str(&format!(
        "git fetch origin {base}\ngit switch -c {branch} origin/{base}\n"
    ));
    for c in &culprit.commits {
        let m = if c.merge { "-m 1 " } else { "" };
        out.push_str(&format!("git revert --no-edit {m}{}\n", c.sha));
    }
    out.push_str("# resolve the conflicts, then `git add <files>` and `git revert --continue`\n");
    out.push_str(&format!("git push origin {branch}\n```\n"));
    if let Some(author) = &culprit.author {
        out.push_str(&format!("\n@{author}, this concerns your change.\n"));
    }
    out
}
