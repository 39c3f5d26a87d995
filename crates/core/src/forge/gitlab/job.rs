//! The CI job a GitLab client runs in, as its predefined variables describe it.

/// What a GitLab CI job says about itself through its predefined variables. Used to find the
/// deployment GitLab already created for a job with the `environment:` keyword, and to resolve
/// the job's ref to a SHA without asking the API.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CiJob {
    /// `CI_JOB_ID`: the job, which is the `deployable` of its deployment.
    pub job_id: Option<u64>,
    /// `CI_ENVIRONMENT_NAME`: set only in jobs with `environment:`.
    pub environment: Option<String>,
    /// `CI_COMMIT_SHA`.
    pub commit_sha: Option<String>,
    /// `CI_COMMIT_REF_NAME`: branch or tag name.
    pub ref_name: Option<String>,
    /// `CI_COMMIT_TAG`: set when the pipeline runs for a tag.
    pub tag: Option<String>,
}

impl CiJob {
    /// Reads the job's variables; `None` outside GitLab CI (`GITLAB_CI` is not `true`).
    pub fn from_env() -> Option<Self> {
        let var = |name: &str| {
            std::env::var(name)
                .ok()
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        if var("GITLAB_CI").as_deref() != Some("true") {
            return None;
        }
        Some(Self {
            job_id: var("CI_JOB_ID").and_then(|v| v.parse().ok()),
            environment: var("CI_ENVIRONMENT_NAME"),
            commit_sha: var("CI_COMMIT_SHA"),
            ref_name: var("CI_COMMIT_REF_NAME"),
            tag: var("CI_COMMIT_TAG"),
        })
    }
}
