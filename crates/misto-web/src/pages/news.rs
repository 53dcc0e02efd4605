//! News: the public list (`/news`), a post (`/news/{name}`) with its
//! picture (`/news/{name}/image`), and the coordinators' side: all posts
//! with drafts (`/dashboard/news`), the post form (`/news/new`,
//! `/news/{name}/edit`, multipart so that a picture can come along) and
//! deletion. The Atom feed is `/feeds/news.atom` (misto-interop).

use axum::body::{Body, Bytes};
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use misto_actions::content::NewsInput;
use misto_actions::resources::StagedUpload;
use misto_core::content::NewsPost;
use serde::Serialize;

use super::forms::{Errors, Form, Stage, check_post, read_staged_form, require_login};
use super::{Link, dataset_title, dataset_url, page_number, pager, viewer};
use crate::AppState;
use crate::i18n::{self, Lang};
use crate::markdown;
use crate::render::{Ctx, Meta, WebError, query_string, see_other, segment};
use crate::session::Session;

const NEWS_PER_PAGE: i64 = 10;
const FIELDS: &[&str] = &[
    "title",
    "title_en",
    "name",
    "body",
    "body_en",
    "datasets",
    "publish_date",
    "image",
];

/// A post in a list (the news page, the home page).
#[derive(Serialize)]
pub struct NewsCard {
    pub url: String,
    pub title: String,
    pub date: String,
    pub excerpt: String,
    pub image_url: Option<String>,
    pub draft: bool,
}

pub fn news_url(p: &NewsPost) -> String {
    format!("/news/{}", segment(&p.name))
}

fn pick<'a>(lang: Lang, uk: &'a str, en: Option<&'a str>) -> &'a str {
    lang.pick(uk, en)
}

pub fn card(lang: Lang, p: &NewsPost) -> NewsCard {
    NewsCard {
        url: news_url(p),
        title: pick(lang, &p.title, p.title_en.as_deref()).to_string(),
        date: i18n::date(lang, &p.publish_date),
        excerpt: markdown::excerpt(pick(lang, &p.body, p.body_en.as_deref()), 240),
        image_url: p.image.as_ref().map(|_| format!("{}/image", news_url(p))),
        draft: !p.is_public(misto_core::time::now()),
    }
}

/// The latest public posts, for the home page.
pub async fn latest(st: &AppState, lang: Lang, n: i64) -> Result<Vec<NewsCard>, WebError> {
    let (_, list) = st
        .portal
        .list_news(&misto_actions::Viewer::anonymous(), false, n, 0)
        .await?;
    Ok(list.iter().map(|p| card(lang, p)).collect())
}

#[derive(Serialize)]
struct ListView {
    posts: Vec<NewsCard>,
    pager: Option<super::Pager>,
    count: i64,
}

/// `GET /news`.
pub async fn list(State(st): State<AppState>, ctx: Ctx) -> Response {
    let r = async {
        let page = page_number(&ctx)?;
        let offset = (page as i64 - 1) * NEWS_PER_PAGE;
        let (count, posts) = st
            .portal
            .list_news(&viewer(&ctx), false, NEWS_PER_PAGE, offset)
            .await?;
        // The shared pager counts in pages of PAGE_SIZE; scale the count.
        let scaled = (count as usize).div_ceil(NEWS_PER_PAGE as usize) * super::PAGE_SIZE;
        let view = ListView {
            posts: posts.iter().map(|p| card(ctx.lang, p)).collect(),
            pager: pager(scaled, page, |n| {
                format!("/news{}", query_string([("page", n.to_string().as_str())]))
            }),
            count,
        };
        let title = ctx.t("eng_news_title");
        let mut meta = Meta::new(&title, "news");
        meta.feed_url = Some("/feeds/news.atom".into());
        st.page(&ctx, "news_list.html", meta, &view)
    }
    .await;
    st.respond(&ctx, r)
}

#[derive(Serialize)]
struct PostView {
    title: String,
    date: String,
    body_html: String,
    image_url: Option<String>,
    datasets: Vec<Link>,
    author: Option<String>,
    draft: bool,
    edit_url: Option<String>,
}

/// `GET /news/{name}`.
pub async fn show(State(st): State<AppState>, Path(name): Path<String>, ctx: Ctx) -> Response {
    let r = async {
        let v = viewer(&ctx);
        let p = st.portal.show_news(&v, &name).await?;
        let lang = ctx.lang;
        let datasets = st.portal.catalog().read(|ix| {
            p.datasets
                .iter()
                .filter_map(|id| ix.get(id))
                .filter(|d| misto_core::auth::can_read_dataset(&v, d))
                .map(|d| Link {
                    url: dataset_url(d),
                    label: dataset_title(lang, d),
                })
                .collect()
        });
        let view = PostView {
            title: pick(lang, &p.title, p.title_en.as_deref()).to_string(),
            date: i18n::date(lang, &p.publish_date),
            body_html: markdown::render(pick(lang, &p.body, p.body_en.as_deref())),
            image_url: p.image.as_ref().map(|_| format!("{}/image", news_url(&p))),
            datasets,
            author: p.author.clone(),
            draft: !p.is_public(misto_core::time::now()),
            edit_url: v.sysadmin.then(|| format!("{}/edit", news_url(&p))),
        };
        let mut meta = Meta::new(&view.title, "news");
        meta.feed_url = Some("/feeds/news.atom".into());
        st.page(&ctx, "news_post.html", meta, &view)
    }
    .await;
    st.respond(&ctx, r)
}

/// `GET /news/{name}/image`: the picture, as an image only.
pub async fn image(State(st): State<AppState>, Path(name): Path<String>, ctx: Ctx) -> Response {
    match st.portal.open_news_image(&viewer(&ctx), &name).await {
        Ok((reader, media_type)) => {
            let mut resp = Body::from_stream(reader.stream).into_response();
            let h = resp.headers_mut();
            if let Ok(v) = HeaderValue::from_str(&media_type) {
                h.insert(header::CONTENT_TYPE, v);
            }
            h.insert(header::CONTENT_LENGTH, HeaderValue::from(reader.size));
            h.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; sandbox"),
            );
            h.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            h.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=300"),
            );
            resp
        }
        Err(e) => st.error_page(&ctx, e.into()),
    }
}

#[derive(Serialize)]
struct AdminRow {
    card: NewsCard,
    edit_url: String,
}

#[derive(Serialize)]
struct AdminView {
    rows: Vec<AdminRow>,
    saved: bool,
}

/// `GET /dashboard/news`: every post with drafts, for coordinators.
pub async fn admin(State(st): State<AppState>, ctx: Ctx) -> Response {
    let session = match require_login(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let r = async {
        super::forms::sysadmin_only(&ctx, session)?;
        let (_, list) = st.portal.list_news(&session.viewer, true, 500, 0).await?;
        let view = AdminView {
            rows: list
                .iter()
                .map(|p| AdminRow {
                    card: card(ctx.lang, p),
                    edit_url: format!("{}/edit", news_url(p)),
                })
                .collect(),
            saved: ctx.param("saved").is_some(),
        };
        let title = ctx.t("eng_news_admin_title");
        st.page(
            &ctx,
            "news_admin.html",
            Meta::new(&title, "dashboard"),
            &view,
        )
    }
    .await;
    st.respond(&ctx, r)
}

#[derive(Serialize, Default)]
struct FormValues {
    title: String,
    title_en: String,
    name: String,
    body: String,
    body_en: String,
    datasets: String,
    publish_date: String,
    published: bool,
    has_image: bool,
}

#[derive(Serialize)]
struct FormView {
    heading: String,
    action: String,
    is_new: bool,
    values: FormValues,
    errors: Errors,
    delete_action: Option<String>,
}

fn values_of(st: &AppState, p: &NewsPost) -> FormValues {
    FormValues {
        title: p.title.clone(),
        title_en: p.title_en.clone().unwrap_or_default(),
        name: p.name.clone(),
        body: p.body.clone(),
        body_en: p.body_en.clone().unwrap_or_default(),
        datasets: st.portal.catalog().read(|ix| {
            p.datasets
                .iter()
                .filter_map(|id| ix.get(id).map(|d| d.name.clone()))
                .collect::<Vec<_>>()
                .join(", ")
        }),
        publish_date: p.publish_date.format("%Y-%m-%d").to_string(),
        published: p.published,
        has_image: p.image.is_some(),
    }
}

fn values_from(form: &Form, has_image: bool) -> FormValues {
    FormValues {
        title: form.get("title").to_string(),
        title_en: form.get("title_en").to_string(),
        name: form.get("name").to_string(),
        body: form.get("body").to_string(),
        body_en: form.get("body_en").to_string(),
        datasets: form.get("datasets").to_string(),
        publish_date: form.get("publish_date").to_string(),
        published: form.has("published"),
        has_image,
    }
}

fn render_form(
    st: &AppState,
    ctx: &Ctx,
    existing: Option<&NewsPost>,
    values: FormValues,
    errors: Errors,
) -> Result<Response, WebError> {
    let heading = match existing {
        Some(p) => format!("{}: {}", ctx.t("eng_news_edit_title"), p.title),
        None => ctx.t("eng_news_new_title"),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let view = FormView {
        action: existing
            .map(|p| format!("{}/edit", news_url(p)))
            .unwrap_or_else(|| "/news/new".into()),
        delete_action: existing.map(|p| format!("{}/delete", news_url(p))),
        is_new: existing.is_none(),
        heading: heading.clone(),
        values,
        errors,
    };
    st.page_with_status(
        ctx,
        status,
        "news_form.html",
        Meta::new(&heading, "dashboard"),
        &view,
    )
}

/// `GET /news/new`.
pub async fn new_form(State(st): State<AppState>, ctx: Ctx) -> Response {
    let session = match require_login(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let r = super::forms::sysadmin_only(&ctx, session).and_then(|()| {
        let values = FormValues {
            publish_date: misto_core::time::now().format("%Y-%m-%d").to_string(),
            ..FormValues::default()
        };
        render_form(&st, &ctx, None, values, Errors::default())
    });
    st.respond(&ctx, r)
}

/// `GET /news/{name}/edit`.
pub async fn edit_form(State(st): State<AppState>, Path(name): Path<String>, ctx: Ctx) -> Response {
    let session = match require_login(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let r = async {
        super::forms::sysadmin_only(&ctx, session)?;
        let p = st.portal.show_news(&session.viewer, &name).await?;
        render_form(&st, &ctx, Some(&p), values_of(&st, &p), Errors::default())
    }
    .await;
    st.respond(&ctx, r)
}

/// Reads the multipart post form; the CSRF token must come before the
/// picture, which is staged in the blob store.
async fn read_form(
    st: &AppState,
    ctx: &Ctx,
    session: &Session,
    mp: Multipart,
) -> Result<(Form, Option<StagedUpload>), WebError> {
    let (form, file, refused) =
        read_staged_form(st, ctx, mp, "image", Stage::Upload(&session.viewer)).await?;
    match refused {
        Some(e) => {
            if let Some(up) = file {
                st.portal.discard_upload(up).await;
            }
            Err(e.into())
        }
        None => Ok((form, file)),
    }
}

fn input_from(form: &Form) -> NewsInput {
    NewsInput {
        name: Some(form.get("name").to_string()),
        title: Some(form.get("title").to_string()),
        title_en: Some(form.get("title_en").to_string()),
        body: Some(form.get("body").to_string()),
        body_en: Some(form.get("body_en").to_string()),
        datasets: Some(
            form.get("datasets")
                .split([',', '\n'])
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
        ),
        published: Some(form.has("published")),
        publish_date: form.opt("publish_date"),
        remove_image: form.has("remove_image"),
    }
}

/// `POST /news/new`.
pub async fn create(State(st): State<AppState>, ctx: Ctx, mp: Multipart) -> Response {
    let session = match require_login(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    if let Err(e) = super::forms::sysadmin_only(&ctx, session) {
        return st.error_page(&ctx, e);
    }
    let (form, file) = match read_form(&st, &ctx, session, mp).await {
        Ok(x) => x,
        Err(e) => return st.error_page(&ctx, e),
    };
    let mut errors = Errors::default();
    match st
        .portal
        .create_news(&session.viewer, input_from(&form), file)
        .await
    {
        Ok(p) => return see_other(&ctx, &news_url(&p)),
        Err(e) => {
            if let Err(e) = errors.absorb(&ctx, FIELDS, e) {
                return st.error_page(&ctx, e);
            }
        }
    }
    let r = render_form(&st, &ctx, None, values_from(&form, false), errors);
    st.respond(&ctx, r)
}

/// `POST /news/{name}/edit`.
pub async fn update(
    State(st): State<AppState>,
    Path(name): Path<String>,
    ctx: Ctx,
    mp: Multipart,
) -> Response {
    let session = match require_login(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let existing = match super::forms::sysadmin_only(&ctx, session) {
        Ok(()) => st.portal.show_news(&session.viewer, &name).await,
        Err(e) => return st.error_page(&ctx, e),
    };
    let existing = match existing {
        Ok(p) => p,
        Err(e) => return st.error_page(&ctx, e.into()),
    };
    let (form, file) = match read_form(&st, &ctx, session, mp).await {
        Ok(x) => x,
        Err(e) => return st.error_page(&ctx, e),
    };
    let mut errors = Errors::default();
    match st
        .portal
        .update_news(&session.viewer, &existing.id, input_from(&form), file)
        .await
    {
        Ok(p) => return see_other(&ctx, &news_url(&p)),
        Err(e) => {
            if let Err(e) = errors.absorb(&ctx, FIELDS, e) {
                return st.error_page(&ctx, e);
            }
        }
    }
    let values = values_from(&form, existing.image.is_some());
    let r = render_form(&st, &ctx, Some(&existing), values, errors);
    st.respond(&ctx, r)
}

/// `POST /news/{name}/delete`.
pub async fn delete(
    State(st): State<AppState>,
    Path(name): Path<String>,
    ctx: Ctx,
    body: Bytes,
) -> Response {
    let session = match require_login(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let form = Form::parse(&body);
    if let Err(e) = check_post(&st, &ctx, form.get("csrf")) {
        return st.error_page(&ctx, e);
    }
    match st.portal.delete_news(&session.viewer, &name).await {
        Ok(()) => see_other(&ctx, "/dashboard/news?saved=1"),
        Err(misto_actions::ActionError::NotAuthorized(_)) => {
            st.error_page(&ctx, WebError::Forbidden(ctx.t("error_not_allowed")))
        }
        Err(e) => st.error_page(&ctx, e.into()),
    }
}
