//! The TeamViewer connector blade.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::{field, panel};
use crate::app::Model;
use crate::app::gates::{connector_block, enable_block};
use crate::domain::OnboardingStatus;
use crate::ui::format::{ago, date_time};
use crate::ui::panes::connector_status;
use crate::ui::theme::Theme;

/// Renders the connector blade.
pub fn render(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect) {
    let (status, style) = connector_status(model, theme);
    let mut lines = vec![
        Line::raw(""),
        Line::from(vec![
            Span::styled(format!("{:<16}", "Status"), theme.dim()),
            Span::styled(format!("{} {status}", theme.dot()), style),
            if model.connector.loading {
                Span::styled(format!("  {}", theme.spinner(model.frame)), theme.dim())
            } else {
                Span::raw("")
            },
        ]),
    ];
    if let Some(c) = &model.connector.value {
        lines.push(field("Partner", c.display_name.clone(), theme));
        lines.push(field(
            "Last connection",
            match c.last_connection_date_time {
                Some(t) => format!("{} ({})", date_time(Some(t)), ago(Some(t), model.now)),
                None => "never".into(),
            },
            theme,
        ));
        if let Some(choice) = &c.choice {
            lines.push(Line::styled(choice.clone(), theme.warn()));
        }
        lines.push(Line::raw(""));
        match c.onboarding_status {
            OnboardingStatus::Onboarded => {
                lines.push(Line::raw(
                    "Intune can start remote assistance sessions through TeamViewer.",
                ));
            }
            OnboardingStatus::Onboarding => {
                lines.push(Line::styled(
                    "Onboarding has begun. Sign in to TeamViewer and authorise Intune at:",
                    theme.warn(),
                ));
                if let Some(url) = &c.onboarding_url {
                    lines.push(Line::styled(url.clone(), theme.link()));
                }
                lines.push(Line::styled(
                    format!(
                        "{} waiting until TeamViewer confirms…",
                        theme.spinner(model.frame)
                    ),
                    theme.dim(),
                ));
                if let Some(url) = &c.onboarding_url
                    && !theme.ascii
                {
                    let qr = qr_lines(url);
                    // Room for what is above, the code, and the lines below it.
                    let needed = lines.len() + qr.len() + 6;
                    let fits = qr
                        .first()
                        .is_some_and(|l| l.chars().count() + 2 <= usize::from(area.width));
                    if fits && needed <= usize::from(area.height) {
                        lines.push(Line::styled("or scan:", theme.dim()));
                        lines.extend(qr.into_iter().map(Line::raw));
                    }
                }
            }
            _ => {
                lines.push(Line::raw(
                    "TeamViewer is not connected: remote assistance sessions cannot be requested.",
                ));
            }
        }
    }
    if let Some(error) = &model.connector.error {
        lines.push(Line::raw(""));
        lines.push(Line::styled(error.message.clone(), theme.error()));
    }
    if let Some(reason) = connector_block(model) {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            format!("Enable and Disconnect are unavailable: {reason}"),
            theme.warn(),
        ));
    } else if let Some(reason) = enable_block(model)
        && !model
            .connector
            .value
            .as_ref()
            .is_some_and(|c| c.is_onboarded())
    {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            format!("Enable is unavailable: {reason}"),
            theme.warn(),
        ));
    }
    panel(frame, area, "TeamViewer Connector".into(), lines);
}

/// The URL as a QR code in half-block characters (light modules drawn, for dark terminals).
fn qr_lines(url: &str) -> Vec<String> {
    use qrcode::render::unicode::Dense1x2;
    match qrcode::QrCode::new(url.as_bytes()) {
        Ok(code) => code
            .render::<Dense1x2>()
            .dark_color(Dense1x2::Light)
            .light_color(Dense1x2::Dark)
            .quiet_zone(true)
            .build()
            .lines()
            .map(str::to_string)
            .collect(),
        Err(_) => Vec::new(),
    }
}
