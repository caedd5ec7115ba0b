//! The `:` command line.

use super::*;

pub(super) fn run_command(model: &mut Model, text: &str) -> Vec<Effect> {
    match command::parse(text) {
        Err(message) => {
            flash(model, message, true);
            Vec::new()
        }
        Ok(Command::Quit) => {
            model.quit = true;
            vec![Effect::Quit]
        }
        Ok(Command::Help) => {
            model.overlay = Overlay::Help { scroll: 0 };
            Vec::new()
        }
        Ok(Command::Home) => {
            model.stack.reset(Blade::Home(Menu::default()));
            Vec::new()
        }
        Ok(Command::Devices) => {
            go_to_device_list(model);
            Vec::new()
        }
        Ok(Command::Device(name)) => open_device_named(model, name),
        Ok(Command::Sessions) => {
            model.stack.reset(Blade::Home(Menu::on(HomeItem::Sessions)));
            model.stack.push(Blade::Sessions(Cursor::default()));
            Vec::new()
        }
        Ok(Command::Connector) => {
            model.stack.reset(Blade::Home(Menu::default()));
            model
                .stack
                .push(Blade::Devices(Menu::on(DevicesItem::Connector)));
            model.stack.push(Blade::Connector);
            vec![Effect::LoadConnector]
        }
        Ok(Command::Accounts) => {
            // On top of the current blade, so signing in again returns to it.
            if model.stack.top().kind() != BladeKind::Accounts {
                model.stack.push(Blade::Accounts(Menu::default()));
            }
            Vec::new()
        }
        Ok(Command::Audit) => {
            model.stack.reset(Blade::Home(Menu::on(HomeItem::Audit)));
            open_audit(model)
        }
        Ok(Command::Tenant(Some(name))) => super::tenants::switch_to(model, &name),
        Ok(Command::Tenant(None)) => super::tenants::open_tenants(model),
        Ok(Command::History) => {
            model.stack.reset(Blade::Home(Menu::default()));
            model.stack.push(Blade::Sessions(Cursor::default()));
            open_history(model)
        }
        Ok(Command::Logs) => {
            let len = model.logs.len();
            model.stack.push(Blade::Logs(Cursor {
                selected: len.saturating_sub(1),
                offset: len.saturating_sub(list_rows(model.size, BladeKind::Logs)),
            }));
            Vec::new()
        }
    }
}

/// Opens the device `name` names (a name in any case, or an id): from the loaded list when
/// it has it, else by asking Graph; several matches show All devices filtered to them.
pub(super) fn open_device_named(model: &mut Model, name: String) -> Vec<Effect> {
    let needle = name.to_lowercase();
    let exact: Vec<crate::domain::DeviceRef<'_>> = model
        .devices
        .all
        .iter()
        .filter(|d| d.name().to_lowercase() == needle || d.id() == name)
        .collect();
    if exact.is_empty() && !model.devices.complete {
        // The list does not have it (yet): Graph is asked instead of waiting.
        return look_up(model, &name);
    }
    let found: Vec<crate::domain::DeviceRef<'_>> = if exact.is_empty() {
        model
            .devices
            .all
            .iter()
            .filter(|d| d.name().to_lowercase().contains(&needle))
            .take(2)
            .collect()
    } else {
        exact
    };
    match found.as_slice() {
        [device] => {
            let id = device.id().to_owned();
            go_to_device_list(model);
            model.stack.push(Blade::Device { id, more: None });
        }
        [] => flash(
            model,
            format!(
                "No device matches “{}”",
                crate::domain::text::sanitize(&name)
            ),
            true,
        ),
        _ => {
            go_to_device_list(model);
            if let Blade::AllDevices(list) = model.stack.top_mut() {
                list.filter = Input::new(name);
            }
            refresh_device_lists(model);
            flash(model, "Several devices match; showing them all", false);
        }
    }
    Vec::new()
}

/// Opens the Audit blade and reads the trail.
pub(super) fn open_audit(model: &mut Model) -> Vec<Effect> {
    model.stack.push(Blade::Audit(Cursor::default()));
    model.audit.start();
    vec![Effect::LoadAudit]
}

/// Opens the History blade and reads the connection report.
pub(super) fn open_history(model: &mut Model) -> Vec<Effect> {
    model.stack.push(Blade::History(Cursor::default()));
    model.history.start();
    vec![Effect::LoadHistory]
}

/// Shows All devices, keeping an existing list blade (and its filter) if there is one.
pub(super) fn go_to_device_list(model: &mut Model) {
    while model.stack.depth() > 0 {
        if model.stack.top().kind() == BladeKind::AllDevices {
            return;
        }
        model.stack.pop();
    }
    model.stack.reset(Blade::Home(Menu::default()));
    model.stack.push(Blade::Devices(Menu::default()));
    let mut list = DeviceList::default();
    compute_rows(&mut list, &model.devices);
    model.stack.push(Blade::AllDevices(list));
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;

    #[test]
    fn device_by_id_opens_it_and_an_unknown_name_says_so() {
        let mut model = admin(10);
        let device = model.devices.all.get(3).expect("a device").to_device();
        type_text(&mut model, &format!(":device {}", device.id()));
        assert!(press(&mut model, KeyCode::Enter).is_empty());
        assert!(matches!(model.stack.top(), Blade::Device { id, .. } if *id == device.id()));
        type_text(&mut model, ":device NO-SUCH-PC");
        press(&mut model, KeyCode::Enter);
        assert!(model.flash.as_ref().is_some_and(|f| f.error));
    }

    #[test]
    fn audit_opens_the_trail_and_loads_it() {
        let mut model = admin(1);
        type_text(&mut model, ":audit");
        assert_eq!(press(&mut model, KeyCode::Enter), vec![Effect::LoadAudit]);
        assert_eq!(model.stack.top().kind(), BladeKind::Audit);
    }

    #[test]
    fn history_opens_from_the_command_line_and_from_sessions() {
        let mut model = admin(1);
        type_text(&mut model, ":history");
        assert_eq!(press(&mut model, KeyCode::Enter), vec![Effect::LoadHistory]);
        assert_eq!(model.stack.top().kind(), BladeKind::History);
        assert!(model.history.loading);
        // Back lands on Sessions, where `h` opens it again; `r` reads it again.
        press(&mut model, KeyCode::Esc);
        assert_eq!(model.stack.top().kind(), BladeKind::Sessions);
        assert_eq!(
            press(&mut model, KeyCode::Char('h')),
            vec![Effect::LoadHistory]
        );
        assert_eq!(
            press(&mut model, KeyCode::Char('r')),
            vec![Effect::LoadHistory]
        );
    }

    #[test]
    fn enter_on_a_past_session_opens_its_intune_device() {
        use crate::domain::{ConnectionKind, PastSession, Requested};
        let mut model = admin(10);
        let device = model.devices.all.get(2).expect("a device").to_device();
        let past = PastSession {
            status: crate::domain::PastStatus::Connected,
            id: "r1".into(),
            session_code: Some("s111-222-333".into()),
            supporter: "Helpdesk".into(),
            supporter_id: "u1".into(),
            device_name: "the name TeamViewer knows".into(),
            group: String::new(),
            kind: ConnectionKind::RemoteSupport,
            started_at: None,
            ended_at: None,
            duration_secs: None,
            requested: Some(Requested {
                admin: "admin@contoso.com".into(),
                tenant: "contoso.com".into(),
                device_id: device.id().to_owned(),
                device_name: device.name().to_owned(),
                at: model.now,
                ticket: None,
                session_url: None,
            }),
        };
        type_text(&mut model, ":history");
        press(&mut model, KeyCode::Enter);
        send(
            &mut model,
            Msg::HistoryLoaded(Ok(crate::history::History {
                sessions: vec![past],
                ..Default::default()
            })),
        );
        press(&mut model, KeyCode::Enter);
        assert!(matches!(model.stack.top(), Blade::Device { id, .. } if *id == device.id()));
    }
}
