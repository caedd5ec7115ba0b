//! Overlays above the blades: help, confirmations, the command line, token entry, sign-in.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};
use unicode_width::UnicodeWidthStr;

use super::centered;
use super::theme::Theme;
use crate::app::keys::{self, Scope};
use crate::app::model::{Model, Overlay, OverlayKind, Pending};
use crate::app::nav::BladeKind;
use crate::domain::connector::CONNECTOR_TERMS;

/// Renders the open overlay, if any.
pub fn render(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect) {
    match &model.overlay {
        Overlay::None => {}
        Overlay::Help { scroll } => help(model, theme, frame, area, *scroll),
        Overlay::Confirm { pending } => confirm(theme, frame, area, pending),
        Overlay::CommandLine { input, .. } => {
            let row = Rect {
                y: area.bottom().saturating_sub(1),
                height: 1,
                ..area
            };
            let text = format!(":{}", input.value());
            frame.render_widget(Clear, row);
            frame.render_widget(Paragraph::new(Line::styled(text, theme.emphasis())), row);
            let x = row.x + 1 + input.visual_cursor() as u16;
            frame.set_cursor_position(Position::new(x.min(row.right().saturating_sub(1)), row.y));
        }
        Overlay::TeamViewerToken { input } => {
            let masked = "•".repeat(input.value().chars().count());
            let lines = vec![
                Line::raw(
                    "Paste or type a TeamViewer script token (Management Console › profile › Apps).",
                ),
                Line::raw(""),
                Line::from(vec![
                    Span::styled("Token  ", theme.dim()),
                    Span::raw(masked.clone()),
                ]),
                Line::raw(""),
                Line::styled(
                    "It is checked with TeamViewer, then kept in the keyring.",
                    theme.dim(),
                ),
            ];
            let popup = modal(frame, area, "TeamViewer sign-in", lines, 72, 9);
            let x = popup.x + 1 + 7 + masked.width() as u16;
            frame.set_cursor_position(Position::new(
                x.min(popup.right().saturating_sub(2)),
                popup.y + 3,
            ));
        }
        Overlay::DeviceLogin { prompt } => {
            let lines = match prompt {
                None => vec![Line::styled(
                    format!(
                        "{} Asking Microsoft for a sign-in code…",
                        theme.spinner(model.frame)
                    ),
                    theme.dim(),
                )],
                Some(p) => {
                    let left = (p.expires_at - model.now).whole_seconds().max(0);
                    vec![
                        Line::raw("On any device, open"),
                        Line::styled(format!("  {}", p.verification_uri), theme.link()),
                        Line::raw("and enter the code"),
                        Line::styled(format!("  {}", p.user_code), theme.title()),
                        Line::raw(""),
                        Line::styled(
                            format!(
                                "{} waiting · the code expires in {}:{:02}",
                                theme.spinner(model.frame),
                                left / 60,
                                left % 60
                            ),
                            theme.dim(),
                        ),
                    ]
                }
            };
            modal(frame, area, "Sign in to Microsoft", lines, 64, 10);
        }
    }
}

fn modal(
    frame: &mut Frame,
    area: Rect,
    title: &str,
    lines: Vec<Line<'_>>,
    width: u16,
    height: u16,
) -> Rect {
    let popup = centered(area, width, height);
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines)
            .block(Block::bordered().title(format!(" {title} ")))
            .wrap(Wrap { trim: false }),
        popup,
    );
    popup
}

fn confirm(theme: &Theme, frame: &mut Frame, area: Rect, pending: &Pending) {
    let (title, body): (&str, Vec<String>) = match pending {
        Pending::CloseSession { code } => (
            "Close session",
            vec![
                format!("Close session {code}?"),
                "Its code stops working and any connection ends.".into(),
            ],
        ),
        Pending::EnableConnector => (
            "Enable the TeamViewer connector",
            vec![
                CONNECTOR_TERMS.to_string(),
                String::new(),
                "Accept these terms and connect TeamViewer?".into(),
            ],
        ),
        Pending::DisconnectConnector { .. } => (
            "Disconnect the TeamViewer connector",
            vec![
                "Disconnect TeamViewer from Intune?".into(),
                "New sessions fail until it is enabled again.".into(),
            ],
        ),
        Pending::SyncDevice { device_name, .. } => (
            "Sync",
            vec![
                format!("Ask {device_name} to check in with Intune now?"),
                "It syncs when it is next online; the device blade shows when it has.".into(),
            ],
        ),
        Pending::SignOut => (
            "Sign out",
            vec!["Sign out of Microsoft and TeamViewer and remove the stored tokens?".into()],
        ),
    };
    let mut lines: Vec<Line> = body.into_iter().map(Line::raw).collect();
    lines.push(Line::raw(""));
    let mut answers = Vec::new();
    for hint in keys::hints_in(Scope::Overlay(OverlayKind::Confirm)) {
        if !answers.is_empty() {
            answers.push(Span::raw("    "));
        }
        answers.push(Span::styled(theme.label(hint.key).to_string(), theme.key()));
        answers.push(Span::raw(format!(" {}", hint.text)));
    }
    lines.push(Line::from(answers));
    let height = (lines.len() as u16 + 6).min(area.height);
    modal(frame, area, title, lines, 70, height);
}

fn help(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect, scroll: u16) {
    let kind = model.stack.top().kind();
    let mut lines = Vec::new();
    let section = |name: &str, bindings: Vec<&keys::Binding>, lines: &mut Vec<Line>| {
        if bindings.is_empty() {
            return;
        }
        lines.push(Line::styled(name.to_string(), theme.emphasis()));
        for b in bindings {
            let mut names: Vec<String> = Vec::new();
            for (code, mods) in b.keys {
                let name = key_name(code, *mods, theme);
                if !names.contains(&name) {
                    names.push(name);
                }
            }
            let keys_text = names.join(", ");
            let mark = if b.change.asks_first() {
                " (asks first)"
            } else {
                ""
            };
            lines.push(Line::from(vec![
                Span::styled(format!("  {keys_text:<22}"), theme.key()),
                Span::raw(format!("{}{mark}", b.help)),
            ]));
        }
        lines.push(Line::raw(""));
    };
    let all = keys::bindings_for(kind, model.options.read_only);
    section(
        "This blade",
        all.iter()
            .copied()
            .filter(|b| matches!(b.scope, Scope::Blade(_)))
            .collect(),
        &mut lines,
    );
    section(
        "Lists",
        all.iter()
            .copied()
            .filter(|b| b.scope == Scope::Lists)
            .collect(),
        &mut lines,
    );
    section(
        "Everywhere",
        all.iter()
            .copied()
            .filter(|b| b.scope == Scope::Global)
            .collect(),
        &mut lines,
    );
    if kind == BladeKind::AllDevices {
        section(
            "Typing a filter",
            keys::bindings_in(Scope::FilterEditing),
            &mut lines,
        );
    }
    if !model.options.read_only {
        section(
            "When asked to confirm",
            keys::bindings_in(Scope::Overlay(OverlayKind::Confirm)),
            &mut lines,
        );
    }
    lines.push(Line::styled("Commands", theme.emphasis()));
    for (command, opens) in crate::app::command_line::COMMANDS {
        lines.push(Line::from(vec![
            Span::styled(format!("  {command:<22}"), theme.key()),
            Span::raw(*opens),
        ]));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        "Mouse: click a row to select it, click again to open; the wheel scrolls.",
        theme.dim(),
    ));
    if model.options.read_only {
        lines.push(Line::styled(
            "Read-only mode: actions that change anything are hidden.",
            theme.warn(),
        ));
    }
    let popup = centered(area, 84, area.height.saturating_sub(2));
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines)
            .block(Block::bordered().title(" Help "))
            .scroll((scroll, 0)),
        popup,
    );
}

fn key_name(
    code: &crossterm::event::KeyCode,
    mods: crossterm::event::KeyModifiers,
    theme: &Theme,
) -> String {
    use crossterm::event::{KeyCode, KeyModifiers};
    let base = match code {
        KeyCode::Char(c) => c.to_string(),
        KeyCode::Enter => theme.label("⏎").to_string(),
        KeyCode::Esc => "esc".into(),
        KeyCode::Backspace => "backspace".into(),
        KeyCode::Up => "up".into(),
        KeyCode::Down => "down".into(),
        KeyCode::PageUp => "pgup".into(),
        KeyCode::PageDown => "pgdn".into(),
        KeyCode::Home => "home".into(),
        KeyCode::End => "end".into(),
        other => format!("{other:?}").to_lowercase(),
    };
    if mods.contains(KeyModifiers::CONTROL) {
        format!("ctrl-{base}")
    } else {
        base
    }
}
