//! Dashboards in the CKAN style: `dashboard_list` (the public ones, and the
//! private ones the caller may change), `dashboard_show`, and for
//! coordinators `dashboard_create`, `dashboard_update` (replaces the whole
//! dashboard, as CKAN's `*_update` do) and `dashboard_delete`.
//!
//! A tile is a dict with `type` `chart` (`resource_id`, `chart` bar, line or
//! pie, `x`, `agg` count, sum or avg, `y`, `filters` as `{column: value}`,
//! `title`, `title_en`) or `figure` (`figure`: one of the key figures).
//! `dashboard_show` adds `available` to chart tiles: whether the caller may
//! read the data now. In every answer (`dashboard_list` with `all_fields`
//! too), a chart whose data the caller may not read shows neither its
//! resource (`resource_id` null) nor its columns or filters: the actions
//! hand out dashboards redacted for the viewer.

use misto_actions::dashboards::DashboardInput;
use misto_core::dashboard::{Dashboard, KeyFigure, Tile, TileKind};
use misto_core::time::ckan_format;
use serde_json::{Map, Value, json};

use crate::Ctx;
use crate::dictize::encode_segment;
use crate::error::ApiError;
use crate::params::Params;

type R = Result<Value, ApiError>;

/// The actions of this module (each also listed in [`crate::ACTIONS`]; a
/// test checks).
pub const NAMES: &[&str] = &[
    "dashboard_list",
    "dashboard_show",
    "dashboard_create",
    "dashboard_update",
    "dashboard_delete",
];

pub fn handles(name: &str) -> bool {
    NAMES.contains(&name)
}

pub async fn dispatch(name: &str, ctx: &mut Ctx, p: &mut Params) -> R {
    match name {
        "dashboard_list" => dashboard_list(ctx, p).await,
        "dashboard_show" => dashboard_show(ctx, p).await,
        "dashboard_create" => dashboard_create(ctx, p).await,
        "dashboard_update" => dashboard_update(ctx, p).await,
        "dashboard_delete" => dashboard_delete(ctx, p).await,
        other => Err(ApiError::BadRequest(format!(
            "Action name not known: {other}"
        ))),
    }
}

/// A tile as the API shows it (`filters` as an object).
fn tile_json(t: &Tile) -> Value {
    let mut v = serde_json::to_value(t).unwrap_or(Value::Null);
    if let Some(o) = v.as_object_mut()
        && let Some(Value::Array(pairs)) = o.get("filters").cloned()
    {
        let mut m = Map::new();
        for pair in pairs {
            if let Value::Array(kv) = pair
                && let [Value::String(k), val] = kv.as_slice()
            {
                m.insert(k.clone(), val.clone());
            }
        }
        o.insert("filters".into(), Value::Object(m));
    }
    if let Some(o) = v.as_object_mut()
        && o.get("resource_id").and_then(Value::as_str) == Some("")
    {
        o.insert("resource_id".into(), Value::Null);
    }
    v
}

fn dashboard_json(ctx: &Ctx, d: &Dashboard) -> Value {
    let org = d
        .owner_org
        .as_deref()
        .and_then(|o| ctx.portal.show_publisher(o).ok());
    json!({
        "id": d.id,
        "name": d.name,
        "title": d.title,
        "title_en": d.title_en,
        "description": d.description,
        "description_en": d.description_en,
        "owner_org": d.owner_org,
        "organization": org.map(|o| json!({"id": o.id, "name": o.name, "title": o.title})),
        "public": d.public,
        "tiles": d.tiles.iter().map(tile_json).collect::<Vec<_>>(),
        "num_tiles": d.tiles.len(),
        "creator_user_id": d.creator,
        "created": ckan_format(&d.created),
        "metadata_modified": ckan_format(&d.modified),
        "url": format!("{}/dashboard/{}", ctx.site(), encode_segment(&d.name)),
    })
}

fn target(p: &mut Params) -> Result<String, ApiError> {
    p.str("id")
        .or_else(|| p.str("name"))
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::missing("id"))
}

async fn dashboard_list(ctx: &mut Ctx, p: &mut Params) -> R {
    let all_fields = p.bool("all_fields", false)?;
    p.reject_unknown()?;
    let list = ctx.portal.list_dashboards(&ctx.viewer).await?;
    Ok(Value::Array(
        list.iter()
            .map(|d| {
                if all_fields {
                    dashboard_json(ctx, d)
                } else {
                    Value::String(d.name.clone())
                }
            })
            .collect(),
    ))
}

async fn dashboard_show(ctx: &mut Ctx, p: &mut Params) -> R {
    let id = target(p)?;
    p.reject_unknown()?;
    let d = ctx.portal.show_dashboard(&ctx.viewer, &id).await?;
    let mut v = dashboard_json(ctx, &d);
    if let Some(tiles) = v.get_mut("tiles").and_then(Value::as_array_mut) {
        for (t, out) in d.tiles.iter().zip(tiles.iter_mut()) {
            if !matches!(t.kind, TileKind::Chart { .. }) {
                continue;
            }
            let available = ctx
                .portal
                .dashboard_tile_table(&ctx.viewer, t)
                .await
                .is_some();
            if let Some(o) = out.as_object_mut() {
                o.insert("available".into(), json!(available));
            }
        }
    }
    Ok(v)
}

/// One tile from the API's dict (`filters` as an object or as pairs).
fn tile_from(n: usize, v: Value) -> Result<Tile, ApiError> {
    let mut v = v;
    let Some(o) = v.as_object_mut() else {
        return Err(ApiError::invalid(
            "tiles",
            format!("Tile {n}: must be an object"),
        ));
    };
    if let Some(Value::Object(m)) = o.get("filters").cloned() {
        let pairs: Vec<Value> = m
            .into_iter()
            .map(|(k, val)| {
                let s = match val {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                json!([k, s])
            })
            .collect();
        o.insert("filters".into(), Value::Array(pairs));
    }
    // Output-only keys a client may send back from dashboard_show.
    o.remove("available");
    if o.get("type").and_then(Value::as_str) == Some("figure")
        && let Some(f) = o.get("figure").and_then(Value::as_str)
        && KeyFigure::parse(f).is_none()
    {
        let known: Vec<&str> = KeyFigure::ALL.iter().map(|k| k.as_str()).collect();
        return Err(ApiError::invalid(
            "tiles",
            format!("Tile {n}: the figure must be one of {}", known.join(", ")),
        ));
    }
    serde_json::from_value(v).map_err(|e| ApiError::invalid("tiles", format!("Tile {n}: {e}")))
}

fn tiles_from(p: &mut Params) -> Result<Vec<Tile>, ApiError> {
    let list = match p.raw("tiles") {
        None => return Ok(Vec::new()),
        Some(Value::String(s)) if s.trim().is_empty() => return Ok(Vec::new()),
        Some(Value::String(s)) => serde_json::from_str::<Value>(&s)
            .map_err(|e| ApiError::invalid("tiles", format!("Not a list of tiles: {e}")))?,
        Some(v) => v,
    };
    let Value::Array(items) = list else {
        return Err(ApiError::invalid("tiles", "Must be a list of tiles"));
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, v)| tile_from(i + 1, v))
        .collect()
}

fn input_from(p: &mut Params) -> Result<DashboardInput, ApiError> {
    Ok(DashboardInput {
        name: p.str("name"),
        title: p.str("title").unwrap_or_default(),
        title_en: p.str("title_en").unwrap_or_default(),
        description: p.str("description").unwrap_or_default(),
        description_en: p.str("description_en").unwrap_or_default(),
        owner_org: p.str("owner_org"),
        public: p.bool("public", false)?,
        tiles: tiles_from(p)?,
    })
}

async fn dashboard_create(ctx: &mut Ctx, p: &mut Params) -> R {
    let input = input_from(p)?;
    p.reject_unknown()?;
    let mut d = ctx.portal.create_dashboard(&ctx.viewer, input).await?;
    ctx.portal.redact_tiles(&ctx.viewer, &mut d);
    Ok(dashboard_json(ctx, &d))
}

async fn dashboard_update(ctx: &mut Ctx, p: &mut Params) -> R {
    let id = target(p)?;
    let input = input_from(p)?;
    p.ignore(&[
        "organization",
        "num_tiles",
        "creator_user_id",
        "created",
        "metadata_modified",
        "url",
    ]);
    p.reject_unknown()?;
    let mut d = ctx.portal.update_dashboard(&ctx.viewer, &id, input).await?;
    ctx.portal.redact_tiles(&ctx.viewer, &mut d);
    Ok(dashboard_json(ctx, &d))
}

async fn dashboard_delete(ctx: &mut Ctx, p: &mut Params) -> R {
    let id = target(p)?;
    p.reject_unknown()?;
    ctx.portal.delete_dashboard(&ctx.viewer, &id).await?;
    Ok(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_is_an_action() {
        for n in NAMES {
            assert!(crate::kind_of(n).is_some(), "{n} missing in ACTIONS");
        }
    }

    #[test]
    fn tiles_round_trip_with_filters_as_an_object() {
        let t = tile_from(
            1,
            json!({"type": "chart", "resource_id": "r", "chart": "bar", "x": "район",
                   "agg": "count", "filters": {"тип": "школа"}, "available": true}),
        )
        .unwrap();
        assert_eq!(
            t.kind,
            TileKind::Chart {
                resource_id: "r".into(),
                chart: "bar".into(),
                x: "район".into(),
                agg: "count".into(),
                y: String::new(),
                filters: vec![("тип".into(), "школа".into())],
            }
        );
        assert_eq!(tile_json(&t)["filters"], json!({"тип": "школа"}));
        assert!(tile_from(2, json!({"type": "figure", "figure": "nope"})).is_err());
        assert!(tile_from(3, json!({"type": "map"})).is_err());
    }
}
