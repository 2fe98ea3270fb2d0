//! Which encryption key is in effect, first match wins: `REDIS_ROTATOR_KEY`, a systemd credential
//! (`LoadCredential=key:…`, read from `$CREDENTIALS_DIRECTORY/key`), `REDIS_ROTATOR_KEY_FILE`,
//! then the default key file in the config folder.
//!
//! A credential is only used when the file exists: systemd creates it read-only, so minting one
//! is never ours to do. The two key files are created 0600 on first use, like before.

use std::ffi::OsString;
use std::path::PathBuf;

use crate::model::Password;

use super::StoreError;
use super::crypto::{Cipher, KEY_ENV, KeySource};
use super::paths::default_key_path;

/// The environment variable naming a key file (the package's unit sets `/etc/redis-rotator/key`).
pub(crate) const KEY_FILE_ENV: &str = "REDIS_ROTATOR_KEY_FILE";
/// Set by systemd when a unit has `LoadCredential=` / `SetCredential=`.
pub(crate) const CREDENTIALS_ENV: &str = "CREDENTIALS_DIRECTORY";
/// The credential name the unit must use: `LoadCredential=key:/path/to/key`.
pub(crate) const CREDENTIAL_NAME: &str = "key";

/// Why a key source was chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KeyOrigin {
    /// `REDIS_ROTATOR_KEY`.
    Env,
    /// `$CREDENTIALS_DIRECTORY/key`.
    Credential,
    /// `REDIS_ROTATOR_KEY_FILE`.
    KeyFileEnv,
    /// The config folder's `key`.
    DefaultFile,
}

/// A key source and the reason it is the one in effect.
#[derive(Clone, Debug)]
pub(crate) struct ResolvedKey {
    pub source: KeySource,
    pub origin: KeyOrigin,
}

impl ResolvedKey {
    /// One line for `--version` and the daemon's banner; never the key itself.
    pub(crate) fn describe(&self) -> String {
        let why = match self.origin {
            KeyOrigin::Env => return format!("{KEY_ENV} (environment)"),
            KeyOrigin::Credential => format!("systemd credential `{CREDENTIAL_NAME}`"),
            KeyOrigin::KeyFileEnv => KEY_FILE_ENV.to_string(),
            KeyOrigin::DefaultFile => "default key file".to_string(),
        };
        format!("{} ({why})", self.source.describe())
    }
}

/// The key source in effect for this process's environment.
pub(crate) fn resolve() -> Result<ResolvedKey, StoreError> {
    resolve_with(|name| std::env::var_os(name))
}

/// [`resolve`] with the environment passed in, so the order can be tested without touching the
/// process environment. A set but malformed `REDIS_ROTATOR_KEY` is an error rather than a silent
/// fall back to a key file, which would mint a new key and lock the operator out of their data.
pub(crate) fn resolve_with(
    var: impl Fn(&str) -> Option<OsString>,
) -> Result<ResolvedKey, StoreError> {
    if let Some(value) = var(KEY_ENV) {
        let value = value.into_string().map_err(|_| StoreError::Key {
            key: KEY_ENV.to_string(),
            reason: "is not valid UTF-8; expected 32 bytes as base64 or hex".to_string(),
        })?;
        let source = KeySource::Env(Password::new(value));
        // Parsing an environment key is cheap and has no side effect; fail here, naming it.
        Cipher::load(&source)?;
        return Ok(ResolvedKey {
            source,
            origin: KeyOrigin::Env,
        });
    }
    if let Some(dir) = var(CREDENTIALS_ENV).filter(|d| !d.is_empty()) {
        let path = PathBuf::from(dir).join(CREDENTIAL_NAME);
        if path.exists() {
            return Ok(ResolvedKey {
                source: KeySource::File(path),
                origin: KeyOrigin::Credential,
            });
        }
    }
    if let Some(path) = var(KEY_FILE_ENV).filter(|p| !p.is_empty()) {
        return Ok(ResolvedKey {
            source: KeySource::File(PathBuf::from(path)),
            origin: KeyOrigin::KeyFileEnv,
        });
    }
    Ok(ResolvedKey {
        source: KeySource::File(default_key_path()),
        origin: KeyOrigin::DefaultFile,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX_KEY: &str = "2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a";

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<OsString> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| OsString::from(v))
        }
    }

    fn file_of(r: &ResolvedKey) -> PathBuf {
        match &r.source {
            KeySource::File(p) => p.clone(),
            KeySource::Env(_) => panic!("expected a file source, got the environment"),
        }
    }

    #[test]
    fn environment_key_wins_over_every_file() {
        let creds = tempfile::tempdir().unwrap();
        std::fs::write(creds.path().join("key"), HEX_KEY).unwrap();
        let dir = creds.path().to_str().unwrap();
        let r = resolve_with(env(&[
            (KEY_ENV, HEX_KEY),
            (CREDENTIALS_ENV, dir),
            (KEY_FILE_ENV, "/etc/redis-rotator/key"),
        ]))
        .unwrap();
        assert_eq!(r.origin, KeyOrigin::Env);
        assert!(!r.describe().contains(HEX_KEY), "{}", r.describe());
    }

    #[test]
    fn credential_wins_over_key_file_only_when_it_exists() {
        let creds = tempfile::tempdir().unwrap();
        let dir = creds.path().to_str().unwrap();
        let pairs = [
            (CREDENTIALS_ENV, dir),
            (KEY_FILE_ENV, "/etc/redis-rotator/key"),
        ];
        let r = resolve_with(env(&pairs)).unwrap();
        assert_eq!(r.origin, KeyOrigin::KeyFileEnv, "no credential file yet");
        assert_eq!(file_of(&r), PathBuf::from("/etc/redis-rotator/key"));

        std::fs::write(creds.path().join("key"), HEX_KEY).unwrap();
        let r = resolve_with(env(&pairs)).unwrap();
        assert_eq!(r.origin, KeyOrigin::Credential);
        assert_eq!(file_of(&r), creds.path().join("key"));
        assert!(
            r.describe().contains("systemd credential"),
            "{}",
            r.describe()
        );
    }

    #[test]
    fn nothing_set_means_the_default_key_file() {
        let r = resolve_with(env(&[(KEY_FILE_ENV, ""), (CREDENTIALS_ENV, "")])).unwrap();
        assert_eq!(r.origin, KeyOrigin::DefaultFile);
        assert_eq!(file_of(&r), default_key_path());
        assert!(r.describe().ends_with("(default key file)"));
    }

    #[test]
    fn a_malformed_environment_key_is_an_error_naming_the_variable_not_a_fallback() {
        let bad = "definitely-not-a-key";
        let err = resolve_with(env(&[(KEY_ENV, bad), (KEY_FILE_ENV, "/tmp/k")])).unwrap_err();
        let text = err.to_string();
        assert!(text.contains(KEY_ENV), "{text}");
        assert!(!text.contains(bad), "{text}");
    }
}
