//! The shared PostgreSQL store (`--db postgres://…`, SPEC 2.6 and issue "Several bastions, one
//! state"): the same document as the JSON database, stored as JSONB rows, for several hosts
//! sharing one state.
//!
//! The `postgres` client runs its own small runtime per connection, which must never be entered
//! from a tokio worker: every client here lives on a thread of the store's own.

pub mod listen;
pub mod password;
mod target;

pub use listen::Listener;
pub use target::Target;

/// The channel every commit is announced on (`NOTIFY`), for consoles and daemons elsewhere.
pub const CHANGES_CHANNEL: &str = "redis_rotator_changes";
