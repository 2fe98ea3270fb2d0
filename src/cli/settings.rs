//! `settings get|set`: per-database settings.

use super::args::{Cli, SettingsCmd};
use super::{CliError, CliResult, open_store};

const KEYS: &str = "notify-command, reconcile-interval";

pub fn run(cli: &Cli, cmd: &SettingsCmd) -> CliResult {
    let store = open_store(cli)?;
    match cmd {
        SettingsCmd::Get { key } => {
            let doc = store.load()?;
            let notify = doc.settings.notify_command.clone().unwrap_or_default();
            let interval = doc.settings.reconcile_interval();
            match key.as_deref() {
                None => {
                    println!("notify-command = {notify}");
                    println!("reconcile-interval = {interval}");
                }
                Some("notify-command") => println!("{notify}"),
                Some("reconcile-interval") => println!("{interval}"),
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
            println!("reconcile-interval = {secs}");
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
                Some(v) => println!("notify-command = {v}"),
                None => println!("notify-command cleared"),
            }
            Ok(())
        }
    }
}
