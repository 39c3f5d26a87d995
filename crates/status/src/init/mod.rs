//! `shipline-status init`: the front door. Looks at the repository (its CI files, its `origin`
//! remote, its default branch) and writes a starter `.shipline.yml` and the CI file for its
//! forge, printing what it wrote and why.
//!
//! It lives in `shipline-status` because that tool owns the configuration check (`check`) and
//! the ledger the written pipeline records into; it needs no CI context, forge or token, so it
//! runs before the start-up every other command needs, like `check`. With a token for the
//! repository's forge it also reads the deployments there ([`Deployed`]).

mod deployed;
mod detect;
mod render;

use std::path::{Path, PathBuf};

use shipline_core::exit::{Class, Classify};
use shipline_core::git::Git;
use shipline_core::ledger::DeploymentRecord;

use detect::Detected;
use render::Env;

/// Which CI files `init` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forge {
    /// `.github/workflows/shipline.yml`.
    GitHub,
    /// `.gitlab/shipline.yml`, for `.gitlab-ci.yml` to include.
    GitLab,
}

/// What `init` was asked to do.
#[derive(Debug, Clone)]
pub struct InitOptions {
    /// The checkout (default: the current directory).
    pub repo: Option<PathBuf>,
    /// The forge, when a flag names it; else the `origin` remote decides.
    pub forge: Option<Forge>,
    /// Replace files that exist.
    pub force: bool,
    /// Print the files instead of writing them.
    pub dry_run: bool,
    /// The forge's deployments, when a token let them be read.
    pub deployed: Option<Deployed>,
}

/// What the forge's deployments said, when a token let `init` read them.
#[derive(Debug, Clone)]
pub struct Deployed {
    /// The forge, as its users name it (`GitHub`, `GitLab`).
    pub forge: &'static str,
    /// The deployments, newest first, or why they could not be read.
    pub records: Result<Vec<DeploymentRecord>, String>,
}

/// Why `init` wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    /// Not inside a git repository.
    #[error(
        "{} is not inside a git repository: run `shipline-status init` in your checkout, or pass `--repo DIR`",
        .0.display()
    )]
    NotARepository(PathBuf),
    /// A file to write exists already.
    #[error(
        "{} exists already: nothing was written; pass `--force` to replace it, or `--dry-run` to see what init would write",
        .0.display()
    )]
    Exists(PathBuf),
    /// A file could not be written.
    #[error("cannot write {}: {source}", .path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

impl Classify for InitError {
    fn class(&self) -> Class {
        match self {
            InitError::NotARepository(_) | InitError::Exists(_) => Class::Usage,
            InitError::Write { .. } => Class::Failed,
        }
    }
}

/// One file to write and why.
struct Planned {
    path: &'static str,
    text: String,
    why: String,
}

/// Runs `init`; returns what to print on stdout.
pub fn run(options: &InitOptions) -> Result<String, InitError> {
    let start = match &options.repo {
        Some(dir) => dir.clone(),
        None => std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
    };
    let git = Git::discover(&start).map_err(|_| InitError::NotARepository(start.clone()))?;
    let root = git.dir().to_path_buf();
    let mut out = String::new();

    let detected = detect::detect(&root);
    let (envs, source) = environments(&detected, options.deployed.as_ref(), &mut out);
    let mut files = vec![Planned {
        path: ".shipline.yml",
        text: render::config(&envs, &source),
        why: format!(
            "environments {}, {source}",
            envs.iter()
                .map(|env| format!("`{}`", env.name))
                .collect::<Vec<_>>()
                .join(" -> ")
        ),
    }];

    let origin = git.remote_url("origin").ok().flatten();
    let forge = match options.forge {
        Some(forge) => Some((forge, "as asked".to_string())),
        None => match origin.as_deref().map(forge_of) {
            Some(Some(forge)) => Some((forge, "from the `origin` remote".to_string())),
            _ => None,
        },
    };
    match forge {
        Some((Forge::GitHub, how)) => {
            let (branch, branch_note) = default_branch(&git);
            if let Some(note) = branch_note {
                out.push_str(&format!("note: {note}\n"));
            }
            let jobs: Vec<_> = detected
                .jobs
                .iter()
                .filter(|job| job.file.starts_with(".github/"))
                .collect();
            files.push(Planned {
                path: ".github/workflows/shipline.yml",
                text: render::github(&envs, &branch, &jobs),
                why: format!(
                    "GitHub Actions ({how}): risk comment on pull requests, deployments on pushes to `{branch}`, promotion to `{}`; replace the step marked `(edit me)` with your deploy command",
                    envs.last().map_or("", |env| env.name.as_str())
                ),
            });
        }
        Some((Forge::GitLab, how)) => {
            let jobs: Vec<_> = detected
                .jobs
                .iter()
                .filter(|job| job.file == ".gitlab-ci.yml")
                .collect();
            files.push(Planned {
                path: ".gitlab/shipline.yml",
                text: render::gitlab(&envs, &jobs),
                why: format!(
                    "GitLab CI ({how}): risk note on merge requests, deployments on the default branch, promotion to `{}`; your .gitlab-ci.yml is not changed: add `include: [{{ local: .gitlab/shipline.yml }}]` to it",
                    envs.last().map_or("", |env| env.name.as_str())
                ),
            });
        }
        None => out.push_str(&format!(
            "note: no CI files written: {}; pass `--github` or `--gitlab` to write them\n",
            match &origin {
                Some(_) => "the `origin` remote is neither on GitHub nor on GitLab",
                None => "this repository has no `origin` remote",
            }
        )),
    }
    // The last environment is reached by promotion: a job of the user's that deploys it
    // straight away would go round the gates.
    if let (true, Some(last)) = (envs.len() > 1, envs.last()) {
        for job in detected
            .jobs
            .iter()
            .filter(|job| job.environment == last.name)
        {
            out.push_str(&format!(
                "note: job `{}` in {} deploys `{}` without the gates: put its deploy command in `rollout: command:` of `{}` in .shipline.yml and remove the job, so shipline-promote deploys there\n",
                job.job.escape_debug(),
                job.file,
                last.name,
                last.name
            ));
        }
    }
    for note in &detected.notes {
        out.push_str(&format!("note: {note}\n"));
    }

    if !options.force
        && let Some(file) = files.iter().find(|file| root.join(file.path).exists())
    {
        return Err(InitError::Exists(root.join(file.path)));
    }
    for file in &files {
        if options.dry_run {
            out.push_str(&format!(
                "--- {} (dry run, not written): {}\n{}",
                file.path, file.why, file.text
            ));
        } else {
            write(&root, file.path, &file.text)?;
            out.push_str(&format!("wrote {}: {}\n", file.path, file.why));
        }
    }
    out.push_str(if options.dry_run {
        "dry run: nothing was written\n"
    } else {
        "next: `shipline-status check` checks .shipline.yml; `shipline-risk` shows what would ship\n"
    });
    Ok(out)
}

/// The environments and where they came from: the CI files' (in `needs:` order, then as
/// written), with those the forge has deployments for put where its commits reach them; else
/// `staging` and `production`. A forge that could not be read gets a note in `out`.
fn environments(
    detected: &Detected,
    deployed: Option<&Deployed>,
    out: &mut String,
) -> (Vec<Env>, String) {
    let found: Vec<Env> = detected
        .environments()
        .into_iter()
        .map(|(name, after)| Env { name, after })
        .collect();
    let forge_order = match deployed {
        Some(Deployed {
            forge,
            records: Ok(records),
        }) => Some((*forge, deployed::order(records))),
        Some(Deployed {
            forge,
            records: Err(why),
        }) => {
            out.push_str(&format!(
                "note: the deployments on {forge} were not read ({why}); the environments come from the CI files only\n"
            ));
            None
        }
        None => None,
    };
    let mut files: Vec<&str> = Vec::new();
    for job in &detected.jobs {
        if !files.contains(&job.file.as_str()) {
            files.push(&job.file);
        }
    }
    let from_files = format!(
        "from the `environment:` of the jobs in {}, ordered by their `needs:`, then as written",
        files.join(", ")
    );
    let (envs, added) = match &forge_order {
        Some((_, order)) => deployed::merge(found, order),
        None => (found, Vec::new()),
    };
    let from_forge = |forge: &str| {
        format!("from the deployments on {forge}, in the order its commits reached them")
    };
    match (files.is_empty(), added.is_empty(), forge_order) {
        (_, _, forge_order) if envs.is_empty() => (
            vec![
                Env {
                    name: "staging".into(),
                    after: Vec::new(),
                },
                Env {
                    name: "production".into(),
                    after: vec!["staging".into()],
                },
            ],
            format!(
                "the defaults (no `environment:` found in .github/workflows or .gitlab-ci.yml{})",
                forge_order.map_or(String::new(), |(forge, _)| format!(
                    ", and no deployments on {forge}"
                ))
            ),
        ),
        (true, _, Some((forge, _))) => (envs, from_forge(forge)),
        (false, false, Some((forge, _))) => {
            let names: Vec<String> = added.iter().map(|n| format!("`{n}`")).collect();
            let source = format!("{from_files}; {} {}", names.join(", "), from_forge(forge));
            (envs, source)
        }
        _ => (envs, from_files),
    }
}

/// The forge the `origin` remote of the repository at `repo` (default: the current
/// directory) is on.
pub fn forge_of_repo(repo: Option<&Path>) -> Option<Forge> {
    let start = match repo {
        Some(dir) => dir.to_path_buf(),
        None => std::env::current_dir().ok()?,
    };
    let git = Git::discover(&start).ok()?;
    forge_of(&git.remote_url("origin").ok().flatten()?)
}

fn forge_of(url: &str) -> Option<Forge> {
    let url = url.to_ascii_lowercase();
    if url.contains("github") {
        Some(Forge::GitHub)
    } else if url.contains("gitlab") {
        Some(Forge::GitLab)
    } else {
        None
    }
}

/// The default branch (`origin/HEAD`, else the current branch, else `main`), with a note when
/// it could not be read.
fn default_branch(git: &Git) -> (String, Option<String>) {
    let origin = git
        .run([
            "symbolic-ref",
            "--quiet",
            "--short",
            "refs/remotes/origin/HEAD",
        ])
        .ok()
        .and_then(|name| name.trim().strip_prefix("origin/").map(String::from));
    let current = || {
        git.run(["symbolic-ref", "--quiet", "--short", "HEAD"])
            .ok()
            .map(|name| name.trim().to_string())
    };
    match origin.or_else(current) {
        Some(branch)
            if !branch.is_empty()
                && branch
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/')) =>
        {
            (branch, None)
        }
        Some(_) => (
            "main".into(),
            Some("the default branch's name has characters the workflow would need to quote: the workflow runs on `main`; edit `branches:`".into()),
        ),
        None => (
            "main".into(),
            Some("cannot tell the default branch (no `origin/HEAD`, HEAD detached): the workflow runs on `main`".into()),
        ),
    }
}

fn write(root: &Path, path: &str, text: &str) -> Result<(), InitError> {
    let full = root.join(path);
    let result = match full.parent() {
        Some(dir) => std::fs::create_dir_all(dir),
        None => Ok(()),
    }
    .and_then(|()| std::fs::write(&full, text));
    result.map_err(|source| InitError::Write { path: full, source })
}
