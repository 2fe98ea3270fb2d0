//! The wizard's drawing: the frame (step bar, buttons) and one module per step; the state it
//! draws is `state::wizard`.

pub(crate) mod configuration;
pub(crate) mod connection;
pub(crate) mod details;
pub(crate) mod frame;
pub(crate) mod mapping;
pub(crate) mod parameters;
pub(crate) mod review;
pub(crate) mod sinks;
