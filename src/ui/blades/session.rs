//! New Remote Assistance Session and the live view of a session.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::device::assist_line;
use super::{field, panel};
use crate::app::Model;
use crate::app::gates::session_block;
use crate::app::model::LiveSession;
use crate::app::nav::{SessionStage, TicketLine};
use crate::assist::StartedVia;
use crate::domain::SessionState;
use crate::ui::format::{age, time_of_day};
use crate::ui::theme::Theme;

/// The New Remote Assistance Session blade.
pub fn new_session(
    model: &Model,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
    device_id: &str,
    stage: &SessionStage,
    ticket: &TicketLine,
) {
    let Some(device) = model.devices.get(device_id) else {
        panel(
            frame,
            area,
            "New Remote Assistance Session".into(),
            vec![Line::styled(
                "This device is no longer listed.",
                theme.error(),
            )],
        );
        return;
    };
    if let SessionStage::Live { key } = stage {
        live(model, theme, frame, area, key);
        return;
    }
    let mut lines = vec![
        Line::raw(""),
        field("Device", device.name().to_owned(), theme),
        field(
            "User",
            if device.user_display_name().is_empty() {
                "— (userless)".to_string()
            } else {
                device.user_display_name().to_owned()
            },
            theme,
        ),
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
        field(
            "Compliance",
            device.compliance_state().label().to_string(),
            theme,
        ),
        Line::raw(""),
        assist_line(device, theme),
        Line::raw(""),
    ];
    if !matches!(stage, SessionStage::Requesting) {
        lines.extend(ticket_lines(model, theme, ticket));
    }
    match stage {
        SessionStage::Review => match session_block(model, device) {
            Some(reason) => lines.push(Line::styled(
                format!("Connect is unavailable: {reason}"),
                theme.warn(),
            )),
            None => {
                let how = if matches!(device.assist(), crate::domain::Assist::DirectSession { .. })
                {
                    "TeamViewer creates a session; you read its code to the person at the device."
                } else {
                    "Intune asks TeamViewer for a session; the user is notified in the Company Portal."
                };
                lines.push(Line::raw(how));
                lines.push(Line::from(vec![
                    Span::raw("Press "),
                    Span::styled(theme.label("⏎").to_string(), theme.key()),
                    Span::raw(" to Connect: the request is sent at once."),
                ]));
            }
        },
        SessionStage::Requesting => lines.push(Line::styled(
            format!("{} Connecting to TeamViewer…", theme.spinner(model.frame)),
            theme.warn(),
        )),
        SessionStage::Failed { message } => {
            lines.push(Line::styled(
                format!("The session could not be started: {message}"),
                theme.error(),
            ));
            lines.push(Line::styled(
                format!("Press {} to try again.", theme.label("⏎")),
                theme.dim(),
            ));
        }
        SessionStage::Live { .. } => {}
    }
    panel(frame, area, "New Remote Assistance Session".into(), lines);
}

/// The ticket line: what was typed (with a cursor while typing), and why it was refused.
fn ticket_lines<'a>(model: &Model, theme: &Theme, ticket: &TicketLine) -> Vec<Line<'a>> {
    let required = model.options.ticket_required;
    let value = ticket.input.value();
    let shown = if ticket.editing {
        Span::styled(format!("{value}{}", theme.cursor()), theme.title())
    } else if value.is_empty() {
        let text = if required {
            "required: press t to type it"
        } else {
            "— (optional: press t to type it)"
        };
        Span::styled(text, if required { theme.warn() } else { theme.dim() })
    } else {
        Span::styled(value.to_string(), theme.title())
    };
    let mut lines = vec![Line::from(vec![
        Span::styled(format!("{:<16}", "Ticket"), theme.dim()),
        shown,
    ])];
    if let Some(error) = &ticket.error {
        lines.push(Line::styled(error.clone(), theme.error()));
    } else if ticket.editing {
        lines.push(Line::styled(
            format!(
                "Type the ticket (up to {} characters); {} keeps it, {} puts it back.",
                crate::domain::ticket::MAX_TICKET_CHARS,
                theme.label("⏎"),
                theme.label("esc")
            ),
            theme.dim(),
        ));
    }
    lines.push(Line::raw(""));
    lines
}

fn stage_label(state: SessionState, via: Option<StartedVia>) -> &'static str {
    match state {
        SessionState::Requested => "requested",
        SessionState::Created if via == Some(StartedVia::TeamViewer) => {
            "session created: read the code out"
        }
        SessionState::Created => "session link from Intune: end user notified (Company Portal)",
        SessionState::EndUserOnline => "end user accepted and is online",
        SessionState::SupporterConnected => "supporter connected",
        SessionState::Ended => "connection ended",
        SessionState::Closed => "closed",
    }
}

/// The live view of a session.
pub fn live(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect, key: &str) {
    let Some(live) = model.session(key) else {
        panel(
            frame,
            area,
            "Session".into(),
            vec![Line::styled("This session is not known.", theme.error())],
        );
        return;
    };
    let title = match &live.ticket {
        Some(ticket) => format!(
            "Session {} · {} · ticket {ticket}",
            live.label(),
            live.device_name
        ),
        None => format!("Session {} · {}", live.label(), live.device_name),
    };
    panel(frame, area, title, live_lines(model, live, theme));
}

fn live_lines<'a>(model: &Model, live: &LiveSession, theme: &Theme) -> Vec<Line<'a>> {
    let state = live.state();
    let tracked = live.live.is_tracked();
    let state_style = match state {
        SessionState::SupporterConnected | SessionState::EndUserOnline => theme.ok(),
        SessionState::Closed | SessionState::Ended => theme.dim(),
        _ => theme.warn(),
    };
    let mut code_line = vec![
        Span::styled(format!("{:<16}", "Session code"), theme.dim()),
        Span::styled(
            live.code
                .clone()
                .unwrap_or_else(|| "— (not in Intune's link)".into()),
            theme.title(),
        ),
    ];
    if tracked {
        code_line.push(Span::raw("   "));
        code_line.push(Span::styled(
            format!("{} {}", theme.dot(), state.label()),
            state_style,
        ));
    }
    let mut lines = vec![Line::raw(""), Line::from(code_line)];
    for (label, link) in live.links() {
        let mut spans = vec![
            Span::styled(format!("{label:<16}"), theme.dim()),
            Span::styled(link.to_string(), theme.link()),
        ];
        if !crate::domain::text::is_web_link(link) {
            spans.push(Span::styled(
                "  (not a web address: c copies it)",
                theme.warn(),
            ));
        }
        lines.push(Line::from(spans));
    }
    lines.push(Line::from(match live.live.untracked() {
        None => vec![
            Span::styled(format!("{:<16}", "Live state"), theme.dim()),
            Span::raw("followed through TeamViewer"),
        ],
        Some(why) => vec![
            Span::styled(format!("{:<16}", "Live state"), theme.dim()),
            Span::styled(format!("unavailable: {}", why.reason()), theme.warn()),
        ],
    }));
    if !tracked && live.session_url.is_some() {
        lines.push(Line::styled(
            "Open the session link to connect (o opens it, c copies it); the session is followed in the TeamViewer window.",
            theme.dim(),
        ));
    }
    if live.via == Some(StartedVia::TeamViewer) {
        lines.push(Line::styled(
            "No Company Portal prompt on this device: read the code to the person at it.",
            theme.warn(),
        ));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled("Timeline", theme.emphasis()));
    for (state, at) in &live.timeline {
        lines.push(Line::from(vec![
            Span::styled(format!("  {}  ", time_of_day(*at)), theme.dim()),
            Span::styled(format!("{} ", theme.check()), theme.ok()),
            Span::raw(stage_label(*state, live.via)),
        ]));
    }
    if tracked && live.is_open() {
        let next = match state {
            SessionState::Created => "waiting for the end user to accept",
            SessionState::EndUserOnline => "waiting for the supporter to connect",
            SessionState::SupporterConnected => "in progress",
            _ => "open",
        };
        let since = live.since().unwrap_or(model.now);
        lines.push(Line::from(vec![
            Span::styled(format!("  {} ", theme.spinner(model.frame)), theme.warn()),
            Span::styled(format!("{next} · {}", age(since, model.now)), theme.dim()),
        ]));
    }
    if live.closing {
        lines.push(Line::styled("Closing…", theme.warn()));
    }
    if let Some(error) = &live.error {
        lines.push(Line::styled(error.message.clone(), theme.error()));
    }
    lines
}
