//! The rules every ledger backend enforces: which environment names are accepted, which state
//! changes follow the deployment lifecycle, what a new deployment must carry, and how git-ledger
//! ids look. Kept apart from the backends so both apply exactly the same rules.

use chrono::{DateTime, Utc};

use crate::forge::DeploymentState;

use super::error::LedgerError;
use super::names::{check_environment_name, id_segment};
use super::record::DeploymentRecord;
use super::request::{KnownDeployment, NewDeploymentRecord};

/// Checks an environment name against the one rule every tool shares
/// ([`check_environment_name`]).
pub fn validate_environment(name: &str) -> Result<(), LedgerError> {
    check_environment_name(name).map_err(|reason| LedgerError::InvalidEnvironment {
        name: name.escape_debug().to_string(),
        reason: format!("it {reason}"),
    })
}

/// Whether two environment names are the same environment (GitHub ignores case).
pub fn same_environment(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// What a valid transition does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransitionEffect {
    /// Record the new state.
    Record,
    /// Already there and final: change nothing.
    Unchanged,
}

/// Checks that `record` may move to `to` (the lifecycle in the module docs).
pub fn check_transition(
    record: &DeploymentRecord,
    to: DeploymentState,
) -> Result<TransitionEffect, LedgerError> {
    use DeploymentState::*;
    let from = record.state;
    let allowed = match (from, to) {
        (a, b) if a == b => {
            return Ok(if a.is_final() {
                TransitionEffect::Unchanged
            } else {
                TransitionEffect::Record
            });
        }
        (Queued, InProgress | Error | Inactive) => true,
        (InProgress, Success | Failure | Error | Inactive) => true,
        (Success | Failure | Error, Inactive) => true,
        _ => false,
    };
    if allowed {
        return Ok(TransitionEffect::Record);
    }
    let hint = match (from, to) {
        (Queued, Success | Failure) => {
            "it never started: move it to in_progress first (`shipline-status start`), or to error if it could not start".to_string()
        }
        (_, Queued | InProgress) => format!(
            "{from} is final; start a new deployment (`shipline-status start --env {}`) to deploy again",
            record.environment
        ),
        _ => format!(
            "{from} is final; only inactive may follow it. Start a new deployment to record a new outcome"
        ),
    };
    Err(LedgerError::InvalidTransition {
        id: record.id.clone(),
        environment: record.environment.clone(),
        from,
        to,
        hint,
    })
}

/// A readable git-ledger id, `<environment>-<short sha>-<unix time>-<8 hex>`, that `taken`
/// refuses never. Parallel jobs starting one commit in one environment within a second differ
/// only in the random part; a clash with a record already in the ledger is drawn again, and a
/// clash with a writer racing this one cannot land, because the loser of the push plans again
/// against the records the winner wrote.
pub(crate) fn new_id(
    environment: &str,
    sha: &str,
    at: DateTime<Utc>,
    taken: impl Fn(&str) -> bool,
) -> String {
    let short: String = sha.chars().take(7).collect();
    let head = format!("{}-{short}-{}", id_segment(environment), at.timestamp());
    loop {
        let id = format!("{head}-{:08x}", fastrand::u32(..));
        if !taken(&id) {
            return id;
        }
    }
}

/// Checks the fields of a new deployment that every backend needs.
pub(crate) fn check_new(new: &NewDeploymentRecord) -> Result<(), LedgerError> {
    validate_environment(&new.environment)?;
    if new.sha.trim().is_empty() {
        return Err(LedgerError::InvalidRequest(format!(
            "starting a deployment to `{}` needs the commit to deploy (`--ref`, default HEAD)",
            new.environment
        )));
    }
    if new.state.is_final() {
        return Err(LedgerError::InvalidRequest(format!(
            "a deployment to `{}` cannot start as {}: start it as queued or in_progress, then finish it",
            new.environment, new.state
        )));
    }
    Ok(())
}

/// Refuses deployment `id` of `environment` when that is not the environment the caller means.
pub(crate) fn check_known(
    id: &str,
    environment: &str,
    known: &KnownDeployment,
) -> Result<(), LedgerError> {
    if same_environment(environment, &known.environment) {
        return Ok(());
    }
    Err(LedgerError::InvalidRequest(format!(
        "deployment `{id}` belongs to `{environment}`, not `{}`: check the environment and the deployment id (`shipline-status show --env {environment}`)",
        known.environment
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use DeploymentState::*;

    #[test]
    fn environment_names() {
        for ok in [
            "production",
            "staging-eu",
            "review_42",
            "v1.2",
            "A",
            "9lives",
            "review/app",
        ] {
            assert!(validate_environment(ok).is_ok(), "{ok}");
        }
        let cases = [
            ("", "empty"),
            ("prod uction", "a space"),
            ("a\tb", "control character"),
            ("-lead", "starts with `-`"),
            (".hidden", "starts with `.`"),
            ("/review", "starts with a slash"),
            ("review/../x", "`..`"),
            ("caf\u{e9}", "`\u{e9}`"),
            ("x$y", "`$`"),
        ];
        for (name, why) in cases {
            let err = validate_environment(name).unwrap_err().to_string();
            assert!(err.contains(why), "{name:?}: {err}");
            assert!(err.contains("e.g. `production`"), "{err}");
        }
        let long = "e".repeat(super::super::MAX_ENVIRONMENT_LEN + 1);
        assert!(validate_environment(&long).is_err());
        assert!(validate_environment(&long[1..]).is_ok());
        assert!(same_environment("Production", "production"));
    }

    fn record(state: DeploymentState) -> DeploymentRecord {
        let at = Utc::now();
        DeploymentRecord {
            id: "staging-abc1234-1-beef".into(),
            environment: "staging".into(),
            sha: "abc".into(),
            git_ref: "main".into(),
            version: None,
            state,
            created_at: at,
            updated_at: at,
            creator: String::new(),
            environment_url: None,
            log_url: None,
            description: String::new(),
            history: vec![],
            forge_id: None,
            run_id: None,
            production: false,
            transient: false,
            risk: None,
        }
    }

    #[test]
    fn lifecycle_table() {
        let all = [Queued, InProgress, Success, Failure, Error, Inactive];
        let allowed = [
            (Queued, Queued),
            (Queued, InProgress),
            (Queued, Error),
            (Queued, Inactive),
            (InProgress, InProgress),
            (InProgress, Success),
            (InProgress, Failure),
            (InProgress, Error),
            (InProgress, Inactive),
            (Success, Success),
            (Success, Inactive),
            (Failure, Failure),
            (Failure, Inactive),
            (Error, Error),
            (Error, Inactive),
            (Inactive, Inactive),
        ];
        for from in all {
            for to in all {
                let result = check_transition(&record(from), to);
                assert_eq!(
                    result.is_ok(),
                    allowed.contains(&(from, to)),
                    "{from} -> {to}: {result:?}"
                );
            }
        }
        assert_eq!(
            check_transition(&record(Success), Success).unwrap(),
            TransitionEffect::Unchanged
        );
        assert_eq!(
            check_transition(&record(InProgress), InProgress).unwrap(),
            TransitionEffect::Record
        );
    }

    #[test]
    fn rejected_transitions_say_what_to_do() {
        let err = check_transition(&record(Success), InProgress)
            .unwrap_err()
            .to_string();
        assert!(err.contains("staging-abc1234-1-beef"), "{err}");
        assert!(
            err.contains("is success; it cannot move to in_progress"),
            "{err}"
        );
        assert!(err.contains("shipline-status start --env staging"), "{err}");
        let err = check_transition(&record(Queued), Success)
            .unwrap_err()
            .to_string();
        assert!(err.contains("never started"), "{err}");
    }

    #[test]
    fn ids_are_readable() {
        let at: DateTime<Utc> = "2024-05-01T10:00:00Z".parse().unwrap();
        let id = new_id("production", "0123456789abcdef", at, |_| false);
        let (head, rand) = id.rsplit_once('-').unwrap();
        assert_eq!(head, "production-0123456-1714557600");
        assert_eq!(rand.len(), 8);
        assert!(rand.chars().all(|c| c.is_ascii_hexdigit()));
        let id = new_id("review/app", "0123456789abcdef", at, |_| false);
        assert!(id.starts_with("review+app-0123456-1714557600-"), "{id}");
    }

    #[test]
    fn an_id_already_in_the_ledger_is_drawn_again() {
        // Two starts of one commit in one environment within a second once drew the same 16
        // random bits, and the second record folded into the first.
        let at: DateTime<Utc> = "2024-05-01T10:00:00Z".parse().unwrap();
        let refused = std::cell::RefCell::new(Vec::new());
        let id = new_id("staging", "0123456789abcdef", at, |id| {
            let mut refused = refused.borrow_mut();
            let clash = refused.len() < 3;
            if clash {
                refused.push(id.to_string());
            }
            clash
        });
        let refused = refused.into_inner();
        assert_eq!(refused.len(), 3);
        assert!(!refused.contains(&id), "{id} was refused");
        assert!(id.starts_with("staging-0123456-1714557600-"), "{id}");
    }

    #[test]
    fn new_deployments_need_a_commit_and_an_open_state() {
        let mut new = NewDeploymentRecord {
            environment: "staging".into(),
            ..Default::default()
        };
        assert!(check_new(&new).unwrap_err().to_string().contains("--ref"));
        new.sha = "HEAD".into();
        new.state = Success;
        assert!(
            check_new(&new)
                .unwrap_err()
                .to_string()
                .contains("cannot start as success")
        );
        new.state = Queued;
        assert!(check_new(&new).is_ok());
    }
}
