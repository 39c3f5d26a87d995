//! Tags and releases. GitLab keys releases by tag name; creating one with `ref` creates the tag
//! too when it does not exist yet.

use serde_json::json;

use super::client::{Req, encode_segment};
use super::project::GitLab;
use super::types::{GlRelease, GlTag};
use crate::forge::error::ForgeError;
use crate::forge::types::{NewRelease, Release, Tag};

const RELEASE_ROUTE: &str = "/projects/:id/releases/:tag_name";

impl GitLab {
    /// All tags, newest first, all pages.
    pub async fn tags(&self) -> Result<Vec<Tag>, ForgeError> {
        let req = Req::get(
            "/projects/:id/repository/tags",
            format!("{}/repository/tags", self.project()),
        );
        let tags: Vec<GlTag> = self.client.all(req).await?;
        Ok(tags.into_iter().map(GlTag::into_tag).collect())
    }

    /// The release for `tag`, if there is one.
    pub async fn release_by_tag(&self, tag: &str) -> Result<Option<Release>, ForgeError> {
        let req = Req::get(
            RELEASE_ROUTE,
            format!("{}/releases/{}", self.project(), encode_segment(tag)),
        );
        match self.client.json::<GlRelease>(&req).await {
            Ok(release) => Ok(Some(release.into_release())),
            Err(ForgeError::NotFound { .. }) => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// Publishes a release, creating its tag at `target_sha` when missing. An unknown outcome
    /// is reconciled by reading the tag's release. GitLab has no pre-release flag.
    pub async fn create_release(&self, new: &NewRelease) -> Result<Release, ForgeError> {
        let req = Req::post(
            "/projects/:id/releases",
            format!("{}/releases", self.project()),
            json!({
                "tag_name": new.tag,
                "name": new.name,
                "description": new.body,
                "ref": new.target_sha,
            }),
        )
        .needs("the Developer role (Maintainer for protected tags)");
        self.client
            .create(&req, || async move {
                let found = Req::get(
                    RELEASE_ROUTE,
                    format!("{}/releases/{}", self.project(), encode_segment(&new.tag)),
                );
                match self.client.json::<GlRelease>(&found).await {
                    Ok(release) => Ok(Some(release)),
                    Err(ForgeError::NotFound { .. }) => Ok(None),
                    Err(err) => Err(err),
                }
            })
            .await
            .map(GlRelease::into_release)
    }
}
