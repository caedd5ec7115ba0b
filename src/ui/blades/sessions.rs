//! The Sessions blade.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Row, Table};

use crate::app::Model;
use crate::app::layout::rows_in_blade;
use crate::app::nav::{BladeKind, Cursor};
use crate::domain::SessionState;
use crate::ui::format::{age, time_of_day};
use crate::ui::theme::Theme;

/// Every session this run knows, open and recently closed.
pub fn render(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect, cursor: &Cursor) {
    let open = model.open_sessions().count();
    let block = Block::bordered().title(format!(
        " Sessions [{open} open, {} in all] ",
        model.sessions.len()
    ));
    if model.sessions.is_empty() {
        let text = if model.sign_in.teamviewer {
            "No sessions yet: open a device and choose More › New Remote Assistance Session."
        } else {
            "No sessions yet: open a device and choose More › New Remote Assistance Session. \
             Sign in to TeamViewer (Accounts) to list and follow sessions too."
        };
        frame.render_widget(
            Paragraph::new(vec![Line::raw(""), Line::styled(text, theme.dim())]).block(block),
            area,
        );
        return;
    }
    let height = rows_in_blade(usize::from(area.height), BladeKind::Sessions);
    let start = cursor.offset.min(model.sessions.len());
    let end = (start + height).min(model.sessions.len());
    let rows: Vec<Row> = model.sessions[start..end]
        .iter()
        .enumerate()
        .map(|(i, live)| {
            let state = live.state();
            let style = match state {
                SessionState::SupporterConnected | SessionState::EndUserOnline => theme.ok(),
                SessionState::Closed | SessionState::Ended => theme.dim(),
                _ => theme.warn(),
            };
            let since = live.since().unwrap_or(model.now);
            let (state_text, when) = if live.live.is_tracked() {
                (state.label().to_string(), age(since, model.now))
            } else {
                ("live state unavailable".to_string(), time_of_day(since))
            };
            super::selectable(
                Row::new(vec![
                    Line::styled(live.label().to_string(), theme.emphasis()),
                    {
                        let mut device = vec![ratatui::text::Span::raw(live.device_name.clone())];
                        if let Some(tenant) = live.other_tenant(model.options.profile.as_deref()) {
                            device.push(ratatui::text::Span::styled(
                                format!(" [{tenant}]"),
                                theme.warn(),
                            ));
                        }
                        if let Some(ticket) = &live.ticket {
                            device.push(ratatui::text::Span::styled(
                                format!(" · {ticket}"),
                                theme.dim(),
                            ));
                        }
                        Line::from(device)
                    },
                    Line::styled(state_text, style),
                    Line::raw(when),
                ]),
                start + i == cursor.selected,
                theme,
            )
        })
        .collect();
    let header = super::column_titles(["Code", "Device", "State", "Age"], theme);
    let widths = [
        Constraint::Length(13),
        Constraint::Fill(2),
        Constraint::Length(22),
        Constraint::Length(10),
    ];
    frame.render_widget(Table::new(rows, widths).header(header).block(block), area);
}
