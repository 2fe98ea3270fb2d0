//! Interrupted changes (SPEC 2.3 recovery, issue 10 item 5): a rotation stored as `rotating`
//! with a journal whose lock no process holds was stopped by a crash. Read-only views say so
//! (`interrupted`, never `rotating…`) without writing anything; the scheduler of a running
//! console or daemon finishes it as soon as it notices (see `scheduler::due_at`).

use std::sync::Arc;

use crate::model::{Rotation, RotationStatus};
use crate::store::Document;

use super::{Engine, EngineError};

impl Engine {
    /// Whether `r` is in flight with nobody working on it.
    pub(crate) fn is_interrupted(&self, r: &Rotation) -> bool {
        r.pending.is_some()
            && r.rotation_status == RotationStatus::Rotating
            && !self.inner.locks.is_rotation_locked(r.id)
    }

    /// `r` as an operator should see it: `interrupted` instead of `rotating` when no process
    /// is working on it.
    pub(crate) fn shown(&self, mut r: Rotation) -> Rotation {
        if self.is_interrupted(&r) {
            r.rotation_status = RotationStatus::Interrupted;
        }
        r
    }

    /// The current document with every rotation as `shown` (the stored one is not changed).
    pub(crate) fn shown_snapshot(&self) -> Result<Arc<Document>, EngineError> {
        let doc = self.snapshot()?;
        if !doc.rotations.iter().any(|r| self.is_interrupted(r)) {
            return Ok(doc);
        }
        let mut shown = (*doc).clone();
        for r in &mut shown.rotations {
            if self.is_interrupted(r) {
                r.rotation_status = RotationStatus::Interrupted;
            }
        }
        Ok(Arc::new(shown))
    }
}
