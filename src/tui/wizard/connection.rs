//! Step 1, Connection: pick the Redis connection that performs the rotation, or add and test a
//! new one inline. Read-only when editing (a rotation never changes connection).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, List, ListItem, ListState, Paragraph, Wrap};
use uuid::Uuid;

use super::Wizard;
use crate::store::Document;
use crate::tui::app::{App, Loadable};
use crate::tui::screens::connection_form::{self, ConnectionForm};
use crate::tui::screens::connections::report_lines;
use crate::tui::theme::Tone;

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

pub fn render(frame: &mut Frame, area: Rect, app: &App, w: &Wizard) {
    let step = &w.connection;
    if let Some(form) = &step.form {
        connection_form::render(frame, area, app, form);
        return;
    }
    let body = super::frame::intro(
        frame,
        area,
        app,
        if step.locked {
            "The connection of an existing rotation cannot change."
        } else if app.doc.connections.is_empty() {
            "No Redis connection yet: add one here (Enter on \"+ Add a new connection\"). \
             It will create and re-key this rotation's two users."
        } else {
            "The Redis connection that will create and re-key this rotation's two users: \
             pick one, or add and test a new one."
        },
    );
    let [list_area, info_area] =
        Layout::horizontal([Constraint::Percentage(40), Constraint::Fill(1)]).areas(body);
    let mut items: Vec<ListItem> = app
        .doc
        .connections
        .iter()
        .map(|c| ListItem::new(Line::styled(c.name.clone(), app.theme.title())))
        .collect();
    if !step.locked {
        items.push(ListItem::new(Line::styled(
            "+ Add a new connection",
            app.theme.key(),
        )));
    }
    let list = List::new(items)
        .block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(app.theme.focus())
                .title(" Redis Connection "),
        )
        .highlight_style(app.theme.selected())
        .highlight_symbol("› ");
    let mut state = ListState::default().with_selected(Some(step.cursor));
    frame.render_stateful_widget(list, list_area, &mut state);

    let mut lines = Vec::new();
    match step
        .selected
        .and_then(|id| app.doc.connections.iter().find(|c| c.id == id))
    {
        Some(c) => {
            lines.push(Line::styled(c.name.clone(), app.theme.title()));
            if let Some(d) = &c.description {
                lines.push(Line::raw(d.clone()));
            }
            lines.push(Line::raw(format!(
                "{} · {} · user {}{}",
                c.address(),
                c.topology,
                c.username,
                if c.tls.enabled { " · TLS" } else { "" }
            )));
            if c.topology == crate::model::TopologyKind::Sentinel {
                lines.push(Line::raw(super::review::sentinel_summary(c)));
            }
            let used = app
                .doc
                .rotations
                .iter()
                .filter(|r| r.connection_id == c.id)
                .count();
            lines.push(Line::styled(
                format!(
                    "used by {used} rotation{}",
                    if used == 1 { "" } else { "s" }
                ),
                app.theme.muted(),
            ));
            lines.push(Line::default());
            match app.reports.get(&c.id) {
                Some(Loadable::Ready(report)) => {
                    lines.extend(report_lines(report, app, info_area.width.saturating_sub(2)))
                }
                Some(Loadable::Loading) => {
                    lines.push(Line::styled("Testing…", app.theme.tone(Tone::Busy)))
                }
                Some(Loadable::Failed(e)) => {
                    lines.push(Line::styled(format!("✗ {e}"), app.theme.tone(Tone::Error)))
                }
                None => lines.push(Line::styled(
                    "Not tested in this session (t on the dashboard or connections screen).",
                    app.theme.muted(),
                )),
            }
        }
        None => {
            // One sentence, wrapped by the paragraph (a hard break mid-sentence read broken).
            lines.push(Line::raw(
                "Add a connection: an admin user allowed to run ACL SETUSER and ACL DELUSER. \
                 It is tested before saving.",
            ));
            lines.push(Line::default());
            lines.push(Line::styled(
                "Press Enter to open the form.",
                app.theme.key(),
            ));
        }
    }
    for e in &step.errors {
        lines.push(Line::styled(format!("✗ {e}"), app.theme.tone(Tone::Error)));
    }
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(Block::default().borders(Borders::ALL).title(" Details ")),
        info_area,
    );
}
