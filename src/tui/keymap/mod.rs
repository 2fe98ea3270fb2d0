//! The keys, as data: per context, which keys produce which action and what they do. Key
//! dispatch, the footer hints and the help screen all read these tables, so they cannot
//! disagree.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::Action;

mod tables;

pub(crate) use tables::GLOBAL;
use tables::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Key {
    pub(crate) code: KeyCode,
    pub(crate) mods: KeyModifiers,
}

pub(super) const fn ch(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        mods: KeyModifiers::NONE,
    }
}

pub(super) const fn code(code: KeyCode) -> Key {
    Key {
        code,
        mods: KeyModifiers::NONE,
    }
}

pub(super) const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        mods: KeyModifiers::CONTROL,
    }
}

/// One line of the help: keys, the action they produce (`None` for keys a field consumes, such
/// as typing), what they do, and the footer word when the footer shows it.
pub(crate) struct Binding {
    pub(crate) keys: &'static [Key],
    pub(crate) action: Option<Action>,
    pub(crate) help: &'static str,
    pub(crate) hint: Option<&'static str>,
    /// Shown instead of the generated key names (e.g. "a–z").
    pub(crate) label: Option<&'static str>,
}

pub(super) const fn b(keys: &'static [Key], action: Action, help: &'static str) -> Binding {
    Binding {
        keys,
        action: Some(action),
        help,
        hint: None,
        label: None,
    }
}

pub(super) const fn h(
    keys: &'static [Key],
    action: Action,
    help: &'static str,
    hint: &'static str,
) -> Binding {
    Binding {
        keys,
        action: Some(action),
        help,
        hint: Some(hint),
        label: None,
    }
}

/// Keys a field consumes itself; listed for the help only.
pub(super) const fn doc(label: &'static str, help: &'static str) -> Binding {
    Binding {
        keys: &[],
        action: None,
        help,
        hint: None,
        label: Some(label),
    }
}

/// Who gets keys right now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, strum::VariantArray)]
pub(crate) enum Context {
    Dashboard,
    Filter,
    Rotation,
    Connections,
    Leftovers,
    ConnectionForm,
    SinkForm,
    Credentials,
    Wizard,
    Confirm,
    Delete,
    Notice,
    Help,
}

impl Context {
    pub(crate) fn title(self) -> &'static str {
        match self {
            Context::Dashboard => "Dashboard",
            Context::Filter => "Filter (after /)",
            Context::Rotation => "A rotation's view (Enter or H): history and details",
            Context::Connections => "Connections screen",
            Context::Leftovers => "Leftover users (u on a connection)",
            Context::ConnectionForm => "Connection form",
            Context::SinkForm => "Sink form (wizard step 4: Add a sink, or Enter on a sink)",
            Context::Credentials => "Credentials screen",
            Context::Wizard => "New / edit rotation wizard",
            Context::Confirm => "Confirmation",
            Context::Delete => "Delete rotation",
            Context::Notice => "Progress and messages",
            Context::Help => "This help",
        }
    }

    /// Whether `?`, `q` apply on top of the context's own keys.
    fn with_global(self) -> bool {
        matches!(
            self,
            Context::Dashboard
                | Context::Rotation
                | Context::Connections
                | Context::Leftovers
                | Context::Credentials
                | Context::Wizard
        )
    }
}

pub(crate) fn bindings(ctx: Context) -> &'static [Binding] {
    match ctx {
        Context::Dashboard => DASHBOARD,
        Context::Filter => FILTER,
        Context::Rotation => ROTATION,
        Context::Connections => CONNECTIONS,
        Context::Leftovers => LEFTOVERS,
        Context::ConnectionForm | Context::SinkForm => FORM,
        Context::Credentials => CREDENTIALS,
        Context::Wizard => WIZARD,
        Context::Confirm => CONFIRM,
        Context::Delete => DELETE,
        Context::Notice => NOTICE,
        Context::Help => HELP,
    }
}

fn matches(k: &Key, ev: &KeyEvent) -> bool {
    let relevant = KeyModifiers::CONTROL | KeyModifiers::ALT;
    let code = match ev.code {
        // Some terminals report Shift-Tab as Tab with SHIFT.
        KeyCode::Tab if ev.modifiers.contains(KeyModifiers::SHIFT) => KeyCode::BackTab,
        c => c,
    };
    k.code == code && (k.mods & relevant) == (ev.modifiers & relevant)
}

/// The action a key produces in `ctx` (its own keys first, then the global ones).
pub(crate) fn lookup(ctx: Context, ev: &KeyEvent) -> Option<Action> {
    let own = bindings(ctx).iter();
    let global: &[Binding] = if ctx.with_global() {
        GLOBAL
    } else {
        &GLOBAL[..1]
    };
    own.chain(global.iter())
        .find(|bind| bind.keys.iter().any(|k| matches(k, ev)))
        .and_then(|bind| bind.action.clone())
}

/// `↑/k`, `Shift-Tab`, `Ctrl-C`…
pub(crate) fn key_name(k: &Key) -> String {
    let base = match k.code {
        KeyCode::Char(' ') => "Space".to_string(),
        KeyCode::Char(c) => c.to_string(),
        KeyCode::Up => "↑".into(),
        KeyCode::Down => "↓".into(),
        KeyCode::Left => "←".into(),
        KeyCode::Right => "→".into(),
        KeyCode::Enter => "Enter".into(),
        KeyCode::Esc => "Esc".into(),
        KeyCode::Tab => "Tab".into(),
        KeyCode::BackTab => "Shift-Tab".into(),
        KeyCode::PageUp => "PgUp".into(),
        KeyCode::PageDown => "PgDn".into(),
        KeyCode::Home => "Home".into(),
        KeyCode::End => "End".into(),
        other => format!("{other:?}"),
    };
    if k.mods.contains(KeyModifiers::CONTROL) {
        format!("Ctrl-{}", base.to_uppercase())
    } else {
        base
    }
}

pub(crate) fn keys_label(bind: &Binding) -> String {
    match bind.label {
        Some(l) => l.to_string(),
        None => bind.keys.iter().map(key_name).collect::<Vec<_>>().join("/"),
    }
}

/// The footer's hints for `ctx`: (keys, word), the context's own first, then `?` and `q`.
pub(crate) fn hints(ctx: Context) -> Vec<(String, &'static str)> {
    let global: &[Binding] = if ctx.with_global() { GLOBAL } else { &[] };
    bindings(ctx)
        .iter()
        .chain(global.iter())
        .filter_map(|bind| {
            let first = bind.keys.first()?;
            Some((key_name(first), bind.hint?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::VariantArray;

    #[test]
    fn every_context_resolves_its_own_listed_keys() {
        for ctx in Context::VARIANTS {
            for bind in bindings(*ctx) {
                for k in bind.keys {
                    let ev = KeyEvent::new(k.code, k.mods);
                    let got = lookup(*ctx, &ev).map(|a| format!("{a:?}"));
                    // An earlier binding may own the key; it must at least resolve.
                    assert!(got.is_some(), "{ctx:?} {} unresolved", key_name(k));
                }
            }
        }
    }

    #[test]
    fn shift_letters_and_shift_tab_match() {
        let g = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert!(matches!(
            lookup(Context::Dashboard, &g),
            Some(Action::Bottom)
        ));
        let bt = KeyEvent::new(KeyCode::Tab, KeyModifiers::SHIFT);
        assert!(matches!(
            lookup(Context::Dashboard, &bt),
            Some(Action::PrevFocus)
        ));
        let c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert!(matches!(
            lookup(Context::Confirm, &c),
            Some(Action::ForceQuit)
        ));
    }
}
