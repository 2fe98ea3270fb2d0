//! Console tests without a terminal: `App::update` driven by synthetic keys, and every screen,
//! popup and wizard step rendered into a `TestBackend` and snapshotted at 80×24 (at 160×48 too
//! where width changes the layout).

mod fixture;
mod history;
mod interrupted;
mod leftovers;
mod narrow;
mod operator_bugs;
mod scale;
mod scope_catalog;
mod sentinel_form;
mod snapshots;
mod stragglers;
mod text_escaping;
mod updates;
mod wizard_sinks;
mod wizard_updates;
