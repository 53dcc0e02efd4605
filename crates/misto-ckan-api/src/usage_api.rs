//! Usage analytics and subscriptions in the CKAN style:
//! `usage_stats_show` (a dataset's all-time totals for anyone who may read
//! it; the report over a period for coordinators and publishers),
//! `subscription_create`, `subscription_confirm` and `subscription_delete`
//! (the last two take the key of the signed links e-mailed to the
//! subscriber, so they work without an account).

use misto_actions::analytics::{Ranked, TermCount, Totals, UsageQuery, UsageReport};
use misto_actions::engagement::Sender;
use misto_actions::subscriptions::SubscribeInput;
use misto_core::time::{ckan_format, parse_date};
use misto_core::usage::Subscription;
use serde_json::{Value, json};

use crate::Ctx;
use crate::error::ApiError;
use crate::params::Params;

type R = Result<Value, ApiError>;

/// The actions of this module (each also listed in [`crate::ACTIONS`]).
pub const NAMES: &[&str] = &[
    "usage_stats_show",
    "subscription_create",
    "subscription_confirm",
    "subscription_delete",
];

pub fn handles(name: &str) -> bool {
    NAMES.contains(&name)
}

pub async fn dispatch(name: &str, ctx: &mut Ctx, p: &mut Params) -> R {
    match name {
        "usage_stats_show" => usage_stats_show(ctx, p).await,
        "subscription_create" => subscription_create(ctx, p).await,
        "subscription_confirm" => subscription_confirm(ctx, p).await,
        "subscription_delete" => subscription_delete(ctx, p).await,
        other => Err(ApiError::BadRequest(format!(
            "Action name not known: {other}"
        ))),
    }
}

fn totals_json(t: &Totals) -> Value {
    json!({
        "dataset_views": t.dataset_views,
        "resource_views": t.resource_views,
        "downloads": t.downloads,
        "api_calls": t.api_calls,
        "searches": t.searches,
        "zero_result_searches": t.zero_result_searches,
    })
}

fn ranked_json(r: &Ranked) -> Value {
    json!({
        "id": r.id,
        "title": r.label,
        "package_id": r.dataset_id,
        "package_name": r.dataset_name,
        "views": r.views,
        "downloads": r.downloads,
    })
}

fn terms_json(list: &[TermCount], key: &str) -> Value {
    Value::Array(
        list.iter()
            .map(|t| json!({ key: t.term, "count": t.hits }))
            .collect(),
    )
}

/// The report as JSON (also used by the black-box tests' expectations).
pub fn report_json(r: &UsageReport) -> Value {
    json!({
        "start": r.start.format("%Y-%m-%d").to_string(),
        "end": r.end.format("%Y-%m-%d").to_string(),
        "scope": if r.everything { "all" } else { "own_datasets" },
        "totals": totals_json(&r.totals),
        "bots": totals_json(&r.bots),
        "daily": r.daily.iter().map(|d| {
            let mut v = totals_json(&d.totals);
            if let Some(o) = v.as_object_mut() {
                o.insert("date".into(), json!(d.day.format("%Y-%m-%d").to_string()));
                o.insert("bots".into(), json!(d.bots));
            }
            v
        }).collect::<Vec<_>>(),
        "most_viewed": r.most_viewed.iter().map(ranked_json).collect::<Vec<_>>(),
        "most_downloaded": r.most_downloaded.iter().map(ranked_json).collect::<Vec<_>>(),
        "resources": r.resources.iter().map(ranked_json).collect::<Vec<_>>(),
        "api_calls": terms_json(&r.api_calls, "action"),
        "search_terms": terms_json(&r.searches, "term"),
        "zero_result_searches": terms_json(&r.zero_result_searches, "term"),
    })
}

async fn usage_stats_show(ctx: &mut Ctx, p: &mut Params) -> R {
    let dataset = p
        .str("id")
        .or_else(|| p.str("package_id"))
        .filter(|s| !s.trim().is_empty());
    if let Some(id) = dataset {
        p.reject_unknown()?;
        let u = ctx.portal.dataset_usage(&ctx.viewer, &id).await?;
        return Ok(json!({
            "package_id": u.dataset_id,
            "views": u.views,
            "downloads": u.downloads,
            "resources": u.resources.iter().map(|(id, v, d)| json!({
                "id": id, "views": v, "downloads": d,
            })).collect::<Vec<_>>(),
        }));
    }
    let date_param = |p: &mut Params, k: &str| -> Result<Option<_>, ApiError> {
        match p.str(k).filter(|s| !s.trim().is_empty()) {
            None => Ok(None),
            Some(s) => parse_date(s.trim())
                .map(Some)
                .ok_or_else(|| ApiError::invalid(k, "Use the form YYYY-MM-DD")),
        }
    };
    let start = date_param(p, "start")?;
    let end = date_param(p, "end")?;
    let days = if p.has("days") {
        let days = p.int("days", 30, Some(misto_actions::analytics::MAX_DAYS))?;
        if days < 1 {
            return Err(ApiError::invalid("days", "Must be at least 1"));
        }
        Some(days)
    } else {
        None
    };
    let limit = p.int("limit", 10, Some(100))?;
    p.reject_unknown()?;
    let q = UsageQuery {
        start,
        end,
        days,
        limit: Some(usize::try_from(limit).unwrap_or(10)),
    };
    let r = ctx.portal.usage_report(&ctx.viewer, &q).await?;
    Ok(report_json(&r))
}

fn subscription_json(s: &Subscription, label: &str) -> Value {
    json!({
        "id": s.id,
        "kind": s.kind.as_str(),
        "target": s.target,
        "title": label,
        "confirmed": s.confirmed,
        "created": ckan_format(&s.created),
    })
}

async fn subscription_create(ctx: &mut Ctx, p: &mut Params) -> R {
    let email = p.str("email").unwrap_or_default();
    let kind = p.str("kind").unwrap_or_default();
    let target = p.str("target").or_else(|| p.str("id")).unwrap_or_default();
    let lang = p.str("lang");
    let honeypot = p.str("website");
    p.reject_unknown()?;
    let s = ctx
        .portal
        .subscribe(
            &ctx.viewer,
            Sender {
                name: String::new(),
                email,
                address: None,
                honeypot,
            },
            SubscribeInput { kind, target, lang },
        )
        .await?;
    // The address is not echoed: the answer says only what was followed.
    let label = ctx.portal.subscription_label(&s);
    Ok(subscription_json(&s, &label))
}

fn id_and_key(p: &mut Params) -> Result<(String, String), ApiError> {
    let id = p.required("id")?;
    let key = p.required("key")?;
    p.reject_unknown()?;
    Ok((id, key))
}

async fn subscription_confirm(ctx: &mut Ctx, p: &mut Params) -> R {
    let (id, key) = id_and_key(p)?;
    let s = ctx.portal.confirm_subscription(&id, &key).await?;
    let label = ctx.portal.subscription_label(&s);
    Ok(subscription_json(&s, &label))
}

async fn subscription_delete(ctx: &mut Ctx, p: &mut Params) -> R {
    let (id, key) = id_and_key(p)?;
    ctx.portal.unsubscribe(&id, &key).await?;
    Ok(Value::Null)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_action_is_registered() {
        for n in super::NAMES {
            assert!(crate::kind_of(n).is_some(), "{n} missing from ACTIONS");
        }
        assert_eq!(crate::kind_of("usage_stats_show"), Some(crate::Kind::Read));
        assert_eq!(
            crate::kind_of("subscription_delete"),
            Some(crate::Kind::Write)
        );
    }
}
