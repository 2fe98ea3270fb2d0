//! Unit tests of the model, named after the rules they check.

mod password;
mod scope;
