//! Dashboards (migration 0014): one row each, its tiles as a JSON list, so
//! adding, moving or removing a tile is one write of the whole dashboard.

use misto_core::dashboard::{Dashboard, Tile};
use misto_core::time::{from_micros, to_micros};

use crate::{Result, Store, StoreError};

const COLUMNS: &str = "id, name, title, title_en, description, description_en, owner_org, \
     public, tiles, creator, created, modified";

#[derive(sqlx::FromRow)]
struct DashboardRow {
    id: String,
    name: String,
    title: String,
    title_en: String,
    description: String,
    description_en: String,
    owner_org: Option<String>,
    public: bool,
    tiles: String,
    creator: Option<String>,
    created: i64,
    modified: i64,
}

impl TryFrom<DashboardRow> for Dashboard {
    type Error = StoreError;
    fn try_from(r: DashboardRow) -> Result<Self> {
        let tiles: Vec<Tile> = serde_json::from_str(&r.tiles)
            .map_err(|e| StoreError::corrupt(format!("dashboard tiles {}: {e}", r.id)))?;
        Ok(Dashboard {
            id: r.id,
            name: r.name,
            title: r.title,
            title_en: r.title_en,
            description: r.description,
            description_en: r.description_en,
            owner_org: r.owner_org,
            public: r.public,
            tiles,
            creator: r.creator,
            created: from_micros(r.created),
            modified: from_micros(r.modified),
        })
    }
}

impl Store {
    /// Inserts the dashboard, or replaces the one with the same id. A name
    /// another dashboard has is refused as a conflict on `name`.
    pub async fn save_dashboard(&self, d: &Dashboard) -> Result<()> {
        let sql = format!(
            "INSERT INTO dashboards ({COLUMNS}) VALUES \
             ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, title = excluded.title, \
             title_en = excluded.title_en, description = excluded.description, \
             description_en = excluded.description_en, owner_org = excluded.owner_org, \
             public = excluded.public, tiles = excluded.tiles, modified = excluded.modified"
        );
        let tiles = serde_json::to_string(&d.tiles)
            .map_err(|e| StoreError::corrupt(format!("dashboard tiles: {e}")))?;
        write_tx!(self, |tx| {
            let clash: Option<(String,)> =
                sqlx::query_as("SELECT id FROM dashboards WHERE name = $1 AND id <> $2")
                    .bind(d.name.as_str())
                    .bind(d.id.as_str())
                    .fetch_optional(&mut *tx)
                    .await?;
            if clash.is_some() {
                return Err(StoreError::Conflict {
                    field: "name".into(),
                    message: "That URL is already in use.".into(),
                });
            }
            sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .bind(d.id.as_str())
                .bind(d.name.as_str())
                .bind(d.title.as_str())
                .bind(d.title_en.as_str())
                .bind(d.description.as_str())
                .bind(d.description_en.as_str())
                .bind(d.owner_org.as_deref())
                .bind(d.public)
                .bind(tiles.as_str())
                .bind(d.creator.as_deref())
                .bind(to_micros(&d.created))
                .bind(to_micros(&d.modified))
                .execute(&mut *tx)
                .await?;
        })
    }

    /// A dashboard by id or URL name.
    pub async fn find_dashboard(&self, id_or_name: &str) -> Result<Option<Dashboard>> {
        let sql = format!("SELECT {COLUMNS} FROM dashboards WHERE id = $1 OR name = $1");
        let row = read!(self, |pool| {
            sqlx::query_as::<_, DashboardRow>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(id_or_name)
                .fetch_optional(pool)
                .await?
        });
        row.map(Dashboard::try_from).transpose()
    }

    /// Every dashboard, by title then id.
    pub async fn list_dashboards(&self) -> Result<Vec<Dashboard>> {
        let sql = format!("SELECT {COLUMNS} FROM dashboards ORDER BY title, id");
        let rows = read!(self, |pool| {
            sqlx::query_as::<_, DashboardRow>(sqlx::AssertSqlSafe(sql.clone()))
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(Dashboard::try_from).collect()
    }

    /// Deletes a dashboard; false when there was none with that id.
    pub async fn delete_dashboard(&self, id: &str) -> Result<bool> {
        write_tx!(self, |tx| {
            sqlx::query("DELETE FROM dashboards WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                > 0
        })
    }
}
