//! The portal's own content: news posts (static pages and the showcase
//! share the tables of migration 0008).

use misto_core::Moderation;
use misto_core::Timestamp;
use misto_core::content::{
    Answers, Attachment, MenuPlace, NewsPost, Page, ShowcaseItem, StoredImage, Survey,
};
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

const PAGE_COLUMNS: &str =
    "id, name, title, title_en, body, body_en, menu, position, published, created, modified";

#[derive(sqlx::FromRow)]
struct PageRow {
    id: String,
    name: String,
    title: String,
    title_en: Option<String>,
    body: String,
    body_en: Option<String>,
    menu: String,
    position: i64,
    published: bool,
    created: i64,
    modified: i64,
}

impl TryFrom<PageRow> for Page {
    type Error = StoreError;
    fn try_from(r: PageRow) -> Result<Self> {
        Ok(Page {
            menu: MenuPlace::parse(&r.menu)
                .ok_or_else(|| StoreError::corrupt(format!("page menu {}", r.id)))?,
            id: r.id,
            name: r.name,
            title: r.title,
            title_en: r.title_en,
            body: r.body,
            body_en: r.body_en,
            position: r.position,
            published: r.published,
            created: from_micros(r.created),
            modified: from_micros(r.modified),
        })
    }
}

#[derive(sqlx::FromRow)]
struct AttachmentRow {
    id: String,
    page_id: String,
    file_name: String,
    blob_key: String,
    size: i64,
    media_type: Option<String>,
    created: i64,
}

impl From<AttachmentRow> for Attachment {
    fn from(r: AttachmentRow) -> Self {
        Attachment {
            id: r.id,
            page_id: r.page_id,
            file_name: r.file_name,
            blob_key: r.blob_key,
            size: r.size,
            media_type: r.media_type,
            created: from_micros(r.created),
        }
    }
}

impl Store {
    /// Inserts the page, or replaces the one with the same id.
    pub async fn save_page(&self, p: &Page) -> Result<()> {
        let sql = format!(
            "INSERT INTO pages ({PAGE_COLUMNS}) VALUES \
             ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, title = excluded.title, \
             title_en = excluded.title_en, body = excluded.body, body_en = excluded.body_en, \
             menu = excluded.menu, position = excluded.position, \
             published = excluded.published, modified = excluded.modified"
        );
        write_tx!(self, |tx| {
            sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .bind(p.id.as_str())
                .bind(p.name.as_str())
                .bind(p.title.as_str())
                .bind(p.title_en.as_deref())
                .bind(p.body.as_str())
                .bind(p.body_en.as_deref())
                .bind(p.menu.as_str())
                .bind(p.position)
                .bind(p.published)
                .bind(to_micros(&p.created))
                .bind(to_micros(&p.modified))
                .execute(&mut *tx)
                .await?;
        })
    }

    /// The page with this id or URL name.
    pub async fn find_page(&self, id_or_name: &str) -> Result<Option<Page>> {
        let sql = format!("SELECT {PAGE_COLUMNS} FROM pages WHERE id = $1 OR name = $1");
        let row = read!(self, |pool| {
            sqlx::query_as::<_, PageRow>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(id_or_name)
                .fetch_optional(pool)
                .await?
        });
        row.map(Page::try_from).transpose()
    }

    /// Every page (or only published ones) in menu order.
    pub async fn list_pages(&self, published_only: bool) -> Result<Vec<Page>> {
        let sql = format!(
            "SELECT {PAGE_COLUMNS} FROM pages WHERE ($1 = FALSE OR published) \
             ORDER BY position, title, id"
        );
        let rows = read!(self, |pool| {
            sqlx::query_as::<_, PageRow>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(published_only)
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(Page::try_from).collect()
    }

    /// Deletes the page with its attachments; their blob keys, for the
    /// caller to remove.
    pub async fn delete_page(&self, id: &str) -> Result<Vec<String>> {
        write_tx!(self, |tx| {
            let keys: Vec<String> =
                sqlx::query_scalar("SELECT blob_key FROM page_attachments WHERE page_id = $1")
                    .bind(id)
                    .fetch_all(&mut *tx)
                    .await?;
            sqlx::query("DELETE FROM page_attachments WHERE page_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM pages WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            keys
        })
    }

    pub async fn add_attachment(&self, a: &Attachment) -> Result<()> {
        write_tx!(self, |tx| {
            sqlx::query(
                "INSERT INTO page_attachments \
                 (id, page_id, file_name, blob_key, size, media_type, created) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(a.id.as_str())
            .bind(a.page_id.as_str())
            .bind(a.file_name.as_str())
            .bind(a.blob_key.as_str())
            .bind(a.size)
            .bind(a.media_type.as_deref())
            .bind(to_micros(&a.created))
            .execute(&mut *tx)
            .await?;
        })
    }

    /// A page's attachments, oldest first.
    pub async fn list_attachments(&self, page_id: &str) -> Result<Vec<Attachment>> {
        let rows = read!(self, |pool| {
            sqlx::query_as::<_, AttachmentRow>(
                "SELECT id, page_id, file_name, blob_key, size, media_type, created \
                 FROM page_attachments WHERE page_id = $1 ORDER BY created, id",
            )
            .bind(page_id)
            .fetch_all(pool)
            .await?
        });
        Ok(rows.into_iter().map(Attachment::from).collect())
    }

    /// Deletes one attachment of a page; its blob key when there was one.
    pub async fn delete_attachment(&self, page_id: &str, id: &str) -> Result<Option<String>> {
        write_tx!(self, |tx| {
            sqlx::query_scalar::<_, String>(
                "DELETE FROM page_attachments WHERE page_id = $1 AND id = $2 RETURNING blob_key",
            )
            .bind(page_id)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
        })
    }
}

const SHOWCASE_COLUMNS: &str = "id, name, kind, title, description, url, image_key, image_type, \
     author_name, author_email, moderation, created, modified";

#[derive(sqlx::FromRow)]
struct ShowcaseRow {
    id: String,
    name: String,
    kind: String,
    title: String,
    description: String,
    url: String,
    image_key: Option<String>,
    image_type: Option<String>,
    author_name: String,
    author_email: String,
    moderation: String,
    created: i64,
    modified: i64,
}

impl ShowcaseRow {
    fn into_item(self, datasets: Vec<String>) -> Result<ShowcaseItem> {
        Ok(ShowcaseItem {
            moderation: Moderation::parse(&self.moderation)
                .ok_or_else(|| StoreError::corrupt(format!("showcase moderation {}", self.id)))?,
            image: match (self.image_key, self.image_type) {
                (Some(key), Some(media_type)) => Some(StoredImage { key, media_type }),
                _ => None,
            },
            id: self.id,
            name: self.name,
            kind: self.kind,
            title: self.title,
            description: self.description,
            url: self.url,
            author_name: self.author_name,
            author_email: self.author_email,
            datasets,
            created: from_micros(self.created),
            modified: from_micros(self.modified),
        })
    }
}

impl Store {
    /// Inserts the item, or replaces the one with the same id, with its
    /// dataset links.
    pub async fn save_showcase(&self, s: &ShowcaseItem) -> Result<()> {
        let sql = format!(
            "INSERT INTO showcase ({SHOWCASE_COLUMNS}) VALUES \
             ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind, \
             title = excluded.title, description = excluded.description, url = excluded.url, \
             image_key = excluded.image_key, image_type = excluded.image_type, \
             moderation = excluded.moderation, modified = excluded.modified"
        );
        let (key, media_type) = match &s.image {
            Some(i) => (Some(i.key.as_str()), Some(i.media_type.as_str())),
            None => (None, None),
        };
        write_tx!(self, |tx| {
            sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .bind(s.id.as_str())
                .bind(s.name.as_str())
                .bind(s.kind.as_str())
                .bind(s.title.as_str())
                .bind(s.description.as_str())
                .bind(s.url.as_str())
                .bind(key)
                .bind(media_type)
                .bind(s.author_name.as_str())
                .bind(s.author_email.as_str())
                .bind(s.moderation.as_str())
                .bind(to_micros(&s.created))
                .bind(to_micros(&s.modified))
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM showcase_datasets WHERE showcase_id = $1")
                .bind(s.id.as_str())
                .execute(&mut *tx)
                .await?;
            for d in &s.datasets {
                sqlx::query(
                    "INSERT INTO showcase_datasets (showcase_id, dataset_id) VALUES ($1, $2)",
                )
                .bind(s.id.as_str())
                .bind(d.as_str())
                .execute(&mut *tx)
                .await?;
            }
        })
    }

    async fn showcase_datasets(&self, id: &str) -> Result<Vec<String>> {
        Ok(read!(self, |pool| {
            sqlx::query_scalar::<_, String>(
                "SELECT dataset_id FROM showcase_datasets WHERE showcase_id = $1 ORDER BY dataset_id",
            )
            .bind(id)
            .fetch_all(pool)
            .await?
        }))
    }

    async fn with_datasets(&self, rows: Vec<ShowcaseRow>) -> Result<Vec<ShowcaseItem>> {
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let ds = self.showcase_datasets(&r.id).await?;
            out.push(r.into_item(ds)?);
        }
        Ok(out)
    }

    /// The item with this id or URL name.
    pub async fn find_showcase(&self, id_or_name: &str) -> Result<Option<ShowcaseItem>> {
        let sql = format!("SELECT {SHOWCASE_COLUMNS} FROM showcase WHERE id = $1 OR name = $1");
        let row = read!(self, |pool| {
            sqlx::query_as::<_, ShowcaseRow>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(id_or_name)
                .fetch_optional(pool)
                .await?
        });
        Ok(self.with_datasets(row.into_iter().collect()).await?.pop())
    }

    /// Items newest first, of one moderation state or all.
    pub async fn list_showcase(
        &self,
        moderation: Option<Moderation>,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<ShowcaseItem>> {
        let sql = format!(
            "SELECT {SHOWCASE_COLUMNS} FROM showcase WHERE ($1 IS NULL OR moderation = $1) \
             ORDER BY created DESC, id LIMIT $2 OFFSET $3"
        );
        let m = moderation.map(|m| m.as_str());
        let rows = read!(self, |pool| {
            sqlx::query_as::<_, ShowcaseRow>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(m)
                .bind(limit)
                .bind(offset)
                .fetch_all(pool)
                .await?
        });
        self.with_datasets(rows).await
    }

    /// Approved items that use a dataset, newest first.
    pub async fn list_showcase_for_dataset(&self, dataset_id: &str) -> Result<Vec<ShowcaseItem>> {
        let sql = format!(
            "SELECT {} FROM showcase s JOIN showcase_datasets d ON d.showcase_id = s.id \
             WHERE d.dataset_id = $1 AND s.moderation = 'approved' \
             ORDER BY s.created DESC, s.id LIMIT 50",
            SHOWCASE_COLUMNS
                .split(", ")
                .map(|c| format!("s.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let rows = read!(self, |pool| {
            sqlx::query_as::<_, ShowcaseRow>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(dataset_id)
                .fetch_all(pool)
                .await?
        });
        self.with_datasets(rows).await
    }
}

const SURVEY_COLUMNS: &str =
    "id, name, title, description, questions, opens, closes, public_results, created, modified";

#[derive(sqlx::FromRow)]
struct SurveyRow {
    id: String,
    name: String,
    title: String,
    description: String,
    questions: String,
    opens: Option<i64>,
    closes: Option<i64>,
    public_results: bool,
    created: i64,
    modified: i64,
}

impl TryFrom<SurveyRow> for Survey {
    type Error = StoreError;
    fn try_from(r: SurveyRow) -> Result<Self> {
        Ok(Survey {
            questions: serde_json::from_str(&r.questions)
                .map_err(|_| StoreError::corrupt(format!("survey questions {}", r.id)))?,
            id: r.id,
            name: r.name,
            title: r.title,
            description: r.description,
            opens: r.opens.map(from_micros),
            closes: r.closes.map(from_micros),
            public_results: r.public_results,
            created: from_micros(r.created),
            modified: from_micros(r.modified),
        })
    }
}

impl Store {
    /// Inserts the survey, or replaces the one with the same id.
    pub async fn save_survey(&self, s: &Survey) -> Result<()> {
        let sql = format!(
            "INSERT INTO surveys ({SURVEY_COLUMNS}) VALUES \
             ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, title = excluded.title, \
             description = excluded.description, questions = excluded.questions, \
             opens = excluded.opens, closes = excluded.closes, \
             public_results = excluded.public_results, modified = excluded.modified"
        );
        let questions = serde_json::to_string(&s.questions)
            .map_err(|e| StoreError::corrupt(format!("survey questions: {e}")))?;
        write_tx!(self, |tx| {
            sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .bind(s.id.as_str())
                .bind(s.name.as_str())
                .bind(s.title.as_str())
                .bind(s.description.as_str())
                .bind(questions.as_str())
                .bind(s.opens.as_ref().map(to_micros))
                .bind(s.closes.as_ref().map(to_micros))
                .bind(s.public_results)
                .bind(to_micros(&s.created))
                .bind(to_micros(&s.modified))
                .execute(&mut *tx)
                .await?;
        })
    }

    pub async fn find_survey(&self, id_or_name: &str) -> Result<Option<Survey>> {
        let sql = format!("SELECT {SURVEY_COLUMNS} FROM surveys WHERE id = $1 OR name = $1");
        let row = read!(self, |pool| {
            sqlx::query_as::<_, SurveyRow>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(id_or_name)
                .fetch_optional(pool)
                .await?
        });
        row.map(Survey::try_from).transpose()
    }

    /// Every survey, newest first.
    pub async fn list_surveys(&self) -> Result<Vec<Survey>> {
        let sql = format!("SELECT {SURVEY_COLUMNS} FROM surveys ORDER BY created DESC, id");
        let rows = read!(self, |pool| {
            sqlx::query_as::<_, SurveyRow>(sqlx::AssertSqlSafe(sql.clone()))
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(Survey::try_from).collect()
    }

    /// Stores one response; false when this respondent had answered.
    pub async fn add_survey_response(
        &self,
        survey_id: &str,
        respondent: &str,
        answers: &Answers,
        at: misto_core::Timestamp,
    ) -> Result<bool> {
        let answers = serde_json::to_string(answers)
            .map_err(|e| StoreError::corrupt(format!("survey answers: {e}")))?;
        let id = uuid::Uuid::new_v4().to_string();
        write_tx!(self, |tx| {
            sqlx::query(
                "INSERT INTO survey_responses (id, survey_id, respondent, answers, created) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (survey_id, respondent) DO NOTHING",
            )
            .bind(id.as_str())
            .bind(survey_id)
            .bind(respondent)
            .bind(answers.as_str())
            .bind(to_micros(&at))
            .execute(&mut *tx)
            .await?
            .rows_affected()
                > 0
        })
    }

    /// Every response of a survey, oldest first.
    pub async fn survey_responses(&self, survey_id: &str) -> Result<Vec<(Timestamp, Answers)>> {
        let rows: Vec<(i64, String)> = read!(self, |pool| {
            sqlx::query_as(
                "SELECT created, answers FROM survey_responses WHERE survey_id = $1 \
                 ORDER BY created, id",
            )
            .bind(survey_id)
            .fetch_all(pool)
            .await?
        });
        rows.into_iter()
            .map(|(t, a)| {
                serde_json::from_str(&a)
                    .map(|a| (from_micros(t), a))
                    .map_err(|_| StoreError::corrupt(format!("survey response of {survey_id}")))
            })
            .collect()
    }
}
