//! What `init` learns from the repository before writing anything: the environments its CI
//! already deploys to (GitHub workflow jobs' and GitLab jobs' `environment:`), in promotion
//! order, and the jobs that deploy them.
//!
//! The files are the user's and may be anything: a file that does not parse, a job that is not
//! a mapping or an environment name shipline could not record is skipped with a note, never an
//! error. Order matters (it becomes `after:`), so jobs are read in file order rather than
//! through a sorted map.

use std::collections::BTreeSet;
use std::fmt;
use std::marker::PhantomData;
use std::path::Path;

use serde::Deserialize;
use serde::de::{MapAccess, Visitor};
use serde_json::Value;
use shipline_core::ledger::check_environment_name;

/// A mapping read in file order.
struct Ordered<V>(Vec<(String, V)>);

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Ordered<V> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entries<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for Entries<V> {
            type Value = Ordered<V>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some((key, value)) = map.next_entry::<Value, V>()? {
                    let key = match key {
                        Value::String(text) => text,
                        other => other.to_string(),
                    };
                    entries.push((key, value));
                }
                Ok(Ordered(entries))
            }
        }
        deserializer.deserialize_map(Entries(PhantomData))
    }
}

#[derive(Deserialize)]
struct Workflow {
    #[serde(default)]
    jobs: Option<Ordered<Value>>,
}

/// A job that deploys to an environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployJob {
    /// The file it is in, relative to the repository root.
    pub file: String,
    /// The job's name (its key).
    pub job: String,
    /// The environment it deploys to.
    pub environment: String,
    /// The jobs it `needs:`.
    pub needs: Vec<String>,
}

/// What the repository's CI files say.
#[derive(Debug, Default)]
pub struct Detected {
    /// The deploying jobs, in file order (files by name, jobs as written).
    pub jobs: Vec<DeployJob>,
    /// Things skipped, each a sentence for the user.
    pub notes: Vec<String>,
}

/// Reads `.github/workflows/*.yml|yaml` and `.gitlab-ci.yml` under `root`.
pub fn detect(root: &Path) -> Detected {
    let mut found = Detected::default();
    let mut workflows: Vec<_> = std::fs::read_dir(root.join(".github/workflows"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".yml") || name.ends_with(".yaml"))
        .collect();
    workflows.sort();
    for name in workflows {
        let file = format!(".github/workflows/{name}");
        // The workflow `init` itself writes is not the user's deployment.
        if name == "shipline.yml" {
            continue;
        }
        let Some(text) = read(root, &file, &mut found.notes) else {
            continue;
        };
        match serde_saphyr::from_str::<Workflow>(&text) {
            Ok(workflow) => {
                for (job, body) in workflow.jobs.map(|j| j.0).unwrap_or_default() {
                    found.add(&file, job, &body);
                }
            }
            Err(_) => found.notes.push(format!(
                "skipped {file}: not a YAML workflow shipline can read (check it with actionlint)"
            )),
        }
    }
    let file = ".gitlab-ci.yml";
    if root.join(file).is_file()
        && let Some(text) = read(root, file, &mut found.notes)
    {
        match serde_saphyr::from_str::<Ordered<Value>>(&text) {
            Ok(top) => {
                for (job, body) in top.0 {
                    // Hidden jobs (templates) and global keywords deploy nothing themselves.
                    if job.starts_with('.') || GITLAB_KEYWORDS.contains(&job.as_str()) {
                        continue;
                    }
                    found.add(file, job, &body);
                }
            }
            Err(_) => found.notes.push(format!(
                "skipped {file}: not YAML shipline can read (GitLab's CI lint page says why)"
            )),
        }
    }
    found
}

const GITLAB_KEYWORDS: &[&str] = &[
    "default",
    "include",
    "stages",
    "variables",
    "workflow",
    "image",
    "services",
    "cache",
    "before_script",
    "after_script",
    "spec",
];

fn read(root: &Path, file: &str, notes: &mut Vec<String>) -> Option<String> {
    match std::fs::read_to_string(root.join(file)) {
        Ok(text) => Some(text),
        Err(err) => {
            notes.push(format!("skipped {file}: cannot read it ({err})"));
            None
        }
    }
}

impl Detected {
    fn add(&mut self, file: &str, job: String, body: &Value) {
        let Some(environment) = body.get("environment") else {
            return;
        };
        let (name, action) = match environment {
            Value::String(name) => (name.as_str(), None),
            Value::Object(map) => match map.get("name") {
                Some(Value::String(name)) => (name.as_str(), map.get("action")),
                _ => return,
            },
            _ => return,
        };
        // A job that stops or prepares an environment does not deploy to it.
        if let Some(Value::String(action)) = action
            && action != "start"
        {
            return;
        }
        if name.contains('$') {
            self.notes.push(format!(
                "skipped environment `{name}` of job `{job}` in {file}: its name is set when the job runs"
            ));
            return;
        }
        if let Err(why) = check_environment_name(name) {
            self.notes.push(format!(
                "skipped environment `{}` of job `{job}` in {file}: the name {why}",
                name.escape_debug()
            ));
            return;
        }
        let needs = match body.get("needs") {
            Some(Value::String(one)) => vec![one.clone()],
            Some(Value::Array(list)) => list
                .iter()
                .filter_map(|need| match need {
                    Value::String(job) => Some(job.clone()),
                    Value::Object(map) => map.get("job").and_then(Value::as_str).map(String::from),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        self.jobs.push(DeployJob {
            file: file.to_string(),
            job,
            environment: name.to_string(),
            needs,
        });
    }

    /// The environments in promotion order, each with its `after:`. Order: the `needs:` between
    /// the deploying jobs, then file order. An
    /// environment that no deploying job leads to, other than the first, comes after the one
    /// before it, so the starter configuration is one promotion chain.
    pub fn environments(&self) -> Vec<(String, Vec<String>)> {
        let mut names: Vec<String> = Vec::new();
        for job in &self.jobs {
            if !names.contains(&job.environment) {
                names.push(job.environment.clone());
            }
        }
        let mut upstream: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); names.len()];
        for job in &self.jobs {
            let at = index(&names, &job.environment);
            for need in self.deploying_ancestors(job) {
                let from = index(&names, &need);
                if from != at {
                    upstream[at].insert(from);
                }
            }
        }
        // Kahn's order, the earliest written environment first among the ready ones.
        let mut order: Vec<usize> = Vec::new();
        let mut placed = vec![false; names.len()];
        while order.len() < names.len() {
            let next =
                (0..names.len()).find(|&i| !placed[i] && upstream[i].iter().all(|&u| placed[u]));
            match next {
                Some(i) => {
                    placed[i] = true;
                    order.push(i);
                }
                // A loop in `needs:`: the rest in file order, without the loop's edges.
                None => {
                    for i in 0..names.len() {
                        if !placed[i] {
                            placed[i] = true;
                            upstream[i].retain(|u| order.contains(u));
                            order.push(i);
                        }
                    }
                }
            }
        }
        let mut out: Vec<(String, Vec<String>)> = Vec::new();
        for (position, &i) in order.iter().enumerate() {
            let mut after: Vec<String> = upstream[i]
                .iter()
                .map(|&u| names[u].clone())
                .collect::<Vec<_>>();
            if after.is_empty() && position > 0 {
                after.push(names[order[position - 1]].clone());
            }
            after.sort_by_key(|name| order.iter().position(|&o| &names[o] == name));
            out.push((names[i].clone(), after));
        }
        out
    }

    /// The environments of the deploying jobs that `job` needs, in the same file.
    fn deploying_ancestors(&self, job: &DeployJob) -> Vec<String> {
        job.needs
            .iter()
            .filter_map(|name| {
                self.jobs
                    .iter()
                    .find(|j| j.file == job.file && &j.job == name)
                    .map(|deploying| deploying.environment.clone())
            })
            .collect()
    }
}

fn index(names: &[String], name: &str) -> usize {
    names.iter().position(|n| n == name).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn job(file: &str, job: &str, environment: &str, needs: &[&str]) -> DeployJob {
        DeployJob {
            file: file.into(),
            job: job.into(),
            environment: environment.into(),
            needs: needs.iter().map(|n| n.to_string()).collect(),
        }
    }

    fn order(jobs: Vec<DeployJob>) -> Vec<(String, Vec<String>)> {
        Detected {
            jobs,
            notes: Vec::new(),
        }
        .environments()
    }

    #[test]
    fn needs_order_the_environments_and_fill_in_after() {
        let found = order(vec![
            job("a.yml", "prod", "production", &["eu", "us"]),
            job("a.yml", "eu", "staging-eu", &["qa"]),
            job("a.yml", "us", "staging-us", &["qa"]),
            job("a.yml", "qa", "qa", &[]),
        ]);
        assert_eq!(
            found,
            [
                ("qa".to_string(), vec![]),
                ("staging-eu".to_string(), vec!["qa".to_string()]),
                ("staging-us".to_string(), vec!["qa".to_string()]),
                (
                    "production".to_string(),
                    vec!["staging-eu".to_string(), "staging-us".to_string()]
                ),
            ]
        );
    }

    #[test]
    fn without_needs_file_order_makes_one_chain_and_a_loop_does_not_hang() {
        let found = order(vec![
            job("a.yml", "s", "staging", &[]),
            job("a.yml", "p", "production", &[]),
        ]);
        assert_eq!(found[1], ("production".into(), vec!["staging".into()]));
        let found = order(vec![
            job("a.yml", "x", "one", &["y"]),
            job("a.yml", "y", "two", &["x"]),
        ]);
        assert_eq!(found.len(), 2);
    }

    proptest! {
        /// Whatever a `.gitlab-ci.yml` holds, reading it never fails or panics, and what comes
        /// out is a configuration the tools accept: valid names, each once, `after:` naming
        /// only environments listed before it.
        #[test]
        fn any_pipeline_gives_valid_environments_in_order(
            envs in proptest::collection::vec("[a-z$/{} .]{0,12}", 0..6),
            needs in proptest::collection::vec((0usize..6, 0usize..6), 0..8),
            junk in ".{0,40}",
        ) {
            let mut text = format!("# {}\nstages: [deploy]\n", junk.replace('\n', " "));
            for (i, env) in envs.iter().enumerate() {
                let wanted: Vec<String> = needs
                    .iter()
                    .filter(|(from, _)| *from == i)
                    .map(|(_, to)| format!("job{to}"))
                    .collect();
                text.push_str(&format!(
                    "job{i}:\n  script: [x]\n  environment: {}\n  needs: [{}]\n",
                    serde_json::to_string(env).unwrap(),
                    wanted.join(", ")
                ));
            }
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join(".gitlab-ci.yml"), &text).unwrap();
            // A workflow that is not YAML at all is a note, not a failure.
            std::fs::create_dir_all(dir.path().join(".github/workflows")).unwrap();
            std::fs::write(dir.path().join(".github/workflows/junk.yml"), &junk).unwrap();
            let found = detect(dir.path()).environments();
            let mut seen: Vec<&str> = Vec::new();
            for (name, after) in &found {
                prop_assert!(check_environment_name(name).is_ok(), "{name}");
                prop_assert!(!seen.contains(&name.as_str()), "{name} twice");
                for upstream in after {
                    prop_assert!(seen.contains(&upstream.as_str()), "{upstream} after {name}");
                }
                seen.push(name);
            }
        }
    }
}
