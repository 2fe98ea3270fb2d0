//! Every `--json` answer of the command line as a declared shape: the seed document's response
//! shape (`secretRotation` with `connection`, `environment`, `folder`, `projectId`) and ours
//! for the other commands. `output::print_json` prints them with every object's keys sorted.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::engine::{ConnectionReport, EngineError, NodeSync, SessionCounts, SlotView};
use crate::model::{
    Connection, Event, HeldState, Parameters, RotateAt, Rotation, RotationStatus, SecretsMapping,
    Slot, StragglerPolicy, TlsSettings, TopologyKind, sink::Sink,
};

/// Stable ids for things the hosted original has and we do not store (environment, folder,
/// project): UUID v5 of their names, so the same input always gives the same id.
fn stable_id(kind: &str, name: &str) -> Uuid {
    Uuid::new_v5(
        &Uuid::NAMESPACE_URL,
        format!("redis-rotator:{kind}:{name}").as_bytes(),
    )
}

fn environment_name(slug: &str) -> String {
    match slug {
        "dev" => "Development".into(),
        "staging" => "Staging".into(),
        "prod" => "Production".into(),
        other => other.to_string(),
    }
}

/// One rotation as the seed document's `secretRotation` object.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RotationView<'a> {
    id: Uuid,
    name: &'a str,
    description: Option<&'a str>,
    is_auto_rotation_enabled: bool,
    active_index: Slot,
    folder_id: Uuid,
    connection_id: Uuid,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    rotation_interval: u32,
    rotation_status: RotationStatus,
    last_rotation_attempted_at: Option<DateTime<Utc>>,
    last_rotated_at: Option<DateTime<Utc>>,
    last_rotation_job_id: Option<Uuid>,
    next_rotation_at: Option<DateTime<Utc>>,
    connection: ConnectionRef<'a>,
    environment: EnvironmentView<'a>,
    project_id: Uuid,
    folder: FolderView<'a>,
    rotate_at_utc: &'a RotateAt,
    last_rotation_message: Option<&'a str>,
    #[serde(rename = "type")]
    kind: &'a str,
    parameters: &'a Parameters,
    secrets_mapping: &'a SecretsMapping,
    sinks: &'a [Sink],
}

/// The rotation's connection as the seed document names it (`app`, `name`, `id`); `name` is
/// null when the connection is gone.
#[derive(Serialize)]
struct ConnectionRef<'a> {
    app: &'static str,
    name: Option<&'a str>,
    id: Uuid,
}

#[derive(Serialize)]
struct EnvironmentView<'a> {
    slug: &'a str,
    name: String,
    id: Uuid,
}

#[derive(Serialize)]
struct FolderView<'a> {
    id: Uuid,
    path: &'a str,
}

impl<'a> RotationView<'a> {
    pub(crate) fn new(r: &'a Rotation, conn: Option<&'a Connection>) -> Self {
        let folder_id = stable_id("folder", &format!("{}:{}", r.environment, r.secret_path));
        Self {
            id: r.id,
            name: &r.name,
            description: r.description.as_deref(),
            is_auto_rotation_enabled: r.is_auto_rotation_enabled,
            active_index: r.active_index,
            folder_id,
            connection_id: r.connection_id,
            created_at: r.created_at,
            updated_at: r.updated_at,
            rotation_interval: r.rotation_interval,
            rotation_status: r.rotation_status,
            last_rotation_attempted_at: r.last_rotation_attempted_at,
            last_rotated_at: r.last_rotated_at,
            last_rotation_job_id: r.last_rotation_job_id,
            next_rotation_at: r.next_rotation_at,
            connection: ConnectionRef {
                app: "redis",
                name: conn.map(|c| c.name.as_str()),
                id: r.connection_id,
            },
            environment: EnvironmentView {
                slug: &r.environment,
                name: environment_name(&r.environment),
                id: stable_id("environment", &r.environment),
            },
            project_id: stable_id("project", "local"),
            folder: FolderView {
                id: folder_id,
                path: &r.secret_path,
            },
            rotate_at_utc: &r.rotate_at_utc,
            last_rotation_message: r.last_rotation_message.as_deref(),
            kind: &r.kind,
            parameters: &r.parameters,
            secrets_mapping: &r.secrets_mapping,
            sinks: &r.sinks,
        }
    }
}

/// `rotation create|rotate|update --json`: `{"secretRotation": …}`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RotationAnswer<'a> {
    pub(crate) secret_rotation: RotationView<'a>,
}

/// `rotation list --json`: `{"secretRotations": […]}`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RotationListAnswer<'a> {
    pub(crate) secret_rotations: Vec<RotationView<'a>>,
}

/// `rotation get --json`: the rotation and whether every node holds both stored credentials.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RotationGetAnswer<'a> {
    pub(crate) secret_rotation: RotationView<'a>,
    pub(crate) sync: SyncView<'a>,
    pub(crate) stragglers: StragglersView<'a>,
}

/// Stragglers in `rotation get --json`: `{"policy": {mode, maxWaitHours}, "held": {since,
/// until, nextCheckAt, sessions, username} | null, "liveSessions": [{slot, username, sessions,
/// failedAuths, unreachable}] | {"error": …}}`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StragglersView<'a> {
    pub(crate) policy: &'a StragglerPolicy,
    pub(crate) held: Option<&'a HeldState>,
    pub(crate) live_sessions: LiveSessionsView,
}

/// Who is still logged in as each slot's user, summed over the nodes; or why nobody could ask.
#[derive(Serialize)]
#[serde(untagged)]
pub(crate) enum LiveSessionsView {
    Counted(Vec<SlotSessionsView>),
    NotCounted { error: String },
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SlotSessionsView {
    pub(crate) slot: usize,
    pub(crate) username: String,
    pub(crate) sessions: usize,
    pub(crate) failed_auths: u64,
    pub(crate) unreachable: usize,
}

impl<'a> StragglersView<'a> {
    pub(crate) fn new(r: &'a Rotation, sessions: &Result<[SessionCounts; 2], EngineError>) -> Self {
        let live_sessions = match sessions {
            Ok(counts) => LiveSessionsView::Counted(
                [Slot::Zero, Slot::One]
                    .into_iter()
                    .zip(counts)
                    .map(|(slot, c)| SlotSessionsView {
                        slot: slot.index(),
                        username: r.username_for(slot),
                        sessions: c.sessions,
                        failed_auths: c.failed_auths,
                        unreachable: c.unreachable,
                    })
                    .collect(),
            ),
            Err(e) => LiveSessionsView::NotCounted {
                error: e.to_string(),
            },
        };
        Self {
            policy: &r.parameters.straggler_policy,
            held: r.held.as_ref(),
            live_sessions,
        }
    }
}

/// Whether a rotation's nodes hold both stored credentials: `{"inSync": bool, "nodes": [{node,
/// status: {state, detail}, healed}]}`, or `{"inSync": null, "error": …}` when the nodes could
/// not be checked.
#[derive(Serialize)]
#[serde(untagged)]
pub(crate) enum SyncView<'a> {
    #[serde(rename_all = "camelCase")]
    Checked {
        in_sync: bool,
        nodes: &'a [NodeSync],
    },
    /// `in_sync` is `()`: serialized as `null`, "not known".
    #[serde(rename_all = "camelCase")]
    NotChecked { in_sync: (), error: String },
}

impl<'a> SyncView<'a> {
    pub(crate) fn new(sync: &'a Result<Vec<NodeSync>, EngineError>) -> Self {
        match sync {
            Ok(nodes) => Self::Checked {
                in_sync: nodes.iter().all(|n| n.status.is_in_sync()),
                nodes,
            },
            Err(e) => Self::NotChecked {
                in_sync: (),
                error: e.to_string(),
            },
        }
    }
}

/// `rotation credentials --json`: the active credential and the previous one, in clear (the
/// command exists to reveal them). No `Debug`: it holds passwords.
#[derive(Serialize)]
pub(crate) struct CredentialsAnswer<'a> {
    pub(crate) current: CredentialView<'a>,
    pub(crate) previous: Option<CredentialView<'a>>,
}

/// One slot's credential. `verified` is false, and `unverified` says why, while a change in
/// flight or interrupted may be re-keying or revoking it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CredentialView<'a> {
    slot: Slot,
    username: &'a str,
    password: &'a str,
    created_at: DateTime<Utc>,
    verified: bool,
    unverified: Option<&'a str>,
}

impl<'a> CredentialView<'a> {
    pub(crate) fn new(v: &'a SlotView) -> Self {
        Self {
            slot: v.slot,
            username: &v.username,
            password: v.password.expose(),
            created_at: v.created_at,
            verified: v.unverified.is_none(),
            unverified: v.unverified.as_deref(),
        }
    }
}

/// A connection without its passwords (`hasPassword`, `hasSentinelPassword` say whether one
/// is stored).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ConnectionView<'a> {
    id: Uuid,
    name: &'a str,
    app: &'static str,
    description: Option<&'a str>,
    host: &'a str,
    port: u16,
    username: &'a str,
    has_password: bool,
    tls: &'a TlsSettings,
    topology: TopologyKind,
    nodes: &'a [String],
    master_name: Option<&'a str>,
    sentinel_username: Option<&'a str>,
    has_sentinel_password: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl<'a> ConnectionView<'a> {
    pub(crate) fn new(c: &'a Connection) -> Self {
        Self {
            id: c.id,
            name: &c.name,
            app: "redis",
            description: c.description.as_deref(),
            host: &c.host,
            port: c.port,
            username: &c.username,
            has_password: c.password.is_some(),
            tls: &c.tls,
            topology: c.topology,
            nodes: &c.nodes,
            master_name: c.master_name.as_deref(),
            sentinel_username: c.sentinel_username.as_deref(),
            has_sentinel_password: c.sentinel_password.is_some(),
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

/// `connection add|edit --json`: the saved connection and the test that ran before saving.
#[derive(Serialize)]
pub(crate) struct ConnectionSavedAnswer<'a> {
    pub(crate) connection: ConnectionView<'a>,
    pub(crate) report: &'a ConnectionReport,
}

/// `connection list --json`.
#[derive(Serialize)]
pub(crate) struct ConnectionListAnswer<'a> {
    pub(crate) connections: Vec<ConnectionView<'a>>,
}

/// `connection test --json`: the report's fields, plus per rotation on the connection whether
/// every node holds both stored credentials.
#[derive(Serialize)]
pub(crate) struct ConnectionTestAnswer<'a> {
    #[serde(flatten)]
    pub(crate) report: &'a ConnectionReport,
    pub(crate) sync: Vec<RotationSyncView<'a>>,
}

/// One rotation's node sync, named: `{"rotation": name, "inSync": …, …}`.
#[derive(Serialize)]
pub(crate) struct RotationSyncView<'a> {
    pub(crate) rotation: &'a str,
    #[serde(flatten)]
    pub(crate) sync: SyncView<'a>,
}

/// `secrets list --json`.
#[derive(Serialize)]
pub(crate) struct SecretListAnswer {
    pub(crate) secrets: Vec<SecretListItem>,
}

/// A secret's name, current version and the rotation that owns it (none for a free secret).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SecretListItem {
    pub(crate) name: String,
    pub(crate) version: Option<u32>,
    pub(crate) updated_at: Option<DateTime<Utc>>,
    pub(crate) owner_rotation: Option<String>,
}

/// `secrets get --json`: the current value in clear. No `Debug`: it holds a secret.
#[derive(Serialize)]
pub(crate) struct SecretAnswer<'a> {
    pub(crate) secret: SecretValueView<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SecretValueView<'a> {
    pub(crate) name: &'a str,
    pub(crate) environment: &'a str,
    pub(crate) secret_path: &'a str,
    pub(crate) version: u32,
    pub(crate) value: &'a str,
    pub(crate) created_at: DateTime<Utc>,
}

/// `events list --json`: the selected events, oldest first.
#[derive(Serialize)]
pub(crate) struct EventListAnswer<'a> {
    pub(crate) events: &'a [&'a Event],
}
