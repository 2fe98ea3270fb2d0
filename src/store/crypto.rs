//! Encryption of secret fields at rest: XChaCha20-Poly1305 with a 256-bit key from
//! `REDIS_ROTATOR_KEY` (base64 or hex of 32 bytes) or a key file created 0600 on first use.
//!
//! A key file readable by group or others is used anyway, with a warning in the log: the
//! database itself is 0600, and refusing would turn a `cp` with a loose umask into an outage.

use std::fs;
use std::io::{ErrorKind, Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use chacha20poly1305::aead::rand_core::RngCore;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

use uuid::Uuid;

use crate::model::{Password, Sealed, Slot};

use super::StoreError;

/// The environment variable holding the key.
pub(crate) const KEY_ENV: &str = "REDIS_ROTATOR_KEY";

/// The prefix of every sealed value: `enc:v2` values are bound to their place (AEAD associated
/// data, see `Binding`); `enc:v1` values (schema 1) are unbound and only opened to migrate them.
const PREFIX: &str = "enc:v2:";
const LEGACY_PREFIX: &str = "enc:v1:";
const NONCE_LEN: usize = 24;
const KEY_LEN: usize = 32;
const EXPECTED_FORMAT: &str = "expected 32 bytes as base64 (44 characters) or hex (64 characters), e.g. from `openssl rand -base64 32`";

/// Where the key comes from.
#[derive(Clone, Debug)]
pub enum KeySource {
    /// The value of `REDIS_ROTATOR_KEY` (never printed).
    Env(Password),
    /// A key file, created 0600 (folder 0700) with a fresh random key when missing.
    File(PathBuf),
}

impl KeySource {
    /// The key source in effect (see `key_source` for the order). A set but malformed
    /// `REDIS_ROTATOR_KEY` is an error, never a silent fall back to a key file.
    pub(crate) fn from_env() -> Result<KeySource, StoreError> {
        super::key_source::resolve().map(|r| r.source)
    }

    /// How to name this source in a message (`REDIS_ROTATOR_KEY` or the file path).
    pub fn describe(&self) -> String {
        match self {
            KeySource::Env(_) => KEY_ENV.to_string(),
            KeySource::File(path) => path.display().to_string(),
        }
    }
}

fn key_error(source: &KeySource, reason: impl Into<String>) -> StoreError {
    StoreError::Key {
        key: source.describe(),
        reason: reason.into(),
    }
}

/// Where a sealed value lives: the record and the field. It is the AEAD's associated data, so a
/// value copied into another field (a connection's admin password pasted into a secret) fails
/// to open instead of being revealed there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binding {
    /// The associated data (ids and names only, never a secret).
    aad: String,
    /// How to name the place in a message.
    what: String,
}

impl Binding {
    fn new(aad: String, what: String) -> Binding {
        Binding { aad, what }
    }

    /// The database's key-check value.
    pub fn key_check() -> Binding {
        Binding::new("redis-rotator/v2/key-check".into(), "the key check".into())
    }

    /// A connection's admin password.
    pub fn connection_password(connection_id: Uuid) -> Binding {
        Binding::new(
            format!("redis-rotator/v2/connection/{connection_id}/password"),
            format!("the admin password of connection {connection_id}"),
        )
    }

    /// The password a connection's Sentinels require (their own, not the data nodes').
    pub fn sentinel_password(connection_id: Uuid) -> Binding {
        Binding::new(
            format!("redis-rotator/v2/connection/{connection_id}/sentinel-password"),
            format!("the Sentinel password of connection {connection_id}"),
        )
    }

    /// The password of one credential slot of a rotation.
    pub fn slot_password(rotation_id: Uuid, slot: Slot) -> Binding {
        let n = slot.index();
        Binding::new(
            format!("redis-rotator/v2/rotation/{rotation_id}/slot/{n}/password"),
            format!("the slot {n} password of rotation {rotation_id}"),
        )
    }

    /// The password recorded in a rotation's journal (the change in flight).
    pub fn journal_password(rotation_id: Uuid, job_id: Uuid) -> Binding {
        Binding::new(
            format!("redis-rotator/v2/rotation/{rotation_id}/journal/{job_id}/password"),
            format!("the journal password of rotation {rotation_id} (job {job_id})"),
        )
    }

    /// A version of the secret `name` in (environment, secretPath).
    /// The current password of a user a one-user rotation adopts, kept in its create journal.
    pub(crate) fn journal_adopted_password(rotation_id: Uuid, job_id: Uuid) -> Binding {
        Binding::new(
            format!("redis-rotator/v2/rotation/{rotation_id}/journal/{job_id}/adopted"),
            format!("the adopted password of rotation {rotation_id} (job {job_id})"),
        )
    }

    pub fn secret_value(environment: &str, secret_path: &str, name: &str) -> Binding {
        Binding::new(
            format!(
                "redis-rotator/v2/secret/{}/{}/{}",
                environment.len(),
                secret_path.len(),
                [environment, secret_path, name].concat()
            ),
            format!("secret {name} in {environment} {secret_path}"),
        )
    }

    /// The place, for messages.
    pub(crate) fn describe(&self) -> &str {
        &self.what
    }
}

/// Seals and opens secret values. Cheap to clone.
#[derive(Clone)]
pub struct Cipher {
    /// Zeroizes its key on drop.
    aead: Arc<XChaCha20Poly1305>,
    /// The database this cipher serves (set by `Store::cipher`), named in `Damaged` errors.
    db: Option<Arc<PathBuf>>,
}

impl Cipher {
    /// Loads (or for a file source, creates) the key.
    pub fn load(source: &KeySource) -> Result<Cipher, StoreError> {
        let key = match source {
            KeySource::Env(value) => {
                parse_key(value.expose().as_bytes()).map_err(|r| key_error(source, r))?
            }
            KeySource::File(path) => load_or_create_key_file(path)?,
        };
        Ok(Cipher::from_key(&key))
    }

    fn from_key(key: &[u8; KEY_LEN]) -> Cipher {
        Cipher {
            aead: Arc::new(XChaCha20Poly1305::new(key.into())),
            db: None,
        }
    }

    /// This cipher, naming `db` in its errors.
    pub(crate) fn for_database(mut self, db: &Path) -> Cipher {
        self.db = Some(Arc::new(db.to_path_buf()));
        self
    }

    /// A fresh random key in the form `REDIS_ROTATOR_KEY` and key files accept (base64).
    pub(crate) fn generate_key() -> Password {
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        OsRng.fill_bytes(key.as_mut_slice());
        Password::new(STANDARD.encode(key.as_slice()))
    }

    /// Seals `value` for the place `binding` names.
    pub fn seal(&self, value: &Password, binding: &Binding) -> Sealed {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let payload = Payload {
            msg: value.expose().as_bytes(),
            aad: binding.aad.as_bytes(),
        };
        // Encryption only fails for plaintexts beyond ~256 GiB, which a secret never is.
        let sealed = match self.aead.encrypt(&nonce, payload) {
            Ok(ciphertext) => {
                let mut raw = Zeroizing::new(Vec::with_capacity(NONCE_LEN + ciphertext.len()));
                raw.extend_from_slice(nonce.as_slice());
                raw.extend_from_slice(&ciphertext);
                STANDARD.encode(raw.as_slice())
            }
            Err(_) => unreachable!("XChaCha20-Poly1305 refused a plaintext shorter than 256 GiB"),
        };
        Sealed(format!("{PREFIX}{sealed}"))
    }

    /// Opens a value sealed for `binding`. Fails with `StoreError::Damaged` (naming the database
    /// and the place) when it does not open with this key there: damaged, sealed under another
    /// key, moved from another field, or an unbound schema-1 value.
    pub fn open(&self, sealed: &Sealed, binding: &Binding) -> Result<Password, StoreError> {
        self.decrypt(sealed, PREFIX, binding.aad.as_bytes())
            .ok_or_else(|| self.damaged(binding))
    }

    /// Opens an unbound schema-1 (`enc:v1`) value; only the migration to schema 2 uses this.
    pub(crate) fn open_legacy(
        &self,
        sealed: &Sealed,
        binding: &Binding,
    ) -> Result<Password, StoreError> {
        self.decrypt(sealed, LEGACY_PREFIX, b"")
            .ok_or_else(|| self.damaged(binding))
    }

    /// Whether `sealed` is an unbound schema-1 value.
    pub(crate) fn is_legacy(sealed: &Sealed) -> bool {
        sealed.0.starts_with(LEGACY_PREFIX)
    }

    fn damaged(&self, binding: &Binding) -> StoreError {
        StoreError::Damaged {
            path: self.db.as_deref().cloned().unwrap_or_default(),
            what: binding.describe().to_string(),
        }
    }

    fn decrypt(&self, sealed: &Sealed, prefix: &str, aad: &[u8]) -> Option<Password> {
        let encoded = sealed.0.strip_prefix(prefix)?;
        let raw = STANDARD.decode(encoded).ok()?;
        if raw.len() < NONCE_LEN {
            return None;
        }
        let (nonce, ciphertext) = raw.split_at(NONCE_LEN);
        let payload = Payload {
            msg: ciphertext,
            aad,
        };
        let plain = Zeroizing::new(self.aead.decrypt(XNonce::from_slice(nonce), payload).ok()?);
        let text = std::str::from_utf8(&plain).ok()?;
        Some(Password::new(text))
    }

    /// Seals with the schema-1 format (no binding). For migration tests only.
    #[doc(hidden)]
    pub fn seal_legacy_for_test(&self, value: &Password) -> Sealed {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let ciphertext = self
            .aead
            .encrypt(&nonce, value.expose().as_bytes())
            .unwrap_or_default();
        let mut raw = nonce.to_vec();
        raw.extend_from_slice(&ciphertext);
        Sealed(format!("{LEGACY_PREFIX}{}", STANDARD.encode(raw)))
    }
}

/// Accepts 64 hex characters, base64 (standard or URL-safe, padded or not) of 32 bytes, or (key
/// files only in practice) the 32 raw bytes. The reason never contains the input.
fn parse_key(input: &[u8]) -> Result<Zeroizing<[u8; KEY_LEN]>, String> {
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    let text = input.trim_ascii();
    if text.is_empty() {
        return Err(format!("is empty; {EXPECTED_FORMAT}"));
    }
    if text.len() == 2 * KEY_LEN && text.iter().all(u8::is_ascii_hexdigit) {
        hex::decode_to_slice(text, key.as_mut_slice())
            .map_err(|_| format!("is not valid hex; {EXPECTED_FORMAT}"))?;
        return Ok(key);
    }
    for engine in [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD] {
        if let Ok(bytes) = engine.decode(text).map(Zeroizing::new) {
            if bytes.len() == KEY_LEN {
                key.copy_from_slice(&bytes);
                return Ok(key);
            }
            return Err(format!(
                "decodes to {} bytes, not {KEY_LEN}; {EXPECTED_FORMAT}",
                bytes.len()
            ));
        }
    }
    if input.len() == KEY_LEN {
        key.copy_from_slice(input);
        return Ok(key);
    }
    Err(format!("is neither base64 nor hex; {EXPECTED_FORMAT}"))
}

/// Reads the key file, creating it with a fresh key when missing. Creation writes a private temp
/// file and hard-links it into place: the link fails when another process won the race, and
/// then that process's complete key is read — never a half-written one, never clobbered.
fn load_or_create_key_file(path: &Path) -> Result<Zeroizing<[u8; KEY_LEN]>, StoreError> {
    let source = KeySource::File(path.to_path_buf());
    let io = |e: std::io::Error| key_error(&source, e.to_string());
    match read_key_file(path) {
        Ok(key) => return parse_key(&key).map_err(|r| key_error(&source, r)),
        Err(e) if e.kind() == ErrorKind::NotFound => {}
        Err(e) => return Err(io(e)),
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)
        .map_err(io)?;
    let fresh = Cipher::generate_key();
    let tmp = dir.join(format!(
        ".key.tmp-{}-{}",
        std::process::id(),
        rand::random::<u64>()
    ));
    let written = write_private(&tmp, format!("{}\n", fresh.expose()).as_bytes());
    let linked = written.and_then(|()| fs::hard_link(&tmp, path));
    let _ = fs::remove_file(&tmp);
    match linked {
        Ok(()) => {
            if let Ok(d) = fs::File::open(&dir) {
                let _ = d.sync_all();
            }
            parse_key(fresh.expose().as_bytes()).map_err(|r| key_error(&source, r))
        }
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {
            let key = read_key_file(path).map_err(io)?;
            parse_key(&key).map_err(|r| key_error(&source, r))
        }
        Err(e) => Err(io(e)),
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

fn read_key_file(path: &Path) -> std::io::Result<Zeroizing<Vec<u8>>> {
    let mut f = fs::File::open(path)?;
    let mode = f.metadata()?.permissions().mode();
    if mode & 0o077 != 0 {
        tracing::warn!(
            key_file = %path.display(),
            mode = format!("{:o}", mode & 0o777),
            "the encryption key file is readable by other users; run `chmod 600` on it"
        );
    }
    let mut buf = Zeroizing::new(Vec::with_capacity(64));
    f.read_to_end(&mut buf)?;
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_accepts_hex_and_base64_of_32_bytes() {
        let bytes = [7u8; 32];
        assert_eq!(*parse_key(hex::encode(bytes).as_bytes()).unwrap(), bytes);
        assert_eq!(
            *parse_key(STANDARD.encode(bytes).as_bytes()).unwrap(),
            bytes
        );
        assert_eq!(
            *parse_key(URL_SAFE_NO_PAD.encode(bytes).as_bytes()).unwrap(),
            bytes
        );
        assert!(parse_key(b"  \n").unwrap_err().contains("empty"));
    }

    #[test]
    fn malformed_key_is_refused_without_echoing_it() {
        for bad in ["not-a-key-at-all!!", "c2hvcnQ=", &"ab".repeat(31)] {
            let reason = parse_key(bad.as_bytes()).unwrap_err();
            assert!(!reason.contains(bad), "{reason}");
            assert!(reason.contains("base64"), "{reason}");
        }
    }

    #[test]
    fn sealed_values_differ_each_time_and_open_back() {
        let c = Cipher::from_key(&[1u8; 32]);
        let p = Password::new("s3cret ünïcode");
        let at = Binding::secret_value("dev", "/", "A");
        let (a, b) = (c.seal(&p, &at), c.seal(&p, &at));
        assert_ne!(a, b);
        assert!(a.0.starts_with(PREFIX));
        assert!(!a.0.contains("s3cret"));
        assert_eq!(c.open(&a, &at).unwrap().expose(), p.expose());
    }

    #[test]
    fn a_value_moved_to_another_place_does_not_open() {
        let c = Cipher::from_key(&[1u8; 32]).for_database(Path::new("/tmp/db.json"));
        let id = Uuid::new_v4();
        let admin = c.seal(&Password::new("admin"), &Binding::connection_password(id));
        for elsewhere in [
            Binding::secret_value("dev", "/", "REDIS_PASSWORD"),
            Binding::connection_password(Uuid::new_v4()),
            Binding::slot_password(id, Slot::Zero),
            Binding::key_check(),
        ] {
            match c.open(&admin, &elsewhere) {
                Err(StoreError::Damaged { path, what }) => {
                    assert_eq!(path, Path::new("/tmp/db.json"));
                    assert_eq!(what, elsewhere.describe());
                }
                other => panic!("expected Damaged, got {other:?}"),
            }
        }
        // Secret names cannot be shifted between environment, path and name.
        let v = c.seal(&Password::new("v"), &Binding::secret_value("ab", "/c", "D"));
        assert!(c.open(&v, &Binding::secret_value("a", "b/c", "D")).is_err());
        // An unbound schema-1 value opens only through the migration.
        let legacy = c.seal_legacy_for_test(&Password::new("old"));
        assert!(c.open(&legacy, &Binding::key_check()).is_err());
        assert_eq!(
            c.open_legacy(&legacy, &Binding::key_check())
                .unwrap()
                .expose(),
            "old"
        );
    }
}
