//! Which rotation a command means: an id, or a name narrowed by environment and path. Names are
//! unique only per (environment, path), so a bare name can match several; resolving never picks
//! one of them silently.

use std::fmt;

use uuid::Uuid;

use super::Rotation;

/// An id or a name, optionally narrowed by environment and secret path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RotationRef {
    /// What was typed: an id (any form `Uuid::parse_str` takes) or a name.
    pub(crate) key: String,
    pub(crate) environment: Option<String>,
    pub(crate) secret_path: Option<String>,
}

/// What a reference matched.
#[derive(Debug, PartialEq)]
pub enum Resolution<'a> {
    One(&'a Rotation),
    None,
    /// Several rotations of that name; the caller refuses and lists them.
    Several(Vec<&'a Rotation>),
}

impl RotationRef {
    pub fn new(key: impl Into<String>) -> RotationRef {
        RotationRef {
            key: key.into(),
            environment: None,
            secret_path: None,
        }
    }

    /// Only rotations of this environment (`None` leaves it open).
    pub(crate) fn in_env(mut self, environment: Option<String>) -> RotationRef {
        self.environment = environment;
        self
    }

    /// Only rotations at this secret path; a trailing `/` is ignored as it is when stored.
    pub(crate) fn at_path(mut self, secret_path: Option<String>) -> RotationRef {
        self.secret_path = secret_path.map(|p| {
            let trimmed = p.trim_end_matches('/');
            if trimmed.is_empty() {
                "/".to_string()
            } else {
                trimmed.to_string()
            }
        });
        self
    }

    fn narrows_to(&self, r: &Rotation) -> bool {
        self.environment
            .as_ref()
            .is_none_or(|e| &r.environment == e)
            && self
                .secret_path
                .as_ref()
                .is_none_or(|p| &r.secret_path == p)
    }

    /// An exact id wins (a rotation whose *name* looks like another's id never shadows it);
    /// otherwise every rotation of that name within the narrowing.
    pub(crate) fn resolve<'a>(&self, rotations: &'a [Rotation]) -> Resolution<'a> {
        if let Ok(id) = Uuid::parse_str(&self.key)
            && let Some(r) = rotations.iter().find(|r| r.id == id)
        {
            return if self.narrows_to(r) {
                Resolution::One(r)
            } else {
                Resolution::None
            };
        }
        let mut found: Vec<&Rotation> = rotations
            .iter()
            .filter(|r| r.name == self.key && self.narrows_to(r))
            .collect();
        match found.len() {
            0 => Resolution::None,
            1 => Resolution::One(found.remove(0)),
            _ => Resolution::Several(found),
        }
    }

    /// "", " in prod", " in prod at /orders".
    pub(crate) fn narrowing(&self) -> String {
        let mut s = String::new();
        if let Some(e) = &self.environment {
            s.push_str(&format!(" in {e}"));
        }
        if let Some(p) = &self.secret_path {
            s.push_str(&format!(" at {p}"));
        }
        s
    }
}

/// "`orders`", "`orders` in prod", "`orders` in prod at /orders".
impl fmt::Display for RotationRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`{}", self.key, self.narrowing())
    }
}

impl From<&str> for RotationRef {
    fn from(key: &str) -> Self {
        RotationRef::new(key)
    }
}

impl From<&String> for RotationRef {
    fn from(key: &String) -> Self {
        RotationRef::new(key.as_str())
    }
}

impl From<String> for RotationRef {
    fn from(key: String) -> Self {
        RotationRef::new(key)
    }
}

impl From<Uuid> for RotationRef {
    fn from(id: Uuid) -> Self {
        RotationRef::new(id.to_string())
    }
}

impl From<&RotationRef> for RotationRef {
    fn from(r: &RotationRef) -> Self {
        r.clone()
    }
}
