//! All devices: the table, with only the visible rows built.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Row, Table};

use crate::app::Model;
use crate::app::layout::rows_in_blade;
use crate::app::nav::{Column, DeviceList};
use crate::domain::{Assist, ComplianceState, Device};
use crate::ui::format::{ago, count};
use crate::ui::theme::Theme;

fn assist_cell<'a>(device: &Device, theme: &Theme) -> Span<'a> {
    match device.assist() {
        Assist::Supported => Span::styled(theme.check().to_string(), theme.ok()),
        Assist::DirectSession { .. } => Span::styled(
            format!("{} direct session (userless)", theme.check()),
            theme.warn(),
        ),
        Assist::Unsupported { reason } => {
            Span::styled(format!("{} {reason}", theme.cross()), theme.dim())
        }
        Assist::Unconfirmed { reason } => Span::styled(format!("? {reason}"), theme.warn()),
    }
}

fn compliance_cell<'a>(device: &Device, theme: &Theme) -> Span<'a> {
    let style = match device.compliance_state {
        ComplianceState::Compliant => theme.ok(),
        ComplianceState::Noncompliant | ComplianceState::Error => theme.error(),
        _ => theme.warn(),
    };
    Span::styled(device.compliance_state.label().to_string(), style)
}

/// Renders the device table.
pub fn render(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect, list: &DeviceList) {
    let loaded = model.devices.all.len();
    let total = model
        .devices
        .total
        .map_or(loaded, |t| t as usize)
        .max(loaded);
    let mut title = format!(
        " All devices [{} of {}]",
        count(list.rows.len()),
        count(total)
    );
    if !list.filter.value().is_empty() || list.editing {
        title.push_str(&format!(
            " </{}{}>",
            list.filter.value(),
            if list.editing { "▏" } else { "" }
        ));
    }
    if list.os != crate::app::nav::OsFilter::All {
        title.push_str(&format!(" ({})", list.os.label()));
    }
    if let Some((column, descending)) = list.sort {
        let arrow = if descending {
            theme.arrow_down()
        } else {
            theme.arrow_up()
        };
        title.push_str(&format!(" by {} {arrow}", column.title().to_lowercase()));
    }
    if let Some(written) = model.devices.cached_at {
        title.push_str(&format!(" · as of {}", ago(Some(written), model.now)));
        if model.devices.loading {
            title.push_str(&format!(" · refreshing{}", theme.ellipsis()));
        }
    }
    if model.tenant_search.active() || model.lookup.is_some() {
        title.push_str(&format!(" · searching the tenant{}", theme.ellipsis()));
    } else if model.devices.unconfirmed_count() > 0 && model.devices.loading {
        title.push_str(&format!(" · {} found by search", theme.found()));
    }
    title.push(' ');
    let block = Block::bordered().title(title);

    if list.rows.is_empty() {
        let text = if let Some(error) = &model.devices.error {
            Line::styled(error.message.clone(), theme.error())
        } else if model.devices.loading || !model.started {
            Line::styled(
                format!("{} loading devices…", theme.spinner(model.frame)),
                theme.dim(),
            )
        } else if loaded == 0 {
            Line::styled("This tenant has no managed devices.", theme.dim())
        } else {
            Line::styled("No device matches the filter (esc clears it).", theme.dim())
        };
        frame.render_widget(Paragraph::new(vec![Line::raw(""), text]).block(block), area);
        return;
    }

    let height = rows_in_blade(
        usize::from(area.height),
        crate::app::nav::BladeKind::AllDevices,
    );
    let start = list.cursor.offset.min(list.rows.len());
    let end = (start + height).min(list.rows.len());
    let wide = area.width >= 110;
    let rows: Vec<Row> = list.rows[start..end]
        .iter()
        .enumerate()
        .filter_map(|(i, index)| {
            model
                .devices
                .all
                .get(*index as usize)
                .map(|d| (start + i, *index, d))
        })
        .map(|(i, index, d)| {
            let name = if model.devices.is_unconfirmed(index) {
                format!("{} {}", theme.found(), d.name())
            } else {
                d.name().to_owned()
            };
            let mut cells = vec![
                Line::raw(name),
                Line::raw(if d.user_principal_name().is_empty() {
                    "—".to_string()
                } else {
                    d.user_principal_name().to_owned()
                }),
                Line::raw(format!("{} {}", d.operating_system(), d.os_version())),
            ];
            // The selected row is drawn in one style: clearer, and a cursor move rewrites
            // fewer bytes over a slow link.
            let selected = i == list.cursor.selected;
            let plain = |span: Span<'static>| {
                if selected {
                    Line::raw(span.content)
                } else {
                    Line::from(span)
                }
            };
            if wide {
                cells.push(plain(compliance_cell(d, theme)));
                cells.push(Line::raw(ago(d.last_sync_date_time, model.now)));
            }
            cells.push(plain(assist_cell(d, theme)));
            super::selectable(Row::new(cells), selected, theme)
        })
        .collect();
    let mut columns: Vec<Column> = vec![Column::Name, Column::User, Column::Os];
    let mut widths = vec![
        Constraint::Fill(3),
        Constraint::Fill(3),
        Constraint::Length(18),
    ];
    if wide {
        columns.extend([Column::Compliance, Column::LastSync]);
        widths.extend([Constraint::Length(14), Constraint::Length(11)]);
    }
    columns.push(Column::Assist);
    widths.push(Constraint::Fill(3));
    let header = Row::new(columns.iter().map(|c| {
        let marker = match list.sort {
            Some((sorted, false)) if sorted == *c => theme.arrow_up(),
            Some((sorted, true)) if sorted == *c => theme.arrow_down(),
            _ => "",
        };
        Line::styled(format!("{}{marker}", c.title()), theme.emphasis())
    }));
    let table = Table::new(rows, widths)
        .header(header)
        .block(block)
        .column_spacing(1);
    frame.render_widget(table, area);
}
