//! The domain with no I/O: connections, rotations, secrets, events, validation, password
//! generation, the permission-scope grammar and schedule arithmetic.

pub mod connection;
pub mod event;
pub mod identity;
pub mod password;
pub mod reference;
pub mod request;
pub mod rotation;
pub mod rules;
mod rules_connection;
mod rules_parameters;
mod rules_patch;
mod rules_rotation;
pub mod schedule;
pub mod scope;
pub mod scope_categories;
mod scope_commands;
mod scope_rule;
pub mod secret;
pub mod sensitive;
pub mod sink;
pub mod strict;
pub mod suggest;
pub mod text;
pub mod validation;

#[cfg(test)]
mod tests;

pub use connection::{Connection, TlsSettings, TopologyKind};
pub use event::{Event, EventKind, Outcome};
pub use identity::{NodeIds, ServerIdentity};
pub use reference::{Resolution, RotationRef};
pub use rotation::{
    HeldState, Journal, JournalKind, Parameters, PasswordRequirements, RequiredChars, RotateAt,
    Rotation, RotationStatus, SecretsMapping, Slot, SlotCredential, StragglerMode, StragglerPolicy,
    Strategy,
};
pub use secret::{SecretEntry, SecretVersion};
pub use sensitive::{Password, Sealed};
pub use validation::{FieldError, ValidationErrors};
