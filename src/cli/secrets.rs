//! `secrets list|get|export|delete`, one function per subcommand: the secret store (values are
//! decrypted only here and in `run`); `--json` answers are the declared shapes of `cli::json`.

use crate::model::validation::validate_secret_path;
use crate::model::{Password, SecretEntry};
use crate::store::{Binding, Document, ExportFormat, Store, render_export};

use super::args::{Cli, Place, SecretsCmd};
use super::json::{SecretAnswer, SecretListAnswer, SecretListItem, SecretValueView};
use super::output::{local, print_json, table};
use super::{CliError, CliResult, open_store};

/// The place with its path normalised (`/app/` → `/app`); a bad path is bad input.
pub(crate) fn normalise(place: &Place) -> Result<(String, String), CliError> {
    let path = validate_secret_path(&place.path)
        .map_err(|e| CliError::bad_input(format!("--path: {}", e.message)))?;
    Ok((place.env.clone(), path))
}

/// Every current value at a place, in name order.
pub(crate) fn values_at(
    store: &Store,
    doc: &Document,
    env: &str,
    path: &str,
) -> Result<Vec<(String, Password)>, CliError> {
    let entries = doc.secrets_at(env, path);
    if entries.is_empty() {
        return Ok(Vec::new());
    }
    let cipher = store.cipher_for(doc)?;
    let mut out = Vec::new();
    for e in entries {
        if let Some(v) = e.current() {
            out.push((
                e.name.clone(),
                cipher
                    .open(&v.value, &Binding::secret_value(env, path, &e.name))
                    .map_err(|err| CliError::failed(format!("secret {}: {err}", e.name)))?,
            ));
        }
    }
    Ok(out)
}

/// The name of the rotation that owns a secret, if one does.
fn owner_name(doc: &Document, e: &SecretEntry) -> Option<String> {
    e.owner_rotation
        .and_then(|id| doc.rotation(&id.to_string()).map(|r| r.name.clone()))
}

pub(crate) fn run(cli: &Cli, cmd: &SecretsCmd) -> CliResult {
    match cmd {
        SecretsCmd::List { place, json } => list(cli, place, *json),
        SecretsCmd::Get { name, place, json } => get(cli, name, place, *json),
        SecretsCmd::Export { place, format } => export(cli, place, *format),
        SecretsCmd::Delete { name, place } => delete(cli, name, place),
    }
}

// Reading needs the store only; deleting goes through the engine (lock, event log).

fn list(cli: &Cli, place: &Place, as_json: bool) -> CliResult {
    let (env, path) = normalise(place)?;
    let doc = open_store(cli)?.load()?;
    let entries = doc.secrets_at(&env, &path);
    if as_json {
        let secrets = entries
            .iter()
            .map(|e| SecretListItem {
                name: e.name.clone(),
                version: e.current().map(|v| v.version),
                updated_at: e.current().map(|v| v.created_at),
                owner_rotation: owner_name(&doc, e),
            })
            .collect();
        print_json(&SecretListAnswer { secrets });
    } else if !entries.is_empty() {
        let rows: Vec<Vec<String>> = entries
            .iter()
            .map(|e| {
                let owner = owner_name(&doc, e).unwrap_or_else(|| "—".into());
                vec![
                    e.name.clone(),
                    e.current().map_or(0, |v| v.version).to_string(),
                    local(e.current().map(|v| v.created_at)),
                    owner,
                ]
            })
            .collect();
        out!(
            "{}",
            table(&["NAME", "VERSION", "UPDATED", "ROTATION"], &rows)
        );
    }
    Ok(())
}

fn get(cli: &Cli, name: &str, place: &Place, as_json: bool) -> CliResult {
    let (env, path) = normalise(place)?;
    // What applications call: only the manifest, the commit log and the one file holding this
    // place's secrets are read, whatever the database's size.
    let store = open_store(cli)?;
    let doc = store.load_place(&env, &path)?;
    let entry = doc.secret(&env, &path, name).ok_or_else(|| {
        CliError::bad_input(format!(
            "no secret `{name}` in {env} {path}: see `redis-rotator secrets list --env {env} --path {path}`"
        ))
    })?;
    let current = entry
        .current()
        .ok_or_else(|| CliError::failed(format!("secret {name} has no value")))?;
    let value = store
        .cipher_for(&doc)?
        .open(&current.value, &Binding::secret_value(&env, &path, name))?;
    if as_json {
        print_json(&SecretAnswer {
            secret: SecretValueView {
                name,
                environment: &env,
                secret_path: &path,
                version: current.version,
                value: value.expose(),
                created_at: current.created_at,
            },
        });
    } else {
        outln!("{}", value.expose());
    }
    Ok(())
}

fn export(cli: &Cli, place: &Place, format: ExportFormat) -> CliResult {
    let (env, path) = normalise(place)?;
    let store = open_store(cli)?;
    let doc = store.load_place(&env, &path)?;
    let values = values_at(&store, &doc, &env, &path)?;
    out!("{}", render_export(format, &values));
    Ok(())
}

fn delete(cli: &Cli, name: &str, place: &Place) -> CliResult {
    let (env, path) = normalise(place)?;
    let engine = super::engine(cli)?;
    super::runtime()?.block_on(engine.delete_secret(&env, &path, name))?;
    outln!("deleted secret {name} in {env} {path}");
    Ok(())
}
