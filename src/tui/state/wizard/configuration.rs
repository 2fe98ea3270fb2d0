//! Step 2, Configuration: rotation interval in days, the local time of day to rotate at (shown
//! with its UTC value, which is what is stored), whether auto-rotation is enabled, and the
//! straggler policy (re-key on time, or wait up to some hours while sessions remain).

use chrono::{DateTime, Utc};

use super::num;
use crate::model::Rotation;
use crate::model::StragglerPolicy;
use crate::model::request::{RotateAtRequest, RotationRequest, StragglerPolicyRequest};
use crate::model::rotation::MAX_WAIT_HOURS;
use crate::tui::time::Zone;
use crate::tui::widgets::{Choice, FieldId, Form, Input, NumberField};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Field {
    Interval,
    Hours,
    Minutes,
    Auto,
    Stragglers,
    MaxWait,
}

const ROTATE: &str = "rotate";
const WAIT: &str = "wait";
/// The wait offered when `wait` is first chosen.
pub(crate) const DEFAULT_MAX_WAIT: u32 = 24;

impl FieldId for Field {
    fn label(self) -> &'static str {
        match self {
            Field::Interval => "Rotation Interval (days)",
            Field::Hours => "Rotate At, hour (local)",
            Field::Minutes => "Rotate At, minute",
            Field::Auto => "Auto-Rotation Enabled",
            Field::Stragglers => "Stragglers",
            Field::MaxWait => "Max wait (hours)",
        }
    }
}

pub(crate) fn field_for(path: &str) -> Option<Field> {
    match path {
        "rotationInterval" => Some(Field::Interval),
        "rotateAtUtc.hours" | "rotateAtUtc" => Some(Field::Hours),
        "rotateAtUtc.minutes" => Some(Field::Minutes),
        "isAutoRotationEnabled" => Some(Field::Auto),
        "parameters.stragglerPolicy" | "parameters.stragglerPolicy.mode" => Some(Field::Stragglers),
        "parameters.stragglerPolicy.maxWaitHours" => Some(Field::MaxWait),
        _ => None,
    }
}

pub(crate) const DEFAULT_INTERVAL: u32 = 30;

#[derive(Clone, Debug)]
pub(crate) struct ConfigurationStep {
    pub(crate) form: Form<Field>,
    pub(crate) other: Vec<String>,
}

impl ConfigurationStep {
    fn with(
        interval: u32,
        hours: u32,
        minutes: u32,
        auto: bool,
        policy: StragglerPolicy,
    ) -> ConfigurationStep {
        let mode = if policy.is_rotate() { ROTATE } else { WAIT };
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
                (
                    Field::Stragglers,
                    Input::Choice(Choice::select(&[ROTATE, WAIT], mode)),
                ),
                (
                    Field::MaxWait,
                    Input::Number(NumberField::new(
                        policy.max_wait_hours.unwrap_or(DEFAULT_MAX_WAIT),
                        1,
                        MAX_WAIT_HOURS,
                    )),
                ),
            ]),
            other: Vec::new(),
        }
    }

    /// 30 days at local midnight, auto-rotation on.
    pub(crate) fn new(_zone: Zone, _now: DateTime<Utc>) -> ConfigurationStep {
        ConfigurationStep::with(DEFAULT_INTERVAL, 0, 0, true, StragglerPolicy::default())
    }

    pub(crate) fn from_rotation(r: &Rotation, zone: Zone, now: DateTime<Utc>) -> ConfigurationStep {
        let at = r.rotate_at_utc;
        let (h, m) = zone.utc_to_local(u32::from(at.hours), u32::from(at.minutes), now);
        ConfigurationStep::with(
            r.rotation_interval,
            h,
            m,
            r.is_auto_rotation_enabled,
            r.parameters.straggler_policy,
        )
    }

    /// The UTC hours and minutes the local time stands for, when both are in range.
    pub(crate) fn rotate_at_utc(&self, zone: Zone, now: DateTime<Utc>) -> Option<(u32, u32)> {
        let h = self.form.number(Field::Hours)?;
        let m = self.form.number(Field::Minutes)?;
        Some(zone.local_to_utc(h, m, now))
    }

    /// Whether a scheduled re-key waits for stragglers.
    pub(crate) fn waits(&self) -> bool {
        matches!(self.form.input(Field::Stragglers), Some(Input::Choice(c)) if c.selected() == WAIT)
    }

    pub(crate) fn apply(&self, req: &mut RotationRequest, zone: Zone, now: DateTime<Utc>) {
        let waits = self.waits();
        req.parameters
            .get_or_insert_with(Default::default)
            .straggler_policy = Some(StragglerPolicyRequest {
            mode: Some(if waits { WAIT } else { ROTATE }.to_string()),
            max_wait_hours: if waits {
                self.form.raw_number(Field::MaxWait).map(num)
            } else {
                None
            },
        });
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

    pub(crate) fn has_errors(&self) -> bool {
        self.form.has_errors() || !self.other.is_empty()
    }
}
