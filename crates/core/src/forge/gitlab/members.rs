//! Who may do what: a user's role on the project, inherited memberships included
//! (`/members/all`), mapped onto the shared [`Permission`] scale.

use super::GitLab;
use super::client::Req;
use super::types::{Member, permission_for};
use crate::forge::{ForgeError, Permission};

impl GitLab {
    /// The permission of `user` (a username): `GET /users?username=`, then
    /// `GET /members/all/:user_id`. Unknown users and non-members have none.
    pub async fn permission(&self, user: &str) -> Result<Permission, ForgeError> {
        let Some(found) = self.user_by_username(user).await? else {
            return Ok(Permission::None);
        };
        let req = Req::get(
            "/projects/:id/members/all/:user_id",
            format!("{}/members/all/{}", self.project(), found.id),
        );
        match self.client.json::<Member>(&req).await {
            Ok(member) => Ok(permission_for(member.access_level)),
            Err(ForgeError::NotFound { .. }) => Ok(Permission::None),
            Err(err) => Err(err),
        }
    }
}
