//! Step 1, Connection: pick the Redis connection that performs the rotation, or add and test a
//! new one inline. Read-only when editing (a rotation never changes connection).

use uuid::Uuid;

use crate::store::Document;
use crate::tui::state::connection_form::ConnectionForm;

#[derive(Clone, Debug)]
pub(crate) struct ConnectionStep {
    /// Index into the document's connections; `len` is "+ Add a new connection".
    pub(crate) cursor: usize,
    pub(crate) selected: Option<Uuid>,
    /// Editing: the connection cannot change.
    pub(crate) locked: bool,
    /// The inline add form.
    pub(crate) form: Option<ConnectionForm>,
    /// Errors the rules reported for `connectionId`.
    pub(crate) errors: Vec<String>,
}

impl ConnectionStep {
    pub(crate) fn new(doc: &Document, fixed: Option<Uuid>) -> ConnectionStep {
        let mut step = ConnectionStep {
            cursor: 0,
            selected: fixed,
            locked: fixed.is_some(),
            form: None,
            errors: Vec::new(),
        };
        if fixed.is_none() {
            step.selected = super::connection_at(doc, 0);
        }
        step.resync(doc);
        step
    }

    pub(crate) fn selected_id(&self, _doc: &Document) -> Option<Uuid> {
        self.selected
    }

    pub(crate) fn cursor_on_add(&self) -> bool {
        self.selected.is_none()
    }

    /// Moves the cursor over the connections and the "+ Add" item (not when locked).
    pub(crate) fn move_cursor(&mut self, doc: &Document, delta: isize) {
        if self.locked {
            return;
        }
        let last = doc.connections.len() as isize;
        self.cursor = (self.cursor as isize + delta).clamp(0, last) as usize;
        self.selected = super::connection_at(doc, self.cursor);
    }

    /// After the document changed: keep the chosen connection under the cursor.
    pub(crate) fn resync(&mut self, doc: &Document) {
        match self
            .selected
            .and_then(|id| doc.connections.iter().position(|c| c.id == id))
        {
            Some(i) => self.cursor = i,
            None if !self.locked => {
                self.cursor = self.cursor.min(doc.connections.len());
                self.selected = super::connection_at(doc, self.cursor);
            }
            None => {}
        }
    }
}
