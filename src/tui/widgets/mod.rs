//! What more than one screen draws: form fields and badges (each from its own state), the
//! bordered pane, a connection report, the connection form, hanging-indent wrapping.

pub(crate) mod badge;
pub(crate) mod choice;
pub(crate) mod connection_form;
pub(crate) mod form;
pub(crate) mod hang;
pub(crate) mod layout;
pub(crate) mod number_field;
pub(crate) mod pane;
pub(crate) mod report;
pub(crate) mod text_field;

pub(crate) use choice::Choice;
pub(crate) use form::{FieldId, Form, Input};
pub(crate) use number_field::NumberField;
pub(crate) use pane::pane;
pub(crate) use text_field::TextField;

/// Word-wraps `text` to lines of at most `width` columns (long words are cut).
pub(crate) fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let mut word = word.to_string();
        loop {
            let need = line.chars().count() + usize::from(!line.is_empty()) + word.chars().count();
            if need <= width {
                if !line.is_empty() {
                    line.push(' ');
                }
                line.push_str(&word);
                break;
            }
            if line.is_empty() {
                // A word longer than the line: cut it.
                let head: String = word.chars().take(width).collect();
                word = word.chars().skip(width).collect();
                lines.push(head);
                if word.is_empty() {
                    break;
                }
            } else {
                lines.push(std::mem::take(&mut line));
            }
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// What a field did with a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Handled {
    /// The value changed (revalidate).
    Changed,
    /// Only the cursor moved.
    Moved,
    /// Not for this field: the keymap gets it.
    Ignored,
}

#[cfg(test)]
mod tests {
    #[test]
    fn wrap_breaks_at_spaces_and_cuts_long_words() {
        assert_eq!(super::wrap("one two three", 7), ["one two", "three"]);
        assert_eq!(super::wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(super::wrap("", 4), [""]);
    }
}
