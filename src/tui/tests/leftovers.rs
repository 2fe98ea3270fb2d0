//! The connections screen's leftovers: `u` lists the ACL users no rotation owns on the selected
//! connection's server, `x` revokes the selected one only after a yes, and the list reloads.

use super::fixture::*;
use crate::engine::LeftoverUser;
use crate::tui::App;
use crate::tui::action::{Action, TaskError};
use crate::tui::app::Loadable;
use crate::tui::keymap::Context;
use crate::tui::popup::Popup;
use crate::tui::tasks::Task;

fn user(name: &str, nodes: usize) -> LeftoverUser {
    LeftoverUser {
        username: name.into(),
        nodes,
        of: 3,
    }
}

fn listed() -> App {
    let mut app = app();
    keys(&mut app, [ch('C'), ch('u')]);
    app.take_tasks();
    send(
        &mut app,
        Action::LeftoversLoaded(
            id(PROD),
            Ok(vec![
                user("legacy-cache-0", 3),
                user("legacy-cache-1", 3),
                user("old-orders-0", 2),
            ]),
        ),
    );
    app
}

#[test]
fn u_lists_leftover_users_of_the_selected_connection() {
    let mut app = app();
    keys(&mut app, [ch('C'), ch('u')]);
    assert_eq!(app.context(), Context::Leftovers);
    assert!(matches!(app.take_tasks().as_slice(), [Task::Leftovers(c)] if *c == id(PROD)));
    assert!(draw(&app, 80, 24).contains("Listing ACL users on every node"));
    let app = listed();
    let screen = draw(&app, 80, 24);
    assert!(
        screen.contains("▶ legacy-cache-0  on 3 of 3 nodes"),
        "{screen}"
    );
    assert!(screen.contains("old-orders-0  on 2 of 3 nodes"), "{screen}");
}

#[test]
fn x_revokes_the_selected_user_only_after_yes_then_reloads() {
    let mut app = listed();
    keys(&mut app, [ch('j'), ch('x')]);
    let Some(Popup::Confirm(c)) = app.popups.last() else {
        panic!("x asks first");
    };
    assert!(c.title.contains("legacy-cache-1"), "{}", c.title);
    assert!(
        c.lines.join(" ").contains("disconnected"),
        "says what happens"
    );
    send(&mut app, ch('n'));
    assert!(app.take_tasks().is_empty(), "nothing on no");
    keys(&mut app, [ch('x'), ch('y')]);
    assert!(matches!(
        app.take_tasks().as_slice(),
        [Task::RevokeUser(c, u)] if *c == id(PROD) && u == "legacy-cache-1"
    ));
    send(
        &mut app,
        Action::UserRevoked(id(PROD), "legacy-cache-1".into(), Ok(())),
    );
    let tasks = app.take_tasks();
    assert!(
        tasks
            .iter()
            .any(|t| matches!(t, Task::Leftovers(c) if *c == id(PROD)))
    );
    assert!(tasks.iter().any(|t| matches!(t, Task::Reload)));
    assert!(
        app.status
            .as_ref()
            .unwrap()
            .text
            .contains("Revoked legacy-cache-1")
    );
}

#[test]
fn a_refused_revoke_says_why_and_esc_closes_the_list() {
    let mut app = listed();
    send(
        &mut app,
        Action::UserRevoked(
            id(PROD),
            "legacy-cache-0".into(),
            Err(TaskError::new(
                "revoke legacy-cache-0 on 10.0.0.6:6379: NOPERM: give the admin user `+acl|deluser`",
            )),
        ),
    );
    assert!(app.status.as_ref().unwrap().text.contains("+acl|deluser"));
    send(&mut app, key(ratatui::crossterm::event::KeyCode::Esc));
    assert!(app.connections.leftovers.is_none());
    assert_eq!(app.context(), Context::Connections);
}

#[test]
fn an_answer_for_another_connection_is_ignored() {
    let mut app = listed();
    send(&mut app, Action::LeftoversLoaded(id(STAGING), Ok(vec![])));
    assert!(matches!(
        app.connections.leftovers.as_ref().unwrap().users,
        Loadable::Ready(ref u) if u.len() == 3
    ));
}

#[test]
fn leftovers_view() {
    let mut app = listed();
    send(&mut app, ch('j'));
    insta::assert_snapshot!("leftovers_80x24", draw(&app, 80, 24));
}

#[test]
fn leftovers_none() {
    let mut app = app();
    keys(&mut app, [ch('C'), ch('u')]);
    send(&mut app, Action::LeftoversLoaded(id(PROD), Ok(vec![])));
    insta::assert_snapshot!("leftovers_none_80x24", draw(&app, 80, 24));
}
