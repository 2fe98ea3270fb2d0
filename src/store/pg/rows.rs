//! The JSONB rows: the same JSON as the JSON database's (the meta row holds its manifest), and
//! the parsing of every row read, a row that does not parse named by its table and key.

use std::fmt::Display;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::store::parts::manifest_json;
use crate::store::{Document, StoreError};

use super::Target;

/// The manifest of `doc` as JSON text (the JSON database's manifest: the document's fields
/// that are not rows, and the last commit it includes).
pub(crate) fn manifest_text(
    target: &Target,
    doc: &Document,
    seq: i64,
) -> Result<String, StoreError> {
    let json =
        manifest_json(doc, u64::try_from(seq).unwrap_or(0)).map_err(|e| encoding(target, &e))?;
    String::from_utf8(json).map_err(|e| encoding(target, &e))
}

fn encoding(target: &Target, e: &dyn Display) -> StoreError {
    StoreError::Postgres {
        target: target.shown().to_string(),
        reason: format!("cannot encode a row ({e})"),
    }
}

/// A value as JSON text (what the statements cast to JSONB).
pub(crate) fn to_text<T: Serialize + ?Sized>(
    target: &Target,
    value: &T,
) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| encoding(target, &e))
}

/// A row read back; one that does not parse is `Corrupt`, named by its table and key.
pub(crate) fn parse<T: DeserializeOwned>(
    target: &Target,
    table: &str,
    key: impl Display,
    text: &str,
) -> Result<T, StoreError> {
    crate::model::strict::from_str(text).map_err(|e| corrupt(target, table, key, e))
}

pub(crate) fn corrupt(
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
