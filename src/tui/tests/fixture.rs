//! A fixture database (two connections, five rotations in every state, events), a fixed clock
//! in UTC, key helpers, and drawing into a `TestBackend`.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use uuid::Uuid;

use crate::engine::{ConnectionReport, Credentials, SessionCounts, SlotView};
use crate::model::rotation::{ROTATION_TYPE, RetryState};
use crate::model::{
    Connection, Event, EventKind, Outcome, Parameters, Password, RotateAt, Rotation,
    RotationStatus, Sealed, SecretsMapping, Slot, SlotCredential, TlsSettings, TopologyKind,
};
use crate::redis::server::ServerKind;
use crate::redis::{NodeReport, Persistence};
use crate::store::Document;
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::theme::Theme;
use crate::tui::time::Zone;

pub(crate) fn at(m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, m, d, h, min, 0).unwrap()
}

/// The fixed "now" of every test: 1 March 2026, 12:00 UTC.
pub(crate) fn now() -> DateTime<Utc> {
    at(3, 1, 12, 0)
}

pub(crate) fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

pub(crate) const PROD: u128 = 0xc0;
pub(crate) const STAGING: u128 = 0xc1;
pub(crate) const ORDERS: u128 = 1;
pub(crate) const SESSIONS: u128 = 2;
pub(crate) const BILLING: u128 = 3;
pub(crate) const SEARCH: u128 = 4;
pub(crate) const AUTH: u128 = 5;

fn connection(n: u128, name: &str, host: &str, port: u16, topology: TopologyKind) -> Connection {
    Connection {
        id: id(n),
        name: name.into(),
        description: None,
        host: host.into(),
        port,
        username: "default".into(),
        password: Some(Sealed("enc:v1:fixture".into())),
        tls: TlsSettings {
            enabled: topology == TopologyKind::Cluster,
            ..TlsSettings::default()
        },
        topology,
        nodes: Vec::new(),
        master_name: None,
        sentinel_username: None,
        sentinel_password: None,
        identity: None,
        created_at: at(1, 2, 9, 0),
        updated_at: at(1, 2, 9, 0),
    }
}

fn slot(name: &str, s: Slot, created: DateTime<Utc>) -> Option<SlotCredential> {
    Some(SlotCredential {
        username: format!("{name}-{}", s.index()),
        password: Sealed("enc:v1:fixture".into()),
        created_at: created,
    })
}

fn rotation(n: u128, name: &str, conn: u128, env: &str, path: &str) -> Rotation {
    Rotation {
        id: id(n),
        name: name.into(),
        description: None,
        connection_id: id(conn),
        environment: env.into(),
        secret_path: path.into(),
        is_auto_rotation_enabled: true,
        rotation_interval: 30,
        rotate_at_utc: RotateAt {
            hours: 2,
            minutes: 30,
        },
        parameters: Parameters::default(),
        secrets_mapping: SecretsMapping {
            username: "REDIS_USERNAME".into(),
            password: "REDIS_PASSWORD".into(),
        },
        sinks: Vec::new(),
        active_index: Slot::Zero,
        rotation_status: RotationStatus::Success,
        last_rotation_attempted_at: Some(at(2, 10, 2, 30)),
        last_rotated_at: Some(at(2, 10, 2, 30)),
        last_rotation_job_id: None,
        next_rotation_at: Some(at(3, 12, 2, 30)),
        last_rotation_message: None,
        created_at: at(1, 11, 2, 30),
        updated_at: at(2, 10, 2, 30),
        kind: ROTATION_TYPE.into(),
        slots: [slot(name, Slot::Zero, at(1, 11, 2, 30)), None],
        pending: None,
        retry: None,
        held: None,
        sinks_owed: Vec::new(),
    }
}

pub(crate) fn event(
    seq: u64,
    t: DateTime<Utc>,
    kind: EventKind,
    outcome: Outcome,
    r: Option<u128>,
    msg: &str,
) -> Event {
    Event {
        seq,
        at: t,
        kind,
        outcome,
        rotation_id: r.map(id),
        rotation_name: None,
        environment: None,
        secret_path: None,
        job_id: None,
        pid: 4242,
        message: msg.into(),
        trigger: None,
        duration_us: None,
        nodes: None,
    }
}

pub(crate) fn document() -> Document {
    let mut orders = rotation(ORDERS, "orders-cache", PROD, "prod", "/apps/orders");
    orders.description = Some("Order service cache".into());
    orders.active_index = Slot::One;
    orders.slots[1] = slot("orders-cache", Slot::One, at(2, 10, 2, 30));

    let mut sessions = rotation(SESSIONS, "sessions-store", PROD, "prod", "/apps/web");
    sessions.rotation_status = RotationStatus::Failed;
    sessions.last_rotation_attempted_at = Some(at(3, 1, 2, 30));
    sessions.last_rotation_message =
        Some("connection `prod-cache`: 10.0.0.5:6379 is unreachable: connection refused".into());
    sessions.next_rotation_at = Some(at(3, 1, 2, 30));
    sessions.retry = Some(RetryState {
        attempts: 6,
        next_attempt_at: Some(at(3, 1, 13, 0)),
    });

    let mut billing = rotation(BILLING, "billing-queue", STAGING, "staging", "/billing");
    billing.rotation_status = RotationStatus::Rotating;
    billing.rotation_interval = 7;

    let mut search = rotation(SEARCH, "search-index", STAGING, "dev", "/");
    search.is_auto_rotation_enabled = false;
    search.next_rotation_at = None;
    search.parameters.permission_scope = "~search:* +@read".into();
    // It lives where the wizard starts (`dev`, `/`), so it maps its own names: the wizard's
    // default mapping stays free and the tests' inputs are valid under the model's rules.
    search.secrets_mapping = SecretsMapping {
        username: "SEARCH_REDIS_USERNAME".into(),
        password: "SEARCH_REDIS_PASSWORD".into(),
    };

    let mut auth = rotation(AUTH, "auth-tokens", PROD, "prod", "/apps/auth");
    auth.next_rotation_at = Some(at(3, 4, 6, 0));
    auth.rotate_at_utc = RotateAt {
        hours: 6,
        minutes: 0,
    };

    let events = vec![
        event(
            1,
            at(2, 10, 2, 30),
            EventKind::Rotated,
            Outcome::Success,
            Some(ORDERS),
            "rotated orders-cache → slot 1 (orders-cache-1) in 3.1 ms on 3 nodes",
        ),
        event(
            2,
            at(2, 28, 9, 15),
            EventKind::Paused,
            Outcome::Info,
            Some(SEARCH),
            "auto-rotation of search-index paused",
        ),
        event(
            3,
            at(3, 1, 2, 30),
            EventKind::RotationStarted,
            Outcome::Info,
            Some(SESSIONS),
            "rotation of sessions-store started (slot 1)",
        ),
        event(
            4,
            at(3, 1, 2, 30),
            EventKind::RotationFailed,
            Outcome::Failure,
            Some(SESSIONS),
            "rotation of sessions-store failed: connection `prod-cache`: 10.0.0.5:6379 is unreachable: connection refused; next attempt 2026-03-01 13:00:00 UTC",
        ),
        event(
            5,
            at(3, 1, 11, 58),
            EventKind::Sessions,
            Outcome::Info,
            Some(BILLING),
            "2 sessions still use billing-queue-1; 0 failed AUTHs in ACL LOG",
        ),
        event(
            6,
            at(3, 1, 11, 59),
            EventKind::RotationStarted,
            Outcome::Info,
            Some(BILLING),
            "rotation of billing-queue started (slot 1)",
        ),
    ];

    // Staging administers through its own `rotator` user, so a rotation there may adopt `default`
    // (the model refuses to re-key a connection's admin user).
    let mut staging = connection(
        STAGING,
        "staging-cache",
        "127.0.0.1",
        6380,
        TopologyKind::Standalone,
    );
    staging.username = "rotator".into();

    Document {
        connections: vec![
            connection(PROD, "prod-cache", "10.0.0.5", 6379, TopologyKind::Cluster),
            staging,
        ],
        rotations: vec![orders, sessions, billing, search, auth].into(),
        events: events.into(),
        next_event_seq: 7,
        ..Document::default()
    }
}

/// The app over the fixture, in UTC at the fixed instant, without colour; the model's rules.
pub(crate) fn app() -> App {
    App::new(Arc::new(document()), now(), Zone::Utc, Theme::new(false))
        .with_title(Some("fixture".into()))
}

pub(crate) fn report() -> ConnectionReport {
    let node = |addr: &str, role: &str, ms: u64| NodeReport {
        address: addr.into(),
        role: Some(role.into()),
        server: Some(ServerKind::Valkey),
        version: Some("9.1.2".into()),
        rtt: Some(Duration::from_micros(ms * 100)),
        can_set_user: true,
        can_del_user: true,
        persistence: Some(Persistence::Aclfile),
        can_persist: Some(true),
        error: None,
        notes: Vec::new(),
    };
    let mut third = node("10.0.0.7:6379", "replica", 9);
    third.persistence = Some(Persistence::None);
    ConnectionReport {
        connection: "prod-cache".into(),
        nodes: vec![node("10.0.0.5:6379", "master", 4), node("10.0.0.6:6379", "replica", 6), third],
        problems: Vec::new(),
        warnings: vec!["10.0.0.7:6379 has neither an aclfile nor a config file: rotated users vanish when it restarts".into()],
        identity: None,
        sentinels: Vec::new(),
    }
}

pub(crate) fn credentials() -> Credentials {
    Credentials {
        active: SlotView {
            slot: Slot::One,
            username: "orders-cache-1".into(),
            password: Password::new("fixture-CURRENT-pass-1-0123456789abcdefghijklmno"),
            created_at: at(2, 10, 2, 30),
            unverified: None,
        },
        previous: Some(SlotView {
            slot: Slot::Zero,
            username: "orders-cache-0".into(),
            password: Password::new("fixture-PREVIOUS-pass-0"),
            created_at: at(1, 11, 2, 30),
            unverified: None,
        }),
    }
}

pub(crate) fn sessions() -> [SessionCounts; 2] {
    [
        SessionCounts {
            sessions: 2,
            failed_auths: 0,
            unreachable: 0,
        },
        SessionCounts {
            sessions: 14,
            failed_auths: 1,
            unreachable: 0,
        },
    ]
}

pub(crate) fn key(code: KeyCode) -> Action {
    Action::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub(crate) fn ch(c: char) -> Action {
    let mods = if c.is_ascii_uppercase() {
        KeyModifiers::SHIFT
    } else {
        KeyModifiers::NONE
    };
    Action::Key(KeyEvent::new(KeyCode::Char(c), mods))
}

pub(crate) fn ctrl_c() -> Action {
    Action::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL))
}

/// Applies an action and its follow-ups, as the event loop does.
pub(crate) fn send(app: &mut App, action: Action) {
    let mut next = Some(action);
    while let Some(a) = next {
        next = app.update(a);
    }
}

pub(crate) fn keys(app: &mut App, actions: impl IntoIterator<Item = Action>) {
    for a in actions {
        send(app, a);
    }
}

pub(crate) fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        send(app, ch(c));
    }
}

/// The screen as text.
pub(crate) fn draw(app: &App, w: u16, h: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| crate::tui::render(f, app)).unwrap();
    terminal.backend().to_string()
}

/// Tabs through the open connection form (the wizard's, else the connections screen's) until
/// `field` has the focus: at most once round the form.
pub(crate) fn tab_to_connection_field(
    app: &mut App,
    field: crate::tui::state::connection_form::Field,
) {
    let focused = |app: &App| {
        app.wizard
            .as_ref()
            .and_then(|w| w.connection.form.as_ref())
            .or(app.connections.form.as_ref())
            .map(|f| f.form.focused())
    };
    for _ in 0..24 {
        if focused(app) == Some(field) {
            return;
        }
        send(app, key(KeyCode::Tab));
    }
    panic!("{field:?} is not reachable with Tab");
}

/// A new wizard (`n`) on the fixture, the connection `downs` rows below the first chosen, moved
/// on with Enter until `step`: every step before it must accept the defaults.
pub(crate) fn wizard_at(downs: usize, step: crate::tui::state::wizard::Step) -> App {
    let mut app = app();
    send(&mut app, ch('n'));
    keys(&mut app, std::iter::repeat_n(key(KeyCode::Down), downs));
    for _ in 0..6 {
        if app.wizard.as_ref().expect("the wizard is open").step == step {
            return app;
        }
        send(&mut app, key(KeyCode::Enter));
    }
    panic!("the wizard did not reach {step:?} on Enter");
}

/// A new wizard (`n`) with step 1's "add a connection" row chosen: the inline connection form.
pub(crate) fn wizard_inline_connection_form() -> App {
    let mut app = app();
    keys(
        &mut app,
        [
            ch('n'),
            key(KeyCode::Down),
            key(KeyCode::Down),
            key(KeyCode::Enter),
        ],
    );
    app
}
