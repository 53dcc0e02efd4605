//! The portal's own content: news posts (static pages and the showcase
//! share the tables of migration 0008).

use misto_core::content::{NewsPost, StoredImage};
use misto_core::time::{from_micros, to_micros};

use crate::{Result, Store, StoreError};

const NEWS_COLUMNS: &str = "id, name, title, title_en, body, body_en, image_key, image_type, \
     datasets, published, publish_date, author, created, modified";

#[derive(sqlx::FromRow)]
struct NewsRow {
    id: String,
    name: String,
    title: String,
    title_en: Option<String>,
    body: String,
    body_en: Option<String>,
    image_key: Option<String>,
    image_type: Option<String>,
    datasets: String,
    published: bool,
    publish_date: i64,
    author: Option<String>,
    created: i64,
    modified: i64,
}

impl TryFrom<NewsRow> for NewsPost {
    type Error = StoreError;
    fn try_from(r: NewsRow) -> Result<Self> {
        let datasets: Vec<String> = serde_json::from_str(&r.datasets)
            .map_err(|_| StoreError::corrupt(format!("news datasets {}", r.id)))?;
        Ok(NewsPost {
            image: match (r.image_key, r.image_type) {
                (Some(key), Some(media_type)) => Some(StoredImage { key, media_type }),
                _ => None,
            },
            id: r.id,
            name: r.name,
            title: r.title,
            title_en: r.title_en,
            body: r.body,
            body_en: r.body_en,
            datasets,
            published: r.published,
            publish_date: from_micros(r.publish_date),
            author: r.author,
            created: from_micros(r.created),
            modified: from_micros(r.modified),
        })
    }
}

impl Store {
    /// Inserts the post, or replaces the one with the same id. A name
    /// taken by another post is a [`StoreError::Conflict`] on `name`.
    pub async fn save_news(&self, p: &NewsPost) -> Result<()> {
        let sql = format!(
            "INSERT INTO news ({NEWS_COLUMNS}) VALUES \
             ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, title = excluded.title, \
             title_en = excluded.title_en, body = excluded.body, body_en = excluded.body_en, \
             image_key = excluded.image_key, image_type = excluded.image_type, \
             datasets = excluded.datasets, published = excluded.published, \
             publish_date = excluded.publish_date, modified = excluded.modified"
        );
        let datasets = serde_json::to_string(&p.datasets)
            .map_err(|e| StoreError::corrupt(format!("news datasets: {e}")))?;
        let (key, media_type) = match &p.image {
            Some(i) => (Some(i.key.as_str()), Some(i.media_type.as_str())),
            None => (None, None),
        };
        write_tx!(self, |tx| {
            sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .bind(p.id.as_str())
                .bind(p.name.as_str())
                .bind(p.title.as_str())
                .bind(p.title_en.as_deref())
                .bind(p.body.as_str())
                .bind(p.body_en.as_deref())
                .bind(key)
                .bind(media_type)
                .bind(datasets.as_str())
                .bind(p.published)
                .bind(to_micros(&p.publish_date))
                .bind(p.author.as_deref())
                .bind(to_micros(&p.created))
                .bind(to_micros(&p.modified))
                .execute(&mut *tx)
                .await?;
        })
    }

    /// The post with this id or URL name.
    pub async fn find_news(&self, id_or_name: &str) -> Result<Option<NewsPost>> {
        let sql = format!("SELECT {NEWS_COLUMNS} FROM news WHERE id = $1 OR name = $1");
        let row = read!(self, |pool| {
            sqlx::query_as::<_, NewsRow>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(id_or_name)
                .fetch_optional(pool)
                .await?
        });
        row.map(NewsPost::try_from).transpose()
    }

    /// Posts newest publication date first, with the total count; with
    /// `public_at`, only those published on or before that time.
    pub async fn list_news(
        &self,
        public_at: Option<misto_core::Timestamp>,
        limit: i64,
        offset: i64,
    ) -> Result<(i64, Vec<NewsPost>)> {
        let at = public_at.as_ref().map(to_micros);
        let sql = format!(
            "SELECT {NEWS_COLUMNS} FROM news \
             WHERE ($1 IS NULL OR (published AND publish_date <= $1)) \
             ORDER BY publish_date DESC, id LIMIT $2 OFFSET $3"
        );
        let (count, rows) = read_tx!(self, |tx| {
            let count: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM news \
                 WHERE ($1 IS NULL OR (published AND publish_date <= $1))",
            )
            .bind(at)
            .fetch_one(&mut *tx)
            .await?;
            let rows = sqlx::query_as::<_, NewsRow>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(at)
                .bind(limit)
                .bind(offset)
                .fetch_all(&mut *tx)
                .await?;
            (count, rows)
        })?;
        Ok((
            count,
            rows.into_iter()
                .map(NewsPost::try_from)
                .collect::<Result<_>>()?,
        ))
    }

    /// Deletes the post; false when there was none.
    pub async fn delete_news(&self, id: &str) -> Result<bool> {
        write_tx!(self, |tx| {
            sqlx::query("DELETE FROM news WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                > 0
        })
    }
}
