//! Who may do what: a user's role on the project, inherited memberships included
//! (`/members/all`), mapped onto the shared [`Permission`] scale; and which users are bots.

use super::client::Req;
use super::project::GitLab;
use super::types::{Member, permission_for};
use crate::forge::error::ForgeError;
use crate::forge::types::Permission;

impl GitLab {
    /// The permission of `user` (a username): `GET /users?username=`, then
    /// `GET /members/all/:user_id`. Unknown users and non-members have none.
    pub async fn permission(&self, user: &str) -> Result<Permission, ForgeError> {
        let Some(found) = self.user_by_username(user).await? else {
            return Ok(Permission::None);
        };
        self.permission_of_user(found.id).await
    }

    /// The permission of the user with id `user_id` (one `GET /members/all/:user_id`; a
    /// non-member has none).
    pub async fn permission_of_user(&self, user_id: u64) -> Result<Permission, ForgeError> {
        let req = Req::get(
            "/projects/:id/members/all/:user_id",
            format!("{}/members/all/{user_id}", self.project()),
        );
        match self.client.json::<Member>(&req).await {
            Ok(member) => Ok(permission_for(member.access_level)),
            Err(ForgeError::NotFound { .. }) => Ok(Permission::None),
            Err(err) => Err(err),
        }
    }
}

/// Whether `username` belongs to one of GitLab's bot users for project and group access tokens
/// (`project_{id}_bot`, `project_{id}_bot{n}`, `project_{id}_bot_{random}`, the same with
/// `group_`), which act for automation, never for a person.
pub fn is_bot_username(username: &str) -> bool {
    ["project_", "group_"].iter().any(|prefix| {
        username.strip_prefix(prefix).is_some_and(|rest| {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            digits > 0 && rest[digits..].starts_with("_bot")
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_token_bots_by_their_documented_usernames() {
        for bot in [
            "project_123_bot",
            "project_123_bot1",
            "project_123_bot_4ffca233d8298ea1",
            "group_7_bot_0a1b",
        ] {
            assert!(is_bot_username(bot), "{bot}");
        }
        for person in ["alice", "project_lead", "project__bot", "groupie_1_bot"] {
            assert!(!is_bot_username(person), "{person}");
        }
    }
}
