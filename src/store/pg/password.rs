//! The PostgreSQL password when the URL carries none (so it need not sit in a unit file or a
//! shell history), first match wins:
//! 1. a systemd credential `db-password` (`LoadCredential=db-password:/etc/redis-rotator/db-password`);
//! 2. the file named by `REDIS_ROTATOR_DB_PASSWORD_FILE`;
//! 3. `PGPASSWORD`;
//! 4. a libpq password file: `PGPASSFILE`, else `~/.pgpass` (`host:port:database:user:password`
//!    lines, `*` matches anything, `\:` and `\\` escape), used only when neither group nor
//!    others can read it, as libpq does.
//!
//! A password file holds the password alone; one trailing newline is not part of it.

use std::ffi::OsString;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::model::Password;
use crate::store::StoreError;
use crate::store::key_source::CREDENTIALS_ENV;

pub(crate) const DB_PASSWORD_FILE_ENV: &str = "REDIS_ROTATOR_DB_PASSWORD_FILE";
pub(crate) const DB_CREDENTIAL_NAME: &str = "db-password";

/// What a password is looked up for.
pub(crate) struct Wanted<'a> {
    pub host: &'a str,
    pub port: u16,
    pub dbname: &'a str,
    pub user: &'a str,
}

/// The password for `wanted` from the sources above; `None` when none has one. `shown` names
/// the database in errors.
pub(crate) fn resolve_with(
    wanted: &Wanted<'_>,
    shown: &str,
    var: impl Fn(&str) -> Option<OsString>,
) -> Result<Option<Password>, StoreError> {
    let unreadable = |path: &Path, e: std::io::Error| StoreError::Postgres {
        target: shown.to_string(),
        reason: format!(
            "cannot read the password file {} ({e}): fix its permissions or point {DB_PASSWORD_FILE_ENV} elsewhere",
            path.display()
        ),
    };
    let from_file = |path: &Path| -> Result<Password, StoreError> {
        let text = std::fs::read_to_string(path).map_err(|e| unreadable(path, e))?;
        let text = text.strip_suffix('\n').unwrap_or(&text);
        let text = text.strip_suffix('\r').unwrap_or(text);
        Ok(Password::new(text.to_string()))
    };
    if let Some(dir) = var(CREDENTIALS_ENV).filter(|d| !d.is_empty()) {
        let path = PathBuf::from(dir).join(DB_CREDENTIAL_NAME);
        if path.exists() {
            return from_file(&path).map(Some);
        }
    }
    if let Some(path) = var(DB_PASSWORD_FILE_ENV).filter(|p| !p.is_empty()) {
        return from_file(Path::new(&path)).map(Some);
    }
    if let Some(pw) = var("PGPASSWORD").filter(|p| !p.is_empty()) {
        return Ok(pw.into_string().ok().map(Password::new));
    }
    let passfile = match var("PGPASSFILE").filter(|p| !p.is_empty()) {
        Some(p) => PathBuf::from(p),
        None => match var("HOME").filter(|h| !h.is_empty()) {
            Some(home) => PathBuf::from(home).join(".pgpass"),
            None => return Ok(None),
        },
    };
    let Ok(meta) = std::fs::metadata(&passfile) else {
        return Ok(None);
    };
    if meta.permissions().mode() & 0o077 != 0 {
        tracing::warn!(
            "password file {} is readable by group or others; ignored (chmod 0600 it)",
            passfile.display()
        );
        return Ok(None);
    }
    let text = std::fs::read_to_string(&passfile).map_err(|e| unreadable(&passfile, e))?;
    Ok(pgpass_lookup(&text, wanted).map(Password::new))
}

/// The first line of a libpq password file matching `wanted`.
fn pgpass_lookup(text: &str, wanted: &Wanted<'_>) -> Option<String> {
    let port = wanted.port.to_string();
    let want = [wanted.host, &port, wanted.dbname, wanted.user];
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .find_map(|line| {
            let fields = split_fields(line);
            let [host, port, db, user, password] = fields.as_slice() else {
                return None;
            };
            let matches = [host, port, db, user]
                .iter()
                .zip(want)
                .all(|(field, value)| field.as_str() == "*" || field.as_str() == value);
            matches.then(|| password.clone())
        })
}

/// Splits on unescaped `:`; `\:` and `\\` stand for `:` and `\`.
fn split_fields(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next()
                    && let Some(last) = fields.last_mut()
                {
                    last.push(next);
                }
            }
            ':' if fields.len() < 5 => fields.push(String::new()),
            c => {
                if let Some(last) = fields.last_mut() {
                    last.push(c);
                }
            }
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    const WANTED: Wanted<'static> = Wanted {
        host: "db.example",
        port: 5432,
        dbname: "rotator",
        user: "app",
    };

    fn env<'a>(pairs: &'a [(&'a str, String)]) -> impl Fn(&str) -> Option<OsString> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| OsString::from(v))
        }
    }

    fn resolved(pairs: &[(&str, String)]) -> Option<String> {
        resolve_with(
            &WANTED,
            "postgres://app@db.example:5432/rotator",
            env(pairs),
        )
        .unwrap()
        .map(|p| p.expose().to_string())
    }

    fn write(dir: &Path, name: &str, text: &str, mode: u32) -> String {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        path.display().to_string()
    }

    #[test]
    fn the_credential_wins_then_the_file_then_pgpassword_then_pgpass() {
        let dir = tempfile::tempdir().unwrap();
        let creds = dir.path().join("creds");
        std::fs::create_dir(&creds).unwrap();
        write(&creds, DB_CREDENTIAL_NAME, "from-credential\n", 0o400);
        let file = write(dir.path(), "pw", "from-file\n", 0o600);
        let pgpass = write(
            dir.path(),
            "pgpass",
            "db.example:5432:rotator:app:from-pgpass\n",
            0o600,
        );
        let all = [
            (CREDENTIALS_ENV, creds.display().to_string()),
            (DB_PASSWORD_FILE_ENV, file.clone()),
            ("PGPASSWORD", "from-env".to_string()),
            ("PGPASSFILE", pgpass.clone()),
        ];
        assert_eq!(resolved(&all).as_deref(), Some("from-credential"));
        assert_eq!(resolved(&all[1..]).as_deref(), Some("from-file"));
        assert_eq!(resolved(&all[2..]).as_deref(), Some("from-env"));
        assert_eq!(resolved(&all[3..]).as_deref(), Some("from-pgpass"));
        assert_eq!(resolved(&[]), None);
    }

    #[test]
    fn a_pgpass_readable_by_others_is_ignored_as_libpq_does() {
        let dir = tempfile::tempdir().unwrap();
        let pgpass = write(dir.path(), "pgpass", "*:*:*:*:open-to-all\n", 0o644);
        assert_eq!(resolved(&[("PGPASSFILE", pgpass)]), None);
    }

    #[test]
    fn pgpass_lines_match_by_field_with_wildcards_and_escapes() {
        let text = "# comment\n\
                    other.host:5432:rotator:app:wrong\n\
                    db.example:*:rotator:app:pa\\:ss\\\\word\n\
                    *:*:*:*:fallback\n";
        assert_eq!(pgpass_lookup(text, &WANTED).as_deref(), Some("pa:ss\\word"));
        let other = Wanted {
            user: "someone",
            ..WANTED
        };
        assert_eq!(pgpass_lookup(text, &other).as_deref(), Some("fallback"));
    }

    #[test]
    fn an_unreadable_password_file_is_named_without_a_secret() {
        let e = resolve_with(
            &WANTED,
            "postgres://app@db.example:5432/rotator",
            env(&[(DB_PASSWORD_FILE_ENV, "/nonexistent/pw".to_string())]),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("/nonexistent/pw"), "{e}");
        assert!(e.contains(DB_PASSWORD_FILE_ENV), "{e}");
    }
}
