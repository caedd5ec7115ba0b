//! Rendering: a pure function of the model. No IO, no clock, no randomness here.

mod ascii;
mod blades;
mod chrome;
mod columns;
pub mod format;
mod overlays;
mod panes;
pub mod theme;

use ratatui::Frame;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use unicode_width::UnicodeWidthStr;

use crate::app::Model;
use theme::Theme;

pub use crate::app::layout::PANE_WIDTH;

/// The theme the model's options ask for.
pub fn theme(model: &Model) -> Theme {
    Theme {
        color: !model.options.no_color,
        ascii: model.options.ascii,
    }
}

/// Draws the whole screen.
pub fn view(model: &Model, frame: &mut Frame) {
    let area = frame.area();
    let theme = theme(model);
    let [header, crumbs, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(area);
    chrome::header(model, &theme, frame, header);
    chrome::crumbs(model, &theme, frame, crumbs);
    let blade_area = if model.side_panes_visible() {
        let [main, side] =
            Layout::horizontal([Constraint::Min(40), Constraint::Length(PANE_WIDTH)]).areas(body);
        panes::render(model, &theme, frame, side);
        main
    } else {
        body
    };
    blades::render(model, &theme, frame, blade_area);
    chrome::footer(model, &theme, frame, footer);
    overlays::render(model, &theme, frame, area);
    if theme.ascii {
        ascii::redraw(frame.buffer_mut());
    }
}

/// The links on screen that may be made clickable (OSC 8): every one is a sanitised web URL.
pub fn visible_links(model: &Model) -> Vec<String> {
    use crate::app::nav::{Blade, SessionStage};
    match model.stack.top() {
        Blade::Connector => model
            .connector
            .value
            .iter()
            .filter_map(|c| c.onboarding_url.clone())
            .filter(|link| crate::domain::text::is_web_link(link))
            .collect(),
        Blade::Session { key }
        | Blade::NewSession {
            stage: SessionStage::Live { key },
            ..
        } => model
            .session(key)
            .map(|s| {
                s.links()
                    .into_iter()
                    .filter(|(_, link)| crate::domain::text::is_web_link(link))
                    .map(|(_, link)| link.to_string())
                    .collect()
            })
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// Where each link of `links` stands whole on one row of `buffer`: (x, y, url).
pub fn link_positions(buffer: &Buffer, links: &[String]) -> Vec<(u16, u16, String)> {
    let mut found = Vec::new();
    let area = buffer.area;
    for y in area.top()..area.bottom() {
        let mut row = String::new();
        let mut columns = Vec::new();
        for x in area.left()..area.right() {
            let symbol = buffer[(x, y)].symbol();
            for _ in symbol.chars() {
                columns.push(x);
            }
            row.push_str(symbol);
        }
        for link in links {
            if let Some(byte) = row.find(link.as_str()) {
                let chars_before = row[..byte].chars().count();
                if let Some(x) = columns.get(chars_before) {
                    found.push((*x, y, link.clone()));
                }
            }
        }
    }
    found
}

/// Renders the model into a buffer of `width`×`height`.
pub fn render_buffer(model: &Model, width: u16, height: u16) -> Buffer {
    let backend = TestBackend::new(width, height);
    match Terminal::new(backend) {
        Ok(mut terminal) => {
            let _ = terminal.draw(|frame| view(model, frame));
            terminal.backend().buffer().clone()
        }
        Err(_) => Buffer::empty(Rect::new(0, 0, width, height)),
    }
}

/// The screen as plain text: one line per row, trailing spaces trimmed.
pub fn buffer_text(buffer: &Buffer) -> String {
    let area = buffer.area;
    let mut lines = Vec::with_capacity(usize::from(area.height));
    for y in area.top()..area.bottom() {
        let mut line = String::new();
        let mut skip = 0usize;
        for x in area.left()..area.right() {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let symbol = buffer[(x, y)].symbol();
            line.push_str(symbol);
            skip = symbol.width().saturating_sub(1);
        }
        lines.push(line.trim_end().to_string());
    }
    lines.join("\n")
}

/// Renders the model as plain text at `width`×`height`.
pub fn render_text(model: &Model, width: u16, height: u16) -> String {
    buffer_text(&render_buffer(model, width, height))
}

/// A rectangle of at most `width`×`height`, centred in `area`.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}
