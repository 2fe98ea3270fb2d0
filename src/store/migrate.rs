//! Older databases, migrated by the first write after a copy of the original file is kept
//! beside it as `<db>.schema<N>.bak` (0600). Schema 1 → 2: every sealed value re-sealed bound to
//! its record and field (AEAD associated data). Schema 2 → 3: the single file is split into the
//! layout of `parts` (done by the store's checkpoint).

use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::model::{Sealed, Slot};

use super::crypto::Binding;
use super::file::io_error;
use super::{Cipher, Document, StoreError};

/// Where the copy of a schema-`version` `db` is kept.
pub(crate) fn backup_path(db: &Path, version: u64) -> PathBuf {
    let mut name = db.as_os_str().to_os_string();
    name.push(format!(".schema{version}.bak"));
    PathBuf::from(name)
}

/// Copies the database file (if any) to `<db>.schema<version>.bak`, mode 0600, fsynced. An
/// existing backup is kept: it is the older, and the one that matters.
pub(crate) fn backup(db: &Path, version: u64) -> Result<(), StoreError> {
    let bytes = match fs::read(db) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io_error(db, e)),
    };
    let path = backup_path(db, version);
    let file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path);
    let mut file = match file {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Ok(()),
        Err(e) => return Err(io_error(&path, e)),
    };
    file.set_permissions(fs::Permissions::from_mode(0o600))
        .and_then(|()| file.write_all(&bytes))
        .and_then(|()| file.sync_all())
        .map_err(|e| io_error(&path, e))
}

/// Re-seals every unbound value of `doc` bound to its place and sets the schema version.
pub(crate) fn to_schema_2(doc: &mut Document, cipher: &Cipher) -> Result<(), StoreError> {
    let rebind = |sealed: &mut Sealed, binding: Binding| -> Result<(), StoreError> {
        if Cipher::is_legacy(sealed) {
            let plain = cipher.open_legacy(sealed, &binding)?;
            *sealed = cipher.seal(&plain, &binding);
        }
        Ok(())
    };
    if let Some(check) = doc.key_check.as_mut() {
        rebind(check, Binding::key_check())?;
    }
    for c in &mut doc.connections {
        if let Some(p) = c.password.as_mut() {
            rebind(p, Binding::connection_password(c.id))?;
        }
    }
    for r in &mut doc.rotations {
        for slot in [Slot::Zero, Slot::One] {
            if let Some(cred) = r.slots[slot.index()].as_mut() {
                rebind(&mut cred.password, Binding::slot_password(r.id, slot))?;
            }
        }
        if let Some(journal) = r.pending.as_mut() {
            let binding = Binding::journal_password(r.id, journal.job_id);
            if let Some(p) = journal.password.as_mut() {
                rebind(p, binding)?;
            }
        }
    }
    for s in &mut doc.secrets {
        let binding = Binding::secret_value(&s.environment, &s.secret_path, &s.name);
        for v in &mut s.versions {
            rebind(&mut v.value, binding.clone())?;
        }
    }
    doc.schema_version = 2;
    Ok(())
}
