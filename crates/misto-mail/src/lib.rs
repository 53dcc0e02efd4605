//! Sending the portal's e-mail over SMTP. The actions queue messages as
//! `email` jobs ([`misto_actions::jobs::EMAIL_JOB`], via
//! `Portal::queue_email`); this crate's handler, registered by the binary,
//! sends them.
//!
//! Outcomes of a send: delivered → the job is done; a temporary failure (the
//! server cannot be reached, times out, or answers 4xx) → the job is retried
//! with back-off; a permanent refusal (5xx, an address that cannot be
//! parsed) or a portal without SMTP settings → the job ends as an error with
//! a message an operator can act on (`misto jobs list --kind email`).

pub mod testing;

use std::sync::Arc;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use misto_actions::jobs::{EMAIL_JOB, Email, JobContext, JobOutcome, JobRegistry};
use misto_actions::{ActionError, Portal};
use misto_core::Job;

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TlsMode {
    /// Plain text (a relay on the same host or a test sink).
    None,
    /// Plain connection upgraded with STARTTLS, which is required.
    #[default]
    StartTls,
    /// TLS from the first byte ("SMTPS", usually port 465).
    Tls,
}

impl TlsMode {
    /// Parses `none`, `starttls` or `tls`.
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "none" => Some(Self::None),
            "starttls" => Some(Self::StartTls),
            "tls" => Some(Self::Tls),
            _ => None,
        }
    }

    /// The usual port of the mode: 25, 587 or 465.
    pub fn default_port(self) -> u16 {
        match self {
            Self::None => 25,
            Self::StartTls => 587,
            Self::Tls => 465,
        }
    }
}

/// The SMTP part of the configuration.
#[derive(Clone, Default)]
pub struct SmtpSettings {
    /// No host: e-mail is not configured and every `email` job ends with an
    /// error saying so.
    pub host: Option<String>,
    /// Default: the usual port of the TLS mode.
    pub port: Option<u16>,
    pub user: Option<String>,
    pub password: Option<String>,
    /// The sender, `address` or `Name <address>`. Default: the site's
    /// contact address (site settings).
    pub from: Option<String>,
    pub tls: TlsMode,
    /// Connection and command timeout.
    pub timeout: Duration,
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("from", &self.from)
            .field("tls", &self.tls)
            .finish()
    }
}

/// What can be wrong with the settings (reported at start-up).
#[derive(Debug)]
pub struct SettingsError(pub String);

impl std::fmt::Display for SettingsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SettingsError {}

/// The message a job ends with when no SMTP host is configured.
pub const NOT_CONFIGURED: &str =
    "E-mail is not configured: set smtp_host (MISTO_SMTP_HOST) to send messages";

/// Sends messages through one SMTP server.
#[derive(Clone)]
pub struct Mailer {
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Option<Mailbox>,
}

impl Mailer {
    /// Checks the settings and prepares the transport (no connection is
    /// made until the first message).
    pub fn new(settings: &SmtpSettings) -> Result<Self, SettingsError> {
        let from =
            match settings.from.as_deref().map(str::trim) {
                Some(f) if !f.is_empty() => Some(f.parse::<Mailbox>().map_err(|e| {
                    SettingsError(format!("smtp_from {f:?} is not an address: {e}"))
                })?),
                _ => None,
            };
        let Some(host) = settings
            .host
            .as_deref()
            .map(str::trim)
            .filter(|h| !h.is_empty())
        else {
            return Ok(Self {
                transport: None,
                from,
            });
        };
        let port = settings.port.unwrap_or(settings.tls.default_port());
        let tls = match settings.tls {
            TlsMode::None => Tls::None,
            TlsMode::StartTls | TlsMode::Tls => {
                let params = TlsParameters::new(host.to_owned())
                    .map_err(|e| SettingsError(format!("TLS for {host}: {e}")))?;
                if settings.tls == TlsMode::Tls {
                    Tls::Wrapper(params)
                } else {
                    Tls::Required(params)
                }
            }
        };
        let timeout = if settings.timeout.is_zero() {
            Duration::from_secs(30)
        } else {
            settings.timeout
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(port)
            .tls(tls)
            .timeout(Some(timeout));
        if let Some(user) = settings.user.as_deref().filter(|u| !u.is_empty()) {
            builder = builder.credentials(Credentials::new(
                user.to_owned(),
                settings.password.clone().unwrap_or_default(),
            ));
        }
        Ok(Self {
            transport: Some(builder.build()),
            from,
        })
    }

    /// Whether a server is configured.
    pub fn is_configured(&self) -> bool {
        self.transport.is_some()
    }

    /// Sends one message. The sender is the configured one, else the site's
    /// contact address under the site's name.
    pub async fn send(&self, portal: &Portal, email: &Email) -> Result<(), ActionError> {
        let Some(transport) = &self.transport else {
            return Err(ActionError::invalid("smtp_host", NOT_CONFIGURED));
        };
        let from = match &self.from {
            Some(f) => f.clone(),
            None => {
                let site = portal.site_settings();
                let addr = site.contact_email.trim();
                if addr.is_empty() {
                    return Err(ActionError::invalid(
                        "smtp_from",
                        "No sender address: set smtp_from (MISTO_SMTP_FROM) or the site's contact e-mail",
                    ));
                }
                let name = site.title.trim();
                let parsed = addr.parse().map_err(|e| {
                    ActionError::invalid("smtp_from", format!("{addr:?} is not an address: {e}"))
                })?;
                Mailbox::new((!name.is_empty()).then(|| name.to_owned()), parsed)
            }
        };
        let to: Mailbox = email.to.trim().parse().map_err(|e| {
            ActionError::invalid("to", format!("{:?} is not an address: {e}", email.to))
        })?;
        let message = Message::builder()
            .from(from)
            .to(to)
            .subject(email.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(email.text.clone())
            .map_err(|e| ActionError::invalid("email", format!("cannot build the message: {e}")))?;
        match transport.send(message).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_permanent() => Err(ActionError::invalid(
                "email",
                format!("the SMTP server refused the message: {e}"),
            )),
            // Unreachable server, timeouts, 4xx answers: try again later.
            Err(e) => Err(ActionError::Internal(format!("SMTP: {e}"))),
        }
    }
}

/// The handler of one `email` job.
pub async fn run_email_job(
    mailer: Arc<Mailer>,
    portal: Portal,
    job: Job,
) -> Result<JobOutcome, ActionError> {
    let email: Email = serde_json::from_value(job.payload.clone())
        .map_err(|e| ActionError::invalid("payload", format!("not an e-mail: {e}")))?;
    mailer.send(&portal, &email).await?;
    Ok(JobOutcome::done(format!("sent to {}", email.to)))
}

/// Registers the `email` job handler sending through `mailer`.
pub fn register(registry: &mut JobRegistry, mailer: Mailer) {
    let mailer = Arc::new(mailer);
    registry.register(EMAIL_JOB, move |portal, job, _ctx: JobContext| {
        run_email_job(mailer.clone(), portal, job)
    });
}
