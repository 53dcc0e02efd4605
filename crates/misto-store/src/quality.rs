//! Quality records: versions of resource files, validation reports per
//! version, and structure files per dataset.

use misto_core::quality::{ResourceVersion, StructureRecord, ValidationRecord};
use misto_core::time::{from_micros, to_micros};

use crate::{Result, Store, StoreError};

#[derive(sqlx::FromRow)]
struct VersionRow {
    id: String,
    resource_id: String,
    dataset_id: String,
    blob_key: String,
    file_name: String,
    format: String,
    size: i64,
    sha256: String,
    origin: String,
    user_id: Option<String>,
    created: i64,
}

const VERSION_COLUMNS: &str = "id, resource_id, dataset_id, blob_key, file_name, format, size, \
     sha256, origin, user_id, created";

impl From<VersionRow> for ResourceVersion {
    fn from(r: VersionRow) -> Self {
        ResourceVersion {
            id: r.id,
            resource_id: r.resource_id,
            dataset_id: r.dataset_id,
            blob_key: r.blob_key,
            file_name: r.file_name,
            format: r.format,
            size: r.size,
            sha256: r.sha256,
            origin: r.origin,
            user_id: r.user_id,
            created: from_micros(r.created),
        }
    }
}

#[derive(sqlx::FromRow)]
struct ValidationRow {
    resource_id: String,
    version_key: String,
    dataset_id: String,
    passed: i64,
    errors: i64,
    warnings: i64,
    report: String,
    validated: i64,
}

const VALIDATION_COLUMNS: &str =
    "resource_id, version_key, dataset_id, passed, errors, warnings, report, validated";

impl TryFrom<ValidationRow> for ValidationRecord {
    type Error = StoreError;
    fn try_from(r: ValidationRow) -> Result<Self> {
        Ok(ValidationRecord {
            report: serde_json::from_str(&r.report).map_err(|e| {
                StoreError::Corrupt(format!("validation report {}: {e}", r.resource_id))
            })?,
            resource_id: r.resource_id,
            version_key: r.version_key,
            dataset_id: r.dataset_id,
            passed: r.passed != 0,
            errors: r.errors,
            warnings: r.warnings,
            validated: from_micros(r.validated),
        })
    }
}

#[derive(sqlx::FromRow)]
struct StructureRow {
    dataset_id: String,
    table_schema: String,
    source: String,
    resource_id: Option<String>,
    user_id: Option<String>,
    modified: i64,
}

impl TryFrom<StructureRow> for StructureRecord {
    type Error = StoreError;
    fn try_from(r: StructureRow) -> Result<Self> {
        Ok(StructureRecord {
            table_schema: serde_json::from_str(&r.table_schema).map_err(|e| {
                StoreError::Corrupt(format!("structure of dataset {}: {e}", r.dataset_id))
            })?,
            dataset_id: r.dataset_id,
            source: r.source,
            resource_id: r.resource_id,
            user_id: r.user_id,
            modified: from_micros(r.modified),
        })
    }
}

impl Store {
    /// Records a version of a resource's file; a version with the same blob
    /// key is kept as it is (recording twice is harmless).
    pub async fn record_resource_version(&self, v: &ResourceVersion) -> Result<()> {
        let sql = format!(
            "INSERT INTO resource_versions ({VERSION_COLUMNS}) VALUES \
             ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
             ON CONFLICT (resource_id, blob_key) DO NOTHING"
        );
        let created = to_micros(&v.created);
        write_tx!(self, |tx| {
            sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .bind(&v.id)
                .bind(&v.resource_id)
                .bind(&v.dataset_id)
                .bind(&v.blob_key)
                .bind(&v.file_name)
                .bind(&v.format)
                .bind(v.size)
                .bind(&v.sha256)
                .bind(&v.origin)
                .bind(&v.user_id)
                .bind(created)
                .execute(&mut *tx)
                .await?;
        })
    }

    /// Whether a resource (in any state) or a recorded version of a file
    /// still points at blob `key`.
    pub async fn blob_key_in_use(&self, key: &str) -> Result<bool> {
        let n: i64 = read!(self, |pool| {
            sqlx::query_scalar(
                "SELECT (SELECT COUNT(*) FROM resources WHERE blob_key = $1) \
                 + (SELECT COUNT(*) FROM resource_versions WHERE blob_key = $1)",
            )
            .bind(key)
            .fetch_one(pool)
            .await?
        });
        Ok(n > 0)
    }

    /// The versions of a resource's file, newest first.
    pub async fn resource_versions(&self, resource_id: &str) -> Result<Vec<ResourceVersion>> {
        let sql = format!(
            "SELECT {VERSION_COLUMNS} FROM resource_versions WHERE resource_id = $1 \
             ORDER BY created DESC, id"
        );
        let rows = read!(self, |pool| {
            sqlx::query_as::<_, VersionRow>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(resource_id)
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(ResourceVersion::from).collect())
    }

    /// Stores the validation of one version, replacing an earlier run.
    pub async fn save_validation(&self, v: &ValidationRecord) -> Result<()> {
        let sql = format!(
            "INSERT INTO resource_validations ({VALIDATION_COLUMNS}) VALUES \
             ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (resource_id, version_key) DO UPDATE SET \
             dataset_id = excluded.dataset_id, passed = excluded.passed, \
             errors = excluded.errors, warnings = excluded.warnings, \
             report = excluded.report, validated = excluded.validated"
        );
        let report = v.report.to_string();
        let validated = to_micros(&v.validated);
        write_tx!(self, |tx| {
            sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .bind(&v.resource_id)
                .bind(&v.version_key)
                .bind(&v.dataset_id)
                .bind(i64::from(v.passed))
                .bind(v.errors)
                .bind(v.warnings)
                .bind(report.as_str())
                .bind(validated)
                .execute(&mut *tx)
                .await?;
        })
    }

    /// The validation of one version of a resource.
    pub async fn find_validation(
        &self,
        resource_id: &str,
        version_key: &str,
    ) -> Result<Option<ValidationRecord>> {
        let sql = format!(
            "SELECT {VALIDATION_COLUMNS} FROM resource_validations \
             WHERE resource_id = $1 AND version_key = $2"
        );
        let row = read!(self, |pool| {
            sqlx::query_as::<_, ValidationRow>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(resource_id)
                .bind(version_key)
                .fetch_optional(pool)
                .await?
        });
        row.map(ValidationRecord::try_from).transpose()
    }

    /// Pass/fail of every stored validation, without the reports:
    /// `(dataset id, resource id, version key, passed)`. For scores over the
    /// whole catalog.
    pub async fn validation_outcomes(&self) -> Result<Vec<(String, String, String, bool)>> {
        let rows: Vec<(String, String, String, i64)> = read!(self, |pool| {
            sqlx::query_as(
                "SELECT dataset_id, resource_id, version_key, passed FROM resource_validations",
            )
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(d, r, k, p)| (d, r, k, p != 0))
            .collect())
    }

    /// Saves a dataset's structure file, replacing the earlier one.
    pub async fn save_structure(&self, s: &StructureRecord) -> Result<()> {
        let schema = s.table_schema.to_string();
        let modified = to_micros(&s.modified);
        write_tx!(self, |tx| {
            sqlx::query(
                "INSERT INTO dataset_structures \
                 (dataset_id, table_schema, source, resource_id, user_id, modified) \
                 VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (dataset_id) DO UPDATE SET table_schema = excluded.table_schema, \
                 source = excluded.source, resource_id = excluded.resource_id, \
                 user_id = excluded.user_id, modified = excluded.modified",
            )
            .bind(&s.dataset_id)
            .bind(schema.as_str())
            .bind(&s.source)
            .bind(&s.resource_id)
            .bind(&s.user_id)
            .bind(modified)
            .execute(&mut *tx)
            .await?;
        })
    }

    pub async fn find_structure(&self, dataset_id: &str) -> Result<Option<StructureRecord>> {
        let row = read!(self, |pool| {
            sqlx::query_as::<_, StructureRow>(
                "SELECT dataset_id, table_schema, source, resource_id, user_id, modified \
                 FROM dataset_structures WHERE dataset_id = $1",
            )
            .bind(dataset_id)
            .fetch_optional(pool)
            .await?
        });
        row.map(StructureRecord::try_from).transpose()
    }

    /// Ids of the datasets that have a structure file.
    pub async fn datasets_with_structure(&self) -> Result<Vec<String>> {
        Ok(read!(self, |pool| {
            sqlx::query_scalar::<_, String>("SELECT dataset_id FROM dataset_structures")
                .fetch_all(pool)
                .await?
        }))
    }
}
