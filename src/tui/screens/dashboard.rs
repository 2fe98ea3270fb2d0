//! The dashboard: the rotations table, the detail pane of the selected rotation and the
//! scheduler pane, laid out for the terminal's size. Only the rows on screen are built, so
//! ten thousand rotations draw as fast as ten.

use crate::model::text::printable;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

use crate::tui::app::{App, Pane};
use crate::tui::widgets::{badge, pane};

pub(crate) fn render(frame: &mut Frame, area: Rect, app: &App) {
    if app.dashboard.zoom {
        super::detail::render(frame, area, app);
        return;
    }
    let rows = app.dashboard.visible.len().max(1) as u16 + 3;
    if area.width >= 140 {
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(60), Constraint::Fill(1)]).areas(area);
        let table_h = rows.clamp(5, (left.height * 3 / 5).max(5));
        let [table, log] =
            Layout::vertical([Constraint::Length(table_h), Constraint::Fill(1)]).areas(left);
        render_table(frame, table, app);
        super::scheduler::render(frame, log, app);
        super::detail::render(frame, right, app);
    } else {
        let table_h = rows.clamp(5, (area.height * 2 / 5).max(5));
        let [table, detail, log] = Layout::vertical([
            Constraint::Length(table_h),
            Constraint::Fill(1),
            Constraint::Length(5),
        ])
        .areas(area);
        render_table(frame, table, app);
        super::detail::render(frame, detail, app);
        super::scheduler::render(frame, log, app);
    }
}

fn render_table(frame: &mut Frame, area: Rect, app: &App) {
    let d = &app.dashboard;
    let total = app.doc.rotations.len();
    let filter = d.filter.value();
    let title = if filter.is_empty() {
        format!(" Rotations ({total}) ")
    } else {
        format!(
            " Rotations {}/{total} matching \"{filter}\" ",
            d.visible.len()
        )
    };
    let block = pane(app, title, d.focus == Pane::Rotations);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if d.visible.is_empty() {
        let text = if total == 0 && app.doc.connections.is_empty() {
            "No rotations yet. Press n to create one: its first step adds the connection."
        } else if total == 0 {
            "No rotations yet. Press n to create one."
        } else {
            "No rotation matches the filter. Esc clears it."
        };
        frame.render_widget(Paragraph::new(Line::styled(text, app.theme.muted())), inner);
        return;
    }
    let wide = inner.width >= 90;
    let widest = inner.width >= 120;
    let zone = app.zone.label(app.now);
    let mut header = vec![
        "Name".to_string(),
        "Environment / path".into(),
        "Status".into(),
    ];
    let mut widths = vec![
        Constraint::Fill(3),
        Constraint::Fill(3),
        Constraint::Length(25),
    ];
    if widest {
        header.push("Active user".into());
        widths.push(Constraint::Fill(3));
    }
    // The columns are as wide as their header: "Next (UTC-05:00)" is never cut.
    let stamp_w = |h: &str| Constraint::Length((h.chars().count() as u16).max(11));
    if wide {
        header.push(format!("Last ({zone})"));
        widths.push(stamp_w(&format!("Last ({zone})")));
    }
    header.push(format!("Next ({zone})"));
    widths.push(stamp_w(&format!("Next ({zone})")));
    let body_rows = inner.height.saturating_sub(1) as usize;
    let offset = (d.selected + 1).saturating_sub(body_rows.max(1));
    let stamp = |t| app.zone.month_day(t);
    let rows: Vec<Row> = d
        .visible
        .iter()
        .skip(offset)
        .take(body_rows)
        .filter_map(|&i| app.doc.rotations.get(i))
        .map(|r| {
            let mut cells = vec![
                Cell::from(printable(&r.name).into_owned()),
                Cell::from(format!("{} {}", r.environment, r.secret_path)),
                Cell::from(badge::badge_span(
                    r,
                    app.now,
                    app.is_running(r.id),
                    &app.theme,
                )),
            ];
            if widest {
                cells.push(Cell::from(
                    r.active().map_or("—".to_string(), |s| s.username.clone()),
                ));
            }
            if wide {
                cells.push(Cell::from(
                    r.last_rotated_at.map_or("never".to_string(), stamp),
                ));
            }
            cells.push(Cell::from(
                r.next_rotation_at.map_or("—".to_string(), stamp),
            ));
            Row::new(cells)
        })
        .collect();
    let header_cells: Vec<Cell> = header.into_iter().map(Cell::from).collect();
    let table = Table::new(rows, widths)
        .header(Row::new(header_cells).style(app.theme.title()))
        .row_highlight_style(app.theme.selected())
        .column_spacing(1);
    let mut state = TableState::default().with_selected(Some(d.selected - offset));
    frame.render_stateful_widget(table, inner, &mut state);
}
