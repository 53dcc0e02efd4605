//! Feedback on datasets and requests for new datasets, with a spam guard
//! that needs no outside service: a honeypot field, a per-address and
//! per-e-mail rate limit kept in memory (addresses are never stored), and a
//! moderation queue for what anonymous visitors send.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use misto_core::auth::can_read_dataset;
use misto_core::time::{now, parse_date};
use misto_core::validate::is_valid_email;
use misto_core::{
    DatasetRequest, Feedback, FeedbackKind, FeedbackStatus, FieldErrors, Moderation, RequestStatus,
    Viewer,
};
use sha2::{Digest, Sha256};

use crate::{ActionError, Portal, Result, new_id};

/// Submissions one sender may make in [`WINDOW`].
const MAX_PER_WINDOW: usize = 5;
const WINDOW: Duration = Duration::from_secs(3600);

/// In-memory sliding-window counter per key (a hashed address or e-mail).
#[derive(Default)]
pub struct RateLimiter {
    hits: Mutex<HashMap<String, Vec<Instant>>>,
}

impl RateLimiter {
    /// Records a hit for every key; false (and nothing recorded) when any key
    /// is over the limit.
    pub fn allow(&self, keys: &[String]) -> bool {
        let Ok(mut map) = self.hits.lock() else {
            return false;
        };
        let now = Instant::now();
        if map.len() > 100_000 {
            map.retain(|_, v| v.iter().any(|t| now.duration_since(*t) < WINDOW));
        }
        for k in keys {
            let recent = map.get(k).map_or(0, |v| {
                v.iter()
                    .filter(|t| now.duration_since(**t) < WINDOW)
                    .count()
            });
            if recent >= MAX_PER_WINDOW {
                return false;
            }
        }
        for k in keys {
            let v = map.entry(k.clone()).or_default();
            v.retain(|t| now.duration_since(*t) < WINDOW);
            v.push(now);
        }
        true
    }
}

fn hashed(s: &str) -> String {
    hex::encode(Sha256::digest(s.trim().to_lowercase().as_bytes()))
}

/// Who sent something: the visitor's own fields plus what the HTTP layer
/// knows about the connection (used for rate limits only, never stored).
#[derive(Debug, Clone, Default)]
pub struct Sender {
    pub name: String,
    pub email: String,
    /// The client address as the HTTP layer saw it, if any.
    pub address: Option<String>,
    /// A form field humans leave empty; bots fill it.
    pub honeypot: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct FeedbackInput {
    pub dataset: String,
    pub kind: Option<String>,
    pub message: String,
    pub private: bool,
}

#[derive(Debug, Clone, Default)]
pub struct RequestInput {
    pub title: String,
    pub description: String,
    /// Suggested publisher (id or name).
    pub publisher: Option<String>,
}

/// A coordinator's or publisher's decision on a piece of feedback.
#[derive(Debug, Clone, Default)]
pub struct FeedbackUpdate {
    pub status: Option<String>,
    pub answer: Option<String>,
    pub moderation: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct RequestUpdate {
    pub status: Option<String>,
    pub planned_date: Option<String>,
    /// Dataset id or name that fulfils the request.
    pub dataset: Option<String>,
    pub reason: Option<String>,
    pub moderation: Option<String>,
}

pub(crate) fn check_sender(actor: &Viewer, s: &Sender, errors: &mut FieldErrors) {
    let n = s.name.trim().chars().count();
    if actor.is_anonymous() && !(1..=200).contains(&n) {
        errors.add("author_name", "Give your name (up to 200 characters)");
    }
    if actor.is_anonymous() && !is_valid_email(s.email.trim()) {
        errors.add("author_email", "Give an e-mail address for the answer");
    }
}

fn text_len(errors: &mut FieldErrors, field: &str, v: &str, min: usize, max: usize) {
    let n = v.trim().chars().count();
    if n < min || n > max {
        errors.add(field, format!("Must be {min} to {max} characters"));
    }
}

impl Portal {
    /// Applies the spam guard; `Ok(true)` means "looks like a bot".
    pub(crate) fn guard(&self, actor: &Viewer, s: &Sender) -> Result<bool> {
        if s.honeypot.as_deref().is_some_and(|h| !h.trim().is_empty()) {
            return Ok(true);
        }
        if actor.sysadmin {
            return Ok(false);
        }
        let mut keys = vec![format!("e:{}", hashed(&s.email))];
        if let Some(a) = &s.address {
            keys.push(format!("a:{}", hashed(a)));
        }
        if let Some(u) = &actor.user_id {
            keys.push(format!("u:{u}"));
        }
        if !self.limiter.allow(&keys) {
            return Err(ActionError::TooMany(
                "Too many submissions from you in the last hour; please try again later".into(),
            ));
        }
        Ok(false)
    }

    fn initial_moderation(actor: &Viewer, bot: bool) -> Moderation {
        if bot {
            Moderation::Spam
        } else if actor.is_anonymous() {
            Moderation::Pending
        } else {
            Moderation::Approved
        }
    }

    /// Anyone leaves feedback on a dataset they can see.
    pub async fn submit_feedback(
        &self,
        actor: &Viewer,
        sender: Sender,
        input: FeedbackInput,
    ) -> Result<Feedback> {
        let d = self.show_dataset(actor, &input.dataset)?;
        let mut errors = FieldErrors::new();
        check_sender(actor, &sender, &mut errors);
        text_len(&mut errors, "message", &input.message, 5, 4000);
        let kind = match input
            .kind
            .as_deref()
            .map(str::trim)
            .filter(|k| !k.is_empty())
        {
            None => FeedbackKind::QualityProblem,
            Some(k) => FeedbackKind::parse(k).unwrap_or_else(|| {
                errors.add(
                    "kind",
                    "Must be one of: quality_problem, data_error, question",
                );
                FeedbackKind::Question
            }),
        };
        errors.into_result()?;
        let bot = self.guard(actor, &sender)?;
        let t = now();
        let f = Feedback {
            id: new_id(),
            dataset_id: d.id.clone(),
            publisher_id: d.owner_org.clone(),
            kind,
            message: input.message.trim().to_string(),
            author_name: sender.name.trim().to_string(),
            author_email: sender.email.trim().to_string(),
            private: input.private,
            moderation: Self::initial_moderation(actor, bot),
            status: FeedbackStatus::New,
            answer: None,
            answered_by: None,
            created: t,
            modified: t,
        };
        crate::check_text(&f)?;
        self.store.save_feedback(&f).await?;
        if f.moderation != Moderation::Spam {
            self.notify_responsible(&d, &f).await;
        }
        Ok(f)
    }

    /// Feedback of a dataset (or of a publisher): the publisher's members and
    /// sysadmins see everything; others see approved, non-private feedback.
    pub async fn list_feedback(
        &self,
        viewer: &Viewer,
        dataset: Option<&str>,
        publisher: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<Feedback>> {
        let dataset_id = match dataset {
            Some(d) => Some(self.show_dataset(viewer, d)?.id.clone()),
            None => None,
        };
        let publisher_id = match publisher {
            Some(p) => Some(self.show_publisher(p)?.id),
            None => None,
        };
        let list = self
            .store
            .list_feedback(
                dataset_id.as_deref(),
                publisher_id.as_deref(),
                limit,
                offset,
            )
            .await?;
        Ok(list
            .into_iter()
            .filter(|f| {
                let insider = viewer.sysadmin || viewer.role_in(&f.publisher_id).is_some();
                let dataset_visible = self
                    .catalog
                    .read(|ix| ix.get(&f.dataset_id).cloned())
                    .is_some_and(|d| can_read_dataset(viewer, &d));
                dataset_visible && (insider || (f.moderation == Moderation::Approved && !f.private))
            })
            .collect())
    }

    /// The publisher's editors answer, change the status, or moderate.
    pub async fn update_feedback(
        &self,
        actor: &Viewer,
        id: &str,
        u: FeedbackUpdate,
    ) -> Result<Feedback> {
        let mut f = self
            .store
            .find_feedback(id)
            .await?
            .ok_or_else(|| ActionError::not_found("feedback"))?;
        if !actor.can_edit_in(&f.publisher_id) {
            return Err(ActionError::denied(
                "only the publisher's editors answer its feedback",
            ));
        }
        let mut errors = FieldErrors::new();
        let answered = u.answer.is_some();
        if let Some(s) = u.status.as_deref().filter(|s| !s.is_empty()) {
            match FeedbackStatus::parse(s) {
                Some(v) => f.status = v,
                None => errors.add(
                    "status",
                    "Must be one of: new, in_progress, answered, fixed, rejected",
                ),
            }
        }
        if let Some(m) = u.moderation.as_deref().filter(|s| !s.is_empty()) {
            match Moderation::parse(m) {
                Some(v) => f.moderation = v,
                None => errors.add("moderation", "Must be one of: pending, approved, spam"),
            }
        }
        if let Some(a) = u.answer {
            text_len(&mut errors, "answer", &a, 1, 4000);
            f.answer = Some(a.trim().to_string());
            f.answered_by = actor.user_name.clone();
            if u.status.is_none() && f.status == FeedbackStatus::New {
                f.status = FeedbackStatus::Answered;
            }
            // An answer from the publisher approves the question it answers.
            if f.moderation == Moderation::Pending {
                f.moderation = Moderation::Approved;
            }
        }
        errors.into_result()?;
        f.modified = now();
        crate::check_text(&f)?;
        self.store.save_feedback(&f).await?;
        if answered {
            self.notify_author(&f).await;
        }
        Ok(f)
    }

    /// Anyone asks for a new dataset.
    pub async fn submit_request(
        &self,
        actor: &Viewer,
        sender: Sender,
        input: RequestInput,
    ) -> Result<DatasetRequest> {
        let mut errors = FieldErrors::new();
        check_sender(actor, &sender, &mut errors);
        text_len(&mut errors, "title", &input.title, 3, 254);
        text_len(&mut errors, "description", &input.description, 0, 4000);
        let publisher_id = match input
            .publisher
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            None => None,
            Some(p) => match self.show_publisher(p) {
                Ok(x) => Some(x.id),
                Err(_) => {
                    errors.add("publisher", format!("Organization does not exist: {p}"));
                    None
                }
            },
        };
        errors.into_result()?;
        let bot = self.guard(actor, &sender)?;
        let t = now();
        let r = DatasetRequest {
            id: new_id(),
            title: input.title.trim().to_string(),
            description: input.description.trim().to_string(),
            publisher_id,
            author_name: sender.name.trim().to_string(),
            author_email: sender.email.trim().to_string(),
            moderation: Self::initial_moderation(actor, bot),
            status: RequestStatus::New,
            planned_date: None,
            dataset_id: None,
            reason: None,
            votes: 0,
            created: t,
            modified: t,
        };
        crate::check_text(&r)?;
        self.store.save_request(&r).await?;
        Ok(r)
    }

    /// Requests by votes; the public sees approved ones, sysadmins all.
    pub async fn list_requests(
        &self,
        viewer: &Viewer,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<DatasetRequest>> {
        // Paged in the database over what the viewer may see, so every
        // page is full however many requests wait in moderation.
        Ok(self
            .store
            .list_requests(Self::visible_requests(viewer), limit, offset)
            .await?)
    }

    /// How many requests the viewer may see, and how many of them were
    /// fulfilled (status published).
    pub async fn count_requests(&self, viewer: &Viewer) -> Result<(i64, i64)> {
        let m = Self::visible_requests(viewer);
        let all = self.store.count_requests(m, None).await?;
        let published = self
            .store
            .count_requests(m, Some(RequestStatus::Published.as_str()))
            .await?;
        Ok((all, published))
    }

    /// Coordinators see every request, others the approved ones.
    fn visible_requests(viewer: &Viewer) -> Option<Moderation> {
        (!viewer.sysadmin).then_some(Moderation::Approved)
    }

    pub async fn show_request(&self, viewer: &Viewer, id: &str) -> Result<DatasetRequest> {
        self.store
            .find_request(id)
            .await?
            .filter(|r| viewer.sysadmin || r.moderation == Moderation::Approved)
            .ok_or_else(|| ActionError::not_found("dataset request"))
    }

    /// One vote per voter (an opaque key from the visitor's browser or
    /// account); `Ok(false)` when this voter had voted already.
    pub async fn vote_request(&self, viewer: &Viewer, id: &str, voter: &str) -> Result<bool> {
        let r = self.show_request(viewer, id).await?;
        let key = match &viewer.user_id {
            Some(u) => format!("user:{u}"),
            None if voter.trim().len() >= 8 => format!("anon:{}", voter.trim()),
            None => {
                return Err(ActionError::invalid(
                    "voter",
                    "Give the voter key (at least 8 characters)",
                ));
            }
        };
        Ok(self.store.vote_request(&r.id, &hashed(&key), now()).await?)
    }

    /// Coordinators (sysadmins) set the status of a request.
    pub async fn update_request(
        &self,
        actor: &Viewer,
        id: &str,
        u: RequestUpdate,
    ) -> Result<DatasetRequest> {
        if !actor.sysadmin {
            return Err(ActionError::denied(
                "only coordinators review dataset requests",
            ));
        }
        let mut r = self
            .store
            .find_request(id)
            .await?
            .ok_or_else(|| ActionError::not_found("dataset request"))?;
        let mut errors = FieldErrors::new();
        if let Some(m) = u.moderation.as_deref().filter(|s| !s.is_empty()) {
            match Moderation::parse(m) {
                Some(v) => r.moderation = v,
                None => errors.add("moderation", "Must be one of: pending, approved, spam"),
            }
        }
        if let Some(s) = u.status.as_deref().filter(|s| !s.is_empty()) {
            match RequestStatus::parse(s) {
                Some(v) => r.status = v,
                None => errors.add(
                    "status",
                    "Must be one of: new, under_review, planned, published, rejected",
                ),
            }
        }
        if let Some(d) = u.planned_date.as_deref().filter(|s| !s.is_empty()) {
            match parse_date(d) {
                Some(v) => r.planned_date = Some(v),
                None => errors.add("planned_date", "Must be a date as YYYY-MM-DD"),
            }
        }
        if let Some(d) = u.dataset.as_deref().filter(|s| !s.is_empty()) {
            match self.show_dataset(&Viewer::anonymous(), d) {
                Ok(ds) => r.dataset_id = Some(ds.id.clone()),
                Err(_) => errors.add("dataset", format!("No public dataset {d}")),
            }
        }
        if let Some(reason) = u.reason {
            r.reason = Some(reason.trim().to_string()).filter(|s| !s.is_empty());
        }
        match r.status {
            RequestStatus::Planned if r.planned_date.is_none() => {
                errors.add("planned_date", "A planned request needs a date")
            }
            RequestStatus::Published if r.dataset_id.is_none() => {
                errors.add("dataset", "A published request links the dataset")
            }
            RequestStatus::Rejected if r.reason.is_none() => {
                errors.add("reason", "Say why the request is rejected")
            }
            _ => {}
        }
        errors.into_result()?;
        if r.moderation == Moderation::Pending {
            r.moderation = Moderation::Approved;
        }
        r.modified = now();
        crate::check_text(&r)?;
        self.store.save_request(&r).await?;
        Ok(r)
    }
}

/// HMAC-SHA256 (RFC 2104), for the capability links sent to authors.
pub(crate) fn hmac(key: &[u8], msg: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut k = [0u8; BLOCK];
    if key.len() > BLOCK {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(k.map(|b| b ^ 0x36));
    inner.update(msg);
    let inner = inner.finalize();
    let mut outer = Sha256::new();
    outer.update(k.map(|b| b ^ 0x5c));
    outer.update(inner);
    outer.finalize().into()
}

/// Feedback and requests waiting for a coordinator.
#[derive(Debug, Clone, Default)]
pub struct ModerationQueue {
    pub feedback: Vec<Feedback>,
    pub requests: Vec<DatasetRequest>,
    pub showcase: Vec<misto_core::content::ShowcaseItem>,
}

/// How many items of each sort the moderation queue and the inbox show.
pub const QUEUE_MAX: i64 = 500;

impl Portal {
    /// The secret key in the link that lets the author of feedback follow
    /// it without an account (a MAC of the id under the install's key).
    pub fn feedback_author_key(&self, id: &str) -> String {
        let mac = hmac(
            &self.config.session_key,
            format!("feedback:{id}").as_bytes(),
        );
        hex::encode(&mac[..16])
    }

    /// The address where the author follows their feedback.
    pub fn feedback_author_url(&self, id: &str) -> String {
        format!(
            "{}/feedback/{id}?key={}",
            self.config.site_url.trim_end_matches('/'),
            self.feedback_author_key(id)
        )
    }

    /// Feedback as its author sees it through the link with the key (any
    /// moderation state but spam, private or not).
    pub async fn show_feedback_for_author(&self, id: &str, key: &str) -> Result<Feedback> {
        let expected = self.feedback_author_key(id);
        let ok = expected.len() == key.len()
            && expected
                .bytes()
                .zip(key.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        if !ok {
            return Err(ActionError::not_found("feedback"));
        }
        self.store
            .find_feedback(id)
            .await?
            .filter(|f| f.moderation != Moderation::Spam)
            .ok_or_else(|| ActionError::not_found("feedback"))
    }

    /// Queues an e-mail to the dataset's responsible person about new
    /// feedback. A failure to queue is logged: the feedback is saved.
    async fn notify_responsible(&self, d: &misto_core::Dataset, f: &Feedback) {
        let Some(to) = d
            .maintainer_email
            .as_deref()
            .map(str::trim)
            .filter(|e| is_valid_email(e))
        else {
            return;
        };
        let site = self.config.site_url.trim_end_matches('/');
        let email = crate::jobs::Email {
            to: to.to_string(),
            subject: format!("Новий відгук про набір даних «{}»", d.title),
            text: format!(
                "Надійшов відгук ({kind}) про набір даних «{title}».\n\n{message}\n\n\
                 Автор: {author}\n\
                 Відповісти: {site}/dashboard/feedback\n\
                 Набір даних: {site}/dataset/{name}\n",
                kind = f.kind.as_str(),
                title = d.title,
                message = f.message,
                author = f.author_name,
                name = d.name,
            ),
        };
        if let Err(e) = self
            .queue_email(&email, &format!("feedback-new:{}", f.id))
            .await
        {
            tracing::warn!(feedback = %f.id, error = %e, "could not queue the feedback notice");
        }
    }

    /// Queues an e-mail with the answer to the author of feedback.
    async fn notify_author(&self, f: &Feedback) {
        let to = f.author_email.trim();
        if !is_valid_email(to) {
            return;
        }
        let title = self
            .catalog
            .read(|ix| ix.get(&f.dataset_id).map(|d| d.title.clone()))
            .unwrap_or_default();
        let email = crate::jobs::Email {
            to: to.to_string(),
            subject: format!("Відповідь на ваш відгук про «{title}»"),
            text: format!(
                "Вітаємо, {name}!\n\nВаш відгук: {message}\n\nСтатус: {status}\n\
                 Відповідь: {answer}\n\nСтежити за відгуком: {url}\n",
                name = f.author_name,
                message = f.message,
                status = f.status.as_str(),
                answer = f.answer.as_deref().unwrap_or(""),
                url = self.feedback_author_url(&f.id),
            ),
        };
        if let Err(e) = self
            .queue_email(&email, &format!("feedback-answer:{}", f.id))
            .await
        {
            tracing::warn!(feedback = %f.id, error = %e, "could not queue the answer");
        }
    }

    /// The feedback inbox: everything sent about the datasets of the
    /// publishers the viewer edits for (all publishers for sysadmins),
    /// newest first, spam left out unless asked for.
    pub async fn feedback_inbox(&self, viewer: &Viewer, spam: bool) -> Result<Vec<Feedback>> {
        if viewer.is_anonymous() {
            return Err(ActionError::denied("log in to read feedback"));
        }
        let mut all = if viewer.sysadmin {
            self.store.list_feedback(None, None, QUEUE_MAX, 0).await?
        } else {
            let mut ids: Vec<&String> = viewer
                .roles
                .keys()
                .filter(|p| viewer.can_edit_in(p))
                .collect();
            ids.sort();
            let mut out = Vec::new();
            for p in ids {
                out.extend(
                    self.store
                        .list_feedback(None, Some(p), QUEUE_MAX, 0)
                        .await?,
                );
            }
            out
        };
        all.retain(|f| spam == (f.moderation == Moderation::Spam));
        all.sort_by(|a, b| b.created.cmp(&a.created).then_with(|| a.id.cmp(&b.id)));
        all.truncate(QUEUE_MAX as usize);
        Ok(all)
    }

    /// What waits for a coordinator: feedback and requests from anonymous
    /// visitors not yet approved, and showcase submissions. Sysadmins only.
    pub async fn moderation_queue(&self, viewer: &Viewer) -> Result<ModerationQueue> {
        if !viewer.sysadmin {
            return Err(ActionError::denied("only coordinators moderate"));
        }
        Ok(ModerationQueue {
            feedback: self
                .store
                .list_feedback_in(Moderation::Pending, QUEUE_MAX)
                .await?,
            requests: self
                .store
                .list_requests_in(Moderation::Pending, QUEUE_MAX)
                .await?,
            showcase: self
                .store
                .list_showcase(Some(Moderation::Pending), QUEUE_MAX, 0)
                .await?,
        })
    }
}
