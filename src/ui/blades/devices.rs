//! All devices: the table, with only the visible rows built.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Row, Table};
use unicode_width::UnicodeWidthStr;

use crate::app::Model;
use crate::app::layout::rows_in_blade;
use crate::app::nav::{Column, DeviceList};
use crate::domain::{Assist, ComplianceState, DeviceRef};
use crate::ui::format::{ago, count};
use crate::ui::theme::Theme;

fn assist_cell<'a>(device: DeviceRef<'_>, theme: &Theme) -> Span<'a> {
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

fn compliance_cell<'a>(device: DeviceRef<'_>, theme: &Theme) -> Span<'a> {
    let style = match device.compliance_state() {
        ComplianceState::Compliant => theme.ok(),
        ComplianceState::Noncompliant | ComplianceState::Error => theme.error(),
        _ => theme.warn(),
    };
    Span::styled(device.compliance_state().label().to_string(), style)
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
    let shown: Vec<(usize, u32, DeviceRef<'_>)> = list.rows[start..end]
        .iter()
        .enumerate()
        .filter_map(|(i, index)| {
            model
                .devices
                .all
                .get(*index as usize)
                .map(|d| (start + i, *index, d))
        })
        .collect();
    let name_of = |index: u32, d: DeviceRef<'_>| {
        if model.devices.is_unconfirmed(index) {
            format!("{} {}", theme.found(), d.name())
        } else {
            d.name().to_owned()
        }
    };
    let longest_name = shown
        .iter()
        .map(|(_, index, d)| name_of(*index, *d).width())
        .max()
        .unwrap_or(0);
    let plan = crate::ui::columns::plan(
        area.width.saturating_sub(2),
        u16::try_from(longest_name).unwrap_or(u16::MAX),
    );
    let rows: Vec<Row> = shown
        .iter()
        .map(|(i, index, d)| {
            // The selected row is drawn in one style: clearer, and a cursor move rewrites
            // fewer bytes over a slow link.
            let selected = *i == list.cursor.selected;
            let plain = |span: Span<'static>| {
                if selected {
                    Line::raw(span.content)
                } else {
                    Line::from(span)
                }
            };
            let cells = plan.iter().map(|(column, _)| match column {
                Column::Name => Line::raw(name_of(*index, *d)),
                Column::User => Line::raw(if d.user_principal_name().is_empty() {
                    "—".to_string()
                } else {
                    d.user_principal_name().to_owned()
                }),
                Column::Os => Line::raw(format!("{} {}", d.operating_system(), d.os_version())),
                Column::Compliance => plain(compliance_cell(*d, theme)),
                Column::LastSync => Line::raw(ago(d.last_sync_date_time(), model.now)),
                Column::Assist => plain(assist_cell(*d, theme)),
            });
            super::selectable(Row::new(cells.collect::<Vec<_>>()), selected, theme)
        })
        .collect();
    let widths: Vec<Constraint> = plan.iter().map(|(_, w)| Constraint::Length(*w)).collect();
    let header = Row::new(plan.iter().map(|(c, _)| {
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
