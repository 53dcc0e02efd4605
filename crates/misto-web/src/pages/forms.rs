//! What every page of the publisher workspace shares: decoding forms,
//! refusing cross-site and forged posts (Origin check plus the CSRF token),
//! sending anonymous visitors to the login page, and turning action errors
//! into messages next to form fields.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::Multipart;
use axum::response::Response;
use misto_actions::ActionError;
use misto_actions::resources::StagedUpload;
use serde::Serialize;

use crate::AppState;
use crate::render::{Ctx, WebError, query_string, see_other};
use crate::session::{self, Session};

/// A decoded `application/x-www-form-urlencoded` body, pairs in order.
#[derive(Debug, Default)]
pub struct Form(pub Vec<(String, String)>);

impl Form {
    /// Decodes a form body. Browsers send a textarea's line breaks as
    /// CRLF; they are stored as LF, as the API and the harvesters write
    /// them, so that saving an untouched form changes nothing.
    pub fn parse(body: &[u8]) -> Self {
        Form(
            form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), v.replace("\r\n", "\n")))
                .collect(),
        )
    }

    /// The first value of `key`, or "".
    pub fn get(&self, key: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    pub fn all(&self, key: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .collect()
    }

    pub fn has(&self, key: &str) -> bool {
        self.0.iter().any(|(k, _)| k == key)
    }

    /// `Some(trimmed)` unless empty.
    pub fn opt(&self, key: &str) -> Option<String> {
        let v = self.get(key).trim();
        (!v.is_empty()).then(|| v.to_string())
    }
}

/// Refuses a POST from another site or without this session's CSRF token.
pub fn check_post(st: &AppState, ctx: &Ctx, token: &str) -> Result<(), WebError> {
    let config = st.portal.config();
    if !session::same_origin(&config.site_url, &ctx.headers) {
        return Err(WebError::Forbidden(ctx.t("error_cross_origin")));
    }
    if !session::csrf_ok(&config.session_key, &ctx.headers, token) {
        return Err(WebError::Forbidden(ctx.t("error_csrf")));
    }
    Ok(())
}

/// Reads a multipart form with one small file field (`file_field`, kept in
/// memory; an empty part is no file). The CSRF token must come before the
/// file, so that a forged post is refused before its file is read, and is
/// checked at the end when no file came.
pub async fn read_file_form(
    st: &AppState,
    ctx: &Ctx,
    mp: Multipart,
    file_field: &str,
) -> Result<(Form, Option<Bytes>), WebError> {
    let (form, got, _) = read_multipart(st, ctx, mp, file_field, Take::Bytes).await?;
    Ok((
        form,
        got.and_then(|g| match g {
            Got::Bytes(b) => Some(b),
            Got::Staged(_) => None,
        }),
    ))
}

/// Where [`read_staged_form`] stages the file.
#[derive(Clone, Copy)]
pub enum Stage<'a> {
    /// An upload of this user (`Portal::stage_upload`).
    Upload(&'a misto_core::Viewer),
    /// A showcase picture sent by anyone (`Portal::stage_showcase_image`,
    /// which checks that it is a picture).
    ShowcaseImage,
}

/// Reads a multipart form with one file field (`file_field`) staged in the
/// blob store: the CSRF token must come before the file; a part without a
/// file name is skipped; a later file replaces an earlier one, which is
/// discarded, as is the staged file when the form turns out bad. A file the
/// portal refuses is returned as the third value (the form is still read).
pub async fn read_staged_form(
    st: &AppState,
    ctx: &Ctx,
    mp: Multipart,
    file_field: &str,
    stage: Stage<'_>,
) -> Result<(Form, Option<StagedUpload>, Option<ActionError>), WebError> {
    let (form, got, refused) = read_multipart(st, ctx, mp, file_field, Take::Stage(stage)).await?;
    let staged = got.and_then(|g| match g {
        Got::Staged(up) => Some(up),
        Got::Bytes(_) => None,
    });
    Ok((form, staged, refused))
}

enum Take<'a> {
    Bytes,
    Stage(Stage<'a>),
}

enum Got {
    Bytes(Bytes),
    Staged(StagedUpload),
}

/// The walk both readers share: text fields into the form; the part named
/// `file_field` taken once the CSRF token read so far checks out.
async fn read_multipart(
    st: &AppState,
    ctx: &Ctx,
    mut mp: Multipart,
    file_field: &str,
    take: Take<'_>,
) -> Result<(Form, Option<Got>, Option<ActionError>), WebError> {
    let mut form = Form::default();
    let mut got: Option<Got> = None;
    let mut refused = None;
    let mut checked = false;
    let walked: Result<(), WebError> = async {
        let bad = || WebError::BadRequest(ctx.t("error_bad_form"));
        while let Some(field) = mp.next_field().await.map_err(|_| bad())? {
            let name = field.name().unwrap_or("").to_string();
            if name != file_field {
                let v = field.text().await.map_err(|_| bad())?;
                form.0.push((name, v));
                continue;
            }
            if !checked {
                check_post(st, ctx, form.get("csrf"))?;
                checked = true;
            }
            let file_name = field.file_name().unwrap_or("").to_string();
            let next = match take {
                Take::Bytes => {
                    let b = field.bytes().await.map_err(|_| bad())?;
                    (!b.is_empty()).then_some(Got::Bytes(b))
                }
                Take::Stage(_) if file_name.trim().is_empty() => {
                    let _ = field.bytes().await;
                    None
                }
                Take::Stage(stage) => {
                    let staged = match stage {
                        Stage::Upload(viewer) => {
                            let ctype = field.content_type().map(str::to_string);
                            st.portal
                                .stage_upload(viewer, &file_name, ctype.as_deref(), field)
                                .await
                        }
                        Stage::ShowcaseImage => {
                            st.portal.stage_showcase_image(&file_name, field).await
                        }
                    };
                    match staged {
                        Ok(up) => Some(Got::Staged(up)),
                        Err(e) => {
                            refused = Some(e);
                            None
                        }
                    }
                }
            };
            if let Some(n) = next
                && let Some(Got::Staged(old)) = got.replace(n)
            {
                st.portal.discard_upload(old).await;
            }
        }
        if !checked {
            check_post(st, ctx, form.get("csrf"))?;
        }
        Ok(())
    }
    .await;
    match walked {
        Ok(()) => Ok((form, got, refused)),
        Err(e) => {
            if let Some(Got::Staged(up)) = got {
                st.portal.discard_upload(up).await;
            }
            Err(e)
        }
    }
}

/// The signed-in person, or a redirect to the login page that comes back here.
#[allow(clippy::result_large_err)] // returned straight to axum, never stored
pub fn require_login(ctx: &Ctx) -> Result<&Session, Response> {
    match &ctx.session {
        Some(s) => Ok(s),
        None => {
            let mut back = ctx.path.clone();
            if !ctx.query.is_empty() {
                back.push_str(&query_string(
                    ctx.query.iter().map(|(k, v)| (k.as_str(), v.as_str())),
                ));
            }
            Err(see_other(
                ctx,
                &format!("/login{}", query_string([("next", back.as_str())])),
            ))
        }
    }
}

/// Refuses anyone but a sysadmin (coordinators of the portal).
pub fn sysadmin_only(ctx: &Ctx, s: &Session) -> Result<(), WebError> {
    if s.viewer.sysadmin {
        Ok(())
    } else {
        Err(WebError::Forbidden(ctx.t("error_not_allowed")))
    }
}

/// An option of a `<select>`, or a checkbox.
#[derive(Debug, Serialize)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// Messages per form field, and the links of the error summary.
#[derive(Debug, Default, Serialize)]
pub struct Errors {
    pub fields: BTreeMap<String, Vec<String>>,
    /// Messages not tied to a field of this form.
    pub general: Vec<String>,
}

impl Errors {
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.general.is_empty()
    }

    pub fn add(&mut self, field: &str, msg: String) {
        self.fields.entry(field.to_string()).or_default().push(msg);
    }

    /// Puts validation messages next to the form's fields (translating the
    /// common ones), the rest into the general list. Other action errors
    /// are returned.
    pub fn absorb(
        &mut self,
        ctx: &Ctx,
        form_fields: &[&str],
        e: ActionError,
    ) -> Result<(), WebError> {
        match e {
            ActionError::Validation(f) => {
                for (field, msgs) in f.0 {
                    for m in msgs {
                        let m = translate(ctx, &m);
                        if form_fields.contains(&field.as_str()) {
                            self.add(&field, m);
                        } else {
                            self.general.push(format!("{field}: {m}"));
                        }
                    }
                }
                Ok(())
            }
            ActionError::TooLarge(m) => {
                self.general.push(m);
                Ok(())
            }
            ActionError::NotAuthorized(_) => Err(WebError::Forbidden(ctx.t("error_not_allowed"))),
            other => Err(other.into()),
        }
    }
}

/// The numbers in a message, in order ("Must be 2 to 100 ..." → [2, 100]).
fn numbers(msg: &str) -> Vec<String> {
    msg.split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// The validator's messages (English, as the API gives them) in the page's
/// language. Messages not listed are shown as they are.
pub fn translate(ctx: &Ctx, msg: &str) -> String {
    let with = |key: &str| {
        let n = numbers(msg);
        let mut s = ctx.t(key);
        if let Some(a) = n.first() {
            s = s.replace("{n}", a);
        }
        if let Some(b) = n.get(1) {
            s = s.replace("{m}", b);
        }
        s
    };
    match msg {
        "Missing value" => ctx.t("error_missing"),
        "That URL is already in use." => ctx.t("error_name_taken"),
        m if m.starts_with("Must be 2 to 100 characters") => ctx.t("error_name_format"),
        m if m.starts_with("Email ") || m == "Invalid e-mail address" => ctx.t("error_email"),
        m if m.starts_with("Must be at most ") && m.ends_with(" characters") => {
            with("validator_max_chars")
        }
        m if m.starts_with("Must be at least ") && m.ends_with(" characters") => {
            with("validator_min_chars")
        }
        m if m.starts_with("Must be ") && m.contains(" to ") && m.ends_with(" characters") => {
            with("validator_range_chars")
        }
        "Must be a date as YYYY-MM-DD" => ctx.t("validator_date"),
        "Must be a date-time in ISO 8601" | "Must be a date or date-time in ISO 8601" => {
            ctx.t("validator_datetime")
        }
        "Must be an http(s) URL" | "Must be an http(s) or ftp URL" => ctx.t("validator_url"),
        "Must not be in the future" => ctx.t("validator_not_future"),
        "Must not be before temporal_start" => ctx.t("validator_not_before_start"),
        "Must be in the future" => ctx.t("validator_in_future"),
        "Must be a value of the national vocabulary" => ctx.t("validator_vocabulary"),
        m if m.starts_with("EDRPOU code must be") => ctx.t("validator_edrpou"),
        m if m.starts_with("KATOTTG code must be") => ctx.t("validator_katottg"),
        m if m.starts_with("Must be a latitude") || m.starts_with("Must be a longitude") => {
            ctx.t("validator_degrees")
        }
        m if m.starts_with("Give both the latitude") => ctx.t("validator_both_coordinates"),
        m if m.starts_with("Must be a colour like") => ctx.t("validator_colour"),
        m if m.starts_with("Too light:") => ctx.t("validator_contrast"),
        m if m.starts_with("The logo must be a ") => ctx.t("validator_logo_type"),
        m if m.starts_with("The logo must be at most") => ctx.t("validator_logo_size"),
        "The picture must be a PNG, JPEG or WebP file" => ctx.t("sc_image_type"),
        m if m.starts_with("The picture must be at most") => ctx.t("sc_image_size"),
        m if m.starts_with("You cannot change your own") => ctx.t("validator_self"),
        m if m.starts_with("The dataset was changed by someone else") => ctx.t("validator_stale"),
        "Extra key must not be empty" => ctx.t("validator_extra_key"),
        m if m.starts_with("Must be draft or active") => ctx.t("validator_state"),
        m => m.to_string(),
    }
}

/// The common start of a POST that changes a dataset: signed in, same
/// origin with this session's CSRF token, and allowed to edit the dataset.
#[allow(clippy::result_large_err)] // returned straight to axum, never stored
pub fn edit_post<'a>(
    st: &AppState,
    ctx: &'a Ctx,
    body: &[u8],
    name: &str,
) -> Result<(&'a Session, Form, std::sync::Arc<misto_core::Dataset>), Response> {
    let session = require_login(ctx)?;
    let form = Form::parse(body);
    if let Err(e) = check_post(st, ctx, form.get("csrf")) {
        return Err(st.error_page(ctx, e));
    }
    let d =
        super::dataset_edit::editable(st, ctx, session, name).map_err(|e| st.error_page(ctx, e))?;
    Ok((session, form, d))
}

#[cfg(test)]
mod tests {
    use super::Form;

    #[test]
    fn textarea_line_breaks_are_stored_as_lf() {
        let f = Form::parse(b"notes=%D0%A0%D1%8F%D0%B4%201%0D%0A%D0%A0%D1%8F%D0%B4%202&title=a");
        assert_eq!(f.get("notes"), "Ряд 1\nРяд 2");
        assert_eq!(f.get("title"), "a");
    }
}
