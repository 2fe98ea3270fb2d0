//! redis-rotator: rotates Redis ACL credentials on a schedule with zero downtime.
//!
//! Layers, top to bottom: `cli` and `tui` (two faces), `engine` (the rotation lifecycle and
//! scheduler), `redis` and `store` (the only I/O), `model` (pure domain).

pub mod cli;
pub mod engine;
pub mod model;
pub mod redis;
pub mod store;
pub mod tui;
