//! Engine failures: what went wrong, where, and what to do. Never a secret.

use crate::model::{Rotation, RotationRef, ValidationErrors};
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
    /// A name that matches several rotations: nothing was done (exit code 2).
    #[error(
        "{reference} matches {} rotations; nothing was done. Name one with --env/--path or by id:\n{}",
        matches.len(),
        matches.iter().map(|m| format!("  {m}")).collect::<Vec<_>>().join("\n")
    )]
    Ambiguous {
        reference: String,
        /// One line per match: "env  path  id".
        matches: Vec<String>,
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
    /// The refusal of a reference that matched several rotations, listing each.
    pub(crate) fn ambiguous(target: &RotationRef, found: &[&Rotation]) -> EngineError {
        EngineError::Ambiguous {
            reference: target.to_string(),
            matches: found
                .iter()
                .map(|r| format!("env {}  path {}  id {}", r.environment, r.secret_path, r.id))
                .collect(),
        }
    }

    /// 2 for bad input, 1 for everything else.
    pub fn exit_code(&self) -> i32 {
        match self {
            EngineError::Invalid(_)
            | EngineError::NotFound { .. }
            | EngineError::Ambiguous { .. } => 2,
            _ => 1,
        }
    }
}
