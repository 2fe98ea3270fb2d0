//! The JSONB rows: the meta row's manifest (the document's fields that are not rows) and the
//! parsing of every row read, a row that does not parse named by its table and key.

use std::fmt::Display;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::model::{Connection, Sealed};
use crate::store::document::Settings;
use crate::store::{Document, StoreError};

use super::Target;

/// The document's fields that are not rows, as the meta row holds them.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Manifest {
    pub schema_version: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_check: Option<Sealed>,
    #[serde(default)]
    pub next_event_seq: u64,
    #[serde(default)]
    pub settings: Settings,
    #[serde(default)]
    pub connections: Vec<Connection>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ManifestOut<'a> {
    schema_version: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    key_check: &'a Option<Sealed>,
    next_event_seq: u64,
    settings: &'a Settings,
    connections: &'a [Connection],
}

/// The manifest of `doc` as JSON text.
pub fn manifest_text(target: &Target, doc: &Document) -> Result<String, StoreError> {
    to_text(
        target,
        &ManifestOut {
            schema_version: doc.schema_version,
            key_check: &doc.key_check,
            next_event_seq: doc.next_event_seq,
            settings: &doc.settings,
            connections: &doc.connections,
        },
    )
}

/// A value as JSON text (what the statements cast to JSONB).
pub fn to_text<T: Serialize + ?Sized>(target: &Target, value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Postgres {
        target: target.shown().to_string(),
        reason: format!("cannot encode a row ({e})"),
    })
}

/// A row read back; one that does not parse is `Corrupt`, named by its table and key.
pub fn parse<T: DeserializeOwned>(
    target: &Target,
    table: &str,
    key: impl Display,
    text: &str,
) -> Result<T, StoreError> {
    crate::model::strict::from_str(text).map_err(|e| corrupt(target, table, key, e))
}

pub fn corrupt(
    target: &Target,
    table: &str,
    key: impl Display,
    reason: impl Display,
) -> StoreError {
    StoreError::Corrupt {
        path: target.shown().into(),
        reason: format!("table {table}, row {key}: {reason}"),
    }
}
