//! CKAN's runtime configuration actions over misto's site settings:
//! `config_option_list`, `config_option_show`, `config_option_update`
//! (sysadmins only, as in CKAN). CKAN's own keys keep their names
//! (`ckan.site_title`, `ckan.site_description`, `ckan.site_logo`); misto's
//! additions use the `misto.` prefix.

use misto_actions::ActionError;
use misto_core::settings::SiteSettings;
use serde_json::{Map, Value, json};

use crate::Ctx;
use crate::error::ApiError;
use crate::params::Params;

type R = Result<Value, ApiError>;

/// The editable keys, in the order `config_option_list` gives them.
pub const KEYS: &[&str] = &[
    "ckan.site_title",
    "ckan.site_description",
    "ckan.site_logo",
    "misto.site_title_en",
    "misto.site_description_en",
    "misto.primary_color",
    "misto.accent_color",
    "misto.contact_email",
    "misto.katottg",
    "misto.place_name",
    "misto.latitude",
    "misto.longitude",
];

fn require_sysadmin(ctx: &Ctx) -> Result<(), ApiError> {
    if ctx.viewer.sysadmin {
        Ok(())
    } else {
        Err(ActionError::denied("User not authorized to manage configuration options").into())
    }
}

fn value_of(ctx: &Ctx, s: &SiteSettings, key: &str) -> Value {
    match key {
        "ckan.site_title" => json!(s.title),
        "ckan.site_description" => json!(s.description),
        "ckan.site_logo" => match &s.logo_key {
            Some(_) => json!(format!("{}/site/logo", ctx.site())),
            None => json!(""),
        },
        "misto.site_title_en" => json!(s.title_en),
        "misto.site_description_en" => json!(s.description_en),
        "misto.primary_color" => json!(s.primary_color),
        "misto.accent_color" => json!(s.accent_color),
        "misto.contact_email" => json!(s.contact_email),
        "misto.katottg" => json!(s.katottg),
        "misto.place_name" => json!(s.place_name),
        "misto.latitude" => json!(s.latitude),
        "misto.longitude" => json!(s.longitude),
        _ => Value::Null,
    }
}

pub fn config_option_list(ctx: &Ctx, p: &mut Params) -> R {
    require_sysadmin(ctx)?;
    p.reject_unknown()?;
    Ok(json!(KEYS))
}

pub fn config_option_show(ctx: &Ctx, p: &mut Params) -> R {
    require_sysadmin(ctx)?;
    let key = p.required("key")?;
    p.reject_unknown()?;
    if !KEYS.contains(&key.as_str()) {
        return Err(ApiError::invalid(
            "key",
            format!("Configuration option '{key}' can not be shown"),
        ));
    }
    Ok(value_of(ctx, &ctx.portal.site_settings(), &key))
}

/// Sets the given keys and answers with all of them (as CKAN does).
/// `ckan.site_logo` may only be set to "" here (removing the logo); a new
/// logo is uploaded in the browser.
pub async fn config_option_update(ctx: &Ctx, p: &mut Params) -> R {
    require_sysadmin(ctx)?;
    let map: Map<String, Value> = std::mem::replace(p, Params::new(Map::new())).into_map();
    let mut s = (*ctx.portal.site_settings()).clone();
    let mut remove_logo = false;
    let mut touched = Vec::new();
    for (key, value) in &map {
        let text = match value {
            Value::String(v) => v.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        };
        match key.as_str() {
            "ckan.site_title" => s.title = text,
            "ckan.site_description" => s.description = text,
            "ckan.site_logo" if text.is_empty() => remove_logo = true,
            "ckan.site_logo" => {
                return Err(ApiError::invalid(
                    "ckan.site_logo",
                    "Upload a logo in the site settings page; here it can only be cleared",
                ));
            }
            "misto.site_title_en" => s.title_en = text,
            "misto.site_description_en" => s.description_en = text,
            "misto.primary_color" => s.primary_color = text,
            "misto.accent_color" => s.accent_color = text,
            "misto.contact_email" => s.contact_email = text,
            "misto.katottg" => s.katottg = text,
            "misto.place_name" => s.place_name = text,
            "misto.latitude" => s.latitude = text,
            "misto.longitude" => s.longitude = text,
            other => {
                return Err(ApiError::invalid(
                    other,
                    format!("Configuration option '{other}' can not be updated"),
                ));
            }
        }
        touched.push(key.clone());
    }
    let mut saved = ctx.portal.update_site_settings(&ctx.viewer, s).await?;
    if remove_logo {
        saved = ctx.portal.remove_site_logo(&ctx.viewer).await?;
    }
    let out: Map<String, Value> = touched
        .into_iter()
        .map(|k| {
            let v = value_of(ctx, &saved, &k);
            (k, v)
        })
        .collect();
    Ok(Value::Object(out))
}
