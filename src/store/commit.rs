//! Group commit: concurrent `Store::update` callers in one process share one durable write.
//!
//! Callers queue their closure and wait on a channel. The first caller to find no leader becomes
//! the leader: it runs one round (the `write` callback takes the file lock, loads the document,
//! calls `apply`, which drains the queue and runs every closure in order, then writes once), hands
//! each caller its result, and passes leadership to the next queued caller, if any. So no caller
//! waits for more than the round in flight plus its own, and a busy process writes once per
//! round instead of once per closure.

use std::any::Any;
use std::cell::Cell;
use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::mpsc::{self, Sender};
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::{Document, StoreError};

/// At most this many closures share one write, so one round never grows without bound.
const MAX_BATCH: usize = 4096;

/// What a closure produced: whether it succeeded (an `Err` means "nothing changed") and its
/// boxed `Result<T, E>`.
pub(crate) struct Applied {
    pub ok: bool,
    pub value: Box<dyn Any + Send>,
}

pub(crate) type Job = Box<dyn FnOnce(&mut Document) -> Applied + Send>;

/// What `submit` hands back.
pub(crate) enum Outcome {
    /// The closure ran and, if it succeeded, its change is durable.
    Value(Box<dyn Any + Send>),
    /// The closure succeeded but the write failed (or the database could not be read).
    Failed(StoreError),
    /// The leading thread died before answering (a bug elsewhere; nothing was written for us).
    Abandoned,
    /// `update` was called from inside an update closure, which would wait on itself forever.
    Nested,
}

enum Reply {
    Lead,
    Done(Box<dyn Any + Send>),
    Failed(StoreError),
    Panicked(Box<dyn Any + Send>),
}

struct Pending {
    job: Job,
    durable: bool,
    reply: Sender<Reply>,
}

/// What one round's closures did: whether any succeeded (so there is something to write) and
/// whether any of those asked for a durable write before its caller is answered.
#[derive(Clone, Copy, Default)]
pub(crate) struct Round {
    pub changed: bool,
    pub durable: bool,
}

#[derive(Default)]
struct State {
    jobs: VecDeque<Pending>,
    leading: bool,
}

#[derive(Default)]
pub(crate) struct GroupCommit {
    state: Mutex<State>,
}

thread_local! {
    /// Set while this thread runs an update closure.
    static APPLYING: Cell<bool> = const { Cell::new(false) };
}

/// True inside an update closure (where the document is being changed in place).
pub(crate) fn applying() -> bool {
    APPLYING.get()
}

impl GroupCommit {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues `job` and blocks until it has been applied and written. `write` performs one round:
    /// it must call `apply` on the current document at most once, under the file lock, and write
    /// the document afterwards when `apply` returned true. A panic in `job` is resumed here.
    pub(crate) fn submit<W>(&self, job: Job, durable: bool, write: W) -> Outcome
    where
        W: Fn(&mut dyn FnMut(&mut Document) -> Round) -> Result<(), StoreError>,
    {
        if APPLYING.get() {
            return Outcome::Nested;
        }
        let (reply, answers) = mpsc::channel();
        let lead = {
            let mut state = self.state();
            state.jobs.push_back(Pending {
                job,
                durable,
                reply,
            });
            !std::mem::replace(&mut state.leading, true)
        };
        if lead {
            self.lead(&write);
        }
        loop {
            match answers.recv() {
                Ok(Reply::Lead) => self.lead(&write),
                Ok(Reply::Done(value)) => return Outcome::Value(value),
                Ok(Reply::Failed(e)) => return Outcome::Failed(e),
                Ok(Reply::Panicked(payload)) => resume_unwind(payload),
                Err(_) => return Outcome::Abandoned,
            }
        }
    }

    /// One round as leader.
    fn lead<W>(&self, write: &W)
    where
        W: Fn(&mut dyn FnMut(&mut Document) -> Round) -> Result<(), StoreError>,
    {
        let _handoff = Handoff(self);
        let mut applied: Vec<(Sender<Reply>, std::thread::Result<Applied>)> = Vec::new();
        let mut called = false;
        let result = write(&mut |doc: &mut Document| {
            called = true;
            let mut round = Round::default();
            while applied.len() < MAX_BATCH {
                let Some(pending) = self.state().jobs.pop_front() else {
                    break;
                };
                APPLYING.set(true);
                let outcome = catch_unwind(AssertUnwindSafe(|| (pending.job)(doc)));
                APPLYING.set(false);
                let ok = outcome.as_ref().is_ok_and(|a| a.ok);
                round.changed |= ok;
                round.durable |= ok && pending.durable;
                applied.push((pending.reply, outcome));
            }
            round
        });
        let error = result.err();
        for (reply, outcome) in applied {
            let answer = match (outcome, &error) {
                (Err(payload), _) => Reply::Panicked(payload),
                (Ok(a), Some(e)) if a.ok => Reply::Failed(duplicate(e)),
                (Ok(a), _) => Reply::Done(a.value),
            };
            // A caller that went away no longer needs its answer.
            let _ = reply.send(answer);
        }
        if let Some(e) = error
            && !called
        {
            // The lock or the read failed before anything ran: every queued caller would hit
            // the same wall, so answer them all now rather than retrying in a loop.
            let queued: Vec<Pending> = self.state().jobs.drain(..).collect();
            for pending in queued {
                let _ = pending.reply.send(Reply::Failed(duplicate(&e)));
            }
        }
    }
}

/// Passes leadership on when a round ends, also when it ends by a panic, so queued callers are
/// never stranded.
struct Handoff<'a>(&'a GroupCommit);

impl Drop for Handoff<'_> {
    fn drop(&mut self) {
        let mut state = self.0.state();
        while let Some(next) = state.jobs.front() {
            if next.reply.send(Reply::Lead).is_ok() {
                return;
            }
            state.jobs.pop_front();
        }
        state.leading = false;
    }
}

/// The same error for another caller (`StoreError` is not `Clone` because `io::Error` is not).
fn duplicate(e: &StoreError) -> StoreError {
    match e {
        StoreError::Io { path, source } => StoreError::Io {
            path: path.clone(),
            source: std::io::Error::new(source.kind(), source.to_string()),
        },
        StoreError::Corrupt { path, reason } => StoreError::Corrupt {
            path: path.clone(),
            reason: reason.clone(),
        },
        StoreError::FutureSchema {
            path,
            found,
            supported,
        } => StoreError::FutureSchema {
            path: path.clone(),
            found: *found,
            supported: *supported,
        },
        StoreError::WrongKey { path, key } => StoreError::WrongKey {
            path: path.clone(),
            key: key.clone(),
        },
        StoreError::Key { key, reason } => StoreError::Key {
            key: key.clone(),
            reason: reason.clone(),
        },
        StoreError::Damaged { path, what } => StoreError::Damaged {
            path: path.clone(),
            what: what.clone(),
        },
        StoreError::Empty { path } => StoreError::Empty { path: path.clone() },
        StoreError::Postgres { target, reason } => StoreError::Postgres {
            target: target.clone(),
            reason: reason.clone(),
        },
    }
}
