//! One function per action. Each reads its parameters (refusing unknown
//! ones), calls the action layer, and shapes the result as CKAN does.

use misto_actions::ActionError;
use misto_actions::accounts::NewUser;
use misto_actions::datasets::Expect;
use misto_core::time::{ckan_format, now, parse_datetime};
use misto_core::{EntityState, license};
use misto_search::SearchQuery;
use serde_json::{Map, Value, json};

use crate::Ctx;
use crate::decode::{
    dataset_input, group_input, publisher_input, resource_from_map, resource_input,
};
use crate::dictize;
use crate::error::ApiError;
use crate::monitoring;
use crate::params::Params;
use crate::quality;

type R = Result<Value, ApiError>;

pub const ROWS_MAX: i64 = 1000;
/// How often package_patch re-reads and re-merges when it races another writer.
const PATCH_ATTEMPTS: u64 = 25;
const CKAN_VERSION: &str = "2.11.0";

pub async fn dispatch(name: &str, mut ctx: Ctx, mut p: Params) -> R {
    let upload = ctx.upload.take();
    let is_resource_write = matches!(
        name,
        "resource_create" | "resource_update" | "resource_patch"
    ) || crate::engagement_api::takes_upload(name)
        || name == "resolution835_import";
    if !is_resource_write && let Some(up) = upload.clone() {
        ctx.portal.discard_upload(up).await;
    }
    ctx.upload = if is_resource_write { upload } else { None };
    match name {
        "status_show" => status_show(&ctx, &mut p),
        "site_read" => done(&p, json!(true)),
        "package_list" => package_list(&ctx, &mut p),
        "package_show" => package_show(&ctx, &mut p),
        "package_search" => package_search(&ctx, &mut p),
        "current_package_list_with_resources" => current_package_list(&ctx, &mut p),
        "package_activity_list" => package_activity_list(&ctx, &mut p).await,
        "resource_show" => resource_show(&ctx, &mut p),
        "organization_list" => org_list(&ctx, &mut p),
        "organization_show" => org_show(&ctx, &mut p).await,
        "organization_list_for_user" => org_list_for_user(&ctx, &mut p),
        "group_list" => group_list(&ctx, &mut p),
        "group_show" => group_show(&ctx, &mut p),
        "tag_list" => tag_list(&ctx, &mut p),
        "license_list" => done(&p, json!(license::all())),
        "user_show" => user_show(&ctx, &mut p).await,
        "api_token_list" => api_token_list(&ctx, &mut p).await,
        "dataset_overdue_list" => dataset_overdue_list(&ctx, &mut p),
        "compliance_show" => compliance_show(&ctx, &mut p),
        "register_list" => register_list(&ctx, &mut p).await,
        "feedback_list" => feedback_list(&ctx, &mut p).await,
        "feedback_create" => feedback_create(&ctx, &mut p).await,
        "feedback_update" => feedback_update(&ctx, &mut p).await,
        "dataset_request_list" => request_list(&ctx, &mut p).await,
        "dataset_request_show" => request_show(&ctx, &mut p).await,
        "dataset_request_create" => request_create(&ctx, &mut p).await,
        "dataset_request_vote" => request_vote(&ctx, &mut p).await,
        "dataset_request_update" => request_update(&ctx, &mut p).await,
        "register_entry_create" => register_entry_save(&ctx, &mut p, false).await,
        "register_entry_update" => register_entry_save(&ctx, &mut p, true).await,
        "register_entry_delete" => register_entry_delete(&ctx, &mut p).await,
        "register_publish" => register_publish(&ctx, &mut p).await,
        "resolution835_list" => resolution835_list(&ctx, &mut p),
        "resolution835_import" => resolution835_import(&mut ctx, &mut p).await,
        "resource_validation_show" => quality::resource_validation_show(&ctx, &mut p).await,
        "resource_version_list" => quality::resource_version_list(&ctx, &mut p).await,
        "resource_fix_preview" => quality::resource_fix_preview(&ctx, &mut p).await,
        "resource_fix_apply" => quality::resource_fix_apply(&ctx, &mut p).await,
        "dataset_structure_show" => quality::dataset_structure_show(&ctx, &mut p).await,
        "dataset_structure_update" => quality::dataset_structure_update(&ctx, &mut p).await,
        "dataset_quality_show" => quality::dataset_quality_show(&ctx, &mut p).await,
        "publisher_rating_list" => monitoring::publisher_rating_list(&ctx, &mut p).await,
        "publisher_rating_history" => monitoring::publisher_rating_history(&ctx, &mut p).await,
        "monitoring_show" => monitoring::monitoring_show(&ctx, &mut p).await,
        "assessment_card_show" => monitoring::assessment_card_show(&ctx, &mut p).await,
        "package_create" => package_create(&ctx, &mut p).await,
        "package_update" => package_update(&ctx, &mut p).await,
        "package_patch" => package_patch(&ctx, &mut p).await,
        "package_delete" => package_delete(&ctx, &mut p).await,
        "package_resource_reorder" => package_resource_reorder(&ctx, &mut p).await,
        "resource_create" => resource_create(ctx, &mut p).await,
        "resource_update" => resource_update(ctx, &mut p, false).await,
        "resource_patch" => resource_update(ctx, &mut p, true).await,
        "resource_delete" => resource_delete(&ctx, &mut p).await,
        "organization_create" => org_create(&ctx, &mut p).await,
        "organization_update" => org_update(&ctx, &mut p, false).await,
        "organization_patch" => org_update(&ctx, &mut p, true).await,
        "organization_member_create" => member_create(&ctx, &mut p).await,
        "organization_member_delete" => member_delete(&ctx, &mut p).await,
        "group_create" => group_create(&ctx, &mut p).await,
        "group_update" => group_update(&ctx, &mut p).await,
        "user_create" => user_create(&ctx, &mut p).await,
        "api_token_create" => api_token_create(&ctx, &mut p).await,
        "api_token_revoke" => api_token_revoke(&ctx, &mut p).await,
        "config_option_list" => crate::site::config_option_list(&ctx, &mut p),
        "config_option_show" => crate::site::config_option_show(&ctx, &mut p),
        "config_option_update" => crate::site::config_option_update(&ctx, &mut p).await,
        n if crate::engagement_api::handles(n) => {
            crate::engagement_api::dispatch(n, &mut ctx, &mut p).await
        }
        n if crate::usage_api::handles(n) => crate::usage_api::dispatch(n, &mut ctx, &mut p).await,
        n if crate::dashboards_api::handles(n) => {
            crate::dashboards_api::dispatch(n, &mut ctx, &mut p).await
        }
        "datastore_search" => crate::datastore::search(&ctx, &mut p).await,
        "datastore_search_sql" => crate::datastore::search_sql(&ctx, &mut p).await,
        "datastore_info" => crate::datastore::info(&ctx, &mut p).await,
        "datastore_create" => crate::datastore::create(&ctx, &mut p).await,
        "datastore_upsert" => crate::datastore::upsert(&ctx, &mut p).await,
        "datastore_delete" => crate::datastore::delete(&ctx, &mut p, false).await,
        "datastore_records_delete" => crate::datastore::delete(&ctx, &mut p, true).await,
        "datastore_aggregate" => crate::datastore::aggregate(&ctx, &mut p).await,
        h if h.starts_with("harvest_") || h == "publisher_push" => {
            crate::harvest::dispatch(h, &ctx, &mut p).await
        }
        n if crate::review_api::handles(n) => {
            crate::review_api::dispatch(n, &mut ctx, &mut p).await
        }
        n if crate::linkcheck_api::handles(n) => {
            crate::linkcheck_api::dispatch(n, &mut ctx, &mut p).await
        }
        other => Err(ApiError::BadRequest(format!(
            "Action name not known: {other}"
        ))),
    }
}

fn done(p: &Params, v: Value) -> R {
    p.reject_unknown()?;
    Ok(v)
}

fn id_param(p: &mut Params) -> Result<String, ApiError> {
    match p.str("id") {
        Some(id) if !id.trim().is_empty() => Ok(id),
        _ => p
            .str("name")
            .filter(|n| !n.trim().is_empty())
            .ok_or_else(|| ApiError::missing("id")),
    }
}

fn status_show(ctx: &Ctx, p: &mut Params) -> R {
    let c = ctx.portal.config();
    let s = ctx.portal.site_settings();
    done(
        p,
        json!({
            "site_title": s.title,
            "site_description": s.description,
            "site_url": c.site_url,
            "error_emails_to": null,
            "locale_default": c.locale_default,
            "extensions": ["misto", "datagovua_schema", "activity"],
            "ckan_version": CKAN_VERSION,
            "misto_version": env!("CARGO_PKG_VERSION"),
        }),
    )
}

/// The flags every `*_show` of ckanapi's `dump` and `load` sends, whatever
/// the object (`include_datasets`, `include_password_hash`,
/// `include_users`); CKAN's package_show ignores them.
const CKANAPI_SHOW_FLAGS: &[&str] = &["include_datasets", "include_password_hash", "include_users"];

/// CKAN 2.11's package_list reads `limit` and `offset` and ignores the rest
/// (ckanapi's `dump datasets --all` sends `include_private`,
/// `include_drafts`, `include_deleted`). Here the three flags mean what
/// they mean in package_search: private datasets and drafts the caller may
/// read, deleted ones for sysadmins.
fn package_list(ctx: &Ctx, p: &mut Params) -> R {
    let limit = p.int("limit", i64::MAX, None)? as usize;
    let offset = p.int("offset", 0, None)? as usize;
    let include = (
        p.bool("include_private", false)?,
        p.bool("include_drafts", false)?,
        p.bool("include_deleted", false)?,
    );
    done(
        p,
        json!(
            ctx.portal
                .package_names_for(&ctx.viewer, include, limit, offset)
        ),
    )
}

/// The dataset package_show answers with, after checking parameters and
/// visibility.
pub fn package_show_target(
    ctx: &Ctx,
    p: &mut Params,
) -> Result<std::sync::Arc<misto_core::Dataset>, ApiError> {
    let id = id_param(p)?;
    p.flags(&[
        "use_default_schema",
        "include_tracking",
        "include_plugin_data",
    ])?;
    p.flags(CKANAPI_SHOW_FLAGS)?;
    p.reject_unknown()?;
    Ok(ctx.portal.show_dataset(&ctx.viewer, &id)?)
}

fn package_show(ctx: &Ctx, p: &mut Params) -> R {
    let d = package_show_target(ctx, p)?;
    let site = ctx.site();
    let t = now();
    Ok(ctx
        .portal
        .catalog()
        .read(|ix| dictize::package(ix, site, &d, t)))
}

/// Solr parameters CKAN passes through that have no meaning here (`wt`:
/// the answer is always JSON; `extras`: the `ext_*` parameters of
/// plugins, as are top-level `ext_*` keys).
const IGNORED_SEARCH_PARAMS: &[&str] = &[
    "qf",
    "bf",
    "boost",
    "tie",
    "mm",
    "df",
    "defType",
    "q.op",
    "hl",
    "facet.sort",
    "wt",
    "extras",
];

fn search_query(
    p: &mut Params,
    default_rows: i64,
) -> Result<(SearchQuery, Option<String>, bool), ApiError> {
    let q = p.str("q");
    let mut fq: Vec<String> = p
        .str("fq")
        .into_iter()
        .filter(|s| !s.trim().is_empty())
        .collect();
    fq.extend(p.list("fq_list", false)?);
    let sort = p.str("sort").filter(|s| !s.trim().is_empty());
    let rows = p.int("rows", default_rows, None)?;
    if rows > ROWS_MAX {
        return Err(ApiError::invalid(
            "rows",
            format!("Must be less than or equal to {ROWS_MAX}"),
        ));
    }
    let start = p.int("start", 0, None)?;
    let facet = p.bool("facet", true)?;
    let facet_fields = if facet {
        p.list("facet.field", false)?
    } else {
        vec![]
    };
    let facet_limit = match p.str("facet.limit") {
        None => 50,
        Some(s) => s
            .trim()
            .parse::<i64>()
            .map_err(|_| ApiError::invalid("facet.limit", "Invalid integer"))?,
    };
    let facet_mincount = p.int("facet.mincount", 1, None)? as usize;
    let include_private = p.bool("include_private", false)?;
    let include_drafts = p.bool("include_drafts", false)?;
    let include_deleted = p.bool("include_deleted", false)?;
    let fl = p.str("fl");
    p.flags(&["use_default_schema", "include_plugin_data"])?;
    p.ignore(IGNORED_SEARCH_PARAMS);
    let unknown: Vec<String> = p
        .unknown()
        .into_iter()
        .filter(|k| !k.starts_with("ext_"))
        .collect();
    if !unknown.is_empty() {
        return Err(ApiError::Action(ActionError::SearchQuery(format!(
            "Invalid search parameters: {unknown:?}"
        ))));
    }
    let query = SearchQuery {
        q,
        fq,
        sort,
        rows: rows as usize,
        start: start as usize,
        facet_fields,
        facet_limit,
        facet_mincount,
        include_private,
        include_drafts,
        include_deleted,
        now: now(),
    };
    Ok((query, fl, facet))
}

fn facet_display(ix: &misto_search::Index, field: &str, value: &str) -> String {
    match field {
        "organization" => ix.publisher(value).map(|o| o.title.clone()),
        "groups" => ix.group(value).map(|g| g.title.clone()),
        "license_id" => license::find(value).map(|l| l.title.to_string()),
        "update_frequency" => {
            misto_core::UpdateFrequency::parse(value).map(|f| f.label_uk().to_string())
        }
        _ => None,
    }
    .unwrap_or_else(|| value.to_string())
}

fn package_search(ctx: &Ctx, p: &mut Params) -> R {
    let (query, fl, facet) = search_query(p, 10)?;
    let res = ctx.portal.search_datasets(&ctx.viewer, &query)?;
    let site = ctx.site();
    Ok(ctx.portal.catalog().read(|ix| {
        let results: Vec<Value> = match fl.as_deref().map(str::trim) {
            Some("id") => res.results.iter().map(|d| json!(d.id)).collect(),
            Some("name") => res.results.iter().map(|d| json!(d.name)).collect(),
            _ => res
                .results
                .iter()
                .map(|d| dictize::package(ix, site, d, query.now))
                .collect(),
        };
        let mut facets = Map::new();
        let mut search_facets = Map::new();
        if facet {
            for (field, items) in &res.facets {
                let counts: Map<String, Value> =
                    items.iter().map(|(v, c)| (v.clone(), json!(c))).collect();
                facets.insert(field.clone(), Value::Object(counts));
                let mut list: Vec<(String, &String, &usize)> = items
                    .iter()
                    .map(|(v, c)| (facet_display(ix, field, v), v, c))
                    .collect();
                list.sort_by(|a, b| b.2.cmp(a.2).then_with(|| a.0.cmp(&b.0)));
                let items: Vec<Value> = list
                    .into_iter()
                    .map(|(display, v, c)| json!({"name": v, "display_name": display, "count": c}))
                    .collect();
                search_facets.insert(field.clone(), json!({"title": field, "items": items}));
            }
        }
        json!({
            "count": res.count,
            "sort": res.sort,
            "results": results,
            "facets": facets,
            "search_facets": search_facets,
        })
    }))
}

fn current_package_list(ctx: &Ctx, p: &mut Params) -> R {
    let limit = p.int("limit", 10, Some(ROWS_MAX))?;
    let mut offset = p.int("offset", 0, None)?;
    if let Some(page) = p.str("page") {
        let page: i64 = page
            .trim()
            .parse()
            .map_err(|_| ApiError::invalid("page", "Invalid integer"))?;
        if page < 1 {
            return Err(ApiError::invalid("page", "Must be larger than 0"));
        }
        offset = (page - 1) * limit;
    }
    p.reject_unknown()?;
    let query = SearchQuery {
        q: None,
        fq: vec![],
        sort: None,
        rows: limit as usize,
        start: offset as usize,
        facet_fields: vec![],
        facet_limit: 0,
        facet_mincount: 1,
        include_private: false,
        include_drafts: false,
        include_deleted: false,
        now: now(),
    };
    let res = ctx.portal.search_datasets(&ctx.viewer, &query)?;
    let site = ctx.site();
    Ok(ctx.portal.catalog().read(|ix| {
        Value::Array(
            res.results
                .iter()
                .map(|d| dictize::package(ix, site, d, query.now))
                .collect(),
        )
    }))
}

async fn package_activity_list(ctx: &Ctx, p: &mut Params) -> R {
    let id = id_param(p)?;
    let offset = p.int("offset", 0, None)?;
    let limit = p.int("limit", 31, Some(100))?;
    p.ignore(&[
        "include_hidden_activity",
        "activity_types",
        "exclude_activity_types",
    ]);
    p.reject_unknown()?;
    let list = ctx
        .portal
        .dataset_activity(&ctx.viewer, &id, limit, offset)
        .await?;
    let site = ctx.site();
    let t = now();
    Ok(ctx.portal.catalog().read(|ix| {
        Value::Array(
            list.iter()
                .map(|a| dictize::activity(ix, site, a, t))
                .collect(),
        )
    }))
}

fn resource_show(ctx: &Ctx, p: &mut Params) -> R {
    let id = p.required("id")?;
    p.flags(&["include_tracking"])?;
    p.reject_unknown()?;
    let (d, r) = ctx.portal.show_resource(&ctx.viewer, &id)?;
    Ok(dictize::resource(ctx.site(), &d, &r))
}

struct ListOpts {
    sort_field: String,
    desc: bool,
    limit: usize,
    offset: usize,
    q: Option<String>,
    all_fields: bool,
    only: Vec<String>,
}

fn list_opts(p: &mut Params, only_key: &str) -> Result<ListOpts, ApiError> {
    let sort = p.str("sort").unwrap_or_else(|| "title asc".into());
    let mut parts = sort.split_whitespace();
    let sort_field = parts.next().unwrap_or("title").to_string();
    let desc = matches!(parts.next(), Some("desc"));
    if !matches!(sort_field.as_str(), "name" | "title" | "package_count") {
        return Err(ApiError::invalid(
            "sort",
            "Must be name, title or package_count, with asc or desc",
        ));
    }
    let all_fields = p.bool("all_fields", false)?;
    let max = if all_fields { 25 } else { 1000 };
    let limit = p.int("limit", max, None)?.min(max) as usize;
    let offset = p.int("offset", 0, None)? as usize;
    let q = p.str("q").filter(|s| !s.trim().is_empty());
    let only = p.list(only_key, true)?;
    p.ignore(&["type"]);
    p.flags(&[
        "include_dataset_count",
        "include_extras",
        "include_users",
        "include_groups",
        "include_tags",
        "include_member_count",
    ])?;
    p.reject_unknown()?;
    Ok(ListOpts {
        sort_field,
        desc,
        limit,
        offset,
        q,
        all_fields,
        only,
    })
}

/// Shared by organization_list and group_list: (name, title, description, count, dict).
fn finish_list(mut rows: Vec<(String, String, String, usize, Value)>, o: ListOpts) -> Value {
    if let Some(q) = &o.q {
        let q = q.to_lowercase();
        rows.retain(|r| {
            r.0.to_lowercase().contains(&q)
                || r.1.to_lowercase().contains(&q)
                || r.2.to_lowercase().contains(&q)
        });
    }
    if !o.only.is_empty() {
        rows.retain(|r| o.only.contains(&r.0));
    }
    match o.sort_field.as_str() {
        "name" => rows.sort_by(|a, b| a.0.cmp(&b.0)),
        "package_count" => rows.sort_by(|a, b| a.3.cmp(&b.3).then_with(|| a.0.cmp(&b.0))),
        _ => rows.sort_by(|a, b| {
            a.1.to_lowercase()
                .cmp(&b.1.to_lowercase())
                .then_with(|| a.0.cmp(&b.0))
        }),
    }
    if o.desc {
        rows.reverse();
    }
    let page = rows.into_iter().skip(o.offset).take(o.limit);
    if o.all_fields {
        Value::Array(page.map(|r| r.4).collect())
    } else {
        Value::Array(page.map(|r| json!(r.0)).collect())
    }
}

fn org_list(ctx: &Ctx, p: &mut Params) -> R {
    let o = list_opts(p, "organizations")?;
    let rows = ctx.portal.catalog().read(|ix| {
        let counts = ix.dataset_counts_by_publisher(&ctx.viewer);
        ix.publishers()
            .iter()
            .filter(|x| x.state == EntityState::Active)
            .map(|x| {
                let c = counts.get(&x.id).copied().unwrap_or(0);
                (
                    x.name.clone(),
                    x.title.clone(),
                    x.description.clone(),
                    c,
                    dictize::organization(x, c),
                )
            })
            .collect::<Vec<_>>()
    });
    Ok(finish_list(rows, o))
}

fn group_list(ctx: &Ctx, p: &mut Params) -> R {
    let o = list_opts(p, "groups")?;
    let rows = ctx.portal.catalog().read(|ix| {
        let counts = ix.dataset_counts_by_group(&ctx.viewer);
        ix.groups()
            .iter()
            .filter(|x| x.state == EntityState::Active)
            .map(|x| {
                let c = counts.get(&x.id).copied().unwrap_or(0);
                (
                    x.name.clone(),
                    x.title.clone(),
                    x.description.clone(),
                    c,
                    dictize::group(x, c),
                )
            })
            .collect::<Vec<_>>()
    });
    Ok(finish_list(rows, o))
}

fn org_list_for_user(ctx: &Ctx, p: &mut Params) -> R {
    p.ignore(&["permission", "id"]);
    p.flags(&["include_dataset_count"])?;
    p.reject_unknown()?;
    Ok(ctx.portal.catalog().read(|ix| {
        let counts = ix.dataset_counts_by_publisher(&ctx.viewer);
        Value::Array(
            ix.publishers()
                .iter()
                .filter(|x| {
                    x.state == EntityState::Active
                        && (ctx.viewer.sysadmin || ctx.viewer.role_in(&x.id).is_some())
                })
                .map(|x| dictize::organization(x, counts.get(&x.id).copied().unwrap_or(0)))
                .collect(),
        )
    }))
}

fn datasets_of(ctx: &Ctx, fq: String) -> Result<Vec<Value>, ApiError> {
    let query = SearchQuery {
        q: None,
        fq: vec![fq],
        sort: Some("name asc".into()),
        rows: ROWS_MAX as usize,
        start: 0,
        facet_fields: vec![],
        facet_limit: 0,
        facet_mincount: 1,
        include_private: true,
        include_drafts: false,
        include_deleted: false,
        now: now(),
    };
    let res = ctx.portal.search_datasets(&ctx.viewer, &query)?;
    let site = ctx.site();
    Ok(ctx.portal.catalog().read(|ix| {
        res.results
            .iter()
            .map(|d| dictize::package(ix, site, d, query.now))
            .collect()
    }))
}

/// The flags of CKAN 2.11's organization_show and group_show that change
/// nothing here (misto's organizations and groups have no extras, tags,
/// sub-groups or followers, and every dict carries its dataset count), and
/// ckanapi's `include_password_hash`.
const GROUP_SHOW_FLAGS: &[&str] = &[
    "include_dataset_count",
    "include_extras",
    "include_groups",
    "include_tags",
    "include_followers",
    "include_member_count",
    "include_password_hash",
];

async fn org_show(ctx: &Ctx, p: &mut Params) -> R {
    let id = p.required("id")?;
    let include_datasets = p.bool("include_datasets", false)?;
    let include_users = p.bool("include_users", true)?;
    p.ignore(&["object_type"]);
    p.flags(GROUP_SHOW_FLAGS)?;
    p.reject_unknown()?;
    let org = ctx.portal.show_publisher(&id)?;
    let count = ctx.portal.catalog().read(|ix| {
        ix.dataset_counts_by_publisher(&ctx.viewer)
            .get(&org.id)
            .copied()
            .unwrap_or(0)
    });
    let mut v = dictize::organization(&org, count);
    if let Value::Object(m) = &mut v {
        if include_users {
            let members = ctx.portal.publisher_members(&ctx.viewer, &org.id).await?;
            let users: Vec<Value> = members
                .iter()
                .map(|(u, role)| json!({"id": u.id, "name": u.name, "fullname": u.fullname, "capacity": role.as_str()}))
                .collect();
            m.insert("users".into(), Value::Array(users));
        }
        if include_datasets {
            m.insert(
                "packages".into(),
                Value::Array(datasets_of(ctx, format!("owner_org:\"{}\"", org.id))?),
            );
        }
    }
    Ok(v)
}

fn group_show(ctx: &Ctx, p: &mut Params) -> R {
    let id = p.required("id")?;
    let include_datasets = p.bool("include_datasets", false)?;
    p.ignore(&["object_type"]);
    p.flags(GROUP_SHOW_FLAGS)?;
    p.flags(&["include_users"])?;
    p.reject_unknown()?;
    let g = ctx.portal.show_group(&id)?;
    let count = ctx.portal.catalog().read(|ix| {
        ix.dataset_counts_by_group(&ctx.viewer)
            .get(&g.id)
            .copied()
            .unwrap_or(0)
    });
    let mut v = dictize::group(&g, count);
    if include_datasets && let Value::Object(m) = &mut v {
        m.insert(
            "packages".into(),
            Value::Array(datasets_of(ctx, format!("groups:\"{}\"", g.name))?),
        );
    }
    Ok(v)
}

fn tag_list(ctx: &Ctx, p: &mut Params) -> R {
    let q = p.str("query").or_else(|| p.str("q"));
    let all_fields = p.bool("all_fields", false)?;
    p.ignore(&["vocabulary_id"]);
    p.reject_unknown()?;
    let tags = ctx.portal.tag_names(&ctx.viewer, q.as_deref());
    Ok(if all_fields {
        Value::Array(
            tags.iter()
                .map(|t| json!({"name": t, "display_name": t, "vocabulary_id": null}))
                .collect(),
        )
    } else {
        json!(tags)
    })
}

async fn user_show(ctx: &Ctx, p: &mut Params) -> R {
    let id = match p.str("id") {
        Some(id) => id,
        None => ctx
            .viewer
            .user_id
            .clone()
            .ok_or_else(|| ApiError::missing("id"))?,
    };
    p.ignore(&["user_obj"]);
    // A password hash is never shown, whoever asks.
    p.flags(&[
        "include_datasets",
        "include_num_followers",
        "include_plugin_extras",
    ])?;
    p.flags(CKANAPI_SHOW_FLAGS)?;
    p.reject_unknown()?;
    let u = ctx.portal.public_user(&ctx.viewer, &id).await?;
    let own = ctx.viewer.sysadmin || ctx.viewer.user_id.as_deref() == Some(u.id.as_str());
    Ok(dictize::user(&u, own))
}

async fn api_token_list(ctx: &Ctx, p: &mut Params) -> R {
    let user = p
        .str("user_id")
        .or_else(|| p.str("user"))
        .or_else(|| ctx.viewer.user_id.clone())
        .ok_or_else(|| ApiError::missing("user_id"))?;
    p.reject_unknown()?;
    let tokens = ctx.portal.list_tokens(&ctx.viewer, &user).await?;
    Ok(Value::Array(
        tokens
            .iter()
            .map(|t| {
                json!({"id": t.id, "name": t.name, "user_id": t.user_id, "created_at": ckan_format(&t.created),
                       "expires_at": t.expires_at.as_ref().map(ckan_format), "last_access": t.last_used.as_ref().map(ckan_format)})
            })
            .collect(),
    ))
}

fn package_dict(ctx: &Ctx, d: &misto_core::Dataset) -> Value {
    let site = ctx.site();
    let t = now();
    ctx.portal
        .catalog()
        .read(|ix| dictize::package(ix, site, d, t))
}

async fn package_create(ctx: &Ctx, p: &mut Params) -> R {
    let input = dataset_input(p)?;
    p.reject_unknown()?;
    if input.name.trim().is_empty() {
        return Err(ApiError::missing("name"));
    }
    let d = ctx.portal.create_dataset(&ctx.viewer, input).await?;
    Ok(package_dict(ctx, &d))
}

async fn package_update(ctx: &Ctx, p: &mut Params) -> R {
    let id = id_param(p)?;
    let expect = match p.str("metadata_modified") {
        Some(m) => Expect::Modified(
            parse_datetime(&m)
                .ok_or_else(|| ApiError::invalid("metadata_modified", "Must be a date-time"))?,
        ),
        None => Expect::Any,
    };
    let mut input = dataset_input(p)?;
    p.reject_unknown()?;
    if input.name.trim().is_empty() {
        let current = ctx.portal.show_dataset(&ctx.viewer, &id)?;
        input.name = current.name.clone();
    }
    let d = ctx
        .portal
        .update_dataset(&ctx.viewer, &id, input, expect)
        .await?;
    Ok(package_dict(ctx, &d))
}

/// package_show + merge of the given top-level keys + package_update,
/// retried if someone else saved in between.
async fn package_patch(ctx: &Ctx, p: &mut Params) -> R {
    let id = id_param(p)?;
    let given = std::mem::replace(p, Params::new(Map::new())).into_map();
    for attempt in 0..PATCH_ATTEMPTS {
        let current = ctx.portal.show_dataset(&ctx.viewer, &id)?;
        let mut merged = match package_dict(ctx, &current) {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        // tag_string is derived from tags; let an explicit one win.
        if given.contains_key("tag_string") && !given.contains_key("tags") {
            merged.remove("tags");
        }
        for (k, v) in &given {
            merged.insert(k.clone(), v.clone());
        }
        merged.remove("metadata_modified");
        let mut mp = Params::new(merged);
        let input = dataset_input(&mut mp)?;
        mp.reject_unknown()?;
        match ctx
            .portal
            .update_dataset(
                &ctx.viewer,
                &current.id,
                input,
                Expect::Revision(current.revision),
            )
            .await
        {
            Ok(d) => return Ok(package_dict(ctx, &d)),
            Err(ActionError::Validation(e))
                if e.0.contains_key("metadata_modified") && attempt + 1 < PATCH_ATTEMPTS =>
            {
                ctx.portal.refresh().await?;
                tokio::time::sleep(std::time::Duration::from_millis(1 + attempt * 3)).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::invalid(
        "metadata_modified",
        "The dataset keeps changing; try again",
    ))
}

async fn package_delete(ctx: &Ctx, p: &mut Params) -> R {
    let id = id_param(p)?;
    p.reject_unknown()?;
    ctx.portal.delete_dataset(&ctx.viewer, &id).await?;
    Ok(Value::Null)
}

async fn package_resource_reorder(ctx: &Ctx, p: &mut Params) -> R {
    let id = id_param(p)?;
    let order = p.list("order", true)?;
    p.reject_unknown()?;
    let d = ctx
        .portal
        .reorder_resources(&ctx.viewer, &id, &order)
        .await?;
    Ok(json!({"id": d.id, "order": d.resources.iter().map(|r| r.id.clone()).collect::<Vec<_>>()}))
}

async fn resource_create(mut ctx: Ctx, p: &mut Params) -> R {
    let upload = ctx.upload.take();
    let package_id = match p.str("package_id") {
        Some(s) if !s.trim().is_empty() => s,
        _ => {
            if let Some(up) = upload {
                ctx.portal.discard_upload(up).await;
            }
            return Err(ApiError::missing("package_id"));
        }
    };
    let input = match resource_input(p) {
        Ok(i) => i,
        Err(e) => {
            if let Some(up) = upload {
                ctx.portal.discard_upload(up).await;
            }
            return Err(e);
        }
    };
    let (d, rid) = ctx
        .portal
        .create_resource(&ctx.viewer, &package_id, input, upload)
        .await?;
    let r = d
        .resources
        .iter()
        .find(|r| r.id == rid)
        .ok_or_else(|| ApiError::Action(ActionError::not_found("resource")))?;
    Ok(dictize::resource(ctx.site(), &d, r))
}

async fn resource_update(mut ctx: Ctx, p: &mut Params, patch: bool) -> R {
    let upload = ctx.upload.take();
    let id = match p.str("id") {
        Some(s) if !s.trim().is_empty() => s,
        _ => {
            if let Some(up) = upload {
                ctx.portal.discard_upload(up).await;
            }
            return Err(ApiError::missing("id"));
        }
    };
    let input = if patch {
        // Merged onto the resource as this caller changes it (an editor of
        // a moderated publisher: as in the open proposal).
        let current = match ctx.portal.resource_for_edit(&ctx.viewer, &id).await {
            Ok((d, r)) => dictize::resource(ctx.site(), &d, &r),
            Err(e) => {
                if let Some(up) = upload {
                    ctx.portal.discard_upload(up).await;
                }
                return Err(e.into());
            }
        };
        let mut merged = match current {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        for (k, v) in std::mem::replace(p, Params::new(Map::new())).into_map() {
            merged.insert(k, v);
        }
        resource_from_map(merged)
    } else {
        resource_input(p)
    };
    let input = match input {
        Ok(i) => i,
        Err(e) => {
            if let Some(up) = upload {
                ctx.portal.discard_upload(up).await;
            }
            return Err(e);
        }
    };
    let d = ctx
        .portal
        .update_resource(&ctx.viewer, &id, input, upload)
        .await?;
    let r = d
        .resources
        .iter()
        .find(|r| r.id == id)
        .ok_or_else(|| ApiError::Action(ActionError::not_found("resource")))?;
    Ok(dictize::resource(ctx.site(), &d, r))
}

async fn resource_delete(ctx: &Ctx, p: &mut Params) -> R {
    let id = p.required("id")?;
    p.reject_unknown()?;
    ctx.portal.delete_resource(&ctx.viewer, &id).await?;
    Ok(Value::Null)
}

async fn org_create(ctx: &Ctx, p: &mut Params) -> R {
    let input = publisher_input(p)?;
    p.reject_unknown()?;
    let org = ctx.portal.create_publisher(&ctx.viewer, input).await?;
    Ok(dictize::organization(&org, 0))
}

async fn org_update(ctx: &Ctx, p: &mut Params, patch: bool) -> R {
    let id = p.required("id")?;
    let input = if patch {
        let current = ctx.portal.show_publisher(&id)?;
        let mut merged = match dictize::organization(&current, 0) {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        for (k, v) in std::mem::replace(p, Params::new(Map::new())).into_map() {
            merged.insert(k, v);
        }
        let mut mp = Params::new(merged);
        let input = publisher_input(&mut mp)?;
        mp.ignore(&[
            "kind", "email", "phone", "website", "address", "title_en", "edrpou",
        ]);
        mp.reject_unknown()?;
        input
    } else {
        let input = publisher_input(p)?;
        p.reject_unknown()?;
        input
    };
    let mut input = input;
    if input.name.trim().is_empty() {
        input.name = ctx.portal.show_publisher(&id)?.name;
    }
    let org = ctx.portal.update_publisher(&ctx.viewer, &id, input).await?;
    let count = ctx.portal.catalog().read(|ix| {
        ix.dataset_counts_by_publisher(&ctx.viewer)
            .get(&org.id)
            .copied()
            .unwrap_or(0)
    });
    Ok(dictize::organization(&org, count))
}

async fn member_create(ctx: &Ctx, p: &mut Params) -> R {
    let id = p.required("id")?;
    let user = p
        .str("username")
        .or_else(|| p.str("user"))
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::missing("username"))?;
    let role = p.required("role")?;
    p.reject_unknown()?;
    ctx.portal
        .set_member(&ctx.viewer, &id, &user, &role)
        .await?;
    let org = ctx.portal.show_publisher(&id)?;
    Ok(
        json!({"group_id": org.id, "table_name": "user", "table_id": user, "capacity": role, "state": "active"}),
    )
}

async fn member_delete(ctx: &Ctx, p: &mut Params) -> R {
    let id = p.required("id")?;
    let user = p
        .str("username")
        .or_else(|| p.str("user"))
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::missing("username"))?;
    p.reject_unknown()?;
    ctx.portal.remove_member(&ctx.viewer, &id, &user).await?;
    Ok(Value::Null)
}

async fn group_create(ctx: &Ctx, p: &mut Params) -> R {
    let input = group_input(p)?;
    p.reject_unknown()?;
    let g = ctx.portal.create_group(&ctx.viewer, input).await?;
    Ok(dictize::group(&g, 0))
}

/// group_update (sysadmins): a full replace of the theme's fields, with
/// what group_show returns accepted as group_create accepts it.
async fn group_update(ctx: &Ctx, p: &mut Params) -> R {
    let id = p.required("id")?;
    let input = group_input(p)?;
    p.reject_unknown()?;
    let g = ctx.portal.update_group(&ctx.viewer, &id, input).await?;
    let count = ctx.portal.catalog().read(|ix| {
        ix.dataset_counts_by_group(&ctx.viewer)
            .get(&g.id)
            .copied()
            .unwrap_or(0)
    });
    Ok(dictize::group(&g, count))
}

async fn user_create(ctx: &Ctx, p: &mut Params) -> R {
    let input = NewUser {
        name: p.str("name").unwrap_or_default(),
        email: p.str("email").unwrap_or_default(),
        fullname: p.str("fullname"),
        password: p.str("password"),
        sysadmin: p.bool("sysadmin", false)?,
    };
    p.ignore(&["about", "state"]);
    p.reject_unknown()?;
    let u = ctx.portal.create_user(&ctx.viewer, input).await?;
    Ok(dictize::user(&u, true))
}

async fn api_token_create(ctx: &Ctx, p: &mut Params) -> R {
    let user = p
        .str("user")
        .or_else(|| ctx.viewer.user_id.clone())
        .ok_or_else(|| ApiError::missing("user"))?;
    let name = p.required("name")?;
    let expires_in = p.int("expires_in", 0, None)?;
    let unit = p.int("unit", 1, None)?;
    p.reject_unknown()?;
    let expires_at = (expires_in > 0).then(|| {
        now() + misto_core::time::Duration::seconds(expires_in.saturating_mul(unit.max(1)))
    });
    let (_, secret) = ctx
        .portal
        .create_token(&ctx.viewer, &user, &name, expires_at)
        .await?;
    Ok(json!({"token": secret}))
}

async fn api_token_revoke(ctx: &Ctx, p: &mut Params) -> R {
    let token = p
        .str("token")
        .or_else(|| p.str("jti"))
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::missing("token"))?;
    p.reject_unknown()?;
    ctx.portal.revoke_token(&ctx.viewer, &token).await?;
    Ok(Value::Null)
}

fn publisher_param(p: &mut Params) -> Option<String> {
    p.str("organization")
        .or_else(|| p.str("owner_org"))
        .filter(|s| !s.trim().is_empty())
}

/// Datasets overdue for update or due within `horizon_days` (default 30),
/// soonest first, optionally of one publisher (`organization`).
fn dataset_overdue_list(ctx: &Ctx, p: &mut Params) -> R {
    let publisher = publisher_param(p);
    let horizon = p.int("horizon_days", 30, Some(3660))?;
    let limit = p.int("limit", 1000, Some(ROWS_MAX))? as usize;
    let offset = p.int("offset", 0, None)? as usize;
    p.reject_unknown()?;
    let t = now();
    let list = ctx
        .portal
        .overdue_list(&ctx.viewer, publisher.as_deref(), horizon, t)?;
    Ok(ctx.portal.catalog().read(|ix| {
        let items: Vec<Value> = list
            .iter()
            .skip(offset)
            .take(limit)
            .map(|e| {
                let d = &e.dataset;
                let org = ix.publisher(&d.owner_org);
                json!({
                    "id": d.id,
                    "name": d.name,
                    "title": d.title,
                    "private": d.private,
                    "organization": org.map(|o| o.name.clone()),
                    "organization_title": org.map(|o| o.title.clone()),
                    "update_frequency": d.update_frequency.map(|f| f.as_str()),
                    "data_last_updated": ckan_format(&d.data_last_updated()),
                    "next_update_due": ckan_format(&e.due),
                    "status": e.status.as_str(),
                    "days": (e.due - t).num_days(),
                    "maintainer": d.maintainer,
                    "maintainer_email": d.maintainer_email,
                })
            })
            .collect();
        json!({"count": list.len(), "horizon_days": horizon, "results": items})
    }))
}

/// Resolution 835 compliance: per item (fulfilled, overdue, missing, with
/// the public datasets that fulfil it) and per publisher.
fn compliance_show(ctx: &Ctx, p: &mut Params) -> R {
    let publisher = publisher_param(p);
    p.reject_unknown()?;
    let t = now();
    let c = ctx.portal.compliance(publisher.as_deref(), t)?;
    use misto_actions::timeliness::ItemStatus;
    let total = c.items.len();
    let fulfilled = c.count(ItemStatus::Fulfilled);
    Ok(ctx.portal.catalog().read(|ix| {
        let items: Vec<Value> = c
            .items
            .iter()
            .map(|i| {
                let datasets: Vec<Value> = i
                    .datasets
                    .iter()
                    .map(|d| {
                        json!({
                            "id": d.id,
                            "name": d.name,
                            "title": d.title,
                            "organization": ix.publisher(&d.owner_org).map(|o| o.name.clone()),
                            "overdue": d.is_overdue(t),
                        })
                    })
                    .collect();
                json!({
                    "id": i.item.id,
                    "name_uk": i.item.name_uk,
                    "name_en": i.item.name_en,
                    "category": i.item.category,
                    "status": i.status.as_str(),
                    "datasets": datasets,
                })
            })
            .collect();
        let publishers: Vec<Value> = c
            .by_publisher
            .iter()
            .filter_map(|(id, (ok, late))| {
                let o = ix.publisher(id)?;
                Some(json!({"name": o.name, "title": o.title, "fulfilled": ok, "overdue": late}))
            })
            .collect();
        json!({
            "total": total,
            "fulfilled": fulfilled,
            "overdue": c.count(ItemStatus::Overdue),
            "missing": c.count(ItemStatus::Missing),
            "share_fulfilled": if total == 0 { 0.0 } else { fulfilled as f64 / total as f64 },
            "list": if c.list_imported.is_some() { "imported" } else { "built-in" },
            "items": items,
            "publishers": publishers,
        })
    }))
}

/// One register row as JSON: the Ministry's columns, then the audit fields.
pub fn register_row_json(r: &misto_actions::register::RegisterRow) -> Value {
    json!({
        "identifier": r.identifier,
        "title": r.title,
        "description": r.description,
        "accrualPeriodicity": r.accrual_periodicity,
        "keyword": r.keyword,
        "purpose": r.purpose,
        "landingPage": r.landing_page,
        "distributionFormat": r.distribution_format,
        "publisherName": r.publisher_name,
        "publisherIdentifier": r.publisher_identifier,
        "contactPointFn": r.contact_point_fn,
        "contactPointHasEmail": r.contact_point_has_email,
        "status": r.status.as_str(),
        "location": r.location,
        "targetDate": r.target_date,
        "reason": r.reason,
        "resolution835Item": r.resolution_835_item,
    })
}

async fn register_list(ctx: &Ctx, p: &mut Params) -> R {
    let publisher = publisher_param(p);
    p.reject_unknown()?;
    let rows = ctx.portal.register(publisher.as_deref()).await?;
    Ok(Value::Array(rows.iter().map(register_row_json).collect()))
}

async fn register_entry_save(ctx: &Ctx, p: &mut Params, update: bool) -> R {
    let id = if update {
        Some(p.required("id")?)
    } else {
        None
    };
    let input = misto_actions::register::RegisterEntryInput {
        publisher: publisher_param(p).ok_or_else(|| ApiError::missing("organization"))?,
        title: p.str("title").unwrap_or_default(),
        description: p.str("description"),
        location: p.str("location"),
        format: p.str("format"),
        responsible: p.str("responsible"),
        responsible_email: p.str("responsible_email"),
        update_frequency: p.str("update_frequency"),
        status: p.str("status"),
        target_date: p.str("target_date"),
        reason: p.str("reason"),
        dataset: p.str("dataset"),
        resolution_835_item: p.str("resolution_835_item"),
    };
    p.reject_unknown()?;
    let e = ctx
        .portal
        .save_register_entry(&ctx.viewer, id.as_deref(), input)
        .await?;
    Ok(json!({
        "id": e.id,
        "publisher_id": e.publisher_id,
        "title": e.title,
        "description": e.description,
        "location": e.location,
        "format": e.format,
        "responsible": e.responsible,
        "responsible_email": e.responsible_email,
        "update_frequency": e.update_frequency.map(|f| f.as_str()),
        "status": e.status.as_str(),
        "target_date": e.target_date.map(|d| d.to_string()),
        "reason": e.reason,
        "dataset_id": e.dataset_id,
        "resolution_835_item": e.resolution_835_item,
        "created": ckan_format(&e.created),
        "modified": ckan_format(&e.modified),
    }))
}

async fn register_entry_delete(ctx: &Ctx, p: &mut Params) -> R {
    let id = p.required("id")?;
    p.reject_unknown()?;
    ctx.portal.delete_register_entry(&ctx.viewer, &id).await?;
    Ok(Value::Null)
}

/// Publishes the register as a dataset of the council (sysadmins): creates
/// it the first time, updates the same dataset later. Returns the package.
async fn register_publish(ctx: &Ctx, p: &mut Params) -> R {
    let publisher = publisher_param(p);
    p.reject_unknown()?;
    let d = ctx
        .portal
        .publish_register(&ctx.viewer, publisher.as_deref())
        .await?;
    Ok(package_dict(ctx, &d))
}

fn resolution835_json(list: &misto_actions::resolution835::List) -> Value {
    let items: Vec<Value> = list
        .items
        .iter()
        .map(|i| {
            json!({
                "id": i.id,
                "name_uk": i.name_uk,
                "name_en": i.name_en,
                "category": i.category,
                "update_frequency": i.update_frequency.map(|f| f.as_str()),
            })
        })
        .collect();
    json!({
        "source": if list.imported.is_some() { "imported" } else { "built-in" },
        "imported": list.imported.as_ref().map(ckan_format),
        "count": items.len(),
        "items": items,
    })
}

/// The Resolution 835 list in force (built-in or imported).
fn resolution835_list(ctx: &Ctx, p: &mut Params) -> R {
    p.reject_unknown()?;
    Ok(resolution835_json(&ctx.portal.resolution835_list()))
}

/// Replaces the Resolution 835 list (sysadmins) with a CSV sent as a
/// multipart `upload` or as the text parameter `csv`; `reset=true` goes
/// back to the built-in list.
async fn resolution835_import(ctx: &mut Ctx, p: &mut Params) -> R {
    let upload = ctx.upload.take();
    let parsed = (|| {
        let reset = p.bool("reset", false)?;
        let csv = p.str("csv");
        p.reject_unknown()?;
        Ok::<_, ApiError>((reset, csv))
    })();
    let (reset, csv) = match parsed {
        Ok(v) => v,
        Err(e) => {
            if let Some(up) = upload {
                ctx.portal.discard_upload(up).await;
            }
            return Err(e);
        }
    };
    let bytes = match upload {
        Some(up) => {
            let read = ctx.portal.read_import_upload(&up).await;
            ctx.portal.discard_upload(up).await;
            Some(read?)
        }
        None => csv.map(String::into_bytes),
    };
    let list = if reset {
        ctx.portal.reset_resolution835(&ctx.viewer).await?
    } else {
        let bytes = bytes.ok_or_else(|| ApiError::missing("upload"))?;
        ctx.portal.import_resolution835(&ctx.viewer, &bytes).await?
    };
    Ok(resolution835_json(&list))
}

fn sender(p: &mut Params) -> misto_actions::engagement::Sender {
    misto_actions::engagement::Sender {
        name: p.str("author_name").unwrap_or_default(),
        email: p.str("author_email").unwrap_or_default(),
        address: None,
        honeypot: p.str("website"),
    }
}

pub(crate) fn feedback_json(ctx: &Ctx, f: &misto_core::Feedback) -> Value {
    let insider = ctx.viewer.sysadmin || ctx.viewer.role_in(&f.publisher_id).is_some();
    let mut v = ctx.portal.catalog().read(|ix| {
        json!({
            "id": f.id,
            "package_id": f.dataset_id,
            "package_name": ix.get(&f.dataset_id).map(|d| d.name.clone()),
            "organization": ix.publisher(&f.publisher_id).map(|o| o.name.clone()),
            "kind": f.kind.as_str(),
            "message": f.message,
            "author_name": f.author_name,
            "private": f.private,
            "status": f.status.as_str(),
            "answer": f.answer,
            "answered_by": f.answered_by,
            "created": ckan_format(&f.created),
            "modified": ckan_format(&f.modified),
        })
    });
    if insider && let Value::Object(m) = &mut v {
        m.insert("author_email".into(), json!(f.author_email));
        m.insert("moderation".into(), json!(f.moderation.as_str()));
    }
    v
}

pub(crate) fn request_json(ctx: &Ctx, r: &misto_core::DatasetRequest) -> Value {
    let mut v = ctx.portal.catalog().read(|ix| {
        json!({
            "id": r.id,
            "title": r.title,
            "description": r.description,
            "organization": r.publisher_id.as_deref().and_then(|p| ix.publisher(p)).map(|o| o.name.clone()),
            "author_name": r.author_name,
            "status": r.status.as_str(),
            "planned_date": r.planned_date.map(|d| d.to_string()),
            "package_id": r.dataset_id,
            "package_name": r.dataset_id.as_deref().and_then(|d| ix.get(d)).map(|d| d.name.clone()),
            "reason": r.reason,
            "votes": r.votes,
            "created": ckan_format(&r.created),
            "modified": ckan_format(&r.modified),
        })
    });
    if ctx.viewer.sysadmin
        && let Value::Object(m) = &mut v
    {
        m.insert("author_email".into(), json!(r.author_email));
        m.insert("moderation".into(), json!(r.moderation.as_str()));
    }
    v
}

async fn feedback_create(ctx: &Ctx, p: &mut Params) -> R {
    let dataset = p
        .str("package_id")
        .or_else(|| p.str("id"))
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::missing("package_id"))?;
    let s = sender(p);
    let input = misto_actions::engagement::FeedbackInput {
        dataset,
        kind: p.str("kind"),
        message: p.str("message").unwrap_or_default(),
        private: p.bool("private", false)?,
    };
    p.reject_unknown()?;
    let f = ctx.portal.submit_feedback(&ctx.viewer, s, input).await?;
    Ok(feedback_json(ctx, &f))
}

async fn feedback_list(ctx: &Ctx, p: &mut Params) -> R {
    let dataset = p
        .str("package_id")
        .or_else(|| p.str("id"))
        .filter(|s| !s.is_empty());
    let publisher = publisher_param(p);
    let limit = p.int("limit", 100, Some(ROWS_MAX))?;
    let offset = p.int("offset", 0, None)?;
    p.reject_unknown()?;
    if dataset.is_none() && publisher.is_none() {
        return Err(ApiError::missing("package_id"));
    }
    let list = ctx
        .portal
        .list_feedback(
            &ctx.viewer,
            dataset.as_deref(),
            publisher.as_deref(),
            limit,
            offset,
        )
        .await?;
    Ok(Value::Array(
        list.iter().map(|f| feedback_json(ctx, f)).collect(),
    ))
}

async fn feedback_update(ctx: &Ctx, p: &mut Params) -> R {
    let id = p.required("id")?;
    let u = misto_actions::engagement::FeedbackUpdate {
        status: p.str("status"),
        answer: p.str("answer"),
        moderation: p.str("moderation"),
    };
    p.reject_unknown()?;
    let f = ctx.portal.update_feedback(&ctx.viewer, &id, u).await?;
    Ok(feedback_json(ctx, &f))
}

async fn request_create(ctx: &Ctx, p: &mut Params) -> R {
    let s = sender(p);
    let input = misto_actions::engagement::RequestInput {
        title: p.str("title").unwrap_or_default(),
        description: p.str("description").unwrap_or_default(),
        publisher: publisher_param(p),
    };
    p.reject_unknown()?;
    let r = ctx.portal.submit_request(&ctx.viewer, s, input).await?;
    Ok(request_json(ctx, &r))
}

async fn request_list(ctx: &Ctx, p: &mut Params) -> R {
    let limit = p.int("limit", 100, Some(ROWS_MAX))?;
    let offset = p.int("offset", 0, None)?;
    p.reject_unknown()?;
    let list = ctx.portal.list_requests(&ctx.viewer, limit, offset).await?;
    Ok(Value::Array(
        list.iter().map(|r| request_json(ctx, r)).collect(),
    ))
}

async fn request_show(ctx: &Ctx, p: &mut Params) -> R {
    let id = p.required("id")?;
    p.reject_unknown()?;
    let r = ctx.portal.show_request(&ctx.viewer, &id).await?;
    Ok(request_json(ctx, &r))
}

async fn request_vote(ctx: &Ctx, p: &mut Params) -> R {
    let id = p.required("id")?;
    let voter = p.str("voter").unwrap_or_default();
    p.reject_unknown()?;
    let counted = ctx.portal.vote_request(&ctx.viewer, &id, &voter).await?;
    let r = ctx.portal.show_request(&ctx.viewer, &id).await?;
    Ok(json!({"counted": counted, "votes": r.votes}))
}

async fn request_update(ctx: &Ctx, p: &mut Params) -> R {
    let id = p.required("id")?;
    let u = misto_actions::engagement::RequestUpdate {
        status: p.str("status"),
        planned_date: p.str("planned_date"),
        dataset: p.str("package_id"),
        reason: p.str("reason"),
        moderation: p.str("moderation"),
    };
    p.reject_unknown()?;
    let r = ctx.portal.update_request(&ctx.viewer, &id, u).await?;
    Ok(request_json(ctx, &r))
}
