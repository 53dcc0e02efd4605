//! Update reminders: a scheduled job (kind [`REMINDERS_JOB`]) that runs
//! daily and e-mails the person responsible for a dataset — the dataset's
//! maintainer e-mail, else its publisher's e-mail — `days_before` days
//! before the next update is due and again once it is overdue. Each
//! reminder (dataset, due date, kind) goes out once: it is recorded in
//! `reminders_sent` in the same transaction that queues its e-mail job, so a
//! repeated or concurrent run sends nothing twice. When the data are
//! updated the due date moves and the next period gets its own reminders.

use misto_core::time::now;
use misto_core::validate::is_valid_email;
use misto_core::{Dataset, DatasetState, Job, Timestamp, Viewer};
use misto_store::{NewJob, SentReminder};
use serde::{Deserialize, Serialize};

use crate::accounts::system_viewer;
use crate::jobs::{DEFAULT_MAX_ATTEMPTS, EMAIL_JOB, Email, JobContext, JobOutcome};
use crate::{ActionError, Portal, Result};

/// The job kind of the daily reminder run.
pub const REMINDERS_JOB: &str = "reminders";
/// Its one subject (there is one schedule per install).
pub const REMINDERS_SUBJECT: &str = "daily";
/// The default number of days before the due date.
pub const DEFAULT_DAYS_BEFORE: i64 = 7;

/// The payload of the reminders job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReminderSettings {
    pub days_before: i64,
}

/// Which reminder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReminderKind {
    DueSoon,
    Overdue,
}

impl ReminderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::DueSoon => "due_soon",
            Self::Overdue => "overdue",
        }
    }
}

/// What one run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReminderRun {
    /// Reminders queued now.
    pub queued: usize,
    /// Reminders due but sent before.
    pub already_sent: usize,
    /// Datasets needing a reminder with nobody to send it to.
    pub no_recipient: usize,
}

impl Portal {
    /// Queues the daily reminder run to start now unless one is waiting
    /// with the same settings (called when `misto serve` starts). A waiting
    /// run with other settings gets the new ones and keeps its time.
    pub async fn schedule_reminders(&self, days_before: i64) -> Result<()> {
        let settings = ReminderSettings { days_before };
        let payload = serde_json::to_value(settings)
            .map_err(|e| ActionError::Internal(format!("reminder settings: {e}")))?;
        let waiting = self
            .store
            .latest_job(REMINDERS_JOB, REMINDERS_SUBJECT)
            .await?
            .filter(|j| j.state == misto_core::JobState::Pending);
        match waiting {
            Some(j) if j.payload == payload => Ok(()),
            Some(j) => {
                self.enqueue_job(REMINDERS_JOB, REMINDERS_SUBJECT, payload, Some(j.run_after))
                    .await?;
                Ok(())
            }
            None => {
                self.enqueue_job(REMINDERS_JOB, REMINDERS_SUBJECT, payload, None)
                    .await?;
                Ok(())
            }
        }
    }

    /// Queues the reminders due at `at` that were not sent before.
    pub async fn send_reminders(&self, days_before: i64, at: Timestamp) -> Result<ReminderRun> {
        if !(0..=366).contains(&days_before) {
            return Err(ActionError::invalid(
                "days_before",
                "Must be between 0 and 366",
            ));
        }
        let horizon = at + chrono::Duration::days(days_before);
        let mut run = ReminderRun::default();
        let datasets = self.readable_datasets(&system_viewer(), true)?;
        for d in datasets {
            if d.state != DatasetState::Active {
                continue;
            }
            let Some(due) = d.next_update_due() else {
                continue;
            };
            let kind = if due < at {
                ReminderKind::Overdue
            } else if due <= horizon {
                ReminderKind::DueSoon
            } else {
                continue;
            };
            let Some(to) = self.responsible_email(&d) else {
                tracing::info!(dataset = %d.name, "reminder due but no e-mail to send it to");
                run.no_recipient += 1;
                continue;
            };
            let due_date = due.format("%Y-%m-%d").to_string();
            let email = self.reminder_email(&d, &to, &due_date, kind);
            let payload = serde_json::to_value(&email)
                .map_err(|e| ActionError::Internal(format!("e-mail payload: {e}")))?;
            let key = format!("reminder:{}:{due_date}:{}", d.id, kind.as_str());
            let id = crate::new_id();
            let t = now();
            let queued = self
                .store
                .record_reminder(
                    &SentReminder {
                        dataset_id: d.id.clone(),
                        due_date,
                        kind: kind.as_str().to_owned(),
                        recipient: to,
                        sent: t,
                    },
                    &NewJob {
                        id: &id,
                        kind: EMAIL_JOB,
                        subject: &key,
                        payload: &payload,
                        max_attempts: DEFAULT_MAX_ATTEMPTS,
                        run_after: t,
                        now: t,
                    },
                )
                .await?;
            if queued {
                run.queued += 1;
            } else {
                run.already_sent += 1;
            }
        }
        if run.queued > 0 {
            self.jobs_wake.notify_waiters();
        }
        Ok(run)
    }

    /// A coordinator sends the reminders due now (as the daily run does;
    /// reminders sent before are not sent again).
    pub async fn send_reminders_now(
        &self,
        actor: &Viewer,
        days_before: i64,
    ) -> Result<ReminderRun> {
        crate::require_sysadmin(actor, "only coordinators send reminders")?;
        self.send_reminders(days_before, now()).await
    }

    /// The reminders recorded for a dataset (for status displays and tests).
    pub async fn reminders_sent(&self, dataset_id: &str) -> Result<Vec<SentReminder>> {
        Ok(self.store.reminders_sent(dataset_id).await?)
    }

    /// The maintainer's e-mail, else the publisher's.
    fn responsible_email(&self, d: &Dataset) -> Option<String> {
        let maintainer = d
            .maintainer_email
            .as_deref()
            .map(str::trim)
            .filter(|e| is_valid_email(e));
        if let Some(m) = maintainer {
            return Some(m.to_owned());
        }
        let publisher = self.show_publisher(&d.owner_org).ok()?;
        publisher
            .email
            .as_deref()
            .map(str::trim)
            .filter(|e| is_valid_email(e))
            .map(str::to_owned)
    }

    /// The reminder in Ukrainian, with English below.
    fn reminder_email(&self, d: &Dataset, to: &str, due: &str, kind: ReminderKind) -> Email {
        let url = format!("{}/dataset/{}", self.config.site_url, d.name);
        let site = self.site_settings().title.clone();
        let publisher = self
            .show_publisher(&d.owner_org)
            .map(|p| p.title)
            .unwrap_or_default();
        let (freq_uk, freq_en) = d
            .update_frequency
            .map(|f| (f.label_uk(), f.label_en()))
            .unwrap_or(("", ""));
        let last = d.data_last_updated().format("%Y-%m-%d").to_string();
        let title_en = d.title_en.as_deref().unwrap_or(&d.title);
        let (subject, lead_uk, lead_en) = match kind {
            ReminderKind::DueSoon => (
                format!("Нагадування: оновіть набір даних «{}» до {due}", d.title),
                format!("Набір даних «{}» треба оновити до {due}.", d.title),
                format!("The dataset \"{title_en}\" is due for an update by {due}."),
            ),
            ReminderKind::Overdue => (
                format!(
                    "Набір даних «{}» не оновлено вчасно (строк: {due})",
                    d.title
                ),
                format!(
                    "Строк оновлення набору даних «{}» минув {due}: на порталі він позначений як «Не оновлений».",
                    d.title
                ),
                format!(
                    "The update of the dataset \"{title_en}\" was due on {due}; the portal now marks it as overdue."
                ),
            ),
        };
        let text = format!(
            "Вітаємо!\n\n{lead_uk}\nРозпорядник: {publisher}\nПеріодичність оновлення: {freq_uk}\n\
             Дані востаннє оновлено: {last}\n\n\
             Завантажте нові дані та змініть дату актуальності на сторінці набору:\n{url}\n\n\
             Це автоматичне нагадування порталу «{site}». Ви отримали його як відповідальна особа за набір даних.\n\n\
             ---\n\n\
             Hello,\n\n{lead_en}\nPublisher: {publisher}\nUpdate frequency: {freq_en}\n\
             Data last updated: {last}\n\n\
             Upload the new data and change the date of relevance on the dataset page:\n{url}\n\n\
             This is an automatic reminder from the portal; you receive it as the person responsible for the dataset.\n"
        );
        Email {
            to: to.to_owned(),
            subject,
            text,
        }
    }
}

/// The handler of the daily run: sends what is due and queues tomorrow's.
pub async fn run_reminders_job(portal: Portal, job: Job, _ctx: JobContext) -> Result<JobOutcome> {
    let settings: ReminderSettings =
        serde_json::from_value(job.payload.clone()).unwrap_or(ReminderSettings {
            days_before: DEFAULT_DAYS_BEFORE,
        });
    let run = portal.send_reminders(settings.days_before, now()).await?;
    Ok(JobOutcome {
        message: format!(
            "{} reminders queued, {} sent before, {} without an e-mail address",
            run.queued, run.already_sent, run.no_recipient
        ),
        next_run: Some(now() + chrono::Duration::days(1)),
    })
}
