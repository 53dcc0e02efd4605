//! `misto harvest add|list|run|remove`, `misto import ckan`, `misto push ckan`.

use std::io::IsTerminal;

use anyhow::bail;
use clap::Subcommand;
use misto_actions::Portal;
use misto_actions::accounts::system_viewer;
use misto_actions::harvest::{HarvestSourceInput, PushTarget};
use misto_core::harvest::{EntryAction, HarvestRun, RunState};
use misto_harvest::Progress;

#[derive(Subcommand)]
pub enum HarvestCommand {
    /// Add a source to harvest.
    Add {
        /// URL name of the source.
        name: String,
        /// The CKAN site root, or the DCAT catalogue URL.
        url: String,
        /// ckan or dcat.
        #[arg(long = "type", default_value = "ckan")]
        kind: String,
        #[arg(long)]
        title: Option<String>,
        /// Put every dataset under this publisher instead of mapping the
        /// remote organizations.
        #[arg(long)]
        publisher: Option<String>,
        /// Download the files instead of keeping links.
        #[arg(long)]
        with_files: bool,
        /// manual, hourly, daily or weekly.
        #[arg(long, default_value = "manual")]
        schedule: String,
        /// A CKAN filter query limiting what is harvested (`fq`).
        #[arg(long)]
        fq: Option<String>,
    },
    /// List the sources with their last run.
    List,
    /// Run a source now (in this process) and print the log.
    Run { source: String },
    /// Deactivate a source (its datasets stay).
    Remove { source: String },
}

#[derive(Subcommand)]
pub enum ImportCommand {
    /// Migrate a whole CKAN portal once: organizations, datasets, resources.
    Ckan {
        url: String,
        /// Download the resource files too.
        #[arg(long)]
        with_files: bool,
    },
}

#[derive(Subcommand)]
pub enum PushCommand {
    /// Create or update a publisher's public datasets on a remote CKAN.
    Ckan {
        /// The local publisher (name or id).
        publisher: String,
        /// The remote CKAN site root.
        url: String,
        /// The remote organization's URL name.
        #[arg(long)]
        organization: String,
        /// The remote API key (or set MISTO_PUSH_API_KEY).
        #[arg(long, env = "MISTO_PUSH_API_KEY", hide_env_values = true)]
        api_key: String,
    },
}

fn progress() -> Progress {
    if std::io::stderr().is_terminal() {
        Progress::Bar
    } else {
        Progress::Silent
    }
}

fn print_run(run: &HarvestRun) {
    for e in &run.entries {
        if e.action == EntryAction::Failed {
            println!("failed     {}  {}", e.name, e.reason);
        } else {
            println!("{:<10} {}", e.action.as_str(), e.name);
        }
    }
    println!("{}: {}", run.state.as_str(), run.message);
}

pub async fn harvest(portal: &Portal, command: HarvestCommand) -> anyhow::Result<()> {
    let sys = system_viewer();
    match command {
        HarvestCommand::Add {
            name,
            url,
            kind,
            title,
            publisher,
            with_files,
            schedule,
            fq,
        } => {
            let config = match fq {
                Some(fq) => serde_json::json!({ "fq": fq }),
                None => serde_json::json!({}),
            };
            let s = portal
                .create_harvest_source(
                    &sys,
                    HarvestSourceInput {
                        name,
                        title,
                        kind,
                        url,
                        publisher,
                        download_files: with_files,
                        schedule: Some(schedule),
                        config: Some(config),
                        active: Some(true),
                    },
                )
                .await?;
            println!("added source {} ({})", s.name, s.id);
        }
        HarvestCommand::List => {
            for s in portal.list_harvest_sources(&sys).await? {
                let last = portal
                    .list_harvest_runs(&sys, Some(&s.id), 1, 0)
                    .await?
                    .into_iter()
                    .next();
                let last = last
                    .map(|r| {
                        format!(
                            "{} {}: {}",
                            misto_core::time::ckan_format(&r.started),
                            r.state.as_str(),
                            r.message
                        )
                    })
                    .unwrap_or_else(|| "never run".into());
                println!(
                    "{:<24} {:<5} {:<8} {}{}  {}",
                    s.name,
                    s.kind.as_str(),
                    s.schedule.as_str(),
                    s.url,
                    if s.active { "" } else { " (inactive)" },
                    last
                );
            }
        }
        HarvestCommand::Run { source } => {
            let run = misto_harvest::run_source(portal, &source, progress()).await?;
            print_run(&run);
            if run.state == RunState::Error {
                bail!("the run failed");
            }
        }
        HarvestCommand::Remove { source } => {
            portal.delete_harvest_source(&sys, &source).await?;
            println!("deactivated {source}");
        }
    }
    Ok(())
}

pub async fn import(portal: &Portal, command: ImportCommand) -> anyhow::Result<()> {
    match command {
        ImportCommand::Ckan { url, with_files } => {
            let run = misto_harvest::import_ckan(portal, &url, with_files, progress()).await?;
            print_run(&run);
            if run.state == RunState::Error {
                bail!("the import failed");
            }
        }
    }
    Ok(())
}

pub async fn push(portal: &Portal, command: PushCommand) -> anyhow::Result<()> {
    match command {
        PushCommand::Ckan {
            publisher,
            url,
            organization,
            api_key,
        } => {
            let target = PushTarget {
                url,
                api_key,
                organization,
            };
            let report = misto_harvest::push::push_publisher(
                portal,
                &system_viewer(),
                &publisher,
                &target,
                progress(),
            )
            .await?;
            for e in &report.entries {
                if e.action == EntryAction::Failed {
                    println!("failed     {}  {}", e.name, e.reason);
                } else {
                    println!("{:<10} {}", e.action.as_str(), e.name);
                }
            }
            println!("{}", report.counts);
            if report.counts.failed > 0 {
                bail!("{} datasets could not be pushed", report.counts.failed);
            }
        }
    }
    Ok(())
}
