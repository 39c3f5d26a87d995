//! The environments a repository already deploys to on its forge, in the order its commits
//! reach them: what `init` adds to those its CI files name, when a token lets it read the
//! forge's deployments.
//!
//! The order comes from the commits deployed to two environments: the one that usually got
//! such a commit first is upstream of the other. Each environment is ranked by how many others
//! it precedes that way (ties: an environment called production or prod last, then the one
//! deployed to first), which gives the promotion order even when the history holds redeploys,
//! hotfixes straight to production or environments that share few commits.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use shipline_core::ledger::{DeploymentRecord, validate_environment};

use super::render::Env;

/// The environments of `records` (the ledger's list, newest first) in promotion order, leaving
/// out transient ones (review apps) and names the ledger cannot record.
pub(crate) fn order(records: &[DeploymentRecord]) -> Vec<String> {
    // When each environment first got each commit: the time, then the position in the list
    // (a forge keeps whole seconds, and the list is newest first).
    let total = records.len();
    let mut names: Vec<String> = Vec::new();
    let mut first: HashMap<String, HashMap<&str, Seen>> = HashMap::new();
    for (i, record) in records.iter().enumerate() {
        if record.transient || validate_environment(&record.environment).is_err() {
            continue;
        }
        let key = record.environment.to_ascii_lowercase();
        if !first.contains_key(&key) {
            names.push(record.environment.clone());
        }
        let at = (record.created_at, total - i);
        first
            .entry(key)
            .or_default()
            .entry(record.sha.as_str())
            .and_modify(|seen| *seen = (*seen).min(at))
            .or_insert(at);
    }
    let key = |name: &str| name.to_ascii_lowercase();
    let precedes = |a: &str, b: &str| -> bool {
        let (a, b) = (&first[&key(a)], &first[&key(b)]);
        let (mut before, mut after) = (0, 0);
        for (sha, at) in a {
            if let Some(other) = b.get(sha) {
                if at < other {
                    before += 1;
                } else if at > other {
                    after += 1;
                }
            }
        }
        before > after
    };
    let earliest = |name: &str| first[&key(name)].values().min().copied();
    // Commits it precedes others with, whether it is production, when it was first deployed.
    let mut ranked: Vec<(usize, bool, Option<Seen>, String)> = names
        .iter()
        .map(|name| {
            let wins = names
                .iter()
                .filter(|other| *other != name && precedes(name, other))
                .count();
            (wins, is_production(name), earliest(name), name.clone())
        })
        .collect();
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    ranked.into_iter().map(|(.., name)| name).collect()
}

/// When an environment got a commit: the time, then the position from the end of the list.
type Seen = (DateTime<Utc>, usize);

fn is_production(name: &str) -> bool {
    matches!(name.to_ascii_lowercase().as_str(), "production" | "prod")
}

/// `found` (from the CI files, in their order) with the environments `deployed` (in promotion
/// order) adds: each new one goes before the first environment of `found` that comes after it
/// in `deployed`, or at the end, and comes after the environment before it. Returns the list
/// and the names added.
pub(crate) fn merge(found: Vec<Env>, deployed: &[String]) -> (Vec<Env>, Vec<String>) {
    let same = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    let mut envs = found;
    let mut added = Vec::new();
    for (at, name) in deployed.iter().enumerate() {
        if envs.iter().any(|env| same(&env.name, name)) {
            continue;
        }
        let position = deployed[at + 1..]
            .iter()
            .find_map(|later| envs.iter().position(|env| same(&env.name, later)))
            .unwrap_or(envs.len());
        let before = position.checked_sub(1).map(|i| envs[i].name.clone());
        // The environment it now precedes follows it instead of the one before it.
        if let Some(next) = envs.get_mut(position) {
            let follows_before = match &before {
                Some(b) => next.after.len() == 1 && same(&next.after[0], b),
                None => next.after.is_empty(),
            };
            if follows_before {
                next.after = vec![name.clone()];
            }
        }
        envs.insert(
            position,
            Env {
                name: name.clone(),
                after: before.into_iter().collect(),
            },
        );
        added.push(name.clone());
    }
    (envs, added)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use shipline_core::forge::DeploymentState;

    fn record(environment: &str, sha: &str, minute: u32, transient: bool) -> DeploymentRecord {
        let at = Utc.with_ymd_and_hms(2026, 11, 2, 9, minute, 0).unwrap();
        DeploymentRecord {
            id: format!("{environment}-{sha}-{minute}"),
            environment: environment.into(),
            sha: sha.into(),
            git_ref: "main".into(),
            version: None,
            state: DeploymentState::Success,
            created_at: at,
            updated_at: at,
            creator: "octocat".into(),
            environment_url: None,
            log_url: None,
            description: String::new(),
            history: Vec::new(),
            forge_id: None,
            run_id: None,
            production: false,
            transient,
            risk: None,
        }
    }

    fn env(name: &str, after: &[&str]) -> Env {
        Env {
            name: name.into(),
            after: after.iter().map(|a| a.to_string()).collect(),
        }
    }

    #[test]
    fn commits_reach_dev_then_qa_then_prod_whatever_the_noise() {
        // Newest first, as the ledger lists: three commits through dev -> qa -> prod, a hotfix
        // straight to prod, a redeploy of dev and a review app.
        let mut records = vec![
            record("prod", "c", 50, false),
            record("review/7", "x", 49, true),
            record("qa", "c", 45, false),
            record("dev", "c", 40, false),
            record("prod", "hotfix", 35, false),
            record("dev", "a", 33, false),
            record("prod", "b", 30, false),
            record("qa", "b", 25, false),
            record("dev", "b", 20, false),
            record("prod", "a", 15, false),
            record("qa", "a", 10, false),
            record("dev", "a", 5, false),
        ];
        assert_eq!(order(&records), ["dev", "qa", "prod"]);
        // Ties go to the name: production last.
        records = vec![
            record("production", "a", 1, false),
            record("eu", "b", 2, false),
        ];
        assert_eq!(order(&records), ["eu", "production"]);
    }

    #[test]
    fn deployed_environments_go_where_the_forge_puts_them() {
        let found = vec![env("staging", &[]), env("production", &["staging"])];
        let deployed = ["dev", "staging", "canary", "production"].map(String::from);
        let (envs, added) = merge(found, &deployed);
        let names: Vec<&str> = envs.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["dev", "staging", "canary", "production"]);
        assert_eq!(added, ["dev", "canary"]);
        assert!(envs[0].after.is_empty());
        assert_eq!(envs[1].after, ["dev"]);
        assert_eq!(envs[2].after, ["staging"]);
        assert_eq!(envs[3].after, ["canary"]);
        // Nothing from the CI files: the forge's order alone.
        let (envs, _) = merge(Vec::new(), &["qa", "prod"].map(String::from));
        assert_eq!(envs[1].after, ["qa"]);
    }
}
