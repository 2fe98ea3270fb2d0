//! The thread that owns a store's PostgreSQL session and its cached document. The `postgres`
//! client runs a runtime of its own, which panics when used or dropped on a tokio worker; so
//! callers (any thread, async code included) send jobs here and wait on a std channel, as they
//! would wait on file I/O. A session that broke is replaced by the next job; a read that failed
//! on a session found broken is tried once more on a new one.

use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender};

use postgres::Client;

use crate::store::log::Op;
use crate::store::{Document, StoreError};

use super::Target;
use super::read::{self, Cached};
use super::schema::{self, Statements};
use super::write;

/// Where a job's answer goes.
pub(crate) type Reply<T> = Sender<Result<T, StoreError>>;

pub(crate) enum Msg {
    /// The current document.
    Load(Reply<Arc<Document>>),
    /// The manifest's fields and one place's secrets (the cached document when current).
    Place {
        environment: String,
        secret_path: String,
        reply: Reply<Arc<Document>>,
    },
    /// Opens a write: the meta row locked, the document current. The worker then waits for
    /// the writer's `Finish` and does nothing else meanwhile.
    Begin(Reply<Begun>),
}

/// An open write: the document to change, and where to say how it ends.
pub(crate) struct Begun {
    pub doc: Arc<Document>,
    pub finish: Sender<Finish>,
}

pub(crate) enum Finish {
    /// Nothing to write: the transaction is rolled back and `doc` cached again.
    Unchanged(Document),
    /// Write `ops` (or every row of `doc` when `None`) as the next commit.
    Commit {
        doc: Document,
        ops: Option<Vec<Op>>,
        durable: bool,
        reply: Reply<()>,
    },
}

struct Session {
    client: Client,
    statements: Statements,
}

struct Worker {
    target: Target,
    origin: u64,
    session: Option<Session>,
    cached: Option<Cached>,
}

/// Starts a worker for `target`; it ends when the returned sender (every clone) is dropped,
/// closing its session on its own thread.
pub(crate) fn spawn(target: Target, origin: u64) -> std::io::Result<Sender<Msg>> {
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("store-pg".into())
        .spawn(move || {
            Worker {
                target,
                origin,
                session: None,
                cached: None,
            }
            .serve(&rx);
        })?;
    Ok(tx)
}

/// The session, connected (and the layout checked or created) when there is none or the last
/// one broke. A new session forgets the cached document: a session ends when the server
/// crashes (or fails over), which loses the commits it acknowledged but had not flushed yet
/// (the deferred ones: the promotion), and the next commit, from any host, then takes a lost
/// one's seq. A cache holding a lost commit would take that other commit for its own and keep
/// what the database no longer has (a rotation "promoted" here while the database holds its
/// journal, which the scheduler would then never finish), so it is read again.
fn session<'a>(
    slot: &'a mut Option<Session>,
    cached: &mut Option<Cached>,
    target: &Target,
) -> Result<&'a mut Session, StoreError> {
    let session = match slot.take() {
        Some(s) if !s.client.is_closed() => s,
        _ => {
            *cached = None;
            let mut client = target.connect()?;
            schema::ensure(&mut client, target)?;
            let statements = Statements::prepare(&mut client, target)?;
            Session { client, statements }
        }
    };
    Ok(slot.insert(session))
}

impl Worker {
    fn serve(&mut self, rx: &Receiver<Msg>) {
        while let Ok(msg) = rx.recv() {
            match msg {
                Msg::Load(reply) => {
                    let result = self.retrying(Worker::load);
                    let _ = reply.send(result);
                }
                Msg::Place {
                    environment,
                    secret_path,
                    reply,
                } => {
                    let result = self.retrying(|w| w.place(&environment, &secret_path));
                    let _ = reply.send(result);
                }
                Msg::Begin(reply) => self.write(&reply),
            }
        }
    }

    /// Runs `job`; when it failed on a session that turned out broken (the server restarted
    /// while this process was idle), once more on a new session.
    fn retrying<T>(
        &mut self,
        mut job: impl FnMut(&mut Worker) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let had_session = self.session.is_some();
        match job(self) {
            Err(_) if had_session && self.broken() => job(self),
            result => result,
        }
    }

    fn broken(&mut self) -> bool {
        let broken = self.session.as_ref().is_some_and(|s| s.client.is_closed());
        if broken {
            self.session = None;
        }
        broken
    }

    fn load(&mut self) -> Result<Arc<Document>, StoreError> {
        let s = session(&mut self.session, &mut self.cached, &self.target)?;
        let target = &self.target;
        let seq = read::head(&mut s.client, &s.statements, target, false)?;
        let cached = match self.cached.take() {
            Some(c) if c.seq == seq => c,
            previous => {
                // One snapshot for everything read (a writer elsewhere may commit meanwhile).
                let mut tx = s
                    .client
                    .build_transaction()
                    .isolation_level(postgres::IsolationLevel::RepeatableRead)
                    .read_only(true)
                    .start()
                    .map_err(|e| target.error(&e, "cannot read the redis-rotator tables"))?;
                let seq = read::head(&mut tx, &s.statements, target, false)?;
                let cached =
                    read::current(&mut tx, &s.statements, target, previous, seq, self.origin)?;
                tx.commit()
                    .map_err(|e| target.error(&e, "cannot read the redis-rotator tables"))?;
                cached
            }
        };
        let doc = Arc::clone(&cached.doc);
        self.cached = Some(cached);
        Ok(doc)
    }

    fn place(&mut self, environment: &str, secret_path: &str) -> Result<Arc<Document>, StoreError> {
        let s = session(&mut self.session, &mut self.cached, &self.target)?;
        if let Some(cached) = &self.cached {
            let seq = read::head(&mut s.client, &s.statements, &self.target, false)?;
            if cached.seq == seq {
                return Ok(Arc::clone(&cached.doc));
            }
        }
        read::place(
            &mut s.client,
            &s.statements,
            &self.target,
            environment,
            secret_path,
        )
        .map(Arc::new)
    }

    /// One write transaction; the cache is dropped unless it ends as planned.
    fn write(&mut self, reply: &Reply<Begun>) {
        let had_session = self.session.is_some();
        let mut result = self.write_once(reply);
        if let Err(e) = result {
            // Nothing was handed to the writer yet: a session that broke while idle is
            // replaced and the write begun again.
            result = if had_session && self.broken() {
                self.write_once(reply)
            } else {
                Err(e)
            };
        }
        if let Err(e) = result {
            let _ = reply.send(Err(e));
        }
    }

    /// Begins a write and sees it through. `Err`: it failed before the writer got the
    /// document (the caller answers); once handed over, every outcome goes to the writer.
    fn write_once(&mut self, reply: &Reply<Begun>) -> Result<(), StoreError> {
        let target = &self.target;
        let s = session(&mut self.session, &mut self.cached, target)?;
        let failed =
            |e: postgres::Error| target.error(&e, "cannot write to the redis-rotator tables");
        let mut tx = s.client.transaction().map_err(failed)?;
        let seq = read::head(&mut tx, &s.statements, target, true)?;
        let cached = read::current(
            &mut tx,
            &s.statements,
            target,
            self.cached.take(),
            seq,
            self.origin,
        )?;
        let (finish, finished) = mpsc::channel();
        if reply
            .send(Ok(Begun {
                doc: cached.doc,
                finish,
            }))
            .is_err()
        {
            return Ok(()); // the writer went away: the transaction rolls back on drop
        }
        match finished.recv() {
            Ok(Finish::Unchanged(doc)) => {
                let _ = tx.rollback();
                self.cached = Some(Cached {
                    doc: Arc::new(doc),
                    seq,
                });
            }
            Ok(Finish::Commit {
                mut doc,
                ops,
                durable,
                reply,
            }) => {
                let next = seq + 1;
                let result = write::commit(
                    &mut tx,
                    &s.statements,
                    target,
                    &doc,
                    ops.as_deref(),
                    next,
                    durable,
                )
                .and_then(|()| tx.commit().map_err(failed));
                if result.is_ok() {
                    doc.rotations.mark_clean(self.origin);
                    doc.secrets.mark_clean(self.origin);
                    self.cached = Some(Cached {
                        doc: Arc::new(doc),
                        seq: next,
                    });
                }
                let _ = reply.send(result);
            }
            // The writer stopped (a panic outside its closures): nothing is written.
            Err(_) => {}
        }
        Ok(())
    }
}
