//! GitLab's GraphQL API, where it batches what REST asks one by one.
//!
//! REST gives a merge request's approvals (`GET .../merge_requests/:iid/approvals`) and its head
//! pipeline (`GET .../merge_requests/:iid` or the pipelines list) one merge request at a time.
//! `project.mergeRequests(iids:)` answers both, with the author and who merged, for up to 100
//! merge requests in one query; looking up by IID adds no per-item complexity, so a full page stays
//! well under GitLab's complexity limit. The endpoint is `CI_API_GRAPHQL_URL` (next to the REST
//! base otherwise); the `PRIVATE-TOKEN` header authenticates it like REST. The CI job token
//! cannot call it.
//!
//! GraphQL has no squash commit for a merge request: a squashed merge request merged by
//! fast-forward (no merge commit) is read once more over REST, whose `squash_commit_sha` is what
//! landed; without one, what landed is unknown (`None`), never the source head, which is not on
//! the target branch.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::json;

use super::client::{GRAPHQL_ROUTE, decode};
use super::project::GitLab;
use super::types::{check_state, landing};
use crate::forge::error::ForgeError;
use crate::forge::types::PullRequest;

/// GitLab's largest page, and the most IIDs one query asks for.
pub(crate) const MAX_IIDS: usize = 100;

const MERGE_REQUESTS: &str = "query($fullPath: ID!, $iids: [String!], $first: Int) {
  project(fullPath: $fullPath) {
    mergeRequests(iids: $iids, first: $first) {
      nodes {
        iid title state draft squash sourceBranch targetBranch diffHeadSha mergeCommitSha mergedAt webUrl
        author { username }
        mergeUser { username }
        approvedBy { nodes { username } }
        headPipeline { status }
      }
    }
  }
}";

#[derive(Debug, Deserialize)]
struct Answer<T> {
    data: Option<T>,
    #[serde(default)]
    errors: Vec<GraphQlError>,
}

#[derive(Debug, Deserialize)]
struct GraphQlError {
    message: String,
}

#[derive(Debug, Deserialize)]
struct ProjectData {
    project: Option<Project>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Project {
    merge_requests: Nodes<MergeRequestNode>,
}

#[derive(Debug, Deserialize)]
struct Nodes<T> {
    #[serde(default = "Vec::new")]
    nodes: Vec<T>,
}

#[derive(Debug, Deserialize)]
struct UserNode {
    username: String,
}

#[derive(Debug, Deserialize)]
struct PipelineNode {
    status: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct MergeRequestNode {
    iid: String,
    title: String,
    state: String,
    #[serde(default)]
    draft: bool,
    /// Whether the merge request is (or was, once merged) squashed.
    #[serde(default)]
    squash: Option<bool>,
    source_branch: String,
    target_branch: String,
    diff_head_sha: Option<String>,
    merge_commit_sha: Option<String>,
    merged_at: Option<chrono::DateTime<chrono::Utc>>,
    web_url: Option<String>,
    author: Option<UserNode>,
    merge_user: Option<UserNode>,
    approved_by: Option<Nodes<UserNode>>,
    head_pipeline: Option<PipelineNode>,
}

impl MergeRequestNode {
    /// Whether it landed as a squash commit GraphQL cannot name: merged without a merge commit,
    /// and squashed (or not said).
    fn squash_unknown(&self) -> bool {
        self.state == "merged" && self.merge_commit_sha.is_none() && self.squash != Some(false)
    }

    fn into_pull_request(self) -> Option<PullRequest> {
        let squashed = self.squash_unknown();
        let (state, mut merge_commit_sha) = landing(
            &self.state,
            self.merge_commit_sha,
            self.diff_head_sha.as_deref(),
        );
        if squashed {
            merge_commit_sha = None;
        }
        Some(PullRequest {
            number: self.iid.parse().ok()?,
            title: self.title,
            body: String::new(),
            state,
            draft: self.draft,
            author: self.author.map(|u| u.username).unwrap_or_default(),
            head_ref: self.source_branch,
            head_sha: self.diff_head_sha.unwrap_or_default(),
            base_ref: self.target_branch,
            merge_commit_sha,
            merged_by: self.merge_user.map(|u| u.username),
            merged_at: self.merged_at,
            url: self.web_url.unwrap_or_default(),
            labels: Vec::new(),
            node_id: None,
            // `approvedBy` is who approved; GitLab's `approved` would also be true when no
            // approval is required, which says nothing about review.
            approvals: self.approved_by.map(|a| a.nodes.len() as u32),
            review_decision: None,
            head_checks: self
                .head_pipeline
                .map(|p| check_state(&p.status.to_ascii_lowercase(), false)),
            merge_checks: None,
        })
    }
}

impl GitLab {
    /// Merge requests by IID with their approvals and head pipeline: one GraphQL query per 100
    /// IIDs, plus one REST read per squashed merge request merged without a merge commit (for
    /// its squash commit). IIDs GitLab does not know are missing from the map.
    pub async fn merge_requests_by_iid(
        &self,
        iids: &[u64],
    ) -> Result<BTreeMap<u64, PullRequest>, ForgeError> {
        let mut out = BTreeMap::new();
        let mut squash_lookups = Vec::new();
        let mut iids = iids.to_vec();
        iids.sort_unstable();
        iids.dedup();
        for batch in iids.chunks(MAX_IIDS) {
            let variables = json!({
                "fullPath": self.full_path,
                "iids": batch.iter().map(u64::to_string).collect::<Vec<_>>(),
                "first": MAX_IIDS,
            });
            let body = self.client.graphql(MERGE_REQUESTS, variables).await?;
            let answer: Answer<ProjectData> = decode(GRAPHQL_ROUTE, &body)?;
            let Some(data) = answer.data.filter(|_| answer.errors.is_empty()) else {
                return Err(graphql_error(&answer.errors));
            };
            let Some(project) = data.project else {
                return Err(ForgeError::NotFound {
                    route: format!("POST {GRAPHQL_ROUTE}"),
                    message: format!(
                        "GitLab's GraphQL API does not show project `{}` (check the project path and that the token can see the project)",
                        self.full_path
                    ),
                });
            };
            for node in project.merge_requests.nodes {
                let squashed = node.squash_unknown();
                if let Some(pr) = node.into_pull_request() {
                    if squashed {
                        squash_lookups.push(pr.number);
                    }
                    out.insert(pr.number, pr);
                }
            }
        }
        for iid in squash_lookups {
            let landed = self.merge_request(iid).await?.squash_commit_sha;
            if let Some(pr) = out.get_mut(&iid) {
                pr.merge_commit_sha = landed;
            }
        }
        Ok(out)
    }
}

fn graphql_error(errors: &[GraphQlError]) -> ForgeError {
    let message = if errors.is_empty() {
        "the answer carried no data".to_string()
    } else {
        errors
            .iter()
            .map(|e| e.message.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    };
    ForgeError::Invalid {
        route: format!("POST {GRAPHQL_ROUTE}"),
        status: 200,
        message,
    }
}
