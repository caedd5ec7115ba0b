//! A device's properties, and its More menu.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::{field, panel};
use crate::app::Model;
use crate::app::gates::{session_block, sync_block};
use crate::app::menu::{MenuItem, MoreItem};
use crate::app::nav::Menu;
use crate::domain::{Assist, DeviceRef, SyncState};
use crate::ui::format::{ago, date_time};
use crate::ui::theme::Theme;

/// The properties of a device as lines.
pub fn properties<'a>(device: DeviceRef<'_>, model: &Model, theme: &Theme) -> Vec<Line<'a>> {
    let user = if device.user_principal_name().is_empty() {
        "— (userless enrollment)".to_string()
    } else {
        format!(
            "{} <{}>",
            device.user_display_name(),
            device.user_principal_name()
        )
    };
    vec![
        field("Device name", device.name().to_owned(), theme),
        field("Primary user", user, theme),
        field(
            "OS",
            format!("{} {}", device.operating_system(), device.os_version()),
            theme,
        ),
        field(
            "Model",
            format!("{} {}", device.manufacturer(), device.model()),
            theme,
        ),
        field("Serial", device.serial_number().to_owned(), theme),
        field(
            "Compliance",
            device.compliance_state().label().to_string(),
            theme,
        ),
        field(
            "Management",
            device.management_state().label().to_string(),
            theme,
        ),
        field(
            "Enrollment",
            device.enrollment_type().label().to_string(),
            theme,
        ),
        field("Ownership", device.owner_type().label().to_string(), theme),
        field(
            "Last sync",
            format!(
                "{} ({})",
                date_time(device.last_sync_date_time()),
                ago(device.last_sync_date_time(), model.now)
            ),
            theme,
        ),
        field("Enrolled", date_time(device.enrolled_date_time()), theme),
        field("Device id", device.id().to_owned(), theme),
    ]
}

/// The assist verdict as a line.
pub fn assist_line<'a>(device: DeviceRef<'_>, theme: &Theme) -> Line<'a> {
    match device.assist() {
        Assist::Supported => Line::from(vec![
            Span::styled(format!("{} ", theme.check()), theme.ok()),
            Span::raw("Remote assistance through Intune and TeamViewer"),
        ]),
        Assist::DirectSession { reason } => Line::from(vec![
            Span::styled(format!("{} ", theme.check()), theme.warn()),
            Span::raw(reason),
        ]),
        Assist::Unsupported { reason } => Line::from(vec![
            Span::styled(format!("{} ", theme.cross()), theme.error()),
            Span::raw(format!("Remote assistance unavailable: {reason}")),
        ]),
        Assist::Unconfirmed { reason } => Line::from(vec![
            Span::styled("? ", theme.warn()),
            Span::raw(format!(
                "Remote assistance may not reach this device: {reason}"
            )),
        ]),
    }
}

/// Renders the device blade.
pub fn render(
    model: &Model,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
    id: &str,
    more: Option<&Menu>,
) {
    let Some(device) = model.devices.get(id) else {
        panel(
            frame,
            area,
            "Device".into(),
            vec![Line::styled(
                "This device is no longer listed.",
                theme.error(),
            )],
        );
        return;
    };
    let mut lines = vec![Line::raw("")];
    lines.extend(properties(device, model, theme));
    if let Some(sync) = model.sync_of(id) {
        let style = match sync.watch.state {
            SyncState::CheckedIn(_) => theme.ok(),
            SyncState::Failed(_) | SyncState::NotYet => theme.warn(),
            SyncState::Sending | SyncState::Waiting => theme.dim(),
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{:<16}", "Sync"), theme.dim()),
            Span::styled(sync.watch.describe(model.now), style),
        ]));
    }
    lines.push(Line::raw(""));
    lines.push(assist_line(device, theme));
    panel(frame, area, device.name().to_owned(), lines);

    if let Some(menu) = more {
        let shown = MoreItem::shown(model.options.read_only);
        let chosen = MoreItem::shown_at(model.options.read_only, menu.selected);
        let sync_reason = sync_block(model, id);
        let block_reason = match chosen {
            MoreItem::Sync => sync_reason.clone(),
            _ => session_block(model, device),
        };
        let width = 56.min(area.width.saturating_sub(2));
        let reason_rows = block_reason.as_deref().map_or(0, |r| {
            let inner = usize::from(width.saturating_sub(2)).max(1);
            1 + (unicode_width::UnicodeWidthStr::width(r) + 13).div_ceil(inner) as u16
        });
        let height = (shown.len() as u16 + 2 + reason_rows).min(area.height);
        let popup = Rect {
            x: area.x + area.width.saturating_sub(width + 1),
            y: area.y + 1,
            width,
            height,
        };
        let mut items = Vec::new();
        for &entry in shown {
            let selected = chosen == entry;
            let greyed = match entry {
                MoreItem::NewSession => session_block(model, device).is_some(),
                MoreItem::Sync => sync_reason.is_some(),
                _ => false,
            };
            let label = match entry {
                MoreItem::Sync => format!(
                    "Sync  (last {})",
                    ago(device.last_sync_date_time(), model.now)
                ),
                _ => entry.label().to_string(),
            };
            let style = match (selected, greyed) {
                (true, _) => theme.selected(),
                (false, true) => theme.dim(),
                (false, false) => theme.emphasis(),
            };
            let pointer = if selected { theme.pointer() } else { "  " };
            items.push(Line::from(vec![
                Span::raw(pointer.to_string()),
                Span::styled(label, style),
            ]));
        }
        if let Some(reason) = block_reason {
            items.push(Line::raw(""));
            items.push(Line::styled(format!("Unavailable: {reason}"), theme.warn()));
        }
        frame.render_widget(Clear, popup);
        frame.render_widget(
            Paragraph::new(items)
                .block(Block::bordered().title(" More "))
                .wrap(ratatui::widgets::Wrap { trim: false }),
            popup,
        );
    }
}
