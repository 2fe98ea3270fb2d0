//! The command line: one file per command group. Parse → engine or store → print.
//!
//! Output goes through `outln!`/`out!`/`errln!`/`errout!` (never `println!`): a closed pipe
//! (`rotation get X | head -1`) ends the program quietly with exit 0 instead of a panic.

#![deny(clippy::print_stdout, clippy::print_stderr)]

/// `println!` that ends the program quietly (exit 0) when stdout is a closed pipe.
macro_rules! outln {
    () => {
        $crate::cli::output::write_stdout(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::cli::output::write_stdout(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `print!` that ends the program quietly when stdout is a closed pipe.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::output::write_stdout(format_args!($($arg)*))
    };
}

/// `eprintln!` that never panics on a closed stderr.
macro_rules! errln {
    () => {
        $crate::cli::output::write_stderr(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::cli::output::write_stderr(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `eprint!` that never panics on a closed stderr.
#[allow(unused_macros)]
macro_rules! errout {
    ($($arg:tt)*) => {
        $crate::cli::output::write_stderr(format_args!($($arg)*))
    };
}

mod args;
mod connection;
mod daemon;
mod db;
mod demo;
mod docs;
mod events;
mod input;
mod json;
mod logging;
mod metrics_server;
mod output;
mod prompt;
mod rotation;
mod run;
mod secrets;
mod settings;

use std::sync::Arc;

use crate::engine::{Engine, EngineError, SystemClock};
use crate::store::{KeySource, Location, Store, StoreError};

pub use args::Cli;
pub(crate) use args::Command;
pub use docs::{write_completions, write_man_pages};

/// A failure to report: the message and the exit code (1 failed, 2 bad input).
#[derive(Debug)]
pub(crate) struct CliError {
    pub(crate) code: i32,
    pub(crate) message: String,
}

impl CliError {
    pub(crate) fn bad_input(message: impl Into<String>) -> Self {
        Self {
            code: 2,
            message: message.into(),
        }
    }

    pub(crate) fn failed(message: impl Into<String>) -> Self {
        Self {
            code: 1,
            message: message.into(),
        }
    }
}

impl From<EngineError> for CliError {
    fn from(e: EngineError) -> Self {
        Self {
            code: e.exit_code(),
            message: e.to_string(),
        }
    }
}

impl From<StoreError> for CliError {
    fn from(e: StoreError) -> Self {
        Self::failed(e.to_string())
    }
}

pub(crate) type CliResult = Result<(), CliError>;

/// Runs the command line and returns the process exit code (0 ok, 1 failed, 2 bad input).
pub fn main() -> i32 {
    use clap::{CommandFactory, FromArgMatches};
    // `--version` also says where the files are.
    let version: &'static str = Box::leak(output::version_text().into_boxed_str());
    let matches = Cli::command().version(version).get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => e.exit(),
    };
    let _logs = logging::init(match &cli.command {
        None | Some(Command::Demo) => logging::Mode::Console,
        Some(Command::Daemon(d)) => logging::Mode::Daemon(d.log_format),
        Some(_) => logging::Mode::Cli,
    });
    match dispatch(cli) {
        Ok(()) => 0,
        Err(e) => {
            errln!("error: {}", e.message);
            e.code
        }
    }
}

/// The database: `--db`, else `REDIS_ROTATOR_DB`, else the data folder's `db.json`; a
/// `postgres://` URL names a shared PostgreSQL database.
fn db_location(cli: &Cli) -> Result<Location, CliError> {
    let given = cli
        .db
        .clone()
        .unwrap_or_else(crate::store::paths::default_db_path);
    Location::parse(given.as_os_str()).map_err(|e| CliError::bad_input(e.to_string()))
}

fn open_store(cli: &Cli) -> Result<Arc<Store>, CliError> {
    let location = db_location(cli)?;
    let key = KeySource::from_env()?;
    Ok(Arc::new(Store::open_at(location, key)))
}

fn engine(cli: &Cli) -> Result<Engine, CliError> {
    Ok(Engine::new(open_store(cli)?, Arc::new(SystemClock)))
}

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::failed(format!("cannot start the async runtime: {e}")))
}

/// Finishes rotations a crash left in flight before doing anything that talks to Redis.
async fn recover(engine: &Engine) {
    for (name, result) in engine.recover_all().await {
        match result {
            Ok(()) => errln!("recovered an interrupted rotation of {name}"),
            Err(e) => {
                errln!("warning: rotation {name} was interrupted and is not recovered yet: {e}")
            }
        }
    }
}

fn dispatch(cli: Cli) -> CliResult {
    match &cli.command {
        None => {
            let engine = engine(&cli)?;
            let every = std::time::Duration::from_secs(cli.health_every);
            runtime()?.block_on(demo::console(engine, cli.no_color, None, every))
        }
        Some(Command::Connection(c)) => connection::run(&cli, c),
        Some(Command::Rotation(c)) => rotation::run(&cli, c),
        Some(Command::Secrets(c)) => secrets::run(&cli, c),
        Some(Command::Run(c)) => run::run(&cli, c),
        Some(Command::Events(c)) => events::run(&cli, c),
        Some(Command::Settings(c)) => settings::run(&cli, c),
        Some(Command::Daemon(c)) => daemon::run(&cli, c),
        Some(Command::Db(c)) => db::run(c),
        Some(Command::Demo) => demo::run(&cli),
        Some(Command::Completions { shell }) => docs::completions(*shell),
        Some(Command::ManPages { dir }) => docs::man_pages(dir),
    }
}
