//! The connection form (add or edit), used by the connections screen and inline by the wizard's
//! first step: every field of SPEC 2.1, validated by the model as it is typed, then Test (a
//! per-node report) and Save (which tests again before writing).

use uuid::Uuid;

use crate::engine::{ConnectionReport, ConnectionSecrets};
use crate::model::connection::{DEFAULT_PORT, DEFAULT_USERNAME};
use crate::model::request::ConnectionRequest;
use crate::model::validation::ConnectionSpec;
use crate::model::{Connection, Password, TopologyKind};
use crate::tui::action::FormOrigin;
use crate::tui::tasks::Task;
use crate::tui::widgets::{Choice, FieldId, Form, Input, NumberField, TextField};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Field {
    Name,
    Description,
    Host,
    Port,
    Username,
    Password,
    Tls,
    Verify,
    Ca,
    Topology,
    Nodes,
    MasterName,
    Sentinels,
    SentinelUsername,
    SentinelPassword,
    Test,
    Save,
    Cancel,
}

impl FieldId for Field {
    fn label(self) -> &'static str {
        match self {
            Field::Name => "Name",
            Field::Description => "Description",
            Field::Host => "Host",
            Field::Port => "Port",
            Field::Username => "Admin username",
            Field::Password => "Admin password",
            Field::Tls => "TLS",
            Field::Verify => "Verify certificate",
            Field::Ca => "CA certificate",
            Field::Topology => "Topology",
            Field::Nodes => "Nodes (host:port, …)",
            Field::MasterName => "Master name",
            Field::Sentinels => "Sentinels (host:port, …)",
            Field::SentinelUsername => "Sentinel username",
            Field::SentinelPassword => "Sentinel password",
            Field::Test => "Test",
            Field::Save => "Save",
            Field::Cancel => "Cancel",
        }
    }
}

/// The field a model error path names (`host`, `tls.caCertificate`, `nodes[1]`…); `nodes` are
/// the Sentinels when the topology is `sentinel`.
pub(crate) fn field_for_topology(path: &str, topology: &str) -> Option<Field> {
    match field_for(path) {
        Some(Field::Nodes) if topology == "sentinel" => Some(Field::Sentinels),
        other => other,
    }
}

/// The field a model error path names (`host`, `tls.caCertificate`, `nodes[1]`…).
pub(crate) fn field_for(path: &str) -> Option<Field> {
    let last = path.rsplit('.').next().unwrap_or(path);
    let last = last.split('[').next().unwrap_or(last);
    Some(match last {
        "name" => Field::Name,
        "description" => Field::Description,
        "host" => Field::Host,
        "port" => Field::Port,
        "username" => Field::Username,
        "password" => Field::Password,
        "tls" | "enabled" | "tlsEnabled" => Field::Tls,
        "rejectUnauthorized" => Field::Verify,
        "caCertificate" => Field::Ca,
        "topology" => Field::Topology,
        "nodes" => Field::Nodes,
        "masterName" => Field::MasterName,
        "sentinelUsername" => Field::SentinelUsername,
        "sentinelPassword" => Field::SentinelPassword,
        _ => return None,
    })
}

const TOPOLOGIES: &[&str] = &["standalone", "replication", "cluster", "nodes", "sentinel"];

/// The fields a test or save failure names in parentheses (`… refused the Sentinel password
/// (sentinelPassword) …`), so the sentence is also shown at the field to fix.
fn fields_named(message: &str) -> Vec<Field> {
    ["sentinelPassword", "sentinelUsername", "masterName"]
        .into_iter()
        .filter(|name| message.contains(&format!("({name})")))
        .filter_map(field_for)
        .collect()
}

/// What Enter on the form asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Command {
    None,
    Test,
    Save,
    Cancel,
}

#[derive(Clone, Debug)]
pub(crate) struct ConnectionForm {
    /// The connection being edited; `None` when adding.
    pub(crate) editing: Option<Uuid>,
    pub(crate) form: Form<Field>,
    /// The validated values, when the form is valid.
    pub(crate) spec: Option<ConnectionSpec>,
    /// Errors naming no field.
    pub(crate) other: Vec<String>,
    /// "Testing…" or "Saving…" while the engine works.
    pub(crate) busy: Option<&'static str>,
    pub(crate) report: Option<Result<ConnectionReport, String>>,
}

impl ConnectionForm {
    fn with(editing: Option<Uuid>, c: Option<&Connection>) -> ConnectionForm {
        let text = |v: Option<&str>| Input::Text(TextField::new(v.unwrap_or("")));
        // The stored `nodes` are the node list or the Sentinels, by topology.
        let listed =
            |kind: TopologyKind| c.filter(|c| c.topology == kind).map(|c| c.nodes.join(", "));
        ConnectionForm {
            editing,
            form: Form::new(vec![
                (Field::Name, text(c.map(|c| c.name.as_str()))),
                (
                    Field::Description,
                    text(c.and_then(|c| c.description.as_deref())),
                ),
                (Field::Host, text(c.map(|c| c.host.as_str()))),
                (
                    Field::Port,
                    Input::Number(NumberField::new(
                        c.map_or(u32::from(DEFAULT_PORT), |c| u32::from(c.port)),
                        1,
                        65535,
                    )),
                ),
                (
                    Field::Username,
                    text(Some(c.map_or(DEFAULT_USERNAME, |c| c.username.as_str()))),
                ),
                (Field::Password, Input::Text(TextField::masked())),
                (
                    Field::Tls,
                    Input::Choice(Choice::toggle(c.is_some_and(|c| c.tls.enabled))),
                ),
                (
                    Field::Verify,
                    Input::Choice(Choice::toggle(c.is_none_or(|c| c.tls.reject_unauthorized))),
                ),
                (
                    Field::Ca,
                    text(c.and_then(|c| c.tls.ca_certificate.as_deref())),
                ),
                (
                    Field::Topology,
                    Input::Choice(Choice::select(
                        TOPOLOGIES,
                        &c.map_or(TopologyKind::Standalone, |c| c.topology)
                            .to_string(),
                    )),
                ),
                (Field::Nodes, text(listed(TopologyKind::Nodes).as_deref())),
                (
                    Field::MasterName,
                    text(c.and_then(|c| c.master_name.as_deref())),
                ),
                (
                    Field::Sentinels,
                    text(listed(TopologyKind::Sentinel).as_deref()),
                ),
                (
                    Field::SentinelUsername,
                    text(c.and_then(|c| c.sentinel_username.as_deref())),
                ),
                (Field::SentinelPassword, Input::Text(TextField::masked())),
                (Field::Test, Input::Button("Test")),
                (Field::Save, Input::Button("Save")),
                (Field::Cancel, Input::Button("Cancel")),
            ]),
            spec: None,
            other: Vec::new(),
            busy: None,
            report: None,
        }
    }

    pub(crate) fn new() -> ConnectionForm {
        ConnectionForm::with(None, None).shown_for_topology()
    }

    pub(crate) fn edit(c: &Connection) -> ConnectionForm {
        ConnectionForm::with(Some(c.id), Some(c)).shown_for_topology()
    }

    fn shown_for_topology(mut self) -> ConnectionForm {
        self.show_for_topology();
        self
    }

    /// Only the fields the chosen topology uses are shown: the node list with `nodes`, the
    /// master name, Sentinels and Sentinel auth with `sentinel`.
    fn show_for_topology(&mut self) {
        let topology = self.form.choice(Field::Topology).to_string();
        self.form.set_hidden(Field::Nodes, topology != "nodes");
        for f in [
            Field::MasterName,
            Field::Sentinels,
            Field::SentinelUsername,
            Field::SentinelPassword,
        ] {
            self.form.set_hidden(f, topology != "sentinel");
        }
    }

    pub(crate) fn is_sentinel(&self) -> bool {
        self.form.choice(Field::Topology) == "sentinel"
    }

    pub(crate) fn request(&self) -> ConnectionRequest {
        let f = &self.form;
        let opt = |field| Some(f.text(field).trim().to_string()).filter(|s| !s.is_empty());
        let sentinel = self.is_sentinel();
        let list = |field| -> Vec<String> {
            f.text(field)
                .split([',', ' '])
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        };
        let nodes = list(if sentinel {
            Field::Sentinels
        } else {
            Field::Nodes
        });
        // Sentinel: an empty host means the first Sentinel (as `--sentinel` does on the CLI).
        let first_sentinel = nodes
            .first()
            .filter(|_| sentinel && f.text(Field::Host).trim().is_empty())
            .and_then(|s| crate::redis::NodeAddr::parse(s));
        let (host, port) = match first_sentinel {
            Some(a) => (a.host, Some(u64::from(a.port))),
            None => (f.text(Field::Host).to_string(), f.raw_number(Field::Port)),
        };
        ConnectionRequest {
            name: Some(f.text(Field::Name).to_string()),
            description: opt(Field::Description),
            host: Some(host),
            port: port.map(serde_json::Number::from),
            username: Some(f.text(Field::Username).to_string()),
            tls_enabled: Some(f.on(Field::Tls)),
            reject_unauthorized: Some(f.on(Field::Verify)),
            ca_certificate: opt(Field::Ca),
            topology: Some(f.choice(Field::Topology).to_string()),
            nodes: Some(nodes),
            // Only sent with `sentinel`, so a value left in a hidden-by-topology field never
            // blocks another topology.
            master_name: opt(Field::MasterName).filter(|_| sentinel),
            sentinel_username: opt(Field::SentinelUsername).filter(|_| sentinel),
        }
    }

    /// The typed admin password; `None` keeps the stored one when editing.
    pub(crate) fn password(&self) -> Option<Password> {
        let p = self.form.text(Field::Password);
        (!p.is_empty()).then(|| Password::new(p))
    }

    /// The typed passwords (the Sentinel one only with `sentinel`); `None` keeps a stored one
    /// when editing.
    pub(crate) fn secrets(&self) -> ConnectionSecrets {
        let p = self.form.text(Field::SentinelPassword);
        ConnectionSecrets {
            admin: self.password(),
            sentinel: (self.is_sentinel() && !p.is_empty()).then(|| Password::new(p)),
        }
    }

    /// A test or save that failed or found problems: besides the sentences under the form, the
    /// fields they name show the error.
    pub(crate) fn mark_failure(&mut self, messages: &[String]) {
        let mut placed: Vec<(Field, String)> = Vec::new();
        for m in messages {
            for f in fields_named(m) {
                if !placed.iter().any(|(x, _)| *x == f) {
                    placed.push((f, field_hint(f).to_string()));
                }
            }
        }
        if !placed.is_empty() {
            self.form.set_errors(placed);
            self.form.reveal_errors();
        }
    }

    /// The model's connection rules, run after every change.
    pub(crate) fn revalidate(&mut self, existing: &[Connection]) {
        self.show_for_topology();
        match crate::model::validation::validate_connection(&self.request(), existing, self.editing)
        {
            Ok(spec) => {
                self.spec = Some(spec);
                self.other.clear();
                self.form.set_errors(Vec::new());
            }
            Err(errors) => {
                self.spec = None;
                let mut placed: Vec<(Field, String)> = Vec::new();
                self.other.clear();
                let topology = self.form.choice(Field::Topology).to_string();
                for e in errors.0 {
                    match field_for_topology(&e.field, &topology) {
                        Some(f) if !placed.iter().any(|(x, _)| *x == f) => {
                            placed.push((f, e.message))
                        }
                        Some(_) => {}
                        None => self.other.push(e.to_string()),
                    }
                }
                self.form.set_errors(placed);
            }
        }
    }

    pub(crate) fn valid(&self) -> bool {
        self.spec.is_some() && !self.form.has_errors()
    }

    /// Enter: press the focused button, or move to the next field.
    pub(crate) fn enter(&mut self) -> Command {
        match self.form.focused() {
            Field::Test => Command::Test,
            Field::Save => Command::Save,
            Field::Cancel => Command::Cancel,
            _ => {
                self.form.focus_step(true);
                Command::None
            }
        }
    }

    /// The engine work a command needs, or why it cannot run yet.
    pub(crate) fn task(
        &mut self,
        origin: FormOrigin,
        command: Command,
    ) -> Result<Option<Task>, String> {
        if matches!(command, Command::Test | Command::Save) && !self.valid() {
            self.form.reveal_errors();
            return Err("fix the fields marked ✗ first".into());
        }
        Ok(match (command, &self.spec) {
            (Command::Test, Some(spec)) => Some(Task::TestDraft {
                origin,
                spec: spec.clone(),
                secrets: self.secrets(),
                stored: self.editing,
            }),
            (Command::Save, _) => Some(match self.editing {
                Some(id) => Task::EditConnection(origin, id, self.request(), self.secrets()),
                None => Task::AddConnection(origin, self.request(), self.secrets()),
            }),
            _ => None,
        })
    }
}

impl Default for ConnectionForm {
    fn default() -> Self {
        ConnectionForm::new()
    }
}

/// What the field a failure names needs, in a few words (the full sentence is below the form).
pub(crate) fn field_hint(f: Field) -> &'static str {
    match f {
        Field::SentinelPassword => {
            "the Sentinels refused it or need one: their own password (requirepass), not the admin's"
        }
        Field::SentinelUsername => "check the Sentinel user",
        Field::MasterName => "the Sentinels monitor no master by this name",
        _ => "see below",
    }
}
