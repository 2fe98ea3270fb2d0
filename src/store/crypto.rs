//! Encryption of secret fields at rest: XChaCha20-Poly1305 with a 256-bit key from
//! `REDIS_ROTATOR_KEY` (base64 or hex of 32 bytes) or a key file created 0600 on first use.

use std::path::PathBuf;

use crate::model::{Password, Sealed};

use super::StoreError;

/// Where the key comes from.
#[derive(Clone, Debug)]
pub enum KeySource {
    /// The value of `REDIS_ROTATOR_KEY` (never printed).
    Env(Password),
    /// A key file, created 0600 (folder 0700) with a fresh random key when missing.
    File(PathBuf),
}

impl KeySource {
    /// `REDIS_ROTATOR_KEY` when set, else the default key file in the config folder.
    pub fn from_env() -> Result<KeySource, StoreError> {
        todo!("store helper")
    }

    /// How to name this source in a message (`REDIS_ROTATOR_KEY` or the file path).
    pub fn describe(&self) -> String {
        todo!("store helper")
    }
}

/// Seals and opens secret values. Cheap to clone.
#[derive(Clone)]
pub struct Cipher {
    _private: (),
}

impl Cipher {
    /// Loads (or for a file source, creates) the key.
    pub fn load(source: &KeySource) -> Result<Cipher, StoreError> {
        let _ = source;
        todo!("store helper")
    }

    pub fn seal(&self, value: &Password) -> Sealed {
        let _ = value;
        todo!("store helper")
    }

    /// Fails with `StoreError::Damaged` (path filled in by the caller) when the value does not
    /// open with this key.
    pub fn open(&self, sealed: &Sealed) -> Result<Password, StoreError> {
        let _ = sealed;
        todo!("store helper")
    }
}
