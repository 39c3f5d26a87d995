//! Merge requests: read, list by source branch, open, label, ask for review, and find the merge
//! requests behind commits.

use std::collections::BTreeMap;

use futures::stream::{self, StreamExt, TryStreamExt};
use serde_json::json;

use super::client::{Req, encode_segment};
use super::project::GitLab;
use super::types::{MergeRequest, User, UserRef};
use crate::forge::error::ForgeError;
use crate::forge::types::{AutoMerge, CommitRef, NewPullRequest, PrState, PullRequest};

/// Concurrent `GET /repository/commits/:sha/merge_requests` requests: enough to hide latency,
/// few enough to stay clear of GitLab's rate limits.
const COMMIT_LOOKUP_CONCURRENCY: usize = 8;

const MR_ROUTE: &str = "/projects/:id/merge_requests/:iid";
const MRS_ROUTE: &str = "/projects/:id/merge_requests";
const MR_WRITE_NEEDS: &str = "the Developer role";

impl GitLab {
    pub(super) async fn merge_request(&self, iid: u64) -> Result<MergeRequest, ForgeError> {
        let req = Req::get(MR_ROUTE, format!("{}/merge_requests/{iid}", self.project()));
        self.client.json(&req).await
    }

    async fn merge_requests_from(&self, branch: &str) -> Result<Vec<MergeRequest>, ForgeError> {
        let req = Req::get(MRS_ROUTE, format!("{}/merge_requests", self.project()))
            .query("source_branch", branch)
            .query("state", "all")
            .query("order_by", "created_at")
            .query("sort", "desc");
        self.client.all(req).await
    }

    /// Sets a merge request to merge by itself once its pipeline and checks pass
    /// (`PUT /projects/:id/merge_requests/:iid/merge` with `auto_merge`, and the older
    /// `merge_when_pipeline_succeeds` for GitLab before 17.11). `sha` (when known) must still be
    /// the source branch's head, so nothing pushed since is merged unseen.
    ///
    /// GitLab decides by the head pipeline: a running one sets the merge request to merge later;
    /// one that passed already makes GitLab merge at once ([`AutoMerge::Merged`]), or refuse
    /// with 422 while approvals or other merge checks are missing ([`AutoMerge::Blocked`]).
    /// A 401 here is not a bad token (the same token just opened the merge request) but a user
    /// who may not merge into the target branch.
    pub async fn enable_auto_merge(&self, iid: u64, sha: &str) -> Result<AutoMerge, ForgeError> {
        let mut body = json!({ "auto_merge": true, "merge_when_pipeline_succeeds": true });
        if !sha.is_empty() {
            body["sha"] = json!(sha);
        }
        let route = "/projects/:id/merge_requests/:iid/merge";
        let req = Req::put(
            route,
            format!("{}/merge_requests/{iid}/merge", self.project()),
            body,
        )
        .needs(MR_WRITE_NEEDS);
        match self.client.json::<MergeRequest>(&req).await {
            Ok(mr) if mr.state == "merged" => Ok(AutoMerge::Merged),
            Ok(_) => Ok(AutoMerge::Enabled),
            Err(ForgeError::Invalid {
                status: 422,
                message,
                ..
            }) => Ok(AutoMerge::Blocked(format!(
                "GitLab will not merge !{iid} yet ({message}): its pipeline has passed, so it would merge at once, but a merge check such as the required approvals is not met; approve it, then merge"
            ))),
            Err(ForgeError::Invalid { status: 405, .. }) => Ok(AutoMerge::Blocked(format!(
                "GitLab cannot set !{iid} to merge by itself: it has no running pipeline to wait for and cannot be merged now (a failed pipeline, or no pipeline while the project requires one); merge it by hand"
            ))),
            Err(ForgeError::Unauthorized { .. }) => Err(ForgeError::Forbidden {
                route: format!("PUT {route}"),
                message: format!(
                    "GitLab answered 401: the token's user may not merge !{iid} into its target branch (a protected branch allows merges only to the roles it names); give the token a role allowed to merge (Settings > Repository > Protected branches), or merge by hand"
                ),
                permission: None,
            }),
            Err(other) => Err(other),
        }
    }

    /// One merge request by IID.
    pub async fn pull_request(&self, number: u64) -> Result<PullRequest, ForgeError> {
        Ok(self.merge_request(number).await?.into_pull_request())
    }

    /// Merge requests from a source branch in every state, newest first.
    pub async fn pull_requests_by_head(
        &self,
        branch: &str,
    ) -> Result<Vec<PullRequest>, ForgeError> {
        Ok(self
            .merge_requests_from(branch)
            .await?
            .into_iter()
            .map(MergeRequest::into_pull_request)
            .collect())
    }

    /// Opens a merge request (a draft gets GitLab's `Draft:` title prefix). An unknown outcome is
    /// reconciled by looking for an open merge request from the same source to the same target.
    pub async fn create_pull_request(
        &self,
        new: &NewPullRequest,
    ) -> Result<PullRequest, ForgeError> {
        let title = if new.draft && !new.title.starts_with("Draft:") {
            format!("Draft: {}", new.title)
        } else {
            new.title.clone()
        };
        let req = Req::post(
            MRS_ROUTE,
            format!("{}/merge_requests", self.project()),
            json!({
                "source_branch": new.head,
                "target_branch": new.base,
                "title": title,
                "description": new.body,
            }),
        )
        .needs(MR_WRITE_NEEDS);
        let mr: MergeRequest = self
            .client
            .create(&req, || async move {
                Ok(self
                    .merge_requests_from(&new.head)
                    .await?
                    .into_iter()
                    .find(|mr| mr.state == "opened" && mr.target_branch == new.base))
            })
            .await?;
        Ok(mr.into_pull_request())
    }

    /// Adds labels (`add_labels`: GitLab creates project labels that do not exist yet).
    pub async fn add_labels(&self, number: u64, labels: &[String]) -> Result<(), ForgeError> {
        let req = Req::put(
            MR_ROUTE,
            format!("{}/merge_requests/{number}", self.project()),
            json!({ "add_labels": labels.join(",") }),
        )
        .needs(MR_WRITE_NEEDS);
        self.client.send(&req).await.map(|_| ())
    }

    /// Removes a label (`remove_labels`; one the MR does not carry is ignored by GitLab).
    pub async fn remove_label(&self, number: u64, label: &str) -> Result<(), ForgeError> {
        let req = Req::put(
            MR_ROUTE,
            format!("{}/merge_requests/{number}", self.project()),
            json!({ "remove_labels": label }),
        )
        .needs(MR_WRITE_NEEDS);
        self.client.send(&req).await.map(|_| ())
    }

    /// Adds reviewers by username: each is looked up (`GET /users?username=`), then the merge
    /// request's reviewer list is replaced by the old one plus the new ids. GitLab answers 200
    /// even when it keeps fewer (one on the Free tier; users who cannot see the project are
    /// dropped), so the merge request it answers with says who was kept: those of `users` are
    /// returned, in the order asked.
    pub async fn request_reviewers(
        &self,
        number: u64,
        users: &[String],
    ) -> Result<Vec<String>, ForgeError> {
        let mut ids = Vec::new();
        for username in users {
            match self.user_by_username(username).await? {
                Some(user) => ids.push(user.id),
                None => {
                    return Err(ForgeError::NotFound {
                        route: "GET /users".into(),
                        message: format!(
                            "no GitLab user `{username}` to request a review from; check the username (without @)"
                        ),
                    });
                }
            }
        }
        let mr = self.merge_request(number).await?;
        let mut reviewer_ids: Vec<u64> = mr.reviewers.iter().map(|u: &UserRef| u.id).collect();
        for id in &ids {
            if !reviewer_ids.contains(id) {
                reviewer_ids.push(*id);
            }
        }
        let req = Req::put(
            MR_ROUTE,
            format!("{}/merge_requests/{number}", self.project()),
            json!({ "reviewer_ids": reviewer_ids }),
        )
        .needs(MR_WRITE_NEEDS);
        let updated: MergeRequest = self.client.json(&req).await?;
        Ok(users
            .iter()
            .zip(&ids)
            .filter(|(_, id)| updated.reviewers.iter().any(|r| r.id == **id))
            .map(|(name, _)| name.trim_start_matches('@').to_string())
            .collect())
    }

    pub(super) async fn user_by_username(
        &self,
        username: &str,
    ) -> Result<Option<User>, ForgeError> {
        let username = username.trim_start_matches('@');
        let req = Req::get("/users", "/users".into()).query("username", username);
        let users: Vec<User> = self.client.json(&req).await?;
        Ok(users
            .into_iter()
            .find(|u| u.username.eq_ignore_ascii_case(username)))
    }

    /// The merge requests behind `changes` with their approvals and head pipeline: the named
    /// ones by IID (one GraphQL query per 100), the others by commit (one REST request each,
    /// eight in flight), whose merge requests then join the GraphQL batch.
    pub async fn pull_requests_for_changes(
        &self,
        changes: &[CommitRef],
    ) -> Result<BTreeMap<String, Vec<PullRequest>>, ForgeError> {
        let unnamed: Vec<String> = changes
            .iter()
            .filter(|c| c.number.is_none())
            .map(|c| c.sha.clone())
            .collect();
        let mut found = self.pull_requests_for_commits(&unnamed).await?;
        let mut iids: Vec<u64> = changes.iter().filter_map(|c| c.number).collect();
        iids.extend(found.values().flatten().map(|pr| pr.number));
        let details = if iids.is_empty() {
            BTreeMap::new()
        } else {
            self.merge_requests_by_iid(&iids).await?
        };
        for pr in found.values_mut().flatten() {
            if let Some(known) = details.get(&pr.number) {
                pr.approvals = known.approvals;
                pr.head_checks = known.head_checks;
                if pr.merged_by.is_none() {
                    pr.merged_by.clone_from(&known.merged_by);
                }
            }
        }
        for change in changes {
            if let Some(number) = change.number {
                found.insert(
                    change.sha.clone(),
                    details.get(&number).cloned().into_iter().collect(),
                );
            }
        }
        Ok(found)
    }

    /// The merge requests that contain each commit: one request per commit, eight in flight.
    pub async fn pull_requests_for_commits(
        &self,
        shas: &[String],
    ) -> Result<BTreeMap<String, Vec<PullRequest>>, ForgeError> {
        let project = self.project();
        let pairs: Vec<(String, Vec<PullRequest>)> = stream::iter(shas.iter().cloned())
            .map(|sha| {
                let req = Req::get(
                    "/projects/:id/repository/commits/:sha/merge_requests",
                    format!(
                        "{project}/repository/commits/{}/merge_requests",
                        encode_segment(&sha)
                    ),
                );
                async move {
                    let mrs: Vec<MergeRequest> = self.client.all(req).await?;
                    let mut prs: Vec<PullRequest> = mrs
                        .into_iter()
                        .map(MergeRequest::into_pull_request)
                        .collect();
                    // Merged first: that is the one that brought the commit in.
                    prs.sort_by_key(|pr| pr.state != PrState::Merged);
                    Ok::<_, ForgeError>((sha, prs))
                }
            })
            .buffer_unordered(COMMIT_LOOKUP_CONCURRENCY)
            .try_collect()
            .await?;
        Ok(pairs.into_iter().collect())
    }
}
