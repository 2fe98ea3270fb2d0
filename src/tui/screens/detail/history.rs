//! A rotation's history tab: every attempt from the event log (newest first: when, trigger,
//! outcome, duration, nodes, then the whole message) and each mapped secret's versions
//! (number, time, the job that wrote it; never a value).

use ratatui::text::{Line, Span};

use crate::model::text::printable;
use crate::model::{Event, EventKind, Outcome, Rotation};
use crate::tui::app::App;
use crate::tui::theme::Tone;

const WHEN_W: usize = 12;
const TRIGGER_W: usize = 10;
const OUTCOME_W: usize = 17;
const TOOK_W: usize = 10;

/// Whether an event is one attempt's outcome (or a held re-key), as the history lists them.
fn is_attempt(e: &Event) -> bool {
    matches!(
        e.kind,
        EventKind::Created
            | EventKind::Rotated
            | EventKind::RotationFailed
            | EventKind::Recovered
            | EventKind::Held
    )
}

/// The attempts of `r`, newest first: outcomes, plus a started attempt no outcome answers yet
/// (running now, or cut short by a crash that recovery will finish).
pub(crate) fn attempts<'a>(app: &'a App, r: &Rotation) -> Vec<&'a Event> {
    let mine: Vec<&Event> = app
        .live_events
        .iter()
        .rev()
        .chain(app.doc.events.iter().rev())
        .filter(|e| e.rotation_id == Some(r.id))
        .collect();
    let mut seen = std::collections::HashSet::new();
    let mut list: Vec<&Event> = mine
        .iter()
        .copied()
        .filter(|e| seen.insert(e.seq))
        .filter(|e| {
            is_attempt(e)
                || (e.kind == EventKind::RotationStarted
                    && e.job_id.is_some()
                    && !mine
                        .iter()
                        .any(|o| is_attempt(o) && o.job_id == e.job_id && o.seq > e.seq))
        })
        .collect();
    // By time (an imported or hand-merged log need not be in sequence order), then sequence.
    list.sort_by_key(|e| std::cmp::Reverse((e.at, e.seq)));
    list
}

fn trigger(e: &Event) -> String {
    match (e.kind, e.trigger) {
        (EventKind::Created, _) => "create".into(),
        (EventKind::Recovered, _) => "recovery".into(),
        (_, Some(t)) => t.to_string(),
        (_, None) => "—".into(),
    }
}

fn outcome(app: &App, r: &Rotation, e: &Event) -> (&'static str, Tone) {
    match (e.kind, e.outcome) {
        (EventKind::RotationStarted, _) if app.is_running(r.id) => ("… running", Tone::Busy),
        (EventKind::RotationStarted, _) => ("? unfinished", Tone::Warn),
        (EventKind::Held, _) => ("⏸ held", Tone::Warn),
        (EventKind::Created, Outcome::Failure) => ("✗ create failed", Tone::Error),
        (EventKind::Created, _) => ("✓ created", Tone::Ok),
        (EventKind::Recovered, _) => ("✓ recovered", Tone::Ok),
        (_, Outcome::Failure) => ("✗ failed", Tone::Error),
        _ => ("✓ rotated", Tone::Ok),
    }
}

/// `0.8 ms`, `3.1 ms`, `2.4 s`.
pub(crate) fn duration(us: u64) -> String {
    if us < 10_000_000 {
        format!("{:.1} ms", us as f64 / 1000.0)
    } else {
        format!("{:.1} s", us as f64 / 1_000_000.0)
    }
}

fn pad(s: &str, w: usize) -> String {
    format!("{s:<w$}")
}

/// Every line of the history tab for `r`.
pub(crate) fn lines(app: &App, r: &Rotation) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    let list = attempts(app, r);
    let failed = list
        .iter()
        .filter(|e| e.outcome == Outcome::Failure)
        .count();
    out.push(Line::styled(
        format!(
            "Attempts ({}{}), newest first",
            list.len(),
            if failed > 0 {
                format!(", {failed} failed")
            } else {
                String::new()
            }
        ),
        app.theme.header(),
    ));
    if list.is_empty() {
        out.push(Line::styled(
            "No attempt in the event log yet.",
            app.theme.muted(),
        ));
    } else {
        out.push(Line::styled(
            format!(
                "{}{}{}{}Nodes",
                pad(&format!("When ({})", app.zone.label(app.now)), WHEN_W),
                pad("Trigger", TRIGGER_W),
                pad("Outcome", OUTCOME_W),
                pad("Took", TOOK_W),
            ),
            app.theme.title(),
        ));
    }
    for e in list {
        let (words, tone) = outcome(app, r, e);
        out.push(Line::from(vec![
            Span::raw(pad(&app.zone.month_day(e.at), WHEN_W)),
            Span::raw(pad(&trigger(e), TRIGGER_W)),
            Span::styled(pad(words, OUTCOME_W), app.theme.tone(tone)),
            Span::raw(pad(
                &e.duration_us.map_or("—".to_string(), duration),
                TOOK_W,
            )),
            Span::raw(e.nodes.map_or("—".to_string(), |n| n.to_string())),
        ]));
        // The whole message, wrapped by the paragraph: never cut.
        out.push(Line::styled(
            format!("  {}", printable(&e.message)),
            if e.outcome == Outcome::Failure {
                app.theme.tone(Tone::Error)
            } else {
                app.theme.muted()
            },
        ));
    }
    out.push(Line::default());
    out.push(Line::styled(
        "Secret versions (values never shown here; v reveals the current ones)",
        app.theme.header(),
    ));
    for name in [&r.secrets_mapping.username, &r.secrets_mapping.password] {
        let entry = app
            .doc
            .secrets
            .iter()
            .find(|s| s.is_at(&r.environment, &r.secret_path) && &s.name == name);
        let Some(entry) = entry.filter(|e| !e.versions.is_empty()) else {
            out.push(Line::from(vec![
                Span::styled(printable(name).into_owned(), app.theme.title()),
                Span::styled("  no version stored", app.theme.muted()),
            ]));
            continue;
        };
        out.push(Line::styled(
            format!(
                "{} · {} version{} kept",
                printable(name),
                entry.versions.len(),
                if entry.versions.len() == 1 { "" } else { "s" }
            ),
            app.theme.title(),
        ));
        let current = entry.versions.len() - 1;
        for (i, v) in entry.versions.iter().enumerate().rev() {
            let by = match (v.rotation_id, v.job_id) {
                (Some(id), Some(job)) if id == r.id => {
                    format!("job {}", &job.to_string()[..8])
                }
                (Some(id), _) if id == r.id => "this rotation".to_string(),
                (Some(_), _) => "another rotation".to_string(),
                (None, _) => "written by hand".to_string(),
            };
            out.push(Line::from(vec![
                Span::raw(format!(
                    "  v{:<4} {}  {by}",
                    v.version,
                    app.zone.datetime(v.created_at)
                )),
                Span::styled(
                    if i == current { "  current" } else { "" },
                    app.theme.tone(Tone::Ok),
                ),
            ]));
        }
    }
    out
}
