//! The History blade: past sessions from TeamViewer's connection report, newest first, with
//! who requested each from this machine (and its ticket) where the audit trail has its code,
//! and the requests nobody connected to.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Row, Table};

use crate::app::Model;
use crate::app::layout::rows_in_blade;
use crate::app::nav::{BladeKind, Cursor};
use crate::domain::history::duration_text;
use crate::domain::{PastSession, PastStatus};
use crate::ui::format::{date_minute, date_time};
use crate::ui::theme::Theme;

/// Renders the history.
pub fn render(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect, cursor: &Cursor) {
    let Some(history) = &model.history.value else {
        let text = match &model.history.error {
            Some(error) => Line::styled(error.message.clone(), theme.error()),
            None => Line::styled(
                format!(
                    "{} reading TeamViewer's connection report…",
                    theme.spinner(model.frame)
                ),
                theme.dim(),
            ),
        };
        frame.render_widget(
            Paragraph::new(vec![Line::raw(""), text])
                .wrap(ratatui::widgets::Wrap { trim: true })
                .block(Block::bordered().title(" History ")),
            area,
        );
        return;
    };
    let since = history
        .since
        .map_or_else(String::new, |t| format!(" since {}", date_time(Some(t))));
    let mut title = format!(" History [{}]{since}", history.sessions.len());
    if history.unreadable_audit_lines > 0 {
        title.push_str(&format!(
            " · {} unreadable audit lines",
            history.unreadable_audit_lines
        ));
    }
    title.push(' ');
    let mut block = Block::bordered().title(title);
    if history.sessions.is_empty() {
        let text = format!("No sessions in TeamViewer's connection report{since}.");
        frame.render_widget(
            Paragraph::new(vec![Line::raw(""), Line::styled(text, theme.dim())]).block(block),
            area,
        );
        return;
    }
    if let Some(selected) = history.sessions.get(cursor.selected) {
        block = block.title_bottom(Line::styled(format!(" {} ", detail(selected)), theme.dim()));
    }
    let height = rows_in_blade(usize::from(area.height), BladeKind::History);
    // Narrow screens keep when, how long and where; `intune-assist history` shows every field.
    let with_code = area.width >= 80;
    let with_requester = area.width >= 110;
    let with_ticket = area.width >= 130;
    let start = cursor.offset.min(history.sessions.len());
    let end = (start + height).min(history.sessions.len());
    let rows: Vec<Row> = history.sessions[start..end]
        .iter()
        .enumerate()
        .map(|(i, session)| {
            let mut cells = vec![
                Line::raw(date_minute(session.when())),
                match session.status {
                    PastStatus::NoConnection => Line::styled("no connection", theme.warn()),
                    PastStatus::Connected => {
                        Line::raw(session.duration().map_or_else(|| "—".into(), duration_text))
                    }
                },
                Line::raw(session.device().to_string()),
                Line::raw(session.supporter.clone()),
            ];
            if with_code {
                cells.push(Line::raw(
                    session.session_code.clone().unwrap_or_else(|| "—".into()),
                ));
            }
            if with_requester {
                cells.push(match &session.requested {
                    Some(requested) => Line::raw(requested.admin.clone()),
                    None => Line::styled("—", theme.dim()),
                });
            }
            if with_ticket {
                cells.push(match session.ticket() {
                    Some(ticket) => Line::raw(ticket.to_string()),
                    None => Line::styled("—", theme.dim()),
                });
            }
            super::selectable(Row::new(cells), start + i == cursor.selected, theme)
        })
        .collect();
    let mut titles = vec!["When (UTC)", "Duration", "Device", "Supporter"];
    let mut widths = vec![
        Constraint::Length(16),
        Constraint::Length(13),
        Constraint::Fill(3),
        Constraint::Fill(2),
    ];
    if with_code {
        titles.push("Session");
        widths.push(Constraint::Length(12));
    }
    if with_requester {
        titles.push("Requested by");
        widths.push(Constraint::Fill(2));
    }
    if with_ticket {
        titles.push("Ticket");
        widths.push(Constraint::Fill(1));
    }
    let header = super::column_titles(titles, theme);
    frame.render_widget(Table::new(rows, widths).header(header).block(block), area);
}

/// One line on the selected session: how it ended, its ticket, kind and group, and who
/// asked for it.
fn detail(session: &PastSession) -> String {
    let mut parts = vec![match (session.status, session.ended_at) {
        (PastStatus::NoConnection, _) => PastStatus::NoConnection.label().to_string(),
        (_, Some(end)) => format!("ended {}", crate::ui::format::time_of_day(end)),
        (_, None) => "not ended".into(),
    }];
    match session.ticket() {
        Some(ticket) => parts.push(format!("ticket {ticket}")),
        None => parts.push("no ticket".into()),
    }
    if session.status == PastStatus::Connected {
        parts.push(session.kind.label().to_string());
    }
    if !session.group.is_empty() {
        parts.push(format!("group {}", session.group));
    }
    match &session.requested {
        Some(r) => parts.push(format!(
            "requested by {} for {} at {}",
            r.admin,
            r.device_name,
            crate::ui::format::time_of_day(r.at)
        )),
        None => parts.push("not requested from this machine".into()),
    }
    parts.join(" · ")
}
