//! misto-store: the only crate of misto that speaks SQL.
//!
//! It keeps the catalog (publishers, themes, users, memberships, API tokens,
//! datasets with their resources, and the activity stream) in SQLite or
//! PostgreSQL, chosen at run time from the database URL, and hands back the
//! domain types of [`misto_core`]. Every query is written once, in the SQL both
//! databases accept; the few real differences live in `dialect.rs`, and the
//! schema lives in two migration folders numbered in step
//! (`migrations/sqlite`, `migrations/postgres`).
//!
//! What it guarantees:
//! - a dataset is saved with its resources and its activity in one transaction;
//! - `update_dataset` only succeeds against the revision the caller read
//!   (optimistic locking, [`StoreError::StaleRevision`] otherwise);
//! - every write that changes what the catalog shows bumps one catalog
//!   version counter in the same transaction, and a dataset's `seq` is the
//!   version of its last save, so in-memory caches can poll
//!   [`Store::catalog_version`] and reload [`Store::datasets_changed_since`];
//! - unique violations come back as [`StoreError::Conflict`] naming the field.
//!
//! What it must not do: business rules (validation, defaults, state
//! transitions, slug generation), authorisation (who may read or change
//! what), search and counting over the catalog (done in memory elsewhere),
//! or any IO other than the database. Callers decide; the store persists.
//!
//! # SQLite connections
//!
//! A file database gets two pools over the same file: a *writer* pool of one
//! connection, through which every write transaction runs (`BEGIN
//! IMMEDIATE`), so writes of this process queue in order instead of spinning
//! on SQLite's lock; and a *reader* pool of up to eight connections marked
//! `query_only`, which read concurrently thanks to WAL. Every connection has
//! `busy_timeout` 10 s, `foreign_keys` on and `synchronous = NORMAL`, so that
//! other processes (CLI commands) may write the same file while a server runs.
//! An in-memory database (`sqlite::memory:`) uses one single-connection pool
//! for both roles. PostgreSQL uses one pool of up to ten connections.

#[macro_use]
mod macros;
#[macro_use]
mod rows;

mod activities;
mod content;
mod dashboards;
mod datasets;
pub mod datastore;
mod dialect;
mod engagement;
mod error;
mod groups;
mod harvest;
mod jobs;
mod linkcheck;
mod memberships;
mod moderation;
mod monitoring;
mod publishers;
mod quality;
mod register;
mod reminders;
mod sessions;
mod settings;
mod store;
pub mod testing;
mod tokens;
mod usage;
mod users;

pub use error::StoreError;
pub use jobs::NewJob;
pub use linkcheck::LinkCheck;
pub use moderation::DatasetRevision;
pub use monitoring::{FeedbackCounts, SnapshotRow};
pub use register::RegisterPublication;
pub use reminders::SentReminder;
pub use store::{Backend, Store};

/// The result of every store operation.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
