//! The files `init` writes: `.shipline.yml`, the GitHub workflow and the GitLab include file.
//!
//! Text templates rather than a YAML serializer, so the files keep their comments and read as a
//! person would write them. Every value pasted in is an environment name that passed
//! [`shipline_core::ledger::check_environment_name`] (ASCII letters, digits, `.`, `_`, `-`,
//! `/`), a job name from the user's own `.gitlab-ci.yml` written as a quoted scalar, or a branch
//! name checked the same way; shell steps read them from `env:`, never from `${{ }}`.

use super::detect::DeployJob;

/// The shipline version these files install: the running binary's, as the release tag `v<X.Y.Z>`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// `actions/checkout`, pinned by commit as the project's own workflows pin it.
const CHECKOUT: &str = "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2";

/// One environment of the starter configuration.
#[derive(Debug, Clone)]
pub struct Env {
    /// Its name.
    pub name: String,
    /// The environments it comes after.
    pub after: Vec<String>,
}

/// A YAML scalar for `text`: plain when that reads back as the same string, else quoted.
pub fn scalar(text: &str) -> String {
    let plain = text.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
        && !matches!(
            text.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "y" | "n"
        );
    if plain {
        text.to_string()
    } else {
        serde_json::to_string(text).unwrap_or_default()
    }
}

/// A job id GitHub accepts (`[A-Za-z_][A-Za-z0-9_-]*`) for `prefix-<environment>`.
fn job_id(prefix: &str, environment: &str) -> String {
    let tail: String = environment
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("{prefix}-{tail}")
}

/// Whether `text` can go into shell and YAML text as it is.
fn safe(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
}

/// `.shipline.yml`.
pub fn config(envs: &[Env], source: &str) -> String {
    let mut out = format!(
        "# shipline configuration, written by `shipline-status init` (shipline {VERSION}).\n\
         # Environments: {source}.\n\
         # Every key: https://github.com/shipline/shipline/blob/v{VERSION}/docs/configuration.md\n\
         # Check it after editing: shipline-status check\n\
         environments:\n"
    );
    let last = envs.len().saturating_sub(1);
    for (at, env) in envs.iter().enumerate() {
        let after: Vec<String> = env.after.iter().map(|name| scalar(name)).collect();
        let promoted = at == last && envs.len() > 1;
        if after.is_empty() && !promoted {
            out.push_str(&format!("  {}: {{}}\n", scalar(&env.name)));
            continue;
        }
        out.push_str(&format!("  {}:\n", scalar(&env.name)));
        if !after.is_empty() {
            out.push_str(&format!("    after: [{}]\n", after.join(", ")));
        }
        if promoted {
            out.push_str(
                "    # shipline-promote deploys here once the gates pass; until `rollout:` names\n\
                 \x20   # your deploy command, a promotion only checks the gates.\n\
                 \x20   # rollout:\n\
                 \x20   #   command: ./deploy.sh production   # gets SHIPLINE_SHA, SHIPLINE_WEIGHT, SHIPLINE_STEP\n\
                 \x20   #   steps: [100]\n",
            );
        }
    }
    out
}

/// Installs the release archive of [`VERSION`] on a Linux runner: the steps every job shares.
fn github_install(out: &mut String) {
    out.push_str(&format!(
        "      - uses: {CHECKOUT}\n\
         \x20       with:\n\
         \x20         fetch-depth: 0\n\
         \x20         persist-credentials: false\n\
         \x20     - name: Install shipline {VERSION}\n\
         \x20       env:\n\
         \x20         VERSION: \"{VERSION}\"\n\
         \x20       run: |\n\
         \x20         base=\"https://github.com/shipline/shipline/releases/download/v$VERSION\"\n\
         \x20         case \"$(uname -m)\" in\n\
         \x20           x86_64) target=x86_64-unknown-linux-musl ;;\n\
         \x20           aarch64 | arm64) target=aarch64-unknown-linux-musl ;;\n\
         \x20           *) echo \"::error::no shipline release archive for $(uname -m)\"; exit 1 ;;\n\
         \x20         esac\n\
         \x20         archive=\"shipline-$VERSION-$target.tar.gz\"\n\
         \x20         cd \"$RUNNER_TEMP\"\n\
         \x20         curl -fsSLO \"$base/$archive\"\n\
         \x20         curl -fsSLO \"$base/checksums.sha256\"\n\
         \x20         awk -v f=\"$archive\" '$2 == f' checksums.sha256 | grep -q . || {{ echo \"::error::$archive is not in checksums.sha256\"; exit 1; }}\n\
         \x20         awk -v f=\"$archive\" '$2 == f' checksums.sha256 | sha256sum --check --strict -\n\
         \x20         tar -xzf \"$archive\"\n\
         \x20         echo \"$RUNNER_TEMP/shipline-$VERSION-$target\" >> \"$GITHUB_PATH\"\n"
    ));
}

/// `.github/workflows/shipline.yml`.
pub fn github(envs: &[Env], branch: &str, detected: &[&DeployJob]) -> String {
    let (deployed, promoted) = split(envs);
    let mut out = format!(
        "# shipline, written by `shipline-status init` (shipline {VERSION}); edit it as your own.\n\
         # - pull requests: the risk summary as one sticky comment;\n\
         # - pushes to {branch}: {}; each deployment recorded with `shipline-status start` and\n\
         # \x20 `finish` around your deploy command;\n\
         # - {}\n\
         # shipline {VERSION} is installed from its release archive (tag v{VERSION}), checked against\n\
         # the checksums.sha256 published with it.\n\
         name: shipline\n\n\
         on:\n\
         \x20 pull_request:\n\
         \x20   types: [opened, synchronize, reopened, ready_for_review]\n\
         \x20 push:\n\
         \x20   branches: [{}]\n\n\
         permissions: {{}}\n\n\
         jobs:\n\
         \x20 risk:\n\
         \x20   name: risk summary\n\
         \x20   if: github.event_name == 'pull_request'\n\
         \x20   runs-on: ubuntu-latest\n\
         \x20   timeout-minutes: 10\n\
         \x20   permissions:\n\
         \x20     contents: read\n\
         \x20     pull-requests: write # the sticky comment\n\
         \x20   steps:\n",
        chain(envs),
        match promoted {
            Some(env) => format!(
                "{}: through shipline-promote's gates, rolled out by `rollout:` in .shipline.yml;\n\
                 # \x20 a failed rollout is rolled back and opens a revert pull request.",
                env.name
            ),
            None => "a failed deployment opens a revert pull request.".to_string(),
        },
        scalar(branch),
    );
    github_install(&mut out);
    out.push_str(
        "      - name: Risk summary\n\
         \x20       env:\n\
         \x20         GITHUB_TOKEN: ${{ github.token }}\n\
         \x20       run: shipline-risk --comment\n",
    );
    let mut previous: Option<String> = None;
    for env in deployed {
        let id = job_id("deploy", &env.name);
        let job = detected.iter().find(|job| job.environment == env.name);
        out.push_str(&format!(
            "\n  {id}:\n\
             \x20   name: deploy {0}\n\
             \x20   if: github.event_name == 'push'\n",
            env.name
        ));
        if let Some(previous) = &previous {
            out.push_str(&format!("    needs: [{previous}]\n"));
        }
        out.push_str(&format!(
            "    runs-on: ubuntu-latest\n\
             \x20   timeout-minutes: 30\n\
             \x20   permissions:\n\
             \x20     contents: read\n\
             \x20     deployments: write # the deployment record\n\
             \x20   concurrency:\n\
             \x20     group: shipline-{id}\n\
             \x20     cancel-in-progress: false\n\
             \x20   outputs:\n\
             \x20     deployment-id: ${{{{ steps.start.outputs.deployment-id }}}}\n\
             \x20     placeholder: ${{{{ steps.deploy.outputs.placeholder }}}}\n\
             \x20   env:\n\
             \x20     SHIPLINE_ENV: {}\n\
             \x20   steps:\n",
            scalar(&env.name)
        ));
        github_install(&mut out);
        // Names from the user's files go into a shell string only when nothing in them is
        // special to the shell or to YAML.
        let hint = match job {
            Some(job) if safe(&job.job) && safe(&job.file) => format!(
                "move the deploy steps of job {} in {} here",
                job.job, job.file
            ),
            Some(job) if safe(&job.file) => {
                format!("move the deploy steps of the job in {} here", job.file)
            }
            _ => "put your deploy command here".to_string(),
        };
        out.push_str(&format!(
            "      - id: start\n\
             \x20       env:\n\
             \x20         GITHUB_TOKEN: ${{{{ github.token }}}}\n\
             \x20       run: shipline-status start\n\
             \x20     # Your deploy command replaces this step's `run:`; until then the job fails here.\n\
             \x20     - id: deploy\n\
             \x20       name: Deploy to {0} (edit me)\n\
             \x20       run: |\n\
             \x20         echo \"::error title=shipline::.github/workflows/shipline.yml, job {id}: {hint}\"\n\
             \x20         echo \"placeholder=true\" >> \"$GITHUB_OUTPUT\"\n\
             \x20         exit 1\n\
             \x20     - name: Record how the deployment ended\n\
             \x20       if: ${{{{ always() && steps.start.outputs.deployment-id != '' }}}}\n\
             \x20       env:\n\
             \x20         GITHUB_TOKEN: ${{{{ github.token }}}}\n\
             \x20         SHIPLINE_DEPLOYMENT: ${{{{ steps.start.outputs.deployment-id }}}}\n\
             \x20         SHIPLINE_STATE: ${{{{ job.status == 'success' && 'success' || (job.status == 'cancelled' && 'cancelled' || 'failure') }}}}\n\
             \x20       run: shipline-status finish\n",
            env.name
        ));
        previous = Some(id);
    }
    match promoted {
        Some(env) => {
            let id = job_id("promote", &env.name);
            out.push_str(&format!("\n  {id}:\n    name: promote to {}\n", env.name));
            out.push_str("    if: github.event_name == 'push'\n");
            if let Some(previous) = &previous {
                out.push_str(&format!("    needs: [{previous}]\n"));
            }
            out.push_str(&format!(
                "    runs-on: ubuntu-latest\n\
                 \x20   timeout-minutes: 60\n\
                 \x20   permissions:\n\
                 \x20     contents: write # push the revert branch after a failed rollout\n\
                 \x20     deployments: write\n\
                 \x20     pull-requests: write # open the revert pull request\n\
                 \x20     checks: read\n\
                 \x20     statuses: read\n\
                 \x20   concurrency:\n\
                 \x20     group: shipline-{id}\n\
                 \x20     cancel-in-progress: false\n\
                 \x20   steps:\n\
                 \x20     - uses: {CHECKOUT}\n\
                 \x20       with:\n\
                 \x20         fetch-depth: 0\n\
                 \x20         persist-credentials: true # the revert branch is pushed with the job's token\n"
            ));
            let mut install = String::new();
            github_install(&mut install);
            // The checkout above keeps its credentials; the rest of the install is shared.
            let steps = install
                .split_once("      - name: Install")
                .map(|(_, rest)| rest);
            out.push_str(&format!(
                "      - name: Install{}",
                steps.unwrap_or_default()
            ));
            out.push_str(&format!(
                "      - id: risk\n\
                 \x20       env:\n\
                 \x20         GITHUB_TOKEN: ${{{{ github.token }}}}\n\
                 \x20       run: shipline-risk\n\
                 \x20     - env:\n\
                 \x20         GITHUB_TOKEN: ${{{{ github.token }}}}\n\
                 \x20         SHIPLINE_TO: {}\n\
                 \x20         SHIPLINE_RISK_LEVEL: ${{{{ steps.risk.outputs.level }}}}\n\
                 \x20         SHIPLINE_REVERT_ON_FAILURE: \"true\"\n\
                 \x20       run: shipline-promote\n",
                scalar(&env.name)
            ));
        }
        None => {
            if let Some(previous) = previous {
                out.push_str(&format!(
                    "\n  revert:\n\
                     \x20   name: revert what the failed deployment added\n\
                     \x20   needs: [{previous}]\n\
                     \x20   if: ${{{{ failure() && needs.{previous}.outputs.deployment-id != '' && needs.{previous}.outputs.placeholder != 'true' }}}}\n\
                     \x20   runs-on: ubuntu-latest\n\
                     \x20   timeout-minutes: 15\n\
                     \x20   permissions:\n\
                     \x20     contents: write # push the revert branch\n\
                     \x20     pull-requests: write\n\
                     \x20     issues: write # the issue listing conflicts when the revert does not apply\n\
                     \x20     deployments: read\n\
                     \x20   steps:\n\
                     \x20     - uses: {CHECKOUT}\n\
                     \x20       with:\n\
                     \x20         fetch-depth: 0\n\
                     \x20         persist-credentials: true # the revert branch is pushed with the job's token\n"
                ));
                let mut install = String::new();
                github_install(&mut install);
                let steps = install
                    .split_once("      - name: Install")
                    .map(|(_, rest)| rest);
                out.push_str(&format!(
                    "      - name: Install{}",
                    steps.unwrap_or_default()
                ));
                out.push_str(&format!(
                    "      - env:\n\
                     \x20         GITHUB_TOKEN: ${{{{ github.token }}}}\n\
                     \x20         SHIPLINE_DEPLOYMENT: ${{{{ needs.{previous}.outputs.deployment-id }}}}\n\
                     \x20       run: shipline-revert\n"
                ));
            }
        }
    }
    out
}

/// The environments deployed by a deploy job, and the last one when it is reached by promotion.
fn split(envs: &[Env]) -> (&[Env], Option<&Env>) {
    match envs.split_last() {
        Some((last, rest)) if !rest.is_empty() => (rest, Some(last)),
        _ => (envs, None),
    }
}

fn chain(envs: &[Env]) -> String {
    envs.iter()
        .map(|env| env.name.as_str())
        .collect::<Vec<_>>()
        .join(" -> ")
}

/// `.gitlab/shipline.yml`, for the user's `.gitlab-ci.yml` to include.
pub fn gitlab(envs: &[Env], detected: &[&DeployJob]) -> String {
    let (deployed, promoted) = split(envs);
    let mut out = format!(
        "# shipline, written by `shipline-status init` (shipline {VERSION}); edit it as your own.\n\
         # Add to .gitlab-ci.yml:  include: [{{ local: .gitlab/shipline.yml }}]\n\
         # - merge requests: the risk report as one MR note (needs a GITLAB_TOKEN project variable);\n\
         # - the default branch: {}, each a GitLab deployment recorded by shipline-status;\n\
         # - {}\n\
         # A job below named like one of your own jobs is merged with it by GitLab: your job keeps\n\
         # its script, and shipline records the deployment around it.\n\
         include:\n\
         \x20 - remote: https://raw.githubusercontent.com/shipline/shipline/v{VERSION}/.gitlab-ci-template.yml\n\
         \x20   inputs:\n\
         \x20     version: \"{VERSION}\"\n\n\
         shipline-risk:\n\
         \x20 extends: .shipline-risk\n\
         \x20 rules:\n\
         \x20   - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"\n\
         \x20   - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH\n",
        chain(envs),
        match promoted {
            Some(env) => format!(
                "{}: through shipline-promote's gates, rolled out by `rollout:` in .shipline.yml;\n\
                 # \x20 a failed rollout is rolled back and opens a revert MR.",
                env.name
            ),
            None => "a failed deployment opens a revert MR.".to_string(),
        },
    );
    let mut previous: Option<String> = None;
    for env in deployed {
        let job = detected.iter().find(|job| job.environment == env.name);
        let name = job.map_or_else(|| job_id("deploy", &env.name), |job| job.job.clone());
        out.push_str(&format!(
            "\n{}:\n\
             \x20 extends: .shipline-deploy\n\
             \x20 rules:\n\
             \x20   - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH\n",
            scalar(&name)
        ));
        if let Some(previous) = &previous {
            out.push_str(&format!("  needs: [{}]\n", scalar(previous)));
        }
        out.push_str(&format!(
            "  variables:\n    SHIPLINE_ENV: {}\n",
            scalar(&env.name)
        ));
        if job.is_none() {
            out.push_str(&format!(
                "  environment:\n\
                 \x20   name: {0}\n\
                 \x20 # Your deploy command replaces this script; until then the job fails here.\n\
                 \x20 script:\n\
                 \x20   - 'echo \"shipline: put your deploy command for {1} in .gitlab/shipline.yml, job {2}\"'\n\
                 \x20   - exit 1\n",
                scalar(&env.name),
                env.name,
                name
            ));
        }
        previous = Some(name);
    }
    match promoted {
        Some(env) => {
            let id = job_id("promote", &env.name);
            out.push_str(&format!(
                "\n{id}:\n\
                 \x20 extends: .shipline-promote\n\
                 \x20 rules:\n\
                 \x20   - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH\n"
            ));
            let mut needs = vec!["shipline-risk".to_string()];
            needs.extend(previous.iter().map(|name| scalar(name)));
            out.push_str(&format!(
                "  needs: [{}]\n\
                 \x20 variables:\n\
                 \x20   SHIPLINE_ENV: {1}\n\
                 \x20   SHIPLINE_REVERT_ON_FAILURE: \"true\"\n\
                 \x20 environment:\n\
                 \x20   name: {1}\n",
                needs.join(", "),
                scalar(&env.name)
            ));
        }
        None => {
            if let Some(previous) = previous {
                out.push_str(&format!(
                    "\nshipline-revert:\n\
                     \x20 extends: .shipline-revert\n\
                     \x20 needs:\n\
                     \x20   - job: {}\n\
                     \x20     artifacts: true\n\
                     \x20 rules:\n\
                     \x20   - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH\n\
                     \x20     when: on_failure\n",
                    scalar(&previous)
                ));
            }
        }
    }
    out
}
