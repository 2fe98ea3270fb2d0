//! The local JSON database (SPEC 2.6): document schema, atomic durable writes, the file lock,
//! encryption of secret fields, the secret store and the event log.

mod commit;
pub mod crypto;
pub mod db;
pub mod document;
pub mod error;
pub mod export;
mod file;
pub mod key_source;
pub mod location;
mod log;
mod migrate;
pub mod parts;
pub mod paths;
pub mod pg;
pub mod secrets;
pub mod table;

pub use crypto::{Binding, Cipher, KeySource};
pub use db::Store;
pub use document::{DEFAULT_RECONCILE_INTERVAL, Document, NewEvent, SCHEMA_VERSION, Settings};
pub use error::StoreError;
pub use export::{ExportFormat, render_export};
pub use key_source::{KeyOrigin, ResolvedKey};
pub use location::Location;
pub use table::Table;
