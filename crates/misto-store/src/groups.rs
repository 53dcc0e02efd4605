//! Themes (CKAN groups).

use misto_core::Group;
use misto_core::time::to_micros;

use crate::rows::GroupRow;
use crate::{Result, Store, StoreError};

impl Store {
    /// Saves a new theme; bumps the catalog version.
    pub async fn insert_group(&self, g: &Group) -> Result<()> {
        let created = to_micros(&g.created);
        write_tx!(self, |tx| {
            bump_version!(tx);
            sqlx::query(concat!(
                "INSERT INTO groups (",
                group_columns!(),
                ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            ))
            .bind(g.id.as_str())
            .bind(g.name.as_str())
            .bind(g.title.as_str())
            .bind(g.title_en.as_deref())
            .bind(g.description.as_str())
            .bind(g.image_url.as_deref())
            .bind(g.state.as_str())
            .bind(created)
            .execute(&mut *tx)
            .await?;
        })
    }

    /// Overwrites every field of the theme with id `g.id`; bumps the catalog version.
    pub async fn update_group(&self, g: &Group) -> Result<()> {
        let created = to_micros(&g.created);
        write_tx!(self, |tx| {
            bump_version!(tx);
            let done = sqlx::query(
                "UPDATE groups SET name = $2, title = $3, title_en = $4, description = $5, \
                 image_url = $6, state = $7, created = $8 WHERE id = $1",
            )
            .bind(g.id.as_str())
            .bind(g.name.as_str())
            .bind(g.title.as_str())
            .bind(g.title_en.as_deref())
            .bind(g.description.as_str())
            .bind(g.image_url.as_deref())
            .bind(g.state.as_str())
            .bind(created)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound(format!("group {}", g.id)));
            }
        })
    }

    /// The theme whose id or name is `id_or_name` (the id wins), in any state.
    pub async fn find_group(&self, id_or_name: &str) -> Result<Option<Group>> {
        let row = read!(self, |pool| {
            sqlx::query_as::<_, GroupRow>(concat!(
                "SELECT ",
                group_columns!(),
                " FROM groups WHERE id = $1 OR name = $1 \
                 ORDER BY CASE WHEN id = $1 THEN 0 ELSE 1 END LIMIT 1"
            ))
            .bind(id_or_name)
            .fetch_optional(pool)
            .await?
        });
        row.map(Group::try_from).transpose()
    }

    /// Every theme, in any state, ordered by name.
    pub async fn list_groups(&self) -> Result<Vec<Group>> {
        let rows = read!(self, |pool| {
            sqlx::query_as::<_, GroupRow>(concat!(
                "SELECT ",
                group_columns!(),
                " FROM groups ORDER BY name"
            ))
            .fetch_all(pool)
            .await?
        });
        rows.into_iter().map(Group::try_from).collect()
    }
}
