//! A rotation in words: the `rotation get` page, the status column of `rotation list`, and the
//! per-node sync lines `rotation get` and `connection test` share.

use crate::engine::{EngineError, NodeSync};
use crate::model::{Connection, Rotation, RotationStatus, Slot};

use super::super::output::{local, printable};

/// One line per node: "127.0.0.1:6380  missing slot 0".
pub(crate) fn print_sync(label: &str, sync: &Result<Vec<NodeSync>, EngineError>) {
    match sync {
        Ok(nodes) => {
            let width = nodes.iter().map(|n| n.node.len()).max().unwrap_or(0);
            for (i, n) in nodes.iter().enumerate() {
                let key = if i == 0 { label } else { "" };
                outln!("{key:<22}{:<width$}  {}", n.node, n.status);
            }
        }
        Err(e) => outln!("{label:<22}not checked: {e}"),
    }
}

pub(crate) fn status_words(r: &Rotation) -> String {
    use RotationStatus::*;
    match r.rotation_status {
        Rotating => "rotating…".into(),
        Interrupted => "interrupted: a crash stopped it midway; a running console or daemon, or the next command that changes anything, finishes it".into(),
        Failed => "rotation failed".into(),
        Success if !r.is_auto_rotation_enabled => "auto-rotation disabled".into(),
        Success => "success".into(),
    }
}

/// Every stored field of a rotation as `key  value` lines (never a password).
pub(crate) fn print_rotation(r: &Rotation, conn: Option<&Connection>) {
    // Every value is stored text (or built from it): shown escaped, never raw.
    let line = |k: &str, v: String| outln!("{k:<22}{}", printable(&v));
    line("name", r.name.clone());
    if let Some(d) = &r.description {
        line("description", d.clone());
    }
    line(
        "connection",
        conn.map(|c| format!("{} ({}, {})", c.name, c.address(), c.topology))
            .unwrap_or_else(|| "missing".into()),
    );
    line(
        "environment / path",
        format!("{} {}", r.environment, r.secret_path),
    );
    line("status", status_words(r));
    line("auto-rotation", schedule_words(r));
    line("last rotated", local(r.last_rotated_at));
    line("next rotation", local(r.next_rotation_at));
    if r.is_one_user() {
        line(
            "strategy",
            format!(
                "one-user: {} holds two passwords",
                r.username_for(r.active_index)
            ),
        );
    }
    line("permission scope", scope_words(r));
    line("stragglers", straggler_words(r));
    if let Some(h) = &r.held {
        line(
            "held",
            format!(
                "{} session{} still use{} {}; rotating at {} at the latest (rotate now overrides)",
                h.sessions,
                if h.sessions == 1 { "" } else { "s" },
                if h.sessions == 1 { "s" } else { "" },
                h.username,
                local(Some(h.until))
            ),
        );
    }
    line("password", password_words(r));
    line(
        "secrets mapping",
        format!(
            "{} (username), {} (password)",
            r.secrets_mapping.username, r.secrets_mapping.password
        ),
    );
    if r.sinks.is_empty() {
        line("sinks", "none".into());
    }
    for (i, s) in r.sinks.iter().enumerate() {
        line(&format!("sink {}", i + 1), s.summary());
    }
    for slot in [Slot::Zero, Slot::One] {
        line(&format!("slot {}", slot.index()), slot_words(r, slot));
    }
    if let Some(m) = &r.last_rotation_message {
        line("last message", m.clone());
    }
}

fn schedule_words(r: &Rotation) -> String {
    if r.is_auto_rotation_enabled {
        format!(
            "every {} days at {:02}:{:02} UTC",
            r.rotation_interval, r.rotate_at_utc.hours, r.rotate_at_utc.minutes
        )
    } else {
        "off".into()
    }
}

fn scope_words(r: &Rotation) -> String {
    if r.manages_permissions() {
        r.parameters.permission_scope.clone()
    } else {
        "the default user's own (never changed)".to_string()
    }
}

fn straggler_words(r: &Rotation) -> String {
    match r.parameters.straggler_policy.max_wait_hours {
        Some(h) if !r.parameters.straggler_policy.is_rotate() => {
            format!("wait: a scheduled re-key waits up to {h} h while sessions still use the slot")
        }
        _ => "rotate: re-key on time (live sessions stay up, their reconnects fail)".into(),
    }
}

fn password_words(r: &Rotation) -> String {
    let req = &r.parameters.password_requirements;
    format!(
        "{} chars, ≥{} digits ≥{} lower ≥{} upper ≥{} symbols from {}",
        req.length,
        req.required.digits,
        req.required.lowercase,
        req.required.uppercase,
        req.required.symbols,
        req.allowed_symbols
    )
}

/// "orders-1 •••••• (active, since …)", or "empty" before the first rotation.
fn slot_words(r: &Rotation, slot: Slot) -> String {
    let role = if slot == r.active_index {
        "active"
    } else {
        "previous"
    };
    match r.slot(slot) {
        Some(c) => format!(
            "{} •••••• ({role}, since {})",
            c.username,
            local(Some(c.created_at))
        ),
        None => "empty".into(),
    }
}
