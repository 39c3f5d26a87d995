//! The fake's GitHub REST routes, under `/api/v3`, one file per concept; what every handler
//! starts from is in `route`.

mod deployments;
mod issues;
mod pulls;
mod repo;

mod route;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, patch, post};

use crate::forge::Shared;

pub fn routes() -> Router<Arc<Shared>> {
    let r = "/api/v3/repos/{owner}/{repo}";
    Router::new()
        .route(
            &format!("{r}/issues/{{number}}/comments"),
            get(issues::list_comments).post(issues::create_comment),
        )
        .route(
            &format!("{r}/issues/comments/{{id}}"),
            patch(issues::update_comment),
        )
        .route(
            &format!("{r}/issues"),
            get(issues::list_issues).post(issues::create_issue),
        )
        .route(
            &format!("{r}/issues/{{number}}/labels"),
            post(issues::add_labels),
        )
        .route(
            &format!("{r}/issues/{{number}}/labels/{{label}}"),
            axum::routing::delete(issues::remove_label),
        )
        .route(
            &format!("{r}/pulls"),
            get(pulls::list_pulls).post(pulls::create_pull),
        )
        .route(&format!("{r}/pulls/{{number}}"), get(pulls::get_pull))
        .route(
            &format!("{r}/pulls/{{number}}/requested_reviewers"),
            post(pulls::request_reviewers),
        )
        .route(
            &format!("{r}/deployments"),
            get(deployments::list_deployments).post(deployments::create_deployment),
        )
        .route(
            &format!("{r}/deployments/{{id}}"),
            get(deployments::get_deployment),
        )
        .route(
            &format!("{r}/deployments/{{id}}/statuses"),
            get(deployments::list_statuses).post(deployments::create_status),
        )
        .route(
            &format!("{r}/commits/{{git_ref}}/status"),
            get(repo::combined_status),
        )
        .route(
            &format!("{r}/commits/{{git_ref}}/check-runs"),
            get(repo::check_runs),
        )
        .route(
            &format!("{r}/collaborators/{{user}}/permission"),
            get(repo::permission),
        )
        .route(&format!("{r}/tags"), get(repo::tags))
        .route(
            &format!("{r}/releases/tags/{{tag}}"),
            get(repo::release_by_tag),
        )
        .route(&format!("{r}/releases"), post(repo::create_release))
}
