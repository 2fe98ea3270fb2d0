//! Engine failures: what went wrong, where, and what to do. Never a secret.

use crate::model::ValidationErrors;
use crate::redis::RedisError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// Bad input: nothing was written (exit code 2).
    #[error("{0}")]
    Invalid(#[from] ValidationErrors),
    /// A named thing does not exist (exit code 2).
    #[error("no {what} `{name}`{hint}")]
    NotFound {
        what: &'static str,
        name: String,
        hint: String,
    },
    #[error(
        "a rotation of `{0}` is already running (in this or another process); try again when it finishes"
    )]
    Busy(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Redis(#[from] RedisError),
    /// A rotation, create, update or delete that failed; the message is what was recorded.
    #[error("{0}")]
    Failed(String),
    #[error("{0}")]
    Refused(String),
}

impl EngineError {
    /// 2 for bad input, 1 for everything else.
    pub fn exit_code(&self) -> i32 {
        match self {
            EngineError::Invalid(_) | EngineError::NotFound { .. } => 2,
            _ => 1,
        }
    }
}
