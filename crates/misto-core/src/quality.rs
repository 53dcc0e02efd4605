//! Records of the quality features: versions of a resource's file, stored
//! validation reports and a dataset's structure file. The rules themselves
//! live in `misto-quality`; these are what the store keeps.

use serde::{Deserialize, Serialize};

use crate::Timestamp;

/// One uploaded file of a resource. Every upload, replacement or applied
/// fix adds one; blob keys are never reused, so each stays downloadable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceVersion {
    pub id: String,
    pub resource_id: String,
    pub dataset_id: String,
    pub blob_key: String,
    pub file_name: String,
    pub format: String,
    pub size: i64,
    pub sha256: String,
    /// `upload`, or `fix:{fix id}` for a file made by a safe fix.
    pub origin: String,
    pub user_id: Option<String>,
    pub created: Timestamp,
}

/// The validation of one version of a resource (`version_key` is the blob
/// key of an upload, or the URL of a link).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidationRecord {
    pub resource_id: String,
    pub version_key: String,
    pub dataset_id: String,
    pub passed: bool,
    pub errors: i64,
    pub warnings: i64,
    /// The report as JSON (shape owned by `misto-actions::quality`).
    pub report: serde_json::Value,
    pub validated: Timestamp,
}

/// A dataset's structure file (файл структури): Frictionless Table Schema
/// JSON, generated from the data or written by the publisher.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StructureRecord {
    pub dataset_id: String,
    pub table_schema: serde_json::Value,
    /// `generated` (from the data; regenerated when the data change) or
    /// `edited` (by the publisher; kept as written).
    pub source: String,
    /// The resource it was generated from.
    pub resource_id: Option<String>,
    pub user_id: Option<String>,
    pub modified: Timestamp,
}
