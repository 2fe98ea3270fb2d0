//! Redis failures as sentences an operator can act on. Never carries a password.

use std::error::Error as StdError;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use redis::{ErrorKind, ServerErrorKind};

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RedisError {
    #[error("{addr} is unreachable: {reason}")]
    Unreachable { addr: String, reason: String },
    #[error("{addr} did not answer {what} within {secs} s")]
    Timeout {
        addr: String,
        what: String,
        secs: u64,
    },
    #[error("{addr}: wrong password for user `{user}` (or the user is disabled)")]
    WrongPassword { addr: String, user: String },
    #[error("{addr}: TLS verification failed: {reason}")]
    Tls { addr: String, reason: String },
    #[error("{addr} refused {command} (NOPERM): {hint}")]
    NoPermission {
        addr: String,
        command: String,
        hint: String,
    },
    #[error("{addr}: {command} failed: {message}")]
    Command {
        addr: String,
        command: String,
        message: String,
    },
    #[error("{addr}: {message}")]
    Discovery { addr: String, message: String },
}

impl RedisError {
    /// The node answered `LOADING` (still loading its dataset): worth retrying shortly.
    pub(crate) fn is_loading(&self) -> bool {
        matches!(self, RedisError::Command { message, .. } if message.starts_with("LOADING"))
    }

    /// The server answered the command with an error, so it was not applied. Anything else
    /// (a timeout, a lost connection) leaves it unknown whether the command took effect.
    pub(crate) fn was_refused(&self) -> bool {
        matches!(
            self,
            RedisError::NoPermission { .. } | RedisError::Command { .. }
        )
    }

    /// Masks every occurrence of `secret` in the texts. Commands never put arguments in errors,
    /// but a server may echo one back (e.g. an `ACL SETUSER` syntax error names the token).
    pub(crate) fn redacted(self, secret: &str) -> RedisError {
        if secret.is_empty() {
            return self;
        }
        let r = |s: String| s.replace(secret, crate::model::sensitive::MASK);
        match self {
            RedisError::Unreachable { addr, reason } => RedisError::Unreachable {
                addr,
                reason: r(reason),
            },
            RedisError::Tls { addr, reason } => RedisError::Tls {
                addr,
                reason: r(reason),
            },
            RedisError::NoPermission {
                addr,
                command,
                hint,
            } => RedisError::NoPermission {
                addr,
                command,
                hint: r(hint),
            },
            RedisError::Command {
                addr,
                command,
                message,
            } => RedisError::Command {
                addr,
                command,
                message: r(message),
            },
            RedisError::Discovery { addr, message } => RedisError::Discovery {
                addr,
                message: r(message),
            },
            other @ (RedisError::Timeout { .. } | RedisError::WrongPassword { .. }) => other,
        }
    }
}

pub(crate) fn timeout(addr: &str, what: &str, limit: Duration) -> RedisError {
    RedisError::Timeout {
        addr: addr.to_string(),
        what: what.to_string(),
        // Whole seconds, rounded up: "within 0 s" would read as a bug.
        secs: limit.as_secs_f64().ceil().max(1.0) as u64,
    }
}

/// A failure while connecting and authenticating.
pub(crate) fn from_connect(
    addr: &str,
    user: &str,
    limit: Duration,
    e: redis::RedisError,
) -> RedisError {
    let addr_s = addr.to_string();
    if e.kind() == ErrorKind::AuthenticationFailed || e.code() == Some("WRONGPASS") {
        return RedisError::WrongPassword {
            addr: addr_s,
            user: user.to_string(),
        };
    }
    if let Some(tls) = find::<rustls::Error>(&e) {
        return RedisError::Tls {
            addr: addr_s,
            reason: tls_reason(tls),
        };
    }
    if find::<rustls::pki_types::InvalidDnsNameError>(&e).is_some() {
        return RedisError::Tls {
            addr: addr_s,
            reason: "the host is not a valid TLS server name".into(),
        };
    }
    if e.is_timeout() {
        return timeout(addr, "a connection attempt", limit);
    }
    if let Some(io) = find::<io::Error>(&e) {
        return RedisError::Unreachable {
            addr: addr_s,
            reason: io_reason(io),
        };
    }
    if e.kind() == ErrorKind::Server(ServerErrorKind::NoPerm) {
        return RedisError::NoPermission {
            addr: addr_s,
            command: "AUTH".into(),
            hint: format!("user `{user}` may not authenticate here"),
        };
    }
    RedisError::Unreachable {
        addr: addr_s,
        reason: server_text(&e),
    }
}

/// A failure of one command; `name` (never the arguments) names it.
pub(crate) fn from_command(
    addr: &str,
    user: &str,
    name: &str,
    limit: Duration,
    e: redis::RedisError,
) -> RedisError {
    let addr_s = addr.to_string();
    if e.kind() == ErrorKind::Server(ServerErrorKind::NoPerm) {
        return RedisError::NoPermission {
            addr: addr_s,
            command: name.to_string(),
            hint: permission_hint(user, name, e.detail()),
        };
    }
    if e.is_timeout() {
        return timeout(addr, name, limit);
    }
    if e.is_io_error() || e.is_connection_dropped() {
        let reason = find::<io::Error>(&e).map_or_else(|| e.to_string(), io_reason);
        return RedisError::Unreachable {
            addr: addr_s,
            reason: format!("connection lost during {name}: {reason}"),
        };
    }
    RedisError::Command {
        addr: addr_s,
        command: name.to_string(),
        message: with_old_server_hint(server_text(&e)),
    }
}

/// Redis before 7.0 answers a selector `( … )`, a `%R~`/`%W~` key permission or a subcommand
/// removal (`-acl|setuser`) with a bare syntax error; say which feature it lacks and what works.
fn with_old_server_hint(message: String) -> String {
    let Some(start) = message.find("ACL SETUSER modifier '") else {
        return message;
    };
    let token = &message[start + "ACL SETUSER modifier '".len()..];
    let hint = if token.starts_with('(') {
        "selectors `( … )` need Redis 7.0 or later (or Valkey); on this server give the rules without a selector"
    } else if token.starts_with('%') {
        "`%R~`/`%W~` key permissions need Redis 7.0 or later (or Valkey); on this server use `~pattern`"
    } else if token.starts_with('-') && token.split('\'').next().is_some_and(|t| t.contains('|')) {
        "removing a subcommand (`-cmd|sub`) needs Redis 7.0 or later (or Valkey); on this server remove the whole command or grant only the subcommands wanted"
    } else {
        return message;
    };
    format!("{message} ({hint})")
}

/// "give user `admin` `+acl|setuser`", from the rule Redis names in its NOPERM message
/// (`… run the 'acl|setuser' command`), else derived from `name` (`ACL SETUSER` → `acl|setuser`;
/// a second word in lower case, as in `INFO server`, is an argument, not a subcommand).
pub(crate) fn permission_hint(user: &str, name: &str, detail: Option<&str>) -> String {
    let from_detail = detail.and_then(|d| {
        let start = d.find("run the '")? + "run the '".len();
        let len = d[start..].find('\'')?;
        Some(d[start..start + len].to_string())
    });
    let rule = from_detail.unwrap_or_else(|| {
        let mut words = name.split_whitespace();
        let cmd = words.next().unwrap_or(name).to_lowercase();
        match words.next() {
            Some(sub) if sub.chars().all(|c| !c.is_lowercase()) => {
                format!("{cmd}|{}", sub.to_lowercase())
            }
            _ => cmd,
        }
    });
    format!("give user `{user}` `+{rule}` (ACL SETUSER {user} +{rule})")
}

fn server_text(e: &redis::RedisError) -> String {
    match (e.code(), e.detail()) {
        (Some(code), Some(detail)) => format!("{code} {detail}"),
        (Some(code), None) => code.to_string(),
        _ => e.to_string(),
    }
}

fn io_reason(e: &io::Error) -> String {
    use io::ErrorKind as K;
    match e.kind() {
        K::ConnectionRefused => {
            "connection refused (is Redis running and listening on that port?)".into()
        }
        K::UnexpectedEof | K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe => format!(
            "the server closed the connection ({e}); does it expect TLS, or is it at its client limit?"
        ),
        K::HostUnreachable | K::NetworkUnreachable => format!("no route to the host ({e})"),
        _ => e.to_string(),
    }
}

fn tls_reason(e: &rustls::Error) -> String {
    use rustls::CertificateError as C;
    match e {
        rustls::Error::InvalidCertificate(C::UnknownIssuer) => {
            "the server's certificate is signed by an unknown CA: set the CA certificate that \
             signed it (or turn rejectUnauthorized off)"
                .into()
        }
        rustls::Error::InvalidCertificate(
            cert @ (C::NotValidForName | C::NotValidForNameContext { .. }),
        ) => format!("{cert}; the host is checked as typed, so use a name the certificate lists"),
        rustls::Error::InvalidCertificate(cert) => {
            format!("the server's certificate is invalid: {cert}")
        }
        rustls::Error::InvalidMessage(_) | rustls::Error::InappropriateMessage { .. } => {
            "the server did not answer TLS: is TLS enabled on that port?".into()
        }
        rustls::Error::AlertReceived(alert) => format!(
            "the server rejected the handshake ({alert:?}); does it require a client certificate?"
        ),
        other => other.to_string(),
    }
}

/// Finds an error of type `T` in `e`'s chain, looking inside `io::Error` payloads and the
/// crate's `Arc<dyn Error>` wrapper (which `source()` alone would not reveal).
fn find<T: StdError + 'static>(e: &redis::RedisError) -> Option<&T> {
    fn walk<'a, T: StdError + 'static>(e: &'a (dyn StdError + 'static)) -> Option<&'a T> {
        let mut current = Some(e);
        while let Some(err) = current {
            if let Some(t) = err.downcast_ref::<T>() {
                return Some(t);
            }
            if let Some(arc) = err.downcast_ref::<Arc<dyn StdError + Send + Sync>>()
                && let Some(t) = walk::<T>(&**arc)
            {
                return Some(t);
            }
            if let Some(io) = err.downcast_ref::<io::Error>()
                && let Some(inner) = io.get_ref()
                && let Some(t) = walk::<T>(inner)
            {
                return Some(t);
            }
            current = err.source();
        }
        None
    }
    walk::<T>(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_old_server_syntax_error_names_the_missing_feature() {
        let msg = |token: &str| {
            with_old_server_hint(format!(
                "ERR Error in ACL SETUSER modifier '{token}': Syntax error"
            ))
        };
        assert!(msg("(~a").contains("selectors `( … )` need Redis 7.0"));
        assert!(msg("%R~a").contains("`%R~`/`%W~` key permissions need Redis 7.0"));
        assert!(msg("-acl|setuser").contains("removing a subcommand"));
        let plain = msg("bogus");
        assert!(!plain.contains("Redis 7.0"), "{plain}");
    }

    #[test]
    fn hint_names_the_rule_redis_reported() {
        let hint = permission_hint(
            "admin",
            "ACL SETUSER",
            Some("this user has no permissions to run the 'acl|setuser' command"),
        );
        assert_eq!(
            hint,
            "give user `admin` `+acl|setuser` (ACL SETUSER admin +acl|setuser)"
        );
    }

    #[test]
    fn hint_falls_back_to_the_command_name() {
        assert!(permission_hint("a", "CONFIG GET", None).contains("`+config|get`"));
        assert!(permission_hint("a", "INFO server", None).contains("`+info`"));
        assert!(permission_hint("a", "PING", None).contains("`+ping`"));
    }

    #[test]
    fn redaction_masks_every_text_field() {
        let e = RedisError::Command {
            addr: "h:1".into(),
            command: "ACL SETUSER".into(),
            message: "ERR Error in ACL SETUSER modifier '>s3cret': x".into(),
        };
        let shown = e.redacted("s3cret").to_string();
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("••••••"));
    }

    #[test]
    fn timeouts_round_up_to_whole_seconds() {
        let e = timeout("h:1", "PING", Duration::from_millis(300));
        assert_eq!(e.to_string(), "h:1 did not answer PING within 1 s");
    }
}
