//! The store's error type. Callers (the actions layer) turn these into CKAN's
//! categories: `NotFound` → not found, `Conflict` → validation error on the
//! named field, `StaleRevision` → conflict, the rest → internal error.

/// What can go wrong when reading or writing the catalog.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The record to change does not exist (the string says what was sought).
    #[error("not found: {0}")]
    NotFound(String),
    /// A unique constraint refused the write, e.g. a dataset name in use.
    #[error("{field}: {message}")]
    Conflict { field: String, message: String },
    /// The dataset was saved by someone else since the caller read it.
    #[error("the record was changed by someone else; reload and try again")]
    StaleRevision,
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A row that does not decode to a domain value.
    #[error("corrupt row: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// Turns a unique violation reported by either database into
    /// [`StoreError::Conflict`] on the field it concerns; other errors pass.
    pub(crate) fn classify(self) -> Self {
        match self {
            StoreError::Database(e) => match crate::dialect::unique_violation(&e) {
                Some((field, message)) => StoreError::Conflict {
                    field: field.to_owned(),
                    message: message.to_owned(),
                },
                None => StoreError::Database(e),
            },
            other => other,
        }
    }

    pub(crate) fn corrupt(what: impl std::fmt::Display) -> Self {
        StoreError::Corrupt(what.to_string())
    }
}
