//! Step 1, Connection: pick the Redis connection that performs the rotation, or add and test a
//! new one inline. Read-only when editing (a rotation never changes connection).

use uuid::Uuid;

use crate::store::Document;
use crate::tui::state::connection_form::ConnectionForm;

#[derive(Clone, Debug)]
pub struct ConnectionStep {
    /// Index into the document's connections; `len` is "+ Add a new connection".
    pub cursor: usize,
    pub selected: Option<Uuid>,
    /// Editing: the connection cannot change.
    pub locked: bool,
    /// The inline add form.
    pub form: Option<ConnectionForm>,
    /// Errors the rules reported for `connectionId`.
    pub errors: Vec<String>,
}

impl ConnectionStep {
    pub fn new(doc: &Document, fixed: Option<Uuid>) -> ConnectionStep {
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

    pub fn selected_id(&self, _doc: &Document) -> Option<Uuid> {
        self.selected
    }

    pub fn cursor_on_add(&self) -> bool {
        self.selected.is_none()
    }

    /// Moves the cursor over the connections and the "+ Add" item (not when locked).
    pub fn move_cursor(&mut self, doc: &Document, delta: isize) {
        if self.locked {
            return;
        }
        let last = doc.connections.len() as isize;
        self.cursor = (self.cursor as isize + delta).clamp(0, last) as usize;
        self.selected = super::connection_at(doc, self.cursor);
    }

    /// After the document changed: keep the chosen connection under the cursor.
    pub fn resync(&mut self, doc: &Document) {
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

    /// Selects a connection just added inline.
    pub fn choose(&mut self, doc: &Document, id: Uuid) {
        self.selected = Some(id);
        self.resync(doc);
    }
}
