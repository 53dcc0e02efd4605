//! One `Config`, loaded defaults → `misto.toml` → `MISTO_*` environment →
//! command-line flags, validated at start and passed down (no globals).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use serde::Deserialize;

/// Every setting of a misto install.
#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address to listen on (`MISTO_ADDR`), default `127.0.0.1:8080`.
    pub addr: String,
    /// Folder for the SQLite database and uploaded files (`MISTO_DATA_DIR`).
    pub data_dir: PathBuf,
    /// Where uploaded files are kept (`MISTO_BLOB_URL`): unset, the folder
    /// `files` in the data folder; `s3://bucket/prefix`, an S3-compatible
    /// bucket reached with the usual `AWS_*` variables (`AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, `AWS_ENDPOINT_URL`,
    /// `AWS_ALLOW_HTTP`).
    pub blob_url: Option<String>,
    /// `sqlite://…` or `postgres://…` (`MISTO_DATABASE_URL`); default: SQLite
    /// file `misto.db` inside the data folder.
    pub database_url: Option<String>,
    /// Public base URL used in API links (`MISTO_SITE_URL`); default
    /// `http://{addr}`.
    pub site_url: Option<String>,
    /// Portal name (`MISTO_SITE_TITLE`).
    pub site_title: String,
    pub site_description: String,
    /// Largest upload in megabytes (`MISTO_MAX_UPLOAD_MB`).
    pub max_upload_mb: u64,
    /// How often to pick up changes made by other processes, in ms
    /// (`MISTO_CATALOG_POLL_MS`).
    pub catalog_poll_ms: u64,
    /// `text` or `json` log lines (`MISTO_LOG_FORMAT`).
    pub log_format: String,
    /// Background job workers in this instance (`MISTO_JOB_WORKERS`); 0
    /// leaves jobs to other instances. Default: half the cores, at least 1.
    pub job_workers: usize,
    /// Seconds a job may go without reporting progress before another
    /// worker takes it over (`MISTO_JOB_LEASE_SECS`).
    pub job_lease_secs: u64,
    /// Folder whose `templates/` and `static/` override the built-in ones
    /// (`MISTO_THEME_DIR`).
    pub theme_dir: Option<PathBuf>,
    /// Time limit of one `datastore_search_sql` query, in ms
    /// (`MISTO_DATASTORE_SQL_TIMEOUT_MS`), default 5000.
    pub datastore_sql_timeout_ms: u64,
    /// Map tiles on resource pages, a `{z}/{x}/{y}` URL template
    /// (`MISTO_MAP_TILE_URL`), default OpenStreetMap's tile server.
    pub map_tile_url: String,
    /// Linked (not uploaded) tabular files the datastore downloads and
    /// loads (`MISTO_DATASTORE_FETCH_LINKS`): `all` (default), `off`, or a
    /// comma-separated list of hosts.
    pub datastore_fetch_links: String,
    /// SMTP server for the portal's e-mail (`MISTO_SMTP_HOST`); without it
    /// e-mail jobs end with an error saying e-mail is not configured.
    pub smtp_host: Option<String>,
    /// Default: 25, 587 or 465 after `smtp_tls` (`MISTO_SMTP_PORT`).
    pub smtp_port: Option<u16>,
    /// Login, when the server wants one (`MISTO_SMTP_USER`).
    pub smtp_user: Option<String>,
    /// `MISTO_SMTP_PASSWORD`.
    pub smtp_password: Option<String>,
    /// Sender, `address` or `Name <address>` (`MISTO_SMTP_FROM`); default:
    /// the site's contact e-mail.
    pub smtp_from: Option<String>,
    /// `none`, `starttls` or `tls` (`MISTO_SMTP_TLS`), default `starttls`.
    pub smtp_tls: String,
    /// Days before an update is due that the responsible person gets a
    /// reminder (`MISTO_REMINDER_DAYS`), default 7.
    pub reminder_days: i64,
    /// Hours between two runs of the link check of external resources
    /// (`MISTO_LINK_CHECK_HOURS`), default 24; 0 turns the schedule off.
    /// The first run comes one interval after the server starts.
    pub link_check_hours: i64,
    /// Seconds a checked link may take to answer
    /// (`MISTO_LINK_CHECK_TIMEOUT_SECS`), default 15.
    pub link_check_timeout_secs: u64,
    /// Hosts inside the network (loopback, private, link-local) that the
    /// harvester, push, linked-file downloads and the link check may reach
    /// (`MISTO_OUTBOUND_ALLOW`, comma-separated); default none.
    pub outbound_allow: Vec<String>,
    /// Columns a tabular file may have (`MISTO_READ_MAX_COLUMNS`).
    pub read_max_columns: usize,
    /// Rows a tabular file may have (`MISTO_READ_MAX_ROWS`).
    pub read_max_rows: usize,
    /// Cells of a workbook, JSON or validated CSV read whole into memory
    /// (`MISTO_READ_MAX_CELLS`).
    pub read_max_cells: usize,
    /// Bytes a workbook's ZIP parts may inflate to
    /// (`MISTO_READ_MAX_INFLATED_BYTES`).
    pub read_max_inflated_bytes: u64,
    /// Bytes of a JSON or GeoJSON file (`MISTO_READ_MAX_JSON_BYTES`).
    pub read_max_json_bytes: u64,
    /// Reverse proxies in front of the portal (`MISTO_TRUSTED_PROXIES`):
    /// comma-separated addresses or CIDR ranges. Only a request from one of
    /// them may name the client in `X-Forwarded-For`; otherwise every
    /// visitor behind the proxy would share its address for login
    /// throttling and the spam guard. Default: none.
    pub trusted_proxies: String,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("addr", &self.addr)
            .field("data_dir", &self.data_dir)
            .field("blob_url", &self.blob_url)
            .field(
                "database_url",
                &self.database_url.as_deref().map(redact_url),
            )
            .field("site_url", &self.site_url)
            .field("max_upload_mb", &self.max_upload_mb)
            .finish_non_exhaustive()
    }
}

/// Hides a password in a database URL.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            addr: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("misto-data"),
            blob_url: None,
            database_url: None,
            site_url: None,
            site_title: "Демо-місто: відкриті дані".into(),
            site_description: "Портал відкритих даних міської ради".into(),
            max_upload_mb: 100,
            catalog_poll_ms: 1000,
            log_format: "text".into(),
            job_workers: misto_actions::jobs::default_worker_count(),
            job_lease_secs: 60,
            theme_dir: None,
            datastore_sql_timeout_ms: 5000,
            map_tile_url: misto_actions::datastore::DatastoreConfig::default().tile_url,
            datastore_fetch_links: "all".into(),
            smtp_host: None,
            smtp_port: None,
            smtp_user: None,
            smtp_password: None,
            smtp_from: None,
            smtp_tls: "starttls".into(),
            reminder_days: 7,
            link_check_hours: 24,
            link_check_timeout_secs: 15,
            outbound_allow: Vec::new(),
            read_max_columns: misto_tabular::Limits::DEFAULT.max_columns,
            read_max_rows: misto_tabular::Limits::DEFAULT.max_rows,
            read_max_cells: misto_tabular::Limits::DEFAULT.max_cells,
            read_max_inflated_bytes: misto_tabular::Limits::DEFAULT.max_inflated_bytes,
            read_max_json_bytes: misto_tabular::Limits::DEFAULT.max_json_bytes,
            trusted_proxies: String::new(),
        }
    }
}

/// Values given on the command line (they win over everything else).
#[derive(Debug, Default, Clone, clap::Args)]
pub struct Overrides {
    /// Address to listen on [env: MISTO_ADDR]
    #[arg(long, global = true)]
    pub addr: Option<String>,
    /// Data folder [env: MISTO_DATA_DIR]
    #[arg(long, global = true)]
    pub data_dir: Option<PathBuf>,
    /// Database URL: sqlite://FILE or postgres://… [env: MISTO_DATABASE_URL]
    #[arg(long, global = true)]
    pub database_url: Option<String>,
    /// Configuration file (default: ./misto.toml if present) [env: MISTO_CONFIG]
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

impl Config {
    pub fn load(o: &Overrides) -> anyhow::Result<Config> {
        let file = o
            .config
            .clone()
            .or_else(|| env("MISTO_CONFIG").map(PathBuf::from));
        let mut c = match file {
            Some(path) => Self::from_file(&path)?,
            None if Path::new("misto.toml").exists() => Self::from_file(Path::new("misto.toml"))?,
            None => Config::default(),
        };
        if let Some(v) = env("MISTO_ADDR") {
            c.addr = v;
        }
        if let Some(v) = env("MISTO_DATA_DIR") {
            c.data_dir = v.into();
        }
        if let Some(v) = env("MISTO_BLOB_URL") {
            c.blob_url = Some(v);
        }
        if let Some(v) = env("MISTO_DATABASE_URL") {
            c.database_url = Some(v);
        }
        if let Some(v) = env("MISTO_SITE_URL") {
            c.site_url = Some(v);
        }
        if let Some(v) = env("MISTO_SITE_TITLE") {
            c.site_title = v;
        }
        if let Some(v) = env("MISTO_MAX_UPLOAD_MB") {
            c.max_upload_mb = v
                .parse()
                .context("MISTO_MAX_UPLOAD_MB must be a whole number")?;
        }
        if let Some(v) = env("MISTO_CATALOG_POLL_MS") {
            c.catalog_poll_ms = v
                .parse()
                .context("MISTO_CATALOG_POLL_MS must be a whole number")?;
        }
        if let Some(v) = env("MISTO_TRUSTED_PROXIES") {
            c.trusted_proxies = v;
        }
        if let Some(v) = env("MISTO_LOG_FORMAT") {
            c.log_format = v;
        }
        if let Some(v) = env("MISTO_THEME_DIR") {
            c.theme_dir = Some(v.into());
        }
        if let Some(v) = env("MISTO_JOB_WORKERS") {
            c.job_workers = v
                .parse()
                .context("MISTO_JOB_WORKERS must be a whole number")?;
        }
        if let Some(v) = env("MISTO_JOB_LEASE_SECS") {
            c.job_lease_secs = v
                .parse()
                .context("MISTO_JOB_LEASE_SECS must be a whole number")?;
        }
        if let Some(v) = env("MISTO_DATASTORE_SQL_TIMEOUT_MS") {
            c.datastore_sql_timeout_ms = v
                .parse()
                .context("MISTO_DATASTORE_SQL_TIMEOUT_MS must be a whole number")?;
        }
        if let Some(v) = env("MISTO_MAP_TILE_URL") {
            c.map_tile_url = v;
        }
        if let Some(v) = env("MISTO_DATASTORE_FETCH_LINKS") {
            c.datastore_fetch_links = v;
        }
        if let Some(v) = env("MISTO_SMTP_HOST") {
            c.smtp_host = Some(v);
        }
        if let Some(v) = env("MISTO_SMTP_PORT") {
            c.smtp_port = Some(v.parse().context("MISTO_SMTP_PORT must be a port number")?);
        }
        if let Some(v) = env("MISTO_SMTP_USER") {
            c.smtp_user = Some(v);
        }
        if let Some(v) = env("MISTO_SMTP_PASSWORD") {
            c.smtp_password = Some(v);
        }
        if let Some(v) = env("MISTO_SMTP_FROM") {
            c.smtp_from = Some(v);
        }
        if let Some(v) = env("MISTO_SMTP_TLS") {
            c.smtp_tls = v;
        }
        if let Some(v) = env("MISTO_REMINDER_DAYS") {
            c.reminder_days = v
                .parse()
                .context("MISTO_REMINDER_DAYS must be a whole number")?;
        }
        if let Some(v) = env("MISTO_LINK_CHECK_HOURS") {
            c.link_check_hours = v
                .parse()
                .context("MISTO_LINK_CHECK_HOURS must be a whole number")?;
        }
        if let Some(v) = env("MISTO_LINK_CHECK_TIMEOUT_SECS") {
            c.link_check_timeout_secs = v
                .parse()
                .context("MISTO_LINK_CHECK_TIMEOUT_SECS must be a whole number")?;
        }
        macro_rules! number {
            ($var:literal, $field:ident) => {
                if let Some(v) = env($var) {
                    c.$field = v
                        .parse()
                        .context(concat!($var, " must be a whole number"))?;
                }
            };
        }
        if let Some(v) = env("MISTO_OUTBOUND_ALLOW") {
            c.outbound_allow = v
                .split(',')
                .map(|h| h.trim().to_string())
                .filter(|h| !h.is_empty())
                .collect();
        }
        number!("MISTO_READ_MAX_COLUMNS", read_max_columns);
        number!("MISTO_READ_MAX_ROWS", read_max_rows);
        number!("MISTO_READ_MAX_CELLS", read_max_cells);
        number!("MISTO_READ_MAX_INFLATED_BYTES", read_max_inflated_bytes);
        number!("MISTO_READ_MAX_JSON_BYTES", read_max_json_bytes);
        if let Some(v) = &o.addr {
            c.addr = v.clone();
        }
        if let Some(v) = &o.data_dir {
            c.data_dir = v.clone();
        }
        if let Some(v) = &o.database_url {
            c.database_url = Some(v.clone());
        }
        c.validate()?;
        Ok(c)
    }

    fn from_file(path: &Path) -> anyhow::Result<Config> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read configuration file {}", path.display()))?;
        toml::from_str(&text)
            .with_context(|| format!("invalid configuration file {}", path.display()))
    }

    fn validate(&self) -> anyhow::Result<()> {
        self.socket_addr()?;
        if self.max_upload_mb == 0 {
            bail!("max_upload_mb must be at least 1");
        }
        if !matches!(self.log_format.as_str(), "text" | "json") {
            bail!("log_format must be text or json");
        }
        if let Some(u) = &self.database_url
            && !(u.starts_with("sqlite:")
                || u.starts_with("postgres://")
                || u.starts_with("postgresql://"))
        {
            bail!("database_url must start with sqlite: or postgres://");
        }
        if let Some(u) = &self.blob_url
            && !u.starts_with("s3://")
        {
            bail!("blob_url must be an s3://bucket/prefix URL (or unset: the files folder)");
        }
        if let Some(s) = &self.site_url
            && !(s.starts_with("http://") || s.starts_with("https://"))
        {
            bail!("site_url must be an http(s) URL");
        }
        if let Some(d) = &self.theme_dir
            && !d.is_dir()
        {
            bail!("theme_dir {} is not a folder", d.display());
        }
        if !(0..=366).contains(&self.reminder_days) {
            bail!("reminder_days must be between 0 and 366");
        }
        if !(0..=24 * 366).contains(&self.link_check_hours) {
            bail!("link_check_hours must be between 0 and 8784");
        }
        if !(1..=300).contains(&self.link_check_timeout_secs) {
            bail!("link_check_timeout_secs must be between 1 and 300");
        }
        self.trusted_proxies()?;
        self.mailer()?;
        Ok(())
    }

    /// The trusted reverse proxies.
    pub fn trusted_proxies(&self) -> anyhow::Result<Vec<misto_core::net::IpRange>> {
        misto_core::net::IpRange::parse_list(&self.trusted_proxies).map_err(|bad| {
            anyhow::anyhow!("trusted_proxies: {bad} is not an IP address or CIDR range")
        })
    }

    /// The link check's schedule and limits.
    pub fn link_check(&self) -> misto_actions::linkcheck::LinkCheckSettings {
        misto_actions::linkcheck::LinkCheckSettings {
            interval_hours: self.link_check_hours,
            timeout_secs: self.link_check_timeout_secs,
            ..Default::default()
        }
    }

    /// The SMTP settings.
    pub fn smtp(&self) -> anyhow::Result<misto_mail::SmtpSettings> {
        let Some(tls) = misto_mail::TlsMode::parse(&self.smtp_tls) else {
            bail!("smtp_tls must be none, starttls or tls");
        };
        Ok(misto_mail::SmtpSettings {
            host: self.smtp_host.clone(),
            port: self.smtp_port,
            user: self.smtp_user.clone(),
            password: self.smtp_password.clone(),
            from: self.smtp_from.clone(),
            tls,
            timeout: Duration::from_secs(30),
        })
    }

    /// The mailer of the `email` jobs, from the SMTP settings.
    pub fn mailer(&self) -> anyhow::Result<misto_mail::Mailer> {
        Ok(misto_mail::Mailer::new(&self.smtp()?)?)
    }

    pub fn socket_addr(&self) -> anyhow::Result<SocketAddr> {
        self.addr
            .parse()
            .with_context(|| format!("addr must be HOST:PORT, got {}", self.addr))
    }

    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("misto.db").display()))
    }

    /// Opens the store of uploaded files: the S3 bucket of `blob_url`, or
    /// the folder `files` in the data folder. Local copies of S3 blobs
    /// (for readers that need a file) go to `tmp` in the data folder.
    pub async fn blob_store(&self) -> anyhow::Result<misto_blobs::BlobStore> {
        Ok(match &self.blob_url {
            None => misto_blobs::BlobStore::local(self.data_dir.join("files")).await?,
            Some(url) => misto_blobs::BlobStore::s3(url, self.data_dir.join("tmp")).await?,
        })
    }

    pub fn site_url(&self) -> String {
        self.site_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.addr))
            .trim_end_matches('/')
            .to_string()
    }

    /// The session signing key: `MISTO_SESSION_KEY` (hex, 64+ characters)
    /// when set — instances behind one load balancer share it —, else the
    /// file `session.key` in the data folder, created on first use.
    pub fn session_key(&self) -> anyhow::Result<Vec<u8>> {
        if let Some(hex_key) = env("MISTO_SESSION_KEY") {
            let key = decode_hex(&hex_key).context("MISTO_SESSION_KEY must be hex")?;
            if key.len() < 32 {
                bail!("MISTO_SESSION_KEY must be at least 32 bytes (64 hex characters)");
            }
            return Ok(key);
        }
        let path = self.data_dir.join("session.key");
        match std::fs::read(&path) {
            Ok(key) if key.len() >= 32 => Ok(key),
            Ok(_) => bail!("{} is shorter than 32 bytes", path.display()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = misto_actions::random_key();
                write_private(&path, &key)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                Ok(key)
            }
            Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }

    /// The bounds on reading tabular files. They are the one process-wide
    /// setting (misto-tabular's readers are called from validation, the
    /// datastore and imports alike): [`Config::portal_config`] installs them.
    pub fn read_limits(&self) -> misto_tabular::Limits {
        misto_tabular::Limits {
            max_columns: self.read_max_columns.max(1),
            max_rows: self.read_max_rows.max(1),
            max_cells: self.read_max_cells.max(1),
            max_inflated_bytes: self.read_max_inflated_bytes.max(1),
            max_json_bytes: self.read_max_json_bytes.max(1),
        }
    }

    pub fn portal_config(&self) -> misto_actions::PortalConfig {
        misto_tabular::Limits::install(self.read_limits());
        misto_actions::PortalConfig {
            site_url: self.site_url(),
            site_title: self.site_title.clone(),
            site_description: self.site_description.clone(),
            locale_default: "uk".into(),
            max_upload_bytes: self.max_upload_mb * 1024 * 1024,
            catalog_poll: Duration::from_millis(self.catalog_poll_ms.max(50)),
            session_key: Vec::new(),
            job_lease: Duration::from_secs(self.job_lease_secs.max(1)),
            job_poll: Duration::from_millis(self.catalog_poll_ms.clamp(50, 1000)),
            theme_dir: self.theme_dir.clone(),
            datastore: misto_actions::datastore::DatastoreConfig {
                sql_timeout: Duration::from_millis(self.datastore_sql_timeout_ms.max(1)),
                tile_url: self.map_tile_url.clone(),
                fetch_links: misto_actions::datastore::FetchLinks::parse(
                    &self.datastore_fetch_links,
                ),
                ..Default::default()
            },
            outbound_allow: self.outbound_allow.clone(),
            // Checked by `validate`; an unchecked bad list trusts no one.
            trusted_proxies: self.trusted_proxies().unwrap_or_default(),
        }
    }
}

fn decode_hex(s: &str) -> anyhow::Result<Vec<u8>> {
    let s = s.trim();
    if !s.len().is_multiple_of(2) {
        bail!("odd number of hex digits");
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).context("not a hex digit"))
        .collect()
}

/// Writes a file only its owner can read.
fn write_private(path: &Path, data: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(data)?;
    f.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction() {
        assert_eq!(
            redact_url("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(redact_url("sqlite://x.db"), "sqlite://x.db");
    }

    #[test]
    fn file_values_and_unknown_keys() {
        let c: Config = toml::from_str("addr = \"0.0.0.0:9000\"\nmax_upload_mb = 5").unwrap();
        assert_eq!(c.addr, "0.0.0.0:9000");
        assert_eq!(c.max_upload_mb, 5);
        assert!(toml::from_str::<Config>("adr = \"x\"").is_err());
    }

    #[test]
    fn blob_url_must_be_s3() {
        let ok: Config = toml::from_str("blob_url = \"s3://misto-files/city\"").unwrap();
        assert!(ok.validate().is_ok());
        let bad: Config = toml::from_str("blob_url = \"/var/lib/files\"").unwrap();
        assert!(bad.validate().is_err());
        assert!(Config::default().blob_url.is_none());
    }
}
