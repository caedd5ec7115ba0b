//! The Logs blade: this run's log.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph};

use crate::app::Model;
use crate::app::layout::rows_in_blade;
use crate::app::nav::{BladeKind, Cursor};
use crate::ui::theme::Theme;

/// The in-app log.
pub fn render(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect, cursor: &Cursor) {
    let height = rows_in_blade(usize::from(area.height), BladeKind::Logs);
    let lines: Vec<Line> = model
        .logs
        .iter()
        .skip(cursor.offset)
        .take(height)
        .map(|l| {
            if l.contains("error") {
                Line::styled(l.clone(), theme.error())
            } else {
                Line::raw(l.clone())
            }
        })
        .collect();
    let block = Block::bordered().title(format!(" Logs [{}] ", model.logs.len()));
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
