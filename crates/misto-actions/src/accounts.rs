//! Users, passwords, API tokens, browser sessions, and who a request acts
//! for.
//!
//! A browser session is a row in the store (the SHA-256 of a random secret
//! the cookie carries), checked on every request beside token
//! authentication: logging out deletes it, and a password change, a lost
//! role (sysadmin rights, a membership taken away or lowered) or a blocked
//! account deletes every session of the user, so an old cookie opens
//! nothing.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use misto_core::names::is_valid_name;
use misto_core::time::now;
use misto_core::validate::is_valid_email;
use misto_core::{ApiToken, EntityState, FieldErrors, Timestamp, User, Viewer};
use sha2::{Digest, Sha256};

use crate::{ActionError, Portal, Result, new_id};

/// The actor of CLI commands and start-up tasks: a sysadmin with no account.
pub fn system_viewer() -> Viewer {
    Viewer {
        sysadmin: true,
        user_name: Some("system".into()),
        ..Viewer::default()
    }
}

pub const MIN_PASSWORD_CHARS: usize = 8;
/// How long a browser session lasts.
pub const SESSION_LIFETIME: std::time::Duration = std::time::Duration::from_secs(12 * 3600);
const TOKEN_PREFIX: &str = "misto_";

#[derive(Debug, Clone, Default)]
pub struct NewUser {
    pub name: String,
    pub email: String,
    pub fullname: Option<String>,
    pub password: Option<String>,
    pub sysadmin: bool,
}

pub fn hash_token(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn random_secret() -> Result<String> {
    let mut buf = [0u8; 32];
    getrandom::fill(&mut buf).map_err(|e| ActionError::Internal(format!("randomness: {e}")))?;
    Ok(format!("{TOKEN_PREFIX}{}", hex::encode(buf)))
}

async fn hash_password(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt).map_err(|e| ActionError::Internal(e.to_string()))?;
        let salt =
            SaltString::encode_b64(&salt).map_err(|e| ActionError::Internal(e.to_string()))?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| ActionError::Internal(e.to_string()))
    })
    .await
    .map_err(|e| ActionError::Internal(e.to_string()))?
}

async fn verify_password(password: String, phc: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&phc)
            .map(|h| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &h)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

impl Portal {
    /// The viewer for a raw API token (`Authorization` header). Unknown,
    /// revoked or expired tokens are refused rather than treated as anonymous,
    /// so that a client notices its mistake.
    pub async fn viewer_for_token(&self, secret: &str) -> Result<Viewer> {
        let secret = secret.trim();
        let secret = secret.strip_prefix("Bearer ").unwrap_or(secret).trim();
        let token = self
            .store
            .find_token_by_hash(&hash_token(secret))
            .await?
            .ok_or_else(|| ActionError::denied("invalid or revoked API token"))?;
        let t = now();
        if token.expires_at.is_some_and(|e| e <= t) {
            return Err(ActionError::denied("API token has expired"));
        }
        let stale_use = token.last_used.is_none_or(|u| (t - u).num_seconds() > 60);
        if stale_use {
            self.store.touch_token(&token.id, t).await?;
        }
        self.viewer_for_user(&token.user_id).await
    }

    /// Starts a browser session for the user (who has just proved who they
    /// are); returns the secret for the cookie, which is not stored.
    pub async fn start_session(&self, user: &User) -> Result<String> {
        let t = now();
        if let Err(e) = self.store.delete_expired_sessions(t).await {
            tracing::warn!(error = %e, "could not remove expired sessions");
        }
        let mut buf = [0u8; 32];
        getrandom::fill(&mut buf).map_err(|e| ActionError::Internal(format!("randomness: {e}")))?;
        let secret = hex::encode(buf);
        let lifetime = chrono::Duration::from_std(SESSION_LIFETIME)
            .map_err(|e| ActionError::Internal(e.to_string()))?;
        self.store
            .insert_session(&hash_token(&secret), &user.id, t, t + lifetime)
            .await?;
        Ok(secret)
    }

    /// The viewer and account of a session cookie's secret. An unknown,
    /// ended or expired session, or an account no longer active, is refused.
    pub async fn viewer_for_session(&self, secret: &str) -> Result<(Viewer, User)> {
        let denied = || ActionError::denied("the session has ended; log in again");
        let secret = secret.trim();
        if secret.is_empty() || secret.len() > 128 {
            return Err(denied());
        }
        let (user_id, expires) = self
            .store
            .find_session(&hash_token(secret))
            .await?
            .ok_or_else(denied)?;
        if expires <= misto_core::time::to_micros(&now()) {
            return Err(denied());
        }
        let user = self
            .store
            .find_user(&user_id)
            .await?
            .filter(|u| u.state == EntityState::Active && u.id == user_id)
            .ok_or_else(denied)?;
        let viewer = self.viewer_of(&user).await?;
        Ok((viewer, user))
    }

    /// Ends one browser session (logging out); an unknown secret is no error.
    pub async fn end_session(&self, secret: &str) -> Result<()> {
        self.store
            .delete_session(&hash_token(secret.trim()))
            .await?;
        Ok(())
    }

    /// Ends every browser session of the user (their password or rights
    /// changed, or the account was blocked).
    pub(crate) async fn end_sessions_of(&self, user: &User, why: &str) -> Result<()> {
        let n = self.store.delete_sessions_of_user(&user.id).await?;
        tracing::info!(user = %user.name, sessions = n, reason = why, "sessions ended");
        Ok(())
    }

    /// The viewer for a known user id (sessions, tokens).
    pub async fn viewer_for_user(&self, user_id: &str) -> Result<Viewer> {
        let user = self
            .store
            .find_user(user_id)
            .await?
            .filter(|u| u.state == EntityState::Active)
            .ok_or_else(|| ActionError::denied("the account is not active"))?;
        self.viewer_of(&user).await
    }

    async fn viewer_of(&self, user: &User) -> Result<Viewer> {
        let roles = self
            .store
            .memberships_of_user(&user.id)
            .await?
            .into_iter()
            .map(|m| (m.publisher_id, m.role))
            .collect();
        Ok(Viewer {
            user_id: Some(user.id.clone()),
            user_name: Some(user.name.clone()),
            sysadmin: user.sysadmin,
            roles,
        })
    }

    /// Creates an account. Sysadmins only (the CLI acts as one).
    pub async fn create_user(&self, actor: &Viewer, input: NewUser) -> Result<User> {
        if !actor.sysadmin {
            return Err(ActionError::denied("only sysadmins create users"));
        }
        let mut errors = FieldErrors::new();
        misto_core::validate::text(&mut errors, "name", &input.name);
        misto_core::validate::text(&mut errors, "email", &input.email);
        if let Some(f) = &input.fullname {
            misto_core::validate::text(&mut errors, "fullname", f);
        }
        if !is_valid_name(&input.name) {
            errors.add(
                "name",
                "Must be 2 to 100 characters of lowercase latin letters, digits, - and _",
            );
        }
        if !is_valid_email(&input.email) {
            errors.add(
                "email",
                format!("Email {} is not a valid format", input.email),
            );
        }
        if let Some(p) = &input.password
            && p.chars().count() < MIN_PASSWORD_CHARS
        {
            errors.add(
                "password",
                format!("Must be at least {MIN_PASSWORD_CHARS} characters"),
            );
        }
        errors.into_result()?;
        let password_hash = match input.password {
            Some(p) => Some(hash_password(p).await?),
            None => None,
        };
        let user = User {
            id: new_id(),
            name: input.name,
            fullname: input.fullname,
            email: input.email,
            password_hash,
            sysadmin: input.sysadmin,
            about: None,
            state: EntityState::Active,
            created: now(),
        };
        crate::check_text(&user)?;
        self.store.insert_user(&user).await?;
        Ok(user)
    }

    /// Checks a password; the same answer for an unknown user and a wrong
    /// password.
    pub async fn authenticate(&self, name_or_email: &str, password: &str) -> Result<User> {
        let user = match self.store.find_user(name_or_email).await? {
            Some(u) => Some(u),
            None => self.store.find_user_by_email(name_or_email).await?,
        };
        let denied = || ActionError::denied("wrong user name or password");
        let Some(user) = user.filter(|u| u.state == EntityState::Active) else {
            // Spend the same time as a real check.
            let _ = verify_password(password.to_string(), DUMMY_HASH.to_string()).await;
            return Err(denied());
        };
        let Some(hash) = user.password_hash.clone() else {
            return Err(denied());
        };
        if verify_password(password.to_string(), hash).await {
            Ok(user)
        } else {
            Err(denied())
        }
    }

    pub async fn change_password(
        &self,
        actor: &Viewer,
        user: &str,
        new_password: &str,
    ) -> Result<()> {
        let mut u = self.find_user_for(actor, user).await?;
        if new_password.chars().count() < MIN_PASSWORD_CHARS {
            return Err(ActionError::invalid(
                "password",
                format!("Must be at least {MIN_PASSWORD_CHARS} characters"),
            ));
        }
        u.password_hash = Some(hash_password(new_password.to_string()).await?);
        self.store.update_user(&u).await?;
        self.end_sessions_of(&u, "password changed").await
    }

    /// A user record, for the user themself or a sysadmin; others get the
    /// public part (name, full name) only via [`Portal::public_user`].
    pub async fn find_user_for(&self, actor: &Viewer, id_or_name: &str) -> Result<User> {
        let user = self
            .store
            .find_user(id_or_name)
            .await?
            .ok_or_else(|| ActionError::not_found("user"))?;
        if actor.sysadmin || actor.user_id.as_deref() == Some(user.id.as_str()) {
            Ok(user)
        } else {
            Err(ActionError::denied(format!(
                "not authorized to see user {}",
                user.name
            )))
        }
    }

    /// Any active user's public record (e-mail removed unless the actor is
    /// that user or a sysadmin).
    pub async fn public_user(&self, actor: &Viewer, id_or_name: &str) -> Result<User> {
        let mut user = self
            .store
            .find_user(id_or_name)
            .await?
            .filter(|u| u.state == EntityState::Active || actor.sysadmin)
            .ok_or_else(|| ActionError::not_found("user"))?;
        if !(actor.sysadmin || actor.user_id.as_deref() == Some(user.id.as_str())) {
            user.email = String::new();
        }
        Ok(user)
    }

    /// Creates an API token for `user`; returns the record and the secret,
    /// which is not stored and cannot be shown again.
    pub async fn create_token(
        &self,
        actor: &Viewer,
        user: &str,
        name: &str,
        expires_at: Option<Timestamp>,
    ) -> Result<(ApiToken, String)> {
        let u = self.find_user_for(actor, user).await?;
        let name = name.trim();
        let mut errors = FieldErrors::new();
        misto_core::validate::text(&mut errors, "name", name);
        errors.into_result()?;
        if name.is_empty() || name.chars().count() > 200 {
            return Err(ActionError::invalid("name", "Must be 1 to 200 characters"));
        }
        if expires_at.is_some_and(|e| e <= now()) {
            return Err(ActionError::invalid("expires_in", "Must be in the future"));
        }
        let secret = random_secret()?;
        let token = ApiToken {
            id: new_id(),
            user_id: u.id,
            name: name.to_string(),
            token_hash: hash_token(&secret),
            created: now(),
            expires_at,
            last_used: None,
        };
        self.store.insert_token(&token).await?;
        Ok((token, secret))
    }

    /// Revokes a token given its secret or its id.
    pub async fn revoke_token(&self, actor: &Viewer, token_or_id: &str) -> Result<()> {
        if actor.is_anonymous() && !actor.sysadmin {
            return Err(ActionError::denied("log in to revoke tokens"));
        }
        let token = match self
            .store
            .find_token_by_hash(&hash_token(token_or_id))
            .await?
        {
            Some(t) => t,
            None => self
                .store
                .find_token(token_or_id)
                .await?
                .ok_or_else(|| ActionError::not_found("API token"))?,
        };
        if !(actor.sysadmin || actor.user_id.as_deref() == Some(token.user_id.as_str())) {
            return Err(ActionError::denied("not your token"));
        }
        self.store.delete_token(&token.id).await?;
        Ok(())
    }

    pub async fn list_tokens(&self, actor: &Viewer, user: &str) -> Result<Vec<ApiToken>> {
        let u = self.find_user_for(actor, user).await?;
        Ok(self.store.list_tokens(&u.id).await?)
    }
}

/// A valid Argon2 hash of a random string, to spend the same time on
/// unknown users as on known ones.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$3ySgvBgqXzGDULbm7eOXDGTpjb8kS2JJ3dQ9Fh/lN9I";
