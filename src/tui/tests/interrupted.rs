//! A rotation a crash stopped midway (the engine shows it as `interrupted`: a journal, and no
//! process holds its lock) carries the "Interrupted" badge in the list, never "Rotating…".

use std::sync::Arc;

use super::fixture::*;
use crate::model::RotationStatus;
use crate::tui::App;
use crate::tui::theme::Theme;
use crate::tui::time::Zone;

#[test]
fn an_interrupted_rotation_is_badged_interrupted_in_the_list() {
    let mut doc = document();
    let billing = doc
        .rotations
        .iter_mut()
        .find(|r| r.id == id(BILLING))
        .unwrap();
    billing.rotation_status = RotationStatus::Interrupted;
    let app = App::new(Arc::new(doc), now(), Zone::Utc, Theme::new(false));
    let screen = draw(&app, 160, 48);
    let row = screen
        .lines()
        .find(|l| l.contains("billing-queue"))
        .expect("billing in the list");
    assert!(row.contains("! Interrupted"), "{row}");
    assert!(!screen.contains("Rotating…"), "{screen}");
}
