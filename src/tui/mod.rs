//! The console: renders from state, turns keys and engine events into actions.

/// Console options.
pub struct TuiOptions {
    pub no_color: bool,
    pub title: Option<String>,
}

/// Opens the console (built in the console issue).
pub async fn run(engine: crate::engine::Engine, options: TuiOptions) -> color_eyre::Result<()> {
    let _ = (engine, options);
    Err(color_eyre::eyre::eyre!("the console is not built yet"))
}
