//! Unit tests of the model, named after the rules they check.

mod fixtures;
mod journal;
mod password;
mod reference;
mod rules_conflicts;
mod rules_connection;
mod rules_fields;
mod rules_patch;
mod rules_rotation;
mod rules_stragglers;
mod rules_strategy;
mod scope;
