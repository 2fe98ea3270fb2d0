//! The database file on disk: reading with a schema probe, identity stamps, the sibling lock
//! file, and atomic durable replacement (temp file, fsync, rename, fsync folder).

use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use serde::Deserialize;

use super::db::FileStamp as Stamp;
use super::{Document, SCHEMA_VERSION, StoreError};

/// Temp files older than this are leftovers of a crashed writer and may be removed.
const STALE_TEMP_AGE: Duration = Duration::from_secs(60);

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

pub(crate) fn io_error(path: &Path, source: std::io::Error) -> StoreError {
    StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The stamp and device of an open file. The device is kept apart because `Stamp` is public.
pub(crate) fn stamp_of(meta: &fs::Metadata) -> (Stamp, u64) {
    let stamp = Stamp {
        len: meta.len(),
        modified_nanos: i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec()),
        inode: meta.ino(),
    };
    (stamp, meta.dev())
}

/// The folder holding `path` (`.` for a bare file name).
pub(crate) fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The file a database path really names: itself, or a symlink's target (also a dangling one,
/// which the first write creates).
pub(crate) fn resolve_symlink(db: &Path) -> PathBuf {
    match fs::symlink_metadata(db) {
        Ok(meta) if meta.file_type().is_symlink() => {
            fs::canonicalize(db).unwrap_or_else(|_| match fs::read_link(db) {
                Ok(link) if link.is_absolute() => link,
                Ok(link) => parent_dir(db).join(link),
                Err(_) => db.to_path_buf(),
            })
        }
        _ => db.to_path_buf(),
    }
}

/// Only `schemaVersion`, so a newer file is recognised even when its shape is not ours.
#[derive(Deserialize)]
struct Probe {
    #[serde(rename = "schemaVersion")]
    schema_version: Option<serde_json::Value>,
}

/// What was read: the document, its stamp and device, and the open handle (kept open by the
/// cache so the inode cannot be reused while the stamp is trusted).
pub(crate) struct Loaded {
    pub doc: Document,
    pub stamp: Stamp,
    pub dev: u64,
    pub file: File,
}

/// What the database file holds.
pub(crate) enum OnFile {
    /// A whole document in one file (schema 1 and 2), migrated by the first write.
    Legacy(Box<Loaded>),
    /// The manifest of the split layout (schema 3): see `parts`.
    Split,
}

/// Reads and checks the database file; `Ok(None)` when it does not exist.
pub(crate) fn read_document(path: &Path) -> Result<Option<OnFile>, StoreError> {
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_error(path, e)),
    };
    let meta = file.metadata().map_err(|e| io_error(path, e))?;
    let (stamp, dev) = stamp_of(&meta);
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.read_to_end(&mut bytes)
        .map_err(|e| io_error(path, e))?;
    if is_manifest(&bytes) {
        return Ok(Some(OnFile::Split));
    }
    let Some(doc) = parse_document(path, &bytes)? else {
        return Ok(Some(OnFile::Split));
    };
    Ok(Some(OnFile::Legacy(Box::new(Loaded {
        doc,
        stamp,
        dev,
        file,
    }))))
}

/// The split layout's manifest is written with `schemaVersion` first; a legacy document or
/// anything else is left to `parse_document`, which names what is wrong.
fn is_manifest(bytes: &[u8]) -> bool {
    let head = format!("{{\"schemaVersion\":{SCHEMA_VERSION},\"appliedSeq\":");
    bytes.starts_with(head.as_bytes())
}

/// Parses the document in one pass (the common case); only when that fails is the file probed
/// for a newer `schemaVersion`, so a newer file is reported as such rather than as corrupt.
/// `Ok(None)`: a manifest of the split layout written by hand in another shape.
fn parse_document(path: &Path, bytes: &[u8]) -> Result<Option<Document>, StoreError> {
    // redis-rotator never writes an empty file (writes are atomic), so one is damage or someone
    // else's file: refused, never overwritten.
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(StoreError::Empty {
            path: path.to_path_buf(),
        });
    }
    match crate::model::strict::from_slice::<Document>(bytes) {
        Ok(doc) if doc.schema_version >= SCHEMA_VERSION => {
            Err(if doc.schema_version > SCHEMA_VERSION {
                StoreError::FutureSchema {
                    path: path.to_path_buf(),
                    found: doc.schema_version,
                    supported: SCHEMA_VERSION,
                }
            } else {
                StoreError::Corrupt {
                    path: path.to_path_buf(),
                    reason: format!(
                        "schemaVersion {SCHEMA_VERSION} is kept in split files, not in one document"
                    ),
                }
            })
        }
        Ok(doc) => check_version(path, doc.schema_version).map(|()| Some(doc)),
        Err(parse_error) => {
            let probed = serde_json::from_slice::<Probe>(bytes)
                .ok()
                .and_then(|p| p.schema_version)
                .and_then(|v| v.as_u64());
            match probed {
                Some(SCHEMA_VERSION) => Ok(None),
                Some(found) if found > SCHEMA_VERSION => Err(StoreError::FutureSchema {
                    path: path.to_path_buf(),
                    found,
                    supported: SCHEMA_VERSION,
                }),
                _ => Err(StoreError::Corrupt {
                    path: path.to_path_buf(),
                    reason: parse_error.to_string(),
                }),
            }
        }
    }
}

fn check_version(path: &Path, found: u64) -> Result<(), StoreError> {
    if found > SCHEMA_VERSION {
        return Err(StoreError::FutureSchema {
            path: path.to_path_buf(),
            found,
            supported: SCHEMA_VERSION,
        });
    }
    if found == 0 {
        return Err(StoreError::Corrupt {
            path: path.to_path_buf(),
            reason: "`schemaVersion` 0 was never written by redis-rotator".to_string(),
        });
    }
    Ok(())
}

/// Creates the folder (0700 for folders it creates) and opens the lock file (0600).
pub(crate) fn open_lock_file(db: &Path, lock: &Path) -> Result<File, StoreError> {
    let dir = parent_dir(db);
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)
        .map_err(|e| io_error(&dir, e))?;
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(lock)
        .map_err(|e| io_error(lock, e))
}

/// The temp-file name prefix for `db`: `.<name>.tmp-`. Load never reads these.
fn temp_prefix(db: &Path) -> String {
    let name = db
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!(".{name}.tmp-")
}

/// Writes `bytes` to a new temp file next to `db`, mode 0600, fsynced. Returns its path, its
/// stamp and device, and the open handle. The temp file is removed again on failure.
pub(crate) fn write_temp(
    db: &Path,
    bytes: &[u8],
) -> Result<(PathBuf, Stamp, u64, File), StoreError> {
    let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
    let tmp = parent_dir(db).join(format!("{}{}-{n}", temp_prefix(db), std::process::id()));
    let result = (|| {
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        // The umask may have removed bits, never added any; set exactly 0600 regardless.
        f.set_permissions(fs::Permissions::from_mode(0o600))?;
        f.write_all(bytes)?;
        // fdatasync: the data and the size needed to read it back; timestamps need not hit disk.
        f.sync_data()?;
        let meta = f.metadata()?;
        Ok::<_, std::io::Error>((f, meta))
    })();
    match result {
        Ok((f, meta)) => {
            let (stamp, dev) = stamp_of(&meta);
            Ok((tmp, stamp, dev, f))
        }
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(io_error(&tmp, e))
        }
    }
}

/// Renames the temp file over the database (atomic on POSIX); removes it if that fails.
pub(crate) fn rename_into_place(tmp: &Path, db: &Path) -> Result<(), StoreError> {
    fs::rename(tmp, db).map_err(|e| {
        let _ = fs::remove_file(tmp);
        io_error(db, e)
    })
}

/// Makes the rename itself durable.
pub(crate) fn sync_dir(db: &Path) -> Result<(), StoreError> {
    let dir = parent_dir(db);
    File::open(&dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io_error(&dir, e))
}

/// Removes temp files a crashed writer left behind in the parts folder `dir` (every temp file
/// there is one of ours). Same rules as `remove_stale_temps`.
pub(crate) fn remove_stale_temps_in(dir: &Path) {
    remove_old_files(dir, |name| name.starts_with('.') && name.contains(".tmp-"));
}

/// Removes temp files a crashed writer left behind. Called with the lock held, when no live
/// writer can own a temp file; the age check is a second safeguard. Best effort: errors are
/// ignored (a leftover temp file is harmless, load never reads it).
pub(crate) fn remove_stale_temps(db: &Path) {
    let prefix = temp_prefix(db);
    remove_old_files(&parent_dir(db), |name| name.starts_with(&prefix));
}

/// Removes the files of `dir` whose name `ours` accepts and that are older than
/// `STALE_TEMP_AGE`; errors are ignored.
fn remove_old_files(dir: &Path, ours: impl Fn(&str) -> bool) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let now = SystemTime::now();
    for entry in entries.flatten() {
        if !ours(&entry.file_name().to_string_lossy()) {
            continue;
        }
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|m| now.duration_since(m).ok())
            .is_some_and(|age| age > STALE_TEMP_AGE);
        if old {
            let _ = fs::remove_file(entry.path());
        }
    }
}
