//! Request bodies as operators write them (the seed document's create body, a PATCH for update,
//! a connection form). Every field is optional and numbers stay raw JSON numbers, so validation
//! can name a missing field or reject `11.5` instead of truncating it.

use serde::{Deserialize, Serialize};
use serde_json::Number;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RotateAtRequest {
    pub(crate) hours: Option<Number>,
    pub(crate) minutes: Option<Number>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct RequiredRequest {
    pub(crate) digits: Option<Number>,
    pub(crate) lowercase: Option<Number>,
    pub(crate) uppercase: Option<Number>,
    pub(crate) symbols: Option<Number>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct PasswordRequirementsRequest {
    pub(crate) length: Option<Number>,
    pub(crate) required: Option<RequiredRequest>,
    pub(crate) allowed_symbols: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ParametersRequest {
    pub(crate) password_requirements: Option<PasswordRequirementsRequest>,
    pub permission_scope: Option<String>,
    pub(crate) username_prefix: Option<String>,
    /// `two-users` (default) or `one-user`.
    pub strategy: Option<String>,
    /// One-user: the ACL user whose passwords rotate; two-users: an existing user to adopt.
    pub username: Option<String>,
    pub straggler_policy: Option<StragglerPolicyRequest>,
}

/// `{"mode": "rotate"}` or `{"mode": "wait", "maxWaitHours": 24}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StragglerPolicyRequest {
    pub mode: Option<String>,
    pub max_wait_hours: Option<Number>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct SecretsMappingRequest {
    pub(crate) username: Option<String>,
    pub(crate) password: Option<String>,
}

/// The seed document's create body; also used (all fields optional) as an update patch.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RotationRequest {
    pub(crate) name: Option<String>,
    /// Accepted and ignored (the hosted original's project).
    pub(crate) project_id: Option<String>,
    pub(crate) description: Option<String>,
    /// A connection id or a connection name.
    pub(crate) connection_id: Option<String>,
    pub environment: Option<String>,
    pub(crate) secret_path: Option<String>,
    pub(crate) is_auto_rotation_enabled: Option<bool>,
    pub rotation_interval: Option<Number>,
    pub rotate_at_utc: Option<RotateAtRequest>,
    pub parameters: Option<ParametersRequest>,
    pub(crate) secrets_mapping: Option<SecretsMappingRequest>,
    /// Where the credentials are delivered after every promotion; a patch replaces the list.
    pub sinks: Option<Vec<super::sink::SinkRequest>>,
}

/// A connection as typed in `connection add` or the wizard.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConnectionRequest {
    pub name: Option<String>,
    pub description: Option<String>,
    pub host: Option<String>,
    pub port: Option<Number>,
    pub username: Option<String>,
    pub tls_enabled: Option<bool>,
    pub reject_unauthorized: Option<bool>,
    pub ca_certificate: Option<String>,
    /// `standalone`, `replication`, `cluster`, `nodes` or `sentinel`.
    pub topology: Option<String>,
    /// The nodes (`nodes`) or the Sentinels (`sentinel`), each `host:port`.
    pub nodes: Option<Vec<String>>,
    /// The master name the Sentinels monitor (`sentinel` only).
    pub master_name: Option<String>,
    /// The user the Sentinels are authenticated as (`sentinel` only; default `default`). The
    /// Sentinel password itself never travels in a request: it is read like the admin password.
    pub sentinel_username: Option<String>,
}
