//! Where a PostgreSQL database is: the parsed URL, shown without its password, and how to
//! connect to it (timeouts and keepalives on both sides, so a vanished host is noticed within
//! seconds and its session locks are released).

use std::fmt;
use std::time::Duration;

use super::password::{self, Wanted};
use crate::store::StoreError;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The server's side of the keepalives: a client host that vanishes without closing its
/// connections loses its session (and with it its advisory locks) within ~10 s.
const SERVER_KEEPALIVES: &str = "-c tcp_keepalives_idle=3 -c tcp_keepalives_interval=2 -c tcp_keepalives_count=3 -c tcp_user_timeout=10000";

/// A PostgreSQL database named by a `postgres://` (or `postgresql://`) URL.
#[derive(Clone)]
pub struct Target {
    config: postgres::Config,
    shown: String,
    host: String,
    port: u16,
    user: String,
    dbname: String,
}

impl Target {
    /// Whether `value` (a `--db` argument) names PostgreSQL rather than a file.
    pub(crate) fn is_url(value: &str) -> bool {
        value.starts_with("postgres://") || value.starts_with("postgresql://")
    }

    /// Parses a URL. The error never repeats the URL (it may hold a password).
    pub fn parse(url: &str) -> Result<Target, StoreError> {
        let config: postgres::Config = url.parse().map_err(|e| StoreError::Postgres {
            target: "given in --db / REDIS_ROTATOR_DB".to_string(),
            reason: format!(
                "the URL is not a valid PostgreSQL URL ({e}): use postgres://USER[:PASSWORD]@HOST[:PORT]/DBNAME"
            ),
        })?;
        let host = config
            .get_hosts()
            .first()
            .map(|h| match h {
                postgres::config::Host::Tcp(name) => name.clone(),
                postgres::config::Host::Unix(path) => path.display().to_string(),
            })
            .unwrap_or_else(|| "localhost".to_string());
        let port = config.get_ports().first().copied().unwrap_or(5432);
        let user = config.get_user().unwrap_or_default().to_string();
        let dbname = config.get_dbname().unwrap_or(&user).to_string();
        let at = if user.is_empty() {
            String::new()
        } else {
            format!("{user}@")
        };
        let shown = format!("postgres://{at}{host}:{port}/{dbname}");
        Ok(Target {
            config,
            shown,
            host,
            port,
            user,
            dbname,
        })
    }

    /// The URL without its password: what errors, logs and screens show.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// A new session (blocking; call it on a thread of the store's own, never a tokio worker).
    /// A URL without a password takes it from the sources in `password`.
    pub fn connect(&self) -> Result<postgres::Client, StoreError> {
        let mut config = self.config.clone();
        if config.get_password().is_none() {
            let wanted = Wanted {
                host: &self.host,
                port: self.port,
                dbname: &self.dbname,
                user: &self.user,
            };
            if let Some(pw) =
                password::resolve_with(&wanted, &self.shown, |name| std::env::var_os(name))?
            {
                config.password(pw.expose());
            }
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        let options = match config.get_options() {
            Some(given) => format!("{given} {SERVER_KEEPALIVES}"),
            None => SERVER_KEEPALIVES.to_string(),
        };
        config
            .options(&options)
            .keepalives(true)
            .keepalives_idle(Duration::from_secs(3))
            .keepalives_interval(Duration::from_secs(2))
            .keepalives_retries(3)
            // A query in flight when the server's host vanishes fails after 10 s of unacknowledged
            // data instead of the kernel's minutes of retransmission (keepalives only cover an
            // idle session).
            .tcp_user_timeout(Duration::from_secs(10));
        if config.get_application_name().is_none() {
            config.application_name("redis-rotator");
        }
        config
            .connect(postgres::NoTls)
            .map_err(|e| self.error(&e, "cannot connect"))
    }

    /// A failure talking to this database, named by its host, with the fix.
    pub(crate) fn error(&self, e: &postgres::Error, doing: &str) -> StoreError {
        let cause = match e.as_db_error() {
            Some(db) => format!("{}: {}", db.severity(), db.message()),
            None => {
                let mut text = e.to_string();
                let mut source = std::error::Error::source(e);
                while let Some(s) = source {
                    text = format!("{text}: {s}");
                    source = s.source();
                }
                text
            }
        };
        let code = e.code().map(postgres::error::SqlState::code);
        let fix = if cause.contains("password missing") {
            "give the password in a systemd credential `db-password`, the file named by REDIS_ROTATOR_DB_PASSWORD_FILE, PGPASSWORD or ~/.pgpass (or in the URL)"
        } else if matches!(code, Some("28P01" | "28000")) {
            "check the user in the URL and its password (the URL, a systemd credential `db-password`, REDIS_ROTATOR_DB_PASSWORD_FILE, PGPASSWORD or ~/.pgpass, first found wins)"
        } else if code == Some("3D000") {
            "create the database (CREATE DATABASE … OWNER …) or fix its name in --db / REDIS_ROTATOR_DB"
        } else if e.is_closed() || e.as_db_error().is_none() {
            "check that the server runs and accepts connections from this host, and the URL in --db / REDIS_ROTATOR_DB"
        } else {
            "check the user's rights on the database and the URL in --db / REDIS_ROTATOR_DB"
        };
        StoreError::Postgres {
            target: self.shown.clone(),
            reason: format!("{doing} ({cause}): {fix}"),
        }
    }
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown)
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shown_url_has_no_password() {
        let t = Target::parse("postgres://app:s3cret-pw@db.example:6432/rotator").unwrap();
        assert_eq!(t.shown(), "postgres://app@db.example:6432/rotator");
        assert!(!format!("{t:?} {t}").contains("s3cret-pw"));
        let t = Target::parse("postgresql://db.example/rotator").unwrap();
        assert_eq!(t.shown(), "postgres://db.example:5432/rotator");
        // libpq's default: the database named like the user.
        let t = Target::parse("postgres://app@db.example").unwrap();
        assert_eq!(t.shown(), "postgres://app@db.example:5432/app");
    }

    #[test]
    fn a_bad_url_is_refused_without_repeating_it() {
        let e = Target::parse("postgres://app:s3cret-pw@db.example:notaport/x").unwrap_err();
        let text = e.to_string();
        assert!(text.contains("not a valid PostgreSQL URL"), "{text}");
        assert!(!text.contains("s3cret-pw"), "{text}");
    }

    #[test]
    fn urls_are_told_from_paths() {
        assert!(Target::is_url("postgres://h/db"));
        assert!(Target::is_url("postgresql://h/db"));
        assert!(!Target::is_url("/var/lib/redis-rotator/db.json"));
        assert!(!Target::is_url("postgres.json"));
    }
}
