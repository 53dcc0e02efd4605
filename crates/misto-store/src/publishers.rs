//! Publishers (CKAN organizations).

use misto_core::time::to_micros;
use misto_core::{Activity, Publisher};

use crate::rows::{ActivityParams, PublisherRow};
use crate::{Result, Store, StoreError};

impl Store {
    /// Saves a new publisher and, when given, its activity; bumps the catalog
    /// version. A name in use gives [`StoreError::Conflict`] on `name`.
    pub async fn insert_publisher(&self, p: &Publisher, activity: Option<&Activity>) -> Result<()> {
        let act = activity.map(ActivityParams::new).transpose()?;
        let (created, modified) = (to_micros(&p.created), to_micros(&p.modified));
        write_tx!(self, |tx| {
            bump_version!(tx);
            sqlx::query(concat!(
                "INSERT INTO publishers (",
                publisher_columns!(),
                ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
            ))
            .bind(p.id.as_str())
            .bind(p.name.as_str())
            .bind(p.title.as_str())
            .bind(p.title_en.as_deref())
            .bind(p.description.as_str())
            .bind(p.edrpou.as_deref())
            .bind(p.kind.as_str())
            .bind(p.email.as_deref())
            .bind(p.phone.as_deref())
            .bind(p.website.as_deref())
            .bind(p.address.as_deref())
            .bind(p.image_url.as_deref())
            .bind(p.state.as_str())
            .bind(created)
            .bind(modified)
            .execute(&mut *tx)
            .await?;
            if let Some(act) = &act {
                insert_activity!(tx, act);
            }
        })
    }

    /// Overwrites every field of the publisher with id `p.id` and, when given,
    /// saves its activity; bumps the catalog version.
    pub async fn update_publisher(&self, p: &Publisher, activity: Option<&Activity>) -> Result<()> {
        let act = activity.map(ActivityParams::new).transpose()?;
        let (created, modified) = (to_micros(&p.created), to_micros(&p.modified));
        write_tx!(self, |tx| {
            bump_version!(tx);
            let done = sqlx::query(
                "UPDATE publishers SET name = $2, title = $3, title_en = $4, description = $5, \
                 edrpou = $6, kind = $7, email = $8, phone = $9, website = $10, address = $11, \
                 image_url = $12, state = $13, created = $14, modified = $15 WHERE id = $1",
            )
            .bind(p.id.as_str())
            .bind(p.name.as_str())
            .bind(p.title.as_str())
            .bind(p.title_en.as_deref())
            .bind(p.description.as_str())
            .bind(p.edrpou.as_deref())
            .bind(p.kind.as_str())
            .bind(p.email.as_deref())
            .bind(p.phone.as_deref())
            .bind(p.website.as_deref())
            .bind(p.address.as_deref())
            .bind(p.image_url.as_deref())
            .bind(p.state.as_str())
            .bind(created)
            .bind(modified)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound(format!("publisher {}", p.id)));
            }
            if let Some(act) = &act {
                insert_activity!(tx, act);
            }
        })
    }

    /// The publisher whose id or name is `id_or_name` (the id wins), in any state.
    pub async fn find_publisher(&self, id_or_name: &str) -> Result<Option<Publisher>> {
        let row = read!(self, |pool| {
            sqlx::query_as::<_, PublisherRow>(concat!(
                "SELECT ",
                publisher_columns!(),
                " FROM publishers WHERE id = $1 OR name = $1 \
                 ORDER BY CASE WHEN id = $1 THEN 0 ELSE 1 END LIMIT 1"
            ))
            .bind(id_or_name)
            .fetch_optional(pool)
            .await?
        });
        row.map(Publisher::try_from).transpose()
    }

    /// Every publisher, in any state, ordered by name.
    pub async fn list_publishers(&self) -> Result<Vec<Publisher>> {
        let rows = read!(self, |pool| {
            sqlx::query_as::<_, PublisherRow>(concat!(
                "SELECT ",
                publisher_columns!(),
                " FROM publishers ORDER BY name"
            ))
            .fetch_all(pool)
            .await?
        });
        rows.into_iter().map(Publisher::try_from).collect()
    }
}
