//! Text that may reach a terminal: refusing control characters on input, and rendering anything
//! unprintable visibly (`\x1b`) on output, so a stored escape sequence never runs on a screen.

use std::borrow::Cow;

use super::validation::FieldError;

/// Characters a terminal may act on instead of showing: C0 (ESC, BEL, newline, tab …), DEL, C1,
/// and the bidirectional overrides that reorder what is shown ("Trojan Source").
pub(crate) fn is_unprintable(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// The first unprintable character of `value`, with its character position (0-based).
pub(crate) fn first_unprintable(value: &str) -> Option<(usize, char)> {
    value.chars().enumerate().find(|(_, c)| is_unprintable(*c))
}

/// Refuses any unprintable character in a one-line text field, naming the field, the character
/// and where it is.
pub(crate) fn refuse_control(field: &str, value: &str) -> Result<(), FieldError> {
    match first_unprintable(value) {
        None => Ok(()),
        Some((at, c)) => Err(FieldError::new(
            field,
            format!(
                "has the control character `{}` at position {}: terminals act on control \
                 characters instead of showing them; remove it (one line of plain text)",
                escape_char(c),
                at + 1
            ),
        )),
    }
}

/// How one unprintable character is shown: `\n`, `\t`, `\r`, `\x1b`, `\u{9b}`.
fn escape_char(c: char) -> String {
    match c {
        '\n' => "\\n".to_string(),
        '\t' => "\\t".to_string(),
        '\r' => "\\r".to_string(),
        c if (c as u32) < 0x80 => format!("\\x{:02x}", c as u32),
        c => format!("\\u{{{:x}}}", c as u32),
    }
}

/// `value` with every unprintable character written visibly (`\x1b`, `\n`); borrowed when
/// already clean. For any stored text on its way to a terminal: databases written before
/// control characters were refused may hold them.
pub(crate) fn printable(value: &str) -> Cow<'_, str> {
    if first_unprintable(value).is_none() {
        return Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len() + 8);
    for c in value.chars() {
        if is_unprintable(c) {
            out.push_str(&escape_char(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `value` with every unprintable character but the newline written visibly: each line of a
/// multi-line text (a log line ends with one) stays a line.
pub(crate) fn printable_lines(value: &str) -> Cow<'_, str> {
    if !value.chars().any(|c| c != '\n' && is_unprintable(c)) {
        return Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len() + 8);
    for c in value.chars() {
        if c != '\n' && is_unprintable(c) {
            out.push_str(&escape_char(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// JSON text with DEL, C1 and the bidi overrides written as `\uXXXX` (serde_json escapes C0
/// inside strings but leaves those raw): the same JSON value, which never acts on a terminal.
/// Outside strings JSON holds only ASCII punctuation, digits, letters, spaces and newlines, so
/// the newline is the one character kept as it is. One mechanism for `--json` output and JSON
/// log lines.
pub(crate) fn json_escaped(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c != '\n' && is_unprintable(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if c != '\n' && is_unprintable(c) {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_passes_and_is_borrowed() {
        assert!(refuse_control("description", "Orders cache – prod, ünïcode ✓").is_ok());
        assert!(matches!(printable("plain"), Cow::Borrowed("plain")));
    }

    #[test]
    fn every_control_class_is_refused_naming_the_field() {
        for bad in [
            "red\x1b[31mX",
            "bell\x07",
            "two\nlines",
            "tab\there",
            "nul\0",
            "del\x7f",
            "c1\u{9b}31m",
            "bidi\u{202e}txt",
            "iso\u{2066}late",
        ] {
            let err = refuse_control("description", bad).unwrap_err();
            assert_eq!(err.field, "description");
            assert!(err.message.contains("control character"), "{bad:?}: {err}");
            assert!(!err.message.contains('\x1b'), "the message itself is clean");
        }
    }

    #[test]
    fn the_refusal_says_which_character_and_where() {
        let err = refuse_control("name", "ab\x1bc").unwrap_err();
        assert!(err.message.contains("`\\x1b` at position 3"), "{err}");
    }

    #[test]
    fn printable_escapes_each_class_visibly() {
        assert_eq!(printable("a\x1b[2Jb"), "a\\x1b[2Jb");
        assert_eq!(printable("x\x07\x7f"), "x\\x07\\x7f");
        assert_eq!(printable("l1\nl2\tt\r"), "l1\\nl2\\tt\\r");
        assert_eq!(printable("c1\u{9b}"), "c1\\u{9b}");
        assert_eq!(printable("r\u{202e}"), "r\\u{202e}");
        assert_eq!(printable("ünï ✓"), "ünï ✓");
    }

    #[test]
    fn printable_output_has_nothing_unprintable_left() {
        let all: String = (0u32..0x250).filter_map(char::from_u32).collect();
        assert!(first_unprintable(&printable(&all)).is_none());
    }
}
