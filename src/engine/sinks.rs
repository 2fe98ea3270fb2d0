//! Delivering the current credentials to a rotation's sinks after every promotion (SPEC 2.5):
//! each file is written atomically (temp file in the same folder, mode and owner set, fsync,
//! rename, folder fsync), then its reload command runs. A failure never undoes the rotation: it
//! is an event (`sink-failed`, which the daemon's metrics count) and is retried with backoff.
//! What is owed is in the database (`sinksOwed`, set by the promotion's own write), so a
//! restart delivers what a crash or a sink that gave up left undone.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use crate::model::sink::{Sink, SinkFormat};
use crate::model::{EventKind, Outcome, Password, Rotation};
use crate::store::export::{ExportFormat, render_export};

use super::rotate::{event_for, redact};
use super::{Engine, EngineError};

/// Waits between attempts: four attempts in all.
const BACKOFF: [Duration; 3] = [
    Duration::from_secs(1),
    Duration::from_secs(2),
    Duration::from_secs(4),
];
const RELOAD_TIMEOUT: Duration = Duration::from_secs(30);

/// The file's content: the mapped secret names as keys (dotenv, JSON), or the template with
/// `username`, `password` and the mapped names.
pub(crate) fn render(
    sink: &Sink,
    r: &Rotation,
    username: &str,
    password: &Password,
) -> Result<String, String> {
    let keys = (&r.secrets_mapping.username, &r.secrets_mapping.password);
    let pairs = || {
        vec![
            (keys.0.clone(), Password::new(username.to_string())),
            (keys.1.clone(), password.clone()),
        ]
    };
    match sink.format {
        SinkFormat::Dotenv => Ok(render_export(ExportFormat::Dotenv, &pairs())),
        SinkFormat::Json => Ok(render_export(ExportFormat::Json, &pairs())),
        SinkFormat::Template => {
            let env = minijinja::Environment::new();
            let tmpl = env
                .template_from_str(sink.template.as_deref().unwrap_or_default())
                .map_err(|e| format!("template: {e}"))?;
            let mut ctx = std::collections::BTreeMap::new();
            ctx.insert(keys.0.as_str(), username);
            ctx.insert(keys.1.as_str(), password.expose());
            ctx.insert("username", username);
            ctx.insert("password", password.expose());
            tmpl.render(ctx).map_err(|e| format!("template: {e}"))
        }
    }
}

/// Replaces `path` with `content` so a reader sees the old file or the new one, never a part:
/// a temp file in the same folder gets the content, mode and owner, is synced, renamed over the
/// path, and the folder is synced.
pub(crate) fn write_atomically(sink: &Sink, content: &str) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let path = Path::new(&sink.path);
    let dir = path
        .parent()
        .ok_or_else(|| format!("{} has no folder", sink.path))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| format!("cannot create a temp file in {}: {e}", dir.display()))?;
    tmp.as_file()
        .set_permissions(std::fs::Permissions::from_mode(sink.mode))
        .map_err(|e| format!("cannot set mode {:04o}: {e}", sink.mode))?;
    if let Some(owner) = &sink.owner {
        let (uid, gid) = resolve_owner(owner)?;
        nix::unistd::fchown(tmp.as_file(), uid, gid)
            .map_err(|e| format!("cannot give it to {owner}: {e}"))?;
    }
    tmp.write_all(content.as_bytes())
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| format!("cannot write {}: {e}", sink.path))?;
    tmp.persist(path)
        .map_err(|e| format!("cannot replace {}: {}", sink.path, e.error))?;
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| format!("cannot sync {}: {e}", dir.display()))
}

/// `user` or `user:group`, by name or number.
fn resolve_owner(
    owner: &str,
) -> Result<(Option<nix::unistd::Uid>, Option<nix::unistd::Gid>), String> {
    use nix::unistd::{Gid, Group, Uid, User};
    let (user, group) = owner
        .split_once(':')
        .map_or((owner, None), |(u, g)| (u, Some(g)));
    let uid = match user.parse::<u32>() {
        Ok(n) => Uid::from_raw(n),
        Err(_) => User::from_name(user)
            .ok()
            .flatten()
            .map(|u| u.uid)
            .ok_or_else(|| format!("no user `{user}` on this machine"))?,
    };
    let gid = match group {
        None => None,
        Some(g) => Some(match g.parse::<u32>() {
            Ok(n) => Gid::from_raw(n),
            Err(_) => Group::from_name(g)
                .ok()
                .flatten()
                .map(|g| g.gid)
                .ok_or_else(|| format!("no group `{g}` on this machine"))?,
        }),
    };
    Ok((Some(uid), gid))
}

/// Runs the reload command through `sh -c`, with a timeout.
async fn reload(command: &str) -> Result<(), String> {
    let child = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot run reload `{command}`: {e}"))?;
    let out = tokio::time::timeout(RELOAD_TIMEOUT, child.wait_with_output())
        .await
        .map_err(|_| {
            format!(
                "reload `{command}` did not finish within {}s",
                RELOAD_TIMEOUT.as_secs()
            )
        })?
        .map_err(|e| format!("reload `{command}`: {e}"))?;
    if out.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let last = stderr.lines().last().unwrap_or("").trim();
    let status = out.status.code().map_or_else(
        || "was killed by a signal".to_string(),
        |c| format!("exited with {c}"),
    );
    Err(if last.is_empty() {
        format!("reload `{command}` {status}")
    } else {
        format!(
            "reload `{command}` {status}: {}",
            crate::model::text::printable(last)
        )
    })
}

impl Engine {
    /// Delivers `r`'s current credentials to each of its sinks still owed them, all sinks at
    /// once, each retried with backoff; every failed attempt is an event. Called after a
    /// promotion, with no lock held.
    pub(crate) async fn deliver_sinks(&self, r: &Rotation) {
        if r.sinks.is_empty() {
            return;
        }
        futures::future::join_all(
            r.sinks
                .iter()
                .map(|sink| self.deliver_with_retries(r, sink)),
        )
        .await;
    }

    /// Delivers what a crash, a restart or a sink that gave up left owed (SPEC 2.5: a sink's
    /// failure is retried, not forgotten). Run by a scheduler when it takes the lease.
    pub(crate) async fn deliver_owed_sinks(&self) {
        let Ok(doc) = self.snapshot() else {
            return;
        };
        let owed = doc
            .rotations
            .iter()
            .filter(|r| !r.sinks_owed.is_empty() && r.pending.is_none());
        for r in owed {
            tracing::info!(rotation = %r.name, sinks = r.sinks_owed.len(), "delivering owed credentials");
            self.deliver_sinks(r).await;
        }
    }

    async fn deliver_with_retries(&self, r: &Rotation, sink: &Sink) {
        for attempt in 0..=BACKOFF.len() {
            // Read afresh at every attempt: delivered meanwhile by another process, or a newer
            // promotion whose credential is the one to write.
            let owed = match self.owed(r.id, sink.path.clone()).await {
                Ok(Some(owed)) => owed,
                Ok(None) => return,
                Err(why) => {
                    return self.sink_failed(r, &sink.path, &why, None).await;
                }
            };
            let (job, username, password) = owed;
            match self.deliver_one(sink, r, &username, &password).await {
                Ok(()) => {
                    // Logged once recorded, so the line means it is no longer owed.
                    self.delivered(r, &sink.path, job).await;
                    tracing::info!(rotation = %r.name, path = %sink.path, "credentials delivered");
                    return;
                }
                Err(why) => {
                    let why = redact(&why, &[&password]);
                    let wait = BACKOFF.get(attempt).copied();
                    self.sink_failed(r, &sink.path, &why, wait.map(|w| (attempt + 1, w)))
                        .await;
                    match wait {
                        Some(w) => tokio::time::sleep(w).await,
                        None => return,
                    }
                }
            }
        }
    }

    /// The promotion's job and the current credential when `path` is still owed them.
    async fn owed(
        &self,
        id: uuid::Uuid,
        path: String,
    ) -> Result<Option<(Option<uuid::Uuid>, String, Password)>, String> {
        let engine = self.clone();
        tokio::task::spawn_blocking(move || {
            // The job first: a promotion between the two reads leaves the path owed (the
            // clearing write checks the job), never cleared for an older credential.
            let r = engine.rotation_by_id(id).map_err(|e| e.to_string())?;
            if !r.sinks_owed.contains(&path) || !r.sinks.iter().any(|s| s.path == path) {
                return Ok(None);
            }
            let creds = engine.credentials(id).map_err(|e| e.to_string())?;
            Ok(Some((
                r.last_rotation_job_id,
                creds.active.username,
                creds.active.password,
            )))
        })
        .await
        .map_err(|e| e.to_string())?
    }

    /// `path` holds the credential of `job`: no longer owed, unless a newer promotion owes it.
    async fn delivered(&self, r: &Rotation, path: &str, job: Option<uuid::Uuid>) {
        let (id, path) = (r.id, path.to_string());
        let written = self
            .write(move |doc, _| {
                if let Some(r) = doc.rotation_mut(id)
                    && r.last_rotation_job_id == job
                {
                    r.sinks_owed.retain(|p| *p != path);
                }
                Ok::<_, EngineError>(())
            })
            .await;
        if let Err(e) = written {
            tracing::warn!(rotation = %r.name, "could not record a delivered sink: {e}");
        }
    }

    async fn deliver_one(
        &self,
        sink: &Sink,
        r: &Rotation,
        username: &str,
        password: &Password,
    ) -> Result<(), String> {
        let content = render(sink, r, username, password)?;
        let s = sink.clone();
        tokio::task::spawn_blocking(move || write_atomically(&s, &content))
            .await
            .map_err(|e| e.to_string())??;
        match &sink.reload {
            Some(cmd) => reload(cmd).await,
            None => Ok(()),
        }
    }

    /// One failed attempt as an event: with `retry` (attempt number, wait) it says when the
    /// next comes; without, that delivery gave up and the rotation stands.
    async fn sink_failed(
        &self,
        r: &Rotation,
        what: &str,
        why: &str,
        retry: Option<(usize, Duration)>,
    ) {
        let tail = match retry {
            Some((n, wait)) => format!(
                "attempt {n} of {}; retrying in {}s",
                BACKOFF.len() + 1,
                wait.as_secs()
            ),
            None => format!(
                "gave up after {} attempts; the rotation stands and the delivery stays owed: fix \
                 the sink, then restart the daemon (or console) or run `redis-rotator rotation \
                 rotate {}`",
                BACKOFF.len() + 1,
                r.name
            ),
        };
        let message = format!("sink {what} of {}: {why}; {tail}", r.name);
        tracing::warn!(rotation = %r.name, "{message}");
        let r = r.clone();
        let now = self.now();
        let written = self
            .write(move |_, events| {
                events.push(event_for(
                    &r,
                    EventKind::SinkFailed,
                    Outcome::Failure,
                    None,
                    now,
                    message,
                ));
                Ok::<_, EngineError>(())
            })
            .await;
        if let Err(e) = written {
            tracing::warn!("could not record a sink failure: {e}");
        }
    }
}
