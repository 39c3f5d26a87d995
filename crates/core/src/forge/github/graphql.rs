//! GitHub GraphQL, where one query replaces many REST calls: the pull requests of up to 100
//! commits at once, the latest status of up to 100 deployments at once, a pull request
//! together with the pull requests from a given head branch, and a pull request together with
//! the pull requests that reference it.
//!
//! Queries go to `ForgeConfig::graphql_url` (GitHub Enterprise Server: `/api/graphql`, beside
//! rather than under the REST base `/api/v3`).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use http::Method;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use super::GitHub;
use super::client::Op;
use super::types::{User, deployment_state, login};
use crate::forge::error::ForgeError;
use crate::forge::types::{
    CheckState, DeploymentStatus, ForgeKind, PrState, PullRequest, ReviewDecision,
};

/// GraphQL queries only read: safe to retry.
const QUERY: Op = Op::write(Method::POST, "/graphql", "pull-requests: read").idempotent();

/// Enabling auto-merge twice leaves it enabled: safe to retry.
const MUTATION: Op = Op::write(
    Method::POST,
    "/graphql",
    "pull-requests: write (and auto-merge allowed in the repository settings)",
)
.idempotent();

/// Commits per query (GitHub caps a query's nodes; 100 aliases stay well inside it).
pub(crate) const BATCH: usize = 100;

#[derive(Deserialize)]
struct Envelope<T> {
    data: Option<T>,
    #[serde(default)]
    errors: Vec<GraphQlError>,
}

#[derive(Deserialize)]
struct GraphQlError {
    #[serde(default, rename = "type")]
    kind: Option<String>,
    message: String,
}

impl GitHub {
    /// Runs one query; GraphQL errors become [`ForgeError`]s.
    async fn graphql<T: DeserializeOwned>(
        &self,
        query: &str,
        variables: serde_json::Value,
    ) -> Result<T, ForgeError> {
        self.graphql_as(&QUERY, query, variables).await
    }

    /// Runs one query or mutation as `op` (its permission is named in a refusal).
    async fn graphql_as<T: DeserializeOwned>(
        &self,
        op: &Op,
        query: &str,
        variables: serde_json::Value,
    ) -> Result<T, ForgeError> {
        let body = json!({ "query": query, "variables": variables });
        let envelope: Envelope<T> = self.json(op, &self.config.graphql_url, Some(&body)).await?;
        let route = op.name();
        if let Some(first) = envelope.errors.first() {
            let message = envelope
                .errors
                .iter()
                .map(|e| e.message.as_str())
                .collect::<Vec<_>>()
                .join("; ");
            return Err(match first.kind.as_deref() {
                Some("NOT_FOUND") => ForgeError::NotFound { route, message },
                Some("FORBIDDEN") => ForgeError::Forbidden {
                    route,
                    message,
                    permission: Some(op.permission.to_string()),
                },
                Some("RATE_LIMITED") => ForgeError::RateLimited {
                    forge: ForgeKind::GitHub,
                    route,
                    reset_after: None,
                },
                _ => ForgeError::Invalid {
                    route,
                    status: 200,
                    message: format!("GraphQL errors: {message}"),
                },
            });
        }
        envelope.data.ok_or_else(|| ForgeError::Decode {
            forge: ForgeKind::GitHub,
            route,
            message: "GraphQL answer without data or errors".to_string(),
        })
    }

    /// The PRs associated with each commit: one query per 100 commits.
    pub async fn pull_requests_for_commits(
        &self,
        shas: &[String],
    ) -> Result<BTreeMap<String, Vec<PullRequest>>, ForgeError> {
        let mut out = BTreeMap::new();
        for sha in shas {
            // The SHAs are written into the query text: accept nothing but hex.
            if sha.len() < 4 || sha.len() > 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(ForgeError::Config(format!(
                    "`{sha}` is not a commit SHA; pass full hexadecimal SHAs"
                )));
            }
            out.insert(sha.clone(), Vec::new());
        }
        for chunk in shas.chunks(BATCH) {
            let aliases: String = chunk
                .iter()
                .enumerate()
                .map(|(i, sha)| {
                    format!(
                        "c{i}: object(oid: \"{sha}\") {{ ... on Commit {{ associatedPullRequests(first: 5) {{ nodes {{ ...pr }} }} }} }}\n"
                    )
                })
                .collect();
            let query = format!(
                "query($owner: String!, $name: String!) {{\n  repository(owner: $owner, name: $name) {{\n{aliases}  }}\n}}\n{PR_FRAGMENT}"
            );
            let data: RepositoryData = self
                .graphql(
                    &query,
                    json!({ "owner": self.config.repo.owner, "name": self.config.repo.name }),
                )
                .await?;
            let repository = data.repository.ok_or_else(|| ForgeError::NotFound {
                route: QUERY.name(),
                message: format!("repository {} not found", self.config.repo),
            })?;
            for (i, sha) in chunk.iter().enumerate() {
                let prs = repository
                    .get(&format!("c{i}"))
                    .and_then(|c| c.as_ref())
                    .and_then(|c| c.associated_pull_requests.as_ref())
                    .map(|conn| {
                        conn.nodes
                            .iter()
                            .flatten()
                            .cloned()
                            .map(Into::into)
                            .collect()
                    })
                    .unwrap_or_default();
                out.insert(sha.clone(), prs);
            }
        }
        Ok(out)
    }

    /// One pull request (when `number` is given) and every pull request from the head branch
    /// `head` in any state, newest first, in a single query: what a revert needs to know before
    /// it acts (the original PR, and whether a revert PR from its branch exists already).
    pub async fn pull_request_and_head_prs(
        &self,
        number: Option<u64>,
        head: &str,
    ) -> Result<(Option<PullRequest>, Vec<PullRequest>), ForgeError> {
        let query = format!(
            "query($owner: String!, $name: String!, $number: Int!, $head: String!, $withPr: Boolean!) {{\n  \
             repository(owner: $owner, name: $name) {{\n    \
             pullRequest(number: $number) @include(if: $withPr) {{ ...pr }}\n    \
             pullRequests(headRefName: $head, states: [OPEN, CLOSED, MERGED], first: 50, \
             orderBy: {{field: CREATED_AT, direction: DESC}}) {{ nodes {{ ...pr }} }}\n  }}\n}}\n{PR_FRAGMENT}"
        );
        let data: HeadData = self
            .graphql(
                &query,
                json!({
                    "owner": self.config.repo.owner,
                    "name": self.config.repo.name,
                    "number": number.unwrap_or(0),
                    "head": head,
                    "withPr": number.is_some(),
                }),
            )
            .await?;
        let repository = data.repository.ok_or_else(|| ForgeError::NotFound {
            route: QUERY.name(),
            message: format!("repository {} not found", self.config.repo),
        })?;
        if let (Some(n), None) = (number, &repository.pull_request) {
            return Err(ForgeError::NotFound {
                route: QUERY.name(),
                message: format!("pull request #{n} not found in {}", self.config.repo),
            });
        }
        let head_prs = repository
            .pull_requests
            .map(|c| c.nodes.into_iter().flatten().map(Into::into).collect())
            .unwrap_or_default();
        Ok((repository.pull_request.map(Into::into), head_prs))
    }

    /// One pull request and the pull requests of the same repository that mention it (GitHub's
    /// cross-references: a `#N` or a link in their description), oldest first, in a single
    /// query. A revert whose branch name depends on the PR (a rebase merge is named after its
    /// newest landed commit) finds an earlier revert PR among them, whatever its state, without
    /// a second query.
    pub async fn pull_request_and_references(
        &self,
        number: u64,
    ) -> Result<(PullRequest, Vec<PullRequest>), ForgeError> {
        let query = format!(
            "query($owner: String!, $name: String!, $number: Int!) {{\n  \
             repository(owner: $owner, name: $name) {{\n    \
             pullRequest(number: $number) {{ ...pr \
             timelineItems(itemTypes: [CROSS_REFERENCED_EVENT], last: 100) {{ nodes {{ \
             ... on CrossReferencedEvent {{ isCrossRepository source {{ ... on PullRequest {{ ...pr }} }} }} \
             }} }} }}\n  }}\n}}\n{PR_FRAGMENT}"
        );
        let data: ReferencesData = self
            .graphql(
                &query,
                json!({
                    "owner": self.config.repo.owner,
                    "name": self.config.repo.name,
                    "number": number,
                }),
            )
            .await?;
        let pull = data
            .repository
            .and_then(|r| r.pull_request)
            .ok_or_else(|| ForgeError::NotFound {
                route: QUERY.name(),
                message: format!("pull request #{number} not found in {}", self.config.repo),
            })?;
        let references = pull
            .timeline_items
            .map(|c| c.nodes)
            .unwrap_or_default()
            .into_iter()
            .flatten()
            .filter(|e| !e.is_cross_repository)
            .filter_map(|e| e.source)
            .map(PullRequest::from)
            .collect();
        Ok((pull.pull.into(), references))
    }

    /// Turns on auto-merge for a pull request (by its GraphQL node id), with the repository's
    /// default merge method: GitHub merges it once its required checks and reviews pass. GitHub
    /// refuses when auto-merge is not allowed in the repository or the PR could be merged right
    /// away (no requirement left to wait for).
    pub async fn enable_auto_merge(&self, node_id: &str) -> Result<(), ForgeError> {
        let _: serde_json::Value = self
            .graphql_as(
                &MUTATION,
                "mutation($id: ID!) { enablePullRequestAutoMerge(input: {pullRequestId: $id}) { pullRequest { number } } }",
                json!({ "id": node_id }),
            )
            .await?;
        Ok(())
    }

    /// The latest status of each deployment, by GraphQL node id: one query per [`BATCH`].
    pub(crate) async fn latest_statuses(
        &self,
        node_ids: &[(u64, String)],
    ) -> Result<BTreeMap<u64, DeploymentStatus>, ForgeError> {
        let mut out = BTreeMap::new();
        for chunk in node_ids.chunks(BATCH) {
            let ids: Vec<&str> = chunk.iter().map(|(_, id)| id.as_str()).collect();
            let data: NodesData = self.graphql(LATEST_QUERY, json!({ "ids": ids })).await?;
            for node in data.nodes.into_iter().flatten() {
                let (Some(id), Some(status)) = (node.database_id, node.latest_status) else {
                    continue;
                };
                let Some(state) = deployment_state(&status.state) else {
                    continue;
                };
                out.insert(
                    id,
                    DeploymentStatus {
                        // GraphQL does not expose the REST id of a status.
                        id: 0,
                        state,
                        description: status.description.unwrap_or_default(),
                        environment_url: status.environment_url.filter(|u| !u.is_empty()),
                        log_url: status.log_url.filter(|u| !u.is_empty()),
                        created_at: status.created_at,
                    },
                );
            }
        }
        Ok(out)
    }
}

/// The pull request fields shipline reads. Review and check fields ride along so that the
/// process signals of a change (self-merged, unapproved, red checks) cost no extra request.
const PR_FRAGMENT: &str = "fragment pr on PullRequest { id number title body state isDraft \
author { login } headRefName headRefOid baseRefName mergeCommit { oid statusCheckRollup { ...rollup } } \
mergedBy { login } mergedAt url labels(first: 20) { nodes { name } } \
reviewDecision reviews(states: [APPROVED]) { totalCount } \
commits(last: 1) { nodes { commit { statusCheckRollup { ...rollup } } } } }\n\
fragment rollup on StatusCheckRollup { state contexts(first: 1) { statusContextCount \
checkRunCountsByState { state count } } }";

const LATEST_QUERY: &str = "query($ids: [ID!]!) { nodes(ids: $ids) { ... on Deployment { \
databaseId latestStatus { state description environmentUrl logUrl createdAt } } } }";

#[derive(Deserialize)]
struct RepositoryData {
    repository: Option<BTreeMap<String, Option<CommitNode>>>,
}

#[derive(Deserialize)]
struct HeadData {
    repository: Option<HeadRepository>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct HeadRepository {
    #[serde(default)]
    pull_request: Option<GqlPull>,
    #[serde(default)]
    pull_requests: Option<Connection<GqlPull>>,
}

#[derive(Deserialize)]
struct ReferencesData {
    repository: Option<ReferencesRepository>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReferencesRepository {
    #[serde(default)]
    pull_request: Option<PullWithReferences>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PullWithReferences {
    #[serde(flatten)]
    pull: GqlPull,
    #[serde(default)]
    timeline_items: Option<Connection<CrossReference>>,
}

/// A timeline item; only cross-references from pull requests carry a `source` PR (issues and
/// other item types decode to an empty source).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CrossReference {
    #[serde(default)]
    is_cross_repository: bool,
    #[serde(default, deserialize_with = "pull_or_none")]
    source: Option<GqlPull>,
}

/// A `source` that is an issue (or empty) is not a pull request.
fn pull_or_none<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<GqlPull>, D::Error> {
    let value = Option::<serde_json::Value>::deserialize(d)?;
    Ok(value.and_then(|v| serde_json::from_value(v).ok()))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CommitNode {
    #[serde(default)]
    associated_pull_requests: Option<Connection<GqlPull>>,
}

#[derive(Clone, Deserialize)]
struct Connection<T> {
    #[serde(default = "Vec::new")]
    nodes: Vec<Option<T>>,
}

#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct GqlPull {
    #[serde(default)]
    id: Option<String>,
    number: u64,
    title: String,
    #[serde(default)]
    body: String,
    state: String,
    #[serde(default)]
    is_draft: bool,
    #[serde(default)]
    author: Option<User>,
    head_ref_name: String,
    head_ref_oid: String,
    base_ref_name: String,
    #[serde(default)]
    merge_commit: Option<Oid>,
    #[serde(default)]
    merged_by: Option<User>,
    #[serde(default)]
    merged_at: Option<DateTime<Utc>>,
    url: String,
    #[serde(default)]
    labels: Option<Labels>,
    #[serde(default)]
    review_decision: Option<String>,
    #[serde(default)]
    reviews: Option<Count>,
    #[serde(default)]
    commits: Option<Connection<LastCommit>>,
}

#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Oid {
    oid: String,
    #[serde(default)]
    status_check_rollup: Option<Rollup>,
}

#[derive(Clone, Deserialize)]
struct Count {
    #[serde(rename = "totalCount")]
    total_count: u32,
}

#[derive(Clone, Deserialize)]
struct LastCommit {
    commit: RollupHolder,
}

#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RollupHolder {
    #[serde(default)]
    status_check_rollup: Option<Rollup>,
}

#[derive(Clone, Deserialize)]
struct Rollup {
    state: String,
    #[serde(default)]
    contexts: Option<RollupContexts>,
}

#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RollupContexts {
    #[serde(default)]
    status_context_count: u32,
    #[serde(default)]
    check_run_counts_by_state: Option<Vec<StateCount>>,
}

#[derive(Clone, Deserialize)]
struct StateCount {
    state: String,
    count: u32,
}

impl Rollup {
    /// GitHub's rollup state, with a green rollup of nothing but skipped or neutral check runs
    /// told apart as skipped (the rollup counts those as passing).
    fn check_state(&self) -> CheckState {
        match self.state.as_str() {
            "FAILURE" | "ERROR" => CheckState::Failure,
            "PENDING" | "EXPECTED" => CheckState::Pending,
            _ => {
                let (statuses, runs) = match &self.contexts {
                    Some(c) => (
                        c.status_context_count,
                        c.check_run_counts_by_state.clone().unwrap_or_default(),
                    ),
                    None => (0, Vec::new()),
                };
                let total: u32 = runs.iter().map(|r| r.count).sum();
                let idle: u32 = runs
                    .iter()
                    .filter(|r| r.state == "SKIPPED" || r.state == "NEUTRAL")
                    .map(|r| r.count)
                    .sum();
                if statuses == 0 && total > 0 && idle == total {
                    CheckState::Skipped
                } else {
                    CheckState::Success
                }
            }
        }
    }
}

#[derive(Clone, Deserialize)]
struct Labels {
    #[serde(default)]
    nodes: Vec<Option<Named>>,
}

#[derive(Clone, Deserialize)]
struct Named {
    name: String,
}

impl From<GqlPull> for PullRequest {
    fn from(p: GqlPull) -> Self {
        let state = match p.state.as_str() {
            "MERGED" => PrState::Merged,
            "OPEN" => PrState::Open,
            _ => PrState::Closed,
        };
        let head_checks = p
            .commits
            .as_ref()
            .and_then(|c| c.nodes.iter().flatten().last())
            .and_then(|n| n.commit.status_check_rollup.as_ref())
            .map(Rollup::check_state);
        let merge_checks = p
            .merge_commit
            .as_ref()
            .and_then(|c| c.status_check_rollup.as_ref())
            .map(Rollup::check_state);
        let review_decision = match p.review_decision.as_deref() {
            Some("APPROVED") => Some(ReviewDecision::Approved),
            Some("CHANGES_REQUESTED") => Some(ReviewDecision::ChangesRequested),
            Some("REVIEW_REQUIRED") => Some(ReviewDecision::ReviewRequired),
            _ => None,
        };
        PullRequest {
            number: p.number,
            title: p.title,
            body: p.body,
            state,
            draft: p.is_draft,
            author: login(&p.author),
            head_ref: p.head_ref_name,
            head_sha: p.head_ref_oid,
            base_ref: p.base_ref_name,
            merge_commit_sha: p.merge_commit.map(|c| c.oid),
            merged_by: p.merged_by.map(|u| u.login),
            merged_at: p.merged_at,
            url: p.url,
            labels: p
                .labels
                .map(|l| l.nodes.into_iter().flatten().map(|n| n.name).collect())
                .unwrap_or_default(),
            node_id: p.id,
            approvals: p.reviews.map(|r| r.total_count),
            review_decision,
            head_checks,
            merge_checks,
        }
    }
}

#[derive(Deserialize)]
struct NodesData {
    #[serde(default)]
    nodes: Vec<Option<DeploymentNode>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeploymentNode {
    #[serde(default)]
    database_id: Option<u64>,
    #[serde(default)]
    latest_status: Option<GqlStatus>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GqlStatus {
    state: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    environment_url: Option<String>,
    #[serde(default)]
    log_url: Option<String>,
    created_at: DateTime<Utc>,
}
