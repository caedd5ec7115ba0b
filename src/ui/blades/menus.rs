//! The menu blades: Intune (home), Devices and Accounts.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::panel;
use crate::app::Model;
use crate::app::menu::{AccountItem, DevicesItem, HomeItem, MenuItem};
use crate::app::nav::Menu;
use crate::ui::format::count;
use crate::ui::theme::Theme;

fn item<'a>(label: &str, detail: String, selected: bool, theme: &Theme) -> Line<'a> {
    let pointer = if selected { theme.pointer() } else { "  " };
    let style = if selected {
        theme.selected()
    } else {
        theme.emphasis()
    };
    Line::from(vec![
        Span::raw(pointer.to_string()),
        Span::styled(format!("{label:<24}"), style),
        Span::styled(format!("  {detail}"), theme.dim()),
    ])
}

/// The Intune home blade.
pub fn home(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect, menu: &Menu) {
    let devices = if model.devices.complete || !model.devices.all.is_empty() {
        format!("{} managed devices", count(model.devices.all.len()))
    } else {
        "managed devices".into()
    };
    let connector = model.connector.value.as_ref().map_or_else(
        || "status unknown".to_string(),
        |c| c.onboarding_status.label().to_string(),
    );
    let sessions = format!("{} live", model.open_sessions().count());
    let account = model
        .sign_in
        .account
        .as_ref()
        .map_or_else(|| "sign in, sign out".to_string(), |a| a.username.clone());
    let mut lines = vec![Line::raw("")];
    for &entry in HomeItem::ALL {
        let detail = match entry {
            HomeItem::Devices => devices.clone(),
            HomeItem::Connector => connector.clone(),
            HomeItem::Sessions => sessions.clone(),
            HomeItem::Accounts => account.clone(),
            HomeItem::Audit => "changes made from this app".to_string(),
        };
        lines.push(item(
            entry.label(),
            detail,
            menu.item::<HomeItem>() == entry,
            theme,
        ));
    }
    panel(frame, area, "Intune".into(), lines);
}

/// The Devices blade.
pub fn devices(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect, menu: &Menu) {
    let mut lines = vec![Line::raw("")];
    for &entry in DevicesItem::ALL {
        let detail = match entry {
            DevicesItem::AllDevices => format!("{} devices", count(model.devices.all.len())),
            DevicesItem::Connector => "remote assistance partner".to_string(),
        };
        lines.push(item(
            entry.label(),
            detail,
            menu.item::<DevicesItem>() == entry,
            theme,
        ));
    }
    panel(frame, area, "Devices".into(), lines);
}

/// What the TeamViewer sign-in is for.
pub const TEAMVIEWER_ROLE: &str = "Sessions through Intune need Microsoft Graph only; TeamViewer is needed for direct sessions (userless devices) and to follow a session live.";

/// The Accounts blade: who is signed in where, and where tokens are kept.
pub fn accounts(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect, menu: &Menu) {
    let graph = match (&model.sign_in.account, model.sign_in.graph_token_given) {
        (Some(a), _) => format!("signed in as {} ({})", a.username, a.tenant_id),
        (None, true) => "using the token in INTUNE_ASSIST_GRAPH_TOKEN".into(),
        (None, false) if !model.started => "checking…".into(),
        (None, false) => format!(
            "not signed in ({} or l: device code sign-in)",
            theme.label("⏎")
        ),
    };
    let teamviewer = match (&model.teamviewer_account.value, model.sign_in.teamviewer) {
        (Some(a), _) => format!("signed in as {} <{}>", a.name, a.email),
        (None, true) => "signed in".into(),
        (None, false) => format!("not signed in ({} or t: script token)", theme.label("⏎")),
    };
    let mut lines = vec![Line::raw("")];
    for &entry in AccountItem::ALL {
        let detail = match entry {
            AccountItem::Graph => graph.clone(),
            AccountItem::TeamViewer => teamviewer.clone(),
            AccountItem::Tenants => match (&model.options.profile, model.options.profiles.len()) {
                (Some(profile), n) => format!("{profile} ({n} profiles; :tenant NAME switches)"),
                (None, _) => "no tenant profiles configured".into(),
            },
        };
        lines.push(item(
            entry.label(),
            detail,
            menu.item::<AccountItem>() == entry,
            theme,
        ));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(TEAMVIEWER_ROLE, theme.dim()));
    lines.push(Line::styled(
        format!("Tokens are kept in {}.", model.sign_in.store),
        theme.dim(),
    ));
    if let Some(warning) = &model.sign_in.store_warning {
        lines.push(Line::styled(format!("warning: {warning}"), theme.warn()));
    }
    if let Some(caps) = model.capabilities.value {
        lines.push(Line::raw(""));
        lines.push(Line::styled("Your Intune permissions", theme.emphasis()));
        for (held, name) in [
            (caps.read_connector, "Read Remote Assistance"),
            (caps.update_connector, "Update Remote Assistance"),
            (caps.request_assistance, "Request Remote Assistance"),
        ] {
            let (mark, style) = if held {
                (theme.check(), theme.ok())
            } else {
                (theme.cross(), theme.error())
            };
            lines.push(Line::from(vec![
                Span::styled(format!("  {mark} "), style),
                Span::raw(name),
            ]));
        }
    }
    panel(frame, area, "Accounts".into(), lines);
}
