//! `run --env E --path P [--watch [--signal SIG|--restart]] -- CMD ARGS…`: CMD with the secrets
//! as environment variables; its exit code is passed through. With `--watch`, a change of the
//! secrets (seen through the database file's metadata, checked twice a second) restarts CMD with
//! the new values, or sends it a signal.

use std::process::ExitStatus;
use std::time::Duration;

use tokio::process::{Child, Command};
use tokio::signal::unix::{SignalKind, signal};

use crate::model::Password;
use crate::store::{Stamp, Store};

use super::args::{Cli, RunArgs, WatchSignal};
use super::secrets::{normalise, values_at};
use super::{CliError, CliResult, open_store, runtime};

const POLL: Duration = Duration::from_millis(500);

pub(crate) fn run(cli: &Cli, args: &RunArgs) -> CliResult {
    let store = open_store(cli)?;
    let (env, path) = normalise(&args.place)?;
    // The stamp is taken before the first read: a write landing between the two is then seen
    // as a change by the first look, not missed until the next write.
    let stamp = store.stamp().ok().flatten();
    let values = current(&store, &env, &path)?;
    let (program, rest) = args
        .command
        .split_first()
        .ok_or_else(|| CliError::bad_input("run: give the command after `--`"))?;
    runtime()?.block_on(async {
        let mut child = spawn(program, rest, &values)?;
        if !args.watch {
            let status = child
                .wait()
                .await
                .map_err(|e| CliError::failed(format!("`{program}`: {e}")))?;
            return exit_of(program, status);
        }
        watch(
            &store,
            &env,
            &path,
            program,
            rest,
            args.signal,
            (stamp, values),
            child,
        )
        .await
    })
}

fn current(store: &Store, env: &str, path: &str) -> Result<Vec<(String, Password)>, CliError> {
    let doc = store.load()?;
    values_at(store, &doc, env, path)
}

fn spawn(program: &str, rest: &[String], values: &[(String, Password)]) -> Result<Child, CliError> {
    let mut cmd = Command::new(program);
    cmd.args(rest);
    for (name, value) in values {
        cmd.env(name, value.expose());
    }
    cmd.spawn()
        .map_err(|e| CliError::failed(format!("cannot run `{program}`: {e}")))
}

fn same(a: &[(String, Password)], b: &[(String, Password)]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|((n1, v1), (n2, v2))| n1 == n2 && v1.expose() == v2.expose())
}

fn send(child: &Child, sig: nix::sys::signal::Signal) {
    if let Some(pid) = child.id() {
        let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid as i32), sig);
    }
}

fn signal_of(s: WatchSignal) -> nix::sys::signal::Signal {
    use nix::sys::signal::Signal;
    match s {
        WatchSignal::Hup => Signal::SIGHUP,
        WatchSignal::Usr1 => Signal::SIGUSR1,
        WatchSignal::Usr2 => Signal::SIGUSR2,
        WatchSignal::Term => Signal::SIGTERM,
        WatchSignal::Int => Signal::SIGINT,
    }
}

/// Runs until CMD exits on its own (its code is ours) or we are told to stop (CMD is stopped
/// too). A restart stops CMD with SIGTERM and starts it again with the new values.
#[allow(clippy::too_many_arguments)]
async fn watch(
    store: &Store,
    env: &str,
    path: &str,
    program: &str,
    rest: &[String],
    sig: Option<WatchSignal>,
    (mut stamp, mut values): (Option<Stamp>, Vec<(String, Password)>),
    mut child: Child,
) -> CliResult {
    let mut term = signal(SignalKind::terminate())
        .map_err(|e| CliError::failed(format!("cannot watch SIGTERM: {e}")))?;
    let mut int = signal(SignalKind::interrupt())
        .map_err(|e| CliError::failed(format!("cannot watch SIGINT: {e}")))?;
    // Whether the last read failed (warned once until a read works again).
    let mut failing = false;
    loop {
        tokio::select! {
            status = child.wait() => {
                let status = status.map_err(|e| CliError::failed(format!("`{program}`: {e}")))?;
                return exit_of(program, status);
            }
            _ = term.recv() => {
                send(&child, nix::sys::signal::Signal::SIGTERM);
                let _ = child.wait().await;
                return Ok(());
            }
            _ = int.recv() => {
                send(&child, nix::sys::signal::Signal::SIGINT);
                let _ = child.wait().await;
                return Ok(());
            }
            _ = tokio::time::sleep(POLL) => {}
        }
        let now = store.stamp().ok().flatten();
        if now == stamp {
            continue;
        }
        // The stamp moves on only with a read that worked: after a failed one, the next look
        // reads again even if nothing else is written.
        let fresh = match current(store, env, path) {
            Ok(v) => v,
            Err(e) => {
                if !failing {
                    tracing::warn!("run --watch: cannot read the secrets: {}", e.message);
                }
                failing = true;
                continue;
            }
        };
        if failing {
            tracing::warn!("run --watch: the secrets can be read again");
            failing = false;
        }
        stamp = now;
        if same(&fresh, &values) {
            continue;
        }
        values = fresh;
        match sig {
            Some(s) => {
                tracing::warn!("secrets changed: sending {s:?} to `{program}`");
                send(&child, signal_of(s));
            }
            None => {
                tracing::warn!("secrets changed: restarting `{program}`");
                send(&child, nix::sys::signal::Signal::SIGTERM);
                let _ = child.wait().await;
                child = spawn(program, rest, &values)?;
            }
        }
    }
}

fn exit_of(program: &str, status: ExitStatus) -> CliResult {
    match status.code() {
        Some(0) => Ok(()),
        Some(code) => Err(CliError {
            code,
            message: format!("`{program}` exited with {code}"),
        }),
        None => {
            use std::os::unix::process::ExitStatusExt;
            let sig = status.signal().unwrap_or(0);
            Err(CliError {
                code: 128 + sig,
                message: format!("`{program}` was killed by signal {sig}"),
            })
        }
    }
}
