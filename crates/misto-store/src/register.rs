//! The dataset register: entries from the data audit.

use misto_core::resolution835::ListItem;
use misto_core::time::{from_micros, to_micros};
use misto_core::{RegisterEntry, RegisterStatus, UpdateFrequency};

use crate::{Result, Store, StoreError};

#[derive(sqlx::FromRow)]
struct RegisterRow {
    id: String,
    publisher_id: String,
    title: String,
    description: String,
    location: String,
    format: String,
    responsible: Option<String>,
    responsible_email: Option<String>,
    update_frequency: Option<String>,
    status: String,
    target_date: Option<String>,
    reason: Option<String>,
    dataset_id: Option<String>,
    resolution_835_item: Option<String>,
    created: i64,
    modified: i64,
}

const COLUMNS: &str = "id, publisher_id, title, description, location, format, responsible, \
     responsible_email, update_frequency, status, target_date, reason, dataset_id, \
     resolution_835_item, created, modified";

impl TryFrom<RegisterRow> for RegisterEntry {
    type Error = StoreError;
    fn try_from(r: RegisterRow) -> Result<Self> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("register entry {}: {what}", r.id));
        let status = RegisterStatus::parse(&r.status).ok_or_else(|| corrupt("status"))?;
        let update_frequency = match &r.update_frequency {
            Some(f) => Some(UpdateFrequency::parse(f).ok_or_else(|| corrupt("update_frequency"))?),
            None => None,
        };
        let target_date = match &r.target_date {
            Some(d) => Some(
                chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
                    .map_err(|_| corrupt("target_date"))?,
            ),
            None => None,
        };
        Ok(RegisterEntry {
            id: r.id,
            publisher_id: r.publisher_id,
            title: r.title,
            description: r.description,
            location: r.location,
            format: r.format,
            responsible: r.responsible,
            responsible_email: r.responsible_email,
            update_frequency,
            status,
            target_date,
            reason: r.reason,
            dataset_id: r.dataset_id,
            resolution_835_item: r.resolution_835_item,
            created: from_micros(r.created),
            modified: from_micros(r.modified),
        })
    }
}

impl Store {
    /// Inserts the entry, or replaces the one with the same id.
    pub async fn save_register_entry(&self, e: &RegisterEntry) -> Result<()> {
        let freq = e.update_frequency.map(|f| f.as_str());
        let target = e.target_date.map(|d| d.format("%Y-%m-%d").to_string());
        let (created, modified) = (to_micros(&e.created), to_micros(&e.modified));
        let sql = format!(
            "INSERT INTO register_entries ({COLUMNS}) VALUES \
             ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
             ON CONFLICT (id) DO UPDATE SET publisher_id = excluded.publisher_id, \
             title = excluded.title, description = excluded.description, \
             location = excluded.location, format = excluded.format, \
             responsible = excluded.responsible, responsible_email = excluded.responsible_email, \
             update_frequency = excluded.update_frequency, status = excluded.status, \
             target_date = excluded.target_date, reason = excluded.reason, \
             dataset_id = excluded.dataset_id, resolution_835_item = excluded.resolution_835_item, \
             modified = excluded.modified"
        );
        write_tx!(self, |tx| {
            sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .bind(e.id.as_str())
                .bind(e.publisher_id.as_str())
                .bind(e.title.as_str())
                .bind(e.description.as_str())
                .bind(e.location.as_str())
                .bind(e.format.as_str())
                .bind(e.responsible.as_deref())
                .bind(e.responsible_email.as_deref())
                .bind(freq)
                .bind(e.status.as_str())
                .bind(target.as_deref())
                .bind(e.reason.as_deref())
                .bind(e.dataset_id.as_deref())
                .bind(e.resolution_835_item.as_deref())
                .bind(created)
                .bind(modified)
                .execute(&mut *tx)
                .await?;
        })
    }

    pub async fn find_register_entry(&self, id: &str) -> Result<Option<RegisterEntry>> {
        let sql = format!("SELECT {COLUMNS} FROM register_entries WHERE id = $1");
        let row = read!(self, |pool| {
            sqlx::query_as::<_, RegisterRow>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        row.map(RegisterEntry::try_from).transpose()
    }

    /// Entries ordered by title; all publishers when `publisher_id` is `None`.
    pub async fn list_register_entries(
        &self,
        publisher_id: Option<&str>,
    ) -> Result<Vec<RegisterEntry>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM register_entries \
             WHERE ($1 IS NULL OR publisher_id = $1) ORDER BY title, id"
        );
        let rows = read!(self, |pool| {
            sqlx::query_as::<_, RegisterRow>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(publisher_id)
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(RegisterEntry::try_from).collect()
    }

    pub async fn delete_register_entry(&self, id: &str) -> Result<bool> {
        write_tx!(self, |tx| {
            let done = sqlx::query("DELETE FROM register_entries WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            done.rows_affected() > 0
        })
    }
}

#[derive(sqlx::FromRow)]
struct Item835Row {
    id: String,
    name_uk: String,
    name_en: String,
    category: String,
    update_frequency: Option<String>,
    imported: i64,
}

/// The dataset that publishes the register itself.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RegisterPublication {
    pub dataset_id: String,
    pub publisher_id: String,
}

impl Store {
    /// The imported Resolution 835 list in its order, with the time of the
    /// import; empty when none was imported (the built-in list is in force).
    pub async fn resolution835_items(
        &self,
    ) -> Result<(Vec<ListItem>, Option<misto_core::Timestamp>)> {
        let rows = read!(self, |pool| {
            sqlx::query_as::<_, Item835Row>(
                "SELECT id, name_uk, name_en, category, update_frequency, imported \
                 FROM resolution835_items ORDER BY position, id",
            )
            .fetch_all(pool)
            .await?
        });
        let imported = rows.first().map(|r| from_micros(r.imported));
        let items = rows
            .into_iter()
            .map(|r| {
                let update_frequency = match &r.update_frequency {
                    Some(f) => Some(UpdateFrequency::parse(f).ok_or_else(|| {
                        StoreError::Corrupt(format!("resolution 835 item {}: frequency", r.id))
                    })?),
                    None => None,
                };
                Ok(ListItem {
                    id: r.id,
                    name_uk: r.name_uk,
                    name_en: r.name_en,
                    category: r.category,
                    update_frequency,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((items, imported))
    }

    /// Replaces the imported Resolution 835 list in one transaction (an
    /// empty list goes back to the built-in one) and bumps the catalog
    /// version, so every instance reloads it.
    pub async fn replace_resolution835_items(
        &self,
        items: &[ListItem],
        now: misto_core::Timestamp,
    ) -> Result<()> {
        let now = to_micros(&now);
        write_tx!(self, |tx| {
            bump_version!(tx);
            sqlx::query("DELETE FROM resolution835_items")
                .execute(&mut *tx)
                .await?;
            for (pos, i) in items.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO resolution835_items \
                     (id, position, name_uk, name_en, category, update_frequency, imported) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(i.id.as_str())
                .bind(pos as i64)
                .bind(i.name_uk.as_str())
                .bind(i.name_en.as_str())
                .bind(i.category.as_str())
                .bind(i.update_frequency.map(|f| f.as_str()))
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
        })
    }

    /// The dataset that publishes the register, once one was published.
    pub async fn register_publication(&self) -> Result<Option<RegisterPublication>> {
        Ok(read!(self, |pool| {
            sqlx::query_as::<_, RegisterPublication>(
                "SELECT dataset_id, publisher_id FROM register_publication WHERE id = 1",
            )
            .fetch_optional(pool)
            .await?
        }))
    }

    pub async fn save_register_publication(
        &self,
        p: &RegisterPublication,
        now: misto_core::Timestamp,
    ) -> Result<()> {
        let now = to_micros(&now);
        write_tx!(self, |tx| {
            sqlx::query(
                "INSERT INTO register_publication (id, dataset_id, publisher_id, modified) \
                 VALUES (1, $1, $2, $3) ON CONFLICT (id) DO UPDATE SET \
                 dataset_id = excluded.dataset_id, publisher_id = excluded.publisher_id, \
                 modified = excluded.modified",
            )
            .bind(p.dataset_id.as_str())
            .bind(p.publisher_id.as_str())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::fresh_store;

    #[tokio::test]
    async fn resolution835_list_round_trip_and_reset() {
        let store = fresh_store().await;
        assert!(store.resolution835_items().await.unwrap().0.is_empty());
        let v = store.catalog_version().await.unwrap();
        let items = vec![
            ListItem {
                id: "X-02".into(),
                name_uk: "Друге".into(),
                name_en: "Second".into(),
                category: "c".into(),
                update_frequency: Some(UpdateFrequency::OnceAYear),
            },
            ListItem {
                id: "X-01".into(),
                name_uk: "Перше".into(),
                name_en: String::new(),
                category: String::new(),
                update_frequency: None,
            },
        ];
        let t = misto_core::time::now();
        store.replace_resolution835_items(&items, t).await.unwrap();
        assert!(store.catalog_version().await.unwrap() > v);
        let (got, imported) = store.resolution835_items().await.unwrap();
        assert_eq!(got, items, "kept in the order imported");
        assert!(imported.is_some());
        store.replace_resolution835_items(&[], t).await.unwrap();
        assert!(store.resolution835_items().await.unwrap().0.is_empty());
    }
}
