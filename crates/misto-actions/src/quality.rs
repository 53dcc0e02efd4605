//! Quality of resources and datasets: the validation job run after every
//! upload, link or replacement of a resource (reports stored per version of
//! the file), safe fixes with a preview that create a new version of the
//! file, the versions of a resource's file, structure files (файл
//! структури) per dataset, and the quality score of a dataset with its
//! breakdown. The rules are `misto-quality`'s; this module stores and
//! schedules.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use misto_blobs::BlobReader;
use misto_core::quality::{ResourceVersion, StructureRecord, ValidationRecord};
use misto_core::time::now;
use misto_core::{Dataset, EntityState, Job, Resource, Timestamp, Viewer};
use misto_quality::schema::Schema;
use misto_quality::{Fix, Problem, Report, RowChange};
use serde::{Deserialize, Serialize};

use crate::jobs::{JobContext, JobOutcome};
use crate::resources::StagedUpload;
use crate::{ActionError, Portal, Result, new_id};

/// The job kind that validates the current file (or link) of a resource;
/// its subject is the resource id.
pub const VALIDATE_JOB: &str = "validate";

/// Problems kept in a stored report (the counts cover every finding).
pub const MAX_STORED_PROBLEMS: usize = 1000;

/// A validation report as stored and shown: the counts, the openness level
/// and the problems, each with severity, place, and message and fix in
/// Ukrainian and English.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidationReport {
    pub file_name: String,
    pub format: String,
    pub openness_stars: u8,
    pub passed: bool,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    pub tables: usize,
    pub rows: usize,
    pub columns: usize,
    pub encoding: Option<String>,
    /// Findings per rule.
    pub by_rule: Vec<(String, usize)>,
    /// Whether the data were checked against the dataset's structure file.
    pub structure_checked: bool,
    /// Safe fixes that solve at least one problem (ids of [`Fix`]).
    pub fixes: Vec<String>,
    pub problems: Vec<ProblemView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProblemView {
    pub rule: String,
    /// `error`, `warning` or `info`.
    pub severity: String,
    pub table: Option<String>,
    pub row: Option<usize>,
    pub column: Option<String>,
    pub message_uk: String,
    pub message_en: String,
    pub fix_uk: String,
    pub fix_en: String,
    pub auto_fix: Option<String>,
    pub count: usize,
}

impl ProblemView {
    fn of(p: &Problem) -> Self {
        Self {
            rule: p.rule.to_string(),
            severity: severity_str(p.severity).to_string(),
            table: p.table.clone(),
            row: p.row,
            column: p.column.clone(),
            message_uk: p.message_uk.clone(),
            message_en: p.message_en.clone(),
            fix_uk: p.fix_uk.clone(),
            fix_en: p.fix_en.clone(),
            auto_fix: p.auto_fix.map(|f| f.id().to_string()),
            count: p.count,
        }
    }
}

fn severity_str(s: misto_quality::Severity) -> &'static str {
    match s {
        misto_quality::Severity::Error => "error",
        misto_quality::Severity::Warning => "warning",
        misto_quality::Severity::Info => "info",
    }
}

impl ValidationReport {
    fn of(report: &Report, file_name: &str, structure_checked: bool, fixable: bool) -> Self {
        let s = &report.summary;
        let mut fixes: Vec<String> = Vec::new();
        if fixable {
            for p in &report.problems {
                if let Some(f) = p.auto_fix
                    && !fixes.iter().any(|x| x == f.id())
                {
                    fixes.push(f.id().to_string());
                }
            }
        }
        // Errors first, then warnings, then advice; in file order within.
        let mut problems: Vec<&Problem> = report.problems.iter().collect();
        problems.sort_by_key(|p| p.severity);
        Self {
            file_name: file_name.to_string(),
            format: s.format.clone(),
            openness_stars: report.openness_stars,
            passed: s.passed,
            errors: s.errors,
            warnings: s.warnings,
            infos: s.infos,
            tables: s.tables,
            rows: s.rows,
            columns: s.columns,
            encoding: s.encoding.clone(),
            by_rule: s.by_rule.clone(),
            structure_checked,
            fixes,
            problems: problems
                .into_iter()
                .take(MAX_STORED_PROBLEMS)
                .map(ProblemView::of)
                .collect(),
        }
    }
}

impl ValidationReport {
    /// Adds the link check's finding (a broken link) as the first error.
    pub fn add_link_problem(&mut self, check: &misto_store::LinkCheck) {
        if self
            .problems
            .iter()
            .any(|p| p.rule == crate::linkcheck::LINK_RULE)
        {
            return;
        }
        self.problems
            .insert(0, crate::linkcheck::link_problem(check));
        self.errors += 1;
        self.passed = false;
        self.by_rule
            .push((crate::linkcheck::LINK_RULE.to_string(), 1));
    }
}

/// What `resource_validation_show` answers.
#[derive(Debug, Clone)]
pub struct ValidationStatus {
    /// The blob key of the current file, or the URL of a link.
    pub version_key: String,
    /// The stored validation of the current version, when it ran.
    pub record: Option<ValidationRecord>,
    pub report: Option<ValidationReport>,
    /// The latest validation job of the resource (waiting, running or done).
    pub job: Option<Job>,
}

/// The preview of a safe fix: how many rows change and the first of them.
#[derive(Debug, Clone, Serialize)]
pub struct FixPreview {
    pub fix: String,
    pub changed_rows: usize,
    pub preview: Vec<RowChange>,
}

/// A structure file given by the publisher.
#[derive(Debug, Clone)]
pub enum StructureInput {
    /// Frictionless Table Schema JSON.
    TableSchema(String),
    /// The Ministry's form (`name,title,description,datatype,required`) as
    /// CSV in any encoding, or XLSX.
    MinistryFile { bytes: Vec<u8>, file_name: String },
}

pub(crate) fn version_key(r: &Resource) -> String {
    match (&r.blob_key, r.is_upload()) {
        (Some(k), true) => k.clone(),
        _ => r.url.clone(),
    }
}

/// Whether the resource's format is one misto-tabular reads as a table.
fn is_tabular(r: &Resource) -> bool {
    let label = misto_quality::format_label(&r.url, Some(&r.format));
    misto_tabular::Format::from_label(&label) != misto_tabular::Format::Auto
}

fn internal(what: &str) -> impl FnOnce(misto_blobs::BlobError) -> ActionError + '_ {
    move |e| ActionError::Internal(format!("{what}: {e}"))
}

impl Portal {
    /// After a resource was created or changed: records the version of an
    /// uploaded file and queues the validation of the current file or link.
    /// Failures are logged: the resource is saved either way, and the
    /// validation can be queued again by saving the resource.
    pub(crate) async fn resource_saved(
        &self,
        actor: &Viewer,
        d: &Dataset,
        resource_id: &str,
        origin: &str,
    ) {
        if let Err(e) = self
            .resource_saved_inner(actor, d, resource_id, origin)
            .await
        {
            tracing::warn!(resource = resource_id, error = %e, "could not queue the validation");
        }
    }

    async fn resource_saved_inner(
        &self,
        actor: &Viewer,
        d: &Dataset,
        resource_id: &str,
        origin: &str,
    ) -> Result<()> {
        let Some(r) = d.resources.iter().find(|r| r.id == resource_id) else {
            return Ok(());
        };
        if r.is_upload() {
            self.record_version(actor, d, r, origin).await?;
        }
        self.enqueue_job(
            VALIDATE_JOB,
            resource_id,
            serde_json::json!({"version_key": version_key(r)}),
            None,
        )
        .await?;
        Ok(())
    }

    async fn record_version(
        &self,
        actor: &Viewer,
        d: &Dataset,
        r: &Resource,
        origin: &str,
    ) -> Result<()> {
        let Some(key) = r.blob_key.clone() else {
            return Ok(());
        };
        self.store
            .record_resource_version(&ResourceVersion {
                id: new_id(),
                resource_id: r.id.clone(),
                dataset_id: d.id.clone(),
                blob_key: key,
                file_name: r.url.clone(),
                format: r.format.clone(),
                size: r.size.unwrap_or(0),
                sha256: r.hash.clone().unwrap_or_default(),
                origin: origin.to_string(),
                user_id: actor.user_id.clone(),
                created: r.last_modified.unwrap_or(r.created),
            })
            .await?;
        Ok(())
    }

    /// Queues the validation of every active resource of a dataset (after
    /// its structure file changed).
    async fn revalidate_dataset(&self, d: &Dataset) -> Result<()> {
        for r in d.active_resources() {
            self.enqueue_job(
                VALIDATE_JOB,
                &r.id,
                serde_json::json!({"version_key": version_key(r)}),
                None,
            )
            .await?;
        }
        Ok(())
    }

    /// The validation of a resource's current file, for those who may read
    /// the resource.
    pub async fn resource_validation(
        &self,
        viewer: &Viewer,
        resource_id: &str,
    ) -> Result<ValidationStatus> {
        let (_, r) = self.show_resource(viewer, resource_id)?;
        let key = version_key(&r);
        let mut record = self.store.find_validation(&r.id, &key).await?;
        let mut report = match &record {
            Some(rec) => Some(
                serde_json::from_value::<ValidationReport>(rec.report.clone())
                    .map_err(|e| ActionError::Internal(format!("stored report: {e}")))?,
            ),
            None => None,
        };
        // A link the scheduled link check found broken is an error of its
        // report (the check belongs to the same version: the same URL).
        if let Some(check) = self.current_link_check(&r).await?.filter(|c| !c.ok) {
            let rep = report.get_or_insert_with(|| {
                ValidationReport::of(
                    &misto_quality::validate_link(&r.url, Some(&r.format)),
                    &r.url,
                    false,
                    false,
                )
            });
            rep.add_link_problem(&check);
            let rec = record.get_or_insert_with(|| ValidationRecord {
                resource_id: r.id.clone(),
                version_key: key.clone(),
                dataset_id: r.package_id.clone(),
                passed: false,
                errors: 0,
                warnings: rep.warnings as i64,
                report: serde_json::Value::Null,
                validated: check.checked,
            });
            rec.passed = false;
            rec.errors = rep.errors as i64;
            rec.validated = rec.validated.max(check.checked);
        }
        let job = self.job_status(VALIDATE_JOB, &r.id).await?;
        Ok(ValidationStatus {
            version_key: key,
            record,
            report,
            job,
        })
    }

    /// The versions of a resource's file, newest first, for those who may
    /// read the resource.
    pub async fn resource_versions(
        &self,
        viewer: &Viewer,
        resource_id: &str,
    ) -> Result<Vec<ResourceVersion>> {
        let (_, r) = self.show_resource(viewer, resource_id)?;
        Ok(self.store.resource_versions(&r.id).await?)
    }

    /// Opens one version of a resource's file for download.
    pub async fn open_resource_version(
        &self,
        viewer: &Viewer,
        dataset: &str,
        resource_id: &str,
        version_id: &str,
    ) -> Result<(ResourceVersion, Resource, BlobReader)> {
        let (d, r) = self.show_resource(viewer, resource_id)?;
        if d.id != dataset && d.name != dataset {
            return Err(ActionError::not_found("resource"));
        }
        let v = self
            .store
            .resource_versions(&r.id)
            .await?
            .into_iter()
            .find(|v| v.id == version_id)
            .ok_or_else(|| ActionError::not_found("version"))?;
        let reader = self.blobs.open(&v.blob_key).await?;
        Ok((v, r, reader))
    }

    /// An uploaded resource the actor may edit, with its file's bytes.
    async fn editable_upload(
        &self,
        actor: &Viewer,
        resource_id: &str,
    ) -> Result<(Arc<Dataset>, Resource, Vec<u8>)> {
        if resource_id.is_empty() {
            return Err(ActionError::missing("id"));
        }
        let dataset_id = self
            .store
            .find_dataset_id_by_resource(resource_id)
            .await?
            .ok_or_else(|| ActionError::not_found("resource"))?;
        let d = self.dataset_for_edit(actor, &dataset_id).await?;
        let r = d
            .resources
            .iter()
            .find(|r| r.id == resource_id && r.state == EntityState::Active)
            .cloned()
            .ok_or_else(|| ActionError::not_found("resource"))?;
        let Some(key) = r.blob_key.clone().filter(|_| r.is_upload()) else {
            return Err(ActionError::invalid(
                "id",
                "Automatic fixes apply to uploaded files, not to links",
            ));
        };
        let bytes = self
            .blobs
            .read_all(&key)
            .await
            .map_err(internal("reading file"))?;
        Ok((d, r, bytes))
    }

    async fn run_fix(
        bytes: Vec<u8>,
        file_name: String,
        fix: Fix,
    ) -> Result<misto_quality::FixOutput> {
        tokio::task::spawn_blocking(move || misto_quality::apply_fix(&bytes, &file_name, fix))
            .await
            .map_err(|e| ActionError::Internal(format!("fix task: {e}")))?
            .map_err(|e| ActionError::invalid("fix", e.to_string()))
    }

    /// What a safe fix would change in a resource's file (for its editors).
    pub async fn preview_fix(
        &self,
        actor: &Viewer,
        resource_id: &str,
        fix: &str,
    ) -> Result<FixPreview> {
        let fix = parse_fix(fix)?;
        let (_, r, bytes) = self.editable_upload(actor, resource_id).await?;
        let out = Self::run_fix(bytes, r.url.clone(), fix).await?;
        Ok(FixPreview {
            fix: fix.id().to_string(),
            changed_rows: out.changed_rows,
            preview: out.preview,
        })
    }

    /// Applies a safe fix: the fixed file is stored under a new key and
    /// becomes the resource's file; the previous file stays downloadable as
    /// an earlier version. Returns the dataset and the new version.
    pub async fn apply_fix(
        &self,
        actor: &Viewer,
        resource_id: &str,
        fix: &str,
    ) -> Result<(Arc<Dataset>, ResourceVersion)> {
        let fix = parse_fix(fix)?;
        let (d, r, bytes) = self.editable_upload(actor, resource_id).await?;
        let previous_key = r.blob_key.clone().unwrap_or_default();
        let out = Self::run_fix(bytes.clone(), r.url.clone(), fix).await?;
        if out.bytes == bytes {
            return Err(ActionError::invalid(
                "fix",
                "The fix changes nothing in this file",
            ));
        }
        // The original may predate version records: keep it in the history.
        self.record_version(actor, &d, &r, "upload").await?;
        let key = format!(
            "uploads/{}/{}",
            new_id(),
            crate::resources::safe_key_segment(&r.url)
        );
        let put = self
            .blobs
            .put_bytes(&key, bytes::Bytes::from(out.bytes))
            .await?;
        let staged = StagedUpload {
            key: key.clone(),
            file_name: r.url.clone(),
            size: put.size,
            sha256: put.sha256,
            mimetype: r.mimetype.clone(),
        };
        let saved = self
            .modify_dataset(actor, &d.id, |current| {
                let mut next = current.clone();
                let Some(res) = next.resources.iter_mut().find(|x| x.id == r.id) else {
                    return Err(ActionError::not_found("resource"));
                };
                if res.blob_key.as_deref() != Some(previous_key.as_str()) {
                    return Err(ActionError::invalid(
                        "id",
                        "The file was replaced meanwhile; look at the new file first",
                    ));
                }
                Self::attach_upload(res, &staged);
                Ok(next)
            })
            .await;
        let saved = match saved {
            Ok(s) => s,
            Err(e) => {
                self.discard_upload(staged).await;
                return Err(e);
            }
        };
        let origin = format!("fix:{}", fix.id());
        self.resource_saved(actor, &saved, &r.id, &origin).await;
        let version = self
            .store
            .resource_versions(&r.id)
            .await?
            .into_iter()
            .find(|v| v.blob_key == key)
            .ok_or_else(|| ActionError::Internal("new version not recorded".into()))?;
        Ok((saved, version))
    }

    /// A dataset's structure file with its parsed form, for those who may
    /// read the dataset.
    pub async fn dataset_structure(
        &self,
        viewer: &Viewer,
        id_or_name: &str,
    ) -> Result<Option<(StructureRecord, Schema)>> {
        let d = self.show_dataset(viewer, id_or_name)?;
        let Some(rec) = self.store.find_structure(&d.id).await? else {
            return Ok(None);
        };
        let schema = Schema::from_table_schema(&rec.table_schema.to_string())
            .map_err(|e| ActionError::Internal(format!("stored structure: {e}")))?;
        Ok(Some((rec, schema)))
    }

    /// Replaces a dataset's structure file with one written by its
    /// publisher, and validates the dataset's resources again against it.
    pub async fn save_structure(
        &self,
        actor: &Viewer,
        id_or_name: &str,
        input: StructureInput,
    ) -> Result<(StructureRecord, Schema)> {
        let d = self.dataset_for_edit(actor, id_or_name).await?;
        let schema = match &input {
            StructureInput::TableSchema(text) => Schema::from_table_schema(text),
            StructureInput::MinistryFile { bytes, file_name } => {
                Schema::from_ministry_file(bytes, file_name)
            }
        }
        .map_err(|e| ActionError::invalid("structure", e.to_string()))?;
        if schema.fields.is_empty() {
            return Err(ActionError::invalid(
                "structure",
                "The structure file describes no column",
            ));
        }
        let rec = StructureRecord {
            dataset_id: d.id.clone(),
            table_schema: schema.to_table_schema(),
            source: "edited".into(),
            resource_id: None,
            user_id: actor.user_id.clone(),
            modified: now(),
        };
        self.store.save_structure(&rec).await?;
        self.revalidate_dataset(&d).await?;
        Ok((rec, schema))
    }

    /// The quality score of a dataset with its breakdown, for those who may
    /// read it.
    pub async fn dataset_quality(&self, viewer: &Viewer, id_or_name: &str) -> Result<QualityScore> {
        let d = self.show_dataset(viewer, id_or_name)?;
        let facts = self.quality_facts().await?;
        Ok(score_dataset(&d, &facts, now()))
    }

    /// What the scores need from the store, for the whole catalog at once.
    pub async fn quality_facts(&self) -> Result<QualityFacts> {
        let mut validations: HashMap<(String, String), bool> = HashMap::new();
        for (_, rid, key, passed) in self.store.validation_outcomes().await? {
            validations.insert((rid, key), passed);
        }
        let structures = self
            .store
            .datasets_with_structure()
            .await?
            .into_iter()
            .collect();
        // Broken links do not pass, whatever their format check said.
        for key in self.broken_link_keys().await? {
            validations.insert(key, false);
        }
        Ok(QualityFacts {
            validations,
            structures,
        })
    }
}

fn parse_fix(id: &str) -> Result<Fix> {
    Fix::from_id(id.trim()).ok_or_else(|| {
        ActionError::invalid(
            "fix",
            "Unknown fix: use reencode_utf8, iso_dates, trim_spaces or drop_empty_rows",
        )
    })
}

/// Validates the current file (or link) of the resource named by the job's
/// subject and stores the report for that version; generates the dataset's
/// structure file from the data when it has none (or regenerates one that
/// was generated from this resource), and checks the data against a
/// structure file the publisher wrote or generated from another resource.
pub async fn run_validate_job(portal: Portal, job: Job, ctx: JobContext) -> Result<JobOutcome> {
    let rid = job.subject.clone();
    let Some(dataset_id) = portal.store.find_dataset_id_by_resource(&rid).await? else {
        return Ok(JobOutcome::done("resource no longer exists"));
    };
    let Some(d) = portal.store.find_dataset(&dataset_id).await? else {
        return Ok(JobOutcome::done("dataset no longer exists"));
    };
    let Some(r) = d
        .resources
        .iter()
        .find(|r| r.id == rid && r.state == EntityState::Active)
        .cloned()
    else {
        return Ok(JobOutcome::done("resource no longer exists"));
    };
    let key = version_key(&r);
    let structure = portal.store.find_structure(&d.id).await?;
    let (report, generated) = if let Some(blob) = r.blob_key.clone().filter(|_| r.is_upload()) {
        ctx.progress(0, 2).await?;
        let bytes = portal
            .blobs
            .read_all(&blob)
            .await
            .map_err(internal("reading file"))?;
        ctx.progress(1, 2).await?;
        let (file_name, format, rid2) = (r.url.clone(), r.format.clone(), r.id.clone());
        tokio::task::spawn_blocking(move || {
            validate_upload(&bytes, &file_name, &format, &rid2, structure.as_ref())
        })
        .await
        .map_err(|e| ActionError::Internal(format!("validation task: {e}")))?
    } else {
        let report = misto_quality::validate_link(&r.url, Some(&r.format));
        (ValidationReport::of(&report, &r.url, false, false), None)
    };
    let t = now();
    if let Some(schema) = generated {
        portal
            .store
            .save_structure(&StructureRecord {
                dataset_id: d.id.clone(),
                table_schema: schema.to_table_schema(),
                source: "generated".into(),
                resource_id: Some(r.id.clone()),
                user_id: None,
                modified: t,
            })
            .await?;
    }
    let message = format!("{} errors, {} warnings", report.errors, report.warnings);
    portal
        .store
        .save_validation(&ValidationRecord {
            resource_id: r.id.clone(),
            version_key: key,
            dataset_id: d.id.clone(),
            passed: report.passed,
            errors: report.errors as i64,
            warnings: report.warnings as i64,
            report: serde_json::to_value(&report)
                .map_err(|e| ActionError::Internal(format!("report: {e}")))?,
            validated: t,
        })
        .await?;
    ctx.progress(2, 2).await?;
    Ok(JobOutcome::done(message))
}

/// Validates an uploaded file; returns the report and, when the dataset's
/// structure file should be (re)generated from this file, the new one.
fn validate_upload(
    bytes: &[u8],
    file_name: &str,
    format: &str,
    resource_id: &str,
    structure: Option<&StructureRecord>,
) -> (ValidationReport, Option<Schema>) {
    let declared = Some(format).filter(|f| !f.trim().is_empty());
    let (mut report, workbook) = misto_quality::validate_read(bytes, file_name, declared);
    let table = workbook
        .as_ref()
        .and_then(|wb| wb.tables.first())
        .filter(|t| !t.columns.is_empty());
    let fixable = matches!(
        misto_tabular::Format::resolve(misto_tabular::Format::Auto, file_name, bytes),
        misto_tabular::Format::Csv | misto_tabular::Format::Tsv
    );
    let Some(table) = table else {
        return (
            ValidationReport::of(&report, file_name, false, fixable),
            None,
        );
    };
    let own = structure
        .is_some_and(|s| s.source == "generated" && s.resource_id.as_deref() == Some(resource_id));
    let mut checked = false;
    let generated = match structure {
        None => Some(misto_quality::schema::infer_schema(table)),
        Some(_) if own => Some(misto_quality::schema::infer_schema(table)),
        Some(s) => {
            if let Ok(schema) = Schema::from_table_schema(&s.table_schema.to_string())
                && follows(table, &schema)
            {
                report.add_problems(misto_quality::schema::validate_against_schema(
                    table, &schema,
                ));
                checked = true;
            }
            None
        }
    };
    (
        ValidationReport::of(&report, file_name, checked, fixable),
        generated,
    )
}

/// Whether a table is meant to follow a structure file: at least half of
/// the described columns are there. (A dataset may hold other tables, such
/// as a code list, that the structure file does not describe.)
fn follows(table: &misto_tabular::Table, schema: &Schema) -> bool {
    let present = schema
        .fields
        .iter()
        .filter(|f| table.column_index(&f.name).is_some())
        .count();
    present * 2 >= schema.fields.len() && present > 0
}

// ---- the quality score ------------------------------------------------------

/// Stored facts the score uses besides the dataset itself.
#[derive(Debug, Clone, Default)]
pub struct QualityFacts {
    /// `(resource id, version key)` → passed (no errors).
    pub validations: HashMap<(String, String), bool>,
    /// Datasets with a structure file.
    pub structures: HashSet<String>,
}

/// One criterion of the score.
#[derive(Debug, Clone, Serialize)]
pub struct Criterion {
    pub id: &'static str,
    /// Points the criterion is worth (the weights add up to 100).
    pub weight: u32,
    pub points: u32,
    /// False when the criterion does not apply (it then scores in full).
    pub applicable: bool,
    /// What was found, in Ukrainian and English.
    pub detail_uk: String,
    pub detail_en: String,
    /// What to do to earn the missing points (empty when none are missing).
    pub advice_uk: String,
    pub advice_en: String,
}

/// The quality score of a dataset: 0–100, with its breakdown.
#[derive(Debug, Clone, Serialize)]
pub struct QualityScore {
    pub score: u32,
    /// Score of at least [`MEETS_RECOMMENDATIONS`].
    pub meets_recommendations: bool,
    pub criteria: Vec<Criterion>,
}

/// The score from which a dataset "meets the recommendations".
pub const MEETS_RECOMMENDATIONS: u32 = 80;

/// The criteria and their weights, in the order shown.
pub const WEIGHTS: &[(&str, u32)] = &[
    ("passport", 20),
    ("open_formats", 15),
    ("validation", 20),
    ("timeliness", 15),
    ("structure", 10),
    ("licence", 10),
    ("description_keywords", 10),
];

fn weight(id: &str) -> u32 {
    WEIGHTS
        .iter()
        .find(|(w, _)| *w == id)
        .map(|(_, n)| *n)
        .unwrap_or(0)
}

fn share_points(weight: u32, good: usize, total: usize) -> u32 {
    if total == 0 {
        return 0;
    }
    ((weight as usize * good + total / 2) / total) as u32
}

fn filled(o: &Option<String>) -> bool {
    o.as_deref().is_some_and(|s| !s.trim().is_empty())
}

/// Scores a dataset (pure; see docs/quality.md for the criteria).
pub fn score_dataset(d: &Dataset, facts: &QualityFacts, now: Timestamp) -> QualityScore {
    let resources: Vec<&Resource> = d.active_resources().collect();
    let mut criteria = Vec::new();

    // Passport completeness (Resolution 835 passport fields a publisher fills).
    let passport: [(&str, &str, bool); 8] = [
        ("опис", "description", !d.notes.trim().is_empty()),
        (
            "відповідальна особа",
            "responsible person",
            filled(&d.maintainer),
        ),
        (
            "е-пошта відповідальної особи",
            "responsible person's e-mail",
            filled(&d.maintainer_email),
        ),
        (
            "частота оновлення",
            "update frequency",
            d.update_frequency.is_some(),
        ),
        (
            "підстава та призначення збору",
            "basis and purpose of collection",
            filled(&d.purpose_of_collecting_information),
        ),
        ("ключові слова", "keywords", !d.tags.is_empty()),
        ("тема", "theme", !d.groups.is_empty()),
        ("ресурси", "resources", !resources.is_empty()),
    ];
    let missing: Vec<&(&str, &str, bool)> = passport.iter().filter(|p| !p.2).collect();
    let w = weight("passport");
    let good = passport.len() - missing.len();
    criteria.push(Criterion {
        id: "passport",
        weight: w,
        points: share_points(w, good, passport.len()),
        applicable: true,
        detail_uk: format!("Заповнено {good} з {} полів паспорта.", passport.len()),
        detail_en: format!("{good} of {} passport fields filled.", passport.len()),
        advice_uk: if missing.is_empty() {
            String::new()
        } else {
            format!(
                "Заповніть: {}.",
                missing.iter().map(|m| m.0).collect::<Vec<_>>().join(", ")
            )
        },
        advice_en: if missing.is_empty() {
            String::new()
        } else {
            format!(
                "Fill in: {}.",
                missing.iter().map(|m| m.1).collect::<Vec<_>>().join(", ")
            )
        },
    });

    // Open formats: resources of at least 3 openness stars.
    let w = weight("open_formats");
    let open = resources
        .iter()
        .filter(|r| {
            misto_quality::openness_stars(&misto_quality::format_label(&r.url, Some(&r.format)))
                >= 3
        })
        .count();
    let n = resources.len();
    criteria.push(Criterion {
        id: "open_formats",
        weight: w,
        points: share_points(w, open, n),
        applicable: true,
        detail_uk: format!("{open} з {n} ресурсів у відкритому машиночитаному форматі (3+ зірки)."),
        detail_en: format!(
            "{open} of {n} resources in an open machine-readable format (3+ stars)."
        ),
        advice_uk: if open < n || n == 0 {
            "Опублікуйте дані у CSV або JSON (XLSX, PDF, DOC можна залишити додатковими ресурсами)."
                .into()
        } else {
            String::new()
        },
        advice_en: if open < n || n == 0 {
            "Publish the data as CSV or JSON (XLSX, PDF, DOC may stay as extra resources).".into()
        } else {
            String::new()
        },
    });

    // Validation: resources whose current file passed (no errors).
    let w = weight("validation");
    let passed = resources
        .iter()
        .filter(|r| {
            facts
                .validations
                .get(&(r.id.clone(), version_key(r)))
                .copied()
                .unwrap_or(false)
        })
        .count();
    criteria.push(Criterion {
        id: "validation",
        weight: w,
        points: share_points(w, passed, n),
        applicable: true,
        detail_uk: format!("{passed} з {n} ресурсів пройшли перевірку без помилок."),
        detail_en: format!("{passed} of {n} resources passed validation without errors."),
        advice_uk: if passed < n || n == 0 {
            "Відкрийте звіт перевірки ресурсу і виправте помилки (частину можна виправити автоматично).".into()
        } else {
            String::new()
        },
        advice_en: if passed < n || n == 0 {
            "Open the resource's validation report and correct the errors (some can be fixed automatically).".into()
        } else {
            String::new()
        },
    });

    // Timeliness.
    let w = weight("timeliness");
    let (points, detail_uk, detail_en, advice_uk, advice_en) = match d.update_frequency {
        None => (
            0,
            "Частоту оновлення не вказано.".to_string(),
            "No update frequency given.".to_string(),
            "Вкажіть частоту оновлення в паспорті.".to_string(),
            "Give the update frequency in the passport.".to_string(),
        ),
        Some(_) if d.is_overdue(now) => (
            0,
            "Набір не оновлено вчасно.".into(),
            "The dataset was not updated on time.".into(),
            "Оновіть дані і дату актуальності.".into(),
            "Update the data and their date of relevance.".into(),
        ),
        Some(_) => (
            w,
            "Набір оновлено вчасно.".into(),
            "The dataset is up to date.".into(),
            String::new(),
            String::new(),
        ),
    };
    criteria.push(Criterion {
        id: "timeliness",
        weight: w,
        points,
        applicable: true,
        detail_uk,
        detail_en,
        advice_uk,
        advice_en,
    });

    // Structure file, for datasets with tables.
    let w = weight("structure");
    let tabular = resources.iter().any(|r| is_tabular(r));
    let has = facts.structures.contains(&d.id);
    criteria.push(if !tabular {
        Criterion {
            id: "structure",
            weight: w,
            points: w,
            applicable: false,
            detail_uk: "Набір не має таблиць: файл структури не потрібен.".into(),
            detail_en: "The dataset has no tables: no structure file is needed.".into(),
            advice_uk: String::new(),
            advice_en: String::new(),
        }
    } else {
        Criterion {
            id: "structure",
            weight: w,
            points: if has { w } else { 0 },
            applicable: true,
            detail_uk: if has {
                "Файл структури є.".into()
            } else {
                "Файлу структури немає.".into()
            },
            detail_en: if has {
                "There is a structure file.".into()
            } else {
                "There is no structure file.".into()
            },
            advice_uk: if has {
                String::new()
            } else {
                "Завантажте таблицю (файл структури створиться з даних) або опишіть стовпці самі.".into()
            },
            advice_en: if has {
                String::new()
            } else {
                "Upload a table (the structure file is generated from the data) or describe the columns yourself.".into()
            },
        }
    });

    // Licence.
    let w = weight("licence");
    let open_licence = misto_core::license::find(&d.license_id).is_some_and(|l| l.is_open());
    criteria.push(Criterion {
        id: "licence",
        weight: w,
        points: if open_licence { w } else { 0 },
        applicable: true,
        detail_uk: if open_licence {
            "Відкрита ліцензія.".into()
        } else {
            "Ліцензія не відкрита або не вказана.".into()
        },
        detail_en: if open_licence {
            "An open licence.".into()
        } else {
            "The licence is not open or not given.".into()
        },
        advice_uk: if open_licence {
            String::new()
        } else {
            "Оберіть відкриту ліцензію, наприклад CC BY 4.0.".into()
        },
        advice_en: if open_licence {
            String::new()
        } else {
            "Choose an open licence such as CC BY 4.0.".into()
        },
    });

    // Description (at least 100 characters) and keywords (at least 3).
    let w = weight("description_keywords");
    let long_enough = d.notes.trim().chars().count() >= 100;
    let keywords = d.tags.len() >= 3;
    let half = w / 2;
    let mut advice_uk = Vec::new();
    let mut advice_en = Vec::new();
    if !long_enough {
        advice_uk
            .push("напишіть опис щонайменше на 100 знаків: що в даних, звідки вони, як їх читати");
        advice_en.push("write a description of at least 100 characters: what the data hold, where they come from, how to read them");
    }
    if !keywords {
        advice_uk.push("додайте щонайменше 3 ключові слова");
        advice_en.push("add at least 3 keywords");
    }
    criteria.push(Criterion {
        id: "description_keywords",
        weight: w,
        points: if long_enough { half } else { 0 } + if keywords { w - half } else { 0 },
        applicable: true,
        detail_uk: format!(
            "Опис: {} знаків; ключових слів: {}.",
            d.notes.trim().chars().count(),
            d.tags.len()
        ),
        detail_en: format!(
            "Description: {} characters; keywords: {}.",
            d.notes.trim().chars().count(),
            d.tags.len()
        ),
        advice_uk: capitalise(&advice_uk.join("; ")),
        advice_en: capitalise(&advice_en.join("; ")),
    });

    let score = criteria.iter().map(|c| c.points).sum::<u32>().min(100);
    QualityScore {
        score,
        meets_recommendations: score >= MEETS_RECOMMENDATIONS,
        criteria,
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => format!("{}{}.", f.to_uppercase(), c.as_str()),
        None => String::new(),
    }
}

// ---- the publisher rating ---------------------------------------------------

/// The share of datasets the city action plans aim for (meeting the
/// recommendations, updated on time).
pub const TARGET_SHARE: f64 = 0.85;

/// Figures of one publisher, or of the whole council.
#[derive(Debug, Clone, Serialize)]
pub struct RatingFigures {
    /// Public, active datasets.
    pub datasets: usize,
    /// Average quality score (0 without datasets).
    pub average_score: f64,
    /// Share of datasets with a score of at least [`MEETS_RECOMMENDATIONS`].
    pub meeting_share: f64,
    /// Share of datasets with an update frequency that are not overdue.
    pub on_time_share: f64,
    /// Resolution 835 items fulfilled by up-to-date datasets.
    pub mandatory_fulfilled: usize,
}

impl RatingFigures {
    /// The rating's figures out of a quarter's monitoring figures.
    pub fn of(f: &crate::monitoring::MonitoringFigures) -> Self {
        Self {
            datasets: f.datasets,
            average_score: f.average_score.unwrap_or(0.0),
            meeting_share: f.meeting_share.unwrap_or(0.0),
            on_time_share: f.on_time_share.unwrap_or(0.0),
            mandatory_fulfilled: f.mandatory_fulfilled,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct PublisherRating {
    /// 1 for the best; publishers with equal figures share no rank (ties
    /// are broken by the share on time, then the name).
    pub rank: usize,
    pub publisher_id: String,
    pub name: String,
    pub title: String,
    pub title_en: Option<String>,
    pub figures: RatingFigures,
}

/// The rating of publishers and the council's figures against the target.
#[derive(Debug, Clone, Serialize)]
pub struct Rating {
    pub publishers: Vec<PublisherRating>,
    pub council: RatingFigures,
    /// Items on the mandatory list.
    pub mandatory_total: usize,
    pub target_share: f64,
    /// The quarter the figures are for (`2025-Q3`).
    pub quarter: String,
    /// Computed now (the current quarter) rather than kept when the
    /// quarter ended.
    pub live: bool,
    /// When the figures were computed.
    pub taken: Timestamp,
}

impl Rating {
    /// The rating out of a quarter's monitoring.
    pub fn of(m: &crate::monitoring::Monitoring) -> Self {
        Self {
            publishers: m
                .publishers
                .iter()
                .map(|e| PublisherRating {
                    rank: e.rank,
                    publisher_id: e.publisher_id.clone(),
                    name: e.name.clone(),
                    title: e.title.clone(),
                    title_en: e.title_en.clone(),
                    figures: RatingFigures::of(&e.figures),
                })
                .collect(),
            council: RatingFigures::of(&m.council),
            mandatory_total: m.council.mandatory_total,
            target_share: m.target_share,
            quarter: m.quarter.clone(),
            live: m.live,
            taken: m.taken,
        }
    }
}

/// `2025-Q3` for a time.
pub fn quarter_of(t: Timestamp) -> String {
    crate::monitoring::Quarter::of(t).to_string()
}

impl Portal {
    /// The rating of publishers by the quality of their public datasets,
    /// now.
    pub async fn publisher_rating(&self) -> Result<Rating> {
        self.publisher_rating_for(None).await
    }

    /// The rating of a quarter (`2026Q3` or `2026-Q3`; the current one when
    /// absent): live for the current quarter, as kept when it ended for an
    /// earlier one.
    pub async fn publisher_rating_for(&self, quarter: Option<&str>) -> Result<Rating> {
        let q = crate::monitoring::parse_quarter(quarter)?;
        let m = self.quarter_figures(q).await?;
        Ok(Rating::of(&m))
    }

    /// The rating of every quarter with figures, oldest first, ending with
    /// the current (live) quarter; with `publisher`, only that publisher's
    /// entries (and the council's figures).
    pub async fn publisher_rating_history(&self, publisher: Option<&str>) -> Result<Vec<Rating>> {
        Ok(self
            .monitoring_history(publisher)
            .await?
            .iter()
            .map(Rating::of)
            .collect())
    }
}
