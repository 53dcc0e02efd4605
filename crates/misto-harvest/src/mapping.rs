//! A remote record — a CKAN package dict, from a CKAN portal or built from a
//! DCAT dataset — cleaned and turned into a [`HarvestItem`].
//!
//! Other portals hold values misto's validator refuses (free-text update
//! frequencies, unknown licences, tags with slashes, dates in local
//! formats, relative links). A harvester that failed on each of those would
//! import little, so such values are dropped (the licence becomes
//! `notspecified`), and only what cannot be repaired fails the dataset.

use misto_actions::Portal;
use misto_actions::harvest::{HarvestItem, RemotePublisher};
use misto_core::harvest::HarvestSource;
use misto_core::names::{is_valid_tag, normalize_tag};
use misto_core::time::{parse_date, parse_datetime};
use misto_core::validate::{
    LANGUAGES, NOTES_MAX, PURPOSE_MAX, TITLE_MAX, is_valid_email, is_valid_url,
};
use misto_core::{UpdateFrequency, codes, license};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// Keys that change at the source without the dataset changing (quality
/// and archiver reports, page views, misto's computed timeliness).
const VOLATILE_KEYS: &[&str] = &[
    "qa",
    "archiver",
    "tracking_summary",
    "num_followers",
    "overdue",
    "next_update_due",
    "data_last_updated",
    "revision_id",
];

/// The remote id of a record.
pub fn guid_of(dict: &Value) -> Option<String> {
    dict.get("id")
        .and_then(Value::as_str)
        .or_else(|| dict.get("name").and_then(Value::as_str))
        .map(str::to_string)
        .filter(|s| !s.trim().is_empty())
}

/// The remote organization of a CKAN package dict.
pub fn remote_publisher(dict: &Value) -> Option<RemotePublisher> {
    let org = dict.get("organization").filter(|o| o.is_object())?;
    let s = |k: &str| org.get(k).and_then(Value::as_str).map(str::to_string);
    let extra = |k: &str| -> Option<String> {
        org.get("extras")?.as_array()?.iter().find_map(|x| {
            (x.get("key")?.as_str()? == k).then(|| x.get("value")?.as_str().map(str::to_string))?
        })
    };
    let name = s("name").filter(|n| !n.trim().is_empty())?;
    Some(RemotePublisher {
        name,
        title: s("title"),
        description: s("description"),
        edrpou: s("edrpou")
            .or_else(|| extra("edrpou"))
            .or_else(|| extra("EDRPOU"))
            .or_else(|| s("identifier"))
            .filter(|c| codes::edrpou_is_valid(c.trim())),
        email: s("email").or_else(|| extra("email")),
        website: s("website").or_else(|| extra("website")),
    })
}

fn hash_of(v: &Value, source: &HarvestSource) -> String {
    let mut h = Sha256::new();
    h.update(v.to_string().as_bytes());
    h.update(b"\0");
    h.update(source.publisher_id.as_deref().unwrap_or("").as_bytes());
    h.update(if source.download_files {
        b"\x01"
    } else {
        b"\x00"
    });
    hex::encode(h.finalize())
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        s.chars().take(max).collect()
    }
}

fn drop_if(m: &mut Map<String, Value>, key: &str, bad: impl Fn(&str) -> bool) {
    let remove = match m.get(key) {
        Some(Value::String(s)) => !s.trim().is_empty() && bad(s.trim()),
        Some(Value::Null) | None => false,
        Some(_) => true,
    };
    if remove {
        m.remove(key);
    }
}

fn limit(m: &mut Map<String, Value>, key: &str, max: usize) {
    if let Some(Value::String(s)) = m.get(key) {
        let t = truncate(s, max);
        m.insert(key.into(), Value::String(t));
    }
}

/// The licence id to keep: the remote one when known here (matched by id,
/// case-insensitively, or by URL), else `notspecified`.
fn local_license(id: &str, url: Option<&str>) -> &'static str {
    let id = id.trim();
    if let Some(l) = license::find(id) {
        return l.id;
    }
    let lower = id.to_ascii_lowercase();
    for l in license::all() {
        if l.id.eq_ignore_ascii_case(&lower)
            || (!l.url.is_empty()
                && url.is_some_and(|u| u.trim_end_matches('/') == l.url.trim_end_matches('/')))
        {
            return l.id;
        }
    }
    match lower.as_str() {
        "cc-by" | "cc-by-4" | "creative-commons-attribution" => {
            license::find("cc-by").map_or("notspecified", |l| l.id)
        }
        _ => "notspecified",
    }
}

/// Drops, from every string of a remote value (keys too), the characters
/// no text field may hold (`misto_core::validate::is_forbidden_char`: NUL,
/// a vertical tab pasted from a word processor, …), which the validator
/// would otherwise refuse the whole dataset for.
fn strip_forbidden(v: &mut Value) {
    let strip = |s: &str| -> String {
        s.chars()
            .filter(|c| !misto_core::validate::is_forbidden_char(*c))
            .collect()
    };
    match v {
        Value::String(s) if s.chars().any(misto_core::validate::is_forbidden_char) => {
            *s = strip(s);
        }
        Value::Array(a) => a.iter_mut().for_each(strip_forbidden),
        Value::Object(m) => {
            if m.keys()
                .any(|k| k.chars().any(misto_core::validate::is_forbidden_char))
            {
                *m = std::mem::take(m)
                    .into_iter()
                    .map(|(k, v)| (strip(&k), v))
                    .collect();
            }
            m.values_mut().for_each(strip_forbidden);
        }
        _ => {}
    }
}

/// Cleans a package dict in place so that the portal's validator accepts
/// what can be kept.
fn clean(portal: &Portal, dict: &mut Map<String, Value>) {
    dict.values_mut().for_each(strip_forbidden);
    for k in VOLATILE_KEYS {
        dict.remove(*k);
    }
    for k in [
        "id",
        "owner_org",
        "organization",
        "private",
        "state",
        "type",
        "creator_user_id",
        "metadata_created",
        "metadata_modified",
    ] {
        dict.remove(k);
    }
    for k in ["title", "title_en"] {
        limit(dict, k, TITLE_MAX);
    }
    for k in ["notes", "notes_en"] {
        limit(dict, k, NOTES_MAX);
    }
    limit(dict, "purpose_of_collecting_information", PURPOSE_MAX);
    let lic_url = dict
        .get("license_url")
        .and_then(Value::as_str)
        .map(str::to_string);
    let lic = dict
        .get("license_id")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if !lic.trim().is_empty() || lic_url.is_some() {
        dict.insert(
            "license_id".into(),
            Value::String(local_license(&lic, lic_url.as_deref()).into()),
        );
    }
    drop_if(dict, "url", |u| !is_valid_url(u));
    drop_if(dict, "author_email", |e| !is_valid_email(e));
    drop_if(dict, "maintainer_email", |e| !is_valid_email(e));
    drop_if(dict, "temporal_start", |d| parse_date(d).is_none());
    drop_if(dict, "temporal_end", |d| parse_date(d).is_none());
    drop_if(dict, "data_updated", |d| parse_datetime(d).is_none());
    drop_if(dict, "resolution_835_item", |i| {
        misto_core::resolution835::find(i).is_none()
    });
    drop_if(dict, "spatial_katottg", |k| {
        !codes::katottg_is_well_formed(k)
    });
    if let (Some(a), Some(b)) = (
        dict.get("temporal_start")
            .and_then(Value::as_str)
            .and_then(parse_date),
        dict.get("temporal_end")
            .and_then(Value::as_str)
            .and_then(parse_date),
    ) && a > b
    {
        dict.remove("temporal_end");
    }
    // Fields data.gov.ua keeps in extras: clean them wherever they are.
    let mut extras: Vec<Value> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    if let Some(Value::Array(list)) = dict.remove("extras") {
        for x in list {
            let Some(key) = x.get("key").and_then(Value::as_str).map(str::to_string) else {
                continue;
            };
            if key.trim().is_empty() || !seen.insert(key.clone()) {
                continue;
            }
            let value = match x.get("value") {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Null) | None => String::new(),
                Some(other) => other.to_string(),
            };
            extras.push(serde_json::json!({"key": key, "value": value}));
        }
    }
    let lift = |dict: &mut Map<String, Value>, extras: &mut Vec<Value>, key: &str| {
        if let Some(pos) = extras.iter().position(|x| x["key"] == key) {
            let x = extras.remove(pos);
            if !dict.contains_key(key) {
                dict.insert(key.into(), x["value"].clone());
            }
        }
    };
    for k in [
        "update_frequency",
        "language",
        "purpose_of_collecting_information",
    ] {
        lift(dict, &mut extras, k);
    }
    drop_if(dict, "update_frequency", |f| {
        UpdateFrequency::parse(f).is_none()
    });
    if let Some(Value::String(l)) = dict.get("language") {
        let l = l.trim().to_ascii_lowercase();
        let l = if l == "uk" || l == "ukr" {
            "ua".to_string()
        } else {
            l
        };
        if LANGUAGES.contains(&l.as_str()) {
            dict.insert("language".into(), Value::String(l));
        } else {
            dict.remove("language");
        }
    } else {
        dict.remove("language");
    }
    limit(dict, "purpose_of_collecting_information", PURPOSE_MAX);
    dict.insert("extras".into(), Value::Array(extras));
    // Tags: keep the valid ones, by name.
    let tags: Vec<Value> = match dict.remove("tags") {
        Some(Value::Array(list)) => list
            .into_iter()
            .filter_map(|t| match t {
                Value::String(s) => Some(s),
                Value::Object(o) => o.get("name").and_then(Value::as_str).map(str::to_string),
                _ => None,
            })
            .map(|t| normalize_tag(&t))
            .filter(|t| is_valid_tag(t))
            .map(Value::String)
            .collect(),
        _ => dict
            .get("tag_string")
            .and_then(Value::as_str)
            .unwrap_or("")
            .split(',')
            .map(normalize_tag)
            .filter(|t| is_valid_tag(t))
            .map(Value::String)
            .collect(),
    };
    dict.remove("tag_string");
    dict.insert("tags".into(), Value::Array(tags));
    // Themes: only those this portal has, by name.
    let groups: Vec<Value> = match dict.remove("groups") {
        Some(Value::Array(list)) => list
            .into_iter()
            .filter_map(|g| match g {
                Value::String(s) => Some(s),
                Value::Object(o) => o.get("name").and_then(Value::as_str).map(str::to_string),
                _ => None,
            })
            .filter(|g| portal.catalog().read(|ix| ix.group(g).is_some()))
            .map(Value::String)
            .collect(),
        _ => vec![],
    };
    dict.insert("groups".into(), Value::Array(groups));
    // Resources: links stay links; their remote ids are not ours.
    if let Some(Value::Array(list)) = dict.get_mut("resources") {
        list.retain(|r| r.is_object() && r.get("state").and_then(Value::as_str) != Some("deleted"));
        for r in list.iter_mut() {
            if let Value::Object(m) = r {
                for k in VOLATILE_KEYS {
                    m.remove(*k);
                }
                for k in ["id", "package_id", "url_type", "state", "position"] {
                    m.remove(k);
                }
                limit(m, "name", TITLE_MAX);
                limit(m, "description", NOTES_MAX);
                drop_if(m, "url", |u| !is_valid_url(u));
                drop_if(m, "last_modified", |d| parse_datetime(d).is_none());
                let size_ok = match m.get("size") {
                    None | Some(Value::Null) => true,
                    Some(Value::Number(n)) => n.as_i64().is_some(),
                    Some(Value::String(s)) => {
                        s.trim().is_empty() || s.trim().parse::<i64>().is_ok()
                    }
                    Some(_) => false,
                };
                if !size_ok {
                    m.remove("size");
                }
                let fmt = m
                    .get("format")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                if fmt.chars().count() > 100 {
                    m.insert("format".into(), Value::String(truncate(&fmt, 100)));
                }
            }
        }
    }
}

/// A package dict → what the portal imports. `owner_org` is the local
/// publisher id. Errors are reasons for the run log.
pub fn item_from_package(
    portal: &Portal,
    source: &HarvestSource,
    dict: &Value,
    owner_org: &str,
) -> Result<HarvestItem, String> {
    let guid = guid_of(dict).ok_or("the record has no id")?;
    let remote_modified = dict
        .get("metadata_modified")
        .and_then(Value::as_str)
        .map(str::to_string);
    let Value::Object(mut m) = dict.clone() else {
        return Err("the record is not an object".into());
    };
    clean(portal, &mut m);
    let content_hash = hash_of(&Value::Object(m.clone()), source);
    m.insert("owner_org".into(), Value::String(owner_org.to_string()));
    let name = m
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if m.get("title")
        .and_then(Value::as_str)
        .is_none_or(|t| t.trim().is_empty())
    {
        m.insert("title".into(), Value::String(name.clone()));
    }
    let input = misto_ckan_api::dataset_input_from(m).map_err(|e| match e {
        misto_ckan_api::ApiError::Action(a) => a.to_string(),
        misto_ckan_api::ApiError::BadRequest(m) | misto_ckan_api::ApiError::TooLarge(m) => m,
        misto_ckan_api::ApiError::UnknownParams(names) => format!("unknown fields: {names:?}"),
    })?;
    let uploads = vec![None; input.resources.as_ref().map_or(0, Vec::len)];
    Ok(HarvestItem {
        guid,
        remote_modified,
        content_hash,
        input,
        uploads,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_characters_are_dropped_from_remote_values() {
        let mut v = serde_json::json!({
            "title": "Бюджет\u{0}",
            "notes": "рядок\u{b}рядок\tі\nще",
            "extras": [{"key": "k\u{1}", "value": "v\u{ffff}"}],
            "n": 1,
        });
        strip_forbidden(&mut v);
        assert_eq!(
            v,
            serde_json::json!({
                "title": "Бюджет",
                "notes": "рядокрядок\tі\nще",
                "extras": [{"key": "k", "value": "v"}],
                "n": 1,
            })
        );
        assert!(misto_core::validate::text_fields(&v).is_empty());
    }

    #[test]
    fn licences_map_by_id_case_or_url() {
        assert_eq!(local_license("cc-by-4.0", None), "cc-by-4.0");
        assert_eq!(local_license("CC-BY-4.0", None), "cc-by-4.0");
        assert_eq!(
            local_license("x", Some("https://creativecommons.org/licenses/by/4.0")),
            "cc-by-4.0"
        );
        assert_eq!(local_license("Ліцензія міста", None), "notspecified");
    }

    #[test]
    fn remote_organizations_with_codes() {
        let code = codes::edrpou_complete("0402251").unwrap();
        let d = serde_json::json!({"organization": {"name": "kmda", "title": "КМДА",
            "extras": [{"key": "edrpou", "value": code}]}});
        let p = remote_publisher(&d).unwrap();
        assert_eq!(p.name, "kmda");
        assert_eq!(p.edrpou.as_deref(), Some(code.as_str()));
        let last = code.as_bytes()[7] - b'0';
        let wrong = format!("{}{}", &code[..7], (last + 1) % 10);
        let bad = serde_json::json!({"organization": {"name": "x", "edrpou": wrong}});
        assert_eq!(remote_publisher(&bad).unwrap().edrpou, None);
        let none = serde_json::json!({"organization": null});
        assert!(remote_publisher(&none).is_none());
    }
}
