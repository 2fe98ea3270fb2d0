//! The connections screen's leftovers: `u` lists the ACL users on the selected connection's
//! server that no rotation owns (what a delete with "keep users" left), `x` revokes one after
//! a confirmation. The engine does the work (`engine::leftovers`); this only asks and shows.

use uuid::Uuid;

use crate::engine::LeftoverUser;
use crate::tui::action::{Action, Outcome};
use crate::tui::app::{App, LeftoversState, Loadable};
use crate::tui::tasks::Task;
use crate::tui::theme::Tone;

impl App {
    /// Opens (or reloads) the list for connection `id`.
    pub(crate) fn open_leftovers(&mut self, id: Uuid) {
        let selected = self
            .connections
            .leftovers
            .as_ref()
            .filter(|l| l.connection_id == id)
            .map_or(0, |l| l.selected);
        self.connections.leftovers = Some(LeftoversState {
            connection_id: id,
            users: Loadable::Loading,
            selected,
        });
        self.tasks.push(Task::Leftovers(id));
    }

    fn connection_name(&self, id: Uuid) -> String {
        self.doc
            .connections
            .iter()
            .find(|c| c.id == id)
            .map_or_else(|| id.to_string(), |c| c.name.clone())
    }

    pub(crate) fn leftovers_action(&mut self, action: Action) -> Option<Action> {
        let state = self.connections.leftovers.as_mut()?;
        let len = match &state.users {
            Loadable::Ready(u) => u.len(),
            _ => 0,
        };
        let last = len.saturating_sub(1);
        match action {
            Action::Up => state.selected = state.selected.saturating_sub(1),
            Action::Down => state.selected = (state.selected + 1).min(last),
            Action::Top => state.selected = 0,
            Action::Bottom => state.selected = last,
            Action::Back => self.connections.leftovers = None,
            Action::Leftovers => {
                let id = state.connection_id;
                self.open_leftovers(id);
            }
            Action::RevokeUser => {
                let (id, user) = match &state.users {
                    Loadable::Ready(users) => match users.get(state.selected.min(last)) {
                        Some(u) => (state.connection_id, u.clone()),
                        None => {
                            self.set_status(Tone::Warn, "No leftover user to revoke.");
                            return None;
                        }
                    },
                    _ => {
                        self.set_status(Tone::Warn, "The list is not loaded yet.");
                        return None;
                    }
                };
                self.ask_revoke(id, &user);
            }
            _ => {}
        }
        None
    }

    fn ask_revoke(&mut self, id: Uuid, user: &LeftoverUser) {
        let conn = self.connection_name(id);
        self.confirm(
            &format!("Revoke ACL user {} on {conn}?", user.username),
            vec![
                format!(
                    "ACL DELUSER {} on every node of {conn} ({} of {} node{} have it), then persisted.",
                    user.username,
                    user.nodes,
                    user.of,
                    if user.of == 1 { "" } else { "s" }
                ),
                "No rotation owns it. Clients connected as it are disconnected by the server,"
                    .into(),
                "and nothing can log in as it again. This cannot be undone.".into(),
            ],
            Action::StartRevokeUser(id, user.username.clone()),
            "revoke",
        );
    }

    pub(crate) fn start_revoke_user(&mut self, id: Uuid, user: String) {
        let conn = self.connection_name(id);
        self.set_status(Tone::Busy, format!("Revoking {user} on {conn}…"));
        self.tasks.push(Task::RevokeUser(id, user));
    }

    pub(crate) fn leftovers_loaded(&mut self, id: Uuid, result: Outcome<Vec<LeftoverUser>>) {
        let Some(state) = self
            .connections
            .leftovers
            .as_mut()
            .filter(|l| l.connection_id == id)
        else {
            return;
        };
        state.users = match result {
            Ok(users) => {
                state.selected = state.selected.min(users.len().saturating_sub(1));
                Loadable::Ready(users)
            }
            Err(e) => Loadable::Failed(e.message),
        };
    }

    pub(crate) fn user_revoked(&mut self, id: Uuid, user: &str, result: Outcome<()>) {
        let conn = self.connection_name(id);
        match result {
            Ok(()) => self.set_status(Tone::Ok, format!("Revoked {user} on {conn}.")),
            Err(e) => self.set_status(Tone::Error, format!("{user} not revoked: {}", e.message)),
        }
        // The event log gained an entry; the list lost a user.
        self.tasks.push(Task::Reload);
        if self
            .connections
            .leftovers
            .as_ref()
            .is_some_and(|l| l.connection_id == id)
        {
            self.open_leftovers(id);
        }
    }
}
