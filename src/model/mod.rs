//! The domain with no I/O: connections, rotations, secrets, events, validation, password
//! generation, the permission-scope grammar and schedule arithmetic.

pub(crate) mod connection;
pub mod event;
pub(crate) mod identity;
pub(crate) mod password;
pub(crate) mod reference;
pub mod request;
pub mod rotation;
pub(crate) mod rules;
mod rules_connection;
mod rules_parameters;
mod rules_patch;
mod rules_rotation;
pub mod schedule;
pub(crate) mod scope;
pub(crate) mod scope_categories;
mod scope_commands;
mod scope_rule;
pub mod secret;
pub(crate) mod sensitive;
pub(crate) mod sink;
pub(crate) mod strict;
pub(crate) mod suggest;
pub(crate) mod text;
pub mod validation;

#[cfg(test)]
mod tests;

pub use connection::{Connection, TlsSettings, TopologyKind};
pub use event::{Event, EventKind, Outcome};
pub(crate) use identity::{NodeIds, ServerIdentity};
pub use reference::{Resolution, RotationRef};
pub use rotation::{
    HeldState, Journal, JournalKind, Parameters, PasswordRequirements, RequiredChars, RotateAt,
    Rotation, RotationStatus, SecretsMapping, Slot, SlotCredential, StragglerMode, StragglerPolicy,
    Strategy,
};
pub use secret::{SecretEntry, SecretVersion};
pub use sensitive::{Password, Sealed};
pub(crate) use validation::{FieldError, ValidationErrors};
