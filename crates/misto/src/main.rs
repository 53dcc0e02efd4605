//! `misto`: the open-data portal in one binary. `serve` runs the portal,
//! `demo` loads the demo city into an empty install and serves it,
//! `migrate`, `user create` and `token create` administer an install (also
//! while a server runs on the same data).

mod config;
mod demo;
mod harvest;
mod jobs;
mod resolution835;
mod seed;

use std::io::Read;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use misto_actions::accounts::{NewUser, system_viewer};
use misto_actions::{Portal, Store};

use crate::config::{Config, Overrides};

#[derive(Parser)]
#[command(
    name = "misto",
    version,
    about = "misto — open-data portal for city councils"
)]
struct Cli {
    #[command(flatten)]
    overrides: Overrides,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the portal.
    Serve,
    /// Load the demo city into an empty install, then run the portal.
    Demo,
    /// Create or upgrade the database schema, then exit.
    Migrate,
    /// Print the effective configuration (secrets hidden) and check it.
    CheckConfig,
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Add synthetic datasets (for benchmarks; not demo content).
    Seed {
        /// How many datasets to add.
        #[arg(long, default_value_t = 10_000)]
        datasets: usize,
        /// Over how many publishers to spread them.
        #[arg(long, default_value_t = 20)]
        publishers: usize,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Background jobs (ingest, validation, harvest, reminders).
    Jobs {
        #[command(subcommand)]
        command: JobsCommand,
    },
    /// Harvest sources: other catalogues read into this portal.
    Harvest {
        #[command(subcommand)]
        command: harvest::HarvestCommand,
    },
    /// Migrate another portal into this one, once.
    Import {
        #[command(subcommand)]
        command: harvest::ImportCommand,
    },
    /// Send a publisher's datasets to another portal.
    Push {
        #[command(subcommand)]
        command: harvest::PushCommand,
    },
    /// The Resolution 835 list: show it, import a new one from CSV, or reset it.
    Resolution835 {
        #[command(subcommand)]
        command: resolution835::Resolution835Command,
    },
}

#[derive(Subcommand)]
enum JobsCommand {
    /// Run every job that is due now, then exit.
    Run,
    /// Queue the subscription digest job to run now instead of at the next
    /// 06:00 UTC (a running server's workers, or `misto jobs run`, run it).
    Digest,
    /// List recent jobs, newest first.
    List {
        /// Only jobs of this kind.
        #[arg(long)]
        kind: Option<String>,
        /// Only jobs in this state: pending, running, done, error.
        #[arg(long)]
        state: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user; the password is read from standard input.
    Create {
        name: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        fullname: Option<String>,
        #[arg(long)]
        sysadmin: bool,
        /// Read the password from standard input (one line).
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create an API token for USER and print it once.
    Create {
        user: String,
        #[arg(long, default_value = "cli")]
        name: String,
        /// Days until the token expires (default: never).
        #[arg(long)]
        expires_days: Option<u32>,
    },
}

fn init_logging(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn open(config: &Config) -> anyhow::Result<Portal> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("cannot create data folder {}", config.data_dir.display()))?;
    let url = config.database_url();
    let store = Store::connect(&url)
        .await
        .with_context(|| format!("cannot open database {}", config::redact_url(&url)))?;
    store.migrate().await.context("database migration failed")?;
    let blobs = config
        .blob_store()
        .await
        .context("cannot open file storage")?;
    tracing::debug!(location = %blobs.location(), "file storage");
    let mut portal_config = config.portal_config();
    portal_config.session_key = config.session_key()?;
    let portal = Portal::open(store, blobs, portal_config).await?;
    portal.seed_themes().await?;
    release_free_memory();
    Ok(portal)
}

/// Loading the catalog at start allocates and frees a lot (rows decoded into
/// datasets); give the freed pages back to the OS so that an idle server
/// stays small.
fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks glibc's own heap; it takes no pointers.
    unsafe {
        libc::malloc_trim(0);
    }
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = Config::load(&cli.overrides)?;
    init_logging(&config.log_format);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run(cli.command, config))
}

async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::CheckConfig => {
            println!("{config:#?}");
            println!("database: {}", config::redact_url(&config.database_url()));
            println!("site_url: {}", config.site_url());
            Ok(())
        }
        Command::Migrate => {
            open(&config).await?;
            println!("database is up to date");
            Ok(())
        }
        Command::Serve => {
            let portal = open(&config).await?;
            let addr = config.socket_addr()?;
            portal.schedule_reminders(config.reminder_days).await?;
            portal.schedule_link_check(config.link_check()).await?;
            misto_server::serve(portal, addr, jobs::registry(&config)?, config.job_workers).await?;
            Ok(())
        }
        Command::Demo => {
            let portal = open(&config).await?;
            if demo::is_empty(&portal).await? {
                tracing::info!("loading the demo city");
                demo::load(&portal).await?;
                tracing::info!("demo city loaded");
            } else {
                tracing::info!("the install has data already; the demo city is not loaded");
            }
            let addr = config.socket_addr()?;
            portal.schedule_reminders(config.reminder_days).await?;
            portal.schedule_link_check(config.link_check()).await?;
            misto_server::serve(portal, addr, jobs::registry(&config)?, config.job_workers).await?;
            Ok(())
        }
        Command::Seed {
            datasets,
            publishers,
        } => {
            let portal = open(&config).await?;
            seed::seed(&portal, datasets, publishers).await?;
            println!("seeded {datasets} datasets");
            Ok(())
        }
        Command::User {
            command:
                UserCommand::Create {
                    name,
                    email,
                    fullname,
                    sysadmin,
                    password_stdin,
                },
        } => {
            let password = if password_stdin {
                let mut s = String::new();
                std::io::stdin()
                    .read_to_string(&mut s)
                    .context("cannot read the password")?;
                let line = s.lines().next().unwrap_or("").to_string();
                if line.is_empty() {
                    bail!("no password on standard input");
                }
                Some(line)
            } else {
                None
            };
            let portal = open(&config).await?;
            let user = portal
                .create_user(
                    &system_viewer(),
                    NewUser {
                        name,
                        email,
                        fullname,
                        password,
                        sysadmin,
                    },
                )
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("created user {} ({})", user.name, user.id);
            Ok(())
        }
        Command::Token {
            command:
                TokenCommand::Create {
                    user,
                    name,
                    expires_days,
                },
        } => {
            let portal = open(&config).await?;
            let expires = expires_days.map(|d| misto_core::time::now() + chrono_days(i64::from(d)));
            let (_, secret) = portal
                .create_token(&system_viewer(), &user, &name, expires)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("{secret}");
            Ok(())
        }
        Command::Jobs { command } => {
            let portal = open(&config).await?;
            match command {
                JobsCommand::Run => jobs::run(&portal, &config).await,
                JobsCommand::Digest => {
                    // Due now; a running server's workers send it with
                    // the server's settings (its site URL in the links).
                    let id = portal
                        .enqueue_job(
                            misto_actions::subscriptions::DIGEST_JOB,
                            misto_actions::subscriptions::DIGEST_SUBJECT,
                            serde_json::json!({}),
                            None,
                        )
                        .await?;
                    println!("queued the digest job {id}");
                    Ok(())
                }
                JobsCommand::List { kind, state, limit } => {
                    jobs::list(&portal, kind.as_deref(), state.as_deref(), limit).await
                }
            }
        }
        Command::Harvest { command } => harvest::harvest(&open(&config).await?, command).await,
        Command::Import { command } => harvest::import(&open(&config).await?, command).await,
        Command::Push { command } => harvest::push(&open(&config).await?, command).await,
        Command::Resolution835 { command } => {
            resolution835::run(&open(&config).await?, command).await
        }
    }
}

fn chrono_days(d: i64) -> misto_core::time::Duration {
    misto_core::time::Duration::days(d)
}
