//! `rotation create|list|get|credentials|rotate|update|pause|resume|delete`: one function per
//! subcommand; `--json` answers are the declared shapes of `cli::json`.

mod show;

use std::path::Path;

use crate::engine::{Engine, SlotView};
use crate::model::request::RotationRequest;
use crate::model::schedule::Trigger;
use crate::model::validation::RotationSpec;
use crate::model::{Password, Rotation, RotationStatus, Slot};

use super::args::{Cli, RotationCmd, Target};
use super::json::{
    CredentialView, CredentialsAnswer, RotationAnswer, RotationGetAnswer, RotationListAnswer,
    RotationView, StragglersView, SyncView,
};
use super::output::{local, print_json, table};
use super::{CliError, CliResult, engine, recover, runtime};

pub(super) use show::print_sync;

pub(crate) fn run(cli: &Cli, cmd: &RotationCmd) -> CliResult {
    let engine = engine(cli)?;
    match cmd {
        RotationCmd::Create {
            file,
            current_password_stdin,
            json,
        } => create(&engine, file, *current_password_stdin, *json),
        RotationCmd::List { env, json } => list(&engine, env.as_deref(), *json),
        RotationCmd::Get { target, json } => get(&engine, target, *json),
        RotationCmd::Credentials { target, json } => credentials(&engine, target, *json),
        RotationCmd::Rotate { target, json } => rotate(&engine, target, *json),
        RotationCmd::Update { target, file, json } => update(&engine, target, file, *json),
        RotationCmd::Pause { target } => set_auto_rotation(&engine, target, false),
        RotationCmd::Resume { target } => set_auto_rotation(&engine, target, true),
        RotationCmd::Delete {
            target,
            revoke,
            delete_secrets,
        } => delete(&engine, target, *revoke, *delete_secrets),
    }
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
fn insecure_warning(engine: &Engine, connection: &str) {
    let Ok(doc) = engine.snapshot() else { return };
    if let Some(w) = doc
        .connection(connection)
        .and_then(|c| c.insecure_warning())
    {
        errln!("warning: {w}");
    }
}

/// `{"secretRotation": …}` or the one-line `text` for people.
fn print_changed(engine: &Engine, r: &Rotation, as_json: bool, text: String) -> CliResult {
    if as_json {
        let doc = engine.snapshot()?;
        let conn = doc.connection(&r.connection_id.to_string());
        print_json(&RotationAnswer {
            secret_rotation: RotationView::new(r, conn),
        });
    } else {
        outln!("{text}");
    }
    Ok(())
}

/// `rotation create --file REQ.json [--current-password-stdin]`.
fn create(engine: &Engine, file: &Path, current_password_stdin: bool, json: bool) -> CliResult {
    if current_password_stdin && file.as_os_str() == "-" {
        return Err(CliError::bad_input(
            "--current-password-stdin reads stdin: give the request with --file PATH, not `-`",
        ));
    }
    let req = read_request(file)?;
    let current = if current_password_stdin {
        Some(super::prompt::password_from_stdin()?)
    } else {
        None
    };
    let rt = runtime()?;
    rt.block_on(recover(engine));
    let spec = engine.validate_create(&req)?;
    if scope_is_sent(&spec, current.as_ref()) {
        // The connected server's own categories decide which single commands are risky.
        let warnings = rt
            .block_on(engine.scope_warnings(spec.connection_id, &spec.parameters.permission_scope));
        for w in &warnings {
            errln!("warning: {w}");
        }
    }
    if let Some(c) = req.connection_id.as_deref() {
        insecure_warning(engine, c);
    }
    let r = rt.block_on(engine.create_adopting(&req, current))?;
    adoption_notice(&r);
    let text = format!(
        "created rotation {} (active user {})",
        r.name,
        r.username_for(r.active_index)
    );
    print_changed(engine, &r, json, text)
}

/// No scope is sent for the `default` user nor for an adopted one-user user (they keep their
/// permissions): nothing to warn about then.
fn scope_is_sent(spec: &RotationSpec, current: Option<&Password>) -> bool {
    let one_user = spec.parameters.strategy == crate::model::Strategy::OneUser;
    !(one_user
        && (current.is_some()
            || spec.parameters.username.as_deref() == Some(crate::model::rotation::DEFAULT_USER)))
}

/// What happened to an existing user the new rotation names, on stderr.
fn adoption_notice(r: &Rotation) {
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
}

/// `rotation list [--env E]`. Read only: a crashed change shows as `interrupted`, nothing is
/// recovered here.
fn list(engine: &Engine, env: Option<&str>, json: bool) -> CliResult {
    let doc = engine.shown_snapshot()?;
    let list: Vec<&Rotation> = doc
        .rotations
        .iter()
        .filter(|r| env.is_none_or(|e| r.environment == e))
        .collect();
    if json {
        print_json(&RotationListAnswer {
            secret_rotations: list
                .iter()
                .map(|r| RotationView::new(r, doc.connection(&r.connection_id.to_string())))
                .collect(),
        });
        return Ok(());
    }
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|r| {
            vec![
                r.name.clone(),
                format!("{} {}", r.environment, r.secret_path),
                if r.rotation_status == RotationStatus::Interrupted {
                    "interrupted".into()
                } else {
                    show::status_words(r)
                },
                r.username_for(r.active_index),
                local(r.last_rotated_at),
                local(r.next_rotation_at),
            ]
        })
        .collect();
    let header = [
        "NAME",
        "ENV/PATH",
        "STATUS",
        "ACTIVE USER",
        "LAST ROTATED",
        "NEXT ROTATION",
    ];
    out!("{}", table(&header, &rows));
    Ok(())
}

/// `rotation get`: the rotation, whether every node holds both stored credentials (read only;
/// nothing is healed), the live sessions per slot and a held re-key (`stragglers` in JSON).
fn get(engine: &Engine, target: &Target, json: bool) -> CliResult {
    let r = engine.shown(engine.find_rotation(target.reference())?);
    let rt = runtime()?;
    let sync = rt.block_on(engine.node_sync(r.id));
    // Stragglers: who is still logged in as each slot's user, on every node.
    let sessions = rt.block_on(engine.sessions(r.id));
    let doc = engine.snapshot()?;
    let conn = doc.connection(&r.connection_id.to_string());
    if json {
        print_json(&RotationGetAnswer {
            secret_rotation: RotationView::new(&r, conn),
            sync: SyncView::new(&sync),
            stragglers: StragglersView::new(&r, &sessions),
        });
        return Ok(());
    }
    show::print_rotation(&r, conn);
    print_sync("node sync", &sync);
    match sessions {
        Ok(counts) => {
            for (slot, c) in [Slot::Zero, Slot::One].into_iter().zip(counts.iter()) {
                outln!(
                    "{:<22}{}",
                    format!("slot {} live", slot.index()),
                    crate::engine::sessions_sentence_for(&r.username_for(slot), *c)
                );
            }
        }
        Err(e) => outln!("{:<22}unavailable: {e}", "live sessions"),
    }
    Ok(())
}

/// `rotation credentials`: the only place passwords are shown.
fn credentials(engine: &Engine, target: &Target, json: bool) -> CliResult {
    let creds = engine.credentials(target.reference())?;
    if json {
        print_json(&CredentialsAnswer {
            current: CredentialView::new(&creds.active),
            previous: creds.previous.as_ref().map(CredentialView::new),
        });
        return Ok(());
    }
    let note = |v: &SlotView| {
        v.unverified
            .as_ref()
            .map(|why| format!("  ({why})"))
            .unwrap_or_default()
    };
    let a = &creds.active;
    outln!(
        "current   {}  {}{}",
        a.username,
        a.password.expose(),
        note(a)
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
    Ok(())
}

/// `rotation rotate`: rotate now.
fn rotate(engine: &Engine, target: &Target, json: bool) -> CliResult {
    let rt = runtime()?;
    rt.block_on(recover(engine));
    // Resolved once, before anything runs: an ambiguous name is refused here.
    let found = engine.find_rotation(target.reference())?;
    insecure_warning(engine, &found.connection_id.to_string());
    let r = rt.block_on(engine.rotate(found.id, Trigger::Manual))?;
    let text = format!(
        "rotated {}: active user is now {}",
        r.name,
        r.username_for(r.active_index)
    );
    print_changed(engine, &r, json, text)
}

/// `rotation update --file PATCH.json`; a new permission scope is checked like on create.
fn update(engine: &Engine, target: &Target, file: &Path, json: bool) -> CliResult {
    let patch = read_request(file)?;
    let rt = runtime()?;
    rt.block_on(recover(engine));
    let r = rt.block_on(engine.update_rotation(target.reference(), &patch))?;
    let new_scope = patch
        .parameters
        .as_ref()
        .is_some_and(|p| p.permission_scope.is_some());
    if new_scope {
        let warnings =
            rt.block_on(engine.scope_warnings(r.connection_id, &r.parameters.permission_scope));
        for w in &warnings {
            errln!("warning: {w}");
        }
    }
    print_changed(engine, &r, json, format!("updated rotation {}", r.name))
}

/// `rotation pause|resume`.
fn set_auto_rotation(engine: &Engine, target: &Target, enable: bool) -> CliResult {
    let r = runtime()?.block_on(engine.set_auto_rotation(target.reference(), enable))?;
    let state = if enable { "on" } else { "off" };
    outln!("auto-rotation of {} is {state}", r.name);
    Ok(())
}

/// `rotation delete [--revoke] [--delete-secrets]`: says what went and what stays.
fn delete(engine: &Engine, target: &Target, revoke: bool, delete_secrets: bool) -> CliResult {
    let rt = runtime()?;
    rt.block_on(recover(engine));
    let out = rt.block_on(engine.delete_rotation(target.reference(), revoke, delete_secrets))?;
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
