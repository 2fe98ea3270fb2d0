//! `App::update`'s handlers, one file per screen or concern; all are `impl App` blocks.

mod connections;
mod credentials;
mod dashboard;
mod popups;
mod results;
mod wizard;
