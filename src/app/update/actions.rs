//! What the key registry's actions do: moving, opening, going back, refreshing, copying and
//! opening links, and the changes that are confirmed first.

use super::*;

/// What a confirmed pending action does.
pub(super) fn confirmed(model: &mut Model, pending: Pending) -> Vec<Effect> {
    match pending {
        Pending::CloseSession { code } => {
            let mut device = (String::new(), String::new());
            let mut tenant = None;
            if let Some(live) = model.session_with_code_mut(&code) {
                live.closing = true;
                device = (
                    live.device_id.clone().unwrap_or_default(),
                    live.device_name.clone(),
                );
                tenant = live.tenant.clone();
            }
            vec![Effect::CloseSession {
                code,
                tenant,
                device_id: device.0,
                device_name: device.1,
            }]
        }
        Pending::EnableConnector => {
            let partner_id = model.connector.value.as_ref().and_then(|c| c.id.clone());
            model.connector.start();
            vec![Effect::EnableConnector { partner_id }]
        }
        Pending::DisconnectConnector { partner_id } => {
            model.connector.start();
            vec![Effect::DisconnectConnector { partner_id }]
        }
        Pending::SignOut => vec![Effect::SignOut],
        Pending::SyncDevice { device_id, .. } => super::sync::sync(model, &device_id),
    }
}

pub(super) fn perform(model: &mut Model, action: KeyAction) -> Vec<Effect> {
    let page = list_rows(model.size, model.stack.top().kind()) as isize;
    match action {
        KeyAction::Up => move_selection(model, -1, None),
        KeyAction::Down => move_selection(model, 1, None),
        KeyAction::PageUp => move_selection(model, -page, None),
        KeyAction::PageDown => move_selection(model, page, None),
        KeyAction::Top => move_selection(model, 0, Some(false)),
        KeyAction::Bottom => move_selection(model, 0, Some(true)),
        KeyAction::Help => model.overlay = Overlay::Help { scroll: 0 },
        KeyAction::CommandLine => {
            model.overlay = Overlay::CommandLine {
                input: Input::default(),
                history_index: None,
            }
        }
        KeyAction::ForceQuit => {
            model.quit = true;
            return vec![Effect::Quit];
        }
        KeyAction::Quit if model.stack.depth() == 0 => {
            model.quit = true;
            return vec![Effect::Quit];
        }
        KeyAction::Quit | KeyAction::Back => back(model),
        KeyAction::Open | KeyAction::More | KeyAction::Connect => return open(model, action),
        KeyAction::Filter => {
            if let Blade::AllDevices(list) = model.stack.top_mut() {
                list.editing = true;
            }
        }
        KeyAction::SortNext | KeyAction::SortReverse | KeyAction::OsNext => {
            if let Blade::AllDevices(list) = model.stack.top_mut() {
                match action {
                    KeyAction::SortNext => {
                        list.sort = Some(match list.sort {
                            None => (Column::Name, false),
                            Some((column, _)) => (column.next(), false),
                        })
                    }
                    KeyAction::SortReverse => {
                        list.sort = list
                            .sort
                            .map(|(c, desc)| (c, !desc))
                            .or(Some((Column::Name, true)))
                    }
                    _ => list.os = list.os.next(),
                }
                list.cursor = Cursor::default();
            }
            refresh_device_lists(model);
        }
        KeyAction::Refresh => return refresh(model),
        KeyAction::Copy | KeyAction::OpenBrowser => return link_action(model, action),
        KeyAction::History => return super::command_line::open_history(model),
        KeyAction::Ticket => super::ticket::start_editing(model, None),
        KeyAction::Export => return super::data::export_history(model),
        KeyAction::CloseSession => {
            let key = match model.stack.top() {
                Blade::Session { key }
                | Blade::NewSession {
                    stage: SessionStage::Live { key },
                    ..
                } => Some(key.clone()),
                Blade::Sessions(cursor) => {
                    model.sessions.get(cursor.selected).map(|s| s.key.clone())
                }
                _ => None,
            };
            let Some(live) = key.and_then(|k| model.session(&k)) else {
                return Vec::new();
            };
            match (&live.session, live.live.untracked()) {
                (Some(session), None) if session.open => {
                    let code = session.code.clone();
                    return ask_or_go(model, action, Pending::CloseSession { code });
                }
                (Some(session), None) => {
                    let text = format!("Session {} is already closed", session.code);
                    flash(model, text, false)
                }
                (_, why) => {
                    let why = why.map_or_else(String::new, |w| format!(" ({})", w.reason()));
                    flash(
                        model,
                        format!("This session can be ended only in the TeamViewer window{why}"),
                        true,
                    )
                }
            }
        }
        KeyAction::Enable => match enable_block(model) {
            Some(reason) => flash(model, reason, true),
            None if model
                .connector
                .value
                .as_ref()
                .is_some_and(|c| c.is_onboarded()) =>
            {
                flash(
                    model,
                    "The TeamViewer connector is already onboarded",
                    false,
                )
            }
            None => return ask_or_go(model, action, Pending::EnableConnector),
        },
        KeyAction::Disconnect => match (
            connector_block(model),
            model.connector.value.as_ref().and_then(|c| c.id.clone()),
        ) {
            (Some(reason), _) => flash(model, reason, true),
            (None, None) => flash(
                model,
                "There is no TeamViewer connector to disconnect",
                true,
            ),
            (None, Some(partner_id)) => {
                return ask_or_go(model, action, Pending::DisconnectConnector { partner_id });
            }
        },
        KeyAction::SignIn => return sign_in(model),
        KeyAction::TeamViewerToken => {
            model.overlay = Overlay::TeamViewerToken {
                input: Input::default(),
            }
        }
        KeyAction::SignOut => return ask_or_go(model, action, Pending::SignOut),
        // Answers in dialogs and while typing; nothing on a blade.
        KeyAction::Accept | KeyAction::Cancel => {}
    }
    Vec::new()
}

/// Runs `pending`, or first asks when the key registry says `action` asks first.
fn ask_or_go(model: &mut Model, action: KeyAction, pending: Pending) -> Vec<Effect> {
    if keys::asks_first(action) {
        model.overlay = Overlay::Confirm { pending };
        Vec::new()
    } else {
        confirmed(model, pending)
    }
}

pub(super) fn back(model: &mut Model) {
    match model.stack.top_mut() {
        Blade::Device { more, .. } if more.is_some() => *more = None,
        Blade::AllDevices(list) if !list.filter.value().is_empty() => {
            list.filter.reset();
            refresh_device_lists(model);
        }
        _ => {
            model.stack.pop();
        }
    }
}

pub(super) fn open(model: &mut Model, action: KeyAction) -> Vec<Effect> {
    let top = model.stack.top().clone();
    match top {
        Blade::Home(menu) => match menu.item() {
            HomeItem::Devices => model.stack.push(Blade::Devices(Menu::default())),
            HomeItem::Connector => {
                model.stack.push(Blade::Connector);
                return vec![Effect::LoadConnector];
            }
            HomeItem::Sessions => model.stack.push(Blade::Sessions(Cursor::default())),
            HomeItem::Accounts => model.stack.push(Blade::Accounts(Menu::default())),
            HomeItem::Audit => return open_audit(model),
        },
        Blade::Devices(menu) => match menu.item() {
            DevicesItem::AllDevices => {
                let mut list = DeviceList::default();
                compute_rows(&mut list, &model.devices);
                model.stack.push(Blade::AllDevices(list));
            }
            DevicesItem::Connector => {
                model.stack.push(Blade::Connector);
                return vec![Effect::LoadConnector];
            }
        },
        Blade::AllDevices(list) => {
            if let Some(device) = list
                .rows
                .get(list.cursor.selected)
                .and_then(|i| model.devices.all.get(*i as usize))
            {
                let id = device.id().to_owned();
                model.stack.push(Blade::Device { id, more: None });
            }
        }
        Blade::Device { id, more: None } => {
            if let Blade::Device { more, .. } = model.stack.top_mut() {
                *more = Some(Menu::default());
            }
            let _ = id;
        }
        Blade::Device {
            id,
            more: Some(menu),
        } => {
            if let Blade::Device { more, .. } = model.stack.top_mut() {
                *more = None;
            }
            match MoreItem::shown_at(model.options.read_only, menu.selected) {
                MoreItem::NewSession => {
                    if let Some(reason) =
                        model.devices.get(&id).and_then(|d| session_block(model, d))
                    {
                        flash(
                            model,
                            format!("New Remote Assistance Session is unavailable: {reason}"),
                            true,
                        );
                    } else {
                        let ticket = if model.options.ticket_required {
                            TicketLine::editing()
                        } else {
                            TicketLine::default()
                        };
                        model.stack.push(Blade::NewSession {
                            device_id: id,
                            stage: SessionStage::Review,
                            ticket,
                        });
                    }
                }
                MoreItem::Sync => return super::sync::ask_to_sync(model, &id),
                MoreItem::CopyId => {
                    flash(model, "Device id copied", false);
                    return vec![Effect::Copy(id)];
                }
                MoreItem::Refresh => return refresh(model),
            }
        }
        Blade::NewSession {
            device_id,
            stage: SessionStage::Review | SessionStage::Failed { .. },
            ticket,
        } if action == KeyAction::Connect => {
            match model
                .devices
                .get(&device_id)
                .and_then(|d| session_block(model, d))
            {
                Some(reason) => flash(model, reason, true),
                None => match Ticket::parse(ticket.input.value(), model.options.ticket_required) {
                    Ok(ticket) => return request_session(model, &device_id, ticket),
                    Err(why) => {
                        let text = why.to_string();
                        super::ticket::start_editing(model, Some(text.clone()));
                        flash(model, text, true);
                    }
                },
            }
        }
        Blade::Sessions(cursor) => {
            let now = model.now;
            if let Some(live) = model.sessions.get_mut(cursor.selected) {
                live.poll.next_at = now;
                let key = live.key.clone();
                model.stack.push(Blade::Session { key });
            }
        }
        Blade::Accounts(menu) => match menu.item() {
            AccountItem::Graph => return sign_in(model),
            AccountItem::TeamViewer => {
                model.overlay = Overlay::TeamViewerToken {
                    input: Input::default(),
                };
            }
            AccountItem::Tenants => return super::tenants::open_tenants(model),
        },
        Blade::History(cursor) => {
            // The Intune device a past session was for: by id when this machine requested
            // it, else by the name TeamViewer recorded.
            let wanted = model
                .history
                .value
                .as_ref()
                .and_then(|h| h.sessions.get(cursor.selected))
                .map(|s| match &s.requested {
                    Some(requested) if !requested.device_id.is_empty() => {
                        requested.device_id.clone()
                    }
                    _ => s.device().to_string(),
                })
                .filter(|name| !name.is_empty());
            if let Some(name) = wanted {
                return super::command_line::open_device_named(model, name);
            }
        }
        Blade::Tenants(cursor) => {
            if let Some(name) = model.options.profiles.get(cursor.selected).cloned() {
                return super::tenants::switch_to(model, &name);
            }
        }
        _ => {}
    }
    Vec::new()
}

pub(super) fn refresh(model: &mut Model) -> Vec<Effect> {
    if model.stack.top().kind() == BladeKind::Audit {
        model.audit.start();
        return vec![Effect::LoadAudit];
    }
    if model.stack.top().kind() == BladeKind::Tenants {
        model.tenants.start();
        return vec![Effect::LoadTenants];
    }
    if model.stack.top().kind() == BladeKind::History {
        model.history.start();
        return vec![Effect::LoadHistory];
    }
    if !model.sign_in.graph_ready() {
        return Vec::new();
    }
    match model.stack.top() {
        Blade::Connector => {
            model.connector.start();
            vec![Effect::LoadConnector]
        }
        Blade::Sessions(_) | Blade::Session { .. } => {
            for live in model.sessions.iter_mut() {
                live.poll.next_at = model.now;
            }
            vec![Effect::LoadSessions]
        }
        _ => {
            flash(model, "Refreshing…", false);
            let mut effects = load_everything(model);
            effects.retain(|e| !matches!(e, Effect::LoadTeamViewerAccount));
            effects
        }
    }
}

pub(super) fn link_action(model: &mut Model, action: KeyAction) -> Vec<Effect> {
    let url = match model.stack.top() {
        Blade::Connector => model
            .connector
            .value
            .as_ref()
            .and_then(|c| c.onboarding_url.clone()),
        Blade::Session { key }
        | Blade::NewSession {
            stage: SessionStage::Live { key },
            ..
        } => model
            .session(key)
            .and_then(|s| s.link().map(str::to_string)),
        _ => None,
    };
    let Some(url) = url else {
        flash(model, "There is no link to use yet", true);
        return Vec::new();
    };
    if action == KeyAction::Copy {
        flash(model, "Link copied to the clipboard", false);
        vec![Effect::Copy(url)]
    } else if !crate::domain::text::is_web_link(&url) {
        flash(
            model,
            "This link is not a web address, so it is not opened: press c to copy it",
            true,
        );
        Vec::new()
    } else if model.options.has_display {
        vec![Effect::OpenUrl(url)]
    } else {
        flash(
            model,
            "No local display to open a browser on: press c to copy the link",
            true,
        );
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;

    #[test]
    fn r_on_the_connector_blade_loads_the_connector() {
        let mut model = admin(5);
        type_text(&mut model, ":connector");
        assert_eq!(
            press(&mut model, KeyCode::Enter),
            vec![Effect::LoadConnector]
        );
        send(
            &mut model,
            Msg::Connector(Ok(connector(OnboardingStatus::Onboarded))),
        );
        assert_eq!(
            press(&mut model, KeyCode::Char('r')),
            vec![Effect::LoadConnector]
        );
        assert!(model.connector.loading);
    }

    #[test]
    fn a_change_that_asks_first_waits_for_the_answer() {
        let mut model = admin(5);
        type_text(&mut model, ":connector");
        press(&mut model, KeyCode::Enter);
        assert!(
            press(&mut model, KeyCode::Char('d')).is_empty(),
            "asks first"
        );
        assert!(matches!(
            model.overlay,
            Overlay::Confirm {
                pending: Pending::DisconnectConnector { .. }
            }
        ));
    }

    #[test]
    fn enabling_an_onboarded_connector_says_so_and_does_nothing() {
        let mut model = admin(5);
        type_text(&mut model, ":connector");
        press(&mut model, KeyCode::Enter);
        assert!(press(&mut model, KeyCode::Char('e')).is_empty());
        assert!(matches!(model.overlay, Overlay::None));
        assert!(
            model
                .flash
                .as_ref()
                .is_some_and(|f| f.text.contains("already onboarded"))
        );
    }

    #[test]
    fn connect_requests_the_session_without_a_second_question() {
        let mut model = admin(20);
        live_session(&mut model, "s123-456-789");
        assert!(matches!(model.overlay, Overlay::None));
        assert!(matches!(
            model.stack.top(),
            Blade::NewSession {
                stage: SessionStage::Live { .. },
                ..
            }
        ));
    }
}
