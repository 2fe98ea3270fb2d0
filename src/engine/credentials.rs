//! The credentials of a rotation, opened, each with the store's confidence in it: a slot that a
//! change in flight (or a crash) is re-keying or revoking is marked unverified until the change
//! finishes, so a reader is never told a password works when it may get WRONGPASS.

use crate::model::{JournalKind, Rotation, RotationRef, Slot};
use crate::store::Binding;

use super::{Credentials, Engine, EngineError, SlotView};

impl Engine {
    /// The active and previous credentials, opened.
    pub fn credentials(
        &self,
        id_or_name: impl Into<RotationRef>,
    ) -> Result<Credentials, EngineError> {
        let r = self.find_rotation(id_or_name)?;
        let cipher = self.inner.store.cipher()?;
        let view = |slot: Slot| -> Result<Option<SlotView>, EngineError> {
            match r.slot(slot) {
                None => Ok(None),
                Some(c) => Ok(Some(SlotView {
                    slot,
                    username: c.username.clone(),
                    password: cipher.open(&c.password, &Binding::slot_password(r.id, slot))?,
                    created_at: c.created_at,
                    unverified: unverified(&r, slot),
                })),
            }
        };
        let active = view(r.active_index)?.ok_or_else(|| {
            EngineError::Refused(format!(
                "rotation `{}` has no active credential yet",
                r.name
            ))
        })?;
        Ok(Credentials {
            active,
            previous: view(r.active_index.other())?,
        })
    }
}

/// Why `slot`'s stored credential may not authenticate: a rotation re-keys it (the new password
/// may already be on some nodes), a revoke removes it. A create has no stored credential yet and
/// a new scope changes no password.
pub(crate) fn unverified(r: &Rotation, slot: Slot) -> Option<String> {
    let journal = r.pending.as_ref()?;
    let job = journal.job_id;
    match journal.kind {
        JournalKind::Rotate if journal.slot == slot => Some(format!(
            "unverified: job {job} is re-keying it and may already have replaced it on the servers; it is confirmed or replaced when that rotation finishes"
        )),
        JournalKind::Revoke => Some(format!(
            "unverified: job {job} is revoking this rotation's users; they may already be gone from the servers"
        )),
        _ => None,
    }
}
