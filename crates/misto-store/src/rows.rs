//! Database rows as both drivers decode them, and their conversion to and
//! from the domain types of misto-core. Rows stay private to the crate.
//!
//! Encoding: timestamps are `i64` microseconds since the epoch, dates are
//! `'YYYY-MM-DD'` text, enums are their `as_str` values, lists and maps are
//! JSON text.

use chrono::NaiveDate;
use misto_core::time::{from_micros, to_micros};
use misto_core::{
    Activity, ApiToken, Dataset, DatasetState, EntityState, Extra, Group, Membership, Publisher,
    PublisherKind, Resource, Role, Timestamp, UpdateFrequency, User,
};

use crate::{Result, StoreError};

/// Column lists, in the order of the row structs, for `concat!` in queries.
macro_rules! publisher_columns {
    () => {
        "id, name, title, title_en, description, edrpou, kind, email, phone, website, address, \
         image_url, state, created, modified"
    };
}
macro_rules! group_columns {
    () => {
        "id, name, title, title_en, description, image_url, state, created"
    };
}
macro_rules! user_columns {
    () => {
        "id, name, fullname, email, password_hash, sysadmin, about, state, created"
    };
}
macro_rules! token_columns {
    () => {
        "id, user_id, name, token_hash, created, expires_at, last_used"
    };
}
macro_rules! dataset_columns {
    () => {
        "id, name, title, title_en, notes, notes_en, owner_org, private, state, license_id, \
         author, author_email, maintainer, maintainer_email, url, version, tags, group_ids, \
         language, update_frequency, purpose_of_collecting_information, resolution_835_item, \
         spatial_katottg, temporal_start, temporal_end, data_updated, extras, creator_user_id, \
         metadata_created, metadata_modified, revision, seq"
    };
}
macro_rules! resource_columns {
    () => {
        "id, package_id, name, description, url, url_type, format, mimetype, size, hash, \
         compress_format, position, state, created, last_modified, metadata_modified, blob_key, \
         extras"
    };
}
macro_rules! activity_columns {
    () => {
        "id, timestamp, user_id, object_id, activity_type, publisher_id, data"
    };
}

fn micros_opt(ts: Option<Timestamp>) -> Option<i64> {
    ts.as_ref().map(to_micros)
}

fn enum_value<T>(what: &str, id: &str, value: &str, parse: fn(&str) -> Option<T>) -> Result<T> {
    parse(value).ok_or_else(|| StoreError::corrupt(format!("{what} {id}: unknown value {value:?}")))
}

fn json_value<T: serde::de::DeserializeOwned>(what: &str, id: &str, text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| StoreError::corrupt(format!("{what} {id}: {e}")))
}

pub(crate) fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> Result<String> {
    serde_json::to_string(value)
        .map_err(|e| StoreError::corrupt(format!("cannot encode JSON: {e}")))
}

pub(crate) fn date_text(d: Option<NaiveDate>) -> Option<String> {
    d.map(|d| d.format("%Y-%m-%d").to_string())
}

fn date_value(what: &str, id: &str, text: Option<String>) -> Result<Option<NaiveDate>> {
    text.map(|t| {
        NaiveDate::parse_from_str(&t, "%Y-%m-%d")
            .map_err(|e| StoreError::corrupt(format!("{what} {id}: bad date {t:?}: {e}")))
    })
    .transpose()
}

#[derive(sqlx::FromRow)]
pub(crate) struct PublisherRow {
    id: String,
    name: String,
    title: String,
    title_en: Option<String>,
    description: String,
    edrpou: Option<String>,
    kind: String,
    email: Option<String>,
    phone: Option<String>,
    website: Option<String>,
    address: Option<String>,
    image_url: Option<String>,
    state: String,
    created: i64,
    modified: i64,
}

impl TryFrom<PublisherRow> for Publisher {
    type Error = StoreError;
    fn try_from(r: PublisherRow) -> Result<Self> {
        Ok(Publisher {
            kind: enum_value("publisher", &r.id, &r.kind, PublisherKind::parse)?,
            state: enum_value("publisher", &r.id, &r.state, EntityState::parse)?,
            id: r.id,
            name: r.name,
            title: r.title,
            title_en: r.title_en,
            description: r.description,
            edrpou: r.edrpou,
            email: r.email,
            phone: r.phone,
            website: r.website,
            address: r.address,
            image_url: r.image_url,
            created: from_micros(r.created),
            modified: from_micros(r.modified),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct GroupRow {
    id: String,
    name: String,
    title: String,
    title_en: Option<String>,
    description: String,
    image_url: Option<String>,
    state: String,
    created: i64,
}

impl TryFrom<GroupRow> for Group {
    type Error = StoreError;
    fn try_from(r: GroupRow) -> Result<Self> {
        Ok(Group {
            state: enum_value("group", &r.id, &r.state, EntityState::parse)?,
            id: r.id,
            name: r.name,
            title: r.title,
            title_en: r.title_en,
            description: r.description,
            image_url: r.image_url,
            created: from_micros(r.created),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    id: String,
    name: String,
    fullname: Option<String>,
    email: String,
    password_hash: Option<String>,
    sysadmin: bool,
    about: Option<String>,
    state: String,
    created: i64,
}

impl TryFrom<UserRow> for User {
    type Error = StoreError;
    fn try_from(r: UserRow) -> Result<Self> {
        Ok(User {
            state: enum_value("user", &r.id, &r.state, EntityState::parse)?,
            id: r.id,
            name: r.name,
            fullname: r.fullname,
            email: r.email,
            password_hash: r.password_hash,
            sysadmin: r.sysadmin,
            about: r.about,
            created: from_micros(r.created),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct MembershipRow {
    user_id: String,
    publisher_id: String,
    role: String,
}

impl TryFrom<MembershipRow> for Membership {
    type Error = StoreError;
    fn try_from(r: MembershipRow) -> Result<Self> {
        let key = format!("{}/{}", r.user_id, r.publisher_id);
        Ok(Membership {
            role: enum_value("membership", &key, &r.role, Role::parse)?,
            user_id: r.user_id,
            publisher_id: r.publisher_id,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct TokenRow {
    id: String,
    user_id: String,
    name: String,
    token_hash: String,
    created: i64,
    expires_at: Option<i64>,
    last_used: Option<i64>,
}

impl From<TokenRow> for ApiToken {
    fn from(r: TokenRow) -> Self {
        ApiToken {
            id: r.id,
            user_id: r.user_id,
            name: r.name,
            token_hash: r.token_hash,
            created: from_micros(r.created),
            expires_at: r.expires_at.map(from_micros),
            last_used: r.last_used.map(from_micros),
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct DatasetRow {
    pub(crate) id: String,
    name: String,
    title: String,
    title_en: Option<String>,
    notes: String,
    notes_en: Option<String>,
    owner_org: String,
    private: bool,
    state: String,
    license_id: String,
    author: Option<String>,
    author_email: Option<String>,
    maintainer: Option<String>,
    maintainer_email: Option<String>,
    url: Option<String>,
    version: Option<String>,
    tags: String,
    group_ids: String,
    language: String,
    update_frequency: Option<String>,
    purpose_of_collecting_information: Option<String>,
    resolution_835_item: Option<String>,
    spatial_katottg: Option<String>,
    temporal_start: Option<String>,
    temporal_end: Option<String>,
    data_updated: Option<i64>,
    extras: String,
    creator_user_id: Option<String>,
    metadata_created: i64,
    metadata_modified: i64,
    revision: i64,
    pub(crate) seq: i64,
}

impl DatasetRow {
    /// The dataset with `resources` (already in order).
    pub(crate) fn into_dataset(self, resources: Vec<Resource>) -> Result<Dataset> {
        let id = self.id;
        let w = "dataset";
        Ok(Dataset {
            state: enum_value(w, &id, &self.state, DatasetState::parse)?,
            update_frequency: self
                .update_frequency
                .map(|f| enum_value(w, &id, &f, UpdateFrequency::parse))
                .transpose()?,
            tags: json_value(w, &id, &self.tags)?,
            groups: json_value(w, &id, &self.group_ids)?,
            extras: json_value::<Vec<Extra>>(w, &id, &self.extras)?,
            temporal_start: date_value(w, &id, self.temporal_start)?,
            temporal_end: date_value(w, &id, self.temporal_end)?,
            name: self.name,
            title: self.title,
            title_en: self.title_en,
            notes: self.notes,
            notes_en: self.notes_en,
            owner_org: self.owner_org,
            private: self.private,
            license_id: self.license_id,
            author: self.author,
            author_email: self.author_email,
            maintainer: self.maintainer,
            maintainer_email: self.maintainer_email,
            url: self.url,
            version: self.version,
            language: self.language,
            purpose_of_collecting_information: self.purpose_of_collecting_information,
            resolution_835_item: self.resolution_835_item,
            spatial_katottg: self.spatial_katottg,
            data_updated: self.data_updated.map(from_micros),
            creator_user_id: self.creator_user_id,
            metadata_created: from_micros(self.metadata_created),
            metadata_modified: from_micros(self.metadata_modified),
            revision: self.revision,
            seq: self.seq,
            resources,
            id,
        })
    }
}

/// A dataset's columns encoded for binding, computed once whichever backend
/// runs the query. Bind with `bind_dataset!` (parameters `$1` to `$30`).
pub(crate) struct DatasetParams<'a> {
    pub(crate) d: &'a Dataset,
    pub(crate) tags: String,
    pub(crate) groups: String,
    pub(crate) extras: String,
    pub(crate) temporal_start: Option<String>,
    pub(crate) temporal_end: Option<String>,
    pub(crate) data_updated: Option<i64>,
    pub(crate) metadata_created: i64,
    pub(crate) metadata_modified: i64,
}

impl<'a> DatasetParams<'a> {
    pub(crate) fn new(d: &'a Dataset) -> Result<Self> {
        Ok(DatasetParams {
            d,
            tags: to_json(&d.tags)?,
            groups: to_json(&d.groups)?,
            extras: to_json(&d.extras)?,
            temporal_start: date_text(d.temporal_start),
            temporal_end: date_text(d.temporal_end),
            data_updated: micros_opt(d.data_updated),
            metadata_created: to_micros(&d.metadata_created),
            metadata_modified: to_micros(&d.metadata_modified),
        })
    }
}

/// Binds `$1`…`$30` of a dataset, in the order of `dataset_columns!` (without
/// `revision` and `seq`).
macro_rules! bind_dataset {
    ($query:expr, $p:expr) => {{
        let p = &$p;
        $query
            .bind(p.d.id.as_str())
            .bind(p.d.name.as_str())
            .bind(p.d.title.as_str())
            .bind(p.d.title_en.as_deref())
            .bind(p.d.notes.as_str())
            .bind(p.d.notes_en.as_deref())
            .bind(p.d.owner_org.as_str())
            .bind(p.d.private)
            .bind(p.d.state.as_str())
            .bind(p.d.license_id.as_str())
            .bind(p.d.author.as_deref())
            .bind(p.d.author_email.as_deref())
            .bind(p.d.maintainer.as_deref())
            .bind(p.d.maintainer_email.as_deref())
            .bind(p.d.url.as_deref())
            .bind(p.d.version.as_deref())
            .bind(p.tags.as_str())
            .bind(p.groups.as_str())
            .bind(p.d.language.as_str())
            .bind(p.d.update_frequency.map(|f| f.as_str()))
            .bind(p.d.purpose_of_collecting_information.as_deref())
            .bind(p.d.resolution_835_item.as_deref())
            .bind(p.d.spatial_katottg.as_deref())
            .bind(p.temporal_start.as_deref())
            .bind(p.temporal_end.as_deref())
            .bind(p.data_updated)
            .bind(p.extras.as_str())
            .bind(p.d.creator_user_id.as_deref())
            .bind(p.metadata_created)
            .bind(p.metadata_modified)
    }};
}

#[derive(sqlx::FromRow)]
pub(crate) struct ResourceRow {
    id: String,
    pub(crate) package_id: String,
    name: String,
    description: String,
    url: String,
    url_type: Option<String>,
    format: String,
    mimetype: Option<String>,
    size: Option<i64>,
    hash: Option<String>,
    compress_format: Option<String>,
    position: i32,
    state: String,
    created: i64,
    last_modified: Option<i64>,
    metadata_modified: i64,
    blob_key: Option<String>,
    extras: String,
}

impl TryFrom<ResourceRow> for Resource {
    type Error = StoreError;
    fn try_from(r: ResourceRow) -> Result<Self> {
        Ok(Resource {
            state: enum_value("resource", &r.id, &r.state, EntityState::parse)?,
            extras: json_value("resource", &r.id, &r.extras)?,
            id: r.id,
            package_id: r.package_id,
            name: r.name,
            description: r.description,
            url: r.url,
            url_type: r.url_type,
            format: r.format,
            mimetype: r.mimetype,
            size: r.size,
            hash: r.hash,
            compress_format: r.compress_format,
            position: r.position,
            created: from_micros(r.created),
            last_modified: r.last_modified.map(from_micros),
            metadata_modified: from_micros(r.metadata_modified),
            blob_key: r.blob_key,
        })
    }
}

/// A resource's columns encoded for binding (`$1`…`$18`, `package_id` given
/// separately so that the aggregate's id always wins).
pub(crate) struct ResourceParams<'a> {
    pub(crate) r: &'a Resource,
    pub(crate) created: i64,
    pub(crate) last_modified: Option<i64>,
    pub(crate) metadata_modified: i64,
    pub(crate) extras: String,
}

impl<'a> ResourceParams<'a> {
    pub(crate) fn new(r: &'a Resource) -> Result<Self> {
        Ok(ResourceParams {
            r,
            created: to_micros(&r.created),
            last_modified: micros_opt(r.last_modified),
            metadata_modified: to_micros(&r.metadata_modified),
            extras: to_json(&r.extras)?,
        })
    }
}

macro_rules! bind_resource {
    ($query:expr, $p:expr, $package_id:expr) => {{
        let p = &$p;
        $query
            .bind(p.r.id.as_str())
            .bind($package_id)
            .bind(p.r.name.as_str())
            .bind(p.r.description.as_str())
            .bind(p.r.url.as_str())
            .bind(p.r.url_type.as_deref())
            .bind(p.r.format.as_str())
            .bind(p.r.mimetype.as_deref())
            .bind(p.r.size)
            .bind(p.r.hash.as_deref())
            .bind(p.r.compress_format.as_deref())
            .bind(p.r.position)
            .bind(p.r.state.as_str())
            .bind(p.created)
            .bind(p.last_modified)
            .bind(p.metadata_modified)
            .bind(p.r.blob_key.as_deref())
            .bind(p.extras.as_str())
    }};
}

#[derive(sqlx::FromRow)]
pub(crate) struct ActivityRow {
    id: String,
    timestamp: i64,
    user_id: Option<String>,
    object_id: String,
    activity_type: String,
    publisher_id: Option<String>,
    data: String,
}

impl TryFrom<ActivityRow> for Activity {
    type Error = StoreError;
    fn try_from(r: ActivityRow) -> Result<Self> {
        Ok(Activity {
            data: json_value("activity", &r.id, &r.data)?,
            id: r.id,
            timestamp: from_micros(r.timestamp),
            user_id: r.user_id,
            object_id: r.object_id,
            activity_type: r.activity_type,
            publisher_id: r.publisher_id,
        })
    }
}

/// An activity's columns encoded for binding (`$1`…`$7`).
pub(crate) struct ActivityParams<'a> {
    pub(crate) a: &'a Activity,
    pub(crate) timestamp: i64,
    pub(crate) data: String,
}

impl<'a> ActivityParams<'a> {
    pub(crate) fn new(a: &'a Activity) -> Result<Self> {
        Ok(ActivityParams {
            a,
            timestamp: to_micros(&a.timestamp),
            data: to_json(&a.data)?,
        })
    }
}

macro_rules! insert_activity {
    ($tx:ident, $p:expr) => {{
        let p = &$p;
        sqlx::query(concat!(
            "INSERT INTO activities (",
            activity_columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7)"
        ))
        .bind(p.a.id.as_str())
        .bind(p.timestamp)
        .bind(p.a.user_id.as_deref())
        .bind(p.a.object_id.as_str())
        .bind(p.a.activity_type.as_str())
        .bind(p.a.publisher_id.as_deref())
        .bind(p.data.as_str())
        .execute(&mut *$tx)
        .await?
    }};
}

/// Groups resource rows (ordered by dataset, then position) by dataset id.
pub(crate) fn resources_by_dataset(
    rows: Vec<ResourceRow>,
) -> Result<std::collections::HashMap<String, Vec<Resource>>> {
    let mut map: std::collections::HashMap<String, Vec<Resource>> =
        std::collections::HashMap::new();
    for row in rows {
        let r = Resource::try_from(row)?;
        map.entry(r.package_id.clone()).or_default().push(r);
    }
    Ok(map)
}
