//! A form: fields in the order of a field enum, one focused, each with its inline error or note,
//! and optional buttons on the last line. Steps and dialogs own a `Form` and read values from it.

use ratatui::buffer::Buffer;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::{Choice, Handled, NumberField, TextField};
use crate::tui::theme::{Theme, Tone};

/// A form's field enum: its order is the focus order.
pub(crate) trait FieldId: Copy + Eq + std::fmt::Debug {
    fn label(self) -> &'static str;
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Input {
    Text(TextField),
    Number(NumberField),
    Choice(Choice),
    /// Shown but not editable (e.g. the environment while editing a rotation).
    ReadOnly(String),
    /// Activated with Enter.
    Button(&'static str),
    /// A line of a list the step manages (e.g. a sink): focusable, opened with Enter.
    Item(String),
}

impl Input {
    fn focusable(&self) -> bool {
        !matches!(self, Input::ReadOnly(_))
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Form<F> {
    fields: Vec<(F, Input)>,
    focus: usize,
    errors: Vec<(F, String)>,
    notes: Vec<(F, String)>,
    /// Fields the operator changed: their errors show at once.
    touched: Vec<F>,
    /// Set when the operator tried to go on: every error shows.
    reveal: bool,
    /// Fields that do not apply now (e.g. the Sentinel fields of a `cluster` connection): not
    /// drawn, skipped by Tab.
    hidden: Vec<F>,
}

impl<F: FieldId> Form<F> {
    pub(crate) fn new(fields: Vec<(F, Input)>) -> Form<F> {
        let focus = fields.iter().position(|(_, i)| i.focusable()).unwrap_or(0);
        Form {
            fields,
            focus,
            errors: Vec::new(),
            notes: Vec::new(),
            touched: Vec::new(),
            reveal: false,
            hidden: Vec::new(),
        }
    }

    /// Replaces the fields (a list the form shows grew or shrank), keeping what the operator
    /// did: the focus stays on the same field when it still exists, touched fields stay touched.
    pub(crate) fn rebuild(&mut self, fields: Vec<(F, Input)>) {
        let focused = self.fields.get(self.focus).map(|(f, _)| *f);
        let mut next = Form::new(fields);
        next.touched = std::mem::take(&mut self.touched);
        next.reveal = self.reveal;
        next.notes = std::mem::take(&mut self.notes);
        if let Some(f) = focused {
            next.focus(f);
        }
        *self = next;
    }

    /// Every field and its input, in focus order.
    pub(crate) fn fields(&self) -> impl Iterator<Item = &(F, Input)> {
        self.fields.iter()
    }

    pub(crate) fn input(&self, f: F) -> Option<&Input> {
        self.fields.iter().find(|(id, _)| *id == f).map(|(_, i)| i)
    }

    /// A text field's value, or a read-only value; "" otherwise.
    pub(crate) fn text(&self, f: F) -> &str {
        match self.input(f) {
            Some(Input::Text(t)) => t.value(),
            Some(Input::ReadOnly(s)) => s,
            _ => "",
        }
    }

    pub(crate) fn number(&self, f: F) -> Option<u32> {
        match self.input(f) {
            Some(Input::Number(n)) => n.value(),
            _ => None,
        }
    }

    /// The number as typed, even out of bounds (the model names the bound).
    pub(crate) fn raw_number(&self, f: F) -> Option<u64> {
        match self.input(f) {
            Some(Input::Number(n)) => n.raw(),
            _ => None,
        }
    }

    pub(crate) fn on(&self, f: F) -> bool {
        matches!(self.input(f), Some(Input::Choice(c)) if c.is_on())
    }

    pub(crate) fn choice(&self, f: F) -> &str {
        match self.input(f) {
            Some(Input::Choice(c)) => c.selected(),
            _ => "",
        }
    }

    pub(crate) fn focused(&self) -> F {
        self.fields[self.focus.min(self.fields.len() - 1)].0
    }

    pub(crate) fn focus(&mut self, f: F) {
        if let Some(i) = self.fields.iter().position(|(id, _)| *id == f) {
            self.focus = i;
            self.arrive();
        }
    }

    /// Focus moved: the field left shows its start again, the field reached selects its value.
    fn arrive(&mut self) {
        for (_, input) in &mut self.fields {
            match input {
                Input::Text(t) => t.settle(),
                Input::Number(n) => n.select_all(),
                _ => {}
            }
        }
    }

    /// Moves focus forward (or back) to the next editable field, wrapping around.
    pub(crate) fn focus_step(&mut self, forward: bool) {
        let n = self.fields.len();
        for k in 1..=n {
            let i = if forward {
                (self.focus + k) % n
            } else {
                (self.focus + n * 2 - k) % n
            };
            if self.fields[i].1.focusable() && !self.is_hidden(self.fields[i].0) {
                self.focus = i;
                self.arrive();
                return;
            }
        }
    }

    pub(crate) fn focused_is_button(&self) -> bool {
        matches!(self.fields.get(self.focus), Some((_, Input::Button(_))))
    }

    pub(crate) fn handle_key(&mut self, key: &KeyEvent) -> Handled {
        let handled = match self.fields.get_mut(self.focus) {
            Some((_, Input::Text(t))) => t.handle(key),
            Some((_, Input::Number(n))) => n.handle(key),
            Some((_, Input::Choice(c))) => c.handle(key),
            _ => Handled::Ignored,
        };
        if handled == Handled::Changed {
            self.touch();
        }
        handled
    }

    pub(crate) fn paste(&mut self, text: &str) -> bool {
        if let Some((_, Input::Text(t))) = self.fields.get_mut(self.focus) {
            t.insert_str(text);
            self.touch();
            return true;
        }
        false
    }

    fn touch(&mut self) {
        let f = self.focused();
        if !self.touched.contains(&f) {
            self.touched.push(f);
        }
    }

    /// Shows every error from now on (the operator tried to go on).
    pub(crate) fn reveal_errors(&mut self) {
        self.reveal = true;
    }

    /// The error drawn next to `f`: only once it was edited, or after an attempt to go on, so
    /// a fresh form does not open covered in complaints.
    pub(crate) fn shown_error(&self, f: F) -> Option<&str> {
        if self.reveal || self.touched.contains(&f) {
            self.error(f)
        } else {
            None
        }
    }

    /// Sets the inline errors; a number field out of its bounds gets its own message when
    /// the rules said nothing about it.
    pub(crate) fn set_errors(&mut self, mut errors: Vec<(F, String)>) {
        for (f, input) in &self.fields {
            if let Input::Number(n) = input
                && let Some(msg) = n.error()
                && !errors.iter().any(|(id, _)| id == f)
            {
                errors.push((*f, msg));
            }
        }
        self.errors = errors;
    }

    pub(crate) fn error(&self, f: F) -> Option<&str> {
        self.errors
            .iter()
            .find(|(id, _)| *id == f)
            .map(|(_, m)| m.as_str())
    }

    pub(crate) fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    /// Hides `f` (or shows it again). A hidden field keeps its value; focus on it moves on.
    pub(crate) fn set_hidden(&mut self, f: F, hidden: bool) {
        self.hidden.retain(|id| *id != f);
        if hidden {
            self.hidden.push(f);
            if self.focused() == f {
                self.focus_step(true);
            }
        }
    }

    pub(crate) fn is_hidden(&self, f: F) -> bool {
        self.hidden.contains(&f)
    }

    pub(crate) fn set_note(&mut self, f: F, note: impl Into<String>) {
        self.notes.retain(|(id, _)| *id != f);
        self.notes.push((f, note.into()));
    }

    fn note(&self, f: F) -> Option<&str> {
        self.notes
            .iter()
            .find(|(id, _)| *id == f)
            .map(|(_, m)| m.as_str())
    }

    /// Draws the fields (label, value, note, error) and the buttons; `active` says whether the
    /// form has the keyboard (the focused field is highlighted only then). A note or error that
    /// does not fit beside its value goes on the lines below, wrapped.
    pub(crate) fn render(&self, area: Rect, buf: &mut Buffer, active: bool, theme: &Theme) {
        let width = area.width as usize;
        let label_w = self
            .fields
            .iter()
            .filter(|(f, i)| !matches!(i, Input::Button(_)) && !self.is_hidden(*f))
            .map(|(f, _)| Span::raw(f.label()).width())
            .max()
            .unwrap_or(0);
        // Label, then "› " or "  ", then the value.
        let indent = label_w + 3;
        let value_w = (width.saturating_sub(indent) / 2).clamp(8, 40);
        let mut lines: Vec<Line> = Vec::new();
        let mut focus_line = 0;
        let mut buttons: Vec<Span> = vec![Span::raw(" ".repeat(indent))];
        for (i, (f, input)) in self.fields.iter().enumerate() {
            if self.is_hidden(*f) {
                continue;
            }
            let focused = active && i == self.focus;
            if let Input::Button(label) = input {
                let style = if focused {
                    theme.selected()
                } else {
                    theme.key()
                };
                buttons.push(Span::styled(format!("[ {label} ]"), style));
                buttons.push(Span::raw("  "));
                continue;
            }
            if focused {
                focus_line = lines.len();
            }
            let mut spans = vec![
                Span::styled(format!("{:>label_w$} ", f.label()), theme.title()),
                Span::styled(if focused { "› " } else { "  " }, theme.focus()),
            ];
            spans.extend(match input {
                Input::Text(t) => t.spans(focused, value_w, theme),
                Input::Number(n) => n.spans(focused, theme),
                Input::Choice(c) => c.spans(focused, theme),
                Input::ReadOnly(s) => vec![
                    Span::raw(s.clone()),
                    Span::styled("  (cannot change)", theme.muted()),
                ],
                Input::Item(s) => vec![Span::styled(
                    s.clone(),
                    if focused {
                        theme.selected()
                    } else {
                        theme.tone(Tone::Normal)
                    },
                )],
                Input::Button(_) => Vec::new(),
            });
            let mut extra: Vec<(String, ratatui::style::Style)> = Vec::new();
            if let Some(note) = self.note(*f).filter(|n| !n.is_empty()) {
                extra.push((note.to_string(), theme.muted()));
            }
            if let Some(err) = self.shown_error(*f) {
                extra.push((format!("✗ {err}"), theme.tone(Tone::Error)));
            }
            let mut used: usize = spans.iter().map(Span::width).sum();
            let mut below = Vec::new();
            for (text, style) in extra {
                let w = Span::raw(text.as_str()).width();
                if below.is_empty() && used + 2 + w <= width {
                    spans.push(Span::styled(format!("  {text}"), style));
                    used += 2 + w;
                } else {
                    below.push((text, style));
                }
            }
            lines.push(Line::from(spans));
            for (text, style) in below {
                for part in super::wrap(&text, width.saturating_sub(indent)) {
                    lines.push(Line::from(vec![
                        Span::raw(" ".repeat(indent)),
                        Span::styled(part, style),
                    ]));
                }
            }
        }
        if buttons.len() > 1 {
            if active && self.focused_is_button() {
                focus_line = lines.len() + 1;
            }
            lines.push(Line::default());
            lines.push(Line::from(buttons));
        }
        let height = area.height as usize;
        let scroll = (focus_line + 1).saturating_sub(height);
        Paragraph::new(lines)
            .scroll((scroll as u16, 0))
            .render(area, buf);
    }
}
