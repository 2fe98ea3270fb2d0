//! What the engine hands back to its faces besides rotations: credentials, session counts,
//! delete outcomes.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::model::{Password, Slot};

/// One slot's credential, opened (shown only by `rotation credentials` and the reveal action).
#[derive(Clone, Debug)]
pub struct SlotView {
    pub slot: Slot,
    pub username: String,
    pub password: Password,
    pub created_at: DateTime<Utc>,
    /// Why this credential may not authenticate right now (a change in flight or interrupted
    /// is re-keying or revoking it); `None` when the store's word holds.
    pub unverified: Option<String>,
}

/// The active credential and the previous one (still valid until the next rotation).
#[derive(Clone, Debug)]
pub struct Credentials {
    pub active: SlotView,
    pub previous: Option<SlotView>,
}

/// Sessions authenticated as a user and failed AUTHs for it, summed over every node.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SessionCounts {
    pub sessions: usize,
    pub failed_auths: u64,
    /// Nodes that could not be asked.
    pub unreachable: usize,
}

/// What a delete did and what it left in place.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeleteOutcome {
    pub name: String,
    pub revoked_users: Vec<String>,
    pub deleted_secrets: Vec<String>,
    /// Sentences naming what stays (users on the server, secrets in the store).
    pub kept: Vec<String>,
}
