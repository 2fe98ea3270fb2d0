//! The console's state and its one update function: every key, tick and background result
//! arrives as an `Action`, changes state here, and may yield a follow-up action. Engine work is
//! queued as `Task`s for the event loop to run; nothing here blocks or does I/O.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::action::Action;
use super::keymap::Context;
use super::popup::Popup;
use super::progress::RotationProgress;
use super::state::connection_form::ConnectionForm;
use super::state::wizard::Wizard;
use super::tasks::Task;
use super::theme::{Theme, Tone};
use super::time::Zone;
use super::widgets::TextField;
use crate::engine::{ConnectionReport, Credentials, SessionCounts};
use crate::model::{Event, Rotation};
use crate::store::Document;

/// Something fetched in the background.
#[derive(Clone, Debug)]
pub(crate) enum Loadable<T> {
    Loading,
    Ready(T),
    Failed(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Screen {
    Dashboard,
    Connections,
    Credentials,
    Wizard,
}

/// The tabs of a rotation's own view (Enter or `H` on a rotation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RotationTab {
    /// Every attempt (trigger, outcome, duration, nodes, message) and the secrets' versions.
    History,
    /// The detail pane, full size.
    Details,
}

/// The dashboard's panes, in Tab order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Pane {
    Rotations,
    Detail,
    Scheduler,
}

#[derive(Clone, Debug)]
pub(crate) struct Status {
    pub(crate) text: String,
    pub(crate) tone: Tone,
}

#[derive(Clone, Debug)]
pub(crate) struct DashboardState {
    /// Position in `visible`.
    pub(crate) selected: usize,
    /// Indices into `doc.rotations`: sorted, filtered.
    pub(crate) visible: Vec<usize>,
    pub(crate) filter: TextField,
    pub(crate) filtering: bool,
    pub(crate) focus: Pane,
    /// Enter: the selected rotation's own view (history and details tabs) takes the whole body.
    pub(crate) zoom: bool,
    /// Which tab that view shows.
    pub(crate) tab: RotationTab,
    pub(crate) detail_scroll: u16,
    /// Lines scrolled back from the newest event.
    pub(crate) log_scroll: usize,
    /// Select this rotation once the next snapshot has it (just created).
    pub(crate) select_after_reload: Option<Uuid>,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct ConnectionsState {
    pub(crate) selected: usize,
    pub(crate) form: Option<ConnectionForm>,
    /// `u`: the ACL users on the selected connection's server that no rotation owns.
    pub(crate) leftovers: Option<LeftoversState>,
}

/// The leftover users of one connection, and which one is selected (`x` revokes it).
#[derive(Clone, Debug)]
pub(crate) struct LeftoversState {
    pub(crate) connection_id: Uuid,
    pub(crate) users: Loadable<Vec<crate::engine::LeftoverUser>>,
    pub(crate) selected: usize,
}

#[derive(Clone, Debug)]
pub(crate) struct CredentialsState {
    pub(crate) rotation_id: Uuid,
    pub(crate) creds: Loadable<Credentials>,
    pub(crate) revealed: bool,
    /// 0 current, 1 previous.
    pub(crate) row: usize,
}

pub struct App {
    pub(crate) doc: Arc<Document>,
    /// The display clock; ticks move it.
    pub(crate) now: DateTime<Utc>,
    pub(crate) zone: Zone,
    pub(crate) theme: Theme,
    /// Shown in the header (e.g. "demo").
    pub(crate) title: Option<String>,
    pub(crate) screen: Screen,
    pub(crate) dashboard: DashboardState,
    pub(crate) connections: ConnectionsState,
    pub(crate) credentials: Option<CredentialsState>,
    pub(crate) wizard: Option<Wizard>,
    /// The top popup gets keys first.
    pub(crate) popups: Vec<Popup>,
    pub(crate) sessions: HashMap<Uuid, Loadable<[SessionCounts; 2]>>,
    /// Per rotation, whether each node holds both its credentials.
    pub(crate) sync: HashMap<Uuid, Loadable<Vec<crate::engine::NodeSync>>>,
    /// Connection test reports, by connection id.
    pub(crate) reports: HashMap<Uuid, Loadable<ConnectionReport>>,
    pub(crate) progress: HashMap<Uuid, RotationProgress>,
    /// Events announced by this process's engine and not yet in `doc`.
    pub(crate) live_events: Vec<Event>,
    pub(crate) status: Option<Status>,
    /// Engine work for the event loop to run.
    pub(crate) tasks: Vec<Task>,
    pub(crate) should_quit: bool,
    /// An hour of live-session samples per rotation (the detail pane's chart).
    pub(crate) session_history: HashMap<Uuid, crate::tui::health::SessionHistory>,
    /// Rotations and connections with a health read in flight (no second one is queued).
    pub(crate) in_flight: std::collections::HashSet<Uuid>,
    /// The in-process scheduler: holding the lease or standing by, and the holder.
    pub(crate) scheduler: Option<(
        crate::engine::scheduler::SchedulerState,
        Option<crate::engine::lease::LeaseHolder>,
    )>,
    /// The terminal's size when known (None in tests that never say: drawn as if it fits).
    pub(crate) size: Option<(u16, u16)>,
}

impl App {
    /// State over a document, with the display clock and zone given (tests pass UTC and a fixed
    /// instant). Validation uses the model's rules.
    pub fn new(doc: Arc<Document>, now: DateTime<Utc>, zone: Zone, theme: Theme) -> App {
        let mut app = App {
            doc,
            now,
            zone,
            theme,
            title: None,
            screen: Screen::Dashboard,
            dashboard: DashboardState {
                selected: 0,
                visible: Vec::new(),
                filter: TextField::default(),
                filtering: false,
                focus: Pane::Rotations,
                zoom: false,
                tab: RotationTab::History,
                detail_scroll: 0,
                log_scroll: 0,
                select_after_reload: None,
            },
            connections: ConnectionsState::default(),
            credentials: None,
            wizard: None,
            popups: Vec::new(),
            sessions: HashMap::new(),
            sync: HashMap::new(),
            reports: HashMap::new(),
            progress: HashMap::new(),
            live_events: Vec::new(),
            status: None,
            tasks: Vec::new(),
            should_quit: false,
            size: None,
            scheduler: None,
            session_history: HashMap::new(),
            in_flight: std::collections::HashSet::new(),
        };
        app.compute_visible();
        app
    }

    pub(crate) fn with_title(mut self, title: Option<String>) -> App {
        self.title = title;
        self
    }

    /// First work once running: live sessions of the selected rotation.
    pub(crate) fn start(&mut self) {
        self.selection_changed();
    }

    pub(crate) fn take_tasks(&mut self) -> Vec<Task> {
        std::mem::take(&mut self.tasks)
    }

    /// The status line: one line, so a multi-line engine message is joined with "; ".
    pub(crate) fn set_status(&mut self, tone: Tone, text: impl Into<String>) {
        let text: String = text.into();
        self.status = Some(Status {
            text: text.lines().collect::<Vec<_>>().join("; "),
            tone,
        });
    }

    pub(crate) fn selected_rotation(&self) -> Option<&Rotation> {
        let i = *self.dashboard.visible.get(self.dashboard.selected)?;
        self.doc.rotations.get(i)
    }

    pub(crate) fn rotation(&self, id: Uuid) -> Option<&Rotation> {
        self.doc.rotations.iter().find(|r| r.id == id)
    }

    pub(crate) fn is_running(&self, id: Uuid) -> bool {
        self.progress
            .get(&id)
            .is_some_and(RotationProgress::running)
    }

    pub(crate) fn any_running(&self) -> bool {
        self.progress.values().any(RotationProgress::running)
    }

    /// Whether something on screen changes with the clock (countdowns, spinners), so the event
    /// loop ticks only then.
    pub(crate) fn needs_ticks(&self) -> bool {
        let spinner = self.any_running()
            || self.wizard.as_ref().is_some_and(|w| w.submitting)
            || self
                .reports
                .values()
                .any(|r| matches!(r, Loadable::Loading));
        let countdown = self.screen == Screen::Dashboard
            && self
                .doc
                .rotations
                .iter()
                .any(|r| r.next_rotation_at.is_some());
        spinner || countdown
    }

    /// How often the screen's clock-driven text changes, in seconds: every second while a
    /// spinner turns or a countdown is under an hour, else every minute. The event loop redraws
    /// on a tick only when `now` crosses this step, so an idle console does not draw.
    pub(crate) fn clock_resolution(&self) -> i64 {
        let spinner = self.any_running()
            || self.wizard.as_ref().is_some_and(|w| w.submitting)
            || self
                .reports
                .values()
                .any(|r| matches!(r, Loadable::Loading))
            || matches!(&self.credentials, Some(c) if matches!(c.creds, Loadable::Loading));
        let soon = self.doc.rotations.iter().any(|r| {
            r.next_rotation_at
                .is_some_and(|t| (t - self.now).num_seconds().abs() < 3600)
        });
        if spinner || soon { 1 } else { 60 }
    }

    /// Queues a health read of what the dashboard shows: the selected rotation's live sessions
    /// and its connection's nodes. The last values stay on screen until the answers arrive.
    pub(crate) fn sample(&mut self) {
        if self.screen != Screen::Dashboard {
            return;
        }
        let Some((id, conn)) = self.selected_rotation().map(|r| (r.id, r.connection_id)) else {
            return;
        };
        if self.in_flight.insert(id) {
            self.tasks.push(Task::Sessions(id));
        }
        if self.doc.connections.iter().any(|c| c.id == conn) && self.in_flight.insert(conn) {
            self.tasks.push(Task::TestConnection(conn));
        }
    }

    /// True while the terminal is below the minimum: only the "too small" notice is drawn.
    pub(crate) fn too_small(&self) -> bool {
        use super::screens::{MIN_HEIGHT, MIN_WIDTH};
        self.size
            .is_some_and(|(w, h)| w < MIN_WIDTH || h < MIN_HEIGHT)
    }

    /// Who gets keys now: the top popup, else the screen (and what it is focused on).
    pub(crate) fn context(&self) -> Context {
        if let Some(p) = self.popups.last() {
            return p.context();
        }
        match self.screen {
            Screen::Dashboard if self.dashboard.filtering => Context::Filter,
            Screen::Dashboard if self.dashboard.zoom => Context::Rotation,
            Screen::Dashboard => Context::Dashboard,
            Screen::Connections if self.connections.form.is_some() => Context::ConnectionForm,
            Screen::Connections if self.connections.leftovers.is_some() => Context::Leftovers,
            Screen::Connections => Context::Connections,
            Screen::Credentials => Context::Credentials,
            Screen::Wizard
                if self
                    .wizard
                    .as_ref()
                    .is_some_and(|w| w.connection.form.is_some()) =>
            {
                Context::ConnectionForm
            }
            Screen::Wizard
                if self.wizard.as_ref().is_some_and(|w| {
                    w.step == crate::tui::state::wizard::Step::Mapping
                        && w.mapping.sink_form.is_some()
                }) =>
            {
                Context::SinkForm
            }
            Screen::Wizard => Context::Wizard,
        }
    }

    /// The single entry point: applies `action`, returns a follow-up action if any.
    pub(crate) fn update(&mut self, action: Action) -> Option<Action> {
        match action {
            Action::Key(key) => self.on_key(key),
            Action::Paste(pasted) => {
                self.on_paste(pasted.text());
                None
            }
            Action::Resize(w, h) => {
                self.size = Some((w, h));
                None
            }
            Action::Tick(now) => {
                self.now = now;
                None
            }
            Action::Sample => {
                self.sample();
                None
            }
            Action::Scheduler(state, holder) => {
                self.scheduler = Some((state, holder));
                None
            }
            Action::ForceQuit => self.force_quit(),
            Action::QuitNow => {
                self.should_quit = true;
                None
            }
            Action::Quit => self.ask_quit(),
            Action::Help => {
                self.popups.push(Popup::Help { scroll: 0 });
                None
            }
            Action::StartRotation(id) => self.start_rotation(id),
            Action::StartDelete {
                id,
                revoke,
                delete_secrets,
            } => self.start_delete(id, revoke, delete_secrets),
            Action::StartRemoveConnection(id) => self.start_remove_connection(id),
            Action::DiscardWizard => {
                self.close_wizard();
                None
            }
            a @ (Action::Reloaded(_)
            | Action::Engine(_)
            | Action::Rotated(..)
            | Action::Created(_)
            | Action::Updated(..)
            | Action::AutoRotationSet(..)
            | Action::Deleted(..)
            | Action::CredentialsLoaded(..)
            | Action::SessionsLoaded(..)
            | Action::SyncLoaded(..)
            | Action::ConnectionTested(..)
            | Action::ConnectionSaved(..)
            | Action::ConnectionRemoved(..)) => self.on_result(a),
            Action::LeftoversLoaded(conn, result) => {
                self.leftovers_loaded(conn, result);
                None
            }
            Action::UserRevoked(conn, user, result) => {
                self.user_revoked(conn, &user, result);
                None
            }
            Action::StartRevokeUser(conn, user) => {
                self.start_revoke_user(conn, user);
                None
            }
            other => self.route(other),
        }
    }

    /// Navigation and intents go to the top popup, else to the current screen.
    fn route(&mut self, action: Action) -> Option<Action> {
        if !self.popups.is_empty() {
            return self.popup_action(action);
        }
        match self.screen {
            Screen::Dashboard => self.dashboard_action(action),
            Screen::Connections => self.connections_action(action),
            Screen::Credentials => self.credentials_action(action),
            Screen::Wizard => self.wizard_action(action),
        }
    }
}
