//! The dashboard's behaviour: selection, panes, filter, and the actions on the selected rotation
//! (each either asks first, or queues its engine task).

use uuid::Uuid;

use crate::tui::action::Action;
use crate::tui::app::{App, Loadable, Pane, RotationTab, Screen};
use crate::tui::popup::{DeleteDialog, Popup};
use crate::tui::progress::RotationProgress;
use crate::tui::tasks::Task;
use crate::tui::theme::Tone;

const PAGE: usize = 10;

impl App {
    /// Recomputes the visible rotations (sorted by name, then environment and path; filtered),
    /// keeping the selected rotation selected when it is still there.
    pub(crate) fn refresh_visible(&mut self) {
        let before = self.selected_rotation().map(|r| r.id);
        self.compute_visible();
        if self.selected_rotation().map(|r| r.id) != before {
            self.selection_changed();
        }
    }

    /// The visible rotations, without side effects (used by `App::new` too).
    pub(crate) fn compute_visible(&mut self) {
        let keep = self.selected_rotation().map(|r| r.id);
        let needle = self.dashboard.filter.value().to_lowercase();
        let rotations = &self.doc.rotations;
        let mut visible: Vec<usize> = (0..rotations.len())
            .filter(|&i| {
                let r = &rotations[i];
                needle.is_empty()
                    || r.name.to_lowercase().contains(&needle)
                    || r.environment.to_lowercase().contains(&needle)
                    || r.secret_path.to_lowercase().contains(&needle)
            })
            .collect();
        visible.sort_by(|&a, &b| {
            let (a, b) = (&rotations[a], &rotations[b]);
            (&a.name, &a.environment, &a.secret_path).cmp(&(
                &b.name,
                &b.environment,
                &b.secret_path,
            ))
        });
        self.dashboard.visible = visible;
        let found = keep.and_then(|id| {
            self.dashboard
                .visible
                .iter()
                .position(|&i| self.doc.rotations[i].id == id)
        });
        self.dashboard.selected = found.unwrap_or(
            self.dashboard
                .selected
                .min(self.dashboard.visible.len().saturating_sub(1)),
        );
    }

    /// A new rotation is selected: fetch its live sessions unless known, and test its
    /// connection once (side-effect free) so the detail pane can list the nodes.
    pub(crate) fn selection_changed(&mut self) {
        self.dashboard.detail_scroll = 0;
        let Some((id, conn)) = self.selected_rotation().map(|r| (r.id, r.connection_id)) else {
            return;
        };
        if !self.reports.contains_key(&conn) && self.doc.connections.iter().any(|c| c.id == conn) {
            self.reports.insert(conn, Loadable::Loading);
            self.tasks.push(Task::TestConnection(conn));
        }
        if !matches!(
            self.sessions.get(&id),
            Some(Loadable::Ready(_) | Loadable::Loading)
        ) {
            self.sessions.insert(id, Loadable::Loading);
            self.tasks.push(Task::Sessions(id));
        }
        if !matches!(
            self.sync.get(&id),
            Some(Loadable::Ready(_) | Loadable::Loading)
        ) {
            self.sync.insert(id, Loadable::Loading);
            self.tasks.push(Task::NodeSync(id));
        }
    }

    fn move_selection(&mut self, delta: isize) {
        let len = self.dashboard.visible.len();
        if len == 0 {
            return;
        }
        let next = (self.dashboard.selected as isize + delta).clamp(0, len as isize - 1) as usize;
        if next != self.dashboard.selected {
            self.dashboard.selected = next;
            self.selection_changed();
        }
    }

    fn scroll(&mut self, delta: isize) {
        match self.dashboard.focus {
            Pane::Rotations => self.move_selection(delta),
            Pane::Detail => {
                let v = self.dashboard.detail_scroll as isize + delta;
                self.dashboard.detail_scroll = v.clamp(0, 500) as u16;
            }
            Pane::Scheduler => {
                // Positive delta goes towards newer events (the bottom).
                let v = self.dashboard.log_scroll as isize - delta;
                self.dashboard.log_scroll = v.max(0) as usize;
            }
        }
    }

    pub(crate) fn dashboard_action(&mut self, action: Action) -> Option<Action> {
        let filtering = self.dashboard.filtering;
        match action {
            Action::Up if filtering => self.move_selection(-1),
            Action::Down if filtering => self.move_selection(1),
            Action::Up => self.scroll(-1),
            Action::Down => self.scroll(1),
            Action::PageUp => self.scroll(-(PAGE as isize)),
            Action::PageDown => self.scroll(PAGE as isize),
            Action::Top => self.scroll(-(isize::MAX / 2)),
            Action::Bottom => self.scroll(isize::MAX / 2),
            Action::NextFocus | Action::PrevFocus if self.dashboard.zoom => {
                self.dashboard.tab = match self.dashboard.tab {
                    RotationTab::History => RotationTab::Details,
                    RotationTab::Details => RotationTab::History,
                };
                self.dashboard.detail_scroll = 0;
            }
            Action::NextFocus | Action::PrevFocus => {
                let order = [Pane::Rotations, Pane::Detail, Pane::Scheduler];
                let i = order
                    .iter()
                    .position(|p| *p == self.dashboard.focus)
                    .unwrap_or(0);
                let step = if matches!(action, Action::NextFocus) {
                    1
                } else {
                    2
                };
                self.dashboard.focus = order[(i + step) % 3];
            }
            Action::Enter if filtering => self.dashboard.filtering = false,
            Action::Enter | Action::History if self.selected_rotation().is_some() => {
                if !self.dashboard.zoom || matches!(action, Action::History) {
                    self.dashboard.tab = RotationTab::History;
                    self.dashboard.detail_scroll = 0;
                }
                self.dashboard.zoom = true;
                self.dashboard.focus = Pane::Detail;
            }
            Action::Back if filtering => {
                self.dashboard.filtering = false;
                self.dashboard.filter.set("");
                self.refresh_visible();
            }
            Action::Back if self.dashboard.zoom => {
                self.dashboard.zoom = false;
                self.dashboard.focus = Pane::Rotations;
            }
            Action::Back if !self.dashboard.filter.value().is_empty() => {
                self.dashboard.filter.set("");
                self.refresh_visible();
            }
            Action::Back => self.dashboard.focus = Pane::Rotations,
            Action::Filter => {
                self.dashboard.filtering = true;
                self.dashboard.focus = Pane::Rotations;
            }
            Action::NewRotation => self.open_wizard(None),
            Action::OpenConnections => self.screen = Screen::Connections,
            Action::RotateNow
            | Action::ViewCredentials
            | Action::EditRotation
            | Action::PauseResume
            | Action::DeleteRotation
            | Action::TestConnection => return self.on_selected(action),
            _ => {}
        }
        None
    }

    /// An action on the selected rotation.
    fn on_selected(&mut self, action: Action) -> Option<Action> {
        let Some(r) = self.selected_rotation().cloned() else {
            self.set_status(Tone::Warn, "No rotation selected: press n to create one.");
            return None;
        };
        match action {
            Action::RotateNow if self.is_running(r.id) => {
                self.set_status(Tone::Warn, format!("{} is already rotating.", r.name));
            }
            Action::RotateNow => {
                let target = r.inactive_slot();
                let mut lines = vec![format!(
                    "Slot {} ({}) gets a new password on every node, is verified, then becomes active.",
                    target.index(),
                    r.username_for(target)
                )];
                if r.active().is_some() {
                    lines.push(format!(
                        "The current credential ({}) stays valid until the next rotation.",
                        r.username_for(r.active_index)
                    ));
                }
                // The slot about to be re-keyed is the one stragglers still use: say so.
                let user = r.username_for(target);
                lines.push(match self.sessions.get(&r.id) {
                    Some(Loadable::Ready(s)) if s[target.index()].sessions > 0 => {
                        let n = s[target.index()].sessions;
                        format!(
                            "⚠ {n} live session{} still use{} {user}: {} stay{} connected, but {} reconnect with the old password will fail.",
                            if n == 1 { "" } else { "s" },
                            if n == 1 { "s" } else { "" },
                            if n == 1 { "it" } else { "they" },
                            if n == 1 { "s" } else { "" },
                            if n == 1 { "its" } else { "every" },
                        )
                    }
                    Some(Loadable::Ready(_)) => {
                        format!("No live session uses {user}: nobody is locked out.")
                    }
                    _ => format!(
                        "Live sessions of {user} are not counted yet: connected clients stay up, but their reconnects with the old password will fail."
                    ),
                });
                self.confirm(
                    &format!("Rotate {} now?", r.name),
                    lines,
                    Action::StartRotation(r.id),
                    "rotate",
                );
            }
            Action::ViewCredentials => {
                self.credentials = Some(crate::tui::app::CredentialsState {
                    rotation_id: r.id,
                    creds: Loadable::Loading,
                    revealed: false,
                    row: 0,
                });
                self.tasks.push(Task::Credentials(r.id));
                self.screen = Screen::Credentials;
            }
            Action::EditRotation => self.open_wizard(Some(r.id)),
            Action::PauseResume => {
                let on = !r.is_auto_rotation_enabled;
                self.tasks.push(Task::SetAutoRotation(r.id, on));
                let verb = if on { "Resuming" } else { "Pausing" };
                self.set_status(Tone::Busy, format!("{verb} auto-rotation of {}…", r.name));
            }
            Action::DeleteRotation => self.popups.push(Popup::Delete(DeleteDialog::new(&r))),
            Action::TestConnection => self.test_connection(r.connection_id),
            _ => {}
        }
        None
    }

    /// Tests a stored connection and shows its per-node report as it arrives.
    pub(crate) fn test_connection(&mut self, id: Uuid) {
        let Some(name) = self
            .doc
            .connections
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.name.clone())
        else {
            self.set_status(Tone::Error, "The rotation's connection no longer exists.");
            return;
        };
        self.reports.insert(id, Loadable::Loading);
        self.tasks.push(Task::TestConnection(id));
        self.popups.push(Popup::Report {
            connection_id: id,
            name,
        });
    }

    pub(crate) fn start_rotation(&mut self, id: Uuid) -> Option<Action> {
        let r = self.rotation(id)?;
        let name = r.name.clone();
        self.progress.insert(id, RotationProgress::new(self.now));
        self.tasks.push(Task::Rotate(id));
        self.popups.push(Popup::Progress {
            rotation_id: id,
            name: name.clone(),
        });
        self.set_status(Tone::Busy, format!("Rotating {name}…"));
        None
    }

    pub(crate) fn start_delete(
        &mut self,
        id: Uuid,
        revoke: bool,
        delete_secrets: bool,
    ) -> Option<Action> {
        let name = self
            .rotation(id)
            .map(|r| r.name.clone())
            .unwrap_or_default();
        self.tasks.push(Task::Delete {
            id,
            revoke,
            delete_secrets,
        });
        self.set_status(Tone::Busy, format!("Deleting {name}…"));
        None
    }
}
