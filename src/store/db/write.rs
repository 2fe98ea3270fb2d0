//! The write path of `Store`: group-committed rounds under the file lock, each appending one
//! commit to the log (durably, or with the fdatasync deferred to the flusher thread), folding
//! the log into a checkpoint when it grows past `COMPACT_AT`, and migrating an older database
//! by its first write.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use crate::model::Password;

use super::super::commit::{Applied, Job, Outcome, Round};
use super::super::crypto::Binding;
use super::super::file::{self, io_error, stamp_of};
use super::super::log::{self, Before};
use super::super::parts::{self, COMPACT_AT};
use super::super::{Document, SCHEMA_VERSION, StoreError, migrate, paths};
use super::{FileStore, KEY_CHECK, OnDisk, locked};

impl FileStore {
    /// Runs one update job (see `Store::update`): group-committed with whatever else is queued,
    /// under the exclusive file lock; durably, or with the fdatasync deferred.
    pub(crate) fn run(&self, job: Job, durable: bool) -> Outcome {
        self.commits
            .submit(job, durable, |apply| self.write_round(apply))
    }

    /// A write that changes nothing, for what `write_round` does before applying anything (the
    /// migration of an older database).
    pub(super) fn touch(&self) -> Result<(), StoreError> {
        let job: Job = Box::new(|_| Applied {
            ok: true,
            value: Box::new(()),
        });
        match self.run(job, true) {
            Outcome::Value(_) => Ok(()),
            Outcome::Failed(e) => Err(e),
            Outcome::Abandoned | Outcome::Nested => {
                Err(self.internal("the migrating write did not finish"))
            }
        }
    }

    /// One group-commit round: lock, catch up with the files, apply, commit once when anything
    /// succeeded. A corrupt or future-schema file fails in the read and is never written.
    fn write_round(&self, apply: &mut dyn FnMut(&mut Document) -> Round) -> Result<(), StoreError> {
        // A symlinked database is written through to its target (and locked there, so every
        // path to it shares one lock); renaming over the link would silently detach it.
        let target = file::resolve_symlink(&self.path);
        let lock_path = paths::lock_path(&target);
        let lock = file::open_lock_file(&target, &lock_path)?;
        lock.lock().map_err(|e| io_error(&lock_path, e))?;
        if !self.swept_temps.swap(true, Ordering::Relaxed) {
            file::remove_stale_temps(&target);
            file::remove_stale_temps_in(&parts::data_dir(&target));
        }
        let mut taken = self.take()?;
        let Some(mut cached) = taken.cached.take() else {
            return Err(self.internal("the cached document went missing during a write"));
        };
        let legacy = match &cached.disk {
            OnDisk::Split { .. } => None,
            OnDisk::Legacy { .. } => Some(true),
            OnDisk::Missing => Some(false),
        };
        if Arc::get_mut(&mut cached.doc).is_none() {
            // A reader still holds this version: copy it (change marks and origins kept).
            cached.doc = Arc::new(cached.doc.clone_tracked());
        }
        let Some(doc) = Arc::get_mut(&mut cached.doc) else {
            return Err(self.internal("the document could not be taken for writing"));
        };
        let migrated = legacy == Some(true);
        if migrated {
            // The whole old file is kept beside the new layout, then converted.
            let cipher = self.checked_cipher(doc)?;
            migrate::backup(&target, doc.schema_version)?;
            if doc.schema_version < 2 {
                migrate::to_schema_2(doc, &cipher)?;
            }
        }
        doc.schema_version = SCHEMA_VERSION;
        let before = Before::of(doc);
        let round = apply(doc);
        let ops = if !round.changed && !migrated {
            Some(Vec::new())
        } else {
            if doc.key_check.is_none()
                && let Some(cipher) = locked(&self.cipher).as_ref()
            {
                doc.key_check = Some(cipher.seal(&Password::new(KEY_CHECK), &Binding::key_check()));
            }
            match legacy {
                Some(_) => None,
                None => log::changes(&before, doc),
            }
        };
        let seq = match &cached.disk {
            OnDisk::Split { seq, .. } => seq + 1,
            _ => 1,
        };
        let wrote = match ops {
            Some(ops) if ops.is_empty() => false,
            Some(ops) => {
                self.append(&target, &mut cached.disk, &ops, round.durable)?;
                true
            }
            None => {
                cached.disk = self.checkpoint(&target, doc, seq, None, legacy.is_some())?;
                true
            }
        };
        if wrote {
            self.writes.fetch_add(1, Ordering::Relaxed);
        }
        if let OnDisk::Split {
            log_len,
            seq,
            dirty,
            ..
        } = &cached.disk
            && *log_len > COMPACT_AT
        {
            // Folded into a checkpoint after the commit, so the log (what readers of one
            // place scan) stays short.
            let dirty = dirty.clone();
            cached.disk = self.checkpoint(&target, doc, *seq, Some(&dirty), false)?;
        }
        doc.rotations.mark_clean(self.origin);
        doc.secrets.mark_clean(self.origin);
        taken.cached = Some(cached);
        taken.put();
        drop(lock); // closing the descriptor releases the flock
        Ok(())
    }

    /// Appends one commit to the log (creating the log if a crash left none, cutting off a
    /// line a crashed writer left unfinished), durably or with the fdatasync deferred.
    fn append(
        &self,
        target: &Path,
        disk: &mut OnDisk,
        ops: &[log::Op],
        durable: bool,
    ) -> Result<(), StoreError> {
        let OnDisk::Split {
            log: log_handle,
            log_id,
            log_len,
            seq,
            dirty,
            ..
        } = disk
        else {
            return Err(self.internal("a commit was appended to a database without a log"));
        };
        let lpath = parts::log_path(target);
        let io = |e| io_error(&lpath, e);
        let mut f = std::fs::OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .mode(0o600)
            .open(&lpath)
            .map_err(io)?;
        let meta = f.metadata().map_err(io)?;
        let (stamp, dev) = stamp_of(&meta);
        if log_id.is_some_and(|id| id != (stamp.inode, dev)) {
            return Err(self.internal("the commit log was replaced while the database was locked"));
        }
        if log_id.is_none() {
            // No log (a crash right after a fresh checkpoint removed it): start one.
            f.set_len(0).map_err(io)?;
            let start = log::header_line(*seq);
            f.write_all(&start).map_err(io)?;
            *log_len = start.len() as u64;
            *log_id = Some((stamp.inode, dev));
        } else if meta.len() != *log_len {
            f.set_len(*log_len).map_err(io)?;
        }
        let bytes = log::line(*seq + 1, ops).map_err(|e| io(std::io::Error::other(e)))?;
        f.seek(SeekFrom::End(0)).map_err(io)?;
        f.write_all(&bytes).map_err(io)?;
        if durable {
            f.sync_data().map_err(io)?;
            *locked(&self.unsynced_from) = None;
        } else {
            *locked(&self.unsynced_from) = Some((lpath.clone(), *log_len));
            self.defer_sync(&f);
        }
        *log_len += bytes.len() as u64;
        *seq += 1;
        for op in ops {
            if let log::Part::Bucket(b) = op.part() {
                dirty.insert(b);
            }
        }
        *log_handle = Some(f);
        Ok(())
    }

    /// A checkpoint of `doc` including commit `seq` (see `parts::write_checkpoint`).
    fn checkpoint(
        &self,
        target: &Path,
        doc: &Document,
        seq: u64,
        buckets: Option<&BTreeSet<u8>>,
        fresh: bool,
    ) -> Result<OnDisk, StoreError> {
        let (log, log_len) = parts::write_checkpoint(target, doc, seq, buckets, fresh)?;
        let manifest_file = File::open(target).map_err(|e| io_error(target, e))?;
        let manifest = stamp_of(&manifest_file.metadata().map_err(|e| io_error(target, e))?);
        let (log_stamp, log_dev) = stamp_of(
            &log.metadata()
                .map_err(|e| io_error(&parts::log_path(target), e))?,
        );
        Ok(OnDisk::Split {
            manifest,
            _manifest_file: manifest_file,
            log: Some(log),
            log_id: Some((log_stamp.inode, log_dev)),
            log_len,
            seq,
            dirty: BTreeSet::new(),
        })
    }

    /// Hands the log to the flusher thread, which fdatasyncs it as soon as it can (one sync for
    /// every deferred commit queued meanwhile).
    fn defer_sync(&self, log: &File) {
        let Ok(handle) = log.try_clone() else {
            let _ = log.sync_data();
            return;
        };
        let mut slot = locked(&self.flusher);
        if slot.is_none() {
            let (tx, rx) = std::sync::mpsc::channel::<File>();
            let spawned = std::thread::Builder::new()
                .name("store-flush".into())
                .spawn(move || {
                    while let Ok(mut latest) = rx.recv() {
                        while let Ok(next) = rx.try_recv() {
                            latest = next;
                        }
                        let _ = latest.sync_data();
                    }
                });
            if spawned.is_ok() {
                *slot = Some(tx);
            }
        }
        match slot.as_ref() {
            Some(tx) => {
                if let Err(unsent) = tx.send(handle) {
                    let _ = unsent.0.sync_data();
                }
            }
            None => {
                let _ = handle.sync_data();
            }
        }
    }

    /// Cuts the last commit from the log when it was a deferred one, as a power cut before its
    /// group fsync would. For crash-safety tests only (the process is aborted right after).
    #[doc(hidden)]
    pub(crate) fn drop_unsynced_for_test(&self) {
        if let Some((path, from)) = locked(&self.unsynced_from).take()
            && let Ok(f) = std::fs::OpenOptions::new().write(true).open(&path)
        {
            let _ = f.set_len(from);
            let _ = f.sync_all();
        }
    }

    /// Writes `doc` to a temp file next to the database and stops, as a crash just before the
    /// rename would. For crash-safety tests only.
    #[doc(hidden)]
    pub(crate) fn write_temp_only_for_test(&self, doc: &Document) -> Result<PathBuf, StoreError> {
        let bytes =
            serde_json::to_vec(doc).map_err(|e| io_error(&self.path, std::io::Error::other(e)))?;
        let (tmp, ..) = file::write_temp(&file::resolve_symlink(&self.path), &bytes)?;
        Ok(tmp)
    }
}
