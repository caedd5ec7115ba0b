//! The frame around the blades: header, breadcrumbs and footer.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use super::format::{count, fit};
use super::theme::Theme;
use crate::app::keys::{self, Hint, KeyAction, Scope};
use crate::app::model::{Health, Model};
use crate::app::nav::{Blade, SessionStage};
use crate::domain::OnboardingStatus;

fn health_span<'a>(
    name: &'a str,
    health: &Health,
    wait: Option<u64>,
    theme: &Theme,
) -> Vec<Span<'a>> {
    let (style, word) = match health {
        Health::Unknown => (theme.dim(), "…".to_string()),
        Health::Ok => (theme.ok(), "ok".to_string()),
        // A long Retry-After is waited out in full: the header counts it down.
        Health::Degraded(_) => match wait {
            Some(seconds) if seconds >= 2 => (theme.warn(), format!("throttled, {seconds} s")),
            _ => (theme.warn(), "throttled".to_string()),
        },
        Health::Unreachable => (theme.error(), "unreachable".to_string()),
        Health::SignedOut => (theme.warn(), "signed out".to_string()),
    };
    vec![
        Span::raw(format!("{name} ")),
        Span::styled(theme.dot(), style),
        Span::styled(format!(" {word}"), style),
    ]
}

/// Tenant, account and the health of each service. The health always shows; the tenant and
/// account are cut to the room left.
pub fn header(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect) {
    let account = match (&model.sign_in.account, model.sign_in.graph_token_given) {
        (Some(a), _) => a.username.clone(),
        (None, true) => "token from the environment".into(),
        (None, false) => "not signed in".into(),
    };
    let width = usize::from(area.width);
    let mut right = health_span(
        "Graph",
        &model.graph_health,
        model.retry_wait(crate::http::Service::Graph),
        theme,
    );
    right.push(Span::raw("   "));
    right.extend(health_span(
        "TeamViewer",
        &model.teamviewer_health,
        model.retry_wait(crate::http::Service::TeamViewer),
        theme,
    ));
    right.push(Span::raw(" "));
    let right_width: usize = right.iter().map(|s| s.content.width()).sum();
    const TITLE: &str = " intune-assist ";
    let mut spans = vec![Span::styled(TITLE, theme.title())];
    // What the left side may use, keeping a space before the health; when both do not fit,
    // the tenant and the account share it.
    let room = width.saturating_sub(right_width + 1 + TITLE.width());
    let tenant = format!(" {}", model.options.tenant_label);
    let account = format!("  {account}");
    let tenant_room = tenant
        .width()
        .min((room / 2).max(room.saturating_sub(account.width())));
    let account_room = room.saturating_sub(tenant_room);
    const USEFUL: usize = 6;
    if tenant_room >= USEFUL {
        spans.push(Span::raw(fit(&tenant, tenant_room, theme.ellipsis())));
    }
    if account_room >= USEFUL {
        spans.push(Span::styled(
            fit(&account, account_room, theme.ellipsis()),
            theme.emphasis(),
        ));
    }
    let used: usize = spans.iter().map(|s| s.content.width()).sum();
    if used + right_width <= width {
        spans.push(Span::raw(" ".repeat(width - used - right_width)));
        spans.extend(right);
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The breadcrumb name of a blade.
pub fn crumb(model: &Model, blade: &Blade) -> String {
    match blade {
        Blade::Home(_) => "Intune".into(),
        Blade::Devices(_) => "Devices".into(),
        Blade::AllDevices(_) => "All devices".into(),
        Blade::Device { id, more } => {
            let name = model
                .devices
                .get(id)
                .map_or_else(|| id.clone(), |d| d.name().to_owned());
            if more.is_some() {
                format!("{name} › More")
            } else {
                name
            }
        }
        Blade::NewSession { .. } => "New Remote Assistance Session".into(),
        Blade::Session { key } => match model.session(key) {
            Some(live) => format!("Session {}", live.label()),
            None => "Session".into(),
        },
        Blade::Connector => "TeamViewer Connector".into(),
        Blade::Sessions(_) => "Sessions".into(),
        Blade::Accounts(_) => "Accounts".into(),
        Blade::Logs(_) => "Logs".into(),
        Blade::Audit(_) => "Audit log".into(),
        Blade::History(_) => "History".into(),
        Blade::Tenants(_) => "Tenants".into(),
    }
}

/// Whether the session named `key` can be closed from here: TeamViewer shows it and it is open.
fn closable(model: &Model, key: &str) -> bool {
    model.session(key).is_some_and(|s| s.poll_code().is_some())
}

/// The blade stack as breadcrumbs, cut from the left when too long.
pub fn crumbs(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect) {
    let names: Vec<String> = model.stack.iter().map(|b| crumb(model, b)).collect();
    let mut text = format!(" {}", names.join(theme.sep()));
    let width = usize::from(area.width);
    if text.width() > width {
        let keep: String = text
            .chars()
            .rev()
            .take(width.saturating_sub(2))
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        text = format!(" …{keep}");
    }
    frame.render_widget(Paragraph::new(Line::styled(text, theme.emphasis())), area);
}

/// Key hints on the left; progress and the last message on the right.
pub fn footer(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect) {
    let mut right: Vec<Span> = Vec::new();
    if let Some(text) = &model.lookup {
        // The search is running: said for as long as it runs, whatever the flash says.
        right.push(Span::styled(
            format!(
                "{} searching the tenant for “{}”",
                theme.spinner(model.frame),
                crate::domain::text::sanitize_bounded(text, 40)
            ),
            theme.dim(),
        ));
    } else if let Some(flash) = &model.flash {
        let style = if flash.error {
            theme.error()
        } else {
            theme.ok()
        };
        right.push(Span::styled(flash.text.clone(), style));
    } else if model.devices.loading {
        let total = model
            .devices
            .total
            .map_or(String::new(), |t| format!(" / ~{}", count(t as usize)));
        right.push(Span::styled(
            format!(
                "{} loading devices {}{total}",
                theme.spinner(model.frame),
                count(model.devices.all.len())
            ),
            theme.dim(),
        ));
    } else if let Some(error) = &model.devices.error {
        right.push(Span::styled(error.message.clone(), theme.error()));
    }
    let right_width: usize = right.iter().map(|s| s.content.width()).sum();
    let room = usize::from(area.width).saturating_sub(right_width + 2);
    let hints = footer_hints(model);
    let mut spans = vec![Span::raw(" ")];
    let mut used = 1usize;
    for hint in hints {
        let (key, help) = (theme.label(hint.key), hint.text);
        let piece = key.width() + help.width() + 3;
        if used + piece > room {
            break;
        }
        spans.push(Span::styled(key.to_string(), theme.key()));
        spans.push(Span::styled(format!(" {help}  "), theme.dim()));
        used += piece;
    }
    let gap = usize::from(area.width).saturating_sub(used + right_width + 1);
    spans.push(Span::raw(" ".repeat(gap)));
    spans.extend(right);
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The keys the footer offers: the open overlay's, the filter's while typing one, or the
/// blade's, without those that cannot be used right now.
fn footer_hints(model: &Model) -> Vec<Hint> {
    use KeyAction as A;
    if let Some(overlay) = model.overlay.kind() {
        return keys::hints_in(Scope::Overlay(overlay));
    }
    if model.lookup.is_some() {
        return keys::hints_in(Scope::Searching);
    }
    let top = model.stack.top();
    if let Blade::AllDevices(list) = top
        && list.editing
    {
        return keys::hints_in(Scope::FilterEditing);
    }
    let usable = |action: KeyAction| -> bool {
        match top {
            Blade::NewSession { stage, .. } => match stage {
                SessionStage::Live { key } => match action {
                    A::Connect => false,
                    A::CloseSession => closable(model, key),
                    _ => true,
                },
                _ => !matches!(action, A::Copy | A::OpenBrowser | A::CloseSession),
            },
            Blade::Session { key } => action != A::CloseSession || closable(model, key),
            Blade::Connector => {
                // Offered only when they can be used: the status must be known.
                let status = model.connector.value.as_ref().map(|c| &c.onboarding_status);
                match action {
                    A::Enable => {
                        crate::app::gates::enable_block(model).is_none()
                            && status.is_some_and(|s| *s != OnboardingStatus::Onboarded)
                    }
                    A::Disconnect => {
                        crate::app::gates::connector_block(model).is_none()
                            && status.is_some_and(|s| *s != OnboardingStatus::NotOnboarded)
                    }
                    _ => true,
                }
            }
            _ => true,
        }
    };
    keys::hints(top.kind(), model.options.read_only)
        .into_iter()
        .filter(|h| usable(h.action))
        .collect()
}
