//! User accounts. Users do not change what the catalog shows, so their writes
//! leave the catalog version alone.

use misto_core::User;
use misto_core::time::to_micros;

use crate::rows::UserRow;
use crate::{Result, Store, StoreError};

impl Store {
    /// Saves a new user. A name or e-mail in use (e-mail compared without
    /// regard to ASCII case) gives [`StoreError::Conflict`] on `name`/`email`.
    pub async fn insert_user(&self, u: &User) -> Result<()> {
        let created = to_micros(&u.created);
        write_tx!(self, |tx| {
            sqlx::query(concat!(
                "INSERT INTO users (",
                user_columns!(),
                ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
            ))
            .bind(u.id.as_str())
            .bind(u.name.as_str())
            .bind(u.fullname.as_deref())
            .bind(u.email.as_str())
            .bind(u.password_hash.as_deref())
            .bind(u.sysadmin)
            .bind(u.about.as_deref())
            .bind(u.state.as_str())
            .bind(created)
            .execute(&mut *tx)
            .await?;
        })
    }

    /// Overwrites every field of the user with id `u.id`.
    pub async fn update_user(&self, u: &User) -> Result<()> {
        let created = to_micros(&u.created);
        write_tx!(self, |tx| {
            let done = sqlx::query(
                "UPDATE users SET name = $2, fullname = $3, email = $4, password_hash = $5, \
                 sysadmin = $6, about = $7, state = $8, created = $9 WHERE id = $1",
            )
            .bind(u.id.as_str())
            .bind(u.name.as_str())
            .bind(u.fullname.as_deref())
            .bind(u.email.as_str())
            .bind(u.password_hash.as_deref())
            .bind(u.sysadmin)
            .bind(u.about.as_deref())
            .bind(u.state.as_str())
            .bind(created)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound(format!("user {}", u.id)));
            }
        })
    }

    /// The user whose id or name is `id_or_name` (the id wins), in any state.
    pub async fn find_user(&self, id_or_name: &str) -> Result<Option<User>> {
        let row = read!(self, |pool| {
            sqlx::query_as::<_, UserRow>(concat!(
                "SELECT ",
                user_columns!(),
                " FROM users WHERE id = $1 OR name = $1 \
                 ORDER BY CASE WHEN id = $1 THEN 0 ELSE 1 END LIMIT 1"
            ))
            .bind(id_or_name)
            .fetch_optional(pool)
            .await?
        });
        row.map(User::try_from).transpose()
    }

    /// The user with this e-mail address, compared without regard to ASCII case.
    pub async fn find_user_by_email(&self, email: &str) -> Result<Option<User>> {
        let row = read!(self, |pool| {
            sqlx::query_as::<_, UserRow>(concat!(
                "SELECT ",
                user_columns!(),
                " FROM users WHERE lower(email) = lower($1)"
            ))
            .bind(email)
            .fetch_optional(pool)
            .await?
        });
        row.map(User::try_from).transpose()
    }

    /// Every user, in any state, ordered by name.
    pub async fn list_users(&self) -> Result<Vec<User>> {
        let rows = read!(self, |pool| {
            sqlx::query_as::<_, UserRow>(concat!(
                "SELECT ",
                user_columns!(),
                " FROM users ORDER BY name"
            ))
            .fetch_all(pool)
            .await?
        });
        rows.into_iter().map(User::try_from).collect()
    }

    /// How many users there are, in any state.
    pub async fn count_users(&self) -> Result<i64> {
        Ok(read!(self, |pool| {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM users")
                .fetch_one(pool)
                .await?
        }))
    }
}
