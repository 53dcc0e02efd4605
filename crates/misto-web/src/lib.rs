//! The portal in the browser: server-rendered pages for residents, in
//! Ukrainian (the default) and English. Each page is one module under
//! [`pages`] with its own typed view struct, rendered by a minijinja
//! template embedded in the binary (`templates/`); every UI string comes
//! from `i18n/uk.json` / `i18n/en.json`; the CSS is ours, embedded and
//! served from `/static/`.
//!
//! What this crate must not do:
//! * change state other than through `misto-actions` (the public pages
//!   only read; the publisher workspace writes through the actions, with
//!   the signed-in person's viewer, after checking the CSRF token);
//! * decide visibility by itself: every dataset, resource, count and facet
//!   comes from the portal's actions or the search index with the viewer, so
//!   a dataset the viewer may not read does not exist on any page;
//! * load anything from outside the site (no CDN, fonts or scripts): the
//!   Content-Security-Policy forbids it;
//! * show internal errors: they are logged with the request id, and the page
//!   says only that something went wrong (see [`render::WebError`]);
//! * know CKAN's JSON shapes or RDF (those belong to `misto-ckan-api` and
//!   `misto-interop`).

pub mod i18n;
pub mod markdown;
mod pages;
pub mod preview;
mod render;
pub mod session;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use misto_actions::Portal;

pub use render::WebError;

/// The Content-Security-Policy of every page: nothing from outside, no
/// inline scripts or styles.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// What every page handler gets.
#[derive(Clone)]
pub(crate) struct AppState {
    pub portal: Portal,
    pub templates: Arc<render::Templates>,
    pub throttle: Arc<session::Throttle>,
}

/// Routes owned by this crate (merged into the server's router).
pub fn router(portal: Portal) -> Router {
    let upload_limit = usize::try_from(portal.config().max_upload_bytes)
        .unwrap_or(usize::MAX)
        .saturating_add(1 << 20);
    let templates = Arc::new(render::Templates::new(portal.config().theme_dir.as_deref()));
    let state = AppState {
        portal,
        templates,
        throttle: Arc::new(session::Throttle::default()),
    };
    use pages::{dashboard, dataset_edit, login, members, resources_edit, tokens};
    Router::new()
        .route("/login", get(login::login_form).post(login::login))
        .route(
            "/harvest",
            get(pages::harvest::list).post(pages::harvest::create),
        )
        .route("/harvest/run/{run}", get(pages::harvest::run))
        .route(
            "/harvest/{source}",
            get(pages::harvest::show).post(pages::harvest::update),
        )
        .route("/harvest/{source}/run", post(pages::harvest::run_now))
        .route("/logout", post(login::logout))
        .route("/dashboard", get(dashboard::dashboard))
        .route("/user/me", get(dashboard::dashboard))
        .route(
            "/user/me/password",
            get(login::password_form).post(login::change_password),
        )
        .route("/user/me/tokens", get(tokens::list).post(tokens::create))
        .route("/user/me/tokens/revoke", post(tokens::revoke))
        .route(
            "/dataset/new",
            get(dataset_edit::new_form).post(dataset_edit::create),
        )
        .route(
            "/dataset/{dataset}/edit",
            get(dataset_edit::edit_form).post(dataset_edit::update),
        )
        .route(
            "/dataset/{dataset}/delete",
            get(dataset_edit::delete_form).post(dataset_edit::delete),
        )
        .route("/dataset/{dataset}/resources", get(resources_edit::list))
        .route(
            "/dataset/{dataset}/resources/new",
            post(resources_edit::add).layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route(
            "/dataset/{dataset}/resources/order",
            post(resources_edit::reorder),
        )
        .route(
            "/dataset/{dataset}/resource/{resource}/edit",
            get(resources_edit::edit_form)
                .post(resources_edit::update)
                .layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route(
            "/dataset/{dataset}/resource/{resource}/delete",
            get(resources_edit::delete_form).post(resources_edit::delete),
        )
        .route(
            "/organization/{org}/push",
            get(pages::push::form).post(pages::push::start),
        )
        .route(
            "/organization/{org}/members",
            get(members::list).post(members::change),
        )
        .route(
            "/dataset/{dataset}/feedback",
            get(pages::feedback::form).post(pages::feedback::submit),
        )
        .route("/feedback/{id}", get(pages::feedback::author_view))
        .route("/dashboard/feedback", get(pages::feedback::inbox))
        .route("/dashboard/feedback/{id}", post(pages::feedback::update))
        .route("/dashboard/moderation", get(pages::feedback::moderation))
        .route("/dashboard/review", get(pages::review::page))
        .route("/dashboard/links", get(pages::linkcheck::page))
        .route("/dashboard/links/run", post(pages::linkcheck::run))
        .route("/dashboard/review/{dataset}", post(pages::review::act))
        .route(
            "/dashboard/review/settings/{publisher}",
            post(pages::review::setting),
        )
        .route("/requests", get(pages::requests::list))
        .route(
            "/requests/new",
            get(pages::requests::new_form).post(pages::requests::create),
        )
        .route("/requests/{id}", get(pages::requests::show))
        .route("/requests/{id}/vote", post(pages::requests::vote))
        .route("/requests/{id}/review", post(pages::requests::review))
        .route("/news", get(pages::news::list))
        .route(
            "/news/new",
            get(pages::news::new_form)
                .post(pages::news::create)
                .layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route("/news/{name}", get(pages::news::show))
        .route("/news/{name}/image", get(pages::news::image))
        .route(
            "/news/{name}/edit",
            get(pages::news::edit_form)
                .post(pages::news::update)
                .layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route("/news/{name}/delete", post(pages::news::delete))
        .route("/dashboard/news", get(pages::news::admin))
        .route("/dashboard/pages", get(pages::static_pages::admin))
        .route("/stats", get(pages::stats::stats))
        .route("/kiosk", get(pages::stats::kiosk))
        .route("/dashboards", get(pages::dashboards::list))
        .route(
            "/dashboards/new",
            get(pages::dashboards::new_form).post(pages::dashboards::create),
        )
        .route(
            "/dashboards/{name}/edit",
            get(pages::dashboards::edit_form).post(pages::dashboards::edit),
        )
        .route("/dashboards/{name}/tiles", post(pages::dashboards::tiles))
        .route("/dashboards/{name}/delete", post(pages::dashboards::delete))
        .route("/dashboard/{name}", get(pages::dashboards::show))
        .route("/dashboard/analytics", get(pages::usage::analytics))
        .route("/dashboard/analytics.csv", get(pages::usage::analytics_csv))
        .route("/subscriptions", post(pages::subscriptions::subscribe))
        .route("/subscriptions/mine", get(pages::subscriptions::mine))
        .route(
            "/dashboard/subscriptions",
            get(pages::subscriptions::overview),
        )
        .route(
            "/subscriptions/{id}/confirm",
            get(pages::subscriptions::confirm_form).post(pages::subscriptions::confirm),
        )
        .route(
            "/subscriptions/{id}/unsubscribe",
            get(pages::subscriptions::unsubscribe).post(pages::subscriptions::unsubscribe),
        )
        .route("/surveys", get(pages::surveys::list))
        .route(
            "/surveys/new",
            get(pages::surveys::new_form).post(pages::surveys::create),
        )
        .route(
            "/surveys/{name}",
            get(pages::surveys::show).post(pages::surveys::answer),
        )
        .route("/surveys/{name}/results", get(pages::surveys::results))
        .route("/surveys/{name}/{file}", get(pages::surveys::export))
        .route("/showcase", get(pages::showcase::list))
        .route(
            "/showcase/new",
            get(pages::showcase::new_form)
                .post(pages::showcase::create)
                .layer(DefaultBodyLimit::max(4 << 20)),
        )
        .route("/showcase/{name}", get(pages::showcase::show))
        .route("/showcase/{name}/image", get(pages::showcase::image))
        .route("/showcase/{name}/review", post(pages::showcase::review))
        .route(
            "/pages/new",
            get(pages::static_pages::new_form).post(pages::static_pages::create),
        )
        .route("/pages/{name}", get(pages::static_pages::show))
        .route(
            "/pages/{name}/edit",
            get(pages::static_pages::edit_form).post(pages::static_pages::update),
        )
        .route("/pages/{name}/delete", post(pages::static_pages::delete))
        .route(
            "/pages/{name}/attachments",
            post(pages::static_pages::attach).layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route(
            "/pages/{name}/attachments/{id}/delete",
            post(pages::static_pages::detach),
        )
        .route(
            "/pages/{name}/files/{id}/{file}",
            get(pages::static_pages::file),
        )
        .route("/robots.txt", get(pages::robots::robots))
        .route("/", get(pages::home::home))
        .route("/dataset", get(pages::search::search))
        .route("/dataset/", get(pages::search::search))
        .route("/dataset/{dataset}", get(pages::dataset::dataset))
        .route(
            "/dataset/{dataset}/passport",
            get(pages::passport::passport),
        )
        .route(
            "/dataset/{dataset}/resource/{resource}",
            get(pages::resource::resource),
        )
        .route(
            "/dataset/{dataset}/resource/{resource}/chart",
            get(pages::datastore::chart_embed),
        )
        .route(
            "/dataset/{dataset}/resource/{resource}/quality",
            get(pages::quality::resource_quality),
        )
        .route(
            "/dataset/{dataset}/resource/{resource}/fix",
            post(pages::quality::resource_fix),
        )
        .route(
            "/dataset/{dataset}/quality",
            get(pages::quality::dataset_quality),
        )
        .route(
            "/dataset/{dataset}/structure",
            post(pages::quality::structure_save),
        )
        .route("/rating", get(pages::quality::rating))
        .route("/register", get(pages::register::page))
        .route(
            "/register/new",
            get(pages::register::new_form).post(pages::register::create),
        )
        .route(
            "/register/entry/{id}/edit",
            get(pages::register::edit_form).post(pages::register::update),
        )
        .route("/register/entry/{id}/delete", post(pages::register::delete))
        .route("/register/publish", post(pages::register::publish))
        .route(
            "/organization/{org}/register",
            get(pages::register::for_publisher),
        )
        .route("/compliance", get(pages::compliance::page))
        .route(
            "/compliance/import",
            post(pages::compliance::import).layer(DefaultBodyLimit::max(
                misto_actions::resolution835::MAX_IMPORT_BYTES + 64 * 1024,
            )),
        )
        .route(
            "/organization/{org}/compliance",
            get(pages::compliance::for_publisher),
        )
        .route("/monitoring", get(pages::monitoring::monitoring))
        .route("/monitoring.csv", get(pages::monitoring::monitoring_csv))
        .route("/monitoring.xlsx", get(pages::monitoring::monitoring_xlsx))
        .route("/monitoring/card", get(pages::monitoring::card))
        .route("/monitoring/card.xlsx", get(pages::monitoring::card_xlsx))
        .route("/organization", get(pages::publishers::list))
        .route("/organization/{org}", get(pages::publishers::show))
        .route("/group", get(pages::groups::list))
        .route("/group/{group}", get(pages::groups::show))
        .route("/developers", get(pages::developers::developers))
        .route("/site/logo", get(pages::admin::site_logo))
        .route("/site/theme.css", get(pages::admin::theme_css))
        .route("/admin", get(pages::admin::overview))
        .route(
            "/admin/settings",
            get(pages::admin::settings_form).post(pages::admin::settings_save),
        )
        .route("/admin/settings/logo", post(pages::admin::logo_save))
        .route(
            "/admin/users",
            get(pages::admin::users).post(pages::admin::user_create),
        )
        .route("/admin/users/{user}", post(pages::admin::user_change))
        .route("/admin/publishers", get(pages::admin::publishers))
        .route(
            "/admin/publishers/new",
            get(pages::admin::publisher_new).post(pages::admin::publisher_create),
        )
        .route(
            "/organization/{org}/edit",
            get(pages::admin::publisher_edit).post(pages::admin::publisher_update),
        )
        .route("/static/{file}", get(render::static_file))
        .with_state(state)
        .layer(middleware::from_fn(security_headers))
}

/// The HTML "not found" page for any other path, for the server to use as
/// its fallback: `.fallback_service(misto_web::not_found_service(portal))`.
/// (A merged router may not bring its own fallback, so `router` has none.)
pub fn not_found_service(portal: Portal) -> Router {
    let templates = Arc::new(render::Templates::new(portal.config().theme_dir.as_deref()));
    let state = AppState {
        portal,
        templates,
        throttle: Arc::new(session::Throttle::default()),
    };
    Router::new()
        .fallback(pages::not_found)
        .with_state(state)
        .layer(middleware::from_fn(security_headers))
}

/// Headers every response of this crate carries (the server adds
/// `X-Content-Type-Options`, `X-Frame-Options` and `Referrer-Policy`).
async fn security_headers(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    // A handler may set a stricter policy of its own (the sandboxed logo).
    h.entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    h.insert(
        header::HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        header::HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    );
    resp
}
