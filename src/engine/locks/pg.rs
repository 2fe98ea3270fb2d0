//! Locks held by PostgreSQL sessions (`--db postgres://…`): session-level advisory locks, one
//! session per held lock, so a process that dies — or a host that vanishes (keepalives end its
//! session within ~10 s) — releases its locks on the server, and another host takes over.
//!
//! The blocking `postgres` client must never be used or dropped on a tokio worker, so every
//! session lives on one keeper thread: a guard's `Drop` only sends "unlock" to it, and the
//! engine's async calls await its replies.

use std::collections::HashMap;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use tokio::sync::oneshot;

use crate::store::StoreError;
use crate::store::pg::Target;

/// Idle sessions kept for the next lock (a batch of due rotations takes one each).
const IDLE_MAX: usize = 32;
/// An idle session unused this long is closed (a quiet process keeps few connections open).
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

enum Request {
    TryLock {
        key: i64,
        reply: Reply<Option<u64>>,
    },
    Unlock {
        id: u64,
    },
    Alive {
        id: u64,
        reply: oneshot::Sender<bool>,
    },
    IsLocked {
        key: i64,
        reply: mpsc::Sender<Result<bool, StoreError>>,
    },
    WriteHolder {
        id: u64,
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
/// the last guard, closing its sessions, which releases their locks).
#[derive(Clone)]
pub struct PgLocks {
    tx: mpsc::Sender<Request>,
    shown: String,
}

/// A lock held by one session of the keeper; dropping it asks the keeper to unlock.
pub struct PgHeld {
    id: u64,
    tx: mpsc::Sender<Request>,
}

impl Drop for PgHeld {
    fn drop(&mut self) {
        let _ = self.tx.send(Request::Unlock { id: self.id });
    }
}

impl PgLocks {
    /// Starts the keeper for `target` (no session is opened until a lock is asked for).
    pub(crate) fn start(target: Target) -> PgLocks {
        let (tx, rx) = mpsc::channel();
        let shown = target.shown().to_string();
        let keeper = Keeper {
            target,
            idle: Vec::new(),
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

    /// Takes the advisory lock `name` on a session of its own; `None` when another session
    /// (of any process, on any host) holds it.
    pub(crate) async fn try_lock(&self, name: &str) -> Result<Option<PgHeld>, StoreError> {
        let key = key_of(name);
        let id = self.ask(|reply| Request::TryLock { key, reply }).await?;
        Ok(id.map(|id| PgHeld {
            id,
            tx: self.tx.clone(),
        }))
    }

    /// Whether `held`'s session is still up and still holds its lock (a server restart or a
    /// lost connection ends the session, and the lock with it).
    pub(crate) async fn is_alive(&self, held: &PgHeld) -> bool {
        let (reply, answer) = oneshot::channel();
        if self.tx.send(Request::Alive { id: held.id, reply }).is_err() {
            return false;
        }
        answer.await.unwrap_or(false)
    }

    /// Whether any session holds the lock `name` (reads `pg_locks`; takes nothing). Blocking:
    /// call it off the async threads when that matters.
    pub(crate) fn is_locked(&self, name: &str) -> Result<bool, StoreError> {
        let key = key_of(name);
        self.ask_blocking(|reply| Request::IsLocked { key, reply })
    }

    /// Records who holds `held` (the lock `name`) in the lease table, through the holding
    /// session itself.
    pub async fn write_holder(
        &self,
        held: &PgHeld,
        name: &str,
        holder: serde_json::Value,
    ) -> Result<(), StoreError> {
        let id = held.id;
        let name = name.to_string();
        self.ask(|reply| Request::WriteHolder {
            id,
            name,
            holder,
            reply,
        })
        .await
    }

    /// The recorded holder of the lock `name`, if a session holds that lock now. Blocking.
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
    /// Sessions holding nothing, with when they were last used.
    idle: Vec<(postgres::Client, Instant)>,
    /// Guard id → the session holding its lock, and the key.
    held: HashMap<u64, (postgres::Client, i64)>,
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
            let now = Instant::now();
            self.idle
                .retain(|(c, used)| !c.is_closed() && now.duration_since(*used) < IDLE_FOR);
        }
        // Sessions close here, on this thread: their locks are released by the server.
    }

    fn handle(&mut self, request: Request) {
        match request {
            Request::TryLock { key, reply } => {
                let _ = reply.send(self.try_lock(key));
            }
            Request::Unlock { id } => self.unlock(id),
            Request::Alive { id, reply } => {
                let _ = reply.send(self.alive(id));
            }
            Request::IsLocked { key, reply } => {
                let _ = reply.send(self.is_locked(key));
            }
            Request::WriteHolder {
                id,
                name,
                holder,
                reply,
            } => {
                let _ = reply.send(self.write_holder(id, &name, &holder));
            }
            Request::ReadHolder { name, key, reply } => {
                let _ = reply.send(self.read_holder(&name, key));
            }
        }
    }

    /// Runs `f` on an idle session (one that fails is dropped: it may have died with a server
    /// restart) or, failing that, on a new one; returns the session with the result.
    fn with_session<T>(
        &mut self,
        doing: &str,
        mut f: impl FnMut(&mut postgres::Client) -> Result<T, postgres::Error>,
    ) -> Result<(T, postgres::Client), StoreError> {
        while let Some((mut client, _)) = self.idle.pop() {
            if client.is_closed() {
                continue;
            }
            match f(&mut client) {
                Ok(value) => return Ok((value, client)),
                Err(e) if session_ended(&e) || client.is_closed() => continue,
                Err(e) => {
                    let error = self.target.error(&e, doing);
                    self.park(client);
                    return Err(error);
                }
            }
        }
        let mut client = self.connect()?;
        match f(&mut client) {
            Ok(value) => Ok((value, client)),
            Err(e) => Err(self.target.error(&e, doing)),
        }
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

    fn park(&mut self, client: postgres::Client) {
        if self.idle.len() < IDLE_MAX && !client.is_closed() {
            self.idle.push((client, Instant::now()));
        }
    }

    fn try_lock(&mut self, key: i64) -> Result<Option<u64>, StoreError> {
        let (taken, client) = self.with_session("cannot take a lock", |c| {
            c.query_one("SELECT pg_try_advisory_lock($1)", &[&key])
                .map(|row| row.get::<_, bool>(0))
        })?;
        if !taken {
            self.park(client);
            return Ok(None);
        }
        self.next_id += 1;
        self.held.insert(self.next_id, (client, key));
        Ok(Some(self.next_id))
    }

    fn unlock(&mut self, id: u64) {
        let Some((mut client, key)) = self.held.remove(&id) else {
            return;
        };
        // Unlocked: the session can serve the next lock. Anything else: the session is closed
        // (dropped), which releases whatever it held.
        if let Ok(row) = client.query_one("SELECT pg_advisory_unlock($1)", &[&key])
            && row.get::<_, bool>(0)
        {
            self.park(client);
        }
    }

    fn alive(&mut self, id: u64) -> bool {
        let Some((client, key)) = self.held.get_mut(&id) else {
            return false;
        };
        let (high, low) = key_halves(*key);
        client
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' \
                 AND pid = pg_backend_pid() AND classid::bigint = $1 AND objid::bigint = $2 \
                 AND objsubid = 1 AND granted)",
                &[&high, &low],
            )
            .map(|row| row.get::<_, bool>(0))
            .unwrap_or(false)
    }

    fn is_locked(&mut self, key: i64) -> Result<bool, StoreError> {
        let (high, low) = key_halves(key);
        let (locked, client) = self.with_session("cannot read the locks", |c| {
            c.query_one(
                "SELECT EXISTS (SELECT 1 FROM pg_locks l JOIN pg_database d ON d.oid = l.database \
                 WHERE l.locktype = 'advisory' AND d.datname = current_database() \
                 AND l.classid::bigint = $1 AND l.objid::bigint = $2 AND l.objsubid = 1 \
                 AND l.granted)",
                &[&high, &low],
            )
            .map(|row| row.get::<_, bool>(0))
        })?;
        self.park(client);
        Ok(locked)
    }

    fn write_holder(
        &mut self,
        id: u64,
        name: &str,
        holder: &serde_json::Value,
    ) -> Result<(), StoreError> {
        let Some((client, _)) = self.held.get_mut(&id) else {
            return Err(StoreError::Postgres {
                target: self.target.shown().to_string(),
                reason: "the lease is no longer held".to_string(),
            });
        };
        let sql = format!(
            "INSERT INTO {LEASE_TABLE} (name, holder, updated_at) VALUES ($1, $2, now()) \
             ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, updated_at = now()"
        );
        client
            .execute(&sql, &[&name, holder])
            .map(|_| ())
            .map_err(|e| self.target.error(&e, "cannot record the lease holder"))
    }

    fn read_holder(
        &mut self,
        name: &str,
        key: i64,
    ) -> Result<Option<serde_json::Value>, StoreError> {
        let (high, low) = key_halves(key);
        let sql = format!(
            "SELECT holder FROM {LEASE_TABLE} WHERE name = $1 AND EXISTS (SELECT 1 FROM pg_locks l \
             JOIN pg_database d ON d.oid = l.database WHERE l.locktype = 'advisory' \
             AND d.datname = current_database() AND l.classid::bigint = $2 \
             AND l.objid::bigint = $3 AND l.objsubid = 1 AND l.granted)"
        );
        let (holder, client) = self.with_session("cannot read the lease holder", |c| {
            c.query_opt(&sql, &[&name, &high, &low])
                .map(|row| row.map(|r| r.get::<_, serde_json::Value>(0)))
        })?;
        self.park(client);
        Ok(holder)
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
