//! The `binhyen` command line: `serve` runs the server; the other commands work on the same
//! configuration and database (accounts, backups) or on the citizen knowledge base (`ask`,
//! `eval`, `kb check`, `kb reload`).

use crate::app;
use crate::config::{Config, DataArgs, LogFormat, ServeArgs};
use anyhow::Context as _;
use clap::{Parser, Subcommand};
use std::io::Read as _;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "binhyen",
    version,
    about = "Bình Yên: command information center for a city police force"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

// Parsed once at start and matched once: the size of the largest variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (HTTP API, console, alarm listeners).
    Serve(ServeArgs),
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Simulate DC-09 alarm panels against a receiver (demos and load tests).
    Simulate(crate::simulate::SimulateArgs),
    /// Write a consistent copy of the SQLite database while the server runs, and beside it
    /// (`<to>.master.key`) the master key that unseals the device keys when it lives in the
    /// data directory. Both files are readable by the owner only.
    Backup {
        #[command(flatten)]
        data: DataArgs,
        /// The new file to write.
        #[arg(long)]
        to: PathBuf,
    },
    /// Ask the citizen assistant; several messages continue one conversation.
    Ask {
        #[command(flatten)]
        kb: KbArgs,
        /// Print each reply as the JSON body `POST /api/assistant/chat` returns.
        #[arg(long)]
        json: bool,
        /// The message(s), in Vietnamese, with or without diacritics.
        #[arg(required = true)]
        messages: Vec<String>,
    },
    /// Measure the assistant on the evaluation set: Recall@1/@3, MRR, key facts, emergency
    /// recall/precision, declines and latency, against a plain BM25 baseline. Exits non-zero
    /// when a target is missed.
    Eval {
        #[command(flatten)]
        kb: KbArgs,
        /// Folder of evaluation questions (`*.jsonl`); default: `eval` beside the KB folder.
        #[arg(long, env = "BINHYEN_EVAL")]
        eval_dir: Option<PathBuf>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// Only print the figures; exit 0 even when a target is missed.
        #[arg(long)]
        no_fail: bool,
        /// Also list the failures of the intake dev split (never those of the blind split).
        #[arg(long)]
        explain: bool,
    },
    /// Measure the location resolver on address sets (`*.jsonl`): top-1, right unit among the
    /// candidates, silent misroutes and latency, beside the unit-name resolver it replaced.
    EvalAddresses {
        /// Reference geography: units, and the optional streets and places.
        #[arg(long, env = "BINHYEN_UNITS")]
        units: PathBuf,
        /// Folder of address sets, or one set.
        #[arg(long, default_value = "data/eval/addresses")]
        set: PathBuf,
        /// Print the reports as JSON.
        #[arg(long)]
        json: bool,
        /// Also print every address whose first candidate is wrong, with the candidates.
        #[arg(long)]
        explain: bool,
    },
    /// The citizen knowledge base.
    #[command(subcommand)]
    Kb(KbCommand),
    /// Scenario benchmarks, each against the previous version in the same run.
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Generate synthetic residents, households, registrations and foreigner declarations with
    /// planted errors of every rule into the database, and write the answer key.
    GenResidents {
        #[command(flatten)]
        data: DataArgs,
        /// Residents to generate.
        #[arg(long, default_value_t = 10_000)]
        people: usize,
        /// Share of records of each kind that get one planted error (0 to 1).
        #[arg(long, default_value_t = 0.05)]
        error_rate: f64,
        /// Seed: the same seed gives the same data.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Where to write the answer key (JSON); default `answer-key.json` in the data directory.
        #[arg(long)]
        answer_key: Option<PathBuf>,
    },
    /// Generate a simulated registry of water sources for fire fighting (hydrants, lakes,
    /// ponds, tanks, wells, rivers) inside every unit's boundary, replacing the one generated
    /// before; sources entered or imported by hand are kept. No real registry is public.
    GenWaterSources {
        #[command(flatten)]
        data: DataArgs,
        /// Sources per unit (Hà Nội surveyed about 11,500 for 126 units).
        #[arg(long, default_value_t = 90)]
        per_unit: usize,
        /// Seed: the same seed gives the same registry.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Generate a synthetic past into the database for benchmarks and demonstrations: closed
    /// incidents in every unit taken through their lifecycle (the newest few left open), and
    /// criminal cases with discovery and clearance dates.
    GenHistory {
        #[command(flatten)]
        data: DataArgs,
        /// Incidents to generate.
        #[arg(long, default_value_t = 100_000)]
        incidents: usize,
        /// Of those, the most recent left open.
        #[arg(long, default_value_t = 300)]
        open: usize,
        /// Criminal cases to generate.
        #[arg(long, default_value_t = 10_000)]
        cases: usize,
        /// Years of history, ending now (or at --until).
        #[arg(long, default_value_t = 5)]
        years: u32,
        /// End of the history (RFC 3339); default now.
        #[arg(long)]
        until: Option<chrono::DateTime<chrono::Utc>>,
        /// Do not write the incidents' timelines (a statistics-only history, faster to load).
        #[arg(long)]
        without_timeline: bool,
        /// Seed: the same seed gives the same history.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Check and score every record ("đúng, đủ, sạch, sống"), save the run and print the rates;
    /// with an answer key, print the detectors' precision and recall per rule.
    QualityCheck {
        #[command(flatten)]
        data: DataArgs,
        /// The generator's answer key.
        #[arg(long)]
        answer_key: Option<PathBuf>,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Where the knowledge-base commands find their data: the same flags, environment variables
/// and TOML file as `serve`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct KbArgs {
    /// TOML configuration file (the `kb` and `units` keys are used).
    #[arg(long, env = "BINHYEN_CONFIG")]
    pub config: Option<PathBuf>,
    /// Knowledge-base folder; default `data/kb`.
    #[arg(long, env = "BINHYEN_KB")]
    pub kb: Option<PathBuf>,
    /// Reference geography, to understand addresses (optional here).
    #[arg(long, env = "BINHYEN_UNITS")]
    pub units: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Response plans: whether the first recommendations fill the incident's plan, the first
    /// engine's estimated arrival, and recommendation latency with a 2,000-resource fleet.
    Dispatch(crate::bench_dispatch::DispatchBenchArgs),
    /// Water sources: the nearest usable ones for random fires over a simulated registry, by
    /// the indexed search and by a full scan (the baseline), which must agree.
    Water(crate::bench_water::WaterBenchArgs),
    /// Positions: reports stored per second through the position writer against one
    /// transaction per report (the baseline), and report-to-feed latency.
    Avl(crate::bench_avl::AvlBenchArgs),
}

#[derive(Debug, Subcommand)]
pub enum KbCommand {
    /// Load every article and report the first error with its file and line.
    Check {
        #[command(flatten)]
        kb: KbArgs,
    },
    /// Make a running server reload its knowledge base (admin token in BINHYEN_TOKEN).
    Reload {
        /// The server's base URL (plain HTTP, e.g. on the same machine).
        #[arg(long, env = "BINHYEN_SERVER", default_value = "http://127.0.0.1:8080")]
        server: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add an account; the password is read from BINHYEN_PASSWORD or standard input.
    Add {
        #[command(flatten)]
        data: DataArgs,
        #[arg(long)]
        username: String,
        /// admin, operator, unit_officer, leader or inspector.
        #[arg(long)]
        role: String,
        /// The unit code, for a unit officer.
        #[arg(long)]
        unit: Option<String>,
        /// Name shown in the console.
        #[arg(long)]
        display_name: Option<String>,
    },
    /// Set a new password (read from BINHYEN_PASSWORD or standard input); every session and
    /// known device of the account ends.
    Passwd {
        #[command(flatten)]
        data: DataArgs,
        #[arg(long)]
        username: String,
    },
    /// Disable an account: it cannot sign in, and its sessions end at once.
    Disable {
        #[command(flatten)]
        data: DataArgs,
        #[arg(long)]
        username: String,
    },
    /// Enable a disabled account again.
    Enable {
        #[command(flatten)]
        data: DataArgs,
        #[arg(long)]
        username: String,
    },
    /// End every session of an account and forget its known devices.
    RevokeSessions {
        #[command(flatten)]
        data: DataArgs,
        #[arg(long)]
        username: String,
    },
    /// Turn 2-step verification off for an account (a lost phone); the owner can enrol again.
    ResetTotp {
        #[command(flatten)]
        data: DataArgs,
        #[arg(long)]
        username: String,
    },
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let log_format = match &cli.command {
        Command::Serve(args) => Config::load(args).map(|c| c.log_format).unwrap_or_default(),
        _ => LogFormat::Text,
    };
    init_logging(log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("BINHYEN_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Colours only on a terminal: a log file or the journal gets plain text.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => serve(args).await,
        Command::User(UserCommand::Add {
            data,
            username,
            role,
            unit,
            display_name,
        }) => add_user(data, username, role, unit, display_name).await,
        Command::User(UserCommand::Passwd { data, username }) => {
            let password = read_password()?;
            crate::api::users::validate_password(&password)
                .map_err(|e| anyhow::anyhow!("{}", e.message))?;
            let hash = crate::auth::hash_password(&password).map_err(anyhow::Error::msg)?;
            let change = store::AccountChange::Password {
                hash,
                keep_session: None,
                by_admin: true,
            };
            change_account(data, username, change).await
        }
        Command::User(UserCommand::Disable { data, username }) => {
            change_account(data, username, store::AccountChange::Disable).await
        }
        Command::User(UserCommand::Enable { data, username }) => {
            change_account(data, username, store::AccountChange::Enable).await
        }
        Command::User(UserCommand::RevokeSessions { data, username }) => {
            change_account(data, username, store::AccountChange::RevokeSessions).await
        }
        Command::User(UserCommand::ResetTotp { data, username }) => {
            change_account(data, username, store::AccountChange::ClearTotp).await
        }
        Command::Ask { kb, json, messages } => ask(&kb, json, &messages),
        Command::Eval {
            kb,
            eval_dir,
            json,
            no_fail,
            explain,
        } => eval(&kb, eval_dir, json, no_fail, explain),
        Command::EvalAddresses {
            units,
            set,
            json,
            explain,
        } => crate::address_eval::run(&units, &set, json, explain),
        Command::Kb(KbCommand::Check { kb }) => {
            let (dir, _) = Config::load_kb(&kb_serve_args(&kb))?;
            let base = assistant::KnowledgeBase::load_dir(&dir)?;
            println!("{}: {} articles, all valid", dir.display(), base.len());
            Ok(())
        }
        Command::Kb(KbCommand::Reload { server }) => kb_reload(&server).await,
        Command::Simulate(args) => crate::simulate::run(args).await,
        Command::Bench(BenchCommand::Dispatch(args)) => crate::bench_dispatch::run(&args),
        Command::Bench(BenchCommand::Water(args)) => crate::bench_water::run(&args).await,
        Command::Bench(BenchCommand::Avl(args)) => crate::bench_avl::run(&args).await,
        Command::GenResidents {
            data,
            people,
            error_rate,
            seed,
            answer_key,
        } => {
            let config = data.load()?;
            crate::quality::gen_residents(&config, people, error_rate, seed, answer_key).await
        }
        Command::GenWaterSources {
            data,
            per_unit,
            seed,
        } => {
            let config = data.load()?;
            gen_water_sources(&config, per_unit, seed).await
        }
        Command::GenHistory {
            data,
            incidents,
            open,
            cases,
            years,
            until,
            without_timeline,
            seed,
        } => {
            let spec = crate::history::HistorySpec {
                incidents,
                open: open.min(incidents),
                cases,
                years,
                until: until.unwrap_or_else(chrono::Utc::now),
                timeline: if without_timeline {
                    store::Timeline::Omit
                } else {
                    store::Timeline::Full
                },
                seed,
            };
            crate::history::gen_history(&data.load()?, spec).await
        }
        Command::QualityCheck {
            data,
            answer_key,
            json,
        } => crate::quality::quality_check(&data.load()?, answer_key, json).await,
        Command::Backup { data, to } => backup(&data.load_without_units()?, &to).await,
    }
}

/// The file beside a backup that holds the master key of the data directory.
pub fn backup_key_path(to: &std::path::Path) -> PathBuf {
    let mut name = to.as_os_str().to_owned();
    name.push(".master.key");
    PathBuf::from(name)
}

/// `binhyen backup`: the database copy, and what a restore needs with it. A data directory
/// with no database is refused: opening it would create an empty one and back that up.
async fn backup(config: &Config, to: &std::path::Path) -> anyhow::Result<()> {
    let target = match &config.database_url {
        Some(url) => store::DbTarget::from_url(url)?,
        None => store::DbTarget::in_data_dir(&config.data_dir),
    };
    if let store::DbTarget::Sqlite(path) = &target {
        if !path.is_file() {
            anyhow::bail!(
                "no database at {}: nothing to back up (is --data-dir the server's data directory?)",
                path.display()
            );
        }
    }
    // Where the server finds its master key, in the same order as it does.
    let env_key = std::env::var(crate::receiver::keys::MASTER_KEY_ENV)
        .ok()
        .filter(|k| !k.trim().is_empty());
    let data_dir_key = config.data_dir.join(crate::receiver::keys::MASTER_KEY_FILE);
    let key_copy = backup_key_path(to);
    let copy_key =
        env_key.is_none() && config.receiver.master_key_file.is_none() && data_dir_key.is_file();
    if copy_key && key_copy.exists() {
        anyhow::bail!(
            "{} already exists; choose a new backup file",
            key_copy.display()
        );
    }
    let store = store::Store::open(&target)
        .await
        .context("cannot open the database")?;
    let written = store
        .backup_to(to)
        .await
        .with_context(|| format!("backup to {} failed", to.display()));
    store.close().await;
    written?;
    println!("backup written to {}", to.display());
    if copy_key {
        let key = std::fs::read(&data_dir_key)
            .with_context(|| format!("cannot read {}", data_dir_key.display()))?;
        write_owner_only(&key_copy, &key)
            .with_context(|| format!("cannot write {}", key_copy.display()))?;
        eprintln!(
            "WARNING: {} is the master key that unseals the device keys in this backup. \
             Whoever holds both files can read every device key: keep it apart from the backup \
             (another medium, a safe), never beside it in the same off-site copy. A restore \
             needs it as master.key in the new data directory, or no encrypted alarm is \
             accepted.",
            key_copy.display()
        );
    } else if env_key.is_some() {
        eprintln!(
            "note: the master key comes from {}; a restored server needs the same value",
            crate::receiver::keys::MASTER_KEY_ENV
        );
    } else if let Some(file) = &config.receiver.master_key_file {
        eprintln!(
            "note: the master key comes from {}; a restored server needs the same file",
            file.display()
        );
    } else {
        eprintln!("note: the data directory holds no master key (no device key was sealed)");
    }
    Ok(())
}

/// Writes a new file readable by the owner only; fails when it exists.
fn write_owner_only(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let config = Config::load(&args)?;
    // Listen for the stop signals before anything starts: a SIGTERM that arrives while the
    // server is starting is kept and stops it cleanly once it runs, instead of killing it.
    let stop_signal = shutdown_signal()?;
    tracing::info!(config = %config.masked(), "starting binhyen {}", env!("CARGO_PKG_VERSION"));
    let https = config.tls.is_some();
    let running = app::start(config).await?;
    println!("{}", app::welcome(&running, https));
    let stop = running.shutdown_handle();
    tokio::spawn(async move {
        stop_signal.await;
        tracing::info!("shutting down: finishing in-flight requests");
        let _ = stop.send(true);
    });
    running.wait().await
}

/// A future that completes on SIGINT or SIGTERM; the handlers are installed when it is created.
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("cannot listen for SIGTERM")?;
    #[cfg(unix)]
    let mut int = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
        .context("cannot listen for SIGINT")?;
    Ok(async move {
        #[cfg(unix)]
        tokio::select! {
            _ = term.recv() => {},
            _ = int.recv() => {},
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    })
}

async fn add_user(
    args: DataArgs,
    username: String,
    role: String,
    unit: Option<String>,
    display_name: Option<String>,
) -> anyhow::Result<()> {
    // Only a unit officer's unit is checked against the reference geography.
    let (config, units) = if unit.is_some() {
        let config = args.load()?;
        let units = domain::units::UnitDirectory::load(&config.units)
            .with_context(|| format!("cannot load units from {}", config.units.display()))?;
        (config, Some(units))
    } else {
        (args.load_without_units()?, None)
    };
    let password = read_password()?;
    let known_unit = |code: &str| units.as_ref().is_some_and(|u| u.get(code).is_some());
    let (role, unit) = crate::api::users::validate_new_user(
        known_unit,
        &username,
        &role,
        unit.as_deref(),
        &password,
    )
    .map_err(|e| anyhow::anyhow!("{}", e.message))?;
    let store = app::open_store(&config).await?;
    let hash = crate::auth::hash_password(&password).map_err(anyhow::Error::msg)?;
    let user = store
        .create_user(
            &store::NewUser {
                display_name: display_name.unwrap_or_else(|| username.clone()),
                username,
                role,
                unit_code: unit,
                password_hash: hash,
            },
            &store::Actor::system("cli"),
            chrono::Utc::now(),
        )
        .await
        .map_err(|e| match e {
            store::StoreError::Conflict(_) => anyhow::anyhow!("that username is taken"),
            other => other.into(),
        })?;
    store.close().await;
    println!("created {} ({})", user.username, user.role);
    Ok(())
}

/// A password from `BINHYEN_PASSWORD`, or else from standard input (without the line end).
fn read_password() -> anyhow::Result<String> {
    match std::env::var("BINHYEN_PASSWORD") {
        Ok(p) if !p.is_empty() => Ok(p),
        _ => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .context("cannot read the password from standard input")?;
            Ok(text.trim_end_matches(['\r', '\n']).to_owned())
        }
    }
}

/// Applies an account change from the command line, audited as `system:cli`.
async fn change_account(
    args: DataArgs,
    username: String,
    change: store::AccountChange,
) -> anyhow::Result<()> {
    let config = args.load_without_units()?;
    let store = app::open_store(&config).await?;
    let result = async {
        let user = store
            .user_by_username(&username)
            .await?
            .ok_or_else(|| anyhow::anyhow!("no account {username}"))?;
        let changed = store
            .change_account(
                user.id,
                &change,
                &store::Actor::system("cli"),
                chrono::Utc::now(),
            )
            .await
            .map_err(|e| match e {
                store::StoreError::Conflict(detail) => anyhow::anyhow!("{detail}"),
                other => other.into(),
            })?;
        anyhow::Ok(changed)
    }
    .await;
    store.close().await;
    let changed = result?;
    let u = &changed.user;
    println!(
        "{}: {} ({}, 2-step {}, {} session(s) ended)",
        u.username,
        if u.disabled { "disabled" } else { "enabled" },
        u.role,
        if u.totp_enabled() { "on" } else { "off" },
        changed.sessions_revoked
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Citizen assistant commands

fn kb_serve_args(kb: &KbArgs) -> ServeArgs {
    ServeArgs {
        config: kb.config.clone(),
        kb: kb.kb.clone(),
        units: kb.units.clone(),
        ..ServeArgs::default()
    }
}

/// Loads the assistant the way the server does, with the unit directory as address resolver
/// when one is configured.
fn load_assistant(kb: &KbArgs) -> anyhow::Result<assistant::Assistant> {
    Ok(load_assistant_with_units(kb)?.0)
}

/// The assistant as the server builds it, and the unit directory its resolver reads (when
/// the reference geography is given).
fn load_assistant_with_units(
    kb: &KbArgs,
) -> anyhow::Result<(
    assistant::Assistant,
    Option<std::sync::Arc<domain::units::UnitDirectory>>,
)> {
    let (dir, units) = Config::load_kb(&kb_serve_args(kb))?;
    let Some(units) = units else {
        let base = assistant::KnowledgeBase::load_dir(&dir)
            .with_context(|| format!("cannot load the knowledge base from {}", dir.display()))?;
        return Ok((assistant::Assistant::from_env(base), None));
    };
    let units = std::sync::Arc::new(
        domain::units::UnitDirectory::load(&units)
            .with_context(|| format!("cannot load units from {}", units.display()))?,
    );
    let service = crate::api::assistant::AssistantService::load(&dir, units.clone())?;
    Ok((service.assistant, Some(units)))
}

fn ask(kb: &KbArgs, json: bool, messages: &[String]) -> anyhow::Result<()> {
    use crate::api::assistant::{ChatKind, ChatReply};
    let bot = load_assistant(kb)?;
    let mut conversation: Option<String> = None;
    for message in messages {
        let request = assistant::ChatRequest {
            message: message.clone(),
            conversation_id: conversation.clone(),
            lat: None,
            lon: None,
        };
        let outcome = bot.chat(&request, chrono::Utc::now());
        if outcome.draft().is_some() {
            eprintln!(
                "note: the report is confirmed but not filed from the command line; citizens \
                 file reports through POST /api/assistant/chat of a running server"
            );
        }
        let reply = ChatReply::from(outcome.into_response());
        conversation = Some(reply.conversation_id.clone());
        if json {
            println!("{}", serde_json::to_string(&reply)?);
            continue;
        }
        if messages.len() > 1 {
            println!("> {message}");
        }
        let kind = serde_json::to_value(reply.kind)?;
        match (&reply.kind, &reply.emergency_number) {
            (ChatKind::Emergency, Some(n)) => println!("[{} {n}]", kind.as_str().unwrap_or("")),
            _ => println!("[{}]", kind.as_str().unwrap_or("")),
        }
        println!("{}", reply.reply);
        for c in &reply.citations {
            match &c.url {
                Some(url) => println!("  nguồn: {} ({}) {url}", c.title, c.source),
                None => println!("  nguồn: {} ({})", c.title, c.source),
            }
        }
        if !reply.suggestions.is_empty() {
            println!("  gợi ý: {}", reply.suggestions.join(" | "));
        }
        println!();
    }
    Ok(())
}

/// One evaluation target and whether a run met it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct EvalTarget {
    /// What is measured.
    pub metric: &'static str,
    /// The figure of this run.
    pub value: f64,
    /// `>=` or `<=`.
    pub op: &'static str,
    /// The target.
    pub target: f64,
    /// Whether the figure meets it.
    pub met: bool,
}

/// A target held on one intake split.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SplitTarget {
    /// The split (`blind`, `blind2`, …).
    pub split: String,
    /// The target and its figure.
    #[serde(flatten)]
    pub target: EvalTarget,
}

/// The targets the evaluation is held to (the figures and their history are in
/// docs/benchmarks.md). Latency is per chat turn on one thread; it is meant for a release
/// build.
pub fn eval_targets(report: &assistant::EvalReport) -> Vec<EvalTarget> {
    let all = &report.overall;
    let at_least = |metric, value: f64, target: f64| EvalTarget {
        metric,
        value,
        op: ">=",
        target,
        met: value >= target,
    };
    let mut targets = vec![
        at_least("recall_at_3", all.system.recall_at_3, 0.95),
        at_least(
            "recall_at_3_over_baseline",
            all.system.recall_at_3 - all.baseline.recall_at_3,
            0.0,
        ),
        at_least("key_fact_coverage", all.key_fact_coverage, 0.9),
        at_least("emergency_recall", all.emergency_recall, 1.0),
        at_least("emergency_precision", all.emergency_precision, 0.95),
        at_least(
            "emergency_number_accuracy",
            report.emergency_number_accuracy,
            1.0,
        ),
        at_least("decline_accuracy", all.decline_accuracy, 0.9),
    ];
    if let Some(heldout) = report.split("heldout") {
        targets.push(at_least(
            "heldout_recall_at_3",
            heldout.system.recall_at_3,
            0.9,
        ));
    }
    targets.push(EvalTarget {
        metric: "latency_p95_ms",
        value: report.latency_p95_ms,
        op: "<=",
        target: 20.0,
        met: report.latency_p95_ms <= 20.0,
    });
    targets
}

/// The intake splits beside the question set: `intake/` (dev) and `blind/`.
fn intake_reports(
    bot: &assistant::Assistant,
    units: Option<&domain::units::UnitDirectory>,
    eval_dir: &std::path::Path,
) -> anyhow::Result<Vec<assistant::IntakeReport>> {
    let unit_name = |code: &str| {
        units
            .and_then(|u| u.get(code))
            .map_or_else(|| code.to_string(), |u| u.full_name.clone())
    };
    // `intake/` is the dev split; every `blind*/` folder is a blind one.
    let mut splits: Vec<PathBuf> = std::fs::read_dir(eval_dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_dir())
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n == "intake" || n.starts_with("blind"))
                })
                .collect()
        })
        .unwrap_or_default();
    // The dev split first, then the blind ones by name.
    splits.sort_by_key(|p| (!p.ends_with("intake"), p.clone()));
    let mut out = Vec::new();
    for dir in splits {
        let sets = assistant::IntakeSets::load_dir(&dir)
            .with_context(|| format!("cannot load the intake set {}", dir.display()))?;
        if !sets.is_empty() {
            out.push(assistant::evaluate_intake(
                bot,
                &sets,
                chrono::Utc::now(),
                &unit_name,
            ));
        }
    }
    Ok(out)
}

/// Whether a split is blind (never read item by item, never tuned on).
fn is_blind(split: &str) -> bool {
    split.starts_with("blind")
}

/// The intake targets, held on the blind splits only (the dev split is read while tuning).
fn intake_targets(report: &assistant::IntakeReport) -> Vec<SplitTarget> {
    if !is_blind(&report.split) {
        return Vec::new();
    }
    let mut targets = Vec::new();
    let mut at_least = |metric: &'static str, value: f64, target: f64| {
        targets.push(SplitTarget {
            split: report.split.clone(),
            target: EvalTarget {
                metric,
                value,
                op: ">=",
                target,
                met: value >= target,
            },
        })
    };
    let c = &report.citizen;
    at_least("emergency recall", c.emergency_recall.rate(), 1.0);
    at_least("past not emergency", c.past_not_emergency.rate(), 1.0);
    at_least("declines", c.declines.rate(), 0.95);
    let k = &report.calls;
    at_least("call type", k.kind.rate(), 0.95);
    at_least("call unit", k.unit.rate(), 0.95);
    at_least("call P1 recall", k.p1_recall.rate(), 1.0);
    at_least("not-incident", k.not_incident.rate(), 0.9);
    at_least("report facts kept", report.reports.facts.rate(), 0.95);
    targets
}

fn eval(
    kb: &KbArgs,
    eval_dir: Option<PathBuf>,
    json: bool,
    no_fail: bool,
    explain: bool,
) -> anyhow::Result<()> {
    let (kb_dir, _) = Config::load_kb(&kb_serve_args(kb))?;
    let eval_dir = eval_dir.unwrap_or_else(|| {
        kb_dir
            .parent()
            .map(|p| p.join("eval"))
            .unwrap_or_else(|| PathBuf::from("data/eval"))
    });
    let set = assistant::EvalSet::load_dir(&eval_dir).with_context(|| {
        format!(
            "cannot load the evaluation set from {} (pass --eval-dir DIR)",
            eval_dir.display()
        )
    })?;
    let (bot, units) = load_assistant_with_units(kb)?;
    if let Some(missing) = set.items.iter().find_map(|i| {
        i.topic
            .as_ref()
            .filter(|t| bot.article(t).is_none())
            .map(|t| (i.id.clone(), t.clone()))
    }) {
        anyhow::bail!(
            "evaluation item {} expects article {}, which the knowledge base does not have",
            missing.0,
            missing.1
        );
    }
    let report = assistant::evaluate(&bot, &set);
    let intake = intake_reports(&bot, units.as_deref(), &eval_dir)?;
    let targets = eval_targets(&report);
    let intake_targets: Vec<SplitTarget> = intake.iter().flat_map(intake_targets).collect();
    let passed = targets.iter().all(|t| t.met) && intake_targets.iter().all(|t| t.target.met);
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "report": report,
                "intake": intake,
                "targets": targets,
                "intake_targets": intake_targets,
                "passed": passed,
            }))?
        );
    } else {
        print!("{}", report.to_text());
        println!(
            "\nRecall@1 {:.3}, Recall@3 {:.3}, MRR {:.3} (BM25 baseline: {:.3}, {:.3}, {:.3})",
            report.overall.system.recall_at_1,
            report.overall.system.recall_at_3,
            report.overall.system.mrr,
            report.overall.baseline.recall_at_1,
            report.overall.baseline.recall_at_3,
            report.overall.baseline.mrr,
        );
        for split in &intake {
            println!();
            // The dev split's failures are listed to be read; the blind split's never are.
            print!("{}", split.to_text(!is_blind(&split.split) && explain));
        }
        println!("\ntargets:");
        let labelled = intake_targets
            .iter()
            .map(|t| (format!("{}: ", t.split), &t.target));
        for (split, t) in targets.iter().map(|t| (String::new(), t)).chain(labelled) {
            println!(
                "  {:<28} {:>9.3} {} {:<7} {}",
                format!("{split}{}", t.metric),
                t.value,
                t.op,
                t.target,
                if t.met { "ok" } else { "MISSED" }
            );
        }
    }
    if passed || no_fail {
        Ok(())
    } else {
        let missed: Vec<&str> = targets
            .iter()
            .chain(intake_targets.iter().map(|t| &t.target))
            .filter(|t| !t.met)
            .map(|t| t.metric)
            .collect();
        anyhow::bail!("evaluation targets missed: {}", missed.join(", "))
    }
}

/// Asks a running server to reload its knowledge base through `POST /api/assistant/reload`,
/// with the admin token from `BINHYEN_TOKEN`. Plain HTTP only: meant for the machine the
/// server runs on (behind a TLS proxy, call the endpoint through the proxy instead).
async fn kb_reload(server: &str) -> anyhow::Result<()> {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let token = std::env::var("BINHYEN_TOKEN")
        .ok()
        .filter(|t| !t.trim().is_empty())
        .context("set BINHYEN_TOKEN to an admin's token (from POST /api/auth/login)")?;
    let (host, path) = split_http_url(server)?;
    let mut stream = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        tokio::net::TcpStream::connect(&host),
    )
    .await
    .with_context(|| format!("no answer from {host}"))?
    .with_context(|| format!("cannot connect to {host}"))?;
    let request = format!(
        "POST {path}/api/assistant/reload HTTP/1.0\r\nHost: {host}\r\nAuthorization: Bearer {}\r\n\
         Content-Length: 0\r\nConnection: close\r\n\r\n",
        token.trim()
    );
    stream.write_all(request.as_bytes()).await?;
    let mut raw = Vec::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(60),
        stream.take(1 << 20).read_to_end(&mut raw),
    )
    .await
    .context("the server did not answer in time")??;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .context("the server's answer is not HTTP")?;
    let json: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    if status == 200 {
        println!(
            "knowledge base reloaded: {} articles",
            json["articles"].as_u64().unwrap_or(0)
        );
        Ok(())
    } else {
        anyhow::bail!(
            "reload refused ({status}): {}",
            json["error"]["message"].as_str().unwrap_or(body.trim())
        )
    }
}

/// `http://host:port/prefix` → (`host:port`, `/prefix` without a trailing slash).
fn split_http_url(url: &str) -> anyhow::Result<(String, String)> {
    let rest = url.strip_prefix("http://").with_context(|| {
        format!("--server must be a plain http:// URL on this machine, got {url}")
    })?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], rest[i..].trim_end_matches('/')),
        None => (rest, ""),
    };
    if authority.is_empty() || authority.contains('@') {
        anyhow::bail!("--server needs a host, got {url}");
    }
    let host = if authority
        .rsplit_once(':')
        .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
    {
        authority.to_owned()
    } else {
        format!("{authority}:80")
    };
    Ok((host, path.to_owned()))
}

/// `binhyen gen-water-sources`: replaces the generated water sources with a new set.
async fn gen_water_sources(config: &Config, per_unit: usize, seed: u64) -> anyhow::Result<()> {
    let units = domain::units::UnitDirectory::load(&config.units)
        .with_context(|| format!("cannot load units from {}", config.units.display()))?;
    let sources = domain::water::generate(&units, per_unit, seed);
    let store = crate::app::open_store(config).await?;
    let started = std::time::Instant::now();
    let removed = store.delete_generated_water_sources().await?;
    let inputs: Vec<store::WaterSourceInput> = sources
        .into_iter()
        .map(|(unit_code, source)| store::WaterSourceInput {
            source,
            unit_code,
            generated: true,
        })
        .collect();
    let created = store
        .create_water_sources(
            &inputs,
            &store::Actor::system("gen-water-sources"),
            chrono::Utc::now(),
        )
        .await?;
    store.close().await;
    println!(
        "generated {} water sources in {} units ({} generated before were replaced) in {:.1} s",
        created.len(),
        units.len(),
        removed,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reload_urls_are_plain_http() {
        assert_eq!(
            split_http_url("http://127.0.0.1:8080").unwrap(),
            ("127.0.0.1:8080".into(), String::new())
        );
        assert_eq!(
            split_http_url("http://localhost/binhyen/").unwrap(),
            ("localhost:80".into(), "/binhyen".into())
        );
        assert!(split_http_url("https://example.org").is_err());
        assert!(split_http_url("http://").is_err());
        assert!(split_http_url("http://u:p@host").is_err());
    }

    #[test]
    fn targets_follow_the_report() {
        let mut report = assistant::EvalReport::default();
        report.overall.system.recall_at_3 = 0.97;
        report.overall.baseline.recall_at_3 = 0.8;
        report.overall.key_fact_coverage = 0.95;
        report.overall.emergency_recall = 1.0;
        report.overall.emergency_precision = 1.0;
        report.overall.decline_accuracy = 1.0;
        report.emergency_number_accuracy = 1.0;
        report.latency_p95_ms = 0.3;
        assert!(eval_targets(&report).iter().all(|t| t.met));
        report.overall.emergency_recall = 0.97;
        report.latency_p95_ms = 25.0;
        let missed: Vec<_> = eval_targets(&report)
            .into_iter()
            .filter(|t| !t.met)
            .map(|t| t.metric)
            .collect();
        assert_eq!(missed, ["emergency_recall", "latency_p95_ms"]);
    }
}
