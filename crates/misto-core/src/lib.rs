//! Domain types and rules of the misto catalog: publishers, themes, users,
//! datasets (the Resolution 835 passport), resources, licences, the national
//! update-frequency vocabulary, EDRPOU and KATOTTG codes, and the validation
//! shared by every door (CKAN API, HTML forms, harvesters).
//!
//! This crate must not do IO: no database, no files, no network, no clock
//! other than [`time::now`].

pub mod auth;
pub mod codes;
pub mod content;
pub mod dashboard;
pub mod datastore;
pub mod formats;
pub mod frequency;
pub mod harvest;
pub mod license;
pub mod model;
pub mod names;
pub mod net;
pub mod quality;
pub mod resolution835;
pub mod settings;
pub mod themes;
pub mod time;
pub mod usage;
pub mod validate;

pub use auth::Viewer;
pub use frequency::UpdateFrequency;
pub use model::*;
pub use time::Timestamp;
pub use validate::FieldErrors;
