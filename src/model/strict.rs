//! Strict JSON: every structure the program reads refuses fields it does not know
//! (`#[serde(deny_unknown_fields)]`), so a typo is an error instead of a silent default. This
//! turns serde's "unknown field" error into one that names the field and the closest known one.

use serde::de::DeserializeOwned;

use super::suggest;

/// A JSON text that did not parse; `unknown` is set when the cause is an unknown field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct StrictError {
    pub(crate) message: String,
    /// The unknown field and, when one is close, the known field it probably meant.
    pub(crate) unknown: Option<(String, Option<String>)>,
}

impl std::fmt::Display for StrictError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for StrictError {}

/// Parses `text` as `T`, refusing unknown fields with a "did you mean" message.
pub(crate) fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, StrictError> {
    serde_json::from_str(text).map_err(|e| describe(&e))
}

/// Parses `bytes` as `T`, like `from_str`.
pub(crate) fn from_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, StrictError> {
    serde_json::from_slice(bytes).map_err(|e| describe(&e))
}

/// A serde_json error in words; an unknown field is named with the closest known one.
pub(crate) fn describe(error: &serde_json::Error) -> StrictError {
    let raw = error.to_string();
    let Some(rest) = raw.strip_prefix("unknown field `") else {
        return StrictError {
            message: raw,
            unknown: None,
        };
    };
    let Some((field, tail)) = rest.split_once('`') else {
        return StrictError {
            message: raw,
            unknown: None,
        };
    };
    // serde lists the known fields in backticks: "expected one of `a`, `b`" or "expected `a`".
    let known: Vec<&str> = tail
        .split('`')
        .skip(1)
        .step_by(2)
        .take_while(|s| !s.is_empty())
        .collect();
    let at = match (error.line(), error.column()) {
        (0, _) => String::new(),
        (line, column) => format!(" at line {line} column {column}"),
    };
    let suggestion = suggest::closest(field, &known);
    let hint = match suggestion {
        Some(s) => format!(": did you mean `{s}`?"),
        None if known.is_empty() => ": this object takes no fields".to_string(),
        None => format!(
            "; the known fields here are {}",
            known
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    StrictError {
        message: format!("unknown field `{field}`{at}{hint}"),
        unknown: Some((field.to_string(), suggestion.map(str::to_string))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::request::RotationRequest;

    #[test]
    fn a_typo_names_the_field_and_the_closest_known_one() {
        let e = from_str::<RotationRequest>(r#"{"name":"a","rotationIntervall":5}"#).unwrap_err();
        assert_eq!(
            e.unknown,
            Some(("rotationIntervall".into(), Some("rotationInterval".into())))
        );
        assert!(
            e.message.contains("did you mean `rotationInterval`?"),
            "{e}"
        );
        assert!(e.message.contains("line 1"), "{e}");
    }

    #[test]
    fn nested_objects_are_strict_too() {
        let e =
            from_str::<RotationRequest>(r#"{"parameters":{"passwordRequirements":{"lenght":12}}}"#)
                .unwrap_err();
        assert_eq!(e.unknown, Some(("lenght".into(), Some("length".into()))));
        let e =
            from_str::<RotationRequest>(r#"{"rotateAtUtc":{"hours":1,"seconds":2}}"#).unwrap_err();
        assert_eq!(e.unknown.as_ref().unwrap().0, "seconds");
        assert!(e.message.contains("`hours`, `minutes`"), "{e}");
    }

    #[test]
    fn other_errors_pass_through() {
        let e = from_str::<RotationRequest>(r#"{"name": 5}"#).unwrap_err();
        assert_eq!(e.unknown, None);
        assert!(e.message.contains("invalid type"), "{e}");
    }
}
