//! Toggles and selects: a fixed list of options cycled with Left/Right/Space (and h/l).

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::text::Span;

use super::Handled;
use crate::tui::theme::Theme;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Choice {
    options: Vec<String>,
    index: usize,
    toggle: bool,
}

impl Choice {
    pub(crate) fn select(options: &[&str], selected: &str) -> Choice {
        Choice {
            options: options.iter().map(|s| s.to_string()).collect(),
            index: options.iter().position(|o| *o == selected).unwrap_or(0),
            toggle: false,
        }
    }

    /// An on/off switch.
    pub(crate) fn toggle(on: bool) -> Choice {
        Choice {
            options: vec!["Off".into(), "On".into()],
            index: usize::from(on),
            toggle: true,
        }
    }

    pub(crate) fn selected(&self) -> &str {
        self.options.get(self.index).map_or("", String::as_str)
    }

    pub(crate) fn is_on(&self) -> bool {
        self.toggle && self.index == 1
    }

    fn step(&mut self, forward: bool) {
        let n = self.options.len().max(1);
        self.index = if forward {
            (self.index + 1) % n
        } else {
            (self.index + n - 1) % n
        };
    }

    pub(crate) fn handle(&mut self, key: &KeyEvent) -> Handled {
        if key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
        {
            return Handled::Ignored;
        }
        match key.code {
            KeyCode::Left | KeyCode::Char('h') => self.step(false),
            KeyCode::Right | KeyCode::Char('l') | KeyCode::Char(' ') => self.step(true),
            _ => return Handled::Ignored,
        }
        Handled::Changed
    }

    pub(crate) fn spans(&self, focused: bool, theme: &Theme) -> Vec<Span<'static>> {
        let style = theme.field(focused);
        if self.toggle {
            let mark = if self.is_on() { "[x] On " } else { "[ ] Off" };
            return vec![Span::styled(mark.to_string(), style)];
        }
        let mut out = vec![Span::styled(format!("‹ {} ›", self.selected()), style)];
        if focused {
            let others: Vec<&str> = self
                .options
                .iter()
                .map(String::as_str)
                .filter(|o| *o != self.selected())
                .collect();
            out.push(Span::styled(
                format!("  also: {}", others.join(", ")),
                theme.muted(),
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn left_right_space_cycle_and_wrap() {
        let mut c = Choice::select(
            &["standalone", "replication", "cluster", "nodes"],
            "cluster",
        );
        let k = |code| KeyEvent::new(code, KeyModifiers::NONE);
        c.handle(&k(KeyCode::Right));
        assert_eq!(c.selected(), "nodes");
        c.handle(&k(KeyCode::Char(' ')));
        assert_eq!(c.selected(), "standalone");
        c.handle(&k(KeyCode::Left));
        assert_eq!(c.selected(), "nodes");
        let mut t = Choice::toggle(true);
        t.handle(&k(KeyCode::Char(' ')));
        assert!(!t.is_on());
    }
}
