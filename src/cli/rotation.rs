//! `rotation create|list|get|credentials|rotate|update|pause|resume|delete`.

use std::path::Path;

use serde_json::json;

use crate::engine::Engine;
use crate::model::request::RotationRequest;
use crate::model::schedule::Trigger;
use crate::model::{Rotation, Slot};

use super::args::{Cli, RotationCmd};
use super::output::{local, print_json, table};
use super::{CliError, CliResult, engine, json, recover, runtime};

/// `{"inSync": bool, "nodes": [{node, status: {state, detail}, healed}]}`, or the reason the
/// nodes could not be checked.
pub(super) fn sync_json(
    sync: &Result<Vec<crate::engine::NodeSync>, crate::engine::EngineError>,
) -> serde_json::Value {
    match sync {
        Ok(nodes) => json!({
            "inSync": nodes.iter().all(|n| n.status.is_in_sync()),
            "nodes": nodes,
        }),
        Err(e) => json!({ "inSync": null, "error": e.to_string() }),
    }
}

/// One line per node: "127.0.0.1:6380  missing slot 0".
pub(super) fn print_sync(
    label: &str,
    sync: &Result<Vec<crate::engine::NodeSync>, crate::engine::EngineError>,
) {
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

type Sessions = Result<[crate::engine::SessionCounts; 2], crate::engine::EngineError>;

/// "slot 0 live  1 session still uses orders-0; 0 failed AUTHs in ACL LOG", one line per slot.
fn print_sessions(r: &Rotation, sessions: &Sessions) {
    match sessions {
        Ok(counts) => {
            for (slot, c) in [Slot::Zero, Slot::One].into_iter().zip(counts) {
                outln!(
                    "{:<22}{}",
                    format!("slot {} live", slot.index()),
                    crate::engine::sessions_sentence_for(&r.username_for(slot), *c)
                );
            }
        }
        Err(e) => outln!("{:<22}unavailable: {e}", "live sessions"),
    }
}

/// `{"policy": {mode, maxWaitHours}, "held": {since, until, sessions, username, …} | null,
/// "liveSessions": [{slot, username, sessions, failedAuths, unreachable}] | {"error"}}`.
fn stragglers_json(r: &Rotation, sessions: &Sessions) -> serde_json::Value {
    let live = match sessions {
        Ok(counts) => json!(
            [Slot::Zero, Slot::One]
                .into_iter()
                .zip(counts)
                .map(|(slot, c)| json!({
                    "slot": slot.index(),
                    "username": r.username_for(slot),
                    "sessions": c.sessions,
                    "failedAuths": c.failed_auths,
                    "unreachable": c.unreachable,
                }))
                .collect::<Vec<_>>()
        ),
        Err(e) => json!({ "error": e.to_string() }),
    };
    json!({
        "policy": r.parameters.straggler_policy,
        "held": r.held,
        "liveSessions": live,
    })
}

/// Reads a JSON request body from a file or `-` (stdin), bounded (see `input`); a parse error
/// names the file, line and column; an unknown field is refused naming the closest known one.
fn read_request(path: &Path) -> Result<RotationRequest, CliError> {
    let text = super::input::read_request_text(path)?;
    crate::model::strict::from_str(&text).map_err(|e| {
        CliError::bad_input(format!(
            "--file {}: not a valid request: {e}",
            path.display()
        ))
    })
}

/// Warns on stderr when the rotation's connection is `--insecure`.
fn insecure_warning(engine: &Engine, rotation: &Rotation) {
    let Ok(doc) = engine.snapshot() else { return };
    let warning = doc
        .connection(&rotation.connection_id.to_string())
        .and_then(|c| c.insecure_warning());
    if let Some(w) = warning {
        errln!("warning: {w}");
    }
}

fn print_rotation(engine: &Engine, r: &Rotation, as_json: bool) -> CliResult {
    let doc = engine.snapshot()?;
    let conn = doc.connection(&r.connection_id.to_string());
    if as_json {
        print_json(&json!({ "secretRotation": json::rotation(r, conn) }));
        return Ok(());
    }
    // Every value is stored text (or built from it): shown escaped, never raw.
    let line = |k: &str, v: String| outln!("{k:<22}{}", super::output::printable(&v));
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
    line(
        "auto-rotation",
        if r.is_auto_rotation_enabled {
            format!(
                "every {} days at {:02}:{:02} UTC",
                r.rotation_interval, r.rotate_at_utc.hours, r.rotate_at_utc.minutes
            )
        } else {
            "off".into()
        },
    );
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
    if r.manages_permissions() {
        line("permission scope", r.parameters.permission_scope.clone());
    } else {
        line(
            "permission scope",
            "the default user's own (never changed)".to_string(),
        );
    }
    line(
        "stragglers",
        match r.parameters.straggler_policy.max_wait_hours {
            Some(h) if !r.parameters.straggler_policy.is_rotate() => format!(
                "wait: a scheduled re-key waits up to {h} h while sessions still use the slot"
            ),
            _ => "rotate: re-key on time (live sessions stay up, their reconnects fail)".into(),
        },
    );
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
    let req = &r.parameters.password_requirements;
    line(
        "password",
        format!(
            "{} chars, ≥{} digits ≥{} lower ≥{} upper ≥{} symbols from {}",
            req.length,
            req.required.digits,
            req.required.lowercase,
            req.required.uppercase,
            req.required.symbols,
            req.allowed_symbols
        ),
    );
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
    for slot in [crate::model::Slot::Zero, crate::model::Slot::One] {
        let role = if slot == r.active_index {
            "active"
        } else {
            "previous"
        };
        let value = match r.slot(slot) {
            Some(c) => format!(
                "{} •••••• ({role}, since {})",
                c.username,
                local(Some(c.created_at))
            ),
            None => "empty".into(),
        };
        line(&format!("slot {}", slot.index()), value);
    }
    if let Some(m) = &r.last_rotation_message {
        line("last message", m.clone());
    }
    Ok(())
}

fn status_words(r: &Rotation) -> String {
    use crate::model::RotationStatus::*;
    match r.rotation_status {
        Rotating => "rotating…".into(),
        Interrupted => "interrupted: a crash stopped it midway; a running console or daemon, or the next command that changes anything, finishes it".into(),
        Failed => "rotation failed".into(),
        Success if !r.is_auto_rotation_enabled => "auto-rotation disabled".into(),
        Success => "success".into(),
    }
}

pub fn run(cli: &Cli, cmd: &RotationCmd) -> CliResult {
    let engine = engine(cli)?;
    match cmd {
        RotationCmd::Create {
            file,
            current_password_stdin,
            json: as_json,
        } => {
            if *current_password_stdin && file.as_os_str() == "-" {
                return Err(CliError::bad_input(
                    "--current-password-stdin reads stdin: give the request with --file PATH, not `-`",
                ));
            }
            let req = read_request(file)?;
            let current = if *current_password_stdin {
                Some(super::prompt::password_from_stdin()?)
            } else {
                None
            };
            let rt = runtime()?;
            rt.block_on(recover(&engine));
            let spec = engine.validate_create(&req)?;
            // No scope is sent for the `default` user nor for an adopted one-user user (they keep
            // their permissions): nothing to warn about then.
            let one_user = spec.parameters.strategy == crate::model::Strategy::OneUser;
            let scope_sent = !(one_user
                && (current.is_some()
                    || spec.parameters.username.as_deref()
                        == Some(crate::model::rotation::DEFAULT_USER)));
            // The connected server's own categories decide which single commands are risky.
            let warnings = if scope_sent {
                rt.block_on(
                    engine.scope_warnings(spec.connection_id, &spec.parameters.permission_scope),
                )
            } else {
                Vec::new()
            };
            for w in &warnings {
                errln!("warning: {w}");
            }
            if let Ok(doc) = engine.snapshot()
                && let Some(w) = req
                    .connection_id
                    .as_deref()
                    .and_then(|c| doc.connection(c))
                    .and_then(|c| c.insecure_warning())
            {
                errln!("warning: {w}");
            }
            let r = rt.block_on(engine.create_adopting(&req, current))?;
            let adopted = r.parameters.username.as_deref();
            if r.parameters.strategy.is_two_users()
                && let Some(user) = adopted
            {
                errln!(
                    "existing user `{user}` was left untouched: its password keeps working until you remove it; apps move to {} by reading the mapped secrets",
                    r.username_for(r.active_index)
                );
            } else if r.is_one_user() && r.slot(r.active_index.other()).is_some() {
                errln!(
                    "adopted user `{}`: its current password stays valid as the previous credential until the next rotation",
                    r.username_for(r.active_index)
                );
            }
            if *as_json {
                print_rotation(&engine, &r, true)
            } else {
                outln!(
                    "created rotation {} (active user {})",
                    r.name,
                    r.username_for(r.active_index)
                );
                Ok(())
            }
        }
        RotationCmd::List { env, json: as_json } => {
            // Read only: a crashed change shows as `interrupted`, nothing is recovered here.
            let doc = engine.shown_snapshot()?;
            let list: Vec<&Rotation> = doc
                .rotations
                .iter()
                .filter(|r| env.as_ref().is_none_or(|e| &r.environment == e))
                .collect();
            if *as_json {
                let items: Vec<_> = list
                    .iter()
                    .map(|r| json::rotation(r, doc.connection(&r.connection_id.to_string())))
                    .collect();
                print_json(&json!({ "secretRotations": items }));
            } else {
                let rows: Vec<Vec<String>> = list
                    .iter()
                    .map(|r| {
                        vec![
                            r.name.clone(),
                            format!("{} {}", r.environment, r.secret_path),
                            if r.rotation_status == crate::model::RotationStatus::Interrupted {
                                "interrupted".into()
                            } else {
                                status_words(r)
                            },
                            r.username_for(r.active_index),
                            local(r.last_rotated_at),
                            local(r.next_rotation_at),
                        ]
                    })
                    .collect();
                out!(
                    "{}",
                    table(
                        &[
                            "NAME",
                            "ENV/PATH",
                            "STATUS",
                            "ACTIVE USER",
                            "LAST ROTATED",
                            "NEXT ROTATION"
                        ],
                        &rows
                    )
                );
            }
            Ok(())
        }
        RotationCmd::Get {
            target,
            json: as_json,
        } => {
            let r = engine.shown(engine.find_rotation(target.reference())?);
            // Whether every node holds both stored credentials (read only; nothing is healed).
            let sync = runtime()?.block_on(engine.node_sync(r.id));
            // Stragglers: who is still logged in as each slot's user, on every node.
            let sessions = runtime()?.block_on(engine.sessions(r.id));
            if *as_json {
                let doc = engine.snapshot()?;
                let conn = doc.connection(&r.connection_id.to_string());
                print_json(&json!({
                    "secretRotation": json::rotation(&r, conn),
                    "sync": sync_json(&sync),
                    "stragglers": stragglers_json(&r, &sessions),
                }));
                return Ok(());
            }
            print_rotation(&engine, &r, false)?;
            print_sync("node sync", &sync);
            print_sessions(&r, &sessions);
            Ok(())
        }
        RotationCmd::Credentials {
            target,
            json: as_json,
        } => {
            let creds = engine.credentials(target.reference())?;
            let view = |v: &crate::engine::SlotView| json!({ "slot": v.slot, "username": v.username, "password": v.password.expose(), "createdAt": v.created_at, "verified": v.unverified.is_none(), "unverified": v.unverified });
            let note = |v: &crate::engine::SlotView| {
                v.unverified
                    .as_ref()
                    .map(|why| format!("  ({why})"))
                    .unwrap_or_default()
            };
            if *as_json {
                print_json(
                    &json!({ "current": view(&creds.active), "previous": creds.previous.as_ref().map(view) }),
                );
            } else {
                outln!(
                    "current   {}  {}{}",
                    creds.active.username,
                    creds.active.password.expose(),
                    note(&creds.active)
                );
                match &creds.previous {
                    Some(p) => outln!(
                        "previous  {}  {}{}",
                        p.username,
                        p.password.expose(),
                        note(p)
                    ),
                    None => outln!("previous  (none yet)"),
                }
            }
            Ok(())
        }
        RotationCmd::Rotate {
            target,
            json: as_json,
        } => {
            let rt = runtime()?;
            rt.block_on(recover(&engine));
            // Resolved once, before anything runs: an ambiguous name is refused here.
            let found = engine.find_rotation(target.reference())?;
            insecure_warning(&engine, &found);
            let r = rt.block_on(engine.rotate(found.id, Trigger::Manual))?;
            if *as_json {
                print_rotation(&engine, &r, true)
            } else {
                outln!(
                    "rotated {}: active user is now {}",
                    r.name,
                    r.username_for(r.active_index)
                );
                Ok(())
            }
        }
        RotationCmd::Update {
            target,
            file,
            json: as_json,
        } => {
            let patch = read_request(file)?;
            let rt = runtime()?;
            rt.block_on(recover(&engine));
            let r = rt.block_on(engine.update_rotation(target.reference(), &patch))?;
            let new_scope = patch
                .parameters
                .as_ref()
                .is_some_and(|p| p.permission_scope.is_some());
            if new_scope {
                let warnings = rt.block_on(
                    engine.scope_warnings(r.connection_id, &r.parameters.permission_scope),
                );
                for w in &warnings {
                    errln!("warning: {w}");
                }
            }
            if *as_json {
                print_rotation(&engine, &r, true)
            } else {
                outln!("updated rotation {}", r.name);
                Ok(())
            }
        }
        RotationCmd::Pause { target } | RotationCmd::Resume { target } => {
            let enable = matches!(cmd, RotationCmd::Resume { .. });
            let r = runtime()?.block_on(engine.set_auto_rotation(target.reference(), enable))?;
            outln!(
                "auto-rotation of {} is {}",
                r.name,
                if enable { "on" } else { "off" }
            );
            Ok(())
        }
        RotationCmd::Delete {
            target,
            revoke,
            delete_secrets,
        } => {
            let rt = runtime()?;
            rt.block_on(recover(&engine));
            let out =
                rt.block_on(engine.delete_rotation(target.reference(), *revoke, *delete_secrets))?;
            outln!("deleted rotation {}", out.name);
            for u in &out.revoked_users {
                outln!("revoked ACL user {u}");
            }
            for s in &out.deleted_secrets {
                outln!("deleted secret {s}");
            }
            for k in &out.kept {
                outln!("kept: {k}");
            }
            Ok(())
        }
    }
}
