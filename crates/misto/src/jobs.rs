//! The job handlers this binary runs, and the `misto jobs` commands.

use anyhow::bail;
use misto_actions::Portal;
use misto_actions::accounts::system_viewer;
use misto_actions::jobs::JobRegistry;
use misto_core::JobState;

/// Every job kind the portal knows: those of the actions layer plus the
/// crates built on it.
pub fn registry() -> JobRegistry {
    let mut registry = misto_actions::jobs::default_registry();
    misto_harvest::register(&mut registry);
    registry
}

/// `misto jobs run`: runs what is due, then exits.
pub async fn run(portal: &Portal) -> anyhow::Result<()> {
    let n = portal.run_jobs_until_idle(&registry()).await?;
    println!("ran {n} jobs");
    Ok(())
}

/// `misto jobs list`: one line per job.
pub async fn list(
    portal: &Portal,
    kind: Option<&str>,
    state: Option<&str>,
    limit: i64,
) -> anyhow::Result<()> {
    let state = match state {
        None => None,
        Some(s) => match JobState::parse(s) {
            Some(s) => Some(s),
            None => bail!("--state must be one of pending, running, done, error"),
        },
    };
    let jobs = portal
        .list_jobs(&system_viewer(), kind, state, limit)
        .await?;
    for j in jobs {
        println!(
            "{}  {:<8} {:<20} {:<38} {}/{}  {}",
            misto_core::time::ckan_format(&j.modified),
            j.state.as_str(),
            j.kind,
            j.subject,
            j.progress_done,
            j.progress_total,
            j.message
        );
    }
    Ok(())
}
