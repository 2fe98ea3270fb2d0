//! `App::update`'s handlers, one file per screen or concern; all are `impl App` blocks.

mod connections;
mod credentials;
mod dashboard;
mod keys;
mod leftovers;
mod popups;
mod quit;
mod results;
mod wizard;
