//! Datasets: the aggregate of a dataset row (tags, themes and extras as JSON
//! columns) and its resources (their own table, ordered by `position`).

use misto_core::{Activity, Dataset, Resource};

use crate::rows::{
    ActivityParams, DatasetParams, DatasetRow, ResourceParams, ResourceRow, resources_by_dataset,
};
use crate::{Result, Store, StoreError};

/// Inserts the resources of dataset `$package_id` inside transaction `$tx`.
macro_rules! insert_resources {
    ($tx:ident, $package_id:expr, $params:expr) => {
        for p in $params.iter() {
            bind_resource!(
                sqlx::query(concat!(
                    "INSERT INTO resources (",
                    resource_columns!(),
                    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, \
                     $15, $16, $17, $18)"
                )),
                p,
                $package_id
            )
            .execute(&mut *$tx)
            .await?;
        }
    };
}

/// The resources as the store keeps them: owned by `package_id`, ordered by
/// position (then id, for equal positions) — the order they load in.
fn owned_resources(package_id: &str, resources: &[Resource]) -> Vec<Resource> {
    let mut out: Vec<Resource> = resources
        .iter()
        .map(|r| Resource {
            package_id: package_id.to_owned(),
            ..r.clone()
        })
        .collect();
    out.sort_by(|a, b| a.position.cmp(&b.position).then_with(|| a.id.cmp(&b.id)));
    out
}

impl Store {
    /// Saves a new dataset with its resources and its activity, in one
    /// transaction. The stored dataset has revision 1 and `seq` set to the new
    /// catalog version; it is returned as [`Store::find_dataset`] would load it.
    /// A name in use gives [`StoreError::Conflict`] on `name`; a resource id
    /// in use, on `resources`. An `owner_org` that is no publisher's id is
    /// refused by a foreign key ([`StoreError::Database`]: the actions check
    /// it first). Nothing is saved when any part fails.
    pub async fn insert_dataset(&self, d: &Dataset, activity: &Activity) -> Result<Dataset> {
        let params = DatasetParams::new(d)?;
        let resources = owned_resources(&d.id, &d.resources);
        let resource_params = resources
            .iter()
            .map(ResourceParams::new)
            .collect::<Result<Vec<_>>>()?;
        let act = ActivityParams::new(activity)?;
        let seq = write_tx!(self, |tx| {
            let seq = bump_version!(tx);
            bind_dataset!(
                sqlx::query(concat!(
                    "INSERT INTO datasets (",
                    dataset_columns!(),
                    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, \
                     $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, \
                     1, $31)"
                )),
                params
            )
            .bind(seq)
            .execute(&mut *tx)
            .await?;
            insert_resources!(tx, d.id.as_str(), resource_params);
            insert_activity!(tx, act);
            seq
        })?;
        drop(resource_params);
        Ok(Dataset {
            revision: 1,
            seq,
            resources,
            ..d.clone()
        })
    }

    /// Saves a changed dataset if it is still at `expected_revision`: every
    /// field is overwritten, the revision grows by one, `seq` becomes the new
    /// catalog version, the resources are replaced by `d.resources`, and the
    /// activity is saved — all in one transaction. Someone else's save in
    /// between gives [`StoreError::StaleRevision`]; an unknown id,
    /// [`StoreError::NotFound`].
    pub async fn update_dataset(
        &self,
        d: &Dataset,
        expected_revision: i64,
        activity: &Activity,
    ) -> Result<Dataset> {
        let params = DatasetParams::new(d)?;
        let resources = owned_resources(&d.id, &d.resources);
        let resource_params = resources
            .iter()
            .map(ResourceParams::new)
            .collect::<Result<Vec<_>>>()?;
        let act = ActivityParams::new(activity)?;
        let (revision, seq) = write_tx!(self, |tx| {
            let seq = bump_version!(tx);
            let revision = bind_dataset!(
                sqlx::query_scalar::<_, i64>(
                    "UPDATE datasets SET name = $2, title = $3, title_en = $4, notes = $5, \
                     notes_en = $6, owner_org = $7, private = $8, state = $9, license_id = $10, \
                     author = $11, author_email = $12, maintainer = $13, maintainer_email = $14, \
                     url = $15, version = $16, tags = $17, group_ids = $18, language = $19, \
                     update_frequency = $20, purpose_of_collecting_information = $21, \
                     resolution_835_item = $22, spatial_katottg = $23, temporal_start = $24, \
                     temporal_end = $25, data_updated = $26, extras = $27, \
                     creator_user_id = $28, metadata_created = $29, metadata_modified = $30, \
                     revision = revision + 1, seq = $31 \
                     WHERE id = $1 AND revision = $32 RETURNING revision"
                ),
                params
            )
            .bind(seq)
            .bind(expected_revision)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(revision) = revision else {
                let exists =
                    sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM datasets WHERE id = $1")
                        .bind(d.id.as_str())
                        .fetch_one(&mut *tx)
                        .await?;
                return Err(if exists > 0 {
                    StoreError::StaleRevision
                } else {
                    StoreError::NotFound(format!("dataset {}", d.id))
                });
            };
            sqlx::query("DELETE FROM resources WHERE package_id = $1")
                .bind(d.id.as_str())
                .execute(&mut *tx)
                .await?;
            insert_resources!(tx, d.id.as_str(), resource_params);
            insert_activity!(tx, act);
            (revision, seq)
        })?;
        drop(resource_params);
        Ok(Dataset {
            revision,
            seq,
            resources,
            ..d.clone()
        })
    }

    /// The dataset whose id or name is `id_or_name` (the id wins), in any
    /// state, with its resources; read from one snapshot.
    pub async fn find_dataset(&self, id_or_name: &str) -> Result<Option<Dataset>> {
        let found = read_tx!(self, |tx| {
            let row = sqlx::query_as::<_, DatasetRow>(concat!(
                "SELECT ",
                dataset_columns!(),
                " FROM datasets WHERE id = $1 OR name = $1 \
                 ORDER BY CASE WHEN id = $1 THEN 0 ELSE 1 END LIMIT 1"
            ))
            .bind(id_or_name)
            .fetch_optional(&mut *tx)
            .await?;
            match row {
                None => None,
                Some(row) => {
                    let resources = sqlx::query_as::<_, ResourceRow>(concat!(
                        "SELECT ",
                        resource_columns!(),
                        " FROM resources WHERE package_id = $1 ORDER BY position, id"
                    ))
                    .bind(row.id.as_str())
                    .fetch_all(&mut *tx)
                    .await?;
                    Some((row, resources))
                }
            }
        })?;
        let Some((row, resource_rows)) = found else {
            return Ok(None);
        };
        let resources = resource_rows
            .into_iter()
            .map(Resource::try_from)
            .collect::<Result<_>>()?;
        row.into_dataset(resources).map(Some)
    }

    /// The id of the dataset that holds the resource.
    pub async fn find_dataset_id_by_resource(&self, resource_id: &str) -> Result<Option<String>> {
        Ok(read!(self, |pool| {
            sqlx::query_scalar::<_, String>("SELECT package_id FROM resources WHERE id = $1")
                .bind(resource_id)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// Whether a dataset other than `except_id` has this name.
    pub async fn dataset_name_taken(&self, name: &str, except_id: Option<&str>) -> Result<bool> {
        let n = read!(self, |pool| {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM datasets WHERE name = $1 AND ($2 IS NULL OR id <> $2)",
            )
            .bind(name)
            .bind(except_id)
            .fetch_one(pool)
            .await?
        });
        Ok(n > 0)
    }

    /// Up to `limit` datasets (any state) saved after catalog version `seq`,
    /// in the order they were saved, with their resources. Two queries per
    /// batch whatever its size, read from one snapshot. Load the whole
    /// catalog by calling it again with the last `seq` until it returns fewer
    /// than `limit`.
    pub async fn datasets_changed_since(&self, seq: i64, limit: i64) -> Result<Vec<Dataset>> {
        let (rows, resource_rows) = read_tx!(self, |tx| {
            let rows = sqlx::query_as::<_, DatasetRow>(concat!(
                "SELECT ",
                dataset_columns!(),
                " FROM datasets WHERE seq > $1 ORDER BY seq LIMIT $2"
            ))
            .bind(seq)
            .bind(limit.max(0))
            .fetch_all(&mut *tx)
            .await?;
            let resources = match rows.last() {
                None => Vec::new(),
                Some(last) => {
                    // Same snapshot, so this range holds exactly `rows`.
                    sqlx::query_as::<_, ResourceRow>(concat!(
                        "SELECT ",
                        resource_columns!(),
                        " FROM resources WHERE package_id IN \
                         (SELECT id FROM datasets WHERE seq > $1 AND seq <= $2) \
                         ORDER BY package_id, position, id"
                    ))
                    .bind(seq)
                    .bind(last.seq)
                    .fetch_all(&mut *tx)
                    .await?
                }
            };
            (rows, resources)
        })?;
        let mut by_dataset = resources_by_dataset(resource_rows)?;
        rows.into_iter()
            .map(|row| {
                let resources = by_dataset.remove(&row.id).unwrap_or_default();
                row.into_dataset(resources)
            })
            .collect()
    }

    /// How many datasets there are, in any state.
    pub async fn count_datasets(&self) -> Result<i64> {
        Ok(read!(self, |pool| {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM datasets")
                .fetch_one(pool)
                .await?
        }))
    }
}
