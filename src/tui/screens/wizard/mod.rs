//! The wizard's drawing: the frame (step bar, buttons) and one module per step; the state it
//! draws is `state::wizard`.

pub mod configuration;
pub mod connection;
pub mod details;
pub mod frame;
pub mod mapping;
pub mod parameters;
pub mod review;
pub mod sinks;
