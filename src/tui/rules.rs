//! The validation the console runs while the operator types: the model's own rules (never a
//! second copy), held as function pointers so tests can swap in stand-ins. The console calls
//! these only from `App::update` after an input changed, never while drawing.

use uuid::Uuid;

use crate::model::request::{ConnectionRequest, RotationRequest};
use crate::model::scope::{self, Scope, ScopeError};
use crate::model::validation::{self, ConnectionSpec, Context, RotationSpec, ValidationErrors};
use crate::model::{Connection, Rotation};

pub type NewRotationRule =
    fn(&RotationRequest, Context<'_>) -> Result<RotationSpec, ValidationErrors>;
pub type PatchRule =
    fn(&Rotation, &RotationRequest, Context<'_>) -> Result<RotationSpec, ValidationErrors>;
pub type ScopeRule = fn(&str) -> Result<Scope, ScopeError>;
pub type ConnectionRule =
    fn(&ConnectionRequest, &[Connection], Option<Uuid>) -> Result<ConnectionSpec, ValidationErrors>;

#[derive(Clone, Copy)]
pub struct Rules {
    /// A create body (wizard, every step and review).
    pub new_rotation: NewRotationRule,
    /// An edit (wizard in edit mode).
    pub rotation_patch: PatchRule,
    /// The permission scope's live message and warnings.
    pub scope: ScopeRule,
    /// The connection form.
    pub connection: ConnectionRule,
}

impl Rules {
    /// The model's rules (SPEC 2.1, 2.2).
    pub fn model() -> Rules {
        Rules {
            new_rotation: validation::validate_new_rotation,
            rotation_patch: validation::validate_rotation_patch,
            scope: scope::parse,
            connection: validation::validate_connection,
        }
    }
}

impl std::fmt::Debug for Rules {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Rules")
    }
}
