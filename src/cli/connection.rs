//! `connection add|list|test|edit|remove|leftovers|revoke-user`: one function per subcommand;
//! `--json` answers are the declared shapes of `cli::json`.

use crate::engine::{ConnectionReport, ConnectionSecrets, Engine};
use crate::model::request::ConnectionRequest;
use crate::model::{Connection, Password};

use super::args::{Cli, ConnectionCmd, ConnectionFields, TopologyArg};
use super::json::{
    ConnectionListAnswer, ConnectionSavedAnswer, ConnectionTestAnswer, ConnectionView,
    RotationSyncView, SyncView,
};
use super::output::{print_json, printable, table};
use super::{CliError, CliResult, engine, prompt, recover, runtime};

fn topology_name(t: TopologyArg) -> &'static str {
    match t {
        TopologyArg::Standalone => "standalone",
        TopologyArg::Replication => "replication",
        TopologyArg::Cluster => "cluster",
        TopologyArg::Nodes => "nodes",
        TopologyArg::Sentinel => "sentinel",
    }
}

fn request(name: Option<String>, f: &ConnectionFields, editing: bool) -> ConnectionRequest {
    let tls = if f.tls || f.ca_cert.is_some() || f.insecure {
        Some(true)
    } else if f.no_tls {
        Some(false)
    } else if editing {
        None
    } else {
        Some(false)
    };
    // Sentinel: the Sentinels travel as `nodes`; the first one is the connection's address
    // unless --host says otherwise.
    let listed = if f.sentinels.is_empty() {
        &f.nodes
    } else {
        &f.sentinels
    };
    let first_sentinel = f
        .sentinels
        .first()
        .and_then(|s| crate::redis::NodeAddr::parse(s));
    ConnectionRequest {
        name,
        description: f.description.clone(),
        host: f
            .host
            .clone()
            .or_else(|| first_sentinel.as_ref().map(|a| a.host.clone())),
        port: f
            .port
            .or_else(|| {
                f.host
                    .is_none()
                    .then(|| first_sentinel.as_ref().map(|a| u32::from(a.port)))
                    .flatten()
            })
            .map(Into::into),
        username: f.username.clone(),
        tls_enabled: tls,
        reject_unauthorized: if f.insecure {
            Some(false)
        } else if editing {
            None
        } else {
            Some(true)
        },
        ca_certificate: f.ca_cert.clone(),
        topology: f.topology.map(|t| topology_name(t).to_string()),
        nodes: if listed.is_empty() && editing {
            None
        } else {
            Some(listed.clone())
        },
        master_name: f.master_name.clone(),
        sentinel_username: f.sentinel_username.clone(),
    }
}

/// The password: from stdin when asked, else a terminal prompt (add only), else none.
fn password(f: &ConnectionFields, prompt_when_tty: bool) -> Result<Option<Password>, CliError> {
    if f.no_password {
        return Ok(None);
    }
    if f.password_stdin {
        return prompt::password_from_stdin().map(Some);
    }
    if prompt_when_tty {
        return Ok(
            prompt::password_prompt("admin password (empty for none): ")?.filter(|p| !p.is_empty()),
        );
    }
    Ok(None)
}

/// Both passwords, read in a fixed order (admin, then Sentinel) so one stdin can carry both.
/// `editing`: no prompts, and `--no-…-password` means "remove the stored one" (empty).
fn secrets(f: &ConnectionFields, editing: bool) -> Result<ConnectionSecrets, CliError> {
    let admin = if editing && f.no_password {
        Some(Password::new(""))
    } else {
        password(f, !editing)?
    };
    let sentinel = if f.no_sentinel_password {
        editing.then(|| Password::new(""))
    } else if f.sentinel_password_stdin {
        Some(prompt::password_from_stdin()?)
    } else if !editing && matches!(f.topology, Some(TopologyArg::Sentinel)) {
        prompt::password_prompt("Sentinel password (empty for none): ")?.filter(|p| !p.is_empty())
    } else {
        None
    };
    Ok(ConnectionSecrets { admin, sentinel })
}

pub(crate) fn print_report(report: &ConnectionReport) {
    let rows: Vec<Vec<String>> = report
        .nodes
        .iter()
        .map(|n| {
            vec![
                n.address.clone(),
                n.role.clone().unwrap_or_else(|| "—".into()),
                n.server_label().unwrap_or_else(|| "—".into()),
                n.rtt
                    .map(|d| format!("{:.2} ms", d.as_secs_f64() * 1000.0))
                    .unwrap_or_else(|| "—".into()),
                if n.error.is_some() {
                    "—".into()
                } else {
                    format!(
                        "setuser {} deluser {} persist {}",
                        yes_no(n.can_set_user),
                        yes_no(n.can_del_user),
                        n.can_persist.map(yes_no).unwrap_or("—")
                    )
                },
                n.persistence
                    .map(|p| p.to_string())
                    .unwrap_or_else(|| "—".into()),
            ]
        })
        .collect();
    out!(
        "{}",
        table(
            &[
                "NODE",
                "ROLE",
                "SERVER",
                "RTT",
                "PERMISSIONS",
                "PERSISTENCE"
            ],
            &rows
        )
    );
    if let Some(identity) = &report.identity {
        outln!("server identity: {}", identity.summary());
    }
    for s in &report.sentinels {
        match (&s.master, &s.error) {
            (Some(master), _) => outln!(
                "sentinel {}: master at {master}, {} other Sentinel(s) known",
                s.address,
                s.peers
            ),
            (None, Some(e)) => outln!("sentinel {}: {}", s.address, printable(e)),
            (None, None) => outln!("sentinel {}: no answer", s.address),
        }
    }
    for w in &report.warnings {
        outln!("warning: {}", printable(w));
    }
    for p in &report.problems {
        outln!("problem: {}", printable(p));
    }
    if report.ok() {
        outln!("connection {} is usable", report.connection);
    }
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "NO" }
}

pub(crate) fn run(cli: &Cli, cmd: &ConnectionCmd) -> CliResult {
    let engine = engine(cli)?;
    match cmd {
        ConnectionCmd::Add { name, fields, json } => add(&engine, name, fields, *json),
        ConnectionCmd::List { json } => list(&engine, *json),
        ConnectionCmd::Test { name, json } => test(&engine, name, *json),
        ConnectionCmd::Edit {
            name,
            new_name,
            fields,
            json,
        } => edit(&engine, name, new_name.as_deref(), fields, *json),
        ConnectionCmd::Remove { name } => remove(&engine, name),
        ConnectionCmd::Leftovers { name } => leftovers(&engine, name),
        ConnectionCmd::RevokeUser { name, user } => revoke_user(&engine, name, user),
    }
}

/// `{"connection": …, "report": …}` or the report and one line for people.
fn print_saved(conn: &Connection, report: &ConnectionReport, as_json: bool, text: String) {
    if as_json {
        print_json(&ConnectionSavedAnswer {
            connection: ConnectionView::new(conn),
            report,
        });
    } else {
        print_report(report);
        outln!("{text}");
    }
}

fn add(engine: &Engine, name: &str, fields: &ConnectionFields, as_json: bool) -> CliResult {
    let req = request(Some(name.to_string()), fields, false);
    let secrets = secrets(fields, false)?;
    let (conn, report) = runtime()?.block_on(engine.add_connection_with(&req, secrets))?;
    let text = format!("saved connection {} ({})", conn.name, conn.id);
    print_saved(&conn, &report, as_json, text);
    Ok(())
}

fn list(engine: &Engine, as_json: bool) -> CliResult {
    let doc = engine.snapshot()?;
    if as_json {
        print_json(&ConnectionListAnswer {
            connections: doc.connections.iter().map(ConnectionView::new).collect(),
        });
        return Ok(());
    }
    let rows: Vec<Vec<String>> = doc
        .connections
        .iter()
        .map(|c| {
            vec![
                c.name.clone(),
                c.address(),
                c.username.clone(),
                c.topology.to_string(),
                if c.is_tls_unverified() {
                    "yes (unverified)".into()
                } else if c.tls.enabled {
                    "yes".into()
                } else {
                    "no".into()
                },
            ]
        })
        .collect();
    out!(
        "{}",
        table(&["NAME", "ADDRESS", "USER", "TOPOLOGY", "TLS"], &rows)
    );
    Ok(())
}

fn test(engine: &Engine, name: &str, as_json: bool) -> CliResult {
    let rt = runtime()?;
    let report = rt.block_on(engine.test_connection(name))?;
    // Per rotation on this connection: does every node hold both stored credentials?
    let sync = if report.ok() {
        rt.block_on(engine.connection_sync(name))?
    } else {
        Vec::new()
    };
    if as_json {
        print_json(&ConnectionTestAnswer {
            report: &report,
            sync: sync
                .iter()
                .map(|(rotation, lines)| RotationSyncView {
                    rotation,
                    sync: SyncView::new(lines),
                })
                .collect(),
        });
    } else {
        print_report(&report);
        for (rotation, lines) in &sync {
            super::rotation::print_sync(&format!("sync {rotation}"), lines);
        }
    }
    if report.ok() {
        Ok(())
    } else {
        Err(CliError::failed(format!("connection {name} is not usable")))
    }
}

fn edit(
    engine: &Engine,
    name: &str,
    new_name: Option<&str>,
    fields: &ConnectionFields,
    as_json: bool,
) -> CliResult {
    let req = request(new_name.map(str::to_string), fields, true);
    // Empty means "remove the stored password" to the engine.
    let secrets = secrets(fields, true)?;
    let rt = runtime()?;
    rt.block_on(recover(engine));
    let (conn, report) = rt.block_on(engine.edit_connection_with(name, &req, secrets))?;
    let text = format!("saved connection {}", conn.name);
    print_saved(&conn, &report, as_json, text);
    Ok(())
}

fn remove(engine: &Engine, name: &str) -> CliResult {
    let conn = runtime()?.block_on(engine.remove_connection(name))?;
    outln!("removed connection {}", conn.name);
    Ok(())
}

fn leftovers(engine: &Engine, name: &str) -> CliResult {
    let users = runtime()?.block_on(engine.leftover_users(name))?;
    for u in &users {
        outln!("{}  (on {} of {} nodes)", u.username, u.nodes, u.of);
    }
    Ok(())
}

fn revoke_user(engine: &Engine, name: &str, user: &str) -> CliResult {
    runtime()?.block_on(engine.revoke_leftover_user(name, user))?;
    outln!("revoked ACL user {user} on connection {name}");
    Ok(())
}
