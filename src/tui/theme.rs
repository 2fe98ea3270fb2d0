//! Colours: the 16 named ANSI colours plus `Reset`, so the operator's terminal theme decides the
//! actual shades. With `NO_COLOR` or `--no-color` every style drops its colour and keeps only
//! modifiers; state is always also spelled out in words or symbols.

use ratatui::style::{Color, Modifier, Style};

/// Which tone a piece of state has; the words next to it carry the same meaning.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tone {
    Ok,
    Warn,
    Error,
    Busy,
    Muted,
    Normal,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Theme {
    color: bool,
}

impl Theme {
    pub fn new(color: bool) -> Theme {
        Theme { color }
    }

    /// Colour unless the flag is set or `NO_COLOR` is set to anything non-empty.
    pub(crate) fn from_env(no_color_flag: bool) -> Theme {
        let env = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Theme::new(!(no_color_flag || env))
    }

    fn fg(&self, c: Color) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }

    pub(crate) fn tone(&self, tone: Tone) -> Style {
        match tone {
            Tone::Ok => self.fg(Color::Green),
            Tone::Warn => self.fg(Color::Yellow),
            Tone::Error => self.fg(Color::Red),
            Tone::Busy => self.fg(Color::Cyan),
            Tone::Muted => self.muted(),
            Tone::Normal => Style::new(),
        }
    }

    pub(crate) fn muted(&self) -> Style {
        if self.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new().add_modifier(Modifier::DIM)
        }
    }

    pub(crate) fn title(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    pub(crate) fn header(&self) -> Style {
        self.fg(Color::Blue).add_modifier(Modifier::BOLD)
    }

    pub(crate) fn key(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    /// The selected row of a list or table.
    pub(crate) fn selected(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    /// The border of the pane that has focus.
    pub(crate) fn focus(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    pub(crate) fn border(&self) -> Style {
        self.fg(Color::Reset)
    }

    /// The cursor cell inside a text field.
    pub(crate) fn cursor(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    /// A field's value area.
    pub(crate) fn field(&self, focused: bool) -> Style {
        if focused {
            self.fg(Color::Cyan).add_modifier(Modifier::UNDERLINED)
        } else {
            Style::new().add_modifier(Modifier::UNDERLINED)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_keeps_modifiers_but_drops_colours() {
        let t = Theme::new(false);
        assert_eq!(t.tone(Tone::Error).fg, None);
        assert!(t.selected().add_modifier.contains(Modifier::REVERSED));
        assert_eq!(Theme::new(true).tone(Tone::Warn).fg, Some(Color::Yellow));
    }
}
