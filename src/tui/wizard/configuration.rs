//! Step 2, Configuration: rotation interval in days, the local time of day to rotate at (shown
//! with its UTC value, which is what is stored), and whether auto-rotation is enabled.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::Rect;

use super::{Wizard, num};
use crate::model::Rotation;
use crate::model::request::{RotateAtRequest, RotationRequest};
use crate::tui::app::App;
use crate::tui::time::Zone;
use crate::tui::widgets::{Choice, FieldId, Form, Input, NumberField};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Interval,
    Hours,
    Minutes,
    Auto,
}

impl FieldId for Field {
    fn label(self) -> &'static str {
        match self {
            Field::Interval => "Rotation Interval (days)",
            Field::Hours => "Rotate At, hour (local)",
            Field::Minutes => "Rotate At, minute",
            Field::Auto => "Auto-Rotation Enabled",
        }
    }
}

pub fn field_for(path: &str) -> Option<Field> {
    match path {
        "rotationInterval" => Some(Field::Interval),
        "rotateAtUtc.hours" | "rotateAtUtc" => Some(Field::Hours),
        "rotateAtUtc.minutes" => Some(Field::Minutes),
        "isAutoRotationEnabled" => Some(Field::Auto),
        _ => None,
    }
}

pub const DEFAULT_INTERVAL: u32 = 30;

#[derive(Clone, Debug)]
pub struct ConfigurationStep {
    pub form: Form<Field>,
    pub other: Vec<String>,
}

impl ConfigurationStep {
    fn with(interval: u32, hours: u32, minutes: u32, auto: bool) -> ConfigurationStep {
        ConfigurationStep {
            form: Form::new(vec![
                (
                    Field::Interval,
                    Input::Number(NumberField::new(interval, 1, 365)),
                ),
                (Field::Hours, Input::Number(NumberField::new(hours, 0, 23))),
                (
                    Field::Minutes,
                    Input::Number(NumberField::new(minutes, 0, 59)),
                ),
                (Field::Auto, Input::Choice(Choice::toggle(auto))),
            ]),
            other: Vec::new(),
        }
    }

    /// 30 days at local midnight, auto-rotation on.
    pub fn new(_zone: Zone, _now: DateTime<Utc>) -> ConfigurationStep {
        ConfigurationStep::with(DEFAULT_INTERVAL, 0, 0, true)
    }

    pub fn from_rotation(r: &Rotation, zone: Zone, now: DateTime<Utc>) -> ConfigurationStep {
        let at = r.rotate_at_utc;
        let (h, m) = zone.utc_to_local(u32::from(at.hours), u32::from(at.minutes), now);
        ConfigurationStep::with(r.rotation_interval, h, m, r.is_auto_rotation_enabled)
    }

    /// The UTC hours and minutes the local time stands for, when both are in range.
    pub fn rotate_at_utc(&self, zone: Zone, now: DateTime<Utc>) -> Option<(u32, u32)> {
        let h = self.form.number(Field::Hours)?;
        let m = self.form.number(Field::Minutes)?;
        Some(zone.local_to_utc(h, m, now))
    }

    pub fn apply(&self, req: &mut RotationRequest, zone: Zone, now: DateTime<Utc>) {
        req.rotation_interval = self.form.raw_number(Field::Interval).map(num);
        req.is_auto_rotation_enabled = Some(self.form.on(Field::Auto));
        req.rotate_at_utc = Some(match self.rotate_at_utc(zone, now) {
            Some((h, m)) => RotateAtRequest {
                hours: Some(num(h.into())),
                minutes: Some(num(m.into())),
            },
            // Out of range: hand the raw numbers to the model, which names the bound.
            None => RotateAtRequest {
                hours: self.form.raw_number(Field::Hours).map(num),
                minutes: self.form.raw_number(Field::Minutes).map(num),
            },
        });
    }

    pub fn has_errors(&self) -> bool {
        self.form.has_errors() || !self.other.is_empty()
    }
}

pub fn render(frame: &mut Frame, area: Rect, app: &App, w: &Wizard) {
    let step = &w.configuration;
    let mut form = step.form.clone();
    let label = app.zone.label(app.now);
    match step.rotate_at_utc(app.zone, app.now) {
        Some((h, m)) => form.set_note(
            Field::Minutes,
            format!(
                "{:02}:{:02} {label} = {h:02}:{m:02} UTC",
                form.number(Field::Hours).unwrap_or(0),
                form.number(Field::Minutes).unwrap_or(0)
            ),
        ),
        None => form.set_note(Field::Minutes, String::new()),
    }
    form.set_note(
        Field::Auto,
        if form.on(Field::Auto) {
            "rotates once the interval has elapsed"
        } else {
            "rotate manually only (r on the dashboard)"
        },
    );
    let body = super::frame::intro(
        frame,
        area,
        app,
        "How often the credentials rotate, and at what local time of day once the interval \
         has elapsed. The time is stored in UTC.",
    );
    let [fields, rest] = crate::tui::screens::split_bottom(body, step.other.len() as u16);
    form.render(fields, frame.buffer_mut(), true, &app.theme);
    super::frame::render_other(frame, rest, &step.other, app);
}
