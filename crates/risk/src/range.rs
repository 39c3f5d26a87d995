//! Which commits the report is about.
//!
//! A reviewer wants what the PR/MR adds; a release manager wants what has not reached production
//! yet. Without flags the range is, in order: the PR/MR's base..head; the last successful
//! `production` deployment in the ledger..HEAD; the latest version tag..HEAD; the whole history.
//! `--base`/`--head` override. Shallow clones are deepened first (or fail with the checkout
//! setting to change), and unknown revisions name the flag they came from.
//!
//! For one component (`--component NAME`) the defaults are its own: its last successful
//! `production/NAME` deployment, else its latest tag with its own prefix (`NAME-v1.2.0`), never
//! the repository's; and the range holds only the changes under its paths and shared paths.

use serde::Serialize;
use shipline_commits::{TaggedVersion, choose_family};
use shipline_core::app::App;
use shipline_core::config::Component;
use shipline_core::context::Runtime;
use shipline_core::git::{Git, GitError, shallow};

use crate::error::RangeError;

/// Where the lower end of the range came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum BaseSource {
    /// `--base`.
    Flag {
        /// The revision as given.
        rev: String,
        /// Whether it names a tag.
        tag: bool,
    },
    /// The PR/MR's base.
    ChangeRequest {
        /// The PR/MR number.
        number: u64,
    },
    /// The last successful production deployment.
    Deployment {
        /// Its id in the ledger.
        id: String,
        /// The environment it went to.
        environment: String,
    },
    /// The latest version tag.
    Tag {
        /// The tag name.
        tag: String,
    },
    /// No base: the whole history.
    WholeHistory,
}

/// A resolved range: full SHAs and where the base came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Range {
    /// Exclusive lower end; `None` for the whole history.
    pub base: Option<String>,
    /// Inclusive upper end.
    pub head: String,
    /// Why this base.
    pub source: BaseSource,
    /// `--head` as given, to read its tag family.
    #[serde(skip)]
    pub head_rev: Option<String>,
    /// The configured prefix of version tags (`versions.tag_prefix`, or the component's).
    #[serde(skip)]
    pub tag_prefix: Option<String>,
    /// The component the range is about, if one is.
    #[serde(skip)]
    pub component: Option<Scope>,
}

/// The part of the repository one component's report reads.
#[derive(Debug, Clone)]
pub struct Scope {
    /// The component's name.
    pub name: String,
    /// Git pathspecs of its paths and shared paths ([`Component::pathspecs`]).
    pub pathspecs: Vec<String>,
    /// The component as configured, to ask which files count for it.
    pub component: Component,
}

impl Scope {
    /// The scope of `component`.
    pub fn of(component: &Component) -> Self {
        Self {
            name: component.name().to_string(),
            pathspecs: component.pathspecs(),
            component: component.clone(),
        }
    }
}

/// Two scopes are the same when they read the same paths of the same component.
impl PartialEq for Scope {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.pathspecs == other.pathspecs
    }
}

impl Eq for Scope {}

/// The ledger's name for production deployments of `component` (`production/api`), or of the
/// whole repository.
fn production_key(component: Option<&Component>) -> String {
    match component {
        Some(component) => component.environment_key(PRODUCTION),
        None => PRODUCTION.to_string(),
    }
}

/// The environment whose deployments start a release's range.
const PRODUCTION: &str = "production";

/// Resolves the range for this run (see the module docs).
pub async fn resolve(
    app: &App,
    git: &Git,
    base_flag: Option<&str>,
    head_flag: Option<&str>,
    component: Option<&Component>,
) -> Result<Range, RangeError> {
    let ctx = &app.ctx;
    let tag_prefix = match component {
        Some(component) => Some(component.tag_prefix().into_owned()),
        None => app.config.tag_prefix().map(String::from),
    };
    let scope = component.map(Scope::of);
    let pr = ctx.pull_request().filter(|_| ctx.is_change_request());
    let head_rev = match (head_flag, pr) {
        (Some(head), _) => head.to_string(),
        (None, Some(pr)) => pr.head_sha.clone(),
        (None, None) => "HEAD".to_string(),
    };
    let (base_rev, mut source) = match (base_flag, pr) {
        (Some(base), _) => (
            Some(base.to_string()),
            BaseSource::Flag {
                rev: base.to_string(),
                tag: false,
            },
        ),
        (None, Some(pr)) => match pr.base_sha.clone().or_else(|| ctx.base_sha.clone()) {
            Some(base) => (Some(base), BaseSource::ChangeRequest { number: pr.number }),
            None => (None, BaseSource::WholeHistory),
        },
        (None, None) => (None, BaseSource::WholeHistory),
    };
    shallow::ensure_range(git, base_rev.as_deref(), &head_rev)?;
    let head_from = match (head_flag, pr) {
        (None, Some(pr)) => event_source(app, pr.number, "head"),
        _ => "--head".to_string(),
    };
    let head = resolve_flag(git, &head_rev, head_from)?;
    if let Some(base_rev) = base_rev {
        let base_from = match (&source, pr) {
            (BaseSource::ChangeRequest { .. }, Some(pr)) => event_source(app, pr.number, "base"),
            _ => "--base".to_string(),
        };
        let base = resolve_flag(git, &base_rev, base_from)?;
        if let BaseSource::Flag { tag, .. } = &mut source {
            check_order(git, &base, &head, &base_rev, &head_rev)?;
            let name = format!("refs/tags/{}", base_rev.trim_start_matches("refs/tags/"));
            *tag = git.check(["show-ref", "--verify", "--quiet", &name])?;
        }
        return Ok(Range {
            base: Some(base),
            head,
            source,
            head_rev: head_flag.map(String::from),
            tag_prefix,
            component: scope,
        });
    }

    let environment = production_key(component);
    if let Some((sha, id)) = last_production(app, git, &environment).await {
        return Ok(Range {
            base: Some(sha),
            head,
            source: BaseSource::Deployment { id, environment },
            head_rev: head_flag.map(String::from),
            tag_prefix,
            component: scope,
        });
    }
    if let Some(tagged) = latest_tag(git, &head, tag_prefix.as_deref())? {
        let base = git.resolve(&tagged.tag)?;
        return Ok(Range {
            base: Some(base),
            head,
            source: BaseSource::Tag { tag: tagged.tag },
            head_rev: head_flag.map(String::from),
            tag_prefix,
            component: scope,
        });
    }
    Ok(Range {
        base: None,
        head,
        source: BaseSource::WholeHistory,
        head_rev: head_flag.map(String::from),
        tag_prefix,
        component: scope,
    })
}

/// Where the CI event named the `end` (`base` or `head`) of change request `number`: the
/// payload field on GitHub, the predefined variables on GitLab.
fn event_source(app: &App, number: u64, end: &str) -> String {
    match (app.ctx.runtime, end) {
        (Runtime::GitLabCi, "base") => {
            format!("CI_MERGE_REQUEST_DIFF_BASE_SHA (the base of !{number})")
        }
        (Runtime::GitLabCi, _) => {
            format!("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA (the head of !{number})")
        }
        (_, end) => format!(
            "`pull_request.{end}.sha` in the event payload at GITHUB_EVENT_PATH (the {end} of #{number})"
        ),
    }
}

fn resolve_flag(git: &Git, rev: &str, from: String) -> Result<String, RangeError> {
    git.resolve(rev).map_err(|source| match source {
        // No revision resolves in an empty repository: that, not the flag, is the news.
        GitError::NoCommits { .. } => RangeError::Git(source),
        source => RangeError::Revision {
            from: from.into_boxed_str(),
            rev: rev.to_string(),
            source,
        },
    })
}

/// Refuses a `--base` that is newer than the head or shares no history with it: either would
/// report "nothing to ship" (or a meaningless range) and pass a `--fail-above` gate. A base that
/// has only diverged from the head (a release branch) is a real range and is kept.
fn check_order(
    git: &Git,
    base: &str,
    head: &str,
    base_rev: &str,
    head_rev: &str,
) -> Result<(), RangeError> {
    if base == head || git.check(["merge-base", "--is-ancestor", base, head])? {
        return Ok(());
    }
    let named = || (base_rev.to_string(), head_rev.to_string());
    if git.check(["merge-base", "--is-ancestor", head, base])? {
        let (base, head) = named();
        return Err(RangeError::Reversed { base, head });
    }
    if !git.check(["merge-base", base, head])? {
        let (base, head) = named();
        return Err(RangeError::Unrelated { base, head });
    }
    Ok(())
}

/// The SHA and id of the last successful deployment to `environment` (`production`, or a
/// component's `production/api`), when the ledger has one that this clone knows. A ledger that
/// cannot be read is reported and skipped: the tag fallback still gives a useful report.
async fn last_production(app: &App, git: &Git, environment: &str) -> Option<(String, String)> {
    let ledger = match app.ledger() {
        Ok(ledger) => ledger,
        Err(err) => {
            app.outputs
                .log()
                .warn(&format!("not reading the deployment ledger: {err}"));
            return None;
        }
    };
    match ledger.last_successful(environment).await {
        Ok(Some(record)) => match git.resolve(&record.sha) {
            Ok(sha) => Some((sha, record.id)),
            Err(_) => {
                app.outputs.log().warn(&format!(
                    "the last {environment} deployment ({}) is at {}, which this clone does not have; falling back to tags",
                    record.id, record.sha
                ));
                None
            }
        },
        Ok(None) => None,
        Err(err) => {
            app.outputs
                .log()
                .warn(&format!("cannot read {environment} deployments: {err}"));
            None
        }
    }
}

/// The highest version tag reachable from `head` in the repository's tag family: the configured
/// prefix, else the family with the most version tags ([`choose_family`]).
pub fn latest_tag(
    git: &Git,
    head: &str,
    prefix: Option<&str>,
) -> Result<Option<TaggedVersion>, GitError> {
    let tags = git.run(["tag", "--merged", head])?;
    let tags: Vec<&str> = tags.lines().map(str::trim).collect();
    let family = choose_family([], prefix, tags.iter().copied());
    Ok(family.latest(tags.iter().copied()))
}
