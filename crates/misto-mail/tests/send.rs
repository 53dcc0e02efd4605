//! The `email` job handler against a local SMTP sink.

use std::time::Duration;

use misto_actions::jobs::{EMAIL_JOB, Email, JobRegistry};
use misto_actions::{BlobStore, Portal, PortalConfig};
use misto_core::JobState;
use misto_mail::testing::SmtpSink;
use misto_mail::{Mailer, NOT_CONFIGURED, SmtpSettings, TlsMode};

async fn portal() -> Portal {
    let store = misto_store::testing::fresh_store().await;
    let dir =
        std::env::temp_dir().join(format!("misto-mail-{}-{}", std::process::id(), uuid_ish()));
    let blobs = BlobStore::local(dir).await.unwrap();
    Portal::open(store, blobs, PortalConfig::default())
        .await
        .unwrap()
}

fn uuid_ish() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

fn settings(port: u16) -> SmtpSettings {
    SmtpSettings {
        host: Some("127.0.0.1".into()),
        port: Some(port),
        from: Some("Портал <portal@misto.test>".into()),
        tls: TlsMode::None,
        timeout: Duration::from_secs(5),
        ..SmtpSettings::default()
    }
}

fn registry(s: &SmtpSettings) -> JobRegistry {
    let mut reg = JobRegistry::new();
    misto_mail::register(&mut reg, Mailer::new(s).unwrap());
    reg
}

fn email(to: &str) -> Email {
    Email {
        to: to.into(),
        subject: "Нагадування: оновіть набір «Бюджет міста»".into(),
        text: "Вітаємо!\nНабір даних треба оновити до 2026-05-01.\n\nHello! Please update.\n"
            .into(),
    }
}

#[tokio::test]
async fn queued_email_reaches_the_smtp_server_in_ukrainian() {
    let sink = SmtpSink::start().await.unwrap();
    let portal = portal().await;
    let reg = registry(&settings(sink.port));
    portal
        .queue_email(&email("editor@rada.test"), "t:1")
        .await
        .unwrap();
    assert_eq!(portal.run_jobs_until_idle(&reg).await.unwrap(), 1);
    let got = sink.messages();
    assert_eq!(got.len(), 1);
    let m = &got[0];
    assert_eq!(m.mail_from, "portal@misto.test");
    assert_eq!(m.rcpt_to, vec!["editor@rada.test".to_string()]);
    assert_eq!(m.subject(), "Нагадування: оновіть набір «Бюджет міста»");
    assert!(
        m.text()
            .contains("Набір даних треба оновити до 2026-05-01.")
    );
    assert!(m.text().contains("Hello! Please update."));
    assert!(m.header("From").unwrap().contains("Портал"));
    let job = portal.job_status(EMAIL_JOB, "t:1").await.unwrap().unwrap();
    assert_eq!(job.state, JobState::Done);
    assert_eq!(job.message, "sent to editor@rada.test");
}

#[tokio::test]
async fn without_an_smtp_host_the_job_ends_with_a_clear_error() {
    let portal = portal().await;
    let reg = registry(&SmtpSettings::default());
    portal.queue_email(&email("a@b.test"), "t:2").await.unwrap();
    portal.run_jobs_until_idle(&reg).await.unwrap();
    let job = portal.job_status(EMAIL_JOB, "t:2").await.unwrap().unwrap();
    assert_eq!(job.state, JobState::Error);
    assert!(job.message.contains(NOT_CONFIGURED), "{}", job.message);
}

#[tokio::test]
async fn a_refused_recipient_ends_the_job_and_an_unreachable_server_is_retried() {
    let sink = SmtpSink::start().await.unwrap();
    sink.refuse_recipients("550 5.1.1 no such user");
    let portal = portal().await;
    let reg = registry(&settings(sink.port));
    portal
        .queue_email(&email("gone@rada.test"), "t:3")
        .await
        .unwrap();
    portal.run_jobs_until_idle(&reg).await.unwrap();
    let job = portal.job_status(EMAIL_JOB, "t:3").await.unwrap().unwrap();
    assert_eq!(job.state, JobState::Error);
    assert!(job.message.contains("refused"), "{}", job.message);
    assert!(sink.messages().is_empty());

    // A port nobody listens on: a temporary failure, retried later.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let reg = registry(&settings(closed));
    portal
        .queue_email(&email("a@rada.test"), "t:4")
        .await
        .unwrap();
    portal.run_jobs_until_idle(&reg).await.unwrap();
    let job = portal.job_status(EMAIL_JOB, "t:4").await.unwrap().unwrap();
    assert_eq!(job.state, JobState::Pending);
    assert_eq!(job.message, "temporary failure, will retry");
}

#[test]
fn settings_are_checked() {
    assert!(
        Mailer::new(&SmtpSettings {
            from: Some("not an address".into()),
            ..SmtpSettings::default()
        })
        .is_err()
    );
    assert!(
        !Mailer::new(&SmtpSettings::default())
            .unwrap()
            .is_configured()
    );
    assert_eq!(TlsMode::parse("STARTTLS"), Some(TlsMode::StartTls));
    assert_eq!(TlsMode::parse("ssl"), None);
    assert_eq!(TlsMode::Tls.default_port(), 465);
}
