//! The argument grammar (clap derive): every subcommand of SPEC 3.2.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::model::RotationRef;
use crate::store::ExportFormat;

#[derive(Debug, Parser)]
#[command(
    name = "redis-rotator",
    about = "Rotates Redis ACL credentials on a schedule with zero downtime.",
    long_about = "Rotates Redis ACL credentials on a schedule with zero downtime.\n\nWith no command, opens the console on the database."
)]
pub struct Cli {
    /// The database: a local JSON file, or a shared PostgreSQL database given as
    /// postgres://USER[:PASSWORD]@HOST[:PORT]/DBNAME [default: the data folder's db.json]
    #[arg(
        long,
        global = true,
        env = "REDIS_ROTATOR_DB",
        value_name = "PATH|URL",
        hide_env_values = true
    )]
    pub(crate) db: Option<PathBuf>,
    /// No colours in the console (also when NO_COLOR is set)
    #[arg(long, global = true)]
    pub(crate) no_color: bool,
    /// How often the console samples live sessions and node health, in seconds
    #[arg(
        long,
        global = true,
        env = "REDIS_ROTATOR_HEALTH_EVERY",
        value_name = "SECONDS",
        default_value_t = 10,
        value_parser = clap::value_parser!(u64).range(1..=3600)
    )]
    pub(crate) health_every: u64,
    #[command(subcommand)]
    pub(crate) command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Redis connections: the admin user that performs rotations
    #[command(subcommand)]
    Connection(ConnectionCmd),
    /// Rotations: two ACL users per rotation, rotated dual-phase
    #[command(subcommand)]
    Rotation(RotationCmd),
    /// The secret store the rotations write to
    #[command(subcommand)]
    Secrets(SecretsCmd),
    /// Run a command with the secrets of an environment and path as environment variables
    Run(RunArgs),
    /// The event log
    #[command(subcommand)]
    Events(EventsCmd),
    /// Per-database settings (notify-command)
    #[command(subcommand)]
    Settings(SettingsCmd),
    /// The scheduler without a screen, for a systemd service; logs to stdout
    Daemon(DaemonArgs),
    /// The database as a whole: copy it between a JSON file and PostgreSQL
    #[command(subcommand)]
    Db(DbCmd),
    /// A throwaway redis-server, database, connection and rotation, opened in the console
    Demo,
    /// Print a shell completion script (e.g. `redis-rotator completions bash > /etc/bash_completion.d/redis-rotator`)
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Write the man pages (one per command) into DIR
    ManPages {
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum TopologyArg {
    Standalone,
    Replication,
    Cluster,
    Nodes,
    Sentinel,
}

#[derive(Debug, Args)]
pub(crate) struct ConnectionFields {
    /// Description (≤ 256 characters)
    #[arg(long)]
    pub(crate) description: Option<String>,
    /// Host name, IPv4 or IPv6 literal (no scheme)
    #[arg(long)]
    pub(crate) host: Option<String>,
    /// Port [default: 6379]
    #[arg(long)]
    pub(crate) port: Option<u32>,
    /// Admin username [default: default]
    #[arg(long)]
    pub(crate) username: Option<String>,
    /// Read the admin password from stdin (first line); without it a terminal prompts
    #[arg(long)]
    pub(crate) password_stdin: bool,
    /// Connect without a password (edit: remove the stored one; without either flag edit keeps it)
    #[arg(long, conflicts_with = "password_stdin")]
    pub(crate) no_password: bool,
    /// Connect with TLS
    #[arg(long)]
    pub(crate) tls: bool,
    /// Connect without TLS (edit)
    #[arg(long, conflicts_with = "tls")]
    pub(crate) no_tls: bool,
    /// CA certificate (PEM file) to verify the server with
    #[arg(long, value_name = "FILE")]
    pub(crate) ca_cert: Option<String>,
    /// Accept any server certificate (rejectUnauthorized = false)
    #[arg(long)]
    pub(crate) insecure: bool,
    /// How to find every node
    #[arg(long, value_enum)]
    pub(crate) topology: Option<TopologyArg>,
    /// A node host:port (repeatable; with --topology nodes)
    #[arg(long = "node", value_name = "HOST:PORT")]
    pub(crate) nodes: Vec<String>,
    /// A Sentinel host:port (repeatable; with --topology sentinel; --host defaults to the first)
    #[arg(long = "sentinel", value_name = "HOST:PORT", conflicts_with = "nodes")]
    pub(crate) sentinels: Vec<String>,
    /// The master name the Sentinels monitor (with --topology sentinel)
    #[arg(long, value_name = "NAME")]
    pub(crate) master_name: Option<String>,
    /// The user the Sentinels are authenticated as [default: default] (with --topology sentinel)
    #[arg(long, value_name = "USER")]
    pub(crate) sentinel_username: Option<String>,
    /// Read the Sentinels' own password from stdin (the line after the admin password when
    /// --password-stdin is given too, else the first); without it a terminal prompts (add)
    #[arg(long)]
    pub(crate) sentinel_password_stdin: bool,
    /// Sentinels without a password (edit: remove the stored one; without either flag edit keeps it)
    #[arg(long, conflicts_with = "sentinel_password_stdin")]
    pub(crate) no_sentinel_password: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ConnectionCmd {
    /// Add a connection (tested before it is saved)
    Add {
        /// Slug: a–z, 0–9 and single inner hyphens
        #[arg(long)]
        name: String,
        #[command(flatten)]
        fields: ConnectionFields,
        #[arg(long)]
        json: bool,
    },
    /// List connections
    List {
        #[arg(long)]
        json: bool,
    },
    /// Test a connection: per-node role, version, RTT, permissions, persistence
    Test {
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Change a connection (tested before it is saved)
    Edit {
        name: String,
        /// New name
        #[arg(long = "rename", value_name = "NEW_NAME")]
        new_name: Option<String>,
        #[command(flatten)]
        fields: ConnectionFields,
        #[arg(long)]
        json: bool,
    },
    /// Remove a connection that no rotation uses
    Remove { name: String },
    /// List the ACL users on the connection's server that belong to no rotation (leftovers)
    Leftovers { name: String },
    /// Remove a leftover ACL user from every node (never a rotation's, the admin or `default`)
    RevokeUser { name: String, user: String },
}

#[derive(Debug, Subcommand)]
pub(crate) enum RotationCmd {
    /// Create a rotation from the seed document's request body (JSON file, `-` for stdin)
    Create {
        #[arg(long, value_name = "REQ.json")]
        file: PathBuf,
        /// Adopt the existing user `parameters.username`: read its current password from stdin
        /// (first line); it is checked by a fresh login before anything is written
        #[arg(long)]
        current_password_stdin: bool,
        #[arg(long)]
        json: bool,
    },
    /// List rotations
    List {
        /// Only this environment
        #[arg(long)]
        env: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Show one rotation, with live sessions per slot
    Get {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        json: bool,
    },
    /// Show the current and previous credentials (the only place passwords are shown)
    Credentials {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        json: bool,
    },
    /// Rotate now
    Rotate {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        json: bool,
    },
    /// Change a rotation from a JSON patch (file, `-` for stdin)
    Update {
        #[command(flatten)]
        target: Target,
        #[arg(long, value_name = "PATCH.json")]
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Turn auto-rotation off
    Pause {
        #[command(flatten)]
        target: Target,
    },
    /// Turn auto-rotation on
    Resume {
        #[command(flatten)]
        target: Target,
    },
    /// Delete a rotation (users and secrets stay unless asked)
    Delete {
        #[command(flatten)]
        target: Target,
        /// Also delete both ACL users on every node
        #[arg(long)]
        revoke: bool,
        /// Also delete the mapped secrets
        #[arg(long)]
        delete_secrets: bool,
    },
}

/// Which rotation: a name or an id. Names are unique only per environment and path, so a name
/// that matches several rotations is refused until `--env`/`--path` (or the id) says which.
#[derive(Debug, Args)]
pub(crate) struct Target {
    /// Rotation name or id
    #[arg(value_name = "NAME|ID")]
    pub(crate) name: String,
    /// Only the rotation of this environment
    #[arg(long)]
    pub(crate) env: Option<String>,
    /// Only the rotation at this secret path
    #[arg(long)]
    pub(crate) path: Option<String>,
}

impl Target {
    pub(crate) fn reference(&self) -> RotationRef {
        RotationRef::new(self.name.as_str())
            .in_env(self.env.clone())
            .at_path(self.path.clone())
    }
}

#[derive(Debug, Args)]
pub(crate) struct Place {
    /// Environment
    #[arg(long, default_value = "dev")]
    pub(crate) env: String,
    /// Secret path
    #[arg(long, default_value = "/")]
    pub(crate) path: String,
}

#[derive(Debug, Subcommand)]
pub(crate) enum SecretsCmd {
    /// List secret names (values are not shown)
    List {
        #[command(flatten)]
        place: Place,
        #[arg(long)]
        json: bool,
    },
    /// Print one secret's current value
    Get {
        name: String,
        #[command(flatten)]
        place: Place,
        #[arg(long)]
        json: bool,
    },
    /// Delete a secret and its history (refused while a rotation writes or maps it)
    Delete {
        name: String,
        #[command(flatten)]
        place: Place,
    },
    /// Print every secret of an environment and path
    Export {
        #[command(flatten)]
        place: Place,
        #[arg(long, value_enum, default_value = "dotenv")]
        format: ExportFormat,
    },
}

#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    #[command(flatten)]
    pub(crate) place: Place,
    /// When the secrets change, restart CMD with the new values (or signal it, with --signal)
    #[arg(long)]
    pub(crate) watch: bool,
    /// With --watch: send this signal instead of restarting (CMD re-reads its credentials,
    /// e.g. from a file sink)
    #[arg(long, requires = "watch", conflicts_with = "restart", value_enum)]
    pub(crate) signal: Option<WatchSignal>,
    /// With --watch: restart CMD (the default)
    #[arg(long, requires = "watch")]
    pub(crate) restart: bool,
    /// The command and its arguments
    #[arg(last = true, required = true, value_name = "CMD")]
    pub(crate) command: Vec<String>,
}

/// A signal `run --watch --signal` may send.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum WatchSignal {
    #[value(name = "HUP")]
    Hup,
    #[value(name = "USR1")]
    Usr1,
    #[value(name = "USR2")]
    Usr2,
    #[value(name = "TERM")]
    Term,
    #[value(name = "INT")]
    Int,
}

#[derive(Debug, Subcommand)]
pub(crate) enum EventsCmd {
    /// Show the event log, oldest first
    List {
        /// Only events of this rotation (name or id)
        #[arg(long, value_name = "NAME|ID")]
        rotation: Option<String>,
        /// With --rotation: only the rotation of this environment
        #[arg(long, requires = "rotation")]
        env: Option<String>,
        /// With --rotation: only the rotation at this secret path
        #[arg(long, requires = "rotation")]
        path: Option<String>,
        /// At most this many (the latest)
        #[arg(long, default_value_t = 100)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum SettingsCmd {
    /// Show settings (or one)
    Get { key: Option<String> },
    /// Set a setting; an empty value clears it. Keys: notify-command
    Set { key: String, value: String },
}

#[derive(Debug, Subcommand)]
pub(crate) enum DbCmd {
    /// Copy a whole database into an empty one (a JSON file or a PostgreSQL database, either
    /// way), checking that every sealed value opens with the key, before and after
    Copy {
        /// The database to read: a JSON database's path or a postgres:// URL
        #[arg(long, value_name = "PATH|URL")]
        from: PathBuf,
        /// The empty database to write: a new JSON database's path or an empty PostgreSQL
        /// database's postgres:// URL
        #[arg(long, value_name = "PATH|URL")]
        to: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub(crate) struct DaemonArgs {
    /// One line per event: text for people, json for machines
    #[arg(long, value_enum, default_value = "text")]
    pub(crate) log_format: LogFormat,
    /// Serve Prometheus metrics on http://ADDR/metrics and a health check on /healthz
    /// (e.g. 127.0.0.1:9464)
    #[arg(long, value_name = "ADDR")]
    pub(crate) metrics_addr: Option<std::net::SocketAddr>,
}
