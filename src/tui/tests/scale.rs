//! The console with ten thousand rotations: state and the first frame stay cheap, because only
//! the rows on screen are built.

use std::sync::Arc;
use std::time::Instant;

use super::fixture::*;
use crate::tui::App;

#[test]
fn first_frame_with_ten_thousand_rotations_is_fast() {
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
    let started = Instant::now();
    let mut app = App::new(
        Arc::new(doc),
        now(),
        crate::tui::time::Zone::Utc,
        crate::tui::theme::Theme::new(false),
    );
    let out = draw(&app, 160, 48);
    let elapsed = started.elapsed();
    assert!(out.contains("cache-00000"));
    // Unoptimised test builds are several times slower than release; the bar is 150 ms there.
    assert!(elapsed.as_millis() < 1500, "first frame took {elapsed:?}");
    send(&mut app, ch('G'));
    assert!(draw(&app, 80, 24).contains("cache-09999"));
}
