//! `events list [--rotation NAME|ID [--env E] [--path P]] [--limit N] [--json]`.

use chrono::Local;

use crate::engine::EngineError;
use crate::model::{Event, Resolution, RotationRef};

use super::args::{Cli, EventsCmd};
use super::json::EventListAnswer;
use super::output::print_json;
use super::{CliError, CliResult, open_store};

pub(crate) fn run(cli: &Cli, cmd: &EventsCmd) -> CliResult {
    let EventsCmd::List {
        rotation,
        env,
        path,
        limit,
        json,
    } = cmd;
    let doc = open_store(cli)?.load()?;
    let target = rotation.as_ref().map(|name| {
        RotationRef::new(name.as_str())
            .in_env(env.clone())
            .at_path(path.clone())
    });
    // A live rotation by its id; a deleted one's events are still there by name (and place).
    let filter_id = match &target {
        None => None,
        Some(t) => Some(match t.resolve(&doc.rotations) {
            Resolution::One(r) => Some(r.id),
            Resolution::Several(found) => return Err(EngineError::ambiguous(t, &found).into()),
            Resolution::None if doc.events.iter().any(|e| was_of(e, t)) => None,
            Resolution::None => {
                return Err(CliError::bad_input(format!(
                    "--rotation: no rotation {t} and no events for it"
                )));
            }
        }),
    };
    let selected: Vec<_> = doc
        .events
        .iter()
        .filter(|e| match (&filter_id, &target) {
            (Some(Some(id)), _) => e.rotation_id == Some(*id),
            (Some(None), Some(t)) => was_of(e, t),
            _ => true,
        })
        .collect();
    let start = selected.len().saturating_sub(*limit);
    let selected = &selected[start..];
    if *json {
        print_json(&EventListAnswer { events: selected });
    } else {
        for e in selected {
            outln!(
                "{}  {:<8} {:<16} {}",
                e.at.with_timezone(&Local).format("%Y-%m-%d %H:%M:%S"),
                e.outcome,
                e.kind,
                super::output::printable(&e.message)
            );
        }
    }
    Ok(())
}

/// Whether an event was logged for a rotation of that name, within the reference's narrowing.
fn was_of(e: &Event, t: &RotationRef) -> bool {
    e.rotation_name.as_deref() == Some(t.key.as_str())
        && t.environment
            .as_ref()
            .is_none_or(|env| e.environment.as_ref() == Some(env))
        && t.secret_path
            .as_ref()
            .is_none_or(|p| e.secret_path.as_ref() == Some(p))
}
