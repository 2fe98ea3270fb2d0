//! What an edit changes, old → new, for the review page: the request the wizard opened with
//! against the one it would submit, compared field by field (no secret is in a request).

use serde_json::Value;

use crate::model::request::RotationRequest;

/// `(field, old, new)` for every field whose value differs, by field name.
pub(crate) fn changes(
    before: &RotationRequest,
    after: &RotationRequest,
) -> Vec<(String, String, String)> {
    let (Ok(a), Ok(b)) = (serde_json::to_value(before), serde_json::to_value(after)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    walk("", &a, &b, &mut out);
    out
}

fn shown(v: &Value) -> String {
    match v {
        Value::Null => "—".to_string(),
        Value::String(s) if s.is_empty() => "(empty)".to_string(),
        Value::String(s) => s.clone(),
        // A list's item (a sink) by its path.
        Value::Object(o) => match o.get("path") {
            Some(Value::String(p)) => p.clone(),
            _ => v.to_string(),
        },
        other => other.to_string(),
    }
}

fn walk(path: &str, a: &Value, b: &Value, out: &mut Vec<(String, String, String)>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().collect();
            keys.extend(y.keys().filter(|k| !x.contains_key(*k)));
            for k in keys {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                walk(
                    &p,
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                    out,
                );
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            for i in 0..x.len().max(y.len()) {
                walk(
                    &format!("{path}[{i}]"),
                    x.get(i).unwrap_or(&Value::Null),
                    y.get(i).unwrap_or(&Value::Null),
                    out,
                );
            }
        }
        (x, y) if x != y => out.push((path.to_string(), shown(x), shown(y))),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_changed_fields_are_listed_old_to_new() {
        let before: RotationRequest = serde_json::from_value(serde_json::json!({
            "name": "orders-cache", "rotationInterval": 30,
            "parameters": {"permissionScope": "~* +@all"}
        }))
        .unwrap();
        let mut after = before.clone();
        after.rotation_interval = Some(7.into());
        after.parameters.as_mut().unwrap().permission_scope = Some("~orders:* +@read".into());
        assert_eq!(
            changes(&before, &after),
            vec![
                (
                    "parameters.permissionScope".to_string(),
                    "~* +@all".to_string(),
                    "~orders:* +@read".to_string()
                ),
                (
                    "rotationInterval".to_string(),
                    "30".to_string(),
                    "7".to_string()
                ),
            ]
        );
        assert!(changes(&before, &before).is_empty());
    }
}
