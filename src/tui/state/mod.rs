//! What the console's forms hold between keystrokes: the connection form and the wizard (one
//! form per step, the request they build, its validation). Updated by `handlers/`, drawn by
//! `screens/` and `widgets/`; nothing here draws.

pub(crate) mod connection_form;
pub(crate) mod wizard;
