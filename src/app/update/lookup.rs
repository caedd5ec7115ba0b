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
    model.lookup = Some(text.to_string());
    flash(
        model,
        format!(
            "Searching the tenant for “{}”…",
            crate::domain::text::sanitize(text)
        ),
        false,
    );
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
                                id: device.id,
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
