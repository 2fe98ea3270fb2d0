//! Stored text with control characters (a database written before they were refused) is drawn
//! escaped (`\x1b`) in the rows, the detail pane and the event pane, never sent to the terminal.

use std::sync::Arc;

use super::fixture::*;
use crate::tui::App;
use crate::tui::theme::Theme;
use crate::tui::time::Zone;

#[test]
fn control_characters_in_stored_text_are_drawn_escaped() {
    let mut doc = document();
    let orders = doc
        .rotations
        .iter_mut()
        .find(|r| r.id == id(ORDERS))
        .unwrap();
    orders.description = Some("desc\u{1b}[2Jwipe\u{7}".into());
    orders.last_rotation_message = Some("msg\u{9b}31m".into());
    let mut events: Vec<_> = doc.events.iter().cloned().collect();
    for e in &mut events {
        e.message = "evt\u{1b}]0;title\u{7}".into();
    }
    doc.events = events.into();
    let mut app = App::new(Arc::new(doc), now(), Zone::Utc, Theme::new(false))
        .with_title(Some("fixture".into()));
    let at = app
        .dashboard
        .visible
        .iter()
        .position(|&i| app.doc.rotations[i].id == id(ORDERS))
        .unwrap();
    app.dashboard.selected = at;
    let out = draw(&app, 160, 48);
    assert!(
        !out.chars().any(|c| c.is_control() && c != '\n'),
        "nothing unprintable reaches the terminal:\n{out:?}"
    );
    assert!(out.contains("desc\\x1b[2Jwipe\\x07"), "detail pane:\n{out}");
    assert!(out.contains("msg\\u{9b}31m"), "last message:\n{out}");
    assert!(out.contains("evt\\x1b]0;title\\x07"), "event pane:\n{out}");
}
