//! What only sysadmins do with accounts: list every user, grant or take
//! away sysadmin rights, block and unblock an account. A blocked account
//! cannot log in, its sessions and API tokens stop working at once, and
//! its datasets stay.

use misto_core::{EntityState, User};

use crate::{ActionError, Portal, Result, Viewer};

/// Why anyone but a sysadmin is refused the accounts.
const SYSADMINS_ONLY: &str = "only sysadmins manage user accounts";

impl Portal {
    /// Every account, active and blocked, by name.
    pub async fn list_users(&self, actor: &Viewer) -> Result<Vec<User>> {
        crate::require_sysadmin(actor, SYSADMINS_ONLY)?;
        let mut users = self.store.list_users().await?;
        users.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(users)
    }

    async fn change_user(
        &self,
        actor: &Viewer,
        user: &str,
        change: impl FnOnce(&mut User),
    ) -> Result<User> {
        crate::require_sysadmin(actor, SYSADMINS_ONLY)?;
        let mut u = self
            .store
            .find_user(user)
            .await?
            .ok_or_else(|| ActionError::not_found("user"))?;
        if actor.user_id.as_deref() == Some(u.id.as_str()) {
            return Err(ActionError::invalid(
                "user",
                "You cannot change your own sysadmin rights or block yourself",
            ));
        }
        let before = u.clone();
        change(&mut u);
        self.store.update_user(&u).await?;
        if before.sysadmin && !u.sysadmin {
            self.end_sessions_of(&u, "sysadmin rights removed").await?;
        }
        if before.state == EntityState::Active && u.state != EntityState::Active {
            self.end_sessions_of(&u, "account blocked").await?;
        }
        Ok(u)
    }

    /// Grants or removes sysadmin rights (not one's own).
    pub async fn set_user_sysadmin(
        &self,
        actor: &Viewer,
        user: &str,
        sysadmin: bool,
    ) -> Result<User> {
        self.change_user(actor, user, |u| u.sysadmin = sysadmin)
            .await
    }

    /// Blocks (`active = false`) or unblocks an account (not one's own).
    pub async fn set_user_active(&self, actor: &Viewer, user: &str, active: bool) -> Result<User> {
        self.change_user(actor, user, |u| {
            u.state = if active {
                EntityState::Active
            } else {
                EntityState::Deleted
            }
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::{NewUser, system_viewer};

    #[tokio::test]
    async fn sysadmins_block_and_promote_others_but_not_themselves() {
        let store = misto_store::testing::fresh_store().await;
        let dir = std::env::temp_dir().join(format!("misto-admin-{}", crate::new_id()));
        let blobs = crate::BlobStore::local(dir).await.unwrap();
        let portal = Portal::open(store, blobs, crate::PortalConfig::default())
            .await
            .unwrap();
        let sys = system_viewer();
        for (name, sysadmin) in [("root", true), ("olena", false)] {
            portal
                .create_user(
                    &sys,
                    NewUser {
                        name: name.into(),
                        email: format!("{name}@example.org"),
                        password: Some("long-enough-1".into()),
                        sysadmin,
                        ..NewUser::default()
                    },
                )
                .await
                .unwrap();
        }
        let root_user = portal.list_users(&sys).await.unwrap()[1].clone();
        assert_eq!(root_user.name, "root");
        let root = portal.viewer_for_user(&root_user.id).await.unwrap();
        let olena = portal
            .set_user_sysadmin(&root, "olena", true)
            .await
            .unwrap();
        assert!(olena.sysadmin);
        assert!(matches!(
            portal.set_user_active(&root, "root", false).await,
            Err(ActionError::Validation(_))
        ));
        portal.set_user_active(&root, "olena", false).await.unwrap();
        assert!(portal.authenticate("olena", "long-enough-1").await.is_err());
        assert!(portal.viewer_for_user(&olena.id).await.is_err());
        portal.set_user_active(&root, "olena", true).await.unwrap();
        assert!(portal.authenticate("olena", "long-enough-1").await.is_ok());
        let anon = Viewer::anonymous();
        assert!(matches!(
            portal.list_users(&anon).await,
            Err(ActionError::NotAuthorized(_))
        ));
    }
}
