//! Who belongs to which publisher, and in what role. Memberships decide what
//! private datasets a viewer sees, so their writes bump the catalog version.

use misto_core::Membership;

use crate::rows::MembershipRow;
use crate::{Result, Store};

impl Store {
    /// Adds the user to the publisher, or changes their role there.
    pub async fn upsert_membership(&self, m: &Membership) -> Result<()> {
        write_tx!(self, |tx| {
            bump_version!(tx);
            sqlx::query(
                "INSERT INTO memberships (user_id, publisher_id, role) VALUES ($1, $2, $3) \
                 ON CONFLICT (user_id, publisher_id) DO UPDATE SET role = excluded.role",
            )
            .bind(m.user_id.as_str())
            .bind(m.publisher_id.as_str())
            .bind(m.role.as_str())
            .execute(&mut *tx)
            .await?;
        })
    }

    /// Removes the user from the publisher; false when they were not a member
    /// (and then the catalog version stays as it was).
    pub async fn delete_membership(&self, user_id: &str, publisher_id: &str) -> Result<bool> {
        let deleted = write_tx!(self, |tx| {
            bump_version!(tx);
            let done =
                sqlx::query("DELETE FROM memberships WHERE user_id = $1 AND publisher_id = $2")
                    .bind(user_id)
                    .bind(publisher_id)
                    .execute(&mut *tx)
                    .await?;
            if done.rows_affected() == 0 {
                // Leave the transaction (and so the version bump) undone.
                return Ok(false);
            }
            true
        })?;
        Ok(deleted)
    }

    /// The user's memberships, ordered by publisher id.
    pub async fn memberships_of_user(&self, user_id: &str) -> Result<Vec<Membership>> {
        let rows = read!(self, |pool| {
            sqlx::query_as::<_, MembershipRow>(
                "SELECT user_id, publisher_id, role FROM memberships WHERE user_id = $1 \
                 ORDER BY publisher_id",
            )
            .bind(user_id)
            .fetch_all(pool)
            .await?
        });
        rows.into_iter().map(Membership::try_from).collect()
    }

    /// The publisher's members, ordered by user id.
    pub async fn members_of_publisher(&self, publisher_id: &str) -> Result<Vec<Membership>> {
        let rows = read!(self, |pool| {
            sqlx::query_as::<_, MembershipRow>(
                "SELECT user_id, publisher_id, role FROM memberships WHERE publisher_id = $1 \
                 ORDER BY user_id",
            )
            .bind(publisher_id)
            .fetch_all(pool)
            .await?
        });
        rows.into_iter().map(Membership::try_from).collect()
    }
}
