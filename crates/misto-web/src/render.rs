//! Templates, the per-request context (language, request id), the page
//! layout, error pages and the embedded static files.
//!
//! This is the one place where errors become HTML: not found and bad
//! requests get a page saying so; internal errors are logged with the
//! request id and the page shows only that id.

use std::convert::Infallible;

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use minijinja::value::Serde;
use minijinja::{Environment, UndefinedBehavior, Value, context};
use misto_actions::ActionError;
use serde::Serialize;

use std::net::SocketAddr;

use axum::extract::ConnectInfo;

use crate::AppState;
use crate::i18n::{Lang, Strings, tr};
use crate::session::{self, Session};

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../templates/base.html")),
    (
        "harvest_sources.html",
        include_str!("../templates/harvest_sources.html"),
    ),
    (
        "harvest_source.html",
        include_str!("../templates/harvest_source.html"),
    ),
    (
        "harvest_form.html",
        include_str!("../templates/harvest_form.html"),
    ),
    (
        "harvest_run.html",
        include_str!("../templates/harvest_run.html"),
    ),
    ("macros.html", include_str!("../templates/macros.html")),
    ("home.html", include_str!("../templates/home.html")),
    ("search.html", include_str!("../templates/search.html")),
    ("dataset.html", include_str!("../templates/dataset.html")),
    ("passport.html", include_str!("../templates/passport.html")),
    (
        "linkcheck.html",
        include_str!("../templates/linkcheck.html"),
    ),
    ("push.html", include_str!("../templates/push.html")),
    (
        "subscriptions_mine.html",
        include_str!("../templates/subscriptions_mine.html"),
    ),
    (
        "subscriptions_overview.html",
        include_str!("../templates/subscriptions_overview.html"),
    ),
    ("resource.html", include_str!("../templates/resource.html")),
    (
        "publishers.html",
        include_str!("../templates/publishers.html"),
    ),
    (
        "publisher.html",
        include_str!("../templates/publisher.html"),
    ),
    ("groups.html", include_str!("../templates/groups.html")),
    ("group.html", include_str!("../templates/group.html")),
    (
        "developers.html",
        include_str!("../templates/developers.html"),
    ),
    ("error.html", include_str!("../templates/error.html")),
    ("login.html", include_str!("../templates/login.html")),
    ("password.html", include_str!("../templates/password.html")),
    (
        "dashboard.html",
        include_str!("../templates/dashboard.html"),
    ),
    (
        "dataset_form.html",
        include_str!("../templates/dataset_form.html"),
    ),
    ("confirm.html", include_str!("../templates/confirm.html")),
    (
        "quality_resource.html",
        include_str!("../templates/quality_resource.html"),
    ),
    (
        "quality_dataset.html",
        include_str!("../templates/quality_dataset.html"),
    ),
    (
        "quality_rating.html",
        include_str!("../templates/quality_rating.html"),
    ),
    ("review.html", include_str!("../templates/review.html")),
    (
        "resources.html",
        include_str!("../templates/resources.html"),
    ),
    (
        "resource_form.html",
        include_str!("../templates/resource_form.html"),
    ),
    ("tokens.html", include_str!("../templates/tokens.html")),
    ("members.html", include_str!("../templates/members.html")),
    ("admin.html", include_str!("../templates/admin.html")),
    (
        "admin_settings.html",
        include_str!("../templates/admin_settings.html"),
    ),
    (
        "admin_users.html",
        include_str!("../templates/admin_users.html"),
    ),
    (
        "admin_publishers.html",
        include_str!("../templates/admin_publishers.html"),
    ),
    (
        "publisher_form.html",
        include_str!("../templates/publisher_form.html"),
    ),
    (
        "feedback_block.html",
        include_str!("../templates/feedback_block.html"),
    ),
    (
        "feedback_fields.html",
        include_str!("../templates/feedback_fields.html"),
    ),
    (
        "feedback_form.html",
        include_str!("../templates/feedback_form.html"),
    ),
    (
        "feedback_status.html",
        include_str!("../templates/feedback_status.html"),
    ),
    (
        "feedback_row.html",
        include_str!("../templates/feedback_row.html"),
    ),
    (
        "feedback_inbox.html",
        include_str!("../templates/feedback_inbox.html"),
    ),
    (
        "moderation.html",
        include_str!("../templates/moderation.html"),
    ),
    ("requests.html", include_str!("../templates/requests.html")),
    (
        "request_form.html",
        include_str!("../templates/request_form.html"),
    ),
    ("request.html", include_str!("../templates/request.html")),
    (
        "news_latest.html",
        include_str!("../templates/news_latest.html"),
    ),
    (
        "news_list.html",
        include_str!("../templates/news_list.html"),
    ),
    (
        "news_post.html",
        include_str!("../templates/news_post.html"),
    ),
    (
        "news_admin.html",
        include_str!("../templates/news_admin.html"),
    ),
    (
        "news_form.html",
        include_str!("../templates/news_form.html"),
    ),
    (
        "static_page.html",
        include_str!("../templates/static_page.html"),
    ),
    (
        "pages_admin.html",
        include_str!("../templates/pages_admin.html"),
    ),
    (
        "page_form.html",
        include_str!("../templates/page_form.html"),
    ),
    (
        "showcase_list.html",
        include_str!("../templates/showcase_list.html"),
    ),
    (
        "showcase_item.html",
        include_str!("../templates/showcase_item.html"),
    ),
    (
        "showcase_form.html",
        include_str!("../templates/showcase_form.html"),
    ),
    ("surveys.html", include_str!("../templates/surveys.html")),
    ("survey.html", include_str!("../templates/survey.html")),
    (
        "survey_results.html",
        include_str!("../templates/survey_results.html"),
    ),
    (
        "survey_form.html",
        include_str!("../templates/survey_form.html"),
    ),
    (
        "datastore_section.html",
        include_str!("../templates/datastore_section.html"),
    ),
    (
        "datastore_chart.html",
        include_str!("../templates/datastore_chart.html"),
    ),
    ("stats.html", include_str!("../templates/stats.html")),
    (
        "stats_figures.html",
        include_str!("../templates/stats_figures.html"),
    ),
    (
        "stats_publishers.html",
        include_str!("../templates/stats_publishers.html"),
    ),
    ("kiosk.html", include_str!("../templates/kiosk.html")),
    (
        "dash_list.html",
        include_str!("../templates/dash_list.html"),
    ),
    (
        "dash_show.html",
        include_str!("../templates/dash_show.html"),
    ),
    (
        "dash_edit.html",
        include_str!("../templates/dash_edit.html"),
    ),
    (
        "dash_tiles.html",
        include_str!("../templates/dash_tiles.html"),
    ),
    ("usage.html", include_str!("../templates/usage.html")),
    (
        "usage_counts.html",
        include_str!("../templates/usage_counts.html"),
    ),
    (
        "subscribe_box.html",
        include_str!("../templates/subscribe_box.html"),
    ),
    (
        "subscription.html",
        include_str!("../templates/subscription.html"),
    ),
    ("register.html", include_str!("../templates/register.html")),
    (
        "register_entry.html",
        include_str!("../templates/register_entry.html"),
    ),
    (
        "compliance.html",
        include_str!("../templates/compliance.html"),
    ),
    (
        "monitoring.html",
        include_str!("../templates/monitoring.html"),
    ),
    (
        "assessment_card.html",
        include_str!("../templates/assessment_card.html"),
    ),
];

struct StaticFile {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const STATIC: &[StaticFile] = &[
    StaticFile {
        name: "site.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../static/site.css"),
    },
    StaticFile {
        name: "workspace.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../static/workspace.js"),
    },
    StaticFile {
        name: "datastore.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../static/datastore.js"),
    },
    StaticFile {
        name: "datastore.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../static/datastore.css"),
    },
    StaticFile {
        name: "kiosk.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../static/kiosk.js"),
    },
    StaticFile {
        name: "dashboards.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../static/dashboards.css"),
    },
    StaticFile {
        name: "logo.svg",
        content_type: "image/svg+xml",
        body: include_bytes!("../static/logo.svg"),
    },
];

const LANG_COOKIE: &str = "misto_lang";

/// FNV-1a, for cache-busting version strings of static files.
fn fingerprint(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{:012x}", h & 0xffff_ffff_ffff)
}

/// Escapes `& < > " '` in HTML templates (the default also escapes `/`,
/// which makes every URL in the page harder to read and to test).
fn html_formatter(
    out: &mut minijinja::Output,
    state: &mut minijinja::State,
    value: &Value,
) -> Result<(), minijinja::Error> {
    if !matches!(state.auto_escape(), minijinja::AutoEscape::Html) || value.is_safe() {
        return minijinja::escape_formatter(out, state, value);
    }
    if value.is_undefined() {
        return Ok(());
    }
    let text = value.to_string();
    let mut escaped = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    out.write_str(&escaped)
        .map_err(|e| minijinja::Error::new(minijinja::ErrorKind::WriteFailure, e.to_string()))
}

/// A static file an operator put in the theme folder.
struct OverrideFile {
    content_type: &'static str,
    body: Vec<u8>,
}

/// The media type of a theme file, by extension.
fn content_type_of(name: &str) -> &'static str {
    match name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .as_deref()
    {
        Some("css") => "text/css; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("webp") => "image/webp",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        Some("woff") => "font/woff",
        Some("json") => "application/json",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// The compiled templates and the versioned URLs of the static files.
///
/// Operators can theme without rebuilding: with a theme folder configured
/// (`theme_dir`), every `templates/NAME.html` in it replaces the embedded
/// template of that name (or adds a new one for `{% include %}`), and every
/// file in `static/` replaces or adds a file under `/static/`. The folder
/// is read at start; a template that does not compile is reported in the
/// log and the embedded one is kept.
pub struct Templates {
    env: Environment<'static>,
    overrides: std::collections::HashMap<String, OverrideFile>,
    css_url: String,
    logo_url: String,
    js_url: String,
}

impl Default for Templates {
    fn default() -> Self {
        Self::new(None)
    }
}

impl Templates {
    pub fn new(theme_dir: Option<&std::path::Path>) -> Self {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
        env.set_formatter(html_formatter);
        for (name, src) in TEMPLATES {
            if let Err(e) = env.add_template(name, src) {
                // Embedded at build time; the tests render every template.
                tracing::error!(template = name, error = %e, "template does not compile");
            }
        }
        let mut overrides = std::collections::HashMap::new();
        if let Some(dir) = theme_dir {
            for (name, body) in read_folder(&dir.join("templates")) {
                let Ok(src) = String::from_utf8(body) else {
                    tracing::error!(template = %name, "theme template is not UTF-8; kept the built-in one");
                    continue;
                };
                // Compile alone first, so a broken override keeps the built-in one.
                let mut probe = Environment::new();
                probe.set_undefined_behavior(UndefinedBehavior::SemiStrict);
                if let Err(e) = probe.add_template_owned(name.clone(), src.clone()) {
                    tracing::error!(template = %name, error = %e, "theme template does not compile; kept the built-in one");
                    continue;
                }
                if let Err(e) = env.add_template_owned(name.clone(), src) {
                    tracing::error!(template = %name, error = %e, "theme template rejected");
                } else {
                    tracing::info!(template = %name, "theme template in use");
                }
            }
            for (name, body) in read_folder(&dir.join("static")) {
                tracing::info!(file = %name, "theme static file in use");
                let content_type = content_type_of(&name);
                overrides.insert(name, OverrideFile { content_type, body });
            }
        }
        let mut t = Self {
            env,
            overrides,
            css_url: String::new(),
            logo_url: String::new(),
            js_url: String::new(),
        };
        t.css_url = t.static_url("site.css");
        t.logo_url = t.static_url("logo.svg");
        t.js_url = t.static_url("workspace.js");
        t
    }

    /// The URL of a static file with its content fingerprint.
    pub fn static_url(&self, name: &str) -> String {
        let v = match self.overrides.get(name) {
            Some(f) => fingerprint(&f.body),
            None => STATIC
                .iter()
                .find(|f| f.name == name)
                .map(|f| fingerprint(f.body))
                .unwrap_or_default(),
        };
        format!("/static/{name}?v={v}")
    }
}

/// The regular files of a folder with safe names (no hidden files, no
/// sub-folders), as `(name, bytes)`; nothing when the folder is missing.
fn read_folder(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        if name.starts_with('.') || !entry.file_type().is_ok_and(|t| t.is_file()) {
            continue;
        }
        match std::fs::read(entry.path()) {
            Ok(body) => out.push((name, body)),
            Err(e) => tracing::error!(file = %name, error = %e, "cannot read theme file"),
        }
    }
    out.sort();
    out
}

/// Serves a static file (the theme folder's, else the embedded one) with a
/// long cache lifetime (URLs carry a content fingerprint).
pub async fn static_file(
    axum::extract::State(st): axum::extract::State<AppState>,
    Path(file): Path<String>,
) -> Response {
    let found = match st.templates.overrides.get(&file) {
        Some(f) => Some((f.content_type, f.body.clone())),
        None => STATIC
            .iter()
            .find(|f| f.name == file)
            .map(|f| (f.content_type, f.body.to_vec())),
    };
    match found {
        Some((content_type, body)) => (
            [
                (header::CONTENT_TYPE, content_type),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            body,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "Not found").into_response(),
    }
}

/// What every page needs to know about the request.
pub struct Ctx {
    pub lang: Lang,
    /// `?lang=` chose the language: remember it in a cookie.
    lang_from_query: bool,
    pub path: String,
    /// Query pairs in order, `lang` removed.
    pub query: Vec<(String, String)>,
    pub request_id: String,
    pub headers: HeaderMap,
    /// Who is signed in, from the session cookie.
    pub session: Option<Session>,
    /// The CSRF token for this request's forms (empty before login until
    /// [`Ctx::ensure_pre`]).
    pub csrf: String,
    /// A new pre-login CSRF basis to set as a cookie.
    fresh_pre: Option<String>,
    /// Extra `Set-Cookie` headers for the response.
    pub set_cookies: Vec<HeaderValue>,
    /// The client's address when the server knows it (throttling and the
    /// spam guard only): the peer's, or what a trusted proxy reports in
    /// `X-Forwarded-For`.
    pub client_addr: Option<String>,
    pub site_url: String,
    /// The published static pages, for the header and footer menus.
    pub menu: std::sync::Arc<Vec<misto_core::content::Page>>,
}

impl Ctx {
    /// Values of a query parameter.
    pub fn params<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.query
            .iter()
            .filter(move |(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn param<'a>(&'a self, key: &'a str) -> Option<&'a str> {
        self.params(key).next()
    }

    pub fn t(&self, key: &str) -> String {
        tr(self.lang, key)
    }

    /// Makes sure forms rendered without a session have a CSRF token.
    pub fn ensure_pre(&mut self, key: &[u8]) {
        if self.csrf.is_empty() {
            let pre = session::random_hex();
            self.csrf = session::csrf_token(key, &self.headers, Some(&pre));
            self.fresh_pre = Some(pre);
        }
    }
}

fn cookie_lang(headers: &HeaderMap) -> Option<Lang> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == LANG_COOKIE)
        .and_then(|(_, v)| Lang::parse(v))
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        let mut query = Vec::new();
        let mut query_lang = None;
        for (k, v) in form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes()) {
            if k == "lang" {
                query_lang = Lang::parse(&v);
            } else {
                query.push((k.into_owned(), v.into_owned()));
            }
        }
        let default = Lang::parse(&state.portal.config().locale_default).unwrap_or(Lang::Uk);
        let lang = query_lang
            .or_else(|| cookie_lang(&parts.headers))
            .unwrap_or(default);
        let request_id = parts
            .headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("-")
            .to_string();
        let session = session::resolve(&state.portal, &parts.headers).await;
        let key = &state.portal.config().session_key;
        let csrf = session::csrf_token(key, &parts.headers, None);
        let client_addr = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| {
            misto_core::net::client_address(
                c.0.ip(),
                parts
                    .headers
                    .get_all("x-forwarded-for")
                    .iter()
                    .filter_map(|v| v.to_str().ok()),
                &state.portal.config().trusted_proxies,
            )
            .to_string()
        });
        Ok(Ctx {
            lang,
            lang_from_query: query_lang.is_some(),
            path: parts.uri.path().to_string(),
            query,
            request_id,
            headers: parts.headers.clone(),
            session,
            csrf,
            fresh_pre: None,
            set_cookies: Vec::new(),
            client_addr,
            site_url: state.portal.config().site_url.clone(),
            menu: state.portal.menu_pages().await.unwrap_or_else(|e| {
                tracing::warn!(error = %e, "could not load the menu pages");
                Default::default()
            }),
        })
    }
}

/// Builds `?a=1&b=2` (empty string for no pairs).
pub fn query_string<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    let mut any = false;
    for (k, v) in pairs {
        s.append_pair(k, v);
        any = true;
    }
    if any {
        format!("?{}", s.finish())
    } else {
        String::new()
    }
}

/// Percent-encodes one path segment.
pub fn segment(s: &str) -> String {
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

/// The page frame: header, language switch, navigation, footer.
#[derive(Serialize)]
struct Layout<'a> {
    lang: &'static str,
    title: &'a str,
    site_title: &'a str,
    nav: &'a str,
    switch_lang: &'static str,
    switch_url: String,
    css_url: &'a str,
    logo_url: &'a str,
    json_ld: Option<&'a str>,
    /// `<meta name="description">`: the page's own summary, else the
    /// site's description.
    description: String,
    feed_url: Option<&'a str>,
    js_url: &'a str,
    /// The signed-in person's name, shown in the header.
    user: Option<&'a str>,
    sysadmin: bool,
    csrf: &'a str,
    /// The stylesheet with the site's colours, when a sysadmin set any.
    theme_css_url: Option<String>,
    contact_email: &'a str,
    /// Static pages linked from the header and the footer.
    menu_header: Vec<crate::pages::Link>,
    menu_footer: Vec<crate::pages::Link>,
}

/// Title, highlighted navigation item and optional JSON-LD of a page.
pub struct Meta<'a> {
    pub title: &'a str,
    pub nav: &'a str,
    pub json_ld: Option<String>,
    /// An Atom feed of this page's datasets (besides the portal-wide one).
    pub feed_url: Option<String>,
    /// What the page is about for search results (`<meta
    /// name="description">`), Markdown allowed; `None` or blank: the
    /// site's description.
    pub description: Option<String>,
}

/// The longest `<meta name="description">`, in characters (search engines
/// show about this much).
pub const META_DESCRIPTION_CHARS: usize = 160;

impl<'a> Meta<'a> {
    pub fn new(title: &'a str, nav: &'a str) -> Self {
        Self {
            title,
            nav,
            json_ld: None,
            feed_url: None,
            description: None,
        }
    }
}

impl AppState {
    fn render_page<V: Serialize>(
        &self,
        ctx: &Ctx,
        template: &str,
        meta: &Meta<'_>,
        view: &V,
    ) -> Result<String, minijinja::Error> {
        let other = ctx.lang.other();
        let mut pairs: Vec<(&str, &str)> = ctx
            .query
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        pairs.push(("lang", other.code()));
        // `</` must not close the script element the JSON-LD sits in.
        let json_ld = meta.json_ld.as_ref().map(|s| s.replace('<', "\\u003c"));
        let settings = self.portal.site_settings();
        let logo_url = match &settings.logo_key {
            Some(key) => format!("/site/logo?v={}", fingerprint(key.as_bytes())),
            None => self.templates.logo_url.clone(),
        };
        let theme_css = settings.theme_css();
        let description = meta
            .description
            .as_deref()
            .map(|d| crate::markdown::excerpt(d, META_DESCRIPTION_CHARS))
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| {
                crate::markdown::excerpt(
                    settings.description_in(ctx.lang.code()),
                    META_DESCRIPTION_CHARS,
                )
            });
        let layout = Layout {
            lang: ctx.lang.code(),
            title: meta.title,
            site_title: settings.title_in(ctx.lang.code()).trim(),
            nav: meta.nav,
            switch_lang: other.code(),
            switch_url: format!("{}{}", ctx.path, query_string(pairs)),
            css_url: &self.templates.css_url,
            logo_url: &logo_url,
            json_ld: json_ld.as_deref(),
            description,
            feed_url: meta.feed_url.as_deref(),
            js_url: &self.templates.js_url,
            user: ctx.session.as_ref().map(|s| s.display_name.as_str()),
            sysadmin: ctx.session.as_ref().is_some_and(|s| s.viewer.sysadmin),
            csrf: &ctx.csrf,
            theme_css_url: (!theme_css.is_empty())
                .then(|| format!("/site/theme.css?v={}", fingerprint(theme_css.as_bytes()))),
            contact_email: &settings.contact_email,
            menu_header: crate::pages::static_pages::menu(
                ctx,
                misto_core::content::MenuPlace::Header,
            ),
            menu_footer: crate::pages::static_pages::menu(
                ctx,
                misto_core::content::MenuPlace::Footer,
            ),
        };
        let tmpl = self.templates.env.get_template(template)?;
        tmpl.render(context! {
            t => Value::from_object(Strings(ctx.lang)),
            layout => Value::from(Serde(&layout)),
            page => Value::from(Serde(view)),
        })
    }

    /// Renders a page as a 200 response.
    pub fn page<V: Serialize>(
        &self,
        ctx: &Ctx,
        template: &str,
        meta: Meta<'_>,
        view: &V,
    ) -> Result<Response, WebError> {
        self.page_with_status(ctx, StatusCode::OK, template, meta, view)
    }

    /// Renders a page with another status (a form with errors: 422).
    pub fn page_with_status<V: Serialize>(
        &self,
        ctx: &Ctx,
        status: StatusCode,
        template: &str,
        meta: Meta<'_>,
        view: &V,
    ) -> Result<Response, WebError> {
        let html = self.render_page(ctx, template, &meta, view)?;
        Ok(html_response(ctx, status, html))
    }

    /// Turns a handler's result into a response, rendering errors as pages.
    pub fn respond(&self, ctx: &Ctx, result: Result<Response, WebError>) -> Response {
        match result {
            Ok(r) => r,
            Err(e) => self.error_page(ctx, e),
        }
    }

    pub fn error_page(&self, ctx: &Ctx, e: WebError) -> Response {
        let (status, heading, message) = match &e {
            WebError::NotFound => (
                StatusCode::NOT_FOUND,
                ctx.t("error_not_found_title"),
                ctx.t("error_not_found_text"),
            ),
            WebError::BadRequest(m) => (
                StatusCode::BAD_REQUEST,
                ctx.t("error_bad_request_title"),
                m.clone(),
            ),
            WebError::Forbidden(m) => (
                StatusCode::FORBIDDEN,
                ctx.t("error_forbidden_title"),
                m.clone(),
            ),
            WebError::TooManyRequests(m) => (
                StatusCode::TOO_MANY_REQUESTS,
                ctx.t("error_too_many_title"),
                m.clone(),
            ),
            WebError::Internal(m) => {
                tracing::error!(request_id = %ctx.request_id, error = %m, path = %ctx.path, "page failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    ctx.t("error_internal_title"),
                    ctx.t("error_internal_text"),
                )
            }
        };
        #[derive(Serialize)]
        struct ErrorView {
            status: u16,
            heading: String,
            message: String,
            request_id: Option<String>,
        }
        let view = ErrorView {
            status: status.as_u16(),
            heading: heading.clone(),
            message,
            request_id: matches!(e, WebError::Internal(_)).then(|| ctx.request_id.clone()),
        };
        match self.render_page(ctx, "error.html", &Meta::new(&heading, ""), &view) {
            Ok(html) => html_response(ctx, status, html),
            Err(err) => {
                tracing::error!(request_id = %ctx.request_id, error = %err, "error page failed");
                (status, heading).into_response()
            }
        }
    }
}

fn html_response(ctx: &Ctx, status: StatusCode, html: String) -> Response {
    let mut resp = (status, html).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(header::VARY, HeaderValue::from_static("Cookie, Accept"));
    if ctx.lang_from_query {
        let cookie = format!(
            "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
            ctx.lang.code()
        );
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            h.append(header::SET_COOKIE, v);
        }
    }
    with_cookies(ctx, resp)
}

/// Adds the cookies a handler asked for (session, pre-login CSRF basis).
pub fn with_cookies(ctx: &Ctx, mut resp: Response) -> Response {
    let h = resp.headers_mut();
    if let Some(pre) = &ctx.fresh_pre {
        // The site URL decides `Secure`; without it, plain http is assumed.
        h.append(header::SET_COOKIE, session::pre_cookie(&ctx.site_url, pre));
    }
    for c in &ctx.set_cookies {
        h.append(header::SET_COOKIE, c.clone());
    }
    if ctx.session.is_some() || !ctx.set_cookies.is_empty() {
        // Pages of a signed-in person are theirs alone.
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}

/// A 303 redirect after a form (with the handler's cookies).
pub fn see_other(ctx: &Ctx, to: &str) -> Response {
    with_cookies(ctx, axum::response::Redirect::to(to).into_response())
}

/// Why a page could not be shown.
#[derive(Debug)]
pub enum WebError {
    /// Not there, or not readable by this viewer (the same to them).
    NotFound,
    /// A malformed request; the message is shown.
    BadRequest(String),
    /// Refused (CSRF, not allowed to manage); the message is shown.
    Forbidden(String),
    /// Login throttled; the message is shown.
    TooManyRequests(String),
    /// Logged with the request id, never shown.
    Internal(String),
}

impl From<ActionError> for WebError {
    fn from(e: ActionError) -> Self {
        match e {
            ActionError::NotFound(_) | ActionError::NotAuthorized(_) => WebError::NotFound,
            ActionError::SearchQuery(m) | ActionError::TooLarge(m) | ActionError::TooMany(m) => {
                WebError::BadRequest(m)
            }
            ActionError::Validation(f) => WebError::BadRequest(format!("{f:?}")),
            ActionError::Internal(m) => WebError::Internal(m),
        }
    }
}

impl From<minijinja::Error> for WebError {
    fn from(e: minijinja::Error) -> Self {
        WebError::Internal(format!("template: {e:#}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn theme_folder_overrides_templates_and_static_files() {
        let dir = std::env::temp_dir().join(format!("misto-theme-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(dir.join("templates")).unwrap();
        std::fs::create_dir_all(dir.join("static")).unwrap();
        std::fs::write(
            dir.join("templates/developers.html"),
            "{% extends \"base.html\" %}{% block content %}<p>Міська тема</p>{% endblock %}",
        )
        .unwrap();
        std::fs::write(dir.join("templates/home.html"), "{% if %}broken").unwrap();
        std::fs::write(dir.join("static/site.css"), "body{color:#000}").unwrap();
        std::fs::write(dir.join("static/city.png"), b"\x89PNG").unwrap();
        let t = Templates::new(Some(&dir));
        let dev = t.env.get_template("developers.html").unwrap();
        assert!(dev.source().contains("Міська тема"));
        let home = t.env.get_template("home.html").unwrap();
        assert_eq!(home.source(), include_str!("../templates/home.html"));
        assert_eq!(
            t.css_url,
            format!("/static/site.css?v={}", fingerprint(b"body{color:#000}"))
        );
        assert_eq!(t.overrides["city.png"].content_type, "image/png");
        assert!(t.static_url("city.png").starts_with("/static/city.png?v="));
    }

    #[test]
    fn every_template_compiles() {
        let mut env = Environment::new();
        for (name, src) in TEMPLATES {
            env.add_template(name, src)
                .unwrap_or_else(|e| panic!("{name}: {e:#}"));
        }
    }

    #[test]
    fn every_template_file_is_registered() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        for entry in std::fs::read_dir(dir).expect("templates folder") {
            let name = entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned();
            assert!(
                TEMPLATES.iter().any(|(n, _)| *n == name),
                "{name} is not in TEMPLATES"
            );
        }
    }

    #[test]
    fn segments_and_queries() {
        assert_eq!(segment("дані 1.csv"), "%D0%B4%D0%B0%D0%BD%D1%96%201.csv");
        assert_eq!(
            query_string([("q", "бюджет"), ("a", "x&y")]),
            "?q=%D0%B1%D1%8E%D0%B4%D0%B6%D0%B5%D1%82&a=x%26y"
        );
        assert_eq!(query_string([]), "");
    }
}
