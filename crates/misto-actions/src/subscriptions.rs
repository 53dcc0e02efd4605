//! E-mail subscriptions to a dataset, a publisher or a keyword.
//!
//! Anyone subscribes with an address (behind the same spam guard as
//! feedback); the subscription waits until its owner follows the signed
//! confirmation link e-mailed to them. A daily `digest` job queues one
//! e-mail per address listing the public datasets changed (by
//! `metadata_modified`) since that subscription's last digest, each with a
//! signed one-click unsubscribe link that needs no login.
//!
//! Links carry a MAC of the subscription id and the purpose under the
//! install's session key, so they cannot be guessed or turned into one
//! another.

use std::collections::{BTreeMap, HashSet};

use misto_core::auth::can_read_dataset;
use misto_core::time::now;
use misto_core::usage::{Subscription, SubscriptionKind, subscription_matches};
use misto_core::validate::is_valid_email;
use misto_core::{Dataset, FieldErrors, Job, Timestamp, Viewer};
use misto_search::SearchQuery;

use crate::engagement::{Sender, hmac};
use crate::jobs::{Email, JobContext, JobOutcome};
use crate::{ActionError, Portal, Result, new_id};

/// The job kind of the daily digest; its one subject is [`DIGEST_SUBJECT`].
pub const DIGEST_JOB: &str = "digest";
pub const DIGEST_SUBJECT: &str = "daily";
/// Hour of the day (UTC) the digest runs.
pub const DIGEST_HOUR: u32 = 6;
/// Datasets listed in one e-mail at most (the rest are counted).
const DIGEST_MAX_ITEMS: usize = 50;

/// What someone subscribes to.
#[derive(Debug, Clone, Default)]
pub struct SubscribeInput {
    /// `dataset`, `publisher` or `keyword`.
    pub kind: String,
    /// Dataset id or name, publisher id or name, or the keyword.
    pub target: String,
    /// `uk` (default) or `en`.
    pub lang: Option<String>,
}

/// One subscription on its owner's page.
#[derive(Debug, Clone)]
pub struct MySubscription {
    pub subscription: Subscription,
    pub label: String,
    pub unsubscribe_url: String,
}

/// A followed dataset, publisher or keyword, as coordinators see it.
#[derive(Debug, Clone)]
pub struct SubscriptionTarget {
    pub kind: SubscriptionKind,
    pub target: String,
    pub label: String,
    pub confirmed: usize,
    pub waiting: usize,
    /// The subscribers' addresses, masked.
    pub masked: Vec<String>,
}

/// An address with all but the first letter of the name and of the
/// domain's first label hidden: `olena@example.org` → `o***@e***.org`.
pub fn mask_email(email: &str) -> String {
    let Some((local, domain)) = email.rsplit_once('@') else {
        return "***".into();
    };
    let first = |s: &str| s.chars().next().map(String::from).unwrap_or_default();
    let (host, tld) = domain.rsplit_once('.').unwrap_or((domain, ""));
    let host_first = host.split('.').next().unwrap_or("");
    let mut out = format!("{}***@{}***", first(local), first(host_first));
    if !tld.is_empty() {
        out.push('.');
        out.push_str(tld);
    }
    out
}

/// A link's purpose, part of what its MAC covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPurpose {
    Confirm,
    Unsubscribe,
    /// The "my subscriptions" page of an address (the id is the address).
    Manage,
}

impl LinkPurpose {
    fn as_str(self) -> &'static str {
        match self {
            LinkPurpose::Confirm => "confirm",
            LinkPurpose::Unsubscribe => "unsubscribe",
            LinkPurpose::Manage => "manage",
        }
    }
}

/// One changed dataset in a digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestItem {
    pub dataset_id: String,
    pub name: String,
    pub title: String,
    pub modified: Timestamp,
}

/// The digest of one address.
#[derive(Debug, Clone, PartialEq)]
pub struct Digest {
    pub email: String,
    pub lang: String,
    /// Newest change first, each dataset once.
    pub items: Vec<DigestItem>,
    /// The subscriptions of this address (all of them, for the
    /// unsubscribe links and for moving their `last_digest`).
    pub subscriptions: Vec<Subscription>,
}

/// What the digest needs to know of a changed public dataset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changed {
    pub id: String,
    pub name: String,
    pub title: String,
    pub owner_org: String,
    pub tags: Vec<String>,
    pub metadata_modified: Timestamp,
}

impl From<&Dataset> for Changed {
    fn from(d: &Dataset) -> Self {
        Self {
            id: d.id.clone(),
            name: d.name.clone(),
            title: d.title.clone(),
            owner_org: d.owner_org.clone(),
            tags: d.tags.clone(),
            metadata_modified: d.metadata_modified,
        }
    }
}

/// The digests due: for each address with confirmed subscriptions, the
/// datasets (among `datasets`, the public ones) changed after the
/// subscription's `last_digest` that one of its subscriptions follows.
/// Addresses with nothing new get no digest.
pub fn digests(subscriptions: &[Subscription], datasets: &[Changed]) -> Vec<Digest> {
    let mut by_email: BTreeMap<&str, Vec<&Subscription>> = BTreeMap::new();
    for s in subscriptions.iter().filter(|s| s.confirmed) {
        by_email.entry(s.email.as_str()).or_default().push(s);
    }
    let mut out = Vec::new();
    for (email, subs) in by_email {
        let mut seen = HashSet::new();
        let mut items: Vec<DigestItem> = Vec::new();
        for d in datasets {
            let hit = subs.iter().any(|s| {
                d.metadata_modified > s.last_digest
                    && subscription_matches(s, &d.id, &d.owner_org, &d.tags)
            });
            if hit && seen.insert(d.id.clone()) {
                items.push(DigestItem {
                    dataset_id: d.id.clone(),
                    name: d.name.clone(),
                    title: d.title.clone(),
                    modified: d.metadata_modified,
                });
            }
        }
        if items.is_empty() {
            continue;
        }
        items.sort_by(|a, b| {
            b.modified
                .cmp(&a.modified)
                .then_with(|| a.name.cmp(&b.name))
        });
        out.push(Digest {
            email: email.to_string(),
            lang: subs[0].lang.clone(),
            items,
            subscriptions: subs.into_iter().cloned().collect(),
        });
    }
    out
}

impl Portal {
    fn subscription_key(&self, id: &str, purpose: LinkPurpose) -> String {
        let mac = hmac(
            &self.config.session_key,
            format!("subscription:{}:{id}", purpose.as_str()).as_bytes(),
        );
        hex::encode(&mac[..16])
    }

    fn check_subscription_key(&self, id: &str, purpose: LinkPurpose, key: &str) -> bool {
        let expected = self.subscription_key(id, purpose);
        expected.len() == key.len()
            && expected
                .bytes()
                .zip(key.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    }

    /// The signed link that confirms a subscription.
    pub fn subscription_confirm_url(&self, id: &str) -> String {
        format!(
            "{}/subscriptions/{id}/confirm?key={}",
            self.config.site_url.trim_end_matches('/'),
            self.subscription_key(id, LinkPurpose::Confirm)
        )
    }

    /// The signed one-click link that ends a subscription.
    pub fn subscription_unsubscribe_url(&self, id: &str) -> String {
        format!(
            "{}/subscriptions/{id}/unsubscribe?key={}",
            self.config.site_url.trim_end_matches('/'),
            self.subscription_key(id, LinkPurpose::Unsubscribe)
        )
    }

    /// The signed link to the page listing every subscription of an
    /// address ("my subscriptions"), sent in every subscription e-mail.
    pub fn subscriptions_manage_url(&self, email: &str) -> String {
        let email = email.trim().to_lowercase();
        let mut q = String::new();
        for b in email.bytes() {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                q.push(b as char);
            } else {
                q.push_str(&format!("%{b:02X}"));
            }
        }
        format!(
            "{}/subscriptions/mine?email={q}&key={}",
            self.config.site_url.trim_end_matches('/'),
            self.subscription_key(&email, LinkPurpose::Manage)
        )
    }

    /// The subscriptions of an address, through the signed link of
    /// [`Self::subscriptions_manage_url`], each with its signed one-click
    /// unsubscribe link. A wrong key is "not found".
    pub async fn my_subscriptions(&self, email: &str, key: &str) -> Result<Vec<MySubscription>> {
        let email = email.trim().to_lowercase();
        if email.is_empty() || !self.check_subscription_key(&email, LinkPurpose::Manage, key) {
            return Err(ActionError::not_found("subscriptions"));
        }
        let subs = self.store.subscriptions_of_email(&email).await?;
        Ok(subs
            .into_iter()
            .map(|s| MySubscription {
                label: self.subscription_label(&s),
                unsubscribe_url: self.subscription_unsubscribe_url(&s.id),
                subscription: s,
            })
            .collect())
    }

    /// For coordinators (sysadmins): every followed target with how many
    /// confirmed and waiting subscriptions it has, and the subscribers'
    /// addresses masked (`o***@e***.org`). Most followed first.
    pub async fn subscription_overview(&self, actor: &Viewer) -> Result<Vec<SubscriptionTarget>> {
        crate::require_sysadmin(actor, "only sysadmins see the subscriptions")?;
        let subs = self.store.all_subscriptions().await?;
        let mut out: Vec<SubscriptionTarget> = Vec::new();
        for s in subs {
            let same = out
                .last()
                .is_some_and(|t| t.kind == s.kind && t.target == s.target);
            if !same {
                out.push(SubscriptionTarget {
                    kind: s.kind,
                    target: s.target.clone(),
                    label: self.subscription_label(&s),
                    confirmed: 0,
                    waiting: 0,
                    masked: Vec::new(),
                });
            }
            if let Some(t) = out.last_mut() {
                if s.confirmed {
                    t.confirmed += 1;
                } else {
                    t.waiting += 1;
                }
                t.masked.push(mask_email(&s.email));
            }
        }
        out.sort_by(|a, b| {
            (b.confirmed + b.waiting)
                .cmp(&(a.confirmed + a.waiting))
                .then_with(|| a.label.cmp(&b.label))
        });
        Ok(out)
    }

    /// What a subscription follows, for people: the dataset's or
    /// publisher's title, or the keyword.
    pub fn subscription_label(&self, s: &Subscription) -> String {
        self.catalog.read(|ix| match s.kind {
            SubscriptionKind::Dataset => ix
                .get(&s.target)
                .map(|d| d.title.clone())
                .unwrap_or_else(|| s.target.clone()),
            SubscriptionKind::Publisher => ix
                .publisher(&s.target)
                .map(|p| p.title.clone())
                .unwrap_or_else(|| s.target.clone()),
            SubscriptionKind::Keyword => s.target.clone(),
        })
    }

    /// Subscribes an address. A new subscription waits for confirmation,
    /// and the confirmation link is e-mailed (dedupe key
    /// `subscription-confirm:{id}`); subscribing again to the same target
    /// returns the existing subscription and sends the link again while it
    /// is unconfirmed. A filled honeypot gets the same answer and nothing
    /// is stored or sent.
    pub async fn subscribe(
        &self,
        actor: &Viewer,
        sender: Sender,
        input: SubscribeInput,
    ) -> Result<Subscription> {
        let mut errors = FieldErrors::new();
        let email = sender.email.trim().to_lowercase();
        if !is_valid_email(&email) || email.len() > 254 {
            errors.add("email", "Give a valid e-mail address");
        }
        let lang = match input.lang.as_deref().map(str::trim) {
            None | Some("") | Some("uk") => "uk",
            Some("en") => "en",
            Some(_) => {
                errors.add("lang", "Must be uk or en");
                "uk"
            }
        };
        let kind = SubscriptionKind::parse(input.kind.trim());
        let target = match kind {
            None => {
                errors.add("kind", "Must be dataset, publisher or keyword");
                None
            }
            Some(SubscriptionKind::Dataset) => {
                // Digests list only public datasets: resolve as the public would.
                match self.show_dataset(&Viewer::anonymous(), input.target.trim()) {
                    Ok(d) => Some(d.id.clone()),
                    Err(_) => return Err(ActionError::not_found("dataset")),
                }
            }
            Some(SubscriptionKind::Publisher) => match self.show_publisher(input.target.trim()) {
                Ok(p) => Some(p.id),
                Err(_) => return Err(ActionError::not_found("organization")),
            },
            Some(SubscriptionKind::Keyword) => {
                let k = input.target.trim().to_lowercase();
                if (1..=100).contains(&k.chars().count()) {
                    Some(k)
                } else {
                    errors.add("target", "Give a keyword (up to 100 characters)");
                    None
                }
            }
        };
        errors.into_result()?;
        let (Some(kind), Some(target)) = (kind, target) else {
            return Err(ActionError::invalid("target", "Missing value"));
        };
        let guard_sender = Sender {
            email: email.clone(),
            ..sender
        };
        let bot = self.guard(actor, &guard_sender)?;
        let t = now();
        let fresh = Subscription {
            id: new_id(),
            email,
            kind,
            target,
            lang: lang.to_string(),
            confirmed: false,
            created: t,
            confirmed_at: None,
            last_digest: t,
        };
        if bot {
            return Ok(fresh);
        }
        crate::check_text(&fresh)?;
        let s = self.store.insert_subscription(&fresh).await?;
        if !s.confirmed {
            let email = self.confirmation_email(&s);
            self.queue_email(&email, &format!("subscription-confirm:{}", s.id))
                .await?;
        }
        Ok(s)
    }

    fn confirmation_email(&self, s: &Subscription) -> Email {
        let label = self.subscription_label(s);
        let site = &self.settings_snapshot_title();
        let (subject, text) = if s.lang == "en" {
            (
                format!("Confirm your subscription: {label}"),
                format!(
                    "Hello!\n\nSomeone (we hope you) asked {site} to e-mail this address when \
                     data about \"{label}\" change.\n\nConfirm: {confirm}\n\nIf it was not you, \
                     ignore this message: nothing will be sent.\n\nUnsubscribe: {unsub}\n\
                     All your subscriptions: {mine}\n",
                    confirm = self.subscription_confirm_url(&s.id),
                    unsub = self.subscription_unsubscribe_url(&s.id),
                    mine = self.subscriptions_manage_url(&s.email),
                ),
            )
        } else {
            (
                format!("Підтвердьте підписку: {label}"),
                format!(
                    "Вітаємо!\n\nХтось (сподіваємося, ви) попросив портал «{site}» надсилати на \
                     цю адресу листи, коли змінюються дані «{label}».\n\nПідтвердити: \
                     {confirm}\n\nЯкщо це були не ви, не зважайте на цей лист: нічого не \
                     надсилатиметься.\n\nВідписатися: {unsub}\nУсі ваші підписки: {mine}\n",
                    confirm = self.subscription_confirm_url(&s.id),
                    unsub = self.subscription_unsubscribe_url(&s.id),
                    mine = self.subscriptions_manage_url(&s.email),
                ),
            )
        };
        Email {
            to: s.email.clone(),
            subject,
            text,
        }
    }

    fn settings_snapshot_title(&self) -> String {
        let title = self.site_settings().title.clone();
        if title.trim().is_empty() {
            self.config.site_title.clone()
        } else {
            title
        }
    }

    /// Confirms a subscription through its signed link. Confirming twice
    /// is fine; a wrong key or a removed subscription is "not found".
    pub async fn confirm_subscription(&self, id: &str, key: &str) -> Result<Subscription> {
        if !self.check_subscription_key(id, LinkPurpose::Confirm, key) {
            return Err(ActionError::not_found("subscription"));
        }
        self.store.confirm_subscription(id, &now()).await?;
        self.store
            .find_subscription(id)
            .await?
            .ok_or_else(|| ActionError::not_found("subscription"))
    }

    /// Ends a subscription through its signed link (no login needed).
    /// Returns what was removed, `None` when it was already gone; a wrong
    /// key is "not found".
    pub async fn unsubscribe(&self, id: &str, key: &str) -> Result<Option<Subscription>> {
        if !self.check_subscription_key(id, LinkPurpose::Unsubscribe, key) {
            return Err(ActionError::not_found("subscription"));
        }
        let found = self.store.find_subscription(id).await?;
        self.store.delete_subscription(id).await?;
        Ok(found)
    }

    /// Public datasets modified after `since`, newest first.
    fn public_changed_since(&self, since: Timestamp) -> Result<Vec<Changed>> {
        let anon = Viewer::anonymous();
        let mut out = Vec::new();
        let page = 500;
        let mut start = 0;
        loop {
            let q = SearchQuery {
                sort: Some("metadata_modified desc".into()),
                rows: page,
                start,
                ..SearchQuery::default()
            };
            let res = self.search_datasets(&anon, &q)?;
            let n = res.results.len();
            let mut older = false;
            for d in res.results {
                if d.metadata_modified <= since {
                    older = true;
                    break;
                }
                if !d.private && can_read_dataset(&anon, &d) {
                    out.push(Changed::from(d.as_ref()));
                }
            }
            if older || n < page {
                return Ok(out);
            }
            start += page;
        }
    }

    /// Queues the digests due now (one `email` job per address, dedupe key
    /// `digest:{date}:{address}`) and moves the subscriptions' marks.
    /// Returns how many e-mails were queued.
    pub async fn send_digests(&self) -> Result<usize> {
        let t = now();
        let subs = self.store.confirmed_subscriptions().await?;
        let Some(since) = subs.iter().map(|s| s.last_digest).min() else {
            return Ok(0);
        };
        let datasets = self.public_changed_since(since)?;
        let due = digests(&subs, &datasets);
        let day = t.format("%Y-%m-%d");
        for d in &due {
            let email = self.digest_email(d);
            self.queue_email(&email, &format!("digest:{day}:{}", d.email))
                .await?;
        }
        let ids: Vec<String> = due
            .iter()
            .flat_map(|d| d.subscriptions.iter().map(|s| s.id.clone()))
            .collect();
        self.store.set_last_digest(&ids, &t).await?;
        Ok(due.len())
    }

    /// The e-mail of one digest.
    pub fn digest_email(&self, d: &Digest) -> Email {
        let site = self.config.site_url.trim_end_matches('/');
        let en = d.lang == "en";
        let mut text = String::from(if en {
            "Hello!\n\nThese datasets you follow have changed:\n\n"
        } else {
            "Вітаємо!\n\nЗмінилися набори даних, за якими ви стежите:\n\n"
        });
        for i in d.items.iter().take(DIGEST_MAX_ITEMS) {
            text.push_str(&format!(
                "- {} ({})\n  {site}/dataset/{}\n",
                i.title,
                i.modified.format("%Y-%m-%d %H:%M UTC"),
                i.name
            ));
        }
        if d.items.len() > DIGEST_MAX_ITEMS {
            let more = d.items.len() - DIGEST_MAX_ITEMS;
            text.push_str(&if en {
                format!("\n…and {more} more.\n")
            } else {
                format!("\n…і ще {more}.\n")
            });
        }
        text.push_str(if en {
            "\nYour subscriptions (one click unsubscribes):\n"
        } else {
            "\nВаші підписки (відписатися одним кліком):\n"
        });
        for s in &d.subscriptions {
            text.push_str(&format!(
                "- {}: {}\n",
                self.subscription_label(s),
                self.subscription_unsubscribe_url(&s.id)
            ));
        }
        text.push_str(&format!(
            "{}{}\n",
            if en {
                "\nAll your subscriptions: "
            } else {
                "\nУсі ваші підписки: "
            },
            self.subscriptions_manage_url(&d.email)
        ));
        let n = d.items.len();
        Email {
            to: d.email.clone(),
            subject: if en {
                format!("{}: {n} datasets changed", self.config.site_title)
            } else {
                format!("{}: змінено наборів даних — {n}", self.config.site_title)
            },
            text,
        }
    }

    /// Makes sure the daily digest job is queued (for the next
    /// [`DIGEST_HOUR`] UTC) unless one is already waiting.
    pub async fn schedule_digest(&self) -> Result<()> {
        if let Some(j) = self.job_status(DIGEST_JOB, DIGEST_SUBJECT).await?
            && matches!(
                j.state,
                misto_core::JobState::Pending | misto_core::JobState::Running
            )
        {
            return Ok(());
        }
        self.enqueue_job(
            DIGEST_JOB,
            DIGEST_SUBJECT,
            serde_json::json!({}),
            Some(next_digest_time(now())),
        )
        .await?;
        Ok(())
    }
}

/// The next [`DIGEST_HOUR`]:00 UTC after `t`.
pub fn next_digest_time(t: Timestamp) -> Timestamp {
    let today = t
        .date_naive()
        .and_hms_opt(DIGEST_HOUR, 0, 0)
        .map(|n| n.and_utc())
        .unwrap_or(t);
    if today > t {
        today
    } else {
        today + chrono::Duration::days(1)
    }
}

/// The handler of [`DIGEST_JOB`]: queues the digests, then the next run.
pub async fn digest_job(portal: Portal, _job: Job, ctx: JobContext) -> Result<JobOutcome> {
    let n = portal.send_digests().await?;
    ctx.progress(1, 1).await?;
    Ok(JobOutcome {
        message: format!("{n} digests queued"),
        next_run: Some(next_digest_time(now())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_masked() {
        assert_eq!(mask_email("olena.k@example.org"), "o***@e***.org");
        assert_eq!(mask_email("t@mail.city.gov.ua"), "t***@m***.ua");
        assert_eq!(mask_email("a@localhost"), "a***@l***");
        assert_eq!(mask_email("no-at-sign"), "***");
    }
    use chrono::TimeZone;

    fn ts(day: u32, hour: u32) -> Timestamp {
        chrono::Utc
            .with_ymd_and_hms(2024, 5, day, hour, 0, 0)
            .single()
            .unwrap()
    }

    fn dataset(id: &str, org: &str, tags: &[&str], modified: Timestamp) -> Changed {
        Changed {
            id: id.into(),
            name: format!("name-{id}"),
            title: format!("Title {id}"),
            owner_org: org.into(),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            metadata_modified: modified,
        }
    }

    fn sub(email: &str, kind: SubscriptionKind, target: &str, last: Timestamp) -> Subscription {
        Subscription {
            id: format!("{email}-{target}"),
            email: email.into(),
            kind,
            target: target.into(),
            lang: "uk".into(),
            confirmed: true,
            created: last,
            confirmed_at: Some(last),
            last_digest: last,
        }
    }

    #[test]
    fn digests_list_each_changed_dataset_once_per_address() {
        let datasets = vec![
            dataset("a", "water", &["Бюджет"], ts(3, 10)),
            dataset("b", "water", &[], ts(2, 10)),
            dataset("c", "roads", &["бюджет"], ts(1, 10)),
            dataset("d", "roads", &[], ts(3, 11)),
        ];
        let mut unconfirmed = sub("z@example.org", SubscriptionKind::Dataset, "d", ts(1, 0));
        unconfirmed.confirmed = false;
        let subs = vec![
            sub(
                "o@example.org",
                SubscriptionKind::Publisher,
                "water",
                ts(2, 0),
            ),
            sub(
                "o@example.org",
                SubscriptionKind::Keyword,
                "бюджет",
                ts(2, 0),
            ),
            sub("p@example.org", SubscriptionKind::Dataset, "d", ts(3, 12)),
            sub(
                "q@example.org",
                SubscriptionKind::Keyword,
                "бюджет",
                ts(1, 0),
            ),
            unconfirmed,
        ];
        let got = digests(&subs, &datasets);
        // p: d changed before their last digest, so nothing; z unconfirmed.
        assert_eq!(
            got.iter().map(|d| d.email.as_str()).collect::<Vec<_>>(),
            vec!["o@example.org", "q@example.org"]
        );
        let o = &got[0];
        // a matches both subscriptions but is listed once; c changed before
        // the last digest; newest first.
        assert_eq!(
            o.items
                .iter()
                .map(|i| i.dataset_id.as_str())
                .collect::<Vec<_>>(),
            vec!["a", "b"]
        );
        assert_eq!(o.subscriptions.len(), 2);
        let q = &got[1];
        assert_eq!(
            q.items
                .iter()
                .map(|i| i.dataset_id.as_str())
                .collect::<Vec<_>>(),
            vec!["a", "c"],
            "keywords match whatever their case"
        );
    }

    #[test]
    fn the_digest_runs_at_six_utc() {
        assert_eq!(next_digest_time(ts(3, 5)), ts(3, 6));
        assert_eq!(next_digest_time(ts(3, 6)), ts(4, 6));
        assert_eq!(next_digest_time(ts(3, 23)), ts(4, 6));
    }
}
