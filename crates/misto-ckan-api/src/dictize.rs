//! Domain values → CKAN's JSON shapes (package, resource, organization,
//! group, tag, user, activity). misto's own passport fields appear as
//! top-level keys, as ckanext-scheming does; the data.gov.ua fields
//! (`purpose_of_collecting_information`, `update_frequency`, `language`,
//! `tag_string`) too, with their exact keys and values.

use misto_core::time::ckan_format;
use misto_core::{Activity, Dataset, Group, Publisher, Resource, Timestamp, User, license};
use misto_search::Index;
use serde_json::{Map, Value, json};

fn opt<T: serde::Serialize>(v: &Option<T>) -> Value {
    match v {
        Some(x) => json!(x),
        None => Value::Null,
    }
}

/// Percent-encodes a path segment (RFC 3986 unreserved characters stay).
pub fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub fn download_url(site: &str, d: &Dataset, r: &Resource) -> String {
    format!(
        "{site}/dataset/{}/resource/{}/download/{}",
        d.id,
        r.id,
        encode_segment(&r.url)
    )
}

pub fn resource(site: &str, d: &Dataset, r: &Resource) -> Value {
    let url = if r.is_upload() {
        download_url(site, d, r)
    } else {
        r.url.clone()
    };
    let mut m = Map::new();
    for (k, v) in &r.extras {
        m.insert(k.clone(), v.clone());
    }
    let fixed = json!({
        "id": r.id,
        "package_id": d.id,
        "name": r.name,
        "description": r.description,
        "url": url,
        "url_type": opt(&r.url_type),
        "format": r.format,
        "mimetype": opt(&r.mimetype),
        "mimetype_inner": null,
        "size": opt(&r.size),
        "hash": r.hash.as_deref().unwrap_or(""),
        "compress_format": opt(&r.compress_format),
        "position": r.position,
        "state": r.state.as_str(),
        "created": ckan_format(&r.created),
        "last_modified": r.last_modified.as_ref().map(ckan_format),
        "metadata_modified": ckan_format(&r.metadata_modified),
        "resource_type": null,
        "cache_url": null,
        "cache_last_updated": null,
        "datastore_active": r.extras.get("datastore_active") == Some(&Value::Bool(true)),
    });
    if let Value::Object(f) = fixed {
        m.extend(f);
    }
    Value::Object(m)
}

/// The short organization dict embedded in packages.
pub fn organization_short(p: &Publisher) -> Value {
    json!({
        "id": p.id,
        "name": p.name,
        "title": p.title,
        "title_en": opt(&p.title_en),
        "type": "organization",
        "description": p.description,
        "image_url": p.image_url.as_deref().unwrap_or(""),
        "created": ckan_format(&p.created),
        "is_organization": true,
        "approval_status": "approved",
        "state": p.state.as_str(),
        "edrpou": opt(&p.edrpou),
    })
}

pub fn organization(p: &Publisher, package_count: usize) -> Value {
    let mut v = organization_short(p);
    if let Value::Object(m) = &mut v {
        m.insert("display_name".into(), json!(p.title));
        m.insert(
            "image_display_url".into(),
            json!(p.image_url.as_deref().unwrap_or("")),
        );
        m.insert("package_count".into(), json!(package_count));
        m.insert("kind".into(), json!(p.kind.as_str()));
        m.insert("email".into(), opt(&p.email));
        m.insert("phone".into(), opt(&p.phone));
        m.insert("website".into(), opt(&p.website));
        m.insert("address".into(), opt(&p.address));
        m.insert("extras".into(), json!([]));
        m.insert("tags".into(), json!([]));
        m.insert("groups".into(), json!([]));
        m.insert("num_followers".into(), json!(0));
    }
    v
}

pub fn group(g: &Group, package_count: usize) -> Value {
    json!({
        "id": g.id,
        "name": g.name,
        "title": g.title,
        "title_en": opt(&g.title_en),
        "display_name": g.title,
        "type": "group",
        "description": g.description,
        "image_url": g.image_url.as_deref().unwrap_or(""),
        "image_display_url": g.image_url.as_deref().unwrap_or(""),
        "created": ckan_format(&g.created),
        "is_organization": false,
        "approval_status": "approved",
        "state": g.state.as_str(),
        "package_count": package_count,
        "extras": [],
        "tags": [],
        "groups": [],
        "num_followers": 0,
    })
}

fn group_short(g: &Group) -> Value {
    json!({
        "id": g.id,
        "name": g.name,
        "title": g.title,
        "display_name": g.title,
        "description": g.description,
        "image_display_url": g.image_url.as_deref().unwrap_or(""),
    })
}

pub fn package(ix: &Index, site: &str, d: &Dataset, now: Timestamp) -> Value {
    let lic = license::find(&d.license_id);
    let org = ix
        .publisher(&d.owner_org)
        .map(organization_short)
        .unwrap_or(Value::Null);
    let groups: Vec<Value> = d
        .groups
        .iter()
        .filter_map(|g| ix.group(g))
        .map(group_short)
        .collect();
    let tags: Vec<Value> = d
        .tags
        .iter()
        .map(|t| json!({"name": t, "display_name": t, "state": "active", "vocabulary_id": null}))
        .collect();
    let extras: Vec<Value> = d
        .extras
        .iter()
        .map(|x| json!({"key": x.key, "value": x.value}))
        .collect();
    let resources: Vec<Value> = d.active_resources().map(|r| resource(site, d, r)).collect();
    json!({
        "id": d.id,
        "name": d.name,
        "title": d.title,
        "title_en": opt(&d.title_en),
        "notes": d.notes,
        "notes_en": opt(&d.notes_en),
        "type": "dataset",
        "version": opt(&d.version),
        "url": d.url.as_deref().unwrap_or(""),
        "author": opt(&d.author),
        "author_email": opt(&d.author_email),
        "maintainer": opt(&d.maintainer),
        "maintainer_email": opt(&d.maintainer_email),
        "license_id": d.license_id,
        "license_title": lic.map(|l| l.title).unwrap_or(d.license_id.as_str()),
        "license_url": lic.map(|l| l.url).unwrap_or(""),
        "isopen": lic.is_some_and(|l| l.is_open()),
        "private": d.private,
        "state": d.state.as_str(),
        "metadata_created": ckan_format(&d.metadata_created),
        "metadata_modified": ckan_format(&d.metadata_modified),
        "creator_user_id": opt(&d.creator_user_id),
        "owner_org": d.owner_org,
        "organization": org,
        "groups": groups,
        "tags": tags,
        "num_tags": d.tags.len(),
        "tag_string": d.tags.join(","),
        "extras": extras,
        "resources": resources,
        "num_resources": d.active_resources().count(),
        "relationships_as_subject": [],
        "relationships_as_object": [],
        "language": d.language,
        "update_frequency": d.update_frequency.map(|f| f.as_str()),
        "purpose_of_collecting_information": opt(&d.purpose_of_collecting_information),
        "resolution_835_item": opt(&d.resolution_835_item),
        "spatial_katottg": opt(&d.spatial_katottg),
        "temporal_start": d.temporal_start.map(|x| x.to_string()),
        "temporal_end": d.temporal_end.map(|x| x.to_string()),
        "data_updated": d.data_updated.as_ref().map(ckan_format),
        "data_last_updated": ckan_format(&d.data_last_updated()),
        "next_update_due": d.next_update_due().as_ref().map(ckan_format),
        "overdue": d.is_overdue(now),
    })
}

pub fn user(u: &User, with_private: bool) -> Value {
    let mut v = json!({
        "id": u.id,
        "name": u.name,
        "fullname": opt(&u.fullname),
        "display_name": u.fullname.clone().unwrap_or_else(|| u.name.clone()),
        "about": opt(&u.about),
        "created": ckan_format(&u.created),
        "state": u.state.as_str(),
        "sysadmin": u.sysadmin,
    });
    if with_private && let Value::Object(m) = &mut v {
        m.insert("email".into(), json!(u.email));
    }
    v
}

pub fn activity(ix: &Index, site: &str, a: &Activity, now: Timestamp) -> Value {
    let mut data = a.data.clone();
    if let Some(pkg) = a.data.get("package")
        && let Ok(d) = serde_json::from_value::<Dataset>(pkg.clone())
        && let Value::Object(m) = &mut data
    {
        m.insert("package".into(), package(ix, site, &d, now));
    }
    json!({
        "id": a.id,
        "timestamp": ckan_format(&a.timestamp),
        "user_id": opt(&a.user_id),
        "object_id": a.object_id,
        "activity_type": a.activity_type,
        "data": data,
    })
}
