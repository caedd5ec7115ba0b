//! The Audit blade: the changes recorded in the audit trail, newest first.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Row, Table};

use crate::app::Model;
use crate::app::layout::rows_in_blade;
use crate::app::nav::{BladeKind, Cursor};
use crate::audit::Outcome;
use crate::ui::format::date_time;
use crate::ui::theme::Theme;

/// Renders the trail.
pub fn render(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect, cursor: &Cursor) {
    let Some(view) = &model.audit.value else {
        let text = match &model.audit.error {
            Some(error) => Line::styled(error.message.clone(), theme.error()),
            None => Line::styled(
                format!("{} reading the audit log…", theme.spinner(model.frame)),
                theme.dim(),
            ),
        };
        frame.render_widget(
            Paragraph::new(vec![Line::raw(""), text]).block(Block::bordered().title(" Audit log ")),
            area,
        );
        return;
    };
    let mut title = format!(" Audit log [{}]", view.entries.len());
    match &view.path {
        Some(path) => title.push_str(&format!(" {path}")),
        None => title.push_str(" (demo: kept in memory)"),
    }
    if view.unreadable > 0 {
        title.push_str(&format!(" · {} unreadable lines", view.unreadable));
    }
    title.push(' ');
    let block = Block::bordered().title(title);
    if view.entries.is_empty() {
        let text =
            "Nothing recorded yet: sessions requested or closed and connector changes appear here.";
        frame.render_widget(
            Paragraph::new(vec![Line::raw(""), Line::styled(text, theme.dim())]).block(block),
            area,
        );
        return;
    }
    let height = rows_in_blade(usize::from(area.height), BladeKind::Audit);
    // Narrow screens keep what and when; `intune-assist audit` shows every field.
    let wide = area.width >= 110;
    let start = cursor.offset.min(view.entries.len());
    let end = (start + height).min(view.entries.len());
    let rows: Vec<Row> = view.entries[start..end]
        .iter()
        .enumerate()
        .map(|(i, entry)| {
            let outcome = match entry.outcome {
                Outcome::Succeeded => Line::styled(theme.check(), theme.ok()),
                Outcome::Failed => Line::styled(theme.cross(), theme.error()),
            };
            let what = [&entry.device_name, &entry.session_code, &entry.ticket]
                .into_iter()
                .filter(|part| !part.is_empty())
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join(" · ");
            let mut cells = vec![
                Line::raw(date_time(Some(entry.time))),
                outcome,
                Line::raw(entry.action.label()),
                Line::raw(what),
            ];
            if wide {
                cells.push(Line::raw(entry.admin.clone()));
                cells.push(Line::styled(entry.detail.clone(), theme.dim()));
            }
            super::selectable(Row::new(cells), start + i == cursor.selected, theme)
        })
        .collect();
    let mut titles = vec!["Time", "", "Action", "Device · session · ticket"];
    let mut widths = vec![
        Constraint::Length(23),
        Constraint::Length(2),
        Constraint::Length(22),
        Constraint::Fill(3),
    ];
    if wide {
        titles.extend(["Admin", "Detail"]);
        widths.extend([Constraint::Fill(2), Constraint::Fill(2)]);
    }
    let header = super::column_titles(titles, theme);
    frame.render_widget(Table::new(rows, widths).header(header).block(block), area);
}
