//! The `binhyen` command line: `serve` runs the server; the other commands work on the same
//! configuration and database (accounts, backups).

use crate::app;
use crate::config::{Config, LogFormat, ServeArgs};
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

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (HTTP API, console, alarm listeners).
    Serve(ServeArgs),
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Simulate DC-09 alarm panels against a receiver (demos and load tests).
    Simulate(crate::simulate::SimulateArgs),
    /// Write a consistent copy of the SQLite database while the server runs.
    Backup {
        #[command(flatten)]
        serve: ServeArgs,
        /// The new file to write.
        #[arg(long)]
        to: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add an account; the password is read from BINHYEN_PASSWORD or standard input.
    Add {
        #[command(flatten)]
        serve: ServeArgs,
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
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
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
            serve,
            username,
            role,
            unit,
            display_name,
        }) => add_user(serve, username, role, unit, display_name).await,
        Command::Simulate(args) => crate::simulate::run(args).await,
        Command::Backup { serve, to } => {
            let config = Config::load(&serve)?;
            let store = app::open_store(&config).await?;
            store
                .backup_to(&to)
                .await
                .with_context(|| format!("backup to {} failed", to.display()))?;
            store.close().await;
            println!("backup written to {}", to.display());
            Ok(())
        }
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let config = Config::load(&args)?;
    tracing::info!(config = %config.masked(), "starting binhyen {}", env!("CARGO_PKG_VERSION"));
    let running = app::start(config).await?;
    let stop = running.shutdown_handle();
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("shutting down: finishing in-flight requests");
        let _ = stop.send(true);
    });
    running.wait().await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

async fn add_user(
    args: ServeArgs,
    username: String,
    role: String,
    unit: Option<String>,
    display_name: Option<String>,
) -> anyhow::Result<()> {
    let config = Config::load(&args)?;
    let units = domain::units::UnitDirectory::load(&config.units)
        .with_context(|| format!("cannot load units from {}", config.units.display()))?;
    let password = match std::env::var("BINHYEN_PASSWORD") {
        Ok(p) if !p.is_empty() => p,
        _ => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .context("cannot read the password from standard input")?;
            text.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    let (role, unit) =
        crate::api::users::validate_new_user(&units, &username, &role, unit.as_deref(), &password)
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
