//! Word-wrapping a styled line with a hanging indent, so a labelled value that does not fit its
//! column continues under the value ("Connection  prod-cache 10.0.0.5:6379" / "            ·
//! cluster") instead of being cut at the column's edge.

use ratatui::text::{Line, Span};

/// `line` wrapped at `width` columns; continuation lines start with `indent` blanks. Breaks at
/// spaces; a word wider than a whole line is cut (never dropped). Styles are kept per word.
pub(crate) fn hang(line: &Line<'static>, width: usize, indent: usize) -> Vec<Line<'static>> {
    let width = width.max(1);
    let indent = if indent * 2 > width { 0 } else { indent };
    if line.width() <= width {
        return vec![line.clone()];
    }
    let mut out = Vec::new();
    let mut cur: Vec<Span<'static>> = Vec::new();
    let mut used = 0;
    // The words placed on the current line so far (the indent is not one).
    let mut placed = 0;
    for span in &line.spans {
        let style = span.style;
        for word in span.content.split_inclusive(' ') {
            let mut word = word.to_string();
            loop {
                if placed == 0 && !out.is_empty() && word.trim().is_empty() {
                    break; // no blanks at the start of a continuation line
                }
                let bare = Span::raw(word.trim_end_matches(' ')).width();
                if used + bare <= width {
                    let taken = cut(&word, width - used);
                    used += Span::raw(taken.as_str()).width();
                    cur.push(Span::styled(taken, style));
                    placed += 1;
                    break;
                }
                if placed == 0 {
                    // Wider than a whole line: cut it.
                    let mut head = cut(&word, width.saturating_sub(used).max(1));
                    if head.is_empty() {
                        // A character wider than the room: it goes alone rather than loop.
                        head = word.chars().take(1).collect();
                    }
                    word = word.chars().skip(head.chars().count()).collect();
                    cur.push(Span::styled(head, style));
                }
                out.push(finish(&mut cur, line));
                cur.push(Span::raw(" ".repeat(indent)));
                used = indent;
                placed = 0;
                if word.trim().is_empty() {
                    break;
                }
            }
        }
    }
    if placed > 0 {
        out.push(finish(&mut cur, line));
    }
    out
}

/// The spans so far as one line in `like`'s style, without trailing blanks.
fn finish(cur: &mut Vec<Span<'static>>, like: &Line<'static>) -> Line<'static> {
    let mut spans = std::mem::take(cur);
    while let Some(last) = spans.last_mut() {
        let trimmed = last.content.trim_end().to_string();
        if trimmed.is_empty() {
            spans.pop();
        } else {
            last.content = trimmed.into();
            break;
        }
    }
    Line::from(spans).style(like.style)
}

/// The longest prefix of `word` at most `room` columns wide.
fn cut(word: &str, room: usize) -> String {
    let mut w = 0;
    word.chars()
        .take_while(|c| {
            w += Span::raw(c.to_string()).width();
            w <= room
        })
        .collect()
}

/// Every line of `lines` wrapped by `hang`: labelled lines (a first span exactly `label` wide,
/// as the detail pane's fields are) hang under their value, others start at the left edge.
pub(crate) fn hang_all(lines: &[Line<'static>], width: usize, label: usize) -> Vec<Line<'static>> {
    lines
        .iter()
        .flat_map(|l| {
            let labelled = l.spans.len() > 1 && l.spans[0].width() == label;
            hang(l, width, if labelled { label } else { 0 })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(lines: &[Line<'static>]) -> Vec<String> {
        lines.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn a_labelled_value_continues_under_the_value() {
        let l = Line::from(vec![
            Span::raw("Connection  "),
            Span::raw("prod-cache 10.0.0.5:6379 · cluster · TLS"),
        ]);
        assert_eq!(
            text(&hang(&l, 39, 12)),
            [
                "Connection  prod-cache 10.0.0.5:6379 ·",
                "            cluster · TLS"
            ]
        );
    }

    #[test]
    fn a_line_that_fits_is_unchanged_and_a_long_word_is_cut_not_lost() {
        let l = Line::raw("short");
        assert_eq!(text(&hang(&l, 10, 2)), ["short"]);
        let long = Line::raw("abcdefghijkl");
        assert_eq!(text(&hang(&long, 5, 0)), ["abcde", "fghij", "kl"]);
    }
}
