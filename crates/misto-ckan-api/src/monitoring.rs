//! Quarterly monitoring actions: `monitoring_show` and
//! `assessment_card_show` (coordinators), and the public
//! `publisher_rating_history`. Shapes are ours (CKAN has no such actions),
//! in CKAN's style.

use misto_actions::monitoring::{Monitoring, MonitoringEntry, assessment_card};
use misto_actions::quality::Rating;
use misto_core::time::ckan_format;
use serde_json::{Value, json};

use crate::Ctx;
use crate::error::ApiError;
use crate::params::Params;

type R = Result<Value, ApiError>;

fn entry_json(e: &MonitoringEntry) -> Value {
    json!({
        "rank": e.rank,
        "publisher_id": e.publisher_id,
        "name": e.name,
        "title": e.title,
        "title_en": e.title_en,
        "figures": e.figures,
    })
}

fn head(m: &Monitoring) -> Value {
    json!({
        "quarter": m.quarter,
        "live": m.live,
        "taken": ckan_format(&m.taken),
        "period_start": ckan_format(&m.period_start),
        "period_end": ckan_format(&m.period_end),
        "target_share": m.target_share,
    })
}

/// The figures of a quarter (`quarter=2026Q4`, the current one by default)
/// for the council and each publisher (`organization` for one).
pub async fn monitoring_show(ctx: &Ctx, p: &mut Params) -> R {
    let quarter = p.str("quarter");
    let org = p.str("organization").or_else(|| p.str("owner_org"));
    p.reject_unknown()?;
    let m = ctx
        .portal
        .monitoring_show(&ctx.viewer, quarter.as_deref(), org.as_deref())
        .await?;
    let mut v = head(&m);
    v["council"] = json!(m.council);
    v["publishers"] = Value::Array(m.publishers.iter().map(entry_json).collect());
    Ok(v)
}

/// The assessment cards of a quarter: the council's and one per publisher
/// (`organization` for one), each indicator with its value and target.
pub async fn assessment_card_show(ctx: &Ctx, p: &mut Params) -> R {
    let quarter = p.str("quarter");
    let org = p.str("organization").or_else(|| p.str("owner_org"));
    p.reject_unknown()?;
    let m = ctx
        .portal
        .monitoring_show(&ctx.viewer, quarter.as_deref(), org.as_deref())
        .await?;
    let mut v = head(&m);
    v["council"] = json!({"indicators": assessment_card(&m.council)});
    v["publishers"] = Value::Array(
        m.publishers
            .iter()
            .map(|e| {
                json!({
                    "publisher_id": e.publisher_id,
                    "name": e.name,
                    "title": e.title,
                    "title_en": e.title_en,
                    "indicators": assessment_card(&e.figures),
                })
            })
            .collect(),
    );
    Ok(v)
}

fn rating_json(r: &Rating) -> Value {
    let mut v = json!(r);
    v["taken"] = json!(ckan_format(&r.taken));
    v
}

/// The rating of every quarter with figures, oldest first, the current
/// (live) quarter last; `organization` keeps one publisher's entries.
pub async fn publisher_rating_history(ctx: &Ctx, p: &mut Params) -> R {
    let org = p.str("organization").or_else(|| p.str("owner_org"));
    p.reject_unknown()?;
    let h = ctx.portal.publisher_rating_history(org.as_deref()).await?;
    Ok(Value::Array(h.iter().map(rating_json).collect()))
}

/// The rating of a quarter (`quarter=2026Q3`; the current one by default).
pub async fn publisher_rating_list(ctx: &Ctx, p: &mut Params) -> R {
    let quarter = p.str("quarter");
    p.reject_unknown()?;
    let r = ctx.portal.publisher_rating_for(quarter.as_deref()).await?;
    Ok(rating_json(&r))
}
