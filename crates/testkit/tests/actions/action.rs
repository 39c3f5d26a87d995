//! The shipline action (`uses: <owner>/shipline@<ref>`) in the simulated runner, run from this
//! workspace's `action.yml`: the inputs from their defaults and `with:`, its install step
//! replaced by this workspace's binaries, its run step (`scripts/run-action.sh`) run as written
//! with the environment `action.yml` gives it, its outputs read back through `action.yml`'s
//! `outputs:`. So the mapping of inputs onto the tools is the action's own, not a copy.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;
use shipline_testkit::outputs::read_github_output;

use super::expr::{self, Context, Val};
use super::{JobContext, Shell, scalar};

/// This workspace's root: the shipline action (`action.yml`, `scripts/`).
fn action_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

/// The shipline action (`uses: <owner>/shipline@<ref>`), run from this workspace's
/// `action.yml`: the inputs from their defaults and `with:`, its install step replaced by this
/// workspace's binaries, its run step (`scripts/run-action.sh`) run as written with the
/// environment `action.yml` gives it, its outputs read back through `action.yml`'s `outputs:`.
pub(super) struct ShiplineAction {
    doc: Value,
}

/// What one run of the action left.
pub(super) struct ActionRun {
    pub(super) outcome: String,
    pub(super) code: Option<i32>,
    pub(super) script: String,
    pub(super) log: String,
    pub(super) outputs: BTreeMap<String, String>,
}

/// What expressions inside the action read: its inputs and its own steps' outputs.
struct ActionContext<'a> {
    inputs: &'a BTreeMap<String, String>,
    bin_dir: String,
    run: BTreeMap<String, String>,
}

impl Context for ActionContext<'_> {
    fn property(&self, path: &str) -> Option<Val> {
        let parts: Vec<&str> = path.split('.').collect();
        let text = |v: Option<&String>| v.cloned().map_or(Val::Null, Val::Str);
        match parts.as_slice() {
            ["inputs", name] => Some(text(self.inputs.get(*name))),
            ["steps", "install", "outputs", "bin-dir"] => Some(Val::Str(self.bin_dir.clone())),
            ["steps", "install", "outputs", _] => Some(Val::Null),
            ["steps", "run", "outputs", name] => Some(text(self.run.get(*name))),
            _ => None,
        }
    }

    fn job_status(&self) -> &str {
        "success"
    }
}

impl ShiplineAction {
    /// The action `uses` names, which must be shipline's.
    pub(super) fn read(uses: &str) -> Self {
        let name = uses.split('@').next().unwrap_or_default();
        assert!(
            name.rsplit('/').next() == Some("shipline"),
            "a step uses `{uses}`: this runner simulates actions/checkout, the shipline action and run: steps only"
        );
        let path = action_path().join("action.yml");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        let doc = serde_saphyr::from_str(&text)
            .unwrap_or_else(|e| panic!("{} is not YAML this test can read: {e}", path.display()));
        Self { doc }
    }

    /// Runs the action with the step's `with:` in the job's `context`.
    pub(super) fn run(
        &self,
        with: &Value,
        context: &JobContext,
        bins: &Path,
        shell: &Shell,
    ) -> ActionRun {
        let mut inputs = BTreeMap::new();
        let declared = self.doc["inputs"].as_object().expect("action.yml inputs");
        for (name, input) in declared {
            let default = input.get("default").map(scalar).unwrap_or_default();
            inputs.insert(name.clone(), expr::interpolate(&default, context));
        }
        for (name, value) in with.as_object().into_iter().flatten() {
            assert!(
                declared.contains_key(name),
                "the shipline action has no input `{name}`"
            );
            inputs.insert(name.clone(), expr::interpolate(&scalar(value), context));
        }
        for (name, input) in declared {
            if input["required"].as_bool() == Some(true) {
                assert!(
                    inputs.get(name).is_some_and(|v| !v.is_empty()),
                    "the shipline action needs the input `{name}`"
                );
            }
        }
        let steps = self.doc["runs"]["steps"]
            .as_array()
            .expect("action.yml steps");
        let run_step = steps
            .iter()
            .find(|s| s["id"] == "run")
            .expect("action.yml has a step `run`");
        let mut action = ActionContext {
            inputs: &inputs,
            bin_dir: bins.to_string_lossy().into_owned(),
            run: BTreeMap::new(),
        };
        let mut vars = BTreeMap::new();
        for (key, value) in run_step["env"].as_object().into_iter().flatten() {
            vars.insert(key.clone(), expr::interpolate(&scalar(value), &action));
        }
        vars.insert(
            "GITHUB_ACTION_PATH".into(),
            action_path().to_string_lossy().into_owned(),
        );
        let script = run_step["run"].as_str().expect("the run step's run:");
        let (outcome, code, log) = shell.bash(script, &vars);
        action.run = read_github_output(Path::new(&shell.vars["GITHUB_OUTPUT"]));
        let outputs = self.doc["outputs"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(name, output)| {
                let value = expr::interpolate(&scalar(&output["value"]), &action);
                (name.clone(), value)
            })
            .filter(|(_, value)| !value.is_empty())
            .collect();
        ActionRun {
            outcome,
            code,
            script: format!(
                "shipline-{} {} {} (the shipline action)",
                inputs["command"], inputs["subcommand"], inputs["args"]
            ),
            log,
            outputs,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Event, Runner, Workflow};
    use shipline_testkit::fixtures::webhook;
    use shipline_testkit::forge::FakeForge;
    use shipline_testkit::forge::github::Pull;
    use shipline_testkit::repo::TestRepo;

    const TOKEN: &str = "ghs_actionStepToken0123456789abcdef";
    const SLUG: &str = "acme/widgets";

    /// A workflow that uses the action rather than `run:` lines, and reads one of its outputs.
    const WORKFLOW: &str = r#"on:
  pull_request:
jobs:
  risk:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0
      - id: risk
        uses: shipline/shipline@v1
        with:
          command: risk
          comment: true
      - env:
          LEVEL: ${{ steps.risk.outputs.level }}
        run: test -n "$LEVEL"
"#;

    #[test]
    fn the_shipline_action_maps_its_inputs_and_outputs_through_action_yml() {
        let repo = TestRepo::new();
        let base = repo.commit("feat: first").file("a.txt", "a\n").create();
        repo.push();
        repo.branch("change");
        let head = repo.commit("fix: second").file("a.txt", "b\n").create();
        repo.run(["push", "-q", "origin", "change"]);
        let forge = FakeForge::start();
        {
            let mut state = forge.state();
            state.github.add_repo(SLUG).git_dir = Some(repo.bare_path().to_path_buf());
            state.github.require_token(TOKEN);
        }
        let number = forge
            .state()
            .github
            .add_pull(SLUG, Pull::open("fix: second", "change", &head));
        let mut payload = webhook("pull_request.opened");
        payload["repository"]["full_name"] = SLUG.into();
        payload["repository"]["name"] = "widgets".into();
        payload["repository"]["owner"]["login"] = "acme".into();
        payload["number"] = number.into();
        payload["pull_request"]["number"] = number.into();
        payload["pull_request"]["head"]["sha"] = head.clone().into();
        payload["pull_request"]["head"]["ref"] = "change".into();
        payload["pull_request"]["base"]["sha"] = base.into();
        payload["pull_request"]["base"]["ref"] = "main".into();
        let event = Event {
            name: "pull_request".into(),
            payload,
        };
        let runner = Runner {
            forge: &forge,
            origin: repo.bare_path(),
            slug: SLUG,
            token: TOKEN,
            bins: shipline_testkit::bins::dir().to_path_buf(),
            edits: Vec::new(),
        };
        let workflow = Workflow::parse("a test workflow", WORKFLOW);
        assert!(workflow.triggers(&event));
        let run = runner.run_job(&workflow, "risk", &event);
        run.assert_success();
        assert_eq!(run.shipline_steps().len(), 1, "{}", run.log());
        let comments = forge.state().github.comments_on(SLUG, number);
        assert_eq!(comments.len(), 1, "{}", run.log());
        assert!(
            comments[0].body.starts_with("<!-- shipline-risk -->"),
            "{}",
            comments[0].body
        );
    }
}
