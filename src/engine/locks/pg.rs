//! Locks held by PostgreSQL sessions (`--db postgres://…`): session-level advisory locks, all
//! of a process's on ONE session of its own, so a process that dies — or a host that vanishes
//! (keepalives end its session within ~10 s) — releases its locks on the server, and another
//! host takes over, while a batch of 64 rotations in flight costs one connection, not 64.
//!
//! Advisory locks are re-entrant within a session, so the server would let two tasks of this
//! process both "take" one lock: an in-process held-set refuses the second. When the session
//! ends (a server restart, a broken connection), every lock on it is gone: its generation moves
//! on, every guard taken on it reports not alive (nothing is silently taken again for it), and
//! the next lock opens a new session. An entry of a dead generation stays in the held-set until
//! its guard drops (a task of this process may still be working under it), and unlocking it
//! never touches the new session.
//!
//! The blocking `postgres` client must never be used or dropped on a tokio worker, so the
//! session lives on one keeper thread: a guard's `Drop` only sends "unlock" to it, and the
//! engine's async calls await its replies.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use tokio::sync::oneshot;

use crate::store::StoreError;
use crate::store::pg::Target;

/// The lock session, holding nothing and unused this long, is closed (a quiet process keeps
/// few connections open).
const IDLE_FOR: Duration = Duration::from_secs(30);
/// After a failed connection, asking again within this long fails at once with the same
/// reason: a batch of due rotations against an unreachable server waits for one connect
/// timeout, not one per rotation.
const REFUSED_FOR: Duration = Duration::from_secs(1);
/// How long a synchronous caller (views, the console's lease pane) waits for an answer.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// The table A's schema keeps the lease holders in (`rr_lease`).
const LEASE_TABLE: &str = "rr_lease";

/// The advisory-lock key of a lock name: the first 8 bytes of its SHA-256, under a prefix of
/// ours so another application's advisory locks in the same database never collide by design.
pub fn key_of(name: &str) -> i64 {
    let digest = Sha256::digest(format!("redis-rotator:{name}").as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(first)
}

/// How `pg_locks` shows a bigint advisory key: high half in `classid`, low half in `objid`.
fn key_halves(key: i64) -> (i64, i64) {
    let k = key as u64;
    ((k >> 32) as i64, (k & 0xffff_ffff) as i64)
}

type Reply<T> = oneshot::Sender<Result<T, StoreError>>;

/// One held lock as the keeper knows it: the guard's id and the session generation it was
/// taken on.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Tag {
    id: u64,
    generation: u64,
}

enum Request {
    TryLock {
        key: i64,
        reply: Reply<Option<Tag>>,
    },
    Unlock {
        key: i64,
        tag: Tag,
    },
    Alive {
        key: i64,
        tag: Tag,
        reply: oneshot::Sender<bool>,
    },
    IsLocked {
        key: i64,
        reply: mpsc::Sender<Result<bool, StoreError>>,
    },
    WriteHolder {
        key: i64,
        tag: Tag,
        name: String,
        holder: serde_json::Value,
        reply: Reply<()>,
    },
    ReadHolder {
        name: String,
        key: i64,
        reply: mpsc::Sender<Result<Option<serde_json::Value>, StoreError>>,
    },
}

/// The handle on the keeper thread (cheap to clone; the thread ends with the last handle and
/// the last guard, closing its session, which releases its locks).
#[derive(Clone)]
pub struct PgLocks {
    tx: mpsc::Sender<Request>,
    shown: String,
}

/// A lock held on the keeper's session; dropping it asks the keeper to unlock.
pub struct PgHeld {
    key: i64,
    tag: Tag,
    tx: mpsc::Sender<Request>,
}

impl Drop for PgHeld {
    fn drop(&mut self) {
        let _ = self.tx.send(Request::Unlock {
            key: self.key,
            tag: self.tag,
        });
    }
}

impl PgLocks {
    /// Starts the keeper for `target` (no session is opened until a lock is asked for).
    pub(crate) fn start(target: Target) -> PgLocks {
        let (tx, rx) = mpsc::channel();
        let shown = target.shown().to_string();
        let keeper = Keeper {
            target,
            session: None,
            used: Instant::now(),
            generation: 0,
            held: HashMap::new(),
            next_id: 0,
            refused: None,
        };
        let spawned = std::thread::Builder::new()
            .name("rr-pg-locks".to_string())
            .spawn(move || keeper.run(rx));
        if let Err(e) = spawned {
            // Every request will then report the keeper gone, naming the database.
            tracing::error!("cannot start the PostgreSQL lock keeper: {e}");
        }
        PgLocks { tx, shown }
    }

    pub(crate) fn shown(&self) -> &str {
        &self.shown
    }

    fn gone(&self) -> StoreError {
        StoreError::Postgres {
            target: self.shown.clone(),
            reason: "the lock keeper thread stopped: restart the process".to_string(),
        }
    }

    async fn ask<T>(&self, make: impl FnOnce(Reply<T>) -> Request) -> Result<T, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.tx.send(make(reply)).map_err(|_| self.gone())?;
        answer.await.map_err(|_| self.gone())?
    }

    fn ask_blocking<T>(
        &self,
        make: impl FnOnce(mpsc::Sender<Result<T, StoreError>>) -> Request,
    ) -> Result<T, StoreError> {
        let (reply, answer) = mpsc::channel();
        self.tx.send(make(reply)).map_err(|_| self.gone())?;
        answer.recv_timeout(READ_TIMEOUT).map_err(|_| StoreError::Postgres {
            target: self.shown.clone(),
            reason: format!(
                "no answer within {}s: check that the server runs and accepts connections from this host",
                READ_TIMEOUT.as_secs()
            ),
        })?
    }

    /// Takes the advisory lock `name` on this process's lock session; `None` when another
    /// session (of any process, on any host) or another task of this process holds it.
    pub(crate) async fn try_lock(&self, name: &str) -> Result<Option<PgHeld>, StoreError> {
        let key = key_of(name);
        let tag = self.ask(|reply| Request::TryLock { key, reply }).await?;
        Ok(tag.map(|tag| PgHeld {
            key,
            tag,
            tx: self.tx.clone(),
        }))
    }

    /// Whether `held`'s session is still up and still holds its lock (a server restart or a
    /// lost connection ends the session, and the lock with it).
    pub(crate) async fn is_alive(&self, held: &PgHeld) -> bool {
        let (reply, answer) = oneshot::channel();
        let asked = Request::Alive {
            key: held.key,
            tag: held.tag,
            reply,
        };
        if self.tx.send(asked).is_err() {
            return false;
        }
        answer.await.unwrap_or(false)
    }

    /// Whether any process, this one included, holds the lock `name` (reads `pg_locks`; takes
    /// nothing). Blocking: call it off the async threads when that matters.
    pub(crate) fn is_locked(&self, name: &str) -> Result<bool, StoreError> {
        let key = key_of(name);
        self.ask_blocking(|reply| Request::IsLocked { key, reply })
    }

    /// Records who holds `held` (the lock `name`) in the lease table, through the session
    /// holding it, so the row is written only while the lock really is ours.
    pub async fn write_holder(
        &self,
        held: &PgHeld,
        name: &str,
        holder: serde_json::Value,
    ) -> Result<(), StoreError> {
        let (key, tag) = (held.key, held.tag);
        let name = name.to_string();
        self.ask(|reply| Request::WriteHolder {
            key,
            tag,
            name,
            holder,
            reply,
        })
        .await
    }

    /// The recorded holder of the lock `name`, if a session (this process's included) holds
    /// that lock now. Blocking.
    pub fn read_holder(&self, name: &str) -> Result<Option<serde_json::Value>, StoreError> {
        let key = key_of(name);
        let name = name.to_string();
        self.ask_blocking(|reply| Request::ReadHolder { name, key, reply })
    }
}

/// Whether `e` means the session is gone (the server restarted or the connection broke), as
/// opposed to a statement that failed on a live session.
fn session_ended(e: &postgres::Error) -> bool {
    match e.as_db_error() {
        None => true,
        Some(db) => matches!(db.severity(), "FATAL" | "PANIC"),
    }
}

struct Keeper {
    target: Target,
    /// The one session holding this process's locks, while open.
    session: Option<postgres::Client>,
    /// When the session was last asked anything.
    used: Instant,
    /// Moves on each time a session ends: a guard of an older generation holds nothing.
    generation: u64,
    /// Lock key → the guard holding it in this process (of the current generation, or of a
    /// dead one whose guard was not dropped yet).
    held: HashMap<i64, Tag>,
    next_id: u64,
    /// The last failed connection: when, and why.
    refused: Option<(Instant, String)>,
}

impl Keeper {
    fn run(mut self, rx: mpsc::Receiver<Request>) {
        loop {
            match rx.recv_timeout(IDLE_FOR / 3) {
                Ok(request) => self.handle(request),
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
            let holds_some = self.held.values().any(|t| t.generation == self.generation);
            if self.session.is_some() && !holds_some && self.used.elapsed() >= IDLE_FOR {
                self.end_session();
            }
        }
        // The session closes here, on this thread: its locks are released by the server.
    }

    fn handle(&mut self, request: Request) {
        match request {
            Request::TryLock { key, reply } => {
                let _ = reply.send(self.try_lock(key));
            }
            Request::Unlock { key, tag } => self.unlock(key, tag),
            Request::Alive { key, tag, reply } => {
                let _ = reply.send(self.alive(key, tag));
            }
            Request::IsLocked { key, reply } => {
                let _ = reply.send(self.is_locked(key));
            }
            Request::WriteHolder {
                key,
                tag,
                name,
                holder,
                reply,
            } => {
                let _ = reply.send(self.write_holder(key, tag, &name, &holder));
            }
            Request::ReadHolder { name, key, reply } => {
                let _ = reply.send(self.read_holder(&name, key));
            }
        }
    }

    /// The session ended (or is closed on purpose): every lock on it is gone with it.
    fn end_session(&mut self) {
        self.session = None;
        self.generation += 1;
    }

    fn connect(&mut self) -> Result<postgres::Client, StoreError> {
        if let Some((at, reason)) = &self.refused
            && at.elapsed() < REFUSED_FOR
        {
            return Err(StoreError::Postgres {
                target: self.target.shown().to_string(),
                reason: reason.clone(),
            });
        }
        match self.target.connect() {
            Ok(client) => {
                self.refused = None;
                Ok(client)
            }
            Err(e) => {
                if let StoreError::Postgres { reason, .. } = &e {
                    self.refused = Some((Instant::now(), reason.clone()));
                }
                Err(e)
            }
        }
    }

    /// Runs `f` on the current session only (a guard's statement must never move to a new
    /// session). A failure that ended the session ends its generation.
    fn on_session<T>(
        &mut self,
        doing: &str,
        f: impl FnOnce(&mut postgres::Client) -> Result<T, postgres::Error>,
    ) -> Result<T, StoreError> {
        let Some(client) = self.session.as_mut() else {
            return Err(StoreError::Postgres {
                target: self.target.shown().to_string(),
                reason: format!("{doing}: the lock session ended"),
            });
        };
        self.used = Instant::now();
        match f(client) {
            Ok(value) => Ok(value),
            Err(e) => {
                if session_ended(&e) || client.is_closed() {
                    self.end_session();
                }
                Err(self.target.error(&e, doing))
            }
        }
    }

    /// Runs `f` on the session, opening one when there is none; a session found ended is
    /// replaced once. For statements that belong to no guard (taking a lock, reading).
    fn on_any_session<T>(
        &mut self,
        doing: &str,
        mut f: impl FnMut(&mut postgres::Client) -> Result<T, postgres::Error>,
    ) -> Result<T, StoreError> {
        let fresh = self.session.is_none();
        if fresh {
            self.session = Some(self.connect()?);
        }
        let generation = self.generation;
        match self.on_session(doing, &mut f) {
            Err(_) if !fresh && self.generation != generation => {
                self.session = Some(self.connect()?);
                self.on_session(doing, f)
            }
            result => result,
        }
    }

    fn try_lock(&mut self, key: i64) -> Result<Option<Tag>, StoreError> {
        // The server would grant it again to this session (advisory locks are re-entrant):
        // another task of this process has it, or had it on a session that ended and is still
        // working under it.
        if self.held.contains_key(&key) {
            return Ok(None);
        }
        let taken = self.on_any_session("cannot take a lock", |c| {
            c.query_one("SELECT pg_try_advisory_lock($1)", &[&key])
                .map(|row| row.get::<_, bool>(0))
        })?;
        if !taken {
            return Ok(None);
        }
        self.next_id += 1;
        let tag = Tag {
            id: self.next_id,
            generation: self.generation,
        };
        self.held.insert(key, tag);
        Ok(Some(tag))
    }

    fn unlock(&mut self, key: i64, tag: Tag) {
        // Only this guard's own entry: the key may be held by a newer guard by now.
        let Entry::Occupied(entry) = self.held.entry(key) else {
            return;
        };
        if *entry.get() != tag {
            return;
        }
        entry.remove();
        // A dead generation's lock went with its session; unlocking the key now would release
        // the current session's lock of it, if any.
        if tag.generation != self.generation {
            return;
        }
        match self.on_session("cannot release a lock", |c| {
            c.query_one("SELECT pg_advisory_unlock($1)", &[&key])
                .map(|row| row.get::<_, bool>(0))
        }) {
            Ok(true) => {}
            // Not held by the session after all, or the statement failed on a live session:
            // close the session rather than leave a lock behind (the other guards of this
            // generation then report not alive).
            Ok(false) | Err(_) => {
                tracing::warn!("a lock could not be released; closing the lock session");
                self.end_session();
            }
        }
    }

    fn alive(&mut self, key: i64, tag: Tag) -> bool {
        if tag.generation != self.generation || self.held.get(&key) != Some(&tag) {
            return false;
        }
        let (high, low) = key_halves(key);
        self.on_session("cannot check a lock", |c| {
            c.query_one(
                "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' \
                 AND pid = pg_backend_pid() AND classid::bigint = $1 AND objid::bigint = $2 \
                 AND objsubid = 1 AND granted)",
                &[&high, &low],
            )
            .map(|row| row.get::<_, bool>(0))
        })
        .unwrap_or(false)
    }

    fn is_locked(&mut self, key: i64) -> Result<bool, StoreError> {
        // Ours (a task of this process works under it), without a round trip.
        if self.held.contains_key(&key) {
            return Ok(true);
        }
        let (high, low) = key_halves(key);
        self.on_any_session("cannot read the locks", |c| {
            c.query_one(
                "SELECT EXISTS (SELECT 1 FROM pg_locks l JOIN pg_database d ON d.oid = l.database \
                 WHERE l.locktype = 'advisory' AND d.datname = current_database() \
                 AND l.classid::bigint = $1 AND l.objid::bigint = $2 AND l.objsubid = 1 \
                 AND l.granted)",
                &[&high, &low],
            )
            .map(|row| row.get::<_, bool>(0))
        })
    }

    fn write_holder(
        &mut self,
        key: i64,
        tag: Tag,
        name: &str,
        holder: &serde_json::Value,
    ) -> Result<(), StoreError> {
        if tag.generation != self.generation || self.held.get(&key) != Some(&tag) {
            return Err(StoreError::Postgres {
                target: self.target.shown().to_string(),
                reason: "the lease is no longer held".to_string(),
            });
        }
        let sql = format!(
            "INSERT INTO {LEASE_TABLE} (name, holder, updated_at) VALUES ($1, $2, now()) \
             ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, updated_at = now()"
        );
        self.on_session("cannot record the lease holder", |c| {
            c.execute(&sql, &[&name, holder]).map(|_| ())
        })
    }

    fn read_holder(
        &mut self,
        name: &str,
        key: i64,
    ) -> Result<Option<serde_json::Value>, StoreError> {
        let (high, low) = key_halves(key);
        // Any session's lock counts, this one's too (`pg_locks` shows them all).
        let sql = format!(
            "SELECT holder FROM {LEASE_TABLE} WHERE name = $1 AND EXISTS (SELECT 1 FROM pg_locks l \
             JOIN pg_database d ON d.oid = l.database WHERE l.locktype = 'advisory' \
             AND d.datname = current_database() AND l.classid::bigint = $2 \
             AND l.objid::bigint = $3 AND l.objsubid = 1 AND l.granted)"
        );
        self.on_any_session("cannot read the lease holder", |c| {
            c.query_opt(&sql, &[&name, &high, &low])
                .map(|row| row.map(|r| r.get::<_, serde_json::Value>(0)))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_differ_per_name_and_split_as_pg_locks_shows_them() {
        assert_ne!(key_of("scheduler"), key_of("rotation-x"));
        assert_eq!(key_of("scheduler"), key_of("scheduler"));
        let (high, low) = key_halves(-2);
        assert_eq!((high, low), (0xffff_ffff, 0xffff_fffe));
        let (high, low) = key_halves(0x0000_0001_0000_0002);
        assert_eq!((high, low), (1, 2));
    }
}
