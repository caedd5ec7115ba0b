//! The side panes: the connector and the live sessions.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::format::{age, ago, time_of_day};
use super::theme::Theme;
use crate::app::Model;
use crate::domain::{OnboardingStatus, SessionState};

/// Renders both panes in `area`.
pub fn render(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect) {
    let [top, bottom] = Layout::vertical([Constraint::Length(4), Constraint::Min(3)]).areas(area);
    connector(model, theme, frame, top);
    sessions(model, theme, frame, bottom);
}

/// The status word and its style for the connector.
pub fn connector_status(model: &Model, theme: &Theme) -> (String, ratatui::style::Style) {
    match (&model.connector.value, &model.connector.error) {
        (Some(c), _) => {
            let style = match c.onboarding_status {
                OnboardingStatus::Onboarded => theme.ok(),
                OnboardingStatus::Onboarding => theme.warn(),
                _ => theme.error(),
            };
            (c.onboarding_status.label().to_string(), style)
        }
        (None, Some(_)) => ("unknown".into(), theme.error()),
        (None, None) if !model.sign_in.graph_ready() => ("sign in to see it".into(), theme.dim()),
        (None, None) => ("loading…".into(), theme.dim()),
    }
}

fn connector(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect) {
    let (status, style) = connector_status(model, theme);
    let last = model
        .connector
        .value
        .as_ref()
        .map(|c| {
            format!(
                "last connection {}",
                ago(c.last_connection_date_time, model.now)
            )
        })
        .unwrap_or_default();
    let lines = vec![
        Line::from(vec![
            Span::raw("TeamViewer "),
            Span::styled(theme.dot(), style),
            Span::styled(format!(" {status}"), style),
        ]),
        Line::styled(last, theme.dim()),
    ];
    let block = Block::bordered().title(" Connector ");
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

fn sessions(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect) {
    let open: Vec<_> = model.open_sessions().collect();
    let block = Block::bordered().title(format!(" Live sessions ({}) ", open.len()));
    let mut lines = Vec::new();
    if open.is_empty() {
        lines.push(Line::styled("none", theme.dim()));
    }
    for live in open {
        let state = live.state();
        let style = match state {
            SessionState::SupporterConnected => theme.ok(),
            SessionState::EndUserOnline => theme.ok(),
            _ => theme.warn(),
        };
        let since = live.since().unwrap_or(model.now);
        lines.push(Line::from(vec![
            Span::styled(live.label().to_string(), theme.emphasis()),
            Span::raw(format!("  {}", live.device_name)),
        ]));
        let (label, when) = if live.live.is_tracked() {
            (state.label(), age(since, model.now))
        } else {
            ("live state unavailable", time_of_day(since))
        };
        let mut second = vec![Span::raw("  ")];
        // A session of the tenant shown before a switch says whose it is.
        if let Some(tenant) = live.other_tenant(model.options.profile.as_deref()) {
            second.push(Span::styled(format!("[{tenant}] "), theme.warn()));
        }
        second.extend([
            Span::styled(label, style),
            Span::styled(format!(" · {when}"), theme.dim()),
        ]);
        if let Some(ticket) = &live.ticket {
            second.push(Span::styled(format!(" · {ticket}"), theme.dim()));
        }
        lines.push(Line::from(second));
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
