//! The database (SPEC 2.6): document schema, encryption of secret fields, the secret store and
//! the event log, kept in the local JSON database (atomic durable writes, the file lock) or in a
//! shared PostgreSQL database (`pg`), behind one `Store`.

mod commit;
pub(crate) mod crypto;
pub(crate) mod db;
pub(crate) mod document;
pub(crate) mod error;
pub(crate) mod export;
mod file;
mod handle;
pub(crate) mod key_source;
pub(crate) mod location;
mod log;
mod migrate;
pub mod parts;
pub mod paths;
pub mod pg;
pub mod secrets;
pub(crate) mod table;

pub use crypto::{Binding, Cipher, KeySource};
pub use document::{DEFAULT_RECONCILE_INTERVAL, Document, NewEvent, SCHEMA_VERSION, Settings};
pub use error::StoreError;
pub use export::{ExportFormat, render_export};
pub use handle::{Stamp, Store};
pub use location::Location;
