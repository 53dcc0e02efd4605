//! The scheduled link check (job kind `link_check`): asks every external
//! (linked, not uploaded) resource of a public dataset whether it still
//! answers — HEAD first, GET when the server does not answer HEAD with a
//! success — with a time limit per request and a limited number of
//! redirects, and records status, HTTP code and time through
//! `misto-actions`. Where the outcomes are shown is up to the actions
//! (`misto_actions::linkcheck`).

use std::time::Duration;

use futures_util::StreamExt;
use misto_actions::jobs::{JobContext, JobOutcome, JobRegistry};
use misto_actions::linkcheck::{LINK_CHECK_JOB, LinkCheck, LinkCheckSettings, LinkTarget};
use misto_actions::{ActionError, Portal};
use misto_core::time::now;

use crate::http::Http;

/// Links checked at the same time.
const PARALLEL: usize = 8;

/// What one link answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkAnswer {
    pub ok: bool,
    /// The status of the last answer (`None`: no answer at all).
    pub http_status: Option<u16>,
    /// Where the redirects ended, when there were any.
    pub final_url: Option<String>,
    /// What went wrong, in English (empty when the link works).
    pub message: String,
}

/// What one run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkCheckRun {
    pub checked: usize,
    pub broken: usize,
}

impl std::fmt::Display for LinkCheckRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} links checked, {} broken", self.checked, self.broken)
    }
}

fn failure(e: &reqwest::Error, timeout: Duration) -> String {
    if e.is_timeout() {
        format!("no answer within {} s", timeout.as_secs_f64())
    } else if e.is_redirect() {
        "too many redirects".to_string()
    } else if e.is_connect() {
        "could not connect to the server".to_string()
    } else if e.is_builder() {
        "not a valid web address".to_string()
    } else {
        let mut msg = e.to_string();
        let mut src = std::error::Error::source(e);
        while let Some(s) = src {
            msg.push_str(&format!(": {s}"));
            src = s.source();
        }
        msg
    }
}

/// Checks one link: HEAD, then GET when HEAD did not succeed (many servers
/// refuse or mishandle HEAD). The GET's body is not read.
pub async fn check_link(http: &Http, url: &str, timeout: Duration) -> LinkAnswer {
    if let Err(e) = http.checked_url(url) {
        return LinkAnswer {
            ok: false,
            http_status: None,
            final_url: None,
            message: e.to_string(),
        };
    }
    let head = http.client().head(url).send().await;
    let resp = match head {
        Ok(r) if r.status().is_success() => Ok(r),
        Err(e) if e.is_timeout() || e.is_redirect() || e.is_builder() => Err(e),
        _ => http.client().get(url).send().await,
    };
    match resp {
        Ok(r) => {
            let status = r.status();
            let final_url = Some(r.url().to_string()).filter(|u| u != url);
            let ok = status.is_success();
            LinkAnswer {
                ok,
                http_status: Some(status.as_u16()),
                final_url,
                message: if ok {
                    String::new()
                } else {
                    format!("HTTP {}", status.as_u16())
                },
            }
        }
        Err(e) => LinkAnswer {
            ok: false,
            http_status: None,
            final_url: None,
            message: failure(&e, timeout),
        },
    }
}

/// Checks every external link of the public catalog and records each
/// outcome; forgets the checks of links that are gone.
pub async fn run_link_check(
    portal: &Portal,
    settings: LinkCheckSettings,
    ctx: Option<&JobContext>,
) -> Result<LinkCheckRun, ActionError> {
    let timeout = Duration::from_secs(settings.timeout_secs.clamp(1, 300));
    let http = Http::for_link_check(
        &crate::outbound_of(portal),
        timeout,
        settings.max_redirects.min(20),
    )?;
    let targets = portal.link_check_targets()?;
    let total = targets.len() as i64;
    let mut answers = futures_util::stream::iter(targets.iter().cloned())
        .map(|t: LinkTarget| {
            let http = http.clone();
            async move {
                let answer = check_link(&http, &t.url, timeout).await;
                (t, answer)
            }
        })
        .buffer_unordered(PARALLEL);
    let mut run = LinkCheckRun::default();
    while let Some((t, a)) = answers.next().await {
        run.checked += 1;
        if !a.ok {
            run.broken += 1;
        }
        let t_now = now();
        portal
            .record_link_check(&LinkCheck {
                resource_id: t.resource_id,
                dataset_id: t.dataset_id,
                publisher_id: t.publisher_id,
                url: t.url,
                ok: a.ok,
                http_status: a.http_status.map(i64::from),
                final_url: a.final_url,
                message: a.message,
                checked: t_now,
                broken_since: (!a.ok).then_some(t_now),
            })
            .await?;
        if let Some(ctx) = ctx {
            ctx.progress(run.checked as i64, total).await?;
        }
    }
    portal.prune_link_checks(&targets).await?;
    Ok(run)
}

/// Adds the `link_check` job handler: one run over the catalog, then the
/// next run `interval_hours` later.
pub fn register(registry: &mut JobRegistry) {
    registry.register(LINK_CHECK_JOB, |portal, job, ctx| async move {
        let settings: LinkCheckSettings =
            serde_json::from_value(job.payload.clone()).unwrap_or_default();
        let run = run_link_check(&portal, settings, Some(&ctx)).await?;
        let next_run = (settings.interval_hours > 0)
            .then(|| now() + chrono::Duration::hours(settings.interval_hours));
        Ok(JobOutcome {
            message: run.to_string(),
            next_run,
        })
    });
}
