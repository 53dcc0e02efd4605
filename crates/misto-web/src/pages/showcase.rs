//! The showcase in the browser: the public gallery (`/showcase`), an item
//! (`/showcase/{name}`, picture at `/showcase/{name}/image`), the
//! submission form for anyone (`/showcase/new`, multipart with an optional
//! PNG/JPEG/WebP picture; honeypot, rate limit, then review), the coordinators' verdict (`/showcase/{name}/review`, from the
//! moderation queue) and the "used in" list on dataset pages.

use axum::body::{Body, Bytes};
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use misto_actions::ActionError;
use misto_actions::engagement::Sender;
use misto_actions::resources::StagedUpload;
use misto_actions::showcase::ShowcaseInput;
use misto_core::content::{SHOWCASE_KINDS, ShowcaseItem};
use serde::Serialize;

use super::forms::{Choice, Errors, Form, Stage, check_post, read_staged_form, require_login};
use super::{Link, dataset_title, dataset_url, viewer};
use crate::AppState;
use crate::i18n;
use crate::render::{Ctx, Meta, WebError, see_other, segment};

const FIELDS: &[&str] = &[
    "image",
    "kind",
    "title",
    "description",
    "url",
    "datasets",
    "author_name",
    "author_email",
];

#[derive(Serialize)]
pub struct ShowcaseCard {
    pub url: String,
    pub title: String,
    pub kind: String,
    pub author: String,
    pub link: String,
    pub image_url: Option<String>,
    pub description: String,
    pub datasets: Vec<Link>,
    pub date: String,
}

pub fn item_url(s: &ShowcaseItem) -> String {
    format!("/showcase/{}", segment(&s.name))
}

pub fn card(st: &AppState, ctx: &Ctx, s: &ShowcaseItem) -> ShowcaseCard {
    let lang = ctx.lang;
    ShowcaseCard {
        url: item_url(s),
        title: s.title.clone(),
        kind: ctx.t(&format!("eng_showcase_kind_{}", s.kind)),
        author: s.author_name.clone(),
        link: s.url.clone(),
        image_url: s.image.as_ref().map(|_| format!("{}/image", item_url(s))),
        description: s.description.clone(),
        datasets: st.portal.catalog().read(|ix| {
            s.datasets
                .iter()
                .filter_map(|id| ix.get(id))
                .map(|d| Link {
                    url: dataset_url(d),
                    label: dataset_title(lang, d),
                })
                .collect()
        }),
        date: i18n::date(lang, &s.created),
    }
}

/// The approved items using a dataset, for its page.
pub async fn used_in(st: &AppState, ctx: &Ctx, dataset_id: &str) -> Result<Vec<Link>, WebError> {
    Ok(st
        .portal
        .showcase_for_dataset(&viewer(ctx), dataset_id)
        .await?
        .iter()
        .map(|s| Link {
            url: item_url(s),
            label: s.title.clone(),
        })
        .collect())
}

#[derive(Serialize)]
struct ListView {
    items: Vec<ShowcaseCard>,
    sent: bool,
}

/// `GET /showcase`.
pub async fn list(State(st): State<AppState>, ctx: Ctx) -> Response {
    let r = async {
        let items = st.portal.list_showcase(&viewer(&ctx), None, 500, 0).await?;
        let view = ListView {
            items: items.iter().map(|s| card(&st, &ctx, s)).collect(),
            sent: ctx.param("sent").is_some(),
        };
        let title = ctx.t("eng_showcase_title");
        st.page(
            &ctx,
            "showcase_list.html",
            Meta::new(&title, "showcase"),
            &view,
        )
    }
    .await;
    st.respond(&ctx, r)
}

#[derive(Serialize)]
struct ItemView {
    item: ShowcaseCard,
    pending: bool,
}

/// `GET /showcase/{name}`.
pub async fn show(State(st): State<AppState>, Path(name): Path<String>, ctx: Ctx) -> Response {
    let r = async {
        let s = st.portal.show_showcase(&viewer(&ctx), &name).await?;
        let view = ItemView {
            item: card(&st, &ctx, &s),
            pending: s.moderation != misto_core::Moderation::Approved,
        };
        st.page(
            &ctx,
            "showcase_item.html",
            Meta::new(&s.title, "showcase"),
            &view,
        )
    }
    .await;
    st.respond(&ctx, r)
}

/// `GET /showcase/{name}/image`.
pub async fn image(State(st): State<AppState>, Path(name): Path<String>, ctx: Ctx) -> Response {
    match st.portal.open_showcase_image(&viewer(&ctx), &name).await {
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
            resp
        }
        Err(e) => st.error_page(&ctx, e.into()),
    }
}

#[derive(Serialize, Default)]
struct FormValues {
    kind: String,
    title: String,
    description: String,
    url: String,
    datasets: String,
    author_name: String,
    author_email: String,
}

#[derive(Serialize)]
struct FormView {
    values: FormValues,
    kinds: Vec<Choice>,
    errors: Errors,
    anonymous: bool,
}

fn render_form(
    st: &AppState,
    ctx: &Ctx,
    values: FormValues,
    errors: Errors,
) -> Result<Response, WebError> {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let view = FormView {
        kinds: SHOWCASE_KINDS
            .iter()
            .map(|k| Choice {
                value: k.to_string(),
                label: ctx.t(&format!("eng_showcase_kind_{k}")),
                selected: *k == values.kind,
            })
            .collect(),
        values,
        errors,
        anonymous: ctx.session.is_none(),
    };
    let title = ctx.t("eng_showcase_new_title");
    st.page_with_status(
        ctx,
        status,
        "showcase_form.html",
        Meta::new(&title, "showcase"),
        &view,
    )
}

/// `GET /showcase/new` (`?dataset=` fills in a dataset).
pub async fn new_form(State(st): State<AppState>, mut ctx: Ctx) -> Response {
    ctx.ensure_pre(&st.portal.config().session_key);
    let values = FormValues {
        datasets: ctx.param("dataset").unwrap_or("").to_string(),
        ..FormValues::default()
    };
    let r = render_form(&st, &ctx, values, Errors::default());
    st.respond(&ctx, r)
}

/// Reads the multipart submission: the CSRF token must come before the
/// picture, which is staged in the blob store (anyone may send one); a
/// picture that is refused is a message next to its field.
async fn read_form(
    st: &AppState,
    ctx: &Ctx,
    mp: Multipart,
) -> Result<(Form, Option<StagedUpload>, Errors), WebError> {
    let mut errors = Errors::default();
    let (form, file, refused) =
        read_staged_form(st, ctx, mp, "image", Stage::ShowcaseImage).await?;
    if let Some(e) = refused {
        errors.absorb(ctx, FIELDS, e)?;
    }
    Ok((form, file, errors))
}

/// `POST /showcase/new` (multipart: the fields and an optional picture).
pub async fn create(State(st): State<AppState>, mut ctx: Ctx, mp: Multipart) -> Response {
    let (form, file, mut errors) = match read_form(&st, &ctx, mp).await {
        Ok(x) => x,
        Err(e) => return st.error_page(&ctx, e),
    };
    let sender = Sender {
        name: form.get("author_name").to_string(),
        email: form.get("author_email").to_string(),
        address: ctx.client_addr.clone(),
        honeypot: form.opt("website"),
    };
    let input = ShowcaseInput {
        name: None,
        kind: form.opt("kind"),
        title: form.get("title").to_string(),
        description: form.get("description").to_string(),
        url: form.get("url").to_string(),
        datasets: form
            .get("datasets")
            .split([',', '\n'])
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
    };
    if errors.is_empty() {
        match st
            .portal
            .submit_showcase(&viewer(&ctx), sender, input, file)
            .await
        {
            Ok(_) => return see_other(&ctx, "/showcase?sent=1"),
            Err(ActionError::TooMany(_)) => {
                return st.error_page(&ctx, WebError::TooManyRequests(ctx.t("eng_too_many")));
            }
            Err(e) => {
                if let Err(e) = errors.absorb(&ctx, FIELDS, e) {
                    return st.error_page(&ctx, e);
                }
            }
        }
    } else if let Some(up) = file {
        st.portal.discard_upload(up).await;
    }
    ctx.ensure_pre(&st.portal.config().session_key);
    let values = FormValues {
        kind: form.get("kind").to_string(),
        title: form.get("title").to_string(),
        description: form.get("description").to_string(),
        url: form.get("url").to_string(),
        datasets: form.get("datasets").to_string(),
        author_name: form.get("author_name").to_string(),
        author_email: form.get("author_email").to_string(),
    };
    let r = render_form(&st, &ctx, values, errors);
    st.respond(&ctx, r)
}

/// `POST /showcase/{name}/review` (coordinators: `moderation`).
pub async fn review(
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
    match st
        .portal
        .review_showcase(&session.viewer, &name, form.get("moderation"))
        .await
    {
        Ok(_) => see_other(&ctx, "/dashboard/moderation?saved=1"),
        Err(ActionError::NotAuthorized(_)) => {
            st.error_page(&ctx, WebError::Forbidden(ctx.t("error_not_allowed")))
        }
        Err(e) => st.error_page(&ctx, e.into()),
    }
}
