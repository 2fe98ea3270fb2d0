//! A rotation of type `redis-credentials` (SPEC 2.2, 2.3): the seed document's fields plus the
//! two credential slots and the pending-rotation journal that make it crash safe.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Sealed;

pub(crate) const ROTATION_TYPE: &str = "redis-credentials";
pub(crate) const DEFAULT_SCOPE: &str = "~* +@all";
pub(crate) const DEFAULT_SYMBOLS: &str = "-_.~!*";
pub(crate) const DEFAULT_LENGTH: u32 = 48;

/// Slot 0 or slot 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "u8", try_from = "u8")]
pub enum Slot {
    Zero,
    One,
}

impl Slot {
    pub(crate) fn index(self) -> usize {
        match self {
            Slot::Zero => 0,
            Slot::One => 1,
        }
    }

    pub(crate) fn other(self) -> Slot {
        match self {
            Slot::Zero => Slot::One,
            Slot::One => Slot::Zero,
        }
    }
}

impl From<Slot> for u8 {
    fn from(s: Slot) -> u8 {
        s.index() as u8
    }
}

impl TryFrom<u8> for Slot {
    type Error = String;
    fn try_from(v: u8) -> Result<Self, String> {
        match v {
            0 => Ok(Slot::Zero),
            1 => Ok(Slot::One),
            other => Err(format!("slot must be 0 or 1, not {other}")),
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RotateAt {
    pub hours: u8,
    pub minutes: u8,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RequiredChars {
    pub(crate) digits: u32,
    pub(crate) lowercase: u32,
    pub(crate) uppercase: u32,
    pub(crate) symbols: u32,
}

impl Default for RequiredChars {
    fn default() -> Self {
        Self {
            digits: 1,
            lowercase: 1,
            uppercase: 1,
            symbols: 0,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PasswordRequirements {
    pub(crate) length: u32,
    pub(crate) required: RequiredChars,
    pub(crate) allowed_symbols: String,
}

impl Default for PasswordRequirements {
    fn default() -> Self {
        Self {
            length: DEFAULT_LENGTH,
            required: RequiredChars::default(),
            allowed_symbols: DEFAULT_SYMBOLS.to_string(),
        }
    }
}

/// How a rotation keeps two valid credentials (SPEC 2.3).
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::Display,
    strum::EnumString,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum Strategy {
    /// Two ACL users, `<base>-0` and `<base>-1`, one password each.
    #[default]
    TwoUsers,
    /// One ACL user (`parameters.username`) holding at most two passwords.
    OneUser,
}

impl Strategy {
    pub(crate) fn is_two_users(&self) -> bool {
        *self == Strategy::TwoUsers
    }
}

/// What a scheduled re-key does while clients still use the slot about to be re-keyed.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::Display,
    strum::EnumString,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum StragglerMode {
    /// Re-key anyway (their connections stay up; their reconnects fail).
    #[default]
    Rotate,
    /// Hold the re-key while sessions remain, at most `maxWaitHours`.
    Wait,
}

/// The longest a scheduled re-key may wait for stragglers: 30 days.
pub(crate) const MAX_WAIT_HOURS: u32 = 720;

/// `parameters.stragglerPolicy`: `{mode: rotate}` (default) or `{mode: wait, maxWaitHours}`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StragglerPolicy {
    pub(crate) mode: StragglerMode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) max_wait_hours: Option<u32>,
}

impl StragglerPolicy {
    pub(crate) fn is_rotate(&self) -> bool {
        self.mode == StragglerMode::Rotate
    }

    /// The longest hold, when the policy waits.
    pub(crate) fn max_wait(&self) -> Option<chrono::Duration> {
        match self.mode {
            StragglerMode::Wait => Some(chrono::Duration::hours(i64::from(
                self.max_wait_hours.unwrap_or(0),
            ))),
            StragglerMode::Rotate => None,
        }
    }
}

/// A scheduled re-key held back because the slot still has live sessions (internal).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HeldState {
    /// When the re-key was due (the hold counts from there).
    pub(crate) since: DateTime<Utc>,
    /// It rotates anyway from then on.
    pub until: DateTime<Utc>,
    /// When the sessions are counted again.
    pub(crate) next_check_at: DateTime<Utc>,
    /// Sessions on the slot at the last count.
    pub sessions: usize,
    /// The ACL user they are authenticated as.
    pub username: String,
}

/// The built-in user behind `requirepass`: its passwords rotate, its permissions never change.
pub(crate) const DEFAULT_USER: &str = "default";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Parameters {
    pub(crate) password_requirements: PasswordRequirements,
    pub permission_scope: String,
    /// Base of the two ACL usernames (`<base>-0`, `<base>-1`); the rotation name when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) username_prefix: Option<String>,
    /// `two-users` (default) or `one-user`.
    #[serde(default, skip_serializing_if = "Strategy::is_two_users")]
    pub(crate) strategy: Strategy,
    /// One-user: the ACL user whose passwords rotate. Two-users: the existing user that was
    /// adopted (left untouched), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) username: Option<String>,
    /// Hold a scheduled re-key while the slot still has live sessions (`wait`), or not.
    #[serde(default, skip_serializing_if = "StragglerPolicy::is_rotate")]
    pub(crate) straggler_policy: StragglerPolicy,
}

impl Default for Parameters {
    fn default() -> Self {
        Self {
            password_requirements: PasswordRequirements::default(),
            permission_scope: DEFAULT_SCOPE.to_string(),
            username_prefix: None,
            strategy: Strategy::TwoUsers,
            username: None,
            straggler_policy: StragglerPolicy::default(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretsMapping {
    pub username: String,
    pub password: String,
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, strum::Display, strum::EnumString,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum RotationStatus {
    Success,
    Failed,
    Rotating,
    /// Shown, never stored: the rotation is `rotating` with a journal but no process holds its
    /// lock, so a crash stopped it midway. A running console or daemon, or the next command
    /// that changes anything, finishes it (SPEC 2.3 recovery).
    Interrupted,
}

/// One slot's credential as the store knows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SlotCredential {
    pub username: String,
    pub password: Sealed,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JournalKind {
    Create,
    Rotate,
    /// `rotation delete --revoke`: both users leave every node, then the rotation the store.
    Revoke,
    /// A new permission scope for both users (`rotation update`).
    Scope,
}

/// The durable record of a change in flight, written before Redis is touched (SPEC 2.3 step 1):
/// a rotation (create, rotate) or a change of both users (revoke, scope).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Journal {
    pub job_id: Uuid,
    pub kind: JournalKind,
    /// The slot re-keyed (revoke, scope: the active slot; the change covers `users`).
    pub slot: Slot,
    pub username: String,
    /// The new password (create, rotate); revoke and scope changes carry none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<Sealed>,
    /// One-user create that adopts an existing user: its current password, which stays valid
    /// as the previous credential (slot 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adopted: Option<Sealed>,
    /// Revoke and scope: every user the change touches.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<String>,
    /// Scope: the permission scope before the change (what compensation restores).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_scope: Option<String>,
    /// Scope: the permission scope being applied (what recovery rolls forward to).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_scope: Option<String>,
    /// Scope: the whole update the new scope is part of, so recovery finishes all of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patch: Option<crate::model::request::RotationRequest>,
    /// Revoke: whether the mapped secrets go too once the users are gone.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub delete_secrets: bool,
    /// The node addresses the change goes to, as discovered at record time.
    pub nodes: Vec<String>,
    pub started_at: DateTime<Utc>,
}

/// Retry bookkeeping for a due rotation that failed (SPEC 2.4 backoff).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RetryState {
    pub attempts: u32,
    pub next_attempt_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Rotation {
    pub id: Uuid,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    pub connection_id: Uuid,
    pub environment: String,
    pub secret_path: String,
    pub is_auto_rotation_enabled: bool,
    pub rotation_interval: u32,
    pub rotate_at_utc: RotateAt,
    pub parameters: Parameters,
    pub secrets_mapping: SecretsMapping,
    /// Where the credentials are delivered after every promotion.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sinks: Vec<super::sink::Sink>,
    pub active_index: Slot,
    pub rotation_status: RotationStatus,
    pub last_rotation_attempted_at: Option<DateTime<Utc>>,
    pub last_rotated_at: Option<DateTime<Utc>>,
    pub last_rotation_job_id: Option<Uuid>,
    pub next_rotation_at: Option<DateTime<Utc>>,
    pub last_rotation_message: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(rename = "type")]
    pub kind: String,
    /// Slot 0 and slot 1 credentials (internal; never part of `--json` output).
    #[serde(default)]
    pub slots: [Option<SlotCredential>; 2],
    /// A rotation in flight (internal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<Journal>,
    /// Backoff after failed due rotations (internal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<RetryState>,
    /// A scheduled re-key waiting for stragglers (internal; `stragglerPolicy` wait).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held: Option<HeldState>,
    /// Paths of the sinks still owed the current credential (internal): set by the promotion's
    /// own durable write, cleared per sink once delivered, so a crash or a sink that gave up is
    /// delivered by the next scheduler to start instead of forgotten.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sinks_owed: Vec<String>,
}

impl Rotation {
    /// The base of both ACL usernames.
    pub(crate) fn username_base(&self) -> &str {
        self.parameters
            .username_prefix
            .as_deref()
            .unwrap_or(&self.name)
    }

    /// The ACL user of a slot: `<base>-0` or `<base>-1`, or the one user of a one-user rotation.
    pub fn username_for(&self, slot: Slot) -> String {
        match (self.parameters.strategy, &self.parameters.username) {
            (Strategy::OneUser, Some(u)) => u.clone(),
            _ => username_for(self.username_base(), slot),
        }
    }

    pub(crate) fn is_one_user(&self) -> bool {
        self.parameters.strategy == Strategy::OneUser
    }

    /// Every ACL user the rotation owns, each once.
    pub(crate) fn usernames(&self) -> Vec<String> {
        let mut out = vec![self.username_for(Slot::Zero)];
        let other = self.username_for(Slot::One);
        if other != out[0] {
            out.push(other);
        }
        out
    }

    /// False for the `default` user: only its passwords change, never its permissions.
    pub(crate) fn manages_permissions(&self) -> bool {
        !(self.is_one_user() && self.parameters.username.as_deref() == Some(DEFAULT_USER))
    }

    pub(crate) fn slot(&self, slot: Slot) -> Option<&SlotCredential> {
        self.slots[slot.index()].as_ref()
    }

    pub(crate) fn active(&self) -> Option<&SlotCredential> {
        self.slot(self.active_index)
    }

    pub(crate) fn inactive_slot(&self) -> Slot {
        self.active_index.other()
    }
}

pub(crate) fn username_for(base: &str, slot: Slot) -> String {
    format!("{base}-{}", slot.index())
}
