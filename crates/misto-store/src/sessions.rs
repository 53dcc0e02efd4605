//! Browser sessions: the SHA-256 of each session's secret, its user and its
//! expiry. Whether a session has expired is for the caller to decide; rows
//! past their expiry are removed by [`Store::delete_expired_sessions`].

use misto_core::Timestamp;
use misto_core::time::to_micros;

use crate::{Result, Store};

impl Store {
    pub async fn insert_session(
        &self,
        secret_hash: &str,
        user_id: &str,
        created: Timestamp,
        expires: Timestamp,
    ) -> Result<()> {
        let created = to_micros(&created);
        let expires = to_micros(&expires);
        write_tx!(self, |tx| {
            sqlx::query(
                "INSERT INTO sessions (secret_hash, user_id, created, expires) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(secret_hash)
            .bind(user_id)
            .bind(created)
            .bind(expires)
            .execute(&mut *tx)
            .await?;
        })
    }

    /// The user id and expiry (microseconds) of the session with this hash.
    pub async fn find_session(&self, secret_hash: &str) -> Result<Option<(String, i64)>> {
        let row = read!(self, |pool| {
            sqlx::query_as::<_, (String, i64)>(
                "SELECT user_id, expires FROM sessions WHERE secret_hash = $1",
            )
            .bind(secret_hash)
            .fetch_optional(pool)
            .await?
        });
        Ok(row)
    }

    /// Ends one session; false when there was none.
    pub async fn delete_session(&self, secret_hash: &str) -> Result<bool> {
        write_tx!(self, |tx| {
            let done = sqlx::query("DELETE FROM sessions WHERE secret_hash = $1")
                .bind(secret_hash)
                .execute(&mut *tx)
                .await?;
            done.rows_affected() > 0
        })
    }

    /// Ends every session of the user; returns how many there were.
    pub async fn delete_sessions_of_user(&self, user_id: &str) -> Result<u64> {
        write_tx!(self, |tx| {
            let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            done.rows_affected()
        })
    }

    /// Removes the sessions that expired before `now`.
    pub async fn delete_expired_sessions(&self, now: Timestamp) -> Result<u64> {
        let now = to_micros(&now);
        write_tx!(self, |tx| {
            let done = sqlx::query("DELETE FROM sessions WHERE expires <= $1")
                .bind(now)
                .execute(&mut *tx)
                .await?;
            done.rows_affected()
        })
    }
}
