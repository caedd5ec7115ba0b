//! `update`: the one place the model changes. Pure: no IO, no clock; it returns effects.

mod accounts;
mod actions;
mod command_line;
mod data;
#[cfg(test)]
mod fixtures;
mod input;
mod lookup;
mod sessions;
mod sync;
mod tenants;
mod tick;
mod ticket;

pub use data::refresh_device_lists;

// The handlers call each other across the modules.
use accounts::*;
use actions::*;
use command_line::*;
use data::*;
use input::*;
use lookup::*;
use sessions::*;

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEvent, MouseEventKind};
use time::OffsetDateTime;
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use super::command_line::{self as command, Command};
use super::gates::{connector_block, enable_block, session_block};
use super::keys::{self, KeyAction, Scope};
use super::menu::{AccountItem, DevicesItem, HomeItem, MenuItem, MoreItem};
use super::model::{Flash, Health, LOG_LINES, LiveSession, Model, Overlay, Pending, PollState};
use super::msg::Msg;
use super::nav::{Blade, BladeKind, Column, Cursor, DeviceList, Menu, SessionStage, TicketLine};
use super::{Effect, ErrorClass, UiError};
use crate::app::layout::list_rows;
use crate::domain::{DeviceRef, LiveState, OnboardingStatus, Session, SessionState, Ticket};
use crate::http::{HttpEvent, Service};

/// How long flash messages stay.
const FLASH: Duration = Duration::from_secs(4);
/// How often the connector is checked while onboarding is watched.
const CONNECTOR_POLL: Duration = Duration::from_secs(3);

/// Applies `msg` to the model and says what work it starts. Dispatch only: each kind of
/// message is handled in the module named for it.
pub fn update(model: &mut Model, msg: Msg) -> Vec<Effect> {
    let effects = dispatch(model, msg);
    rank_shown_rows(model);
    effects
}

/// Ranks the rows each device list shows, when a fuzzy pattern left them unranked: whatever
/// moved its window (a key, the mouse, a resize, a page of devices).
fn rank_shown_rows(model: &mut Model) {
    let height = list_rows(model.size, BladeKind::AllDevices);
    let devices = &model.devices;
    for blade in model.stack.iter_mut() {
        if let Blade::AllDevices(list) = blade {
            rank_rows_to(list, devices, list.cursor.offset + height);
        }
    }
}

fn dispatch(model: &mut Model, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(key) => input::on_key(model, key),
        Msg::Mouse(mouse) => input::on_mouse(model, mouse),
        Msg::Paste(text) => input::on_paste(model, &text),
        Msg::Resize(w, h) => input::on_resize(model, w, h),
        Msg::Tick(now) => tick::on_tick(model, now),
        msg @ (Msg::Started(_)
        | Msg::DevicesPage { .. }
        | Msg::DevicesFailed { .. }
        | Msg::Connector(_)
        | Msg::ConnectorChanged(_)
        | Msg::Capabilities(_)
        | Msg::TeamViewerAccount(_)
        | Msg::Audited
        | Msg::InventoryLoaded(_)
        | Msg::AuditLoaded(_)
        | Msg::HistoryLoaded(_)) => data::on_loaded(model, msg),
        msg @ (Msg::DeviceCode(_)
        | Msg::SignedIn(_)
        | Msg::SignInFailed(_)
        | Msg::TeamViewerSaved(_)
        | Msg::SignedOut) => accounts::on_sign_in(model, msg),
        msg @ (Msg::SessionRequested { .. }
        | Msg::SessionStarted { .. }
        | Msg::SessionFailed { .. }
        | Msg::SessionObserved { .. }
        | Msg::SessionClosed { .. }
        | Msg::SessionsListed(_)) => sessions::on_session(model, msg),
        msg @ (Msg::DeviceLookedUp { .. } | Msg::TenantSearched { .. }) => {
            lookup::on_found(model, msg)
        }
        Msg::Health(event) => {
            on_health(model, event);
            Vec::new()
        }
        Msg::Log(line) => {
            log(model, line);
            Vec::new()
        }
        msg @ (Msg::SyncSent { .. } | Msg::LastSyncRead { .. }) => sync::on_sync(model, msg),
        Msg::HistoryExported(result) => {
            match result {
                Ok(path) => flash(model, format!("History written to {path}"), false),
                Err(error) => flash(model, format!("Export failed: {}", error.message), true),
            }
            Vec::new()
        }
        Msg::TenantSwitched(result) => tenants::on_switched(model, result),
        Msg::TenantsLoaded(result) => {
            if let Err(e) = &result {
                log(model, format!("error: {}", e.message));
            }
            model.tenants.finish(result);
            Vec::new()
        }
        Msg::Quit => {
            model.quit = true;
            vec![Effect::Quit]
        }
    }
}

fn device_name(model: &Model, device_id: &str) -> String {
    model
        .devices
        .get(device_id)
        .map_or_else(|| device_id.to_string(), |d| d.name().to_owned())
}

fn flash(model: &mut Model, text: impl Into<String>, error: bool) {
    let text = text.into();
    log(model, text.clone());
    model.flash = Some(Flash {
        text,
        error,
        until: model.now + FLASH,
    });
}

fn log(model: &mut Model, line: String) {
    let stamp = model
        .now
        .format(time::macros::format_description!(
            "[hour]:[minute]:[second]"
        ))
        .unwrap_or_default();
    model.logs.push_back(format!("{stamp}  {line}"));
    while model.logs.len() > LOG_LINES {
        model.logs.pop_front();
    }
}

fn note_error(model: &mut Model, service: Service, error: &UiError) {
    log(model, format!("error: {}", error.message));
    let health = match error.class {
        ErrorClass::SignIn => {
            // The screen stays as it is; the admin is told how to carry on.
            let what = match service {
                Service::TeamViewer => "TeamViewer",
                _ => "Microsoft",
            };
            flash(
                model,
                format!("{what} sign-in expired or was revoked: sign in again from :accounts"),
                true,
            );
            Health::SignedOut
        }
        ErrorClass::Service => Health::Unreachable,
        _ => return,
    };
    match service {
        Service::TeamViewer => model.teamviewer_health = health,
        _ => model.graph_health = health,
    }
}

/// A service answered: it is healthy, unless another of its requests waits to be retried.
fn service_answered(model: &mut Model, service: Service) {
    let waiting = model.retrying.iter().any(|r| r.service == service);
    let slot = match service {
        Service::TeamViewer => &mut model.teamviewer_health,
        Service::Graph => &mut model.graph_health,
        Service::SignIn => return,
    };
    if !waiting {
        *slot = Health::Ok;
    }
}

/// Health from the client's events. A service is degraded while any of its requests waits
/// to be retried, whatever order the events of concurrent requests arrive in.
fn on_health(model: &mut Model, event: HttpEvent) {
    let service = event.service();
    let request = event.request();
    model.retrying.retain(|r| r.request != request);
    let settled = match event {
        HttpEvent::Retrying {
            service,
            request,
            reason,
            delay,
        } => {
            model.retrying.push(super::model::Retrying {
                request,
                service,
                reason: format!("{reason}, retrying in {:.1} s", delay.as_secs_f64()),
                until: model.now + delay,
            });
            None
        }
        HttpEvent::Healthy { .. } => Some(Health::Ok),
        HttpEvent::Unreachable { .. } => Some(Health::Unreachable),
    };
    let waiting = model
        .retrying
        .iter()
        .filter(|r| r.service == service)
        .map(|r| &r.reason)
        .min()
        .cloned();
    let slot = match service {
        Service::TeamViewer => &mut model.teamviewer_health,
        Service::Graph => &mut model.graph_health,
        Service::SignIn => return,
    };
    match (waiting, settled) {
        (Some(reason), _) => *slot = Health::Degraded(reason),
        (None, Some(health)) => *slot = health,
        (None, None) => {}
    }
}

pub use super::device_list::compute_rows;
use super::device_list::{place_of, rank_rows_to, refresh_rows};
