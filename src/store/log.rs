//! The commit log `<db>.d/log.jsonl`: the database's single commit point. Its first line is
//! `{"logStart":N}`; every other line is one committed write, `{"seq":N,"buckets":[..],"ops":[..]}`,
//! holding only what that write changed (whole rows: a rotation, a secret with its history, an
//! event, the connections, the small header). A write is committed once its line is appended
//! (and, for a durable write, fdatasynced). A last line without its newline is a write that
//! never finished: readers ignore it and the next writer cuts it off.

use std::collections::{BTreeSet, VecDeque};
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use uuid::Uuid;

use crate::model::event::MAX_EVENTS;
use crate::model::{Connection, Event, Rotation, Sealed, SecretEntry};

use super::document::Settings;
use super::parts::bucket_of;
use super::table::Row;
use super::{Document, StoreError};

impl Row for Rotation {
    type Key = Uuid;
    fn key(&self) -> Uuid {
        self.id
    }
}

impl Row for SecretEntry {
    type Key = (String, String, String);
    fn key(&self) -> Self::Key {
        (
            self.environment.clone(),
            self.secret_path.clone(),
            self.name.clone(),
        )
    }
}

/// The document's small fields, logged whole when any of them changes (rarely: the event
/// counter is not among them, it follows the events).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Header {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_check: Option<Sealed>,
    #[serde(default)]
    pub settings: Settings,
}

impl Header {
    pub(crate) fn of(doc: &Document) -> Header {
        Header {
            key_check: doc.key_check.clone(),
            settings: doc.settings.clone(),
        }
    }
}

/// One change; each belongs to one part of the checkpoint (see `parts`).
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) enum Op {
    Header(Header),
    Connections(Vec<Connection>),
    Rotation(Box<Rotation>),
    RotationRemoved(Uuid),
    Event(Box<Event>),
    Secret(Box<SecretEntry>),
    SecretRemoved((String, String, String)),
}

/// Which part of the checkpoint an op changes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    Manifest,
    Rotations,
    Events,
    Bucket(u8),
}

impl Op {
    pub(crate) fn part(&self) -> Part {
        match self {
            Op::Header(_) | Op::Connections(_) => Part::Manifest,
            Op::Rotation(_) | Op::RotationRemoved(_) => Part::Rotations,
            Op::Event(_) => Part::Events,
            Op::Secret(s) => Part::Bucket(bucket_of(&s.environment, &s.secret_path)),
            Op::SecretRemoved((env, path, _)) => Part::Bucket(bucket_of(env, path)),
        }
    }

    /// Applies the op to `doc` without marking anything (the rows are what is on disk).
    pub(crate) fn apply(self, doc: &mut Document) {
        match self {
            Op::Header(h) => {
                doc.key_check = h.key_check;
                doc.settings = h.settings;
            }
            Op::Connections(c) => doc.connections = c,
            Op::Rotation(r) => doc.rotations.put_clean(*r),
            Op::RotationRemoved(id) => doc.rotations.remove_clean(&id),
            Op::Event(e) => {
                doc.next_event_seq = doc.next_event_seq.max(e.seq.saturating_add(1));
                push_event_clean(&mut doc.events, *e);
            }
            Op::Secret(s) => doc.secrets.put_clean(*s),
            Op::SecretRemoved(key) => doc.secrets.remove_clean(&key),
        }
    }
}

fn push_event_clean(events: &mut VecDeque<Event>, event: Event) {
    if events.back().is_some_and(|last| last.seq >= event.seq) {
        return; // already there (replayed onto a part that holds it)
    }
    events.push_back(event);
    while events.len() > MAX_EVENTS {
        events.pop_front();
    }
}

/// What the document looked like before a round, enough to find what the round changed.
pub(crate) struct Before {
    header: Header,
    connections: Vec<Connection>,
    last_event_seq: u64,
    events_len: usize,
    rotations_origin: u64,
    secrets_origin: u64,
}

impl Before {
    pub(crate) fn of(doc: &Document) -> Before {
        Before {
            header: Header::of(doc),
            connections: doc.connections.clone(),
            last_event_seq: doc.events.back().map_or(0, |e| e.seq),
            events_len: doc.events.len(),
            rotations_origin: doc.rotations.origin(),
            secrets_origin: doc.secrets.origin(),
        }
    }
}

/// The ops that turn the `before` document into `doc`, or `None` when the change cannot be
/// expressed row by row (a table or the event log replaced wholesale): then the caller writes
/// a full checkpoint instead.
pub(crate) fn changes(before: &Before, doc: &Document) -> Option<Vec<Op>> {
    if doc.rotations.origin() != before.rotations_origin
        || doc.secrets.origin() != before.secrets_origin
    {
        return None;
    }
    // The events the round did not add must be the ones that were there (minus trimming).
    let old_kept = doc
        .events
        .iter()
        .take_while(|e| e.seq <= before.last_event_seq)
        .count();
    let added = doc.events.len() - old_kept;
    let trimmed = (before.events_len + added)
        .saturating_sub(MAX_EVENTS)
        .min(before.events_len);
    if old_kept != before.events_len - trimmed
        || (old_kept > 0 && doc.events[old_kept - 1].seq != before.last_event_seq)
    {
        return None;
    }
    let mut ops = Vec::new();
    let header = Header::of(doc);
    if header != before.header {
        ops.push(Op::Header(header));
    }
    if doc.connections != before.connections {
        ops.push(Op::Connections(doc.connections.clone()));
    }
    let (rotations, removed) = doc.rotations.changes();
    ops.extend(removed.into_iter().map(Op::RotationRemoved));
    ops.extend(
        rotations
            .into_iter()
            .map(|r| Op::Rotation(Box::new(r.clone()))),
    );
    let (secrets, removed) = doc.secrets.changes();
    ops.extend(removed.into_iter().map(Op::SecretRemoved));
    ops.extend(secrets.into_iter().map(|s| Op::Secret(Box::new(s.clone()))));
    ops.extend(
        doc.events
            .iter()
            .skip(old_kept)
            .map(|e| Op::Event(Box::new(e.clone()))),
    );
    Some(ops)
}

/// `seq`, `manifest` and `buckets` come first and hold no strings, so a reader that wants
/// one bucket can read them without parsing the ops (see `Line::prefix`).
#[derive(Serialize)]
struct LineOut<'a> {
    seq: u64,
    manifest: bool,
    buckets: Vec<u8>,
    ops: &'a [Op],
}

/// One log line for `ops` as commit `seq`, newline included.
pub(crate) fn line(seq: u64, ops: &[Op]) -> Result<Vec<u8>, serde_json::Error> {
    let buckets: BTreeSet<u8> = ops
        .iter()
        .filter_map(|op| match op.part() {
            Part::Bucket(b) => Some(b),
            _ => None,
        })
        .collect();
    let mut bytes = serde_json::to_vec(&LineOut {
        seq,
        manifest: ops.iter().any(|op| op.part() == Part::Manifest),
        buckets: buckets.into_iter().collect(),
        ops,
    })?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// The first line of a log: every commit after `applied` follows.
pub(crate) fn header_line(applied: u64) -> Vec<u8> {
    format!("{{\"logStart\":{}}}\n", applied + 1).into_bytes()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Start {
    log_start: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LineIn<'a> {
    seq: u64,
    #[serde(default)]
    manifest: bool,
    #[serde(default)]
    buckets: Vec<u8>,
    #[serde(borrow)]
    #[allow(dead_code)] // validated here, parsed by `Line::ops`
    ops: &'a RawValue,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Prefix {
    seq: u64,
    #[serde(default)]
    manifest: bool,
    #[serde(default)]
    buckets: Vec<u8>,
}

#[derive(Deserialize)]
struct Ops {
    ops: Vec<Op>,
}

/// A parsed log: its start, its complete lines, and how many bytes they span.
pub(crate) struct Log<'a> {
    pub start: u64,
    pub lines: Vec<Line<'a>>,
    /// Bytes up to the end of the last complete line.
    pub complete: usize,
}

pub(crate) struct Line<'a> {
    pub seq: u64,
    /// The commit changes the manifest's fields (header, connections).
    pub manifest: bool,
    pub buckets: Vec<u8>,
    text: &'a str,
}

impl Line<'_> {
    pub(crate) fn ops(&self, path: &Path) -> Result<Vec<Op>, StoreError> {
        serde_json::from_str::<Ops>(self.text)
            .map(|o| o.ops)
            .map_err(|e| corrupt(path, self.seq, &e))
    }

    /// Only the fields before `ops`, when the line is laid out as we write it.
    fn prefix(text: &str) -> Option<Prefix> {
        let end = text.find(",\"ops\":")?;
        serde_json::from_str(&format!("{}}}", &text[..end])).ok()
    }
}

fn corrupt(path: &Path, seq: u64, e: &serde_json::Error) -> StoreError {
    StoreError::Corrupt {
        path: path.to_path_buf(),
        reason: format!("commit {seq}: {e}"),
    }
}

/// Parses the log `bytes` (from its start, or a tail read from a line boundary when `tail`, in
/// which case there is no start line); `path` names the file in errors. `skim`: only each
/// line's prefix is read (the ops are parsed, and checked, when asked for).
pub(crate) fn parse<'a>(
    path: &Path,
    bytes: &'a [u8],
    tail: bool,
    skim: bool,
) -> Result<Log<'a>, StoreError> {
    let complete = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    let text = std::str::from_utf8(&bytes[..complete]).map_err(|e| StoreError::Corrupt {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    let mut lines = text.lines();
    let start = if tail {
        0
    } else {
        match lines.next() {
            Some(first) => {
                serde_json::from_str::<Start>(first)
                    .map_err(|e| StoreError::Corrupt {
                        path: path.to_path_buf(),
                        reason: format!("first line: {e}"),
                    })?
                    .log_start
            }
            None => 0,
        }
    };
    let mut parsed = Vec::new();
    let mut last = None;
    for (n, text) in lines.enumerate() {
        let head = match skim.then(|| Line::prefix(text)).flatten() {
            Some(p) => p,
            None => {
                let line: LineIn = serde_json::from_str(text).map_err(|e| StoreError::Corrupt {
                    path: path.to_path_buf(),
                    reason: format!("line {}: {e}", n + 2),
                })?;
                Prefix {
                    seq: line.seq,
                    manifest: line.manifest,
                    buckets: line.buckets,
                }
            }
        };
        if last.is_some_and(|l| head.seq <= l) {
            return Err(StoreError::Corrupt {
                path: path.to_path_buf(),
                reason: format!("commit {} is out of order", head.seq),
            });
        }
        last = Some(head.seq);
        parsed.push(Line {
            seq: head.seq,
            manifest: head.manifest,
            buckets: head.buckets,
            text,
        });
    }
    Ok(Log {
        start,
        lines: parsed,
        complete,
    })
}
