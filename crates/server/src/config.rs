//! The one configuration of `binhyen serve`: command-line flags, `BINHYEN_*` environment
//! variables and an optional TOML file, merged in that order of precedence over defaults.

use clap::Args;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Flags of `binhyen serve`. Every flag can also be set as `BINHYEN_<NAME>` or in the file.
#[derive(Debug, Clone, Default, Args)]
pub struct ServeArgs {
    /// TOML configuration file (keys as the flags, with underscores).
    #[arg(long, env = "BINHYEN_CONFIG")]
    pub config: Option<PathBuf>,
    /// Directory for the embedded database and server files (created when missing)
    /// [default: binhyen-data].
    #[arg(long, env = "BINHYEN_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// HTTP listen address [default: 127.0.0.1:8080].
    #[arg(long, env = "BINHYEN_HTTP")]
    pub http: Option<SocketAddr>,
    /// DC-09 alarm listen address(es), TCP and UDP on the same port; comma-separated
    /// [default: 127.0.0.1:7100 when --http is not given either, else none].
    #[arg(long, env = "BINHYEN_DC09", value_delimiter = ',')]
    pub dc09: Option<Vec<SocketAddr>>,
    /// Folder with the reference geography: units.csv and units.geojson [required: here, in
    /// BINHYEN_UNITS or in the configuration file].
    #[arg(long, env = "BINHYEN_UNITS")]
    pub units: Option<PathBuf>,
    /// PostgreSQL URL (`postgres://…`) to run on PostgreSQL instead of the embedded SQLite.
    #[arg(long, env = "BINHYEN_DATABASE_URL")]
    pub database_url: Option<String>,
    /// TLS certificate chain (PEM); with --tls-key, serve HTTPS.
    #[arg(long, env = "BINHYEN_TLS_CERT")]
    pub tls_cert: Option<PathBuf>,
    /// TLS private key (PEM).
    #[arg(long, env = "BINHYEN_TLS_KEY")]
    pub tls_key: Option<PathBuf>,
    /// Log format: `text` or `json` [default: text].
    #[arg(long, env = "BINHYEN_LOG_FORMAT")]
    pub log_format: Option<LogFormat>,
    /// Folder with the citizen knowledge base (one Markdown article per file). Default:
    /// `data/kb` in the current directory, else the one beside the sources of this build.
    #[arg(long, env = "BINHYEN_KB")]
    pub kb: Option<PathBuf>,
    /// File with the master key (64 hex digits) that seals device keys; required with
    /// PostgreSQL unless BINHYEN_MASTER_KEY is set (every node must share it).
    #[arg(long, env = "BINHYEN_MASTER_KEY_FILE")]
    pub master_key_file: Option<PathBuf>,
    /// Days raw DC-09 frames are kept for forensics [default: 30].
    #[arg(long, env = "BINHYEN_DC09_RETENTION_DAYS")]
    pub dc09_retention_days: Option<u32>,
    /// Seconds of silence allowed past a device's supervision interval before it is offline
    /// [default: 30].
    #[arg(long, env = "BINHYEN_DC09_GRACE_SECS")]
    pub dc09_grace_secs: Option<u64>,
    /// Open DC-09 TCP connections at most, in total [default: 20000].
    #[arg(long, env = "BINHYEN_DC09_MAX_CONNECTIONS")]
    pub dc09_max_connections: Option<usize>,
    /// Open DC-09 TCP connections at most from one source address [default: 1000].
    #[arg(long, env = "BINHYEN_DC09_MAX_PER_SOURCE")]
    pub dc09_max_per_source: Option<usize>,
    /// Seconds after which a silent DC-09 connection, or one that takes no answers, is closed
    /// [default: 300].
    #[arg(long, env = "BINHYEN_DC09_IDLE_SECS")]
    pub dc09_idle_secs: Option<u64>,
    /// Valid DC-09 frames waiting to be stored at most (default 65536).
    #[arg(long, env = "BINHYEN_DC09_QUEUE")]
    pub dc09_queue: Option<usize>,
    /// Milliseconds a valid frame may wait for room in a full queue before it is NAKed so that
    /// the device retries (default 1000).
    #[arg(long, env = "BINHYEN_DC09_ADMISSION_MS")]
    pub dc09_admission_ms: Option<u64>,
    /// Seconds a fire or other life-safety alarm may stay unacknowledged before it is
    /// escalated to the shift leaders (default 60).
    #[arg(long, env = "BINHYEN_ALARM_ESCALATE_SECS")]
    pub alarm_escalate_secs: Option<u64>,
    /// Source addresses or CIDR blocks allowed to send unencrypted DC-09 messages
    /// (comma-separated, e.g. `10.20.0.0/16,192.0.2.7`); from any other source they are
    /// NAKed and counted (`reason="plain_source"`). Default: any source.
    #[arg(long, env = "BINHYEN_DC09_PLAIN_SOURCES", value_delimiter = ',')]
    pub dc09_plain_sources: Option<Vec<String>>,
    /// Open HTTP connections at most (default 1024); more wait until one ends. DC-09
    /// connections have their own limit.
    #[arg(long, env = "BINHYEN_HTTP_MAX_CONNECTIONS")]
    pub http_max_connections: Option<usize>,
    /// Seconds a client has to send a request's headers, counted from the moment the
    /// connection waits for a request, so also the longest idle keep-alive (default 10).
    #[arg(long, env = "BINHYEN_HTTP_HEADER_SECS")]
    pub http_header_secs: Option<u64>,
    /// Seconds a request body may stall before the request is answered 408 (default 30).
    #[arg(long, env = "BINHYEN_HTTP_BODY_SECS")]
    pub http_body_secs: Option<u64>,
    /// SMTP relay for e-mail to a facility's contacts when its alarm opens an incident:
    /// `smtp://host:25`, `smtp://host:587?tls=required` (STARTTLS) or
    /// `smtps://user:password@host:465`. Unset: no e-mail.
    #[arg(long, env = "BINHYEN_SMTP_URL")]
    pub smtp_url: Option<String>,
    /// The sender of those e-mails, e.g. `Trung tâm chỉ huy <cnch@example.vn>` (required with
    /// --smtp-url).
    #[arg(long, env = "BINHYEN_SMTP_FROM")]
    pub smtp_from: Option<String>,
    /// HTTP SMS gateway for text messages to a facility's contacts; the URL may hold `{to}`
    /// (0912345678), `{to_intl}` (+84912345678) and `{message}`. Unset: no SMS.
    #[arg(long, env = "BINHYEN_SMS_URL")]
    pub sms_url: Option<String>,
    /// The gateway request's body with the same placeholders; `none` sends a GET with
    /// everything in the URL [default: {"to":"{to}","message":"{message}"}].
    #[arg(long, env = "BINHYEN_SMS_BODY")]
    pub sms_body: Option<String>,
    /// The body's content type [default: application/json].
    #[arg(long, env = "BINHYEN_SMS_CONTENT_TYPE")]
    pub sms_content_type: Option<String>,
    /// The `Authorization` header sent to the gateway (e.g. `Bearer …`).
    #[arg(long, env = "BINHYEN_SMS_AUTHORIZATION", hide_env_values = true)]
    pub sms_authorization: Option<String>,
    /// Seconds before a failed e-mail or SMS is tried again; doubles with each further
    /// attempt, 6 attempts in all [default: 30].
    #[arg(long, env = "BINHYEN_NOTIFY_RETRY_SECS")]
    pub notify_retry_secs: Option<u64>,
    /// Days of resource position history kept (trails; 1 to 3650) [default: 30].
    #[arg(long, env = "BINHYEN_AVL_HISTORY_DAYS")]
    pub avl_history_days: Option<u32>,
}

/// What the commands that work on the database alone need (accounts, backups, generators,
/// quality runs): where the database is, and the reference geography when they use it. The
/// same flags, environment variables and TOML file as `serve`, without the server's own.
#[derive(Debug, Clone, Default, Args)]
pub struct DataArgs {
    /// TOML configuration file (keys as the flags, with underscores).
    #[arg(long, env = "BINHYEN_CONFIG")]
    pub config: Option<PathBuf>,
    /// Directory of the embedded database [default: binhyen-data].
    #[arg(long, env = "BINHYEN_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// PostgreSQL URL (`postgres://…`), when the server runs on PostgreSQL.
    #[arg(long, env = "BINHYEN_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Folder with the reference geography (units.csv, units.geojson); needed by the
    /// generators and quality runs, and to check a unit officer's unit.
    #[arg(long, env = "BINHYEN_UNITS")]
    pub units: Option<PathBuf>,
}

impl DataArgs {
    /// The configuration, with the reference geography required.
    pub fn load(&self) -> Result<Config, ConfigError> {
        Config::load(&self.as_serve())
    }

    /// The configuration of a command that does not read the reference geography: a missing
    /// `units` is no error (the field is then empty and must not be read).
    pub fn load_without_units(&self) -> Result<Config, ConfigError> {
        match Config::load(&self.as_serve()) {
            Err(ConfigError::MissingUnits) => Config::load(&ServeArgs {
                units: Some(PathBuf::new()),
                ..self.as_serve()
            }),
            other => other,
        }
    }

    fn as_serve(&self) -> ServeArgs {
        ServeArgs {
            config: self.config.clone(),
            data_dir: self.data_dir.clone(),
            database_url: self.database_url.clone(),
            units: self.units.clone(),
            ..ServeArgs::default()
        }
    }
}

/// How logs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// The TOML file's shape: the same names as the flags.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    data_dir: Option<PathBuf>,
    http: Option<SocketAddr>,
    dc09: Option<Vec<SocketAddr>>,
    units: Option<PathBuf>,
    database_url: Option<String>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    log_format: Option<LogFormat>,
    kb: Option<PathBuf>,
    master_key_file: Option<PathBuf>,
    dc09_retention_days: Option<u32>,
    dc09_grace_secs: Option<u64>,
    dc09_max_connections: Option<usize>,
    dc09_max_per_source: Option<usize>,
    dc09_idle_secs: Option<u64>,
    dc09_queue: Option<usize>,
    dc09_admission_ms: Option<u64>,
    alarm_escalate_secs: Option<u64>,
    dc09_plain_sources: Option<Vec<String>>,
    http_max_connections: Option<usize>,
    http_header_secs: Option<u64>,
    http_body_secs: Option<u64>,
    smtp_url: Option<String>,
    smtp_from: Option<String>,
    sms_url: Option<String>,
    sms_body: Option<String>,
    sms_content_type: Option<String>,
    sms_authorization: Option<String>,
    notify_retry_secs: Option<u64>,
    avl_history_days: Option<u32>,
}

/// The effective configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub data_dir: PathBuf,
    pub http: SocketAddr,
    pub dc09: Vec<SocketAddr>,
    pub units: PathBuf,
    pub database_url: Option<String>,
    pub tls: Option<(PathBuf, PathBuf)>,
    pub log_format: LogFormat,
    /// Folder of the citizen knowledge base.
    pub kb: PathBuf,
    /// Alarm receiver settings (used when `dc09` lists addresses; the master key also seals
    /// device keys saved through the API).
    pub receiver: crate::receiver::ReceiverOptions,
    /// The HTTP side's connection budget and timeouts.
    pub http_limits: crate::http::HttpLimits,
    /// How a facility's people are told of its alarm (e-mail, SMS).
    pub notify: crate::notify::NotifyOptions,
    /// Resource positions.
    pub avl: crate::avl::AvlOptions,
}

/// Why the configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid config file {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error(
        "no reference geography given: pass --units DIR (or set BINHYEN_UNITS) with a folder \
         holding units.csv and units.geojson, e.g. --units ../shared/data/hanoi"
    )]
    MissingUnits,
    #[error("--tls-cert and --tls-key must be given together")]
    HalfTls,
    #[error("invalid --dc09-plain-sources: {0}")]
    PlainSources(String),
    #[error("invalid notification settings: {0}")]
    Notify(String),
    #[error("--avl-history-days {0}: keep 1 to 3650 days of positions")]
    AvlHistory(u32),
}

/// The default HTTP address.
pub const DEFAULT_HTTP: &str = "127.0.0.1:8080";
/// The DC-09 listener of a server whose HTTP address is also left at its default.
pub const DEFAULT_DC09: &str = "127.0.0.1:7100";
/// The default data directory.
pub const DEFAULT_DATA_DIR: &str = "binhyen-data";

impl Config {
    /// Merges flags/env (already combined by clap) over the file over the defaults.
    pub fn load(args: &ServeArgs) -> Result<Config, ConfigError> {
        let file = match &args.config {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
        };
        let mut receiver = receiver_options(args, &file);
        if let Some(list) = args
            .dc09_plain_sources
            .as_ref()
            .or(file.dc09_plain_sources.as_ref())
        {
            receiver.plain_sources = crate::receiver::pipeline::PlainSources::parse(list)
                .map_err(ConfigError::PlainSources)?;
        }
        let http_limits = http_limits(args, &file);
        let notify = notify_options(args, &file)?;
        let avl = match args.avl_history_days.or(file.avl_history_days) {
            None => crate::avl::AvlOptions::default(),
            Some(days @ 1..=3650) => crate::avl::AvlOptions {
                history: chrono::Duration::days(i64::from(days)),
            },
            Some(days) => return Err(ConfigError::AvlHistory(days)),
        };
        let units = args
            .units
            .clone()
            .or(file.units)
            .ok_or(ConfigError::MissingUnits)?;
        let tls = match (
            args.tls_cert.clone().or(file.tls_cert),
            args.tls_key.clone().or(file.tls_key),
        ) {
            (Some(cert), Some(key)) => Some((cert, key)),
            (None, None) => None,
            _ => return Err(ConfigError::HalfTls),
        };
        let http = args.http.or(file.http);
        // With every address left at its default (the local quick start) alarms are received
        // on loopback too, so that `simulate` works against it; a deployment that names its
        // HTTP address names its DC-09 listeners (or has none).
        let dc09 = match (args.dc09.clone().or(file.dc09), http) {
            (Some(list), _) => list,
            (None, None) => vec![DEFAULT_DC09.parse().expect("valid default address")],
            (None, Some(_)) => Vec::new(),
        };
        Ok(Config {
            data_dir: args
                .data_dir
                .clone()
                .or(file.data_dir)
                .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR)),
            http: http.unwrap_or_else(|| DEFAULT_HTTP.parse().expect("valid default address")),
            dc09,
            units,
            database_url: args.database_url.clone().or(file.database_url),
            tls,
            log_format: args.log_format.or(file.log_format).unwrap_or_default(),
            kb: args.kb.clone().or(file.kb).unwrap_or_else(default_kb_dir),
            receiver,
            http_limits,
            notify,
            avl,
        })
    }

    /// Only what the knowledge-base commands need (`binhyen ask`, `eval`, `kb check`): the
    /// knowledge-base folder, and the reference geography when one is configured (it is
    /// optional there, unlike for `serve`).
    pub fn load_kb(args: &ServeArgs) -> Result<(PathBuf, Option<PathBuf>), ConfigError> {
        let file = match &args.config {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
        };
        let kb = args.kb.clone().or(file.kb).unwrap_or_else(default_kb_dir);
        Ok((kb, args.units.clone().or(file.units)))
    }

    /// The configuration as logged at start: secrets masked.
    pub fn masked(&self) -> serde_json::Value {
        serde_json::json!({
            "data_dir": self.data_dir,
            "http": self.http.to_string(),
            "dc09": self.dc09.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "units": self.units,
            "database": match &self.database_url {
                Some(url) => store::mask_url(url),
                None => format!("sqlite://{}", self.data_dir.join("binhyen.db").display()),
            },
            "tls": self.tls.as_ref().map(|(c, _)| c.display().to_string()),
            "log_format": format!("{:?}", self.log_format).to_lowercase(),
            "kb": self.kb,
            "alarm_escalate_secs": self.receiver.alarm_escalate.as_secs(),
            "http_max_connections": self.http_limits.max_connections,
            "http_header_secs": self.http_limits.header_timeout.as_secs(),
            "http_body_secs": self.http_limits.body_timeout.as_secs(),
            "smtp": self.notify.smtp.as_ref().map(|s| store::mask_url(&s.url)),
            "sms": self.notify.sms.as_ref().map(|s| s.url.split('?').next().unwrap_or_default().to_owned()),
            "notify_retry_secs": self.notify.retry_base.as_secs(),
            "avl_history_days": self.avl.history.num_days(),
        })
    }
}

/// The knowledge base used when none is configured: `data/kb` under the current directory when
/// it exists, otherwise the repository's `data/kb` beside the sources this binary was built from.
pub fn default_kb_dir() -> PathBuf {
    let here = PathBuf::from(DEFAULT_KB_DIR);
    if here.is_dir() {
        here
    } else {
        PathBuf::from(BUILT_KB_DIR)
    }
}

/// The default knowledge-base folder, relative to the current directory.
pub const DEFAULT_KB_DIR: &str = "data/kb";
/// The repository's knowledge base as seen from the sources of this build.
pub const BUILT_KB_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/kb");

fn receiver_options(args: &ServeArgs, file: &FileConfig) -> crate::receiver::ReceiverOptions {
    use std::time::Duration;
    let d = crate::receiver::ReceiverOptions::default();
    crate::receiver::ReceiverOptions {
        master_key_file: args
            .master_key_file
            .clone()
            .or(file.master_key_file.clone()),
        retention: args
            .dc09_retention_days
            .or(file.dc09_retention_days)
            .map_or(d.retention, |days| {
                Duration::from_secs(u64::from(days.max(1)) * 86_400)
            }),
        grace: args
            .dc09_grace_secs
            .or(file.dc09_grace_secs)
            .map_or(d.grace, Duration::from_secs),
        max_connections: args
            .dc09_max_connections
            .or(file.dc09_max_connections)
            .unwrap_or(d.max_connections),
        max_per_source: args
            .dc09_max_per_source
            .or(file.dc09_max_per_source)
            .unwrap_or(d.max_per_source),
        idle_timeout: args
            .dc09_idle_secs
            .or(file.dc09_idle_secs)
            .map_or(d.idle_timeout, |s| Duration::from_secs(s.max(1))),
        queue: args
            .dc09_queue
            .or(file.dc09_queue)
            .map_or(d.queue, |q| q.max(1)),
        admission_wait: args
            .dc09_admission_ms
            .or(file.dc09_admission_ms)
            .map_or(d.admission_wait, Duration::from_millis),
        alarm_escalate: args
            .alarm_escalate_secs
            .or(file.alarm_escalate_secs)
            .map_or(d.alarm_escalate, |s| Duration::from_secs(s.max(1))),
        ..d
    }
}

fn notify_options(
    args: &ServeArgs,
    file: &FileConfig,
) -> Result<crate::notify::NotifyOptions, ConfigError> {
    use crate::notify::{NotifyOptions, SmsOptions, SmtpOptions, DEFAULT_SMS_BODY};
    let pick = |a: &Option<String>, f: &Option<String>| {
        a.clone()
            .or_else(|| f.clone())
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let d = NotifyOptions::default();
    let smtp = match (
        pick(&args.smtp_url, &file.smtp_url),
        pick(&args.smtp_from, &file.smtp_from),
    ) {
        (Some(url), Some(from)) => Some(SmtpOptions { url, from }),
        (None, None) => None,
        (Some(_), None) => return Err(ConfigError::Notify("--smtp-url needs --smtp-from".into())),
        (None, Some(_)) => return Err(ConfigError::Notify("--smtp-from needs --smtp-url".into())),
    };
    let sms = match pick(&args.sms_url, &file.sms_url) {
        None => None,
        Some(url) => {
            let body = match pick(&args.sms_body, &file.sms_body) {
                Some(b) if b == "none" => None,
                Some(b) => Some(b),
                None => Some(DEFAULT_SMS_BODY.to_owned()),
            };
            let all = format!("{url} {}", body.as_deref().unwrap_or_default());
            if !all.contains("{message}") || !(all.contains("{to}") || all.contains("{to_intl}")) {
                return Err(ConfigError::Notify(
                    "the SMS gateway's URL or body must hold {to} (or {to_intl}) and {message}"
                        .into(),
                ));
            }
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(ConfigError::Notify(format!(
                    "--sms-url must be an http:// or https:// URL, not {url:?}"
                )));
            }
            Some(SmsOptions {
                url,
                body,
                content_type: pick(&args.sms_content_type, &file.sms_content_type)
                    .unwrap_or_else(|| "application/json".into()),
                authorization: pick(&args.sms_authorization, &file.sms_authorization),
            })
        }
    };
    Ok(NotifyOptions {
        smtp,
        sms,
        retry_base: args
            .notify_retry_secs
            .or(file.notify_retry_secs)
            .map_or(d.retry_base, |s| std::time::Duration::from_secs(s.max(1))),
        ..d
    })
}

fn http_limits(args: &ServeArgs, file: &FileConfig) -> crate::http::HttpLimits {
    use std::time::Duration;
    let d = crate::http::HttpLimits::default();
    crate::http::HttpLimits {
        max_connections: args
            .http_max_connections
            .or(file.http_max_connections)
            .map_or(d.max_connections, |n| n.max(1)),
        header_timeout: args
            .http_header_secs
            .or(file.http_header_secs)
            .map_or(d.header_timeout, |s| Duration::from_secs(s.max(1))),
        body_timeout: args
            .http_body_secs
            .or(file.http_body_secs)
            .map_or(d.body_timeout, |s| Duration::from_secs(s.max(1))),
    }
}

fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    toml::from_str(&text).map_err(|e| ConfigError::Parse {
        path: path.to_owned(),
        message: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_units_is_a_clear_error() {
        let err = Config::load(&ServeArgs::default()).unwrap_err();
        assert!(err.to_string().contains("--units"));
    }

    #[test]
    fn flags_win_over_file_and_file_over_defaults() {
        let dir = std::env::temp_dir().join(format!("binhyen-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("binhyen.toml");
        std::fs::write(
            &file,
            "units = \"/u\"\nhttp = \"127.0.0.1:9000\"\ndata_dir = \"/d\"\n",
        )
        .unwrap();
        let args = ServeArgs {
            config: Some(file.clone()),
            http: Some("127.0.0.1:9100".parse().unwrap()),
            ..Default::default()
        };
        let config = Config::load(&args).unwrap();
        assert_eq!(config.http.port(), 9100);
        assert_eq!(config.data_dir, PathBuf::from("/d"));
        assert_eq!(config.units, PathBuf::from("/u"));
        assert_eq!(config.kb, default_kb_dir());
        std::fs::write(&file, "units = \"/u\"\nkb = \"/k\"\n").unwrap();
        assert_eq!(Config::load(&args).unwrap().kb, PathBuf::from("/k"));
        assert_eq!(
            Config::load_kb(&args).unwrap(),
            (PathBuf::from("/k"), Some(PathBuf::from("/u")))
        );
        assert_eq!(config.receiver.alarm_escalate.as_secs(), 60);
        std::fs::write(&file, "units = \"/u\"\nalarm_escalate_secs = 90\n").unwrap();
        assert_eq!(
            Config::load(&args)
                .unwrap()
                .receiver
                .alarm_escalate
                .as_secs(),
            90
        );
        std::fs::write(&file, "unknown_key = 1\nunits = \"/u\"\n").unwrap();
        assert!(matches!(
            Config::load(&args),
            Err(ConfigError::Parse { .. })
        ));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn the_quick_start_receives_alarms_on_loopback_and_a_named_address_does_not() {
        let quick = ServeArgs {
            units: Some("/u".into()),
            ..Default::default()
        };
        let config = Config::load(&quick).unwrap();
        assert_eq!(config.http, DEFAULT_HTTP.parse().unwrap());
        assert_eq!(config.dc09, vec![DEFAULT_DC09.parse().unwrap()]);
        assert!(config.dc09.iter().all(|a| a.ip().is_loopback()));
        let named = ServeArgs {
            http: Some("0.0.0.0:8080".parse().unwrap()),
            ..quick.clone()
        };
        assert!(Config::load(&named).unwrap().dc09.is_empty());
        let both = ServeArgs {
            dc09: Some(vec!["127.0.0.1:7200".parse().unwrap()]),
            ..named
        };
        assert_eq!(
            Config::load(&both).unwrap().dc09,
            vec!["127.0.0.1:7200".parse().unwrap()]
        );
    }

    /// The defaults `serve --help` states are the ones applied.
    #[test]
    fn notification_settings_are_checked_at_start() {
        let base = ServeArgs {
            units: Some("/u".into()),
            ..Default::default()
        };
        let with = |edit: fn(&mut ServeArgs)| {
            let mut a = base.clone();
            edit(&mut a);
            Config::load(&a)
        };
        // Nothing set: no channel, the operator calls.
        let c = Config::load(&base).unwrap();
        assert!(c.notify.smtp.is_none() && c.notify.sms.is_none());
        assert_eq!(c.notify.retry_base.as_secs(), 30);
        // Half an SMTP setting is refused.
        let err = with(|a| a.smtp_url = Some("smtp://relay:25".into())).unwrap_err();
        assert!(err.to_string().contains("--smtp-from"), "{err}");
        // A gateway template must say where the number and the text go.
        let err = with(|a| {
            a.sms_url = Some("https://gw.example.vn/send".into());
            a.sms_body = Some(r#"{"text":"{message}"}"#.into());
        })
        .unwrap_err();
        assert!(err.to_string().contains("{to}"), "{err}");
        let err = with(|a| a.sms_url = Some("ftp://gw/{to}/{message}".into())).unwrap_err();
        assert!(err.to_string().contains("http"), "{err}");
        // A GET gateway with everything in the URL, and the default JSON body.
        let c = with(|a| {
            a.sms_url = Some("https://gw.example.vn/send?to={to}&msg={message}".into());
            a.sms_body = Some("none".into());
            a.notify_retry_secs = Some(5);
        })
        .unwrap();
        let sms = c.notify.sms.as_ref().unwrap();
        assert_eq!(sms.body, None);
        assert_eq!(c.notify.retry_base.as_secs(), 5);
        let c = with(|a| a.sms_url = Some("http://gw/send".into())).unwrap();
        assert_eq!(
            c.notify.sms.unwrap().body.as_deref(),
            Some(crate::notify::DEFAULT_SMS_BODY)
        );
    }

    #[test]
    fn the_defaults_in_the_help_are_the_defaults() {
        let d = crate::receiver::ReceiverOptions::default();
        assert_eq!(d.retention.as_secs(), 30 * 86_400);
        assert_eq!(d.grace.as_secs(), 30);
        assert_eq!(d.max_connections, 20_000);
        assert_eq!(d.max_per_source, 1_000);
        assert_eq!(d.idle_timeout.as_secs(), 300);
        assert_eq!(DEFAULT_DATA_DIR, "binhyen-data");
        assert_eq!(LogFormat::default(), LogFormat::Text);
    }

    #[test]
    fn http_budget_and_plain_sources_from_the_file() {
        let dir = std::env::temp_dir().join(format!("binhyen-cfg-b-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("binhyen.toml");
        let args = ServeArgs {
            config: Some(file.clone()),
            ..Default::default()
        };
        std::fs::write(&file, "units = \"/u\"\n").unwrap();
        let config = Config::load(&args).unwrap();
        assert_eq!(config.http_limits.max_connections, 1024);
        assert_eq!(config.http_limits.header_timeout.as_secs(), 10);
        assert!(config.receiver.plain_sources.is_empty());
        std::fs::write(
            &file,
            "units = \"/u\"\nhttp_max_connections = 64\nhttp_header_secs = 5\n\
             http_body_secs = 7\ndc09_plain_sources = [\"10.20.0.0/16\"]\n",
        )
        .unwrap();
        let config = Config::load(&args).unwrap();
        assert_eq!(config.http_limits.max_connections, 64);
        assert_eq!(config.http_limits.header_timeout.as_secs(), 5);
        assert_eq!(config.http_limits.body_timeout.as_secs(), 7);
        assert!(config
            .receiver
            .plain_sources
            .allows("10.20.1.2".parse().unwrap()));
        assert!(!config
            .receiver
            .plain_sources
            .allows("10.21.1.2".parse().unwrap()));
        std::fs::write(
            &file,
            "units = \"/u\"\ndc09_plain_sources = [\"10.0.0.0/40\"]\n",
        )
        .unwrap();
        assert!(matches!(
            Config::load(&args),
            Err(ConfigError::PlainSources(_))
        ));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn secrets_are_masked() {
        let config = Config {
            data_dir: "/d".into(),
            http: DEFAULT_HTTP.parse().unwrap(),
            dc09: vec![],
            units: "/u".into(),
            database_url: Some("postgres://app:hunter2@db/test".into()),
            tls: None,
            log_format: LogFormat::Text,
            kb: "/kb".into(),
            receiver: Default::default(),
            http_limits: Default::default(),
            notify: Default::default(),
            avl: Default::default(),
        };
        let shown = config.masked().to_string();
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("postgres://app:***@db/test"));
    }
}
