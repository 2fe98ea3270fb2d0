//! `settings get|set`: per-database settings.

use super::args::{Cli, SettingsCmd};
use super::{CliError, CliResult, open_store};

const KEYS: &str = "notify-command, reconcile-interval";

pub(crate) fn run(cli: &Cli, cmd: &SettingsCmd) -> CliResult {
    let store = open_store(cli)?;
    match cmd {
        SettingsCmd::Get { key } => {
            let doc = store.load()?;
            let notify = doc.settings.notify_command.clone().unwrap_or_default();
            let interval = doc.settings.reconcile_interval();
            match key.as_deref() {
                None => {
                    outln!("notify-command = {notify}");
                    outln!("reconcile-interval = {interval}");
                }
                Some("notify-command") => outln!("{notify}"),
                Some("reconcile-interval") => outln!("{interval}"),
                Some(other) => {
                    return Err(CliError::bad_input(format!(
                        "unknown setting `{other}`: known ones are {KEYS}"
                    )));
                }
            }
            Ok(())
        }
        SettingsCmd::Set { key, value } if key == "reconcile-interval" => {
            let secs: u64 = value.trim().parse().map_err(|_| {
                CliError::bad_input(format!(
                    "reconcile-interval: `{value}` is not a whole number of seconds (0 turns the periodic reconcile off)"
                ))
            })?;
            store.update(move |doc| {
                doc.settings.reconcile_interval_secs = Some(secs);
                Ok::<_, crate::store::StoreError>(())
            })?;
            outln!("reconcile-interval = {secs}");
            Ok(())
        }
        SettingsCmd::Set { key, value } => {
            if key != "notify-command" {
                return Err(CliError::bad_input(format!(
                    "unknown setting `{key}`: known ones are {KEYS}"
                )));
            }
            let value = (!value.trim().is_empty()).then(|| value.clone());
            let shown = value.clone();
            store.update(move |doc| {
                doc.settings.notify_command = value;
                Ok::<_, crate::store::StoreError>(())
            })?;
            match shown {
                Some(v) => outln!("notify-command = {v}"),
                None => outln!("notify-command cleared"),
            }
            Ok(())
        }
    }
}
