//! `/organization` and `/organization/{org}`: publishers (розпорядники
//! інформації), their contacts, EDRPOU, kind and datasets.

use axum::extract::{Path, State};
use axum::response::Response;
use serde::Serialize;

use super::{
    Card, Pager, list_datasets, page_number, phrase, publisher_title, publisher_url, viewer,
};
use crate::AppState;
use crate::i18n::{self, Lang};
use crate::markdown;
use crate::render::{Ctx, Meta, WebError};

#[derive(Serialize)]
struct ListView {
    publishers: Vec<Item>,
}

#[derive(Serialize)]
struct Item {
    url: String,
    title: String,
    kind: String,
    count: String,
}

#[derive(Serialize)]
struct PublisherView {
    title: String,
    kind: String,
    description_html: String,
    edrpou: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    website: Option<String>,
    address: Option<String>,
    count: String,
    /// The details form, for the publisher's admins and sysadmins.
    edit_url: Option<String>,
    members_url: String,
    register_url: String,
    compliance_url: String,
    datasets: Vec<Card>,
    pager: Option<Pager>,
    subscribe: super::subscriptions::SubscribeBox,
}

pub fn kind_label(lang: Lang, k: misto_core::PublisherKind) -> String {
    match lang {
        Lang::Uk => k.label_uk().to_string(),
        Lang::En => k.label_en().to_string(),
    }
}

pub async fn list(State(st): State<AppState>, ctx: Ctx) -> Response {
    let lang = ctx.lang;
    let v = viewer(&ctx);
    let counts = st
        .portal
        .catalog()
        .read(|ix| ix.dataset_counts_by_publisher(&v));
    let publishers = st
        .portal
        .list_publishers()
        .iter()
        .map(|p| Item {
            url: publisher_url(p),
            title: publisher_title(lang, p),
            kind: kind_label(lang, p.kind),
            count: i18n::int(lang, counts.get(&p.id).copied().unwrap_or(0) as u64),
        })
        .collect();
    let title = ctx.t("publishers_title");
    let r = st.page(
        &ctx,
        "publishers.html",
        Meta::new(&title, "organization"),
        &ListView { publishers },
    );
    st.respond(&ctx, r)
}

pub async fn show(State(st): State<AppState>, Path(org): Path<String>, mut ctx: Ctx) -> Response {
    // The subscription form on the page needs a CSRF token before login too.
    ctx.ensure_pre(&st.portal.config().session_key);
    let r = build(&st, &ctx, &org);
    st.respond(&ctx, r)
}

fn build(st: &AppState, ctx: &Ctx, org: &str) -> Result<Response, WebError> {
    let lang = ctx.lang;
    let p = st.portal.show_publisher(org)?;
    let page = page_number(ctx)?;
    let (count, datasets, pager) = list_datasets(
        &st.portal,
        ctx,
        format!("owner_org:{}", phrase(&p.id)),
        page,
    )?;
    let website = p
        .website
        .clone()
        .filter(|w| w.starts_with("https://") || w.starts_with("http://"));
    let view = PublisherView {
        subscribe: super::subscriptions::SubscribeBox::publisher(
            &p.name,
            &publisher_title(lang, &p),
        ),
        title: publisher_title(lang, &p),
        kind: kind_label(lang, p.kind),
        description_html: markdown::render(&p.description),
        edrpou: p.edrpou.clone(),
        email: p.email.clone().filter(|e| e.contains('@')),
        phone: p.phone.clone(),
        website,
        address: p.address.clone(),
        count: i18n::int(lang, count as u64),
        edit_url: super::viewer(ctx)
            .can_admin(&p.id)
            .then(|| format!("{}/edit", publisher_url(&p))),
        members_url: format!("{}/members", publisher_url(&p)),
        register_url: format!("{}/register", publisher_url(&p)),
        compliance_url: format!("{}/compliance", publisher_url(&p)),
        datasets,
        pager,
    };
    let mut meta = Meta::new(&view.title, "organization");
    meta.feed_url = Some(format!("/feeds/organization/{}.atom", p.name));
    meta.description = Some(p.description.clone());
    st.page(ctx, "publisher.html", meta, &view)
}
