//! At 80 columns the detail pane splits in two; a fact too long for its column continues under
//! its value (hanging indent) instead of being cut: every node's server and persistence, and
//! the whole password policy, can be read by scrolling the pane.

use super::fixture::*;
use crate::tui::App;
use crate::tui::action::{Action, TestTarget};

/// The detail pane's left column at 80×24, row by row as scrolling reveals it, continuation
/// rows joined to the row they continue.
fn left_column(app: &mut App, name: &str) -> Vec<String> {
    let mut rows = Vec::new();
    for scroll in 0..40 {
        app.dashboard.detail_scroll = scroll;
        let screen = draw(app, 80, 24);
        let lines: Vec<&str> = screen.lines().collect();
        let top = lines
            .iter()
            .position(|l| l.contains(&format!("┌ {name} ─")))
            .expect("the detail pane");
        // `"│…│"` rows quoted by TestBackend: the column is cells 1..=40 of the pane's row.
        let row: String = lines[top + 1]
            .trim_matches('"')
            .chars()
            .skip(1)
            .take(40)
            .collect();
        rows.push(row.trim_end().to_string());
    }
    let mut joined: Vec<String> = Vec::new();
    for row in rows {
        match (row.strip_prefix(&" ".repeat(12)), joined.last_mut()) {
            (Some(rest), Some(last)) if !rest.starts_with(['✓', '✗']) => {
                last.push(' ');
                last.push_str(rest);
            }
            _ if row.is_empty() => break,
            _ => joined.push(row),
        }
    }
    joined
}

#[test]
fn the_two_column_detail_pane_wraps_the_node_lines_and_password_policy_instead_of_cutting_them() {
    let mut app = app();
    send(&mut app, Action::SessionsLoaded(id(AUTH), Ok(sessions())));
    send(
        &mut app,
        Action::ConnectionTested(TestTarget::Stored(id(PROD)), Ok(report())),
    );
    let column = left_column(&mut app, "auth-tokens");
    for node in [
        "✓ 10.0.0.5:6379 master valkey 9.1.2 · aclfile",
        "✓ 10.0.0.6:6379 replica valkey 9.1.2 · aclfile",
        "✓ 10.0.0.7:6379 replica valkey 9.1.2 · none",
    ] {
        assert!(
            column.iter().any(|l| l.trim_start() == node),
            "{node:?} is cut:\n{}",
            column.join("\n")
        );
    }
    assert!(
        column.contains(
            &"Password    48 characters, at least 1 digit, 1 lowercase and 1 uppercase".to_string()
        ),
        "{}",
        column.join("\n")
    );
    assert!(
        column.contains(&"Connection  prod-cache · cluster · TLS".to_string()),
        "{}",
        column.join("\n")
    );
}

#[test]
fn a_password_policy_with_symbols_reads_whole_in_the_column() {
    let mut app = app();
    let mut doc = (*app.doc).clone();
    let r = doc.rotations.iter_mut().find(|r| r.id == id(AUTH)).unwrap();
    r.parameters.password_requirements.required.symbols = 2;
    r.parameters.password_requirements.allowed_symbols = "-_.~!*".into();
    app.doc = std::sync::Arc::new(doc);
    let column = left_column(&mut app, "auth-tokens");
    let expected = "Password    48 characters, at least 1 digit, 1 lowercase, 1 uppercase and 2 symbols from -_.~!*";
    assert!(
        column.contains(&expected.to_string()),
        "{}",
        column.join("\n")
    );
    // What the operator sees once the pane is scrolled to it.
    app.dashboard.detail_scroll = 9;
    insta::assert_snapshot!("detail_column_wrapped_80x24", draw(&app, 80, 24));
}
