//! The create/edit wizard (the seed document's steps): a step enum, one form per step, the
//! request built from every step, and the model's validation of that request spread back onto
//! the fields. The review page and the submitted request are the same value.

pub(crate) mod configuration;
pub(crate) mod connection;
pub(crate) mod details;
pub(crate) mod diff;
pub(crate) mod mapping;
pub(crate) mod parameters;
pub(crate) mod sinks;
mod step;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::model::request::RotationRequest;
use crate::model::scope::{Scope, ScopeError};
use crate::model::validation::{self, Context, RotationSpec};
use crate::model::{FieldError, Rotation};
use crate::store::Document;
use crate::tui::action::TaskError;
use crate::tui::time::Zone;
use crate::tui::widgets::{FieldId, Form};

pub(crate) use configuration::ConfigurationStep;
pub(crate) use connection::ConnectionStep;
pub(crate) use details::DetailsStep;
pub(crate) use mapping::MappingStep;
pub(crate) use parameters::ParametersStep;
pub(crate) use step::Step;

#[derive(Clone, Debug)]
pub(crate) enum Mode {
    Create,
    /// Connection, environment and path are read-only.
    Edit(Box<Rotation>),
}

/// The last validation of the whole request.
#[derive(Clone, Debug, Default)]
pub(crate) struct Check {
    pub(crate) errors: Vec<FieldError>,
    pub(crate) spec: Option<RotationSpec>,
    pub(crate) scope: Option<Result<Scope, ScopeError>>,
}

#[derive(Clone, Debug)]
pub(crate) struct Wizard {
    pub(crate) mode: Mode,
    pub(crate) step: Step,
    pub(crate) connection: ConnectionStep,
    pub(crate) configuration: ConfigurationStep,
    pub(crate) parameters: ParametersStep,
    pub(crate) mapping: MappingStep,
    pub(crate) details: DetailsStep,
    pub(crate) check: Check,
    /// The request as first shown, to tell whether input would be lost.
    pub(crate) initial: RotationRequest,
    /// Why Next was refused, until the step changes or becomes valid.
    pub(crate) blocked: Option<String>,
    pub(crate) submitting: bool,
    pub(crate) submit_error: Option<TaskError>,
    /// Lines the Review step is scrolled down (↑/↓): a long review does not fit at 80×24.
    pub(crate) review_scroll: u16,
    /// The furthest the last drawn Review could scroll, so ↑ after overscrolling moves at once.
    pub(crate) review_scroll_max: std::cell::Cell<u16>,
}

impl Wizard {
    pub(crate) fn create(doc: &Document, zone: Zone, now: DateTime<Utc>) -> Wizard {
        Wizard::build(
            Mode::Create,
            ConnectionStep::new(doc, None),
            ConfigurationStep::new(zone, now),
            ParametersStep::new(),
            MappingStep::new(),
            DetailsStep::new(),
            doc,
            zone,
            now,
        )
    }

    pub(crate) fn edit(r: &Rotation, doc: &Document, zone: Zone, now: DateTime<Utc>) -> Wizard {
        Wizard::build(
            Mode::Edit(Box::new(r.clone())),
            ConnectionStep::new(doc, Some(r.connection_id)),
            ConfigurationStep::from_rotation(r, zone, now),
            ParametersStep::from_rotation(r),
            MappingStep::from_rotation(r),
            DetailsStep::from_rotation(r),
            doc,
            zone,
            now,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn build(
        mode: Mode,
        connection: ConnectionStep,
        configuration: ConfigurationStep,
        parameters: ParametersStep,
        mapping: MappingStep,
        details: DetailsStep,
        doc: &Document,
        zone: Zone,
        now: DateTime<Utc>,
    ) -> Wizard {
        let mut w = Wizard {
            mode,
            step: Step::Connection,
            connection,
            configuration,
            parameters,
            mapping,
            details,
            check: Check::default(),
            initial: RotationRequest::default(),
            blocked: None,
            submitting: false,
            submit_error: None,
            review_scroll: 0,
            review_scroll_max: std::cell::Cell::new(0),
        };
        w.initial = w.request(doc, zone, now);
        w
    }

    /// Scrolls the Review step by `delta` lines, within what the last drawn Review could show.
    pub(crate) fn scroll_review(&mut self, delta: i32) {
        let max = i32::from(self.review_scroll_max.get());
        self.review_scroll = (i32::from(self.review_scroll) + delta).clamp(0, max) as u16;
    }

    pub(crate) fn editing(&self) -> Option<&Rotation> {
        match &self.mode {
            Mode::Edit(r) => Some(r),
            Mode::Create => None,
        }
    }

    /// The create body (or, when editing, the full picture the patch is taken from).
    pub(crate) fn request(
        &self,
        doc: &Document,
        zone: Zone,
        now: DateTime<Utc>,
    ) -> RotationRequest {
        let mut req = RotationRequest {
            connection_id: self
                .editing()
                .map(|r| r.connection_id)
                .or_else(|| self.connection.selected_id(doc))
                .map(|id| id.to_string()),
            ..RotationRequest::default()
        };
        self.configuration.apply(&mut req, zone, now);
        self.parameters.apply(&mut req);
        self.mapping.apply(&mut req);
        self.details.apply(&mut req);
        req
    }

    /// What an edit sends: everything but connection, environment and path.
    pub(crate) fn patch(req: &RotationRequest) -> RotationRequest {
        RotationRequest {
            connection_id: None,
            environment: None,
            secret_path: None,
            ..req.clone()
        }
    }

    pub(crate) fn is_dirty(&self, doc: &Document, zone: Zone, now: DateTime<Utc>) -> bool {
        self.request(doc, zone, now) != self.initial
    }

    /// Runs the model's rules on the whole request and puts each message next to its field.
    /// Called after every change, never while drawing.
    pub(crate) fn revalidate(&mut self, doc: &Document, zone: Zone, now: DateTime<Utc>) {
        let req = self.request(doc, zone, now);
        let ctx = Context {
            connections: &doc.connections,
            rotations: &doc.rotations,
            secrets: &doc.secrets,
        };
        let result = match &self.mode {
            Mode::Create => validation::validate_new_rotation(&req, ctx),
            Mode::Edit(r) => validation::validate_rotation_patch(r, &Wizard::patch(&req), ctx),
        };
        let scope_text = self.parameters.scope_text().to_string();
        self.check = match result {
            Ok(spec) => Check {
                errors: Vec::new(),
                spec: Some(spec),
                scope: None,
            },
            Err(errors) => Check {
                errors: errors.0,
                spec: None,
                scope: None,
            },
        };
        self.check.scope = Some(crate::model::scope::parse(&scope_text));
        self.place_errors();
        if self.blocked.is_some() && self.step_ok(self.step) {
            self.blocked = None;
        }
    }

    /// Spreads `check.errors` (plus a failed submit's field errors) over the step forms.
    fn place_errors(&mut self) {
        let mut errors = self.check.errors.clone();
        if let Some(e) = &self.submit_error {
            errors.extend(e.fields.iter().cloned());
        }
        let of = |s: Step| -> Vec<&FieldError> {
            errors
                .iter()
                .filter(|e| Step::of_path(&e.field) == s)
                .collect()
        };
        self.configuration.other = place(
            &mut self.configuration.form,
            &of(Step::Configuration),
            configuration::field_for,
        );
        let scope_error = match &self.check.scope {
            Some(Err(e)) => Some(e.to_string()),
            _ => None,
        };
        self.parameters.other = place(
            &mut self.parameters.form,
            &of(Step::Parameters),
            parameters::field_for,
        );
        self.parameters.add_scope_error(scope_error);
        self.mapping.other = place(
            &mut self.mapping.form,
            &of(Step::Mapping),
            mapping::field_for,
        );
        if let Some(open) = self.mapping.sink_form.as_mut() {
            let mut placed: Vec<(sinks::Field, String)> = Vec::new();
            for e in of(Step::Mapping) {
                if let Some(f) = sinks::field_for(open.index, &e.field)
                    && !placed.iter().any(|(x, _)| *x == f)
                {
                    placed.push((f, e.message.clone()));
                }
            }
            open.form.set_errors(placed);
        }
        self.details.other = place(
            &mut self.details.form,
            &of(Step::Details),
            details::field_for,
        );
        self.connection.errors = of(Step::Connection)
            .iter()
            .map(|e| e.message.clone())
            .collect();
    }

    /// Errors that belong to `step` itself.
    pub(crate) fn step_errors(&self, step: Step) -> bool {
        match step {
            Step::Connection => {
                !self.connection.errors.is_empty()
                    || (self.editing().is_none() && self.connection.cursor_on_add())
            }
            Step::Configuration => self.configuration.has_errors(),
            Step::Parameters => self.parameters.has_errors(),
            Step::Mapping => self.mapping.has_errors(),
            Step::Details => self.details.has_errors(),
            Step::Review => !self.check.errors.is_empty(),
        }
    }

    /// Next is allowed when this step and every earlier one is clean.
    pub(crate) fn step_ok(&self, step: Step) -> bool {
        use strum::VariantArray;
        Step::VARIANTS
            .iter()
            .filter(|s| **s <= step)
            .all(|s| !self.step_errors(*s))
    }

    /// The first step (up to `step`) that still has errors.
    pub(crate) fn first_bad_step(&self, step: Step) -> Option<Step> {
        use strum::VariantArray;
        Step::VARIANTS
            .iter()
            .copied()
            .find(|s| *s <= step && self.step_errors(*s))
    }

    /// Shows every error of `step` (Next was refused because of it).
    pub(crate) fn reveal_errors(&mut self, step: Step) {
        match step {
            Step::Configuration => self.configuration.form.reveal_errors(),
            Step::Parameters => self.parameters.form.reveal_errors(),
            Step::Mapping => match self.mapping.sink_form.as_mut() {
                Some(open) => open.form.reveal_errors(),
                None => self.mapping.form.reveal_errors(),
            },
            Step::Details => self.details.form.reveal_errors(),
            Step::Connection | Step::Review => {}
        }
    }

    pub(crate) fn submit_failed(&mut self, error: TaskError) {
        self.submitting = false;
        let steps: Vec<Step> = error
            .fields
            .iter()
            .map(|e| Step::of_path(&e.field))
            .collect();
        self.submit_error = Some(error);
        self.place_errors();
        for step in steps {
            self.reveal_errors(step);
        }
    }
}

/// Puts each error next to its field (first message per field wins) and returns the ones that
/// name no field of the form.
fn place<F: FieldId>(
    form: &mut Form<F>,
    errors: &[&FieldError],
    field_for: fn(&str) -> Option<F>,
) -> Vec<String> {
    let mut placed: Vec<(F, String)> = Vec::new();
    let mut other = Vec::new();
    for e in errors {
        match field_for(&e.field) {
            Some(f) if !placed.iter().any(|(x, _)| *x == f) => placed.push((f, e.message.clone())),
            Some(_) => {}
            None => other.push(e.to_string()),
        }
    }
    form.set_errors(placed);
    other
}

/// A request number.
pub(crate) fn num(v: u64) -> serde_json::Number {
    serde_json::Number::from(v)
}

/// The id of the connection at the cursor, for the connection step.
pub(crate) fn connection_at(doc: &Document, i: usize) -> Option<Uuid> {
    doc.connections.get(i).map(|c| c.id)
}
