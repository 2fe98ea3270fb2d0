//! The notification hook: a per-database command that receives each rotation success and
//! failure as one JSON object (one line, ending with a newline) on stdin. Its failures are
//! logged, never fatal. A rotation queues its notification; the caller sends it once the
//! rotation's lock is released, so a slow hook never delays the next rotation.

use std::process::Stdio;
use std::time::Duration;

use serde::Serialize;
use tokio::io::AsyncWriteExt;

use crate::model::{EventKind, Outcome, Rotation};

use super::Engine;
use super::rotate::event_for;

/// What the hook receives.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Notification<'a> {
    pub name: &'a str,
    pub environment: &'a str,
    pub path: &'a str,
    pub outcome: Outcome,
    pub message: Option<&'a str>,
    pub next_attempt: Option<chrono::DateTime<chrono::Utc>>,
}

const HOOK_TIMEOUT: Duration = Duration::from_secs(10);

/// A notification waiting for its rotation's lock to be released.
pub(crate) struct Queued {
    rotation: Rotation,
    outcome: Outcome,
    message: Option<String>,
}

impl Engine {
    /// Queues a notification; `send_notifications` runs the hook for it.
    pub(crate) fn queue_notify(&self, r: &Rotation, outcome: Outcome, message: Option<&str>) {
        if let Ok(mut q) = self.inner.outbox.lock() {
            q.push(Queued {
                rotation: r.clone(),
                outcome,
                message: message.map(str::to_string),
            });
        }
    }

    /// Runs the hook for every queued notification. Called with no rotation lock held.
    pub(crate) async fn send_notifications(&self) {
        let queued = match self.inner.outbox.lock() {
            Ok(mut q) => std::mem::take(&mut *q),
            Err(_) => return,
        };
        for n in queued {
            self.notify(&n.rotation, n.outcome, n.message.as_deref())
                .await;
        }
    }

    async fn notify(&self, r: &Rotation, outcome: Outcome, message: Option<&str>) {
        let Ok(doc) = self.snapshot() else { return };
        let Some(command) = doc.settings.notify_command.clone() else {
            return;
        };
        let next_attempt = match outcome {
            Outcome::Failure => r.retry.as_ref().and_then(|x| x.next_attempt_at),
            _ => r.next_rotation_at,
        };
        let note = Notification {
            name: &r.name,
            environment: &r.environment,
            path: &r.secret_path,
            outcome,
            message,
            next_attempt,
        };
        let Ok(mut body) = serde_json::to_vec(&note) else {
            return;
        };
        body.push(b'\n');
        if let Err(why) = run_hook(&command, &body).await {
            tracing::warn!(rotation = %r.name, "notify command failed: {why}");
            let now = self.now();
            let r = r.clone();
            let _ = self
                .write(move |_doc, events| {
                    events.push(event_for(
                        &r,
                        EventKind::NotifyFailed,
                        Outcome::Failure,
                        None,
                        now,
                        format!("notify command failed: {why}"),
                    ));
                    Ok(())
                })
                .await;
        }
    }
}

async fn run_hook(command: &str, body: &[u8]) -> Result<(), String> {
    let mut child = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start `sh -c`: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A hook that does not read its input is not an error.
        let _ = stdin.write_all(body).await;
    }
    match tokio::time::timeout(HOOK_TIMEOUT, child.wait()).await {
        Err(_) => Err(format!(
            "still running after {} s; stopped",
            HOOK_TIMEOUT.as_secs()
        )),
        Ok(Err(e)) => Err(e.to_string()),
        Ok(Ok(status)) if status.success() => Ok(()),
        Ok(Ok(status)) => Err(format!("exited with {status}")),
    }
}
