//! The console with ten thousand rotations renders and navigates them (its speed is measured
//! by `cargo bench --bench rotator -- console`, never asserted here).

use std::sync::Arc;

use super::fixture::*;
use crate::tui::App;

#[test]
fn ten_thousand_rotations_show_their_first_and_last_rows() {
    let mut doc = document();
    let template = doc.rotations[0].clone();
    doc.rotations = (0..10_000u128)
        .map(|i| {
            let mut r = template.clone();
            r.id = id(1000 + i);
            r.name = format!("cache-{i:05}");
            r
        })
        .collect();
    let mut app = App::new(
        Arc::new(doc),
        now(),
        crate::tui::time::Zone::Utc,
        crate::tui::theme::Theme::new(false),
    );
    let out = draw(&app, 160, 48);
    assert!(out.contains("cache-00000"));
    send(&mut app, ch('G'));
    assert!(draw(&app, 80, 24).contains("cache-09999"));
}
