//! Form fields and badges, each drawing itself from its own state.

pub mod badge;
pub mod choice;
pub mod form;
pub mod number_field;
pub mod text_field;

pub use choice::Choice;
pub use form::{FieldId, Form, Input};
pub use number_field::NumberField;
pub use text_field::TextField;

/// What a field did with a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Handled {
    /// The value changed (revalidate).
    Changed,
    /// Only the cursor moved.
    Moved,
    /// Not for this field: the keymap gets it.
    Ignored,
}
