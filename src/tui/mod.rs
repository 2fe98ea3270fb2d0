//! The console: renders from state, turns keys and engine events into actions.
