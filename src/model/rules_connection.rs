//! A connection form (SPEC 2.1): every field checked, every failure collected and reported together.

use std::net::Ipv6Addr;
use std::str::FromStr;

use strum::VariantArray;
use uuid::Uuid;

use super::connection::{
    Connection, DEFAULT_PORT, DEFAULT_USERNAME, TlsSettings, TopologyKind, format_address,
};
use super::request::ConnectionRequest;
use super::rules::{
    Collect, host_problem, required, shown, validate_description, validate_host, validate_slug,
    whole_number,
};
use super::validation::{ConnectionSpec, FieldError, ValidationErrors};

const NODE_SHAPE: &str = "must be `host:port` (e.g. `10.0.0.5:6379`, `redis-1.internal:6379`, \
                          `[::1]:6380`)";

/// A connection form. `editing` is the id of the connection being edited (its own name is not a
/// duplicate).
pub fn validate_connection(
    req: &ConnectionRequest,
    existing: &[Connection],
    editing: Option<Uuid>,
) -> Result<ConnectionSpec, ValidationErrors> {
    let mut errors = Collect::default();
    let name = errors.take(connection_name(req.name.as_deref(), existing, editing));
    let description = errors.take(validate_description(req.description.as_deref()));
    let host = errors.take(
        required("host", req.host.as_deref(), "redis.internal")
            .and_then(|h| validate_host(h).map(|()| h.to_string())),
    );
    let port = match &req.port {
        None => DEFAULT_PORT,
        Some(n) => errors.take(whole_number("port", n, 1, u16::MAX.into()).map(port_u16)),
    };
    let username = errors.take(admin_username(req.username.as_deref()));
    let tls = TlsSettings {
        enabled: req.tls_enabled.unwrap_or(false),
        reject_unauthorized: req.reject_unauthorized.unwrap_or(true),
        ca_certificate: errors.take(ca_certificate(req.ca_certificate.as_deref())),
    };
    let topology = errors.check(topology(req.topology.as_deref()));
    let nodes = match topology {
        Some(kind) => nodes(kind, req.nodes.as_deref().unwrap_or_default(), &mut errors),
        None => Vec::new(),
    };
    let master_name = match topology {
        Some(kind) => errors.take(master_name(kind, req.master_name.as_deref())),
        None => None,
    };
    let sentinel_username = match topology {
        Some(kind) => errors.take(sentinel_username(kind, req.sentinel_username.as_deref())),
        None => None,
    };
    errors.finish(ConnectionSpec {
        name,
        description,
        host,
        port,
        username,
        tls,
        topology: topology.unwrap_or_default(),
        nodes,
        master_name,
        sentinel_username,
    })
}

/// The user the Sentinels are authenticated as: one word, and only with `sentinel`.
fn sentinel_username(
    kind: TopologyKind,
    value: Option<&str>,
) -> Result<Option<String>, FieldError> {
    let value = value.map(str::trim).filter(|v| !v.is_empty());
    match (kind, value) {
        (_, None) => Ok(None),
        (TopologyKind::Sentinel, Some(user)) => {
            if user.chars().any(|c| c.is_whitespace() || c.is_control()) {
                Err(FieldError::new(
                    "sentinelUsername",
                    format!(
                        "must be a Sentinel user name without spaces (e.g. `default`), got `{}`",
                        shown(user)
                    ),
                ))
            } else {
                Ok(Some(user.to_string()))
            }
        }
        (other, Some(_)) => Err(FieldError::new(
            "sentinelUsername",
            format!(
                "is only used when topology is `sentinel`, and topology is `{other}`: remove it or set topology to `sentinel`"
            ),
        )),
    }
}

/// Required with `sentinel` (the name in `sentinel monitor <name> …`), refused otherwise.
fn master_name(kind: TopologyKind, value: Option<&str>) -> Result<Option<String>, FieldError> {
    let value = value.map(str::trim).filter(|v| !v.is_empty());
    match (kind, value) {
        (TopologyKind::Sentinel, None) => Err(FieldError::new(
            "masterName",
            "is required when topology is `sentinel`: the name the Sentinels monitor (e.g. `mymaster`)",
        )),
        (TopologyKind::Sentinel, Some(name)) => {
            if name.chars().any(|c| c.is_whitespace() || c.is_control()) {
                Err(FieldError::new(
                    "masterName",
                    format!("must be one word without spaces, got `{}`", shown(name)),
                ))
            } else {
                Ok(Some(name.to_string()))
            }
        }
        (_, None) => Ok(None),
        (other, Some(_)) => Err(FieldError::new(
            "masterName",
            format!(
                "is only used when topology is `sentinel`, and topology is `{other}`: remove it or set topology to `sentinel`"
            ),
        )),
    }
}

fn port_u16(port: u32) -> u16 {
    // `whole_number` already bounded it to 1–65535.
    u16::try_from(port).unwrap_or(DEFAULT_PORT)
}

fn connection_name(
    value: Option<&str>,
    existing: &[Connection],
    editing: Option<Uuid>,
) -> Result<String, FieldError> {
    let name = required("name", value, "orders-cache")?;
    validate_slug("name", name)?;
    if existing
        .iter()
        .any(|c| c.name == name && Some(c.id) != editing)
    {
        return Err(FieldError::new(
            "name",
            format!(
                "a connection named `{name}` already exists: choose another name or edit that one"
            ),
        ));
    }
    Ok(name.to_string())
}

fn admin_username(value: Option<&str>) -> Result<String, FieldError> {
    match value {
        None => Ok(DEFAULT_USERNAME.to_string()),
        Some(u) if !u.is_empty() && !u.chars().any(|c| c.is_whitespace() || c.is_control()) => {
            Ok(u.to_string())
        }
        Some(u) => Err(FieldError::new(
            "username",
            format!(
                "must be a Redis user name without spaces (e.g. `default` or `admin`), got `{}`",
                shown(u)
            ),
        )),
    }
}

/// PEM text holding a certificate, or a path to a PEM file (read later, by the Redis layer).
/// The text is never quoted back: an operator who pasted a private key must not see it echoed.
fn ca_certificate(value: Option<&str>) -> Result<Option<String>, FieldError> {
    let Some(text) = value.filter(|v| !v.trim().is_empty()) else {
        return Ok(None);
    };
    if text.contains("-----BEGIN") {
        // Line breaks are meaningful in PEM; any other control character is damage.
        if text
            .chars()
            .any(|c| super::text::is_unprintable(c) && !matches!(c, '\n' | '\r'))
        {
            return Err(FieldError::new(
                "caCertificate",
                "has a control character other than a line break: paste the certificate as \
                 plain PEM text",
            ));
        }
        if text.contains("-----BEGIN CERTIFICATE-----")
            && text.contains("-----END CERTIFICATE-----")
        {
            return Ok(Some(text.to_string()));
        }
        return Err(FieldError::new(
            "caCertificate",
            "is PEM text without a complete certificate: paste the CA certificate \
             (`-----BEGIN CERTIFICATE-----` … `-----END CERTIFICATE-----`), never a private key",
        ));
    }
    if text.chars().any(super::text::is_unprintable) {
        return Err(FieldError::new(
            "caCertificate",
            "is neither PEM text (`-----BEGIN CERTIFICATE-----` …) nor a path to a PEM file",
        ));
    }
    Ok(Some(text.trim().to_string()))
}

fn topology(value: Option<&str>) -> Result<TopologyKind, FieldError> {
    let Some(text) = value.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(TopologyKind::default());
    };
    TopologyKind::from_str(&text.to_ascii_lowercase()).map_err(|_| {
        let choices: Vec<String> = TopologyKind::VARIANTS
            .iter()
            .map(|k| k.to_string())
            .collect();
        FieldError::new(
            "topology",
            format!(
                "must be one of {}, got `{}`",
                choices.join(", "),
                shown(text)
            ),
        )
    })
}

fn nodes(kind: TopologyKind, given: &[String], errors: &mut Collect) -> Vec<String> {
    if kind != TopologyKind::Nodes && kind != TopologyKind::Sentinel {
        if !given.is_empty() {
            errors.push(FieldError::new(
                "nodes",
                format!(
                    "are only used when topology is `nodes` or `sentinel`, and topology is \
                     `{kind}`: remove them or set the topology"
                ),
            ));
        }
        return Vec::new();
    }
    if given.is_empty() && kind == TopologyKind::Sentinel {
        errors.push(FieldError::new(
            "nodes",
            "are required when topology is `sentinel`: list the Sentinels as `host:port` (e.g. \
             `10.0.0.5:26379`)",
        ));
    } else if given.is_empty() {
        errors.push(FieldError::new(
            "nodes",
            "are required when topology is `nodes`: list every node as `host:port` (e.g. \
             `10.0.0.5:6379`, `[::1]:6380`)",
        ));
    }
    let mut seen: Vec<String> = Vec::new();
    for (i, node) in given.iter().enumerate() {
        let field = format!("nodes[{i}]");
        match validate_node(&field, node) {
            Ok(address) if seen.contains(&address) => errors.push(FieldError::new(
                field,
                format!("`{address}` is listed twice: remove one"),
            )),
            Ok(address) => seen.push(address),
            Err(e) => errors.push(e),
        }
    }
    seen
}

/// One `host:port` (IPv6 as `[v6]:port`); returns it normalised as `Connection::address` writes
/// it. `field` names it in the error (`nodes[2]`).
pub(crate) fn validate_node(field: &str, value: &str) -> Result<String, FieldError> {
    let error = |problem: String| FieldError::new(field, problem);
    let (host, port) = if let Some(rest) = value.strip_prefix('[') {
        let (host, port) = rest
            .split_once("]:")
            .ok_or_else(|| error(format!("{NODE_SHAPE}, got `{}`", shown(value))))?;
        if host.parse::<Ipv6Addr>().is_err() {
            return Err(error(format!(
                "`[{}]` is not a valid IPv6 address",
                shown(host)
            )));
        }
        (host, port)
    } else {
        let (host, port) = value
            .rsplit_once(':')
            .ok_or_else(|| error(format!("{NODE_SHAPE}, got `{}`", shown(value))))?;
        if host.contains(':') {
            return Err(error(format!(
                "write an IPv6 address in brackets (e.g. `[::1]:6379`), got `{}`",
                shown(value)
            )));
        }
        if let Some(problem) = host_problem(host) {
            return Err(error(format!("host {problem}")));
        }
        (host, port)
    };
    let digits = !port.is_empty() && port.chars().all(|c| c.is_ascii_digit());
    match port.parse::<u16>() {
        Ok(port) if digits && port > 0 => Ok(format_address(host, port)),
        _ => Err(error(format!(
            "the port must be a whole number 1–65535, got `{}`",
            shown(port)
        ))),
    }
}
