//! A one-line text field: typing, cursor movement, deletion, paste, and an optional mask for
//! passwords. Drawing shows a window around the cursor so long values stay editable.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::text::Span;
use zeroize::Zeroizing;

use super::Handled;
use crate::model::sensitive::MASK;
use crate::tui::theme::Theme;

/// `Debug` never shows a masked field's value, and the value is wiped from memory when the
/// field is dropped or replaced (a masked field holds an admin or current password).
#[derive(Clone, Default, PartialEq, Eq)]
pub(crate) struct TextField {
    value: Zeroizing<String>,
    /// Cursor position in characters.
    cursor: usize,
    masked: bool,
    /// A key moved or edited since the field got focus: only then does the window scroll to
    /// the cursor; before, a focused field shows its start like an unfocused one.
    typing: bool,
}

impl std::fmt::Debug for TextField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let value = if self.masked {
            MASK
        } else {
            self.value.as_str()
        };
        f.debug_struct("TextField")
            .field("value", &value)
            .field("cursor", &self.cursor)
            .field("masked", &self.masked)
            .finish()
    }
}

impl TextField {
    pub(crate) fn new(value: impl Into<String>) -> TextField {
        let value = Zeroizing::new(value.into());
        let cursor = value.chars().count();
        TextField {
            value,
            cursor,
            masked: false,
            typing: false,
        }
    }

    /// Focus arrived (or left): the start shows until a key is pressed.
    pub(crate) fn settle(&mut self) {
        self.typing = false;
    }

    /// A field whose characters are shown as `•`.
    pub(crate) fn masked() -> TextField {
        TextField {
            masked: true,
            ..TextField::default()
        }
    }

    pub(crate) fn value(&self) -> &str {
        &self.value
    }

    pub(crate) fn set(&mut self, value: impl Into<String>) {
        *self = TextField {
            masked: self.masked,
            ..TextField::new(value)
        };
    }

    fn byte_at(&self, char_idx: usize) -> usize {
        self.value
            .char_indices()
            .nth(char_idx)
            .map_or(self.value.len(), |(i, _)| i)
    }

    pub(crate) fn insert_str(&mut self, s: &str) {
        let clean: String = s.chars().filter(|c| !c.is_control()).collect();
        self.typing = true;
        let at = self.byte_at(self.cursor);
        self.value.insert_str(at, &clean);
        self.cursor += clean.chars().count();
    }

    /// Edits on plain characters, Backspace, Delete, Left/Right, Home/End and Ctrl-U (clear).
    pub(crate) fn handle(&mut self, key: &KeyEvent) -> Handled {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        let len = self.value.chars().count();
        self.typing = true;
        match key.code {
            KeyCode::Char('u') if ctrl => {
                self.value.clear();
                self.cursor = 0;
                Handled::Changed
            }
            KeyCode::Char(c) if !ctrl && !alt => {
                let at = self.byte_at(self.cursor);
                self.value.insert(at, c);
                self.cursor += 1;
                Handled::Changed
            }
            KeyCode::Backspace if self.cursor > 0 => {
                self.cursor -= 1;
                let at = self.byte_at(self.cursor);
                self.value.remove(at);
                Handled::Changed
            }
            KeyCode::Delete if self.cursor < len => {
                let at = self.byte_at(self.cursor);
                self.value.remove(at);
                Handled::Changed
            }
            KeyCode::Backspace | KeyCode::Delete => Handled::Moved,
            KeyCode::Left => {
                self.cursor = self.cursor.saturating_sub(1);
                Handled::Moved
            }
            KeyCode::Right => {
                self.cursor = (self.cursor + 1).min(len);
                Handled::Moved
            }
            KeyCode::Home => {
                self.cursor = 0;
                Handled::Moved
            }
            KeyCode::End => {
                self.cursor = len;
                Handled::Moved
            }
            _ => Handled::Ignored,
        }
    }

    /// The visible characters: the value (or bullets) in a `width`-wide window that keeps the
    /// cursor in view; the cursor cell is drawn reversed when focused.
    pub(crate) fn spans(&self, focused: bool, width: usize, theme: &Theme) -> Vec<Span<'static>> {
        let chars: Vec<char> = if self.masked {
            vec!['•'; self.value.chars().count()]
        } else {
            self.value.chars().collect()
        };
        let width = width.max(2);
        let room = width - 1;
        let start = if focused && self.typing && self.cursor > room {
            self.cursor - room
        } else {
            0
        };
        let end = chars.len().min(start + width);
        let style = theme.field(focused);
        let mut out = Vec::new();
        // Focused but not typed in, with the cursor out of the window: the start shows, the
        // cut end says so, and the first key scrolls to the cursor.
        if focused && !self.typing && self.cursor >= width {
            let mut text: String = chars[..width - 1].iter().collect();
            text.push('…');
            out.push(Span::styled(text, style));
            return out;
        }
        if !focused {
            let text: String = chars[start..end].iter().collect();
            let pad = width.saturating_sub(text.chars().count());
            out.push(Span::styled(format!("{text}{}", " ".repeat(pad)), style));
            return out;
        }
        let before: String = chars[start..self.cursor.min(end)].iter().collect();
        let at = chars.get(self.cursor).copied().unwrap_or(' ');
        let after: String = if self.cursor < end {
            chars[self.cursor + 1..end].iter().collect()
        } else {
            String::new()
        };
        let used = before.chars().count() + 1 + after.chars().count();
        out.push(Span::styled(before, style));
        out.push(Span::styled(at.to_string(), theme.cursor()));
        out.push(Span::styled(
            format!("{after}{}", " ".repeat(width.saturating_sub(used))),
            style,
        ));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_masked_fields_value_never_shows_in_debug() {
        let mut field = TextField::masked();
        field.insert_str("hunter2-secret");
        let shown = format!("{field:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(format!("{:?}", TextField::new("orders")).contains("orders"));
    }

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn typing_moving_and_deleting_edit_at_the_cursor() {
        let mut f = TextField::new("ac");
        f.handle(&key(KeyCode::Left));
        f.handle(&key(KeyCode::Char('b')));
        assert_eq!(f.value(), "abc");
        f.handle(&key(KeyCode::Home));
        f.handle(&key(KeyCode::Delete));
        assert_eq!(f.value(), "bc");
        f.handle(&key(KeyCode::End));
        f.handle(&key(KeyCode::Backspace));
        assert_eq!(f.value(), "b");
        f.insert_str("é\nz");
        assert_eq!(f.value(), "béz");
    }

    fn drawn(f: &TextField, focused: bool, width: usize) -> String {
        f.spans(focused, width, &Theme::new(false))
            .iter()
            .map(|s| s.content.to_string())
            .collect()
    }

    #[test]
    fn a_value_shows_its_start_until_a_key_is_pressed() {
        let mut f = TextField::new("orders service cache creds");
        assert!(drawn(&f, false, 26).starts_with("orders service cache creds"));
        assert!(
            drawn(&f, true, 26).starts_with("orders service"),
            "focused, not typed"
        );
        f.handle(&key(KeyCode::Char('!')));
        assert!(
            !drawn(&f, true, 26).starts_with("orders"),
            "typing scrolls to the cursor"
        );
        f.settle();
        assert!(drawn(&f, true, 26).starts_with("orders"));
    }

    #[test]
    fn masked_field_never_draws_its_value() {
        let mut f = TextField::masked();
        f.insert_str("hunter2");
        let drawn: String = f
            .spans(true, 20, &Theme::new(false))
            .iter()
            .map(|s| s.content.to_string())
            .collect();
        assert!(!drawn.contains("hunter2"));
        assert_eq!(drawn.trim_end(), "•••••••", "one bullet per character");
    }
}
