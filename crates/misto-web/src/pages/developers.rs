//! `/developers`: the CKAN-compatible API explained with curl examples that
//! use this site's own URL.

use axum::extract::State;
use axum::response::Response;
use serde::Serialize;

use crate::AppState;
use crate::render::{Ctx, Meta};

#[derive(Serialize)]
struct DevelopersView {
    site: String,
    example_dataset: Option<String>,
}

pub async fn developers(State(st): State<AppState>, ctx: Ctx) -> Response {
    let site = st
        .portal
        .config()
        .site_url
        .trim_end_matches('/')
        .to_string();
    let example_dataset = st.portal.package_names(1, 0).into_iter().next();
    let title = ctx.t("developers_title");
    let r = st.page(
        &ctx,
        "developers.html",
        Meta::new(&title, "developers"),
        &DevelopersView {
            site,
            example_dataset,
        },
    );
    st.respond(&ctx, r)
}
