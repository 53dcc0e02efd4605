//! The catalog's entities. Field names follow CKAN where CKAN has the field,
//! so that the API layer maps them one to one.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::{Timestamp, UpdateFrequency};

macro_rules! string_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name { $(#[serde(rename = $s)] $variant),+ }
        impl $name {
            pub fn as_str(self) -> &'static str { match self { $(Self::$variant => $s),+ } }
            pub fn parse(s: &str) -> Option<Self> { match s { $($s => Some(Self::$variant),)+ _ => None } }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(self.as_str()) }
        }
    };
}

string_enum!(
    /// What sort of body a publisher (розпорядник інформації) is.
    PublisherKind {
        ExecutiveBody = "executive_body",
        CommunalEnterprise = "communal_enterprise",
        Institution = "institution",
        Other = "other",
    }
);

impl PublisherKind {
    pub fn label_uk(self) -> &'static str {
        match self {
            Self::ExecutiveBody => "Виконавчий орган",
            Self::CommunalEnterprise => "Комунальне підприємство",
            Self::Institution => "Установа",
            Self::Other => "Інше",
        }
    }
    pub fn label_en(self) -> &'static str {
        match self {
            Self::ExecutiveBody => "Executive body",
            Self::CommunalEnterprise => "Communal enterprise",
            Self::Institution => "Institution",
            Self::Other => "Other",
        }
    }
}

string_enum!(
    /// State of publishers, themes, users and resources.
    EntityState { Active = "active", Deleted = "deleted" }
);

string_enum!(
    /// Lifecycle of a dataset as CKAN knows it.
    DatasetState { Draft = "draft", Active = "active", Deleted = "deleted" }
);

string_enum!(
    /// A user's capacity in a publisher, as CKAN's organization roles.
    Role { Admin = "admin", Editor = "editor", Member = "member" }
);

impl Role {
    /// Admins and editors may create and change the publisher's datasets.
    pub fn can_edit(self) -> bool {
        matches!(self, Role::Admin | Role::Editor)
    }
    pub fn can_manage_members(self) -> bool {
        matches!(self, Role::Admin)
    }
}

/// A publisher (CKAN organization): a department, communal enterprise or
/// institution of the city that holds and publishes data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Publisher {
    pub id: String,
    pub name: String,
    pub title: String,
    pub title_en: Option<String>,
    pub description: String,
    /// ЄДРПОУ code, 8 digits with a valid check digit.
    pub edrpou: Option<String>,
    pub kind: PublisherKind,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub website: Option<String>,
    pub address: Option<String>,
    pub image_url: Option<String>,
    pub state: EntityState,
    pub created: Timestamp,
    pub modified: Timestamp,
}

/// A theme (CKAN group), e.g. one of the 12 data.gov.ua categories.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Group {
    pub id: String,
    pub name: String,
    pub title: String,
    pub title_en: Option<String>,
    pub description: String,
    pub image_url: Option<String>,
    pub state: EntityState,
    pub created: Timestamp,
}

#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    pub name: String,
    pub fullname: Option<String>,
    pub email: String,
    /// Argon2 PHC string; `None` for an account that cannot log in with a password.
    #[serde(skip_serializing)]
    pub password_hash: Option<String>,
    pub sysadmin: bool,
    pub about: Option<String>,
    pub state: EntityState,
    pub created: Timestamp,
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("email", &self.email)
            .field(
                "password_hash",
                &self.password_hash.as_ref().map(|_| "[redacted]"),
            )
            .field("sysadmin", &self.sysadmin)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Membership {
    pub user_id: String,
    pub publisher_id: String,
    pub role: Role,
}

/// An API token. Only the SHA-256 of the secret is kept; the secret is shown
/// once, when the token is created.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiToken {
    pub id: String,
    pub user_id: String,
    pub name: String,
    #[serde(skip_serializing)]
    pub token_hash: String,
    pub created: Timestamp,
    pub expires_at: Option<Timestamp>,
    pub last_used: Option<Timestamp>,
}

impl std::fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiToken")
            .field("id", &self.id)
            .field("user_id", &self.user_id)
            .field("name", &self.name)
            .field("token_hash", &"[redacted]")
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extra {
    pub key: String,
    pub value: String,
}

/// A dataset and its passport (паспорт набору даних): every field of
/// Resolution 835 plus CKAN's own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dataset {
    /// Passport 1: identifier (UUID).
    pub id: String,
    pub name: String,
    /// Passport 2: title, at most 254 characters.
    pub title: String,
    pub title_en: Option<String>,
    /// Passport 3: description (Markdown), at most 4000 characters.
    pub notes: String,
    pub notes_en: Option<String>,
    /// Publisher id.
    pub owner_org: String,
    pub private: bool,
    pub state: DatasetState,
    pub license_id: String,
    pub author: Option<String>,
    pub author_email: Option<String>,
    /// Passport 14: responsible person and their e-mail.
    pub maintainer: Option<String>,
    pub maintainer_email: Option<String>,
    pub url: Option<String>,
    pub version: Option<String>,
    /// Passport 11: keywords.
    pub tags: Vec<String>,
    /// Theme ids.
    pub groups: Vec<String>,
    /// Passport 4: language code as data.gov.ua uses them (`ua`, `en`, ...).
    pub language: String,
    /// Passport 10: update frequency.
    pub update_frequency: Option<UpdateFrequency>,
    /// Passport 15: basis and purpose of collection, at most 512 characters.
    pub purpose_of_collecting_information: Option<String>,
    /// Item of the Resolution 835 list the dataset fulfils (e.g. `OMS-12`).
    pub resolution_835_item: Option<String>,
    /// Spatial coverage as a KATOTTG code.
    pub spatial_katottg: Option<String>,
    pub temporal_start: Option<NaiveDate>,
    pub temporal_end: Option<NaiveDate>,
    /// Passport 9: when the data were last updated (date of relevance).
    pub data_updated: Option<Timestamp>,
    pub extras: Vec<Extra>,
    pub creator_user_id: Option<String>,
    /// Passport 7: first publication (creation of the record).
    pub metadata_created: Timestamp,
    /// Passport 8: last change.
    pub metadata_modified: Timestamp,
    /// Incremented by every save; a save that expects another revision fails.
    pub revision: i64,
    /// The catalog version at this dataset's last save (set by the store).
    pub seq: i64,
    pub resources: Vec<Resource>,
}

impl Dataset {
    /// When the data were last updated: the explicit date, else the newest
    /// resource change, else the record's creation.
    pub fn data_last_updated(&self) -> Timestamp {
        self.data_updated
            .or_else(|| self.resources.iter().filter_map(|r| r.last_modified).max())
            .unwrap_or(self.metadata_created)
    }

    /// Next update due: data last updated + the period of the update frequency.
    pub fn next_update_due(&self) -> Option<Timestamp> {
        let period = self.update_frequency?.period()?;
        Some(self.data_last_updated() + period)
    }

    /// "Не оновлений": the next update was due before `now`.
    pub fn is_overdue(&self, now: Timestamp) -> bool {
        self.next_update_due().is_some_and(|due| due < now)
    }

    pub fn active_resources(&self) -> impl Iterator<Item = &Resource> {
        self.resources
            .iter()
            .filter(|r| r.state == EntityState::Active)
    }
}

/// A file or link of a dataset (CKAN resource).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resource {
    pub id: String,
    pub package_id: String,
    pub name: String,
    pub description: String,
    /// For links, the remote URL; for uploads, the file name (the API turns it
    /// into `/dataset/{id}/resource/{rid}/download/{filename}`).
    pub url: String,
    /// `Some("upload")` for files stored by misto.
    pub url_type: Option<String>,
    pub format: String,
    pub mimetype: Option<String>,
    pub size: Option<i64>,
    /// SHA-256 of the uploaded file, lowercase hex.
    pub hash: Option<String>,
    /// Passport 6: compression format, if the file is compressed.
    pub compress_format: Option<String>,
    pub position: i32,
    pub state: EntityState,
    pub created: Timestamp,
    pub last_modified: Option<Timestamp>,
    pub metadata_modified: Timestamp,
    /// Where the blob store keeps the file (internal, never shown).
    pub blob_key: Option<String>,
    /// Extra keys clients attach to resources, kept as given.
    pub extras: serde_json::Map<String, serde_json::Value>,
}

impl Resource {
    pub fn is_upload(&self) -> bool {
        self.url_type.as_deref() == Some("upload")
    }
}

/// One entry of the activity stream: who changed what, when, and how.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Activity {
    pub id: String,
    pub timestamp: Timestamp,
    pub user_id: Option<String>,
    /// The dataset (or publisher) the activity is about.
    pub object_id: String,
    /// CKAN activity types: `new package`, `changed package`, `deleted package`,
    /// `new organization`, `changed organization`.
    pub activity_type: String,
    /// The publisher of the object at the time (used for visibility checks).
    pub publisher_id: Option<String>,
    /// Snapshot and field-level diff: `{"package": {...}, "changes": [...]}`.
    pub data: serde_json::Value,
}

string_enum!(
    /// Where an entry of the dataset register stands.
    RegisterStatus {
        Planned = "planned",
        Published = "published",
        NotToPublish = "not_to_publish",
    }
);

/// An entry of the dataset register (реєстр наборів даних) known from the
/// data audit: data a publisher holds, published or not yet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegisterEntry {
    pub id: String,
    pub publisher_id: String,
    pub title: String,
    pub description: String,
    /// Where the data live: the information system, register or folder.
    pub location: String,
    /// The format the data are kept in.
    pub format: String,
    pub responsible: Option<String>,
    pub responsible_email: Option<String>,
    pub update_frequency: Option<UpdateFrequency>,
    pub status: RegisterStatus,
    /// For planned entries: when publication is due.
    pub target_date: Option<NaiveDate>,
    /// For entries not to be published: why (e.g. restricted information).
    pub reason: Option<String>,
    /// The published dataset that fulfils the entry, if any.
    pub dataset_id: Option<String>,
    pub resolution_835_item: Option<String>,
    pub created: Timestamp,
    pub modified: Timestamp,
}

string_enum!(
    /// What a piece of feedback is about.
    FeedbackKind { QualityProblem = "quality_problem", DataError = "data_error", Question = "question" }
);

string_enum!(
    /// Where feedback stands with the publisher.
    FeedbackStatus {
        New = "new",
        InProgress = "in_progress",
        Answered = "answered",
        Fixed = "fixed",
        Rejected = "rejected",
    }
);

string_enum!(
    /// The spam guard's verdict on something a visitor submitted.
    Moderation { Pending = "pending", Approved = "approved", Spam = "spam" }
);

string_enum!(
    /// Where a request for a new dataset stands.
    RequestStatus {
        New = "new",
        UnderReview = "under_review",
        Planned = "planned",
        Published = "published",
        Rejected = "rejected",
    }
);

/// Feedback on a dataset from anyone, answered by its publisher.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Feedback {
    pub id: String,
    pub dataset_id: String,
    pub publisher_id: String,
    pub kind: FeedbackKind,
    pub message: String,
    pub author_name: String,
    /// For the answer only; never shown publicly.
    pub author_email: String,
    /// Shown only to the publisher when set.
    pub private: bool,
    pub moderation: Moderation,
    pub status: FeedbackStatus,
    pub answer: Option<String>,
    pub answered_by: Option<String>,
    pub created: Timestamp,
    pub modified: Timestamp,
}

/// A request for a new dataset; others vote for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetRequest {
    pub id: String,
    pub title: String,
    pub description: String,
    /// The publisher the author suggests.
    pub publisher_id: Option<String>,
    pub author_name: String,
    pub author_email: String,
    pub moderation: Moderation,
    pub status: RequestStatus,
    pub planned_date: Option<NaiveDate>,
    /// The dataset that fulfilled the request.
    pub dataset_id: Option<String>,
    /// Why it was rejected.
    pub reason: Option<String>,
    pub votes: i64,
    pub created: Timestamp,
    pub modified: Timestamp,
}

string_enum!(
    /// Where a background job is in its life.
    JobState {
        Pending = "pending",
        Running = "running",
        Done = "done",
        Error = "error",
    }
);

/// A durable background job: a unit of work (ingest a resource, validate
/// it, run a harvest source, send reminders) stored in the database so that
/// it survives a restart. `subject` names what it works on (a resource id,
/// a harvest source id); at most one job per (kind, subject) waits at a time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    pub id: String,
    pub kind: String,
    pub subject: String,
    pub payload: serde_json::Value,
    pub state: JobState,
    pub attempts: i64,
    pub max_attempts: i64,
    pub run_after: Timestamp,
    pub locked_by: Option<String>,
    pub locked_until: Option<Timestamp>,
    pub progress_done: i64,
    pub progress_total: i64,
    /// The last outcome: a summary when done, the reason when it failed.
    pub message: String,
    pub created: Timestamp,
    pub modified: Timestamp,
}
