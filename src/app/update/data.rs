//! Loaded data arriving: sign-in state at start-up, device pages, the connector, the
//! permissions, the TeamViewer account and the audit trail.

use super::*;

pub(super) fn on_loaded(model: &mut Model, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Started(state) => {
            model.started = true;
            model.sign_in = state;
            if let Some(warning) = model.sign_in.store_warning.clone() {
                log(model, format!("warning: {warning}"));
            }
            if model.sign_in.graph_ready() {
                load_everything(model)
            } else {
                model.graph_health = Health::SignedOut;
                model.stack.reset(Blade::Accounts(Menu::default()));
                flash(model, "Sign in to Microsoft to begin: press l", false);
                Vec::new()
            }
        }
        Msg::DevicesPage {
            generation,
            devices,
            total,
            done,
        } => {
            if generation != model.devices.generation {
                return Vec::new();
            }
            if model.devices.received != generation {
                if model.devices.cached_at.is_some() && !model.devices.refreshing() {
                    // A cached list stays on screen and is refreshed in place.
                    model.devices.begin_refresh();
                } else {
                    // The first page of a new load replaces the old list.
                    model.devices.clear();
                }
                model.devices.received = generation;
                model.devices.complete = false;
            }
            model.devices.loading = !done;
            model.devices.complete = done;
            model.devices.total = total.or(model.devices.total);
            model.devices.error = None;
            model.devices.extend(devices);
            if done && model.devices.refreshing() {
                let selected = selected_devices(model);
                model.devices.finish_refresh();
                refresh_device_lists(model);
                reselect(model, &selected);
            }
            if done {
                log(model, format!("loaded {} devices", model.devices.all.len()));
            }
            refresh_device_lists(model);
            Vec::new()
        }
        Msg::InventoryLoaded(cached) => {
            if model.devices.all.is_empty() && !model.devices.loading {
                let count = cached.devices.len();
                model.devices.load_cached(cached.devices, cached.written);
                log(
                    model,
                    format!("showing {count} devices from the inventory cache"),
                );
                refresh_device_lists(model);
            }
            Vec::new()
        }
        Msg::DevicesFailed { generation, error } => {
            if generation == model.devices.generation {
                model.devices.loading = false;
                note_error(model, Service::Graph, &error);
                model.devices.error = Some(error);
            }
            Vec::new()
        }
        Msg::Connector(result) => {
            if let Err(e) = &result {
                note_error(model, Service::Graph, e);
            }
            model.connector.finish(result);
            Vec::new()
        }
        Msg::ConnectorChanged(result) => {
            match &result {
                Ok(c) => {
                    let text = format!(
                        "The TeamViewer connector is {}",
                        c.onboarding_status.label()
                    );
                    flash(model, text, false);
                }
                Err(e) => flash(model, e.message.clone(), true),
            }
            model.connector.finish(result);
            Vec::new()
        }
        Msg::Capabilities(result) => {
            if let Err(e) = &result {
                note_error(model, Service::Graph, e);
            }
            model.capabilities.finish(result);
            Vec::new()
        }
        Msg::TeamViewerAccount(result) => {
            match &result {
                Ok(_) => service_answered(model, Service::TeamViewer),
                Err(e) => note_error(model, Service::TeamViewer, e),
            }
            model.teamviewer_account.finish(result);
            Vec::new()
        }
        Msg::Audited => {
            if model.stack.top().kind() == BladeKind::Audit {
                model.audit.start();
                return vec![Effect::LoadAudit];
            }
            Vec::new()
        }
        Msg::AuditLoaded(result) => {
            if let Err(e) = &result {
                log(model, format!("error: {}", e.message));
            }
            model.audit.finish(result);
            Vec::new()
        }
        Msg::HistoryLoaded(result) => {
            if let Err(e) = &result {
                log(model, format!("error: {}", e.message));
            }
            model.history.finish(result);
            Vec::new()
        }
        _ => Vec::new(),
    }
}

/// The History blade's `e`: the sessions shown, as CSV, to a new file.
pub(super) fn export_history(model: &mut Model) -> Vec<Effect> {
    let Some(history) = model.history.value.as_ref() else {
        flash(model, "The history has not been read yet", true);
        return Vec::new();
    };
    match crate::history::csv::to_csv(&history.sessions) {
        Ok(csv) => vec![Effect::ExportHistory {
            dir: model.options.export_dir.clone(),
            file_name: crate::history::csv::file_name(model.now),
            csv,
        }],
        Err(why) => {
            flash(model, why, true);
            Vec::new()
        }
    }
}

pub(super) fn load_everything(model: &mut Model) -> Vec<Effect> {
    model.capabilities.start();
    model.connector.start();
    let mut effects = vec![
        Effect::LoadCapabilities,
        Effect::LoadConnector,
        load_devices(model),
    ];
    if model.sign_in.teamviewer {
        effects.push(Effect::LoadTeamViewerAccount);
        effects.push(Effect::LoadSessions);
    }
    effects
}

pub(super) fn load_devices(model: &mut Model) -> Effect {
    model.devices.generation += 1;
    model.devices.loading = true;
    model.devices.complete = false;
    model.devices.error = None;
    Effect::LoadDevices {
        generation: model.devices.generation,
    }
}

/// Re-filters and re-sorts every device list blade after the devices or a filter changed.
pub fn refresh_device_lists(model: &mut Model) {
    let height = list_rows(model.size, BladeKind::AllDevices);
    let devices = &model.devices;
    for blade in model.stack.iter_mut() {
        if let Blade::AllDevices(list) = blade {
            refresh_rows(list, devices, height);
        }
    }
}

/// The device selected in each All devices blade, by id.
fn selected_devices(model: &Model) -> Vec<Option<String>> {
    model
        .stack
        .iter()
        .filter_map(|blade| match blade {
            Blade::AllDevices(list) => Some(
                list.rows
                    .get(list.cursor.selected)
                    .and_then(|i| model.devices.all.get(*i as usize))
                    .map(|d| d.id().to_owned()),
            ),
            _ => None,
        })
        .collect()
}

/// Selects the same devices again after the list changed under them.
fn reselect(model: &mut Model, selected: &[Option<String>]) {
    let size = model.size;
    let devices = &model.devices;
    let lists = model.stack.iter_mut().filter_map(|blade| match blade {
        Blade::AllDevices(list) => Some(list),
        _ => None,
    });
    for (list, id) in lists.zip(selected) {
        let Some(id) = id else { continue };
        if let Some(pos) = place_of(list, devices, |i| {
            devices.all.get(i as usize).is_some_and(|d| d.id() == *id)
        }) {
            list.cursor.selected = pos;
            list.cursor
                .scroll_into_view(list.rows.len(), list_rows(size, BladeKind::AllDevices));
        }
    }
}

pub(super) fn rescroll(model: &mut Model) {
    let size = model.size;
    let logs = model.logs.len();
    let sessions = model.sessions.len();
    for blade in model.stack.iter_mut() {
        let kind = blade.kind();
        match blade {
            Blade::AllDevices(list) => list
                .cursor
                .scroll_into_view(list.rows.len(), list_rows(size, kind)),
            Blade::Sessions(cursor) => cursor.scroll_into_view(sessions, list_rows(size, kind)),
            Blade::Logs(cursor) => cursor.scroll_into_view(logs, list_rows(size, kind)),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;

    #[test]
    fn a_stale_device_page_changes_nothing() {
        let mut model = admin(10);
        let before = model.devices.all.len();
        let stale = model.devices.generation.wrapping_sub(1);
        let effects = send(
            &mut model,
            Msg::DevicesPage {
                generation: stale,
                devices: devices(3).into(),
                total: Some(3),
                done: true,
            },
        );
        assert!(effects.is_empty());
        assert_eq!(model.devices.all.len(), before);
    }

    #[test]
    fn refreshing_loads_a_new_generation_that_replaces_the_list() {
        let mut model = admin(10);
        let effects = press(&mut model, KeyCode::Char('r'));
        let generation = effects
            .iter()
            .find_map(|e| match e {
                Effect::LoadDevices { generation, .. } => Some(*generation),
                _ => None,
            })
            .unwrap_or_else(|| panic!("r reloads the devices: {effects:?}"));
        assert!(effects.contains(&Effect::LoadConnector));
        send(
            &mut model,
            Msg::DevicesPage {
                generation,
                devices: devices(3).into(),
                total: Some(3),
                done: true,
            },
        );
        assert_eq!(model.devices.all.len(), 3);
    }

    #[test]
    fn a_refresh_replaces_the_cached_list_in_place_and_drops_what_is_gone() {
        let all = devices(30);
        let mut model = admin(0);
        model.devices.clear();
        send(
            &mut model,
            Msg::InventoryLoaded(Box::new(crate::inventory::Cached {
                devices: all[..20].iter().cloned().collect(),
                written: T0 - time::Duration::minutes(12),
            })),
        );
        assert_eq!(model.devices.all.len(), 20);
        assert!(model.devices.cached_at.is_some());
        type_text(&mut model, ":devices");
        press(&mut model, KeyCode::Enter);
        press(&mut model, KeyCode::Char('G'));
        let selected_id = |model: &Model| {
            let Blade::AllDevices(list) = model.stack.top() else {
                panic!("All devices");
            };
            model
                .devices
                .all
                .get(list.rows[list.cursor.selected] as usize)
                .expect("a device")
                .id()
                .to_owned()
        };
        let last = selected_id(&model);
        // The tenant now: the first five cached devices are gone, ten are new.
        let generation = model.devices.generation + 1;
        model.devices.generation = generation;
        for (chunk, done) in [(&all[5..15], false), (&all[15..30], true)] {
            send(
                &mut model,
                Msg::DevicesPage {
                    generation,
                    devices: chunk.to_vec().into(),
                    total: Some(25),
                    done,
                },
            );
            if !done {
                assert_eq!(
                    model.devices.all.len(),
                    20,
                    "still the cached list, refreshed"
                );
            }
        }
        let ids: Vec<String> = model
            .devices
            .all
            .iter()
            .map(|d| d.id().to_owned())
            .collect();
        let expected: Vec<&str> = all[5..30].iter().map(|d| d.id()).collect();
        assert_eq!(ids, expected);
        assert!(model.devices.cached_at.is_none());
        assert_eq!(
            selected_id(&model),
            last,
            "the selection stays on its device"
        );
    }
}
