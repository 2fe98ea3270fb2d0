//! `events list [--rotation NAME] [--limit N] [--json]`.

use chrono::Local;

use super::args::{Cli, EventsCmd};
use super::output::print_json;
use super::{CliError, CliResult, open_store};

pub fn run(cli: &Cli, cmd: &EventsCmd) -> CliResult {
    let EventsCmd::List {
        rotation,
        limit,
        json,
    } = cmd;
    let doc = open_store(cli)?.load()?;
    let filter_id = match rotation {
        None => None,
        Some(name) => Some(match doc.rotation(name) {
            Some(r) => Some(r.id),
            // A deleted rotation's events are still there by name.
            None if doc
                .events
                .iter()
                .any(|e| e.rotation_name.as_deref() == Some(name)) =>
            {
                None
            }
            None => {
                return Err(CliError::bad_input(format!(
                    "--rotation: no rotation `{name}` and no events for it"
                )));
            }
        }),
    };
    let selected: Vec<_> = doc
        .events
        .iter()
        .filter(|e| match (&filter_id, rotation) {
            (Some(Some(id)), _) => e.rotation_id == Some(*id),
            (Some(None), Some(name)) => e.rotation_name.as_deref() == Some(name.as_str()),
            _ => true,
        })
        .collect();
    let start = selected.len().saturating_sub(*limit);
    let selected = &selected[start..];
    if *json {
        print_json(&serde_json::json!({ "events": selected }));
    } else {
        for e in selected {
            outln!(
                "{}  {:<8} {:<16} {}",
                e.at.with_timezone(&Local).format("%Y-%m-%d %H:%M:%S"),
                e.outcome,
                e.kind,
                e.message
            );
        }
    }
    Ok(())
}
