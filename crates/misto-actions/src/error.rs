//! The errors every action returns, in CKAN's categories. The two doors that
//! turn them into responses are the CKAN API envelope (misto-ckan-api) and
//! the HTML error page/form (misto-web). Internal errors carry a message for
//! the log only.

use misto_blobs::BlobError;
use misto_core::FieldErrors;
use misto_search::SearchError;
use misto_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    #[error("Not found: {0}")]
    NotFound(String),
    #[error("Access denied: {0}")]
    NotAuthorized(String),
    #[error("Validation error: {0}")]
    Validation(FieldErrors),
    #[error("Search Query is invalid: {0}")]
    SearchQuery(String),
    #[error("{0}")]
    TooLarge(String),
    /// A rate limit was hit.
    #[error("{0}")]
    TooMany(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl ActionError {
    pub fn not_found(what: impl Into<String>) -> Self {
        Self::NotFound(what.into())
    }
    pub fn denied(why: impl Into<String>) -> Self {
        Self::NotAuthorized(why.into())
    }
    pub fn invalid(field: &str, msg: impl Into<String>) -> Self {
        Self::Validation(FieldErrors::single(field, msg))
    }
    /// An upload past the upload limit of `limit` bytes.
    pub fn upload_too_large(limit: u64) -> Self {
        Self::TooLarge(format!(
            "Upload refused: the file is larger than the limit of {} MB",
            limit / (1024 * 1024)
        ))
    }
    pub fn missing(field: &str) -> Self {
        Self::invalid(field, "Missing value")
    }
}

impl From<FieldErrors> for ActionError {
    fn from(e: FieldErrors) -> Self {
        Self::Validation(e)
    }
}

impl From<SearchError> for ActionError {
    fn from(e: SearchError) -> Self {
        match e {
            SearchError::Query(m) | SearchError::TooComplex(m) => Self::SearchQuery(m),
        }
    }
}

impl From<StoreError> for ActionError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => Self::NotFound(what),
            StoreError::Conflict { field, message } => Self::invalid(&field, message),
            StoreError::StaleRevision => Self::invalid(
                "metadata_modified",
                "The dataset was changed by someone else since you read it; read it again and repeat the change",
            ),
            other => Self::Internal(other.to_string()),
        }
    }
}

impl From<misto_columnar::ColumnarError> for ActionError {
    fn from(e: misto_columnar::ColumnarError) -> Self {
        match e {
            misto_columnar::ColumnarError::NotFound(what) => Self::NotFound(what),
            misto_columnar::ColumnarError::Invalid(m) => Self::invalid("datastore", m),
            other => Self::Internal(other.to_string()),
        }
    }
}

impl From<BlobError> for ActionError {
    fn from(e: BlobError) -> Self {
        match e {
            BlobError::TooLarge { limit } => Self::upload_too_large(limit),
            BlobError::NotFound(k) => Self::NotFound(format!("file {k}")),
            BlobError::Source(m) => Self::invalid("upload", format!("Upload interrupted: {m}")),
            other => Self::Internal(other.to_string()),
        }
    }
}
