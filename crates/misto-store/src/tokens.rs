//! API tokens: only the hash of the secret is stored. Whether a token has
//! expired is for the caller to decide.

use misto_core::time::to_micros;
use misto_core::{ApiToken, Timestamp};

use crate::rows::TokenRow;
use crate::{Result, Store};

impl Store {
    pub async fn insert_token(&self, t: &ApiToken) -> Result<()> {
        let created = to_micros(&t.created);
        let expires_at = t.expires_at.as_ref().map(to_micros);
        let last_used = t.last_used.as_ref().map(to_micros);
        write_tx!(self, |tx| {
            sqlx::query(concat!(
                "INSERT INTO api_tokens (",
                token_columns!(),
                ") VALUES ($1, $2, $3, $4, $5, $6, $7)"
            ))
            .bind(t.id.as_str())
            .bind(t.user_id.as_str())
            .bind(t.name.as_str())
            .bind(t.token_hash.as_str())
            .bind(created)
            .bind(expires_at)
            .bind(last_used)
            .execute(&mut *tx)
            .await?;
        })
    }

    pub async fn find_token_by_hash(&self, token_hash: &str) -> Result<Option<ApiToken>> {
        let row = read!(self, |pool| {
            sqlx::query_as::<_, TokenRow>(concat!(
                "SELECT ",
                token_columns!(),
                " FROM api_tokens WHERE token_hash = $1"
            ))
            .bind(token_hash)
            .fetch_optional(pool)
            .await?
        });
        Ok(row.map(ApiToken::from))
    }

    pub async fn find_token(&self, id: &str) -> Result<Option<ApiToken>> {
        let row = read!(self, |pool| {
            sqlx::query_as::<_, TokenRow>(concat!(
                "SELECT ",
                token_columns!(),
                " FROM api_tokens WHERE id = $1"
            ))
            .bind(id)
            .fetch_optional(pool)
            .await?
        });
        Ok(row.map(ApiToken::from))
    }

    /// Deletes the token; false when there was none with this id.
    pub async fn delete_token(&self, id: &str) -> Result<bool> {
        write_tx!(self, |tx| {
            let done = sqlx::query("DELETE FROM api_tokens WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            done.rows_affected() > 0
        })
    }

    /// The user's tokens, oldest first.
    pub async fn list_tokens(&self, user_id: &str) -> Result<Vec<ApiToken>> {
        let rows = read!(self, |pool| {
            sqlx::query_as::<_, TokenRow>(concat!(
                "SELECT ",
                token_columns!(),
                " FROM api_tokens WHERE user_id = $1 ORDER BY created, id"
            ))
            .bind(user_id)
            .fetch_all(pool)
            .await?
        });
        Ok(rows.into_iter().map(ApiToken::from).collect())
    }

    /// Records when the token was last used (a no-op if it was deleted).
    pub async fn touch_token(&self, id: &str, when: Timestamp) -> Result<()> {
        let when = to_micros(&when);
        write_tx!(self, |tx| {
            sqlx::query("UPDATE api_tokens SET last_used = $2 WHERE id = $1")
                .bind(id)
                .bind(when)
                .execute(&mut *tx)
                .await?;
        })
    }
}
