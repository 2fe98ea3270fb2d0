//! The key tables, one per context. Order matters: it is the help's order and the footer's
//! priority (the footer shows as many hinted keys as fit, first to last).

use ratatui::crossterm::event::KeyCode;

use super::{Binding, Key, b, ch, code, ctrl, doc, h};
use crate::tui::action::Action;

const UP: &[Key] = &[code(KeyCode::Up), ch('k')];
const DOWN: &[Key] = &[code(KeyCode::Down), ch('j')];
const TOP: &[Key] = &[ch('g'), code(KeyCode::Home)];
const BOTTOM: &[Key] = &[ch('G'), code(KeyCode::End)];
const ENTER: &[Key] = &[code(KeyCode::Enter)];
const ESC: &[Key] = &[code(KeyCode::Esc)];
const TAB: &[Key] = &[code(KeyCode::Tab)];
const BACKTAB: &[Key] = &[code(KeyCode::BackTab)];

// The selected rotation's actions: the same keys on the dashboard and the rotation screen.
const ROTATE_NOW: Binding = h(
    &[ch('r')],
    Action::RotateNow,
    "rotate now (asks first)",
    "rotate",
);
const VIEW_CREDENTIALS: Binding = h(
    &[ch('v')],
    Action::ViewCredentials,
    "view credentials",
    "creds",
);
const EDIT_ROTATION: Binding = h(
    &[ch('e')],
    Action::EditRotation,
    "edit the rotation",
    "edit",
);
const PAUSE_RESUME: Binding = h(
    &[ch('p')],
    Action::PauseResume,
    "pause or resume auto-rotation",
    "pause",
);
const TEST_ROTATION_CONNECTION: Binding = h(
    &[ch('t')],
    Action::TestConnection,
    "test the rotation's connection",
    "test",
);
const DELETE_ROTATION: Binding = h(
    &[ch('d')],
    Action::DeleteRotation,
    "delete the rotation (asks first)",
    "delete",
);

pub(crate) static GLOBAL: &[Binding] = &[
    b(
        &[ctrl('c')],
        Action::ForceQuit,
        "quit now (asks only while a rotation runs)",
    ),
    h(&[ch('?')], Action::Help, "show every key", "help"),
    h(
        &[ch('q')],
        Action::Quit,
        "quit (not while typing; asks if input would be lost)",
        "quit",
    ),
];

pub(super) static DASHBOARD: &[Binding] = &[
    b(
        UP,
        Action::Up,
        "previous rotation (or scroll the focused pane)",
    ),
    b(
        DOWN,
        Action::Down,
        "next rotation (or scroll the focused pane)",
    ),
    b(TOP, Action::Top, "first rotation"),
    b(BOTTOM, Action::Bottom, "last rotation"),
    b(&[code(KeyCode::PageUp)], Action::PageUp, "page up"),
    b(&[code(KeyCode::PageDown)], Action::PageDown, "page down"),
    b(
        &[code(KeyCode::Tab), code(KeyCode::Right), ch('l')],
        Action::NextFocus,
        "focus the next pane",
    ),
    b(
        &[code(KeyCode::BackTab), code(KeyCode::Left), ch('h')],
        Action::PrevFocus,
        "focus the previous pane",
    ),
    h(
        &[ch('n')],
        Action::NewRotation,
        "new rotation (wizard)",
        "new",
    ),
    ROTATE_NOW,
    VIEW_CREDENTIALS,
    EDIT_ROTATION,
    PAUSE_RESUME,
    h(
        &[ch('/')],
        Action::Filter,
        "filter by name, environment or path",
        "filter",
    ),
    h(
        &[ch('C')],
        Action::OpenConnections,
        "connections screen",
        "conns",
    ),
    DELETE_ROTATION,
    TEST_ROTATION_CONNECTION,
    h(
        ENTER,
        Action::Enter,
        "open the rotation: its history (attempts, secret versions) and details",
        "open",
    ),
    b(
        &[ch('H')],
        Action::History,
        "history of the selected rotation",
    ),
    b(ESC, Action::Back, "clear the filter / focus the rotations"),
];

pub(super) static ROTATION: &[Binding] = &[
    h(
        &[code(KeyCode::Tab), code(KeyCode::Right), ch('l')],
        Action::NextFocus,
        "next tab (History, Details)",
        "tab",
    ),
    b(
        &[code(KeyCode::BackTab), code(KeyCode::Left), ch('h')],
        Action::PrevFocus,
        "previous tab",
    ),
    b(&[ch('H')], Action::History, "the History tab"),
    b(UP, Action::Up, "scroll up"),
    b(DOWN, Action::Down, "scroll down"),
    b(TOP, Action::Top, "scroll to the top"),
    b(&[code(KeyCode::PageUp)], Action::PageUp, "page up"),
    b(&[code(KeyCode::PageDown)], Action::PageDown, "page down"),
    h(ESC, Action::Back, "back to the dashboard", "back"),
    ROTATE_NOW,
    VIEW_CREDENTIALS,
    EDIT_ROTATION,
    PAUSE_RESUME,
    TEST_ROTATION_CONNECTION,
    DELETE_ROTATION,
];

pub(super) static FILTER: &[Binding] = &[
    doc("text", "type to filter by name, environment or path"),
    b(&[code(KeyCode::Up)], Action::Up, "previous match"),
    b(&[code(KeyCode::Down)], Action::Down, "next match"),
    h(ENTER, Action::Enter, "keep the filter", "keep"),
    h(ESC, Action::Back, "clear the filter", "clear"),
];

pub(super) static CONNECTIONS: &[Binding] = &[
    b(UP, Action::Up, "previous connection"),
    b(DOWN, Action::Down, "next connection"),
    b(TOP, Action::Top, "first connection"),
    b(BOTTOM, Action::Bottom, "last connection"),
    h(
        &[ch('a')],
        Action::AddConnection,
        "add a connection (tested before saving)",
        "add",
    ),
    h(
        &[ch('t')],
        Action::TestConnection,
        "test: a report per node",
        "test",
    ),
    h(
        &[ch('e')],
        Action::EditConnection,
        "edit the connection",
        "edit",
    ),
    h(
        &[ch('d')],
        Action::RemoveConnection,
        "remove the connection (asks first)",
        "remove",
    ),
    h(
        &[ch('u')],
        Action::Leftovers,
        "ACL users on its server that no rotation owns (leftovers)",
        "leftovers",
    ),
    h(ESC, Action::Back, "back to the dashboard", "back"),
];

pub(super) static LEFTOVERS: &[Binding] = &[
    b(UP, Action::Up, "previous user"),
    b(DOWN, Action::Down, "next user"),
    b(TOP, Action::Top, "first user"),
    b(BOTTOM, Action::Bottom, "last user"),
    h(
        &[ch('x')],
        Action::RevokeUser,
        "revoke the selected user on every node (asks first)",
        "revoke",
    ),
    h(&[ch('u')], Action::Leftovers, "list them again", "reload"),
    h(ESC, Action::Back, "close the list", "close"),
];

pub(super) static FORM: &[Binding] = &[
    doc("text", "type into the focused field (Ctrl-U clears it)"),
    h(TAB, Action::NextFocus, "next field", "next field"),
    b(BACKTAB, Action::PrevFocus, "previous field"),
    b(
        &[code(KeyCode::Up)],
        Action::Up,
        "previous field, or a number up",
    ),
    b(
        &[code(KeyCode::Down)],
        Action::Down,
        "next field, or a number down",
    ),
    doc("←/→/Space", "change a choice or toggle"),
    h(
        ENTER,
        Action::Enter,
        "press the focused button, or the next field",
        "ok",
    ),
    h(ESC, Action::Back, "cancel the form", "cancel"),
];

pub(super) static CREDENTIALS: &[Binding] = &[
    b(UP, Action::Up, "current credential"),
    b(DOWN, Action::Down, "previous credential"),
    h(
        &[ch('r')],
        Action::Reveal,
        "reveal or hide the passwords",
        "reveal",
    ),
    h(
        &[ch('c')],
        Action::Copy,
        "copy the selected password (OSC 52, over SSH too)",
        "copy",
    ),
    h(ESC, Action::Back, "back to the dashboard", "back"),
];

pub(super) static WIZARD: &[Binding] = &[
    doc("text", "type into the focused field (Ctrl-U clears it)"),
    h(TAB, Action::NextFocus, "next field", "field"),
    b(BACKTAB, Action::PrevFocus, "previous field"),
    b(
        &[code(KeyCode::Up)],
        Action::Up,
        "previous field or connection, or a number up; on Review, scroll up",
    ),
    b(
        &[code(KeyCode::Down)],
        Action::Down,
        "next field or connection, or a number down; on Review, scroll down",
    ),
    b(
        &[code(KeyCode::PageUp)],
        Action::PageUp,
        "on Review, page up",
    ),
    b(
        &[code(KeyCode::PageDown)],
        Action::PageDown,
        "on Review, page down",
    ),
    doc("←/→/Space", "change a choice or toggle"),
    h(
        ENTER,
        Action::Enter,
        "next step (once valid); on Review, create",
        "next",
    ),
    h(
        ESC,
        Action::Back,
        "previous step; on step 1, cancel (asks first)",
        "back",
    ),
];

pub(super) static CONFIRM: &[Binding] = &[
    h(&[ch('y')], Action::Yes, "yes", "yes"),
    h(&[ch('n'), code(KeyCode::Esc)], Action::No, "no", "no"),
];

pub(super) static DELETE: &[Binding] = &[
    b(TAB, Action::NextFocus, "next choice"),
    b(BACKTAB, Action::PrevFocus, "previous choice"),
    b(&[code(KeyCode::Up)], Action::Up, "previous choice"),
    b(&[code(KeyCode::Down)], Action::Down, "next choice"),
    h(
        &[code(KeyCode::Char(' '))],
        Action::Toggle,
        "tick or untick the focused box",
        "toggle",
    ),
    doc("text", "type the rotation's name to confirm"),
    h(
        ENTER,
        Action::Enter,
        "delete (once the name matches)",
        "delete",
    ),
    h(ESC, Action::No, "cancel", "cancel"),
];

pub(super) static NOTICE: &[Binding] = &[h(
    &[code(KeyCode::Enter), code(KeyCode::Esc)],
    Action::Back,
    "close",
    "close",
)];

pub(super) static HELP: &[Binding] = &[
    b(UP, Action::Up, "scroll up"),
    b(DOWN, Action::Down, "scroll down"),
    b(&[code(KeyCode::PageUp)], Action::PageUp, "page up"),
    b(&[code(KeyCode::PageDown)], Action::PageDown, "page down"),
    h(
        &[code(KeyCode::Esc), ch('?'), ch('q')],
        Action::Back,
        "close the help",
        "close",
    ),
];
