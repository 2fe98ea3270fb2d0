//! `db copy --from FILE_OR_URL --to FILE_OR_URL`: moves a whole database between the two
//! backends (a local JSON file, a shared PostgreSQL database), the way a team migrates. The
//! source is read whole and every sealed value opened with the key before anything is written;
//! the destination must be empty; afterwards it is read back through a new handle and checked
//! (the same counts, every sealed value opens).

use std::ffi::OsStr;
use std::fmt;

use crate::model::Slot;
use crate::store::{Binding, Cipher, Document, KeySource, Location, Store, StoreError};

use super::args::DbCmd;
use super::{CliError, CliResult};

pub(crate) fn run(cmd: &DbCmd) -> CliResult {
    match cmd {
        DbCmd::Copy { from, to } => copy(from.as_os_str(), to.as_os_str()),
    }
}

/// What a database holds, as compared before and after a copy.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Counts {
    connections: usize,
    rotations: usize,
    secret_versions: usize,
    events: usize,
    sealed: usize,
}

impl Counts {
    fn is_empty(&self) -> bool {
        self.connections + self.rotations + self.secret_versions + self.events == 0
    }
}

impl fmt::Display for Counts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} connections, {} rotations, {} secret versions, {} events",
            self.connections, self.rotations, self.secret_versions, self.events
        )
    }
}

fn location(value: &OsStr) -> Result<Location, CliError> {
    Location::parse(value).map_err(|e| CliError::bad_input(e.to_string()))
}

fn copy(from: &OsStr, to: &OsStr) -> CliResult {
    let (from, to) = (location(from)?, location(to)?);
    if from.shown() == to.shown() {
        return Err(CliError::bad_input(format!(
            "--from and --to are the same database ({from}): give another destination"
        )));
    }
    let key = KeySource::from_env()?;
    let source = Store::open_at(from.clone(), key.clone());
    let doc = source.load()?;
    let expected = open_all(&doc, &source.cipher()?)
        .map_err(|e| CliError::failed(format!("source {from}: {e}; nothing was written")))?;
    if expected.is_empty() {
        return Err(CliError::bad_input(format!(
            "source {from} holds nothing to copy: check --from"
        )));
    }
    let destination = Store::open_at(to.clone(), key.clone());
    let there = destination.load()?;
    let found = count(&there);
    if !found.is_empty() || there.settings != Default::default() {
        return Err(CliError::bad_input(format!(
            "destination {to} is not empty ({found}): db copy writes only into an empty database; give a new file or an empty PostgreSQL database"
        )));
    }
    let copied: Document = (*doc).clone();
    destination.update(move |d| {
        *d = copied;
        Ok::<_, StoreError>(())
    })?;
    drop(destination);
    // Read back through a new handle: what another process would now see.
    let reread = Store::open_at(to.clone(), key);
    let written = reread.load()?;
    let got = open_all(&written, &reread.cipher()?)
        .map_err(|e| CliError::failed(format!("destination {to} after the copy: {e}")))?;
    if got != expected {
        return Err(CliError::failed(format!(
            "destination {to} after the copy holds {got} ({} sealed values), the source {expected} ({} sealed values): do not use it; empty it and copy again",
            got.sealed, expected.sealed
        )));
    }
    outln!(
        "copied {from} to {to}: {expected}; all {} sealed values open with the key",
        expected.sealed
    );
    Ok(())
}

fn count(doc: &Document) -> Counts {
    Counts {
        connections: doc.connections.len(),
        rotations: doc.rotations.len(),
        secret_versions: doc.secrets.iter().map(|s| s.versions.len()).sum(),
        events: doc.events.len(),
        sealed: 0,
    }
}

/// Opens every sealed value of `doc` (each bound to its place) and counts what it holds.
fn open_all(doc: &Document, cipher: &Cipher) -> Result<Counts, StoreError> {
    let mut counts = count(doc);
    let mut open = |sealed: &crate::model::Sealed, binding: Binding| {
        cipher.open(sealed, &binding).map(|_| counts.sealed += 1)
    };
    if let Some(check) = &doc.key_check {
        open(check, Binding::key_check())?;
    }
    for c in &doc.connections {
        if let Some(p) = &c.password {
            open(p, Binding::connection_password(c.id))?;
        }
        if let Some(p) = &c.sentinel_password {
            open(p, Binding::sentinel_password(c.id))?;
        }
    }
    for r in doc.rotations.iter() {
        for slot in [Slot::Zero, Slot::One] {
            if let Some(cred) = &r.slots[slot.index()] {
                open(&cred.password, Binding::slot_password(r.id, slot))?;
            }
        }
        if let Some(journal) = &r.pending {
            if let Some(p) = &journal.password {
                open(p, Binding::journal_password(r.id, journal.job_id))?;
            }
            if let Some(p) = &journal.adopted {
                open(p, Binding::journal_adopted_password(r.id, journal.job_id))?;
            }
        }
    }
    for s in doc.secrets.iter() {
        let binding = Binding::secret_value(&s.environment, &s.secret_path, &s.name);
        for v in &s.versions {
            open(&v.value, binding.clone())?;
        }
    }
    Ok(counts)
}
