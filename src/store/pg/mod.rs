//! The shared PostgreSQL store (`--db postgres://…`, SPEC 2.6 and issue "Several bastions, one
//! state"): the same document as the JSON database, stored as JSONB rows, for several hosts
//! sharing one state.
//!
//! The `postgres` client runs its own small runtime per connection, which must never be entered
//! from a tokio worker: every client here lives on a thread of the store's own (`worker`).
//!
//! Writes are group-committed like the JSON database's (see `commit`): the leading caller opens
//! a transaction on the worker (`SELECT … FOR UPDATE` on the meta row, which serializes writers
//! on every host as the file lock does on one), runs the queued closures on the document it is
//! handed, and sends back the changed rows; the worker writes them with one commits row, bumps
//! the seq, `NOTIFY`s and commits. Readers ask for the seq (one round trip) and replay only the
//! commits they have not seen.

pub(crate) mod listen;
pub(crate) mod password;
mod read;
mod rows;
mod schema;
mod target;
mod worker;
mod write;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, SendError, Sender};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

use crate::model::Password;

use super::commit::{self, GroupCommit, Job, Outcome, Round};
use super::crypto::Binding;
use super::db::{KEY_CHECK, checked_cipher, next_origin};
use super::log::{self, Before};
use super::{Cipher, Document, KeySource, SCHEMA_VERSION, StoreError};

pub use listen::Listener;
pub use target::Target;
use worker::{Finish, Msg, Reply};

/// The channel every commit is announced on (`NOTIFY`), for consoles and daemons elsewhere.
pub const CHANGES_CHANNEL: &str = "redis_rotator_changes";

fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A handle on one PostgreSQL database (see `Store`).
pub(crate) struct PgStore {
    target: Target,
    /// The URL without its password, as a path for the messages that name a database by one.
    shown: PathBuf,
    key: KeySource,
    origin: u64,
    /// Started by the first job, so opening does no I/O.
    worker: Mutex<Option<Sender<Msg>>>,
    commits: GroupCommit,
    cipher: Mutex<Option<Cipher>>,
    writes: AtomicU64,
    /// Other hosts' commits, heard through `LISTEN` (started by the first `generation`).
    changes: OnceLock<Listener>,
}

impl PgStore {
    pub(crate) fn open(target: Target, key: KeySource) -> PgStore {
        PgStore {
            shown: PathBuf::from(target.shown()),
            target,
            key,
            origin: next_origin(),
            worker: Mutex::new(None),
            commits: GroupCommit::default(),
            cipher: Mutex::new(None),
            writes: AtomicU64::new(0),
            changes: OnceLock::new(),
        }
    }

    pub(crate) fn shown(&self) -> &Path {
        &self.shown
    }

    pub(crate) fn internal(&self, message: &str) -> StoreError {
        StoreError::Postgres {
            target: self.target.shown().to_string(),
            reason: message.to_string(),
        }
    }

    /// Sends `msg` to the worker, starting one if there is none or the last one stopped.
    fn send(&self, msg: Msg) -> Result<(), StoreError> {
        let mut slot = locked(&self.worker);
        let msg = match slot.as_ref() {
            Some(tx) => match tx.send(msg) {
                Ok(()) => return Ok(()),
                Err(SendError(msg)) => msg,
            },
            None => msg,
        };
        let tx = worker::spawn(self.target.clone(), self.origin)
            .map_err(|e| self.internal(&format!("cannot start the store's thread ({e})")))?;
        tx.send(msg)
            .map_err(|_| self.internal("the store's thread stopped at once"))?;
        *slot = Some(tx);
        Ok(())
    }

    fn ask<T>(&self, msg: impl FnOnce(Reply<T>) -> Msg) -> Result<T, StoreError> {
        if commit::applying() {
            return Err(self.internal(
                "the store was read inside an update closure; use the document the closure was given",
            ));
        }
        let (reply, answer) = mpsc::channel();
        self.send(msg(reply))?;
        answer
            .recv()
            .map_err(|_| self.internal("the store's thread stopped before answering"))?
    }

    /// The current document: one round trip when nothing changed, plus the new commits when
    /// something did.
    pub(crate) fn load(&self) -> Result<Arc<Document>, StoreError> {
        self.ask(Msg::Load)
    }

    pub(crate) fn load_place(
        &self,
        environment: &str,
        secret_path: &str,
    ) -> Result<Arc<Document>, StoreError> {
        self.ask(|reply| Msg::Place {
            environment: environment.to_string(),
            secret_path: secret_path.to_string(),
            reply,
        })
    }

    /// Moves whenever the database may have changed, on any host (a notification, or the
    /// listener reconnecting): read without a query.
    pub(crate) fn generation(&self) -> u64 {
        self.listener().generation()
    }

    /// Wakes whenever `generation` moves.
    pub(crate) fn changes(&self) -> tokio::sync::watch::Receiver<u64> {
        self.listener().subscribe()
    }

    fn listener(&self) -> &Listener {
        self.changes
            .get_or_init(|| Listener::start(self.target.clone()))
    }

    pub(crate) fn write_count(&self) -> u64 {
        self.writes.load(Ordering::Relaxed)
    }

    pub(crate) fn run(&self, job: Job, durable: bool) -> Outcome {
        self.commits
            .submit(job, durable, |apply| self.write_round(apply))
    }

    /// One group-commit round: a transaction on the worker, the closures run here.
    fn write_round(&self, apply: &mut dyn FnMut(&mut Document) -> Round) -> Result<(), StoreError> {
        let (reply, answer) = mpsc::channel();
        self.send(Msg::Begin(reply))?;
        let begun = answer
            .recv()
            .map_err(|_| self.internal("the store's thread stopped before answering"))??;
        let mut doc = Arc::try_unwrap(begun.doc).unwrap_or_else(|shared| shared.clone_tracked());
        doc.schema_version = SCHEMA_VERSION;
        let before = Before::of(&doc);
        let round = apply(&mut doc);
        if !round.changed {
            let _ = begun.finish.send(Finish::Unchanged(doc));
            return Ok(());
        }
        if doc.key_check.is_none()
            && let Some(cipher) = locked(&self.cipher).as_ref()
        {
            doc.key_check = Some(cipher.seal(&Password::new(KEY_CHECK), &Binding::key_check()));
        }
        let ops = log::changes(&before, &doc);
        if ops.as_ref().is_some_and(Vec::is_empty) {
            let _ = begun.finish.send(Finish::Unchanged(doc));
            return Ok(());
        }
        let (reply, answer) = mpsc::channel();
        begun
            .finish
            .send(Finish::Commit {
                doc,
                ops,
                durable: round.durable,
                reply,
            })
            .map_err(|_| self.internal("the store's thread stopped during a write"))?;
        answer.recv().map_err(|_| {
            self.internal("the store's thread stopped during a write; it was not committed")
        })??;
        self.writes.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// The key, checked against the database's `keyCheck`.
    pub(crate) fn cipher(&self) -> Result<Cipher, StoreError> {
        self.cipher_for(&*self.load()?)
    }

    pub(crate) fn cipher_for(&self, doc: &Document) -> Result<Cipher, StoreError> {
        checked_cipher(&self.cipher, &self.key, &self.shown, doc)
    }
}
