//! Results of background work and engine notifications: fold them into state, say what happened
//! in the status bar (or a popup when it needs reading), and reload the database after writes.

use std::sync::Arc;

use uuid::Uuid;

use crate::engine::{DeleteOutcome, EngineEvent, SessionCounts, Step as EngineStep};
use crate::model::{Connection, Event, Rotation};
use crate::store::Document;
use crate::tui::action::{Action, FormOrigin, Outcome, TestTarget};
use crate::tui::app::{App, Loadable, Screen};
use crate::tui::popup::{Message, Popup};
use crate::tui::progress::{RotationProgress, ends_run};
use crate::tui::tasks::Task;
use crate::tui::theme::Tone;

/// How many live events are kept beyond the snapshot.
const LIVE_EVENTS: usize = 500;

impl App {
    pub(crate) fn on_result(&mut self, action: Action) -> Option<Action> {
        match action {
            Action::Reloaded(Ok(doc)) => self.apply_snapshot(doc),
            Action::Reloaded(Err(e)) => self.set_status(
                Tone::Error,
                format!("Could not read the database: {}", e.message),
            ),
            Action::Engine(EngineEvent::Progress {
                rotation_id,
                step,
                node,
                ok,
                ..
            }) => self.on_progress(rotation_id, step, node, ok),
            Action::Engine(EngineEvent::Logged(event)) => self.on_logged(event),
            Action::Rotated(id, result) => self.on_rotated(id, result),
            Action::Created(result) | Action::Updated(result) => self.on_saved(result),
            Action::AutoRotationSet(result) => self.on_auto_rotation_set(result),
            Action::Deleted(result) => self.on_deleted(result),
            Action::CredentialsLoaded(id, result) => {
                if let Some(c) = self.credentials.as_mut()
                    && c.rotation_id == id
                {
                    c.creds = match result {
                        Ok(v) => Loadable::Ready(v),
                        Err(e) => Loadable::Failed(e.message),
                    };
                }
            }
            Action::SyncLoaded(id, result) => {
                self.sync.insert(
                    id,
                    match result {
                        Ok(v) => Loadable::Ready(v),
                        Err(e) => Loadable::Failed(e.message),
                    },
                );
            }
            Action::SessionsLoaded(id, result) => self.on_sessions_loaded(id, result),
            Action::ConnectionTested(TestTarget::Stored(id), result) => {
                self.in_flight.remove(&id);
                let entry = match result {
                    Ok(report) => Loadable::Ready(report),
                    Err(e) => Loadable::Failed(e.message),
                };
                self.reports.insert(id, entry);
            }
            Action::ConnectionTested(TestTarget::Draft(origin), result) => {
                if let Some(form) = self.form_mut(origin) {
                    form.busy = None;
                    form.report = Some(result.map_err(|e| e.message));
                }
            }
            Action::ConnectionSaved(origin, result) => self.connection_saved(origin, result),
            Action::ConnectionRemoved(result) => self.on_connection_removed(result),
            _ => {}
        }
        None
    }

    /// A step of a rotation (here or in another process) reported: the progress popup and pane.
    fn on_progress(&mut self, rotation_id: Uuid, step: EngineStep, node: Option<String>, ok: bool) {
        let now = self.now;
        let p = self
            .progress
            .entry(rotation_id)
            .or_insert_with(|| RotationProgress::new(now));
        if !p.running() {
            *p = RotationProgress::new(now);
        }
        p.record(step, node, ok);
    }

    /// An event was written: a run that ended updates the status line; the event joins the log.
    fn on_logged(&mut self, event: Event) {
        if let Some((id, ok, msg)) = ends_run(&event) {
            // A later run (the scheduler's, say) replaces an earlier "✓ Rotated …".
            self.run_status(ok, &msg);
            if let Some(p) = self.progress.get_mut(&id) {
                p.finished = Some(if ok { Ok(msg) } else { Err(msg) });
            }
            self.sessions_stale(id);
        }
        if event.kind == crate::model::EventKind::Healed
            && let Some(id) = event.rotation_id
        {
            // A node was healed (the scheduler's reconcile pass): show it as it is now.
            self.sessions_stale(id);
        }
        let newest = self.doc.events.back().map_or(0, |e| e.seq);
        if event.seq > newest && !self.live_events.iter().any(|e| e.seq == event.seq) {
            self.live_events.push(event);
            if self.live_events.len() > LIVE_EVENTS {
                self.live_events.remove(0);
            }
        }
        self.tasks.push(Task::Reload);
    }

    /// A rotate-now started here ended.
    fn on_rotated(&mut self, id: Uuid, result: Outcome<Rotation>) {
        let text = match &result {
            Ok(r) => format!(
                "Rotated {} → slot {} ({} is now active).",
                r.name,
                r.active_index.index(),
                r.username_for(r.active_index)
            ),
            Err(e) => format!("Rotation failed: {}", e.message),
        };
        if let Some(p) = self.progress.get_mut(&id)
            && p.running()
        {
            p.finished = Some(match &result {
                Ok(_) => Ok(text.clone()),
                Err(e) => Err(e.message.clone()),
            });
        }
        let tone = if result.is_ok() {
            Tone::Ok
        } else {
            Tone::Error
        };
        self.set_status(tone, text);
        self.sessions_stale(id);
        self.tasks.push(Task::Reload);
    }

    /// The wizard's Create or Save answered: close it, or show why on the review page.
    fn on_saved(&mut self, result: Outcome<Rotation>) {
        match result {
            Ok(r) => {
                let verb = match self.wizard.as_ref().and_then(|w| w.editing()) {
                    Some(_) => "Saved",
                    None => "Created",
                };
                self.close_wizard();
                self.dashboard.select_after_reload = Some(r.id);
                self.set_status(Tone::Ok, format!("{verb} {}.", r.name));
                self.tasks.push(Task::Reload);
            }
            Err(e) => {
                // The status line has one row; the review shows the whole reason.
                self.set_status(Tone::Error, "Refused: the reason is on the review page.");
                if let Some(w) = self.wizard.as_mut() {
                    w.submit_failed(e);
                }
            }
        }
    }

    fn on_auto_rotation_set(&mut self, result: Outcome<Rotation>) {
        match result {
            Ok(r) => self.set_status(
                Tone::Ok,
                format!(
                    "Auto-rotation of {} {}.",
                    r.name,
                    if r.is_auto_rotation_enabled {
                        "resumed"
                    } else {
                        "paused"
                    }
                ),
            ),
            Err(e) => self.set_status(Tone::Error, e.message),
        }
        self.tasks.push(Task::Reload);
    }

    /// A delete answered: what it revoked, deleted and kept, in a popup to read.
    fn on_deleted(&mut self, result: Outcome<DeleteOutcome>) {
        let popup = match result {
            Ok(out) => {
                let mut lines = Vec::new();
                if !out.revoked_users.is_empty() {
                    lines.push(format!("✓ revoked {}", out.revoked_users.join(", ")));
                }
                if !out.deleted_secrets.is_empty() {
                    lines.push(format!(
                        "✓ deleted secrets {}",
                        out.deleted_secrets.join(", ")
                    ));
                }
                lines.extend(out.kept.iter().map(|k| format!("· {k}")));
                self.set_status(Tone::Ok, format!("Deleted {}.", out.name));
                Message {
                    title: format!("Deleted {}", out.name),
                    lines,
                    tone: Tone::Ok,
                }
            }
            Err(e) => {
                self.set_status(Tone::Error, "Delete failed.");
                Message {
                    title: "Delete failed".into(),
                    lines: e.message.lines().map(String::from).collect(),
                    tone: Tone::Error,
                }
            }
        };
        self.popups.push(Popup::Message(popup));
        self.tasks.push(Task::Reload);
    }

    /// A sessions sample: the count shown and one more point on the hour's chart.
    fn on_sessions_loaded(&mut self, id: Uuid, result: Outcome<[SessionCounts; 2]>) {
        self.in_flight.remove(&id);
        if let Ok(counts) = &result {
            self.session_history
                .entry(id)
                .or_default()
                .push(self.now, counts);
        }
        self.sessions.insert(
            id,
            match result {
                Ok(v) => Loadable::Ready(v),
                Err(e) => Loadable::Failed(e.message),
            },
        );
    }

    fn on_connection_removed(&mut self, result: Outcome<Connection>) {
        match result {
            Ok(c) => self.set_status(Tone::Ok, format!("Removed connection {}.", c.name)),
            Err(e) => self.popups.push(Popup::Message(Message {
                title: "Connection not removed".into(),
                lines: e.message.lines().map(String::from).collect(),
                tone: Tone::Error,
            })),
        }
        self.tasks.push(Task::Reload);
    }

    fn connection_saved(
        &mut self,
        origin: FormOrigin,
        result: crate::tui::action::Outcome<(
            crate::model::Connection,
            crate::engine::ConnectionReport,
        )>,
    ) {
        match result {
            Ok((conn, report)) => {
                self.reports.insert(conn.id, Loadable::Ready(report));
                self.close_form(origin);
                if origin == FormOrigin::Wizard
                    && let Some(w) = self.wizard.as_mut()
                {
                    w.connection.selected = Some(conn.id);
                }
                self.set_status(Tone::Ok, format!("Saved connection {}.", conn.name));
                self.tasks.push(Task::Reload);
            }
            Err(e) => {
                if let Some(form) = self.form_mut(origin) {
                    form.busy = None;
                    form.mark_failure(std::slice::from_ref(&e.message));
                    form.report = Some(Err(e.message.clone()));
                }
                self.set_status(Tone::Error, "The connection was not saved.");
            }
        }
    }

    /// A rotation's sessions changed (it rotated): fetch again if it is on screen.
    fn sessions_stale(&mut self, id: uuid::Uuid) {
        self.sessions.remove(&id);
        // A rotation reconciles its nodes first: their state may have changed too.
        self.sync.remove(&id);
        if self.selected_rotation().is_some_and(|r| r.id == id) {
            self.selection_changed();
        }
    }

    /// The status line after a run ended, here or in another process.
    fn run_status(&mut self, ok: bool, msg: &str) {
        let (tone, text) = if ok {
            (Tone::Ok, msg.to_string())
        } else {
            (Tone::Error, msg.to_string())
        };
        let mut chars = text.chars();
        let first = chars.next().map(|c| c.to_uppercase().collect::<String>());
        self.set_status(
            tone,
            format!("{}{}", first.unwrap_or_default(), chars.as_str()),
        );
    }

    /// A new snapshot of the database: everything derived from it follows.
    pub(crate) fn apply_snapshot(&mut self, doc: Arc<Document>) {
        let newest = doc.events.back().map_or(0, |e| e.seq);
        let seen = self.doc.events.back().map_or(0, |e| e.seq);
        self.live_events.retain(|e| e.seq > newest);
        // Rotations that changed since the last snapshot (another process rotated, edited):
        // every view of their data reloads instead of showing what no longer holds.
        let changed: Vec<uuid::Uuid> = doc
            .rotations
            .iter()
            .filter(|r| self.rotation(r.id).is_some_and(|old| old != *r))
            .map(|r| r.id)
            .collect();
        let ended = doc
            .events
            .iter()
            .rev()
            .take_while(|e| e.seq > seen)
            .find_map(ends_run);
        self.doc = doc;
        if seen > 0
            && let Some((_, ok, msg)) = ended
        {
            self.run_status(ok, &msg);
        }

        self.refresh_visible();
        if let Some(id) = self.dashboard.select_after_reload
            && let Some(pos) = self
                .dashboard
                .visible
                .iter()
                .position(|&i| self.doc.rotations[i].id == id)
        {
            self.dashboard.select_after_reload = None;
            self.dashboard.selected = pos;
            self.selection_changed();
        }
        let len = self.doc.connections.len();
        self.connections.selected = self.connections.selected.min(len.saturating_sub(1));
        if let Some(c) = &self.credentials
            && self.rotation(c.rotation_id).is_none()
        {
            self.credentials = None;
            if self.screen == Screen::Credentials {
                self.screen = Screen::Dashboard;
            }
        }
        let doc = self.doc.clone();
        if let Some(w) = self.wizard.as_mut() {
            w.connection.resync(&doc);
        }
        if self.wizard.is_some() {
            self.revalidate_wizard();
        }
        if self.connections.form.is_some() {
            self.revalidate_form(FormOrigin::Screen);
        }
        for id in changed {
            self.sessions_stale(id);
            if let Some(c) = self.credentials.as_mut()
                && c.rotation_id == id
            {
                c.creds = Loadable::Loading;
                self.tasks.push(Task::Credentials(id));
            }
        }
    }
}
