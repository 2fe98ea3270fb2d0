//! Redis failures as sentences an operator can act on. Never carries a password.

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
