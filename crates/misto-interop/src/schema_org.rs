//! The schema.org `Dataset` of a public dataset, as search engines (Google
//! Dataset Search) read it from the page's JSON-LD.

use misto_actions::Portal;
use misto_core::{Dataset, license};
use serde_json::{Map, Value, json};

use crate::{dcat, site};

pub fn dataset(portal: &Portal, d: &Dataset) -> Value {
    let site = site(portal);
    let page = format!("{site}/dataset/{}", d.name);
    let mut m = Map::new();
    m.insert("@context".into(), json!("https://schema.org/"));
    m.insert("@type".into(), json!("Dataset"));
    m.insert("@id".into(), json!(dcat::dataset_uri(&site, d)));
    m.insert("name".into(), json!(d.title));
    let description = if d.notes.trim().is_empty() {
        &d.title
    } else {
        &d.notes
    };
    m.insert("description".into(), json!(description));
    m.insert("url".into(), json!(page));
    m.insert("identifier".into(), json!(d.id));
    m.insert("inLanguage".into(), json!("uk"));
    if !d.tags.is_empty() {
        m.insert("keywords".into(), json!(d.tags));
    }
    if let Some(l) = license::find(&d.license_id).filter(|l| !l.url.is_empty()) {
        m.insert("license".into(), json!(l.url));
    }
    m.insert("isAccessibleForFree".into(), json!(true));
    let settings = portal.site_settings();
    m.insert(
        "includedInDataCatalog".into(),
        json!({
            "@type": "DataCatalog",
            "@id": format!("{site}/catalog"),
            "name": settings.title,
            "url": format!("{site}/"),
        }),
    );
    if let Some(p) = portal
        .catalog()
        .read(|ix| ix.publisher(&d.owner_org).cloned())
    {
        let mut org = Map::new();
        org.insert("@type".into(), json!("Organization"));
        org.insert("name".into(), json!(p.title));
        org.insert(
            "url".into(),
            json!(format!("{site}/organization/{}", p.name)),
        );
        if let Some(code) = p.edrpou.as_deref().filter(|c| !c.is_empty()) {
            org.insert("identifier".into(), json!(code));
        }
        if let Some(e) = p.email.as_deref().filter(|e| e.contains('@')) {
            org.insert("email".into(), json!(e));
        }
        let org = Value::Object(org);
        m.insert("creator".into(), org.clone());
        m.insert("publisher".into(), org);
    }
    if let Some(f) = d.update_frequency {
        m.insert(
            "accrualPeriodicity".into(),
            json!(format!("{}/frequency/{}", dcat::EU, dcat::eu_frequency(f))),
        );
    }
    m.insert(
        "dateCreated".into(),
        json!(
            d.metadata_created
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ),
    );
    m.insert(
        "dateModified".into(),
        json!(
            d.metadata_modified
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ),
    );
    if d.temporal_start.is_some() || d.temporal_end.is_some() {
        let s = d
            .temporal_start
            .map(|x| x.to_string())
            .unwrap_or_else(|| "..".into());
        let e = d
            .temporal_end
            .map(|x| x.to_string())
            .unwrap_or_else(|| "..".into());
        m.insert("temporalCoverage".into(), json!(format!("{s}/{e}")));
    }
    let territory = dcat::Territory::from_settings(&settings);
    if let Some(code) = territory.code_of(d.spatial_katottg.as_deref()) {
        let mut place = Map::new();
        place.insert("@type".into(), json!("Place"));
        let name = territory.name_of(code);
        if name != code {
            place.insert("name".into(), json!(name));
        }
        place.insert(
            "identifier".into(),
            json!({
                "@type": "PropertyValue",
                "propertyID": "KATOTTG",
                "value": code,
            }),
        );
        if let Some((lon, lat)) = territory.centre_of(code) {
            place.insert(
                "geo".into(),
                json!({"@type": "GeoCoordinates", "latitude": lat, "longitude": lon}),
            );
        }
        m.insert("spatialCoverage".into(), Value::Object(place));
    }
    let distribution: Vec<Value> = d
        .active_resources()
        .map(|r| {
            let mut x = Map::new();
            x.insert("@type".into(), json!("DataDownload"));
            if !r.name.trim().is_empty() {
                x.insert("name".into(), json!(r.name));
            }
            if !r.description.trim().is_empty() {
                x.insert("description".into(), json!(r.description));
            }
            let format = dcat::media_type(r).unwrap_or_else(|| r.format.clone());
            if !format.is_empty() {
                x.insert("encodingFormat".into(), json!(format));
            }
            x.insert("contentUrl".into(), json!(dcat::resource_url(&site, d, r)));
            if let Some(size) = r.size.filter(|s| *s >= 0) {
                x.insert("contentSize".into(), json!(format!("{size} B")));
            }
            if let Some(t) = r.last_modified {
                x.insert(
                    "dateModified".into(),
                    json!(t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
                );
            }
            Value::Object(x)
        })
        .collect();
    if !distribution.is_empty() {
        m.insert("distribution".into(), Value::Array(distribution));
    }
    Value::Object(m)
}
