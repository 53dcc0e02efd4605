//! CKAN dicts → action inputs. data.gov.ua's fields are accepted top-level
//! or inside `extras`; keys that only appear in CKAN's output are accepted
//! and ignored, so that show → edit → update round trips work.

use misto_actions::datasets::{DatasetInput, ResourceInput};
use misto_actions::publishers::{GroupInput, PublisherInput};
use misto_core::Extra;
use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::params::Params;

/// Keys of a package dict that are computed by the portal (or belong to
/// CKAN extensions) and are ignored on input.
const PACKAGE_OUTPUT_KEYS: &[&str] = &[
    "type",
    "metadata_created",
    "metadata_modified",
    "creator_user_id",
    "organization",
    "num_tags",
    "num_resources",
    "license_title",
    "license_url",
    "isopen",
    "relationships_as_subject",
    "relationships_as_object",
    "revision_id",
    "tracking_summary",
    "data_last_updated",
    "next_update_due",
    "overdue",
    "qa",
    "archiver",
    "plugin_data",
    "display_name",
    "tag_string",
];

const DGUA_KEYS: &[&str] = &[
    "purpose_of_collecting_information",
    "update_frequency",
    "language",
    "tag_string",
];

/// Keys of a resource dict computed by the portal.
const RESOURCE_OUTPUT_KEYS: &[&str] = &[
    "package_id",
    "url_type",
    "position",
    "state",
    "metadata_modified",
    "cache_url",
    "cache_last_updated",
    "datastore_active",
    "mimetype_inner",
    "resource_type",
    "revision_id",
    "tracking_summary",
    "upload",
];

fn value_str(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn names_of(v: Value, field: &str) -> Result<Vec<String>, ApiError> {
    let list = match v {
        Value::Array(a) => a,
        Value::String(s) if s.trim_start().starts_with('[') => match serde_json::from_str(&s) {
            Ok(Value::Array(a)) => a,
            _ => return Err(ApiError::invalid(field, "Must be a list")),
        },
        Value::String(s) => s
            .split(',')
            .map(|x| Value::String(x.trim().to_string()))
            .collect(),
        Value::Null => vec![],
        _ => return Err(ApiError::invalid(field, "Must be a list")),
    };
    let mut out = Vec::new();
    for item in list {
        match item {
            Value::String(s) if !s.trim().is_empty() => out.push(s),
            Value::Object(o) => {
                let n = o.get("name").or_else(|| o.get("id")).and_then(value_str);
                match n {
                    Some(n) => out.push(n),
                    None => return Err(ApiError::invalid(field, "Each item needs a name or id")),
                }
            }
            Value::String(_) => {}
            _ => {
                return Err(ApiError::invalid(
                    field,
                    "Each item must be a name or an object",
                ));
            }
        }
    }
    Ok(out)
}

pub fn dataset_input(p: &mut Params) -> Result<DatasetInput, ApiError> {
    p.ignore(PACKAGE_OUTPUT_KEYS);
    let mut extras_in: Vec<Extra> = Vec::new();
    if let Some(v) = p.raw("extras") {
        let arr = match v {
            Value::Array(a) => a,
            Value::String(s) => match serde_json::from_str(&s) {
                Ok(Value::Array(a)) => a,
                _ => {
                    return Err(ApiError::invalid(
                        "extras",
                        "Must be a list of {key, value}",
                    ));
                }
            },
            _ => {
                return Err(ApiError::invalid(
                    "extras",
                    "Must be a list of {key, value}",
                ));
            }
        };
        for x in arr {
            let key = x.get("key").and_then(value_str);
            let value = x
                .get("value")
                .map(|v| value_str(v).unwrap_or_else(|| v.to_string()));
            match (key, value) {
                (Some(key), Some(value)) => extras_in.push(Extra { key, value }),
                _ => {
                    return Err(ApiError::invalid(
                        "extras",
                        "Each extra needs a key and a value",
                    ));
                }
            }
        }
    }
    // data.gov.ua fields may come as extras; top-level wins.
    let mut from_extra = |key: &str| -> Option<String> {
        let pos = extras_in.iter().position(|x| x.key == key)?;
        Some(extras_in.remove(pos).value)
    };
    let dgua: Vec<(String, Option<String>)> = DGUA_KEYS
        .iter()
        .map(|k| (k.to_string(), from_extra(k)))
        .collect();
    let dgua_get = |k: &str| {
        dgua.iter()
            .find(|(key, _)| key == k)
            .and_then(|(_, v)| v.clone())
    };
    let tags = match p.raw("tags") {
        Some(v) => names_of(v, "tags")?,
        None => {
            let ts = p
                .str("tag_string")
                .or_else(|| dgua_get("tag_string"))
                .unwrap_or_default();
            ts.split(',')
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
                .collect()
        }
    };
    let groups = match p.raw("groups") {
        Some(v) => names_of(v, "groups")?,
        None => vec![],
    };
    let resources = match p.raw("resources") {
        None => None,
        Some(Value::Array(a)) => {
            let mut out = Vec::new();
            for (i, r) in a.into_iter().enumerate() {
                match r {
                    Value::Object(m) => out.push(resource_from_map(m)?),
                    _ => {
                        return Err(ApiError::invalid(
                            "resources",
                            format!("resource {i}: must be an object"),
                        ));
                    }
                }
            }
            Some(out)
        }
        Some(_) => {
            return Err(ApiError::invalid(
                "resources",
                "Must be a list of resources",
            ));
        }
    };
    Ok(DatasetInput {
        id: p.str("id"),
        name: p.str("name").unwrap_or_default(),
        title: p.str("title"),
        title_en: p.str("title_en"),
        notes: p.str("notes"),
        notes_en: p.str("notes_en"),
        owner_org: p.str("owner_org"),
        private: p.bool("private", false)?,
        state: p.str("state"),
        license_id: p.str("license_id"),
        author: p.str("author"),
        author_email: p.str("author_email"),
        maintainer: p.str("maintainer"),
        maintainer_email: p.str("maintainer_email"),
        url: p.str("url"),
        version: p.str("version"),
        tags,
        groups,
        language: p.str("language").or_else(|| dgua_get("language")),
        update_frequency: p
            .str("update_frequency")
            .or_else(|| dgua_get("update_frequency")),
        purpose_of_collecting_information: p
            .str("purpose_of_collecting_information")
            .or_else(|| dgua_get("purpose_of_collecting_information")),
        resolution_835_item: p.str("resolution_835_item"),
        spatial_katottg: p.str("spatial_katottg"),
        temporal_start: p.str("temporal_start"),
        temporal_end: p.str("temporal_end"),
        data_updated: p.str("data_updated"),
        extras: extras_in,
        resources,
    })
}

pub fn resource_from_map(m: Map<String, Value>) -> Result<ResourceInput, ApiError> {
    let mut p = Params::new(m);
    let r = resource_input(&mut p)?;
    Ok(r)
}

/// Reads a resource's fields; keys not known to CKAN's schema are kept as
/// the resource's extras, as CKAN does.
pub fn resource_input(p: &mut Params) -> Result<ResourceInput, ApiError> {
    p.ignore(RESOURCE_OUTPUT_KEYS);
    let size = match p.raw("size") {
        None => None,
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(Value::String(s)) => Some(
            s.trim()
                .parse::<i64>()
                .map_err(|_| ApiError::invalid("size", "Invalid integer"))?,
        ),
        Some(_) => return Err(ApiError::invalid("size", "Invalid integer")),
    };
    let mut r = ResourceInput {
        id: p.str("id"),
        name: p.str("name"),
        description: p.str("description"),
        url: p.str("url"),
        format: p.str("format"),
        mimetype: p.str("mimetype"),
        size,
        hash: p.str("hash"),
        compress_format: p.str("compress_format"),
        last_modified: p.str("last_modified"),
        created: p.str("created"),
        extras: Map::new(),
    };
    let unknown = p.unknown();
    let map = std::mem::replace(p, Params::new(Map::new())).into_map();
    for k in unknown {
        if let Some(v) = map.get(&k) {
            r.extras.insert(k, v.clone());
        }
    }
    Ok(r)
}

/// Keys of an organization or group dict that CKAN computes or ignores on
/// input (`users` and `packages`: members are managed with
/// organization_member_create, and a dataset names its organization and
/// groups itself).
const GROUP_OUTPUT_KEYS: &[&str] = &[
    "type",
    "created",
    "is_organization",
    "approval_status",
    "state",
    "display_name",
    "image_display_url",
    "package_count",
    "member_count",
    "num_followers",
    "users",
    "packages",
    "revision_id",
];

/// `extras`, `tags` and `groups` of an organization or group: CKAN stores
/// them, misto has none. The empty lists organization_show and group_show
/// return are accepted; anything in them is refused rather than dropped.
fn no_group_lists(p: &mut Params, what: &str) -> Result<(), ApiError> {
    let mut errors = misto_core::FieldErrors::new();
    for k in ["extras", "tags", "groups"] {
        match p.raw(k) {
            None => {}
            Some(Value::Array(a)) if a.is_empty() => {}
            Some(Value::String(s)) if s.trim().is_empty() || s.trim() == "[]" => {}
            Some(_) => errors.add(
                k,
                format!("misto keeps no {k} on {what}: send an empty list or leave it out"),
            ),
        }
    }
    errors.into_result().map_err(|e| ApiError::Action(e.into()))
}

pub fn publisher_input(p: &mut Params) -> Result<PublisherInput, ApiError> {
    p.ignore(GROUP_OUTPUT_KEYS);
    no_group_lists(p, "organizations")?;
    Ok(PublisherInput {
        id: p.str("id"),
        name: p.str("name").unwrap_or_default(),
        title: p.str("title"),
        title_en: p.str("title_en"),
        description: p.str("description"),
        edrpou: p.str("edrpou"),
        kind: p.str("kind"),
        email: p.str("email"),
        phone: p.str("phone"),
        website: p.str("website"),
        address: p.str("address"),
        image_url: p.str("image_url"),
    })
}

pub fn group_input(p: &mut Params) -> Result<GroupInput, ApiError> {
    p.ignore(GROUP_OUTPUT_KEYS);
    no_group_lists(p, "groups")?;
    Ok(GroupInput {
        id: p.str("id"),
        name: p.str("name").unwrap_or_default(),
        title: p.str("title"),
        title_en: p.str("title_en"),
        description: p.str("description"),
        image_url: p.str("image_url"),
    })
}
