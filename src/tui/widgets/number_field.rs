//! A whole-number field: digits only, Up/Down step within bounds, the range shown when the value
//! falls outside it.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::text::Span;

use super::Handled;
use crate::tui::theme::Theme;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct NumberField {
    text: String,
    min: u32,
    max: u32,
    /// The value was not typed since the field got focus: the first digit replaces it (a
    /// pre-filled 48 becomes 6, not 486), as the selected-looking value says.
    fresh: bool,
}

impl NumberField {
    pub(crate) fn new(value: u32, min: u32, max: u32) -> NumberField {
        NumberField {
            text: value.to_string(),
            min,
            max,
            fresh: true,
        }
    }

    /// Focus arrived: the next digit replaces the whole value.
    pub(crate) fn select_all(&mut self) {
        self.fresh = true;
    }

    /// The value when it is a number within bounds.
    pub(crate) fn value(&self) -> Option<u32> {
        self.text
            .parse::<u32>()
            .ok()
            .filter(|v| (self.min..=self.max).contains(v))
    }

    /// The raw number typed (may be out of bounds), for building a request the model validates.
    pub(crate) fn raw(&self) -> Option<u64> {
        self.text.parse().ok()
    }

    /// "enter a number from 1 to 365" when the value is missing or out of bounds.
    pub(crate) fn error(&self) -> Option<String> {
        match self.value() {
            Some(_) => None,
            None => Some(format!(
                "enter a whole number from {} to {}",
                self.min, self.max
            )),
        }
    }

    pub(crate) fn handle(&mut self, key: &KeyEvent) -> Handled {
        // Ctrl-U clears, as in the text fields.
        if key.code == KeyCode::Char('u') && key.modifiers.contains(KeyModifiers::CONTROL) {
            self.text.clear();
            return Handled::Changed;
        }
        if key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
        {
            return Handled::Ignored;
        }
        let current = self.text.parse::<u64>().ok();
        let fresh = std::mem::replace(&mut self.fresh, false);
        match key.code {
            KeyCode::Char(c) if c.is_ascii_digit() => {
                if fresh || self.text == "0" {
                    self.text.clear();
                }
                // Nine digits still fit a u32; anything past the bounds shows the range
                // instead of being dropped without a word.
                if self.text.len() < 9 {
                    self.text.push(c);
                }
                Handled::Changed
            }
            KeyCode::Backspace => {
                self.text.pop();
                Handled::Changed
            }
            KeyCode::Up => {
                let next = current.map_or(u64::from(self.min), |v| v + 1);
                self.text = next
                    .clamp(u64::from(self.min), u64::from(self.max))
                    .to_string();
                Handled::Changed
            }
            KeyCode::Down => {
                let next = current.map_or(u64::from(self.min), |v| v.saturating_sub(1));
                self.text = next
                    .clamp(u64::from(self.min), u64::from(self.max))
                    .to_string();
                Handled::Changed
            }
            _ => Handled::Ignored,
        }
    }

    pub(crate) fn spans(&self, focused: bool, theme: &Theme) -> Vec<Span<'static>> {
        let width = self.max.to_string().len().max(2);
        let style = if focused && self.fresh {
            theme.selected()
        } else {
            theme.field(focused)
        };
        let mut out = vec![Span::styled(format!("{:>width$}", self.text), style)];
        if focused {
            out.push(Span::styled(" ↑↓", theme.muted()));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn the_first_digit_replaces_a_prefilled_value() {
        let mut n = NumberField::new(48, 8, 250);
        n.handle(&key(KeyCode::Char('6')));
        n.handle(&key(KeyCode::Char('4')));
        assert_eq!(n.value(), Some(64), "not 4864");
        n.select_all();
        for c in "637974".chars() {
            n.handle(&key(KeyCode::Char(c)));
        }
        assert_eq!(n.raw(), Some(637_974), "every digit kept, none dropped");
        assert_eq!(
            n.error().as_deref(),
            Some("enter a whole number from 8 to 250")
        );
    }

    #[test]
    fn digits_type_and_arrows_step_within_bounds() {
        let mut n = NumberField::new(1, 1, 365);
        n.handle(&key(KeyCode::Down));
        assert_eq!(n.value(), Some(1));
        n.handle(&key(KeyCode::Up));
        assert_eq!(n.value(), Some(2));
        n.handle(&key(KeyCode::Char('x')));
        n.handle(&key(KeyCode::Char('0')));
        assert_eq!(n.value(), Some(20));
        n.handle(&key(KeyCode::Char('0')));
        assert_eq!(n.value(), Some(200));
        n.handle(&key(KeyCode::Char('0')));
        assert_eq!(n.value(), None, "2000 is out of bounds");
        assert_eq!(n.raw(), Some(2000));
    }

    #[test]
    fn out_of_range_value_explains_the_range() {
        let mut n = NumberField::new(400, 1, 365);
        assert_eq!(
            n.error().as_deref(),
            Some("enter a whole number from 1 to 365")
        );
        n.handle(&key(KeyCode::Up));
        assert_eq!(n.value(), Some(365));
    }
}
