//! Finding devices in the tenant before the list has them: `:device` lookups, and the search
//! behind a filter typed while the list loads. Graph's answers join the list marked as found,
//! until the listing confirms them.

use super::*;
use crate::graph::lookup::Lookup;

/// How long typing must pause before the tenant is searched.
pub(super) const SEARCH_PAUSE: Duration = Duration::from_millis(300);
/// The shortest filter worth a tenant search.
const SEARCH_MIN_CHARS: usize = 2;

/// `:device TEXT` when the loaded list has no exact match and is not complete: asks Graph.
pub(super) fn look_up(model: &mut Model, text: &str) -> Vec<Effect> {
    // The footer says the search is running, for as long as it runs.
    model.lookup = Some(text.to_string());
    model.flash = None;
    vec![Effect::FindDevice {
        text: text.to_string(),
    }]
}

/// The filter of All devices changed: search the tenant once typing pauses, while the list
/// is still loading (a complete list answers by itself).
pub(super) fn filter_changed(model: &mut Model) {
    let text = match model.stack.top() {
        Blade::AllDevices(list) => list.filter.value().trim().to_string(),
        _ => return,
    };
    let search = &mut model.tenant_search;
    let wanted = !model.devices.complete
        && text.chars().count() >= SEARCH_MIN_CHARS
        && !text.starts_with('~');
    if !wanted {
        search.due = None;
        search.text.clear();
        return;
    }
    if text != search.text {
        search.text = text;
        search.due = Some(model.now + SEARCH_PAUSE);
    }
}

/// The search to send now that typing has paused, if one is due.
pub(super) fn due_search(model: &mut Model, now: OffsetDateTime) -> Option<Effect> {
    let search = &mut model.tenant_search;
    if search.due.is_none_or(|due| due > now) {
        return None;
    }
    search.due = None;
    search.seq += 1;
    search.in_flight = true;
    Some(Effect::SearchTenant {
        seq: search.seq,
        text: search.text.clone(),
    })
}

pub(super) fn on_found(model: &mut Model, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::DeviceLookedUp { text, result } => {
            if model.lookup.as_deref() != Some(text.as_str()) {
                return Vec::new();
            }
            model.lookup = None;
            match result {
                Err(error) => {
                    let message = format!("Cannot search the tenant: {}", error.message);
                    note_error(model, Service::Graph, &error);
                    flash(model, message, true);
                }
                Ok(found) => {
                    service_answered(model, Service::Graph);
                    model.devices.add_found(found.all());
                    refresh_device_lists(model);
                    match found.best() {
                        Lookup::One(device) => {
                            model.flash = None;
                            go_to_device_list(model);
                            model.stack.push(Blade::Device {
                                id: device.id().to_owned(),
                                more: None,
                            });
                        }
                        Lookup::Several(devices) => {
                            show_matches(model, &text);
                            flash(
                                model,
                                format!("{} devices match; pick one", devices.len()),
                                false,
                            );
                        }
                        Lookup::None => flash(
                            model,
                            format!(
                                "No device in the tenant matches “{}”",
                                crate::domain::text::sanitize(&text)
                            ),
                            true,
                        ),
                    }
                }
            }
            Vec::new()
        }
        Msg::TenantSearched { seq, result } => {
            if seq != model.tenant_search.seq {
                return Vec::new();
            }
            model.tenant_search.in_flight = false;
            match result {
                Ok(devices) => {
                    service_answered(model, Service::Graph);
                    model.devices.add_found(devices);
                    refresh_device_lists(model);
                }
                Err(error) => log(
                    model,
                    format!("error: searching the tenant failed: {}", error.message),
                ),
            }
            Vec::new()
        }
        _ => Vec::new(),
    }
}

/// All devices filtered by `text`, which shows the matches Graph found.
fn show_matches(model: &mut Model, text: &str) {
    go_to_device_list(model);
    if let Blade::AllDevices(list) = model.stack.top_mut() {
        list.filter = Input::new(text.to_string());
        list.cursor = Cursor::default();
    }
    refresh_device_lists(model);
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;
    use crate::domain::Device;
    use crate::graph::lookup::DeviceMatches;

    /// An admin whose list has `loaded` of `total` devices so far.
    fn loading(loaded: usize, total: usize) -> (Model, Vec<Device>) {
        let all = devices(total);
        let mut model = admin(0);
        let generation = model.devices.generation + 1;
        model.devices.generation = generation;
        send(
            &mut model,
            Msg::DevicesPage {
                generation,
                devices: all[..loaded].to_vec().into(),
                total: Some(total as u64),
                done: false,
            },
        );
        (model, all)
    }

    #[test]
    fn device_not_loaded_yet_is_asked_of_graph_and_opened() {
        let (mut model, all) = loading(10, 40);
        let wanted = all[30].clone();
        type_text(&mut model, &format!(":device {}", wanted.name()));
        assert_eq!(
            press(&mut model, KeyCode::Enter),
            vec![Effect::FindDevice {
                text: wanted.name().to_owned()
            }]
        );
        assert_eq!(model.lookup.as_deref(), Some(wanted.name()));
        let found = DeviceMatches {
            by_name: vec![wanted.clone()],
            ..DeviceMatches::default()
        };
        send(
            &mut model,
            Msg::DeviceLookedUp {
                text: wanted.name().to_owned(),
                result: Ok(Box::new(found)),
            },
        );
        assert!(matches!(model.stack.top(), Blade::Device { id, .. } if *id == wanted.id()));
        assert_eq!(model.devices.unconfirmed_count(), 1);
        // The listing brings it: confirmed in place, not listed twice.
        let generation = model.devices.generation;
        send(
            &mut model,
            Msg::DevicesPage {
                generation,
                devices: all[10..].to_vec().into(),
                total: Some(40),
                done: true,
            },
        );
        assert_eq!(model.devices.unconfirmed_count(), 0);
        assert_eq!(model.devices.all.len(), 40);
    }

    #[test]
    fn keys_typed_ahead_while_searching_never_act_on_the_blade_underneath() {
        let (mut model, all) = loading(10, 40);
        let wanted = all[30].clone();
        let start = format!("{:?}", model.stack);
        type_text(&mut model, &format!(":device {}", wanted.name()));
        press(&mut model, KeyCode::Enter);
        // `m ⏎ ⏎` typed ahead, as if the device were already open.
        for code in [
            KeyCode::Char('m'),
            KeyCode::Enter,
            KeyCode::Enter,
            KeyCode::Down,
        ] {
            assert!(press(&mut model, code).is_empty(), "{code:?} did something");
        }
        assert_eq!(
            format!("{:?}", model.stack),
            start,
            "the blade underneath is untouched"
        );
        assert_eq!(
            model.lookup.as_deref(),
            Some(wanted.name()),
            "still searching"
        );
        // `?` still helps.
        press(&mut model, KeyCode::Char('?'));
        assert!(matches!(model.overlay, Overlay::Help { .. }));
        press(&mut model, KeyCode::Esc);
        assert!(matches!(model.overlay, Overlay::None));
        assert!(
            model.lookup.is_some(),
            "closing help does not stop the search"
        );
        send(
            &mut model,
            Msg::DeviceLookedUp {
                text: wanted.name().to_owned(),
                result: Ok(Box::new(DeviceMatches {
                    by_name: vec![wanted.clone()],
                    ..DeviceMatches::default()
                })),
            },
        );
        assert!(
            matches!(model.stack.top(), Blade::Device { id, more: None } if *id == wanted.id()),
            "the device opens as found, its More menu closed: {:?}",
            model.stack.top()
        );
    }

    #[test]
    fn esc_stops_the_search_and_its_late_answer_is_ignored() {
        let (mut model, all) = loading(10, 40);
        let wanted = all[30].clone();
        let start = format!("{:?}", model.stack);
        type_text(&mut model, &format!(":device {}", wanted.name()));
        press(&mut model, KeyCode::Enter);
        press(&mut model, KeyCode::Esc);
        assert!(model.lookup.is_none());
        assert_eq!(
            format!("{:?}", model.stack),
            start,
            "Esc stops the search, nothing more"
        );
        send(
            &mut model,
            Msg::DeviceLookedUp {
                text: wanted.name().to_owned(),
                result: Ok(Box::new(DeviceMatches {
                    by_name: vec![wanted],
                    ..DeviceMatches::default()
                })),
            },
        );
        assert_eq!(
            format!("{:?}", model.stack),
            start,
            "a stopped search opens nothing"
        );
    }

    #[test]
    fn several_matches_open_the_list_filtered_and_none_says_so_after_the_answer() {
        let (mut model, all) = loading(5, 40);
        type_text(&mut model, ":device LAPTOP");
        press(&mut model, KeyCode::Enter);
        assert!(
            !model.flash.as_ref().is_some_and(|f| f.error),
            "not before Graph answers"
        );
        let laptops: Vec<Device> = all
            .iter()
            .filter(|d| d.name().contains("LAPTOP"))
            .cloned()
            .collect();
        send(
            &mut model,
            Msg::DeviceLookedUp {
                text: "LAPTOP".into(),
                result: Ok(Box::new(DeviceMatches {
                    containing: laptops.clone(),
                    ..DeviceMatches::default()
                })),
            },
        );
        let Blade::AllDevices(list) = model.stack.top() else {
            panic!("the list, filtered");
        };
        assert_eq!(list.filter.value(), "LAPTOP");
        assert!(list.rows.len() >= laptops.len());

        type_text(&mut model, ":device NOPE");
        press(&mut model, KeyCode::Enter);
        send(
            &mut model,
            Msg::DeviceLookedUp {
                text: "NOPE".into(),
                result: Ok(Box::default()),
            },
        );
        assert!(
            model
                .flash
                .as_ref()
                .is_some_and(|f| f.error && f.text.contains("No device in the tenant"))
        );
    }

    #[test]
    fn typing_a_filter_while_loading_searches_once_typing_pauses() {
        let (mut model, all) = loading(5, 40);
        type_text(&mut model, ":devices");
        press(&mut model, KeyCode::Enter);
        press(&mut model, KeyCode::Char('/'));
        type_text(&mut model, "LAP");
        let soon = model.now + time::Duration::milliseconds(100);
        assert!(
            !send(&mut model, Msg::Tick(soon))
                .iter()
                .any(|e| matches!(e, Effect::SearchTenant { .. })),
            "not while typing"
        );
        type_text(&mut model, "TOP");
        let later = model.now + time::Duration::milliseconds(400);
        let effects = send(&mut model, Msg::Tick(later));
        let seq = effects
            .iter()
            .find_map(|e| match e {
                Effect::SearchTenant { seq, text } if text == "LAPTOP" => Some(*seq),
                _ => None,
            })
            .unwrap_or_else(|| panic!("one search for the whole word: {effects:?}"));
        // An older search's answer is dropped; the current one's joins the list, marked.
        send(
            &mut model,
            Msg::TenantSearched {
                seq: seq - 1,
                result: Ok(all[30..31].to_vec()),
            },
        );
        assert_eq!(model.devices.unconfirmed_count(), 0);
        send(
            &mut model,
            Msg::TenantSearched {
                seq,
                result: Ok(all[20..22].to_vec()),
            },
        );
        assert_eq!(model.devices.unconfirmed_count(), 2);
        assert!(!model.tenant_search.active());
    }

    #[test]
    fn a_complete_list_answers_by_itself() {
        let mut model = admin(20);
        type_text(&mut model, ":devices");
        press(&mut model, KeyCode::Enter);
        press(&mut model, KeyCode::Char('/'));
        type_text(&mut model, "LAPTOP");
        let later = model.now + time::Duration::seconds(1);
        assert!(
            !send(&mut model, Msg::Tick(later))
                .iter()
                .any(|e| matches!(e, Effect::SearchTenant { .. }))
        );
        type_text(&mut model, "");
        press(&mut model, KeyCode::Esc);
        type_text(&mut model, ":device NO-SUCH-PC");
        assert!(
            press(&mut model, KeyCode::Enter).is_empty(),
            "no need to ask Graph"
        );
    }
}
