//! One renderer per blade.

mod audit;
mod connector;
mod device;
mod devices;
mod history;
mod logs;
mod menus;
mod session;
mod sessions;
mod tenants;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Row, Wrap};

use super::theme::Theme;
use crate::app::Model;
use crate::app::nav::Blade;

/// Renders the top blade in `area`.
pub fn render(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect) {
    match model.stack.top() {
        Blade::Home(menu) => menus::home(model, theme, frame, area, menu),
        Blade::Devices(menu) => menus::devices(model, theme, frame, area, menu),
        Blade::Accounts(menu) => menus::accounts(model, theme, frame, area, menu),
        Blade::AllDevices(list) => devices::render(model, theme, frame, area, list),
        Blade::Device { id, more } => device::render(model, theme, frame, area, id, more.as_ref()),
        Blade::NewSession {
            device_id,
            stage,
            ticket,
        } => session::new_session(model, theme, frame, area, device_id, stage, ticket),
        Blade::Session { key } => session::live(model, theme, frame, area, key),
        Blade::Connector => connector::render(model, theme, frame, area),
        Blade::Sessions(cursor) => sessions::render(model, theme, frame, area, cursor),
        Blade::Logs(cursor) => logs::render(model, theme, frame, area, cursor),
        Blade::Audit(cursor) => audit::render(model, theme, frame, area, cursor),
        Blade::History(cursor) => history::render(model, theme, frame, area, cursor),
        Blade::Tenants(cursor) => tenants::render(model, theme, frame, area, cursor),
    }
}

/// A bordered blade with a title and wrapped lines.
pub fn panel(frame: &mut Frame, area: Rect, title: String, lines: Vec<Line<'_>>) {
    let block = Block::bordered().title(format!(" {title} "));
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}

/// A `label  value` line with the label padded.
pub fn field<'a>(label: &str, value: impl Into<String>, theme: &Theme) -> Line<'a> {
    Line::from(vec![
        ratatui::text::Span::styled(format!("{label:<16}"), theme.dim()),
        ratatui::text::Span::raw(value.into()),
    ])
}

/// A table's row of column titles.
pub fn column_titles<'a>(titles: impl IntoIterator<Item = &'a str>, theme: &Theme) -> Row<'a> {
    Row::new(
        titles
            .into_iter()
            .map(|title| Line::styled(title, theme.emphasis())),
    )
}

/// A table row, drawn selected when `selected`.
pub fn selectable<'a>(row: Row<'a>, selected: bool, theme: &Theme) -> Row<'a> {
    if selected {
        row.style(theme.selected())
    } else {
        row
    }
}
