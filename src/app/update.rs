//! `update`: the one place the model changes. Pure: no IO, no clock; it returns effects.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEvent, MouseEventKind};
use time::OffsetDateTime;
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use super::command::{self, Command};
use super::keys::{self, Action};
use super::model::{Flash, Health, LOG_LINES, LiveSession, Model, Overlay, Pending, PollState};
use super::msg::Msg;
use super::nav::{Blade, BladeKind, Column, Cursor, DeviceList, Menu, SessionStage};
use super::{Effect, ErrorClass, UiError};
use crate::domain::{
    Assist, Device, LiveState, OnboardingStatus, Permission, Session, SessionState,
};
use crate::http::{HttpEvent, Service};

/// How long flash messages stay.
const FLASH: Duration = Duration::from_secs(4);
/// How often the connector is checked while onboarding is watched.
const CONNECTOR_POLL: Duration = Duration::from_secs(3);

/// Entries of the Home blade.
pub const HOME_ITEMS: [&str; 5] = [
    "Devices",
    "TeamViewer Connector",
    "Sessions",
    "Accounts",
    "Audit log",
];
/// Entries of the Devices blade.
pub const DEVICES_ITEMS: [&str; 2] = ["All devices", "Setup › TeamViewer Connector"];
/// Entries of a device's More menu.
pub const MORE_ITEMS: [&str; 3] = ["New Remote Assistance Session", "Copy device id", "Refresh"];
/// Entries of the Accounts blade.
pub const ACCOUNT_ITEMS: [&str; 2] = ["Microsoft Graph", "TeamViewer"];

/// Rows of the body (between the breadcrumbs and the footer) at `size`.
pub fn body_rows(size: (u16, u16)) -> usize {
    usize::from(size.1).saturating_sub(4)
}

/// Rows a blade's list shows at `size`: the body less the border and, for tables, a header.
pub fn list_rows(size: (u16, u16), kind: BladeKind) -> usize {
    let header = usize::from(matches!(kind, BladeKind::AllDevices | BladeKind::Sessions));
    body_rows(size).saturating_sub(2 + header).max(1)
}

/// Applies `msg` to the model and returns the effects it asks for.
pub fn update(model: &mut Model, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(key) => on_key(model, key),
        Msg::Mouse(mouse) => on_mouse(model, mouse),
        Msg::Paste(text) => on_paste(model, &text),
        Msg::Resize(w, h) => {
            model.size = (w, h);
            rescroll(model);
            Vec::new()
        }
        Msg::Tick(now) => on_tick(model, now),
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
                // The first page of a new load replaces the old list.
                model.devices.clear();
                model.devices.received = generation;
                model.devices.complete = false;
            }
            model.devices.loading = !done;
            model.devices.complete = done;
            model.devices.total = total.or(model.devices.total);
            model.devices.error = None;
            model.devices.extend(devices);
            if done {
                log(model, format!("loaded {} devices", model.devices.all.len()));
            }
            refresh_device_lists(model);
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
        Msg::DeviceCode(mut prompt) => {
            // Counted down on the app's clock.
            prompt.expires_at = model.now + time::Duration::seconds(prompt.expires_in as i64);
            model.overlay = Overlay::DeviceLogin {
                prompt: Some(prompt),
            };
            Vec::new()
        }
        Msg::SignedIn(account) => {
            let text = format!("Signed in as {}", account.username);
            model.sign_in.account = Some(account);
            model.overlay = Overlay::None;
            service_answered(model, Service::Graph);
            flash(model, text, false);
            if model.stack.top().kind() == BladeKind::Accounts && model.stack.depth() > 0 {
                // Signed in again from Accounts: back to where the admin was.
                model.stack.pop();
            } else {
                model.stack.reset(Blade::Home(Menu::default()));
            }
            load_everything(model)
        }
        Msg::SignInFailed(error) => {
            if matches!(model.overlay, Overlay::DeviceLogin { .. }) {
                model.overlay = Overlay::None;
            }
            flash(model, error.message, true);
            Vec::new()
        }
        Msg::TeamViewerSaved(result) => match result {
            Ok(account) => {
                model.sign_in.teamviewer = true;
                service_answered(model, Service::TeamViewer);
                model.overlay = Overlay::None;
                flash(
                    model,
                    format!("Signed in to TeamViewer as {}", account.name),
                    false,
                );
                model.teamviewer_account.finish(Ok(account));
                vec![Effect::LoadSessions]
            }
            Err(error) => {
                flash(model, error.message, true);
                Vec::new()
            }
        },
        Msg::SignedOut => {
            model.sign_in.account = None;
            model.sign_in.teamviewer = false;
            model.capabilities = Default::default();
            model.connector = Default::default();
            model.teamviewer_account = Default::default();
            model.devices = Default::default();
            model.sessions.clear();
            model.graph_health = Health::SignedOut;
            model.teamviewer_health = Health::SignedOut;
            model.stack.reset(Blade::Accounts(Menu::default()));
            flash(model, "Signed out; stored tokens were removed", false);
            Vec::new()
        }
        Msg::SessionRequested { device_id, via } => {
            let name = device_name(model, &device_id);
            let text = match via {
                crate::assist::StartedVia::Intune => {
                    format!("Intune is contacting TeamViewer for {name}…")
                }
                crate::assist::StartedVia::TeamViewer => {
                    format!("TeamViewer session created for {name}")
                }
            };
            log(model, text);
            Vec::new()
        }
        Msg::SessionStarted { device_id, started } => {
            let requested_at = model
                .requesting
                .iter()
                .find(|(d, _)| *d == device_id)
                .map_or(model.now, |(_, at)| *at);
            model.requesting.retain(|(d, _)| *d != device_id);
            let name = device_name(model, &device_id);
            let live = started_session(model, *started, device_id.clone(), name, requested_at);
            let key = live.key.clone();
            log(
                model,
                format!("session {} created for {}", live.label(), live.device_name),
            );
            if let Some(why) = live.live.untracked() {
                log(
                    model,
                    format!(
                        "session {}: live state unavailable: {}",
                        live.label(),
                        why.reason()
                    ),
                );
            }
            model.sessions.retain(|s| s.key != key);
            model.sessions.push(live);
            for blade in model.stack.iter_mut() {
                if let Blade::NewSession {
                    device_id: d,
                    stage,
                } = blade
                    && *d == device_id
                    && *stage == SessionStage::Requesting
                {
                    *stage = SessionStage::Live { key: key.clone() };
                }
            }
            Vec::new()
        }
        Msg::SessionFailed { device_id, error } => {
            model.requesting.retain(|(d, _)| *d != device_id);
            log(model, format!("session request failed: {}", error.message));
            for blade in model.stack.iter_mut() {
                if let Blade::NewSession {
                    device_id: d,
                    stage,
                } = blade
                    && *d == device_id
                    && *stage == SessionStage::Requesting
                {
                    *stage = SessionStage::Failed {
                        message: error.message.clone(),
                    };
                }
            }
            note_error(model, Service::Graph, &error);
            Vec::new()
        }
        Msg::SessionObserved { code, result } => {
            let now = model.now;
            let (min, max) = (model.options.poll_min, model.options.poll_max);
            let mut logged = Vec::new();
            if let Some(live) = model.session_with_code_mut(&code) {
                live.poll.in_flight = false;
                match result {
                    Ok(session) => {
                        let mut changed = false;
                        for state in session.milestones() {
                            if !live.timeline.iter().any(|(s, _)| *s == state) {
                                live.timeline.push((state, now));
                                logged.push(format!("session {code}: {}", state.label()));
                                changed = true;
                            }
                        }
                        live.session = Some(match &live.session {
                            Some(old) => merge_session(old, session),
                            None => session,
                        });
                        live.error = None;
                        live.poll.interval = if changed {
                            min
                        } else {
                            (live.poll.interval * 2).min(max)
                        };
                    }
                    Err(error) => {
                        live.error = Some(error);
                        live.poll.interval = (live.poll.interval * 2).min(max);
                    }
                }
                live.poll.next_at = now + live.poll.interval;
            }
            for line in logged {
                log(model, line);
            }
            Vec::new()
        }
        Msg::SessionClosed { code, result } => {
            let now = model.now;
            match result {
                Ok(()) => {
                    if let Some(live) = model.session_with_code_mut(&code) {
                        live.closing = false;
                        if let Some(session) = &mut live.session {
                            session.open = false;
                            session.end_user_online = false;
                        }
                        if !live
                            .timeline
                            .iter()
                            .any(|(s, _)| *s == SessionState::Closed)
                        {
                            live.timeline.push((SessionState::Closed, now));
                        }
                    }
                    flash(model, format!("Session {code} is closed"), false);
                }
                Err(error) => {
                    if let Some(live) = model.session_with_code_mut(&code) {
                        live.closing = false;
                    }
                    flash(model, error.message, true);
                }
            }
            Vec::new()
        }
        Msg::SessionsListed(result) => {
            match result {
                Ok(sessions) => {
                    for session in sessions {
                        let code = session.code.clone();
                        match model.session_with_code_mut(&code) {
                            // Intune's session, now seen by this account: followed from here.
                            Some(known) if known.session.is_none() => {
                                known.session = Some(session);
                                known.live = LiveState::Tracked;
                            }
                            Some(_) => {}
                            None => {
                                let live = listed_session(model, session);
                                model.sessions.push(live);
                            }
                        }
                    }
                    service_answered(model, Service::TeamViewer);
                }
                Err(error) => note_error(model, Service::TeamViewer, &error),
            }
            Vec::new()
        }
        Msg::Health(event) => {
            on_health(model, event);
            Vec::new()
        }
        Msg::Log(line) => {
            log(model, line);
            Vec::new()
        }
        Msg::Quit => {
            model.quit = true;
            vec![Effect::Quit]
        }
    }
}

fn load_everything(model: &mut Model) -> Vec<Effect> {
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

fn load_devices(model: &mut Model) -> Effect {
    model.devices.generation += 1;
    model.devices.loading = true;
    model.devices.complete = false;
    model.devices.error = None;
    Effect::LoadDevices {
        generation: model.devices.generation,
    }
}

/// Polling of a session just learnt of: at once, then at the fastest rate.
fn first_poll(model: &Model) -> PollState {
    PollState {
        next_at: model.now,
        interval: model.options.poll_min,
        in_flight: false,
    }
}

/// A session TeamViewer listed that this run did not start.
fn listed_session(model: &Model, session: Session) -> LiveSession {
    let now = model.now;
    let timeline = session
        .milestones()
        .into_iter()
        .map(|s| (s, session.created_at.unwrap_or(now)))
        .collect();
    LiveSession {
        key: session.code.clone(),
        code: Some(session.code.clone()),
        session_url: None,
        device_id: None,
        device_name: session
            .description
            .trim_start_matches("Intune remote assistance: ")
            .to_string(),
        via: None,
        timeline,
        requested_at: None,
        poll: first_poll(model),
        error: None,
        closing: false,
        live: LiveState::Tracked,
        session: Some(session),
    }
}

/// A session this run started, from what starting it found out.
fn started_session(
    model: &Model,
    started: crate::assist::StartedSession,
    device_id: String,
    device_name: String,
    requested_at: OffsetDateTime,
) -> LiveSession {
    let now = model.now;
    let mut timeline = vec![(SessionState::Requested, requested_at)];
    timeline.extend(
        started
            .session
            .iter()
            .flat_map(Session::milestones)
            .chain(started.session.is_none().then_some(SessionState::Created))
            .map(|state| (state, now)),
    );
    let key = started
        .code
        .clone()
        .or_else(|| started.session_url.clone())
        .unwrap_or_else(|| format!("{device_id}@{}", requested_at.unix_timestamp()));
    LiveSession {
        key,
        code: started.code,
        session_url: started.session_url,
        session: started.session,
        live: started.live,
        device_id: Some(device_id),
        device_name,
        via: Some(started.via),
        timeline,
        requested_at: Some(requested_at),
        poll: first_poll(model),
        error: None,
        closing: false,
    }
}

/// Keeps what an observation cannot know (links come only from some responses).
fn merge_session(old: &Session, mut new: Session) -> Session {
    new.supporter_link = new.supporter_link.or_else(|| old.supporter_link.clone());
    new.end_customer_link = new
        .end_customer_link
        .or_else(|| old.end_customer_link.clone());
    new.webclient_supporter_link = new
        .webclient_supporter_link
        .or_else(|| old.webclient_supporter_link.clone());
    new
}

fn device_name(model: &Model, device_id: &str) -> String {
    model
        .devices
        .get(device_id)
        .map_or_else(|| device_id.to_string(), |d| d.name.clone())
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

fn on_tick(model: &mut Model, now: OffsetDateTime) -> Vec<Effect> {
    model.now = now;
    model.frame = model.frame.wrapping_add(1);
    if model.flash.as_ref().is_some_and(|f| f.until <= now) {
        model.flash = None;
    }
    let mut effects = Vec::new();
    // Sessions are polled only while someone watches them, and only those TeamViewer shows.
    let watched_on_top = match model.stack.top() {
        Blade::Session { key } => Some(key.clone()),
        Blade::NewSession {
            stage: SessionStage::Live { key },
            ..
        } => Some(key.clone()),
        _ => None,
    };
    let pane = model.side_panes_visible();
    for live in model.sessions.iter_mut() {
        let watched = pane || watched_on_top.as_deref() == Some(live.key.as_str());
        let Some(code) = live.poll_code().map(str::to_string) else {
            continue;
        };
        if watched && !live.poll.in_flight && live.poll.next_at <= now {
            live.poll.in_flight = true;
            effects.push(Effect::ObserveSession { code });
        }
    }
    let onboarding = model
        .connector
        .value
        .as_ref()
        .is_some_and(|c| c.onboarding_status == OnboardingStatus::Onboarding);
    if onboarding
        && model.stack.top().kind() == BladeKind::Connector
        && !model.connector.loading
        && model.frame.is_multiple_of(ticks(CONNECTOR_POLL))
    {
        model.connector.start();
        effects.push(Effect::LoadConnector);
    }
    effects
}

/// Ticks in `every` at the driver's tick rate (250 ms).
fn ticks(every: Duration) -> u64 {
    (every.as_millis() / 250).max(1) as u64
}

fn on_paste(model: &mut Model, text: &str) -> Vec<Effect> {
    let clean: String = crate::domain::text::sanitize_bounded(text, 4096);
    let input = match &mut model.overlay {
        Overlay::Command { input, .. } | Overlay::TeamViewerToken { input } => Some(input),
        _ => None,
    };
    if let Some(input) = input {
        let value = format!("{}{}", input.value(), clean.trim());
        *input = Input::new(value);
        return Vec::new();
    }
    if let Blade::AllDevices(list) = model.stack.top_mut()
        && list.editing
    {
        let value = format!("{}{}", list.filter.value(), clean.trim());
        list.filter = Input::new(value);
        refresh_device_lists(model);
    }
    Vec::new()
}

fn on_mouse(model: &mut Model, mouse: MouseEvent) -> Vec<Effect> {
    match mouse.kind {
        MouseEventKind::ScrollDown => perform(model, Action::Down),
        MouseEventKind::ScrollUp => perform(model, Action::Up),
        MouseEventKind::Down(crossterm::event::MouseButton::Left) => {
            let kind = model.stack.top().kind();
            // Lists start below the header, breadcrumbs, border and (for tables) column titles.
            let first =
                3 + usize::from(matches!(kind, BladeKind::AllDevices | BladeKind::Sessions));
            let row = usize::from(mouse.row);
            if row < first || !matches!(model.overlay, Overlay::None) {
                return Vec::new();
            }
            let clicked = row - first;
            let size = model.size;
            let len = list_len(model);
            if let Some(cursor) = cursor_mut(model) {
                let index = cursor.offset + clicked;
                if index < len {
                    let already = cursor.selected == index;
                    cursor.go_to(index, len, list_rows(size, kind));
                    if already {
                        return perform(model, Action::Open);
                    }
                }
            }
            Vec::new()
        }
        _ => Vec::new(),
    }
}

fn on_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    if key.kind == KeyEventKind::Release {
        return Vec::new();
    }
    if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
        model.quit = true;
        return vec![Effect::Quit];
    }
    if let Some(effects) = on_overlay_key(model, key) {
        return effects;
    }
    if let Blade::AllDevices(list) = model.stack.top_mut()
        && list.editing
    {
        let mut typed = false;
        match key.code {
            KeyCode::Enter | KeyCode::Down | KeyCode::Up => list.editing = false,
            KeyCode::Esc => {
                list.editing = false;
                list.filter.reset();
            }
            _ => {
                let before = list.filter.value().to_string();
                list.filter.handle_event(&crossterm::event::Event::Key(key));
                typed = list.filter.value() != before;
            }
        }
        refresh_device_lists(model);
        if typed && let Blade::AllDevices(list) = model.stack.top_mut() {
            // Typing a filter selects its best match, as a search box does.
            list.cursor = Cursor::default();
        }
        return Vec::new();
    }
    let kind = model.stack.top().kind();
    match keys::action_for(kind, &key, model.options.read_only) {
        Some(action) => perform(model, action),
        None => Vec::new(),
    }
}

/// Keys for an open overlay; `None` when no overlay is open.
fn on_overlay_key(model: &mut Model, key: KeyEvent) -> Option<Vec<Effect>> {
    let overlay = std::mem::take(&mut model.overlay);
    let (overlay, effects) = match overlay {
        Overlay::None => return None,
        Overlay::Help { scroll } => match key.code {
            KeyCode::Esc | KeyCode::Char('?') | KeyCode::Char('q') | KeyCode::Enter => {
                (Overlay::None, Vec::new())
            }
            KeyCode::Down | KeyCode::Char('j') => (
                Overlay::Help {
                    scroll: scroll.saturating_add(1),
                },
                Vec::new(),
            ),
            KeyCode::Up | KeyCode::Char('k') => (
                Overlay::Help {
                    scroll: scroll.saturating_sub(1),
                },
                Vec::new(),
            ),
            _ => (Overlay::Help { scroll }, Vec::new()),
        },
        Overlay::Confirm { pending } => match key.code {
            KeyCode::Char('y') | KeyCode::Char('Y') | KeyCode::Enter => {
                (Overlay::None, confirmed(model, pending))
            }
            KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc | KeyCode::Char('q') => {
                (Overlay::None, Vec::new())
            }
            _ => (Overlay::Confirm { pending }, Vec::new()),
        },
        Overlay::Command {
            mut input,
            history_index,
        } => match key.code {
            KeyCode::Esc => (Overlay::None, Vec::new()),
            KeyCode::Enter => {
                let text = input.value().trim().to_string();
                if !text.is_empty() {
                    model.command_history.retain(|h| *h != text);
                    model.command_history.push(text.clone());
                }
                (Overlay::None, run_command(model, &text))
            }
            KeyCode::Up | KeyCode::Down => {
                let len = model.command_history.len();
                if len == 0 {
                    (
                        Overlay::Command {
                            input,
                            history_index,
                        },
                        Vec::new(),
                    )
                } else {
                    let index = match (key.code, history_index) {
                        (KeyCode::Up, None) => len - 1,
                        (KeyCode::Up, Some(i)) => i.saturating_sub(1),
                        (_, None) => len - 1,
                        (_, Some(i)) => (i + 1).min(len - 1),
                    };
                    let text = model.command_history[index].clone();
                    (
                        Overlay::Command {
                            input: Input::new(text),
                            history_index: Some(index),
                        },
                        Vec::new(),
                    )
                }
            }
            _ => {
                input.handle_event(&crossterm::event::Event::Key(key));
                (
                    Overlay::Command {
                        input,
                        history_index,
                    },
                    Vec::new(),
                )
            }
        },
        Overlay::TeamViewerToken { mut input } => match key.code {
            KeyCode::Esc => (Overlay::None, Vec::new()),
            KeyCode::Enter => {
                let token = input.value().trim().to_string();
                if token.is_empty() {
                    (Overlay::TeamViewerToken { input }, Vec::new())
                } else {
                    // The overlay stays until TeamViewer answers.
                    (
                        Overlay::TeamViewerToken {
                            input: Input::default(),
                        },
                        vec![Effect::SaveTeamViewerToken(token)],
                    )
                }
            }
            _ => {
                input.handle_event(&crossterm::event::Event::Key(key));
                (Overlay::TeamViewerToken { input }, Vec::new())
            }
        },
        Overlay::DeviceLogin { prompt } => match key.code {
            KeyCode::Esc => {
                flash(model, "Sign-in cancelled", false);
                (Overlay::None, vec![Effect::CancelSignIn])
            }
            KeyCode::Char('c') => match &prompt {
                Some(p) => {
                    let code = p.user_code.clone();
                    flash(model, "Code copied", false);
                    (Overlay::DeviceLogin { prompt }, vec![Effect::Copy(code)])
                }
                None => (Overlay::DeviceLogin { prompt }, Vec::new()),
            },
            KeyCode::Char('o') => match &prompt {
                Some(p) => {
                    let url = p.verification_uri.clone();
                    (Overlay::DeviceLogin { prompt }, vec![Effect::OpenUrl(url)])
                }
                None => (Overlay::DeviceLogin { prompt }, Vec::new()),
            },
            _ => (Overlay::DeviceLogin { prompt }, Vec::new()),
        },
    };
    model.overlay = overlay;
    Some(effects)
}

fn run_command(model: &mut Model, text: &str) -> Vec<Effect> {
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
        Ok(Command::Device(name)) => {
            let needle = name.to_lowercase();
            let exact: Vec<&Device> = model
                .devices
                .all
                .iter()
                .filter(|d| d.name.to_lowercase() == needle || d.id == name)
                .collect();
            let found: Vec<&Device> = if exact.is_empty() {
                model
                    .devices
                    .all
                    .iter()
                    .filter(|d| d.name.to_lowercase().contains(&needle))
                    .take(2)
                    .collect()
            } else {
                exact
            };
            match found.as_slice() {
                [device] => {
                    let id = device.id.clone();
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
        Ok(Command::Sessions) => {
            model.stack.reset(Blade::Home(Menu { selected: 2 }));
            model.stack.push(Blade::Sessions(Cursor::default()));
            Vec::new()
        }
        Ok(Command::Connector) => {
            model.stack.reset(Blade::Home(Menu::default()));
            model.stack.push(Blade::Devices(Menu { selected: 1 }));
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
            model.stack.reset(Blade::Home(Menu { selected: 4 }));
            open_audit(model)
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

/// Opens the Audit blade and reads the trail.
fn open_audit(model: &mut Model) -> Vec<Effect> {
    model.stack.push(Blade::Audit(Cursor::default()));
    model.audit.start();
    vec![Effect::LoadAudit]
}

/// Shows All devices, keeping an existing list blade (and its filter) if there is one.
fn go_to_device_list(model: &mut Model) {
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

/// What a confirmed pending action does.
fn confirmed(model: &mut Model, pending: Pending) -> Vec<Effect> {
    match pending {
        Pending::CloseSession { code } => {
            let mut device = (String::new(), String::new());
            if let Some(live) = model.session_with_code_mut(&code) {
                live.closing = true;
                device = (
                    live.device_id.clone().unwrap_or_default(),
                    live.device_name.clone(),
                );
            }
            vec![Effect::CloseSession {
                code,
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
    }
}

/// Asks Intune (or TeamViewer) for a session with the device: the New Remote Assistance
/// Session blade, which names the device and says what will happen, is the confirmation.
fn request_session(model: &mut Model, device_id: &str) -> Vec<Effect> {
    let Some(device) = model.devices.get(device_id).cloned() else {
        flash(model, "That device is no longer loaded", true);
        return Vec::new();
    };
    let onboarded = model
        .connector
        .value
        .as_ref()
        .is_some_and(|c| c.is_onboarded());
    model.requesting.push((device_id.to_string(), model.now));
    if let Blade::NewSession { stage, .. } = model.stack.top_mut() {
        *stage = SessionStage::Requesting;
    }
    vec![Effect::RequestSession {
        device: Box::new(device),
        onboarded,
    }]
}

/// Why a new session cannot be started for `device`, if it cannot.
pub fn session_block(model: &Model, device: &Device) -> Option<String> {
    if model.options.read_only {
        return Some("read-only mode".into());
    }
    if model.capabilities.value.is_some() && !model.caps().request_assistance {
        return Some(Permission::RequestRemoteAssistance.explain_missing());
    }
    match device.assist() {
        Assist::Unsupported { reason } => return Some(reason),
        Assist::DirectSession { .. } if !model.sign_in.teamviewer => {
            return Some(
                "this userless device needs a direct TeamViewer session: sign in to TeamViewer \
                 first (Accounts › TeamViewer)"
                    .into(),
            );
        }
        Assist::Supported | Assist::Unconfirmed { .. }
            if !model
                .connector
                .value
                .as_ref()
                .is_some_and(|c| c.is_onboarded()) =>
        {
            return Some("the TeamViewer connector is not onboarded (Devices › Setup › TeamViewer Connector)".into());
        }
        _ => {}
    }
    if model.is_requesting(&device.id) {
        return Some("a request for this device is under way".into());
    }
    None
}

/// Why the connector cannot be changed, if it cannot.
pub fn connector_block(model: &Model) -> Option<String> {
    if model.options.read_only {
        return Some("read-only mode".into());
    }
    if model.capabilities.value.is_some() && !model.caps().update_connector {
        return Some(Permission::UpdateRemoteAssistance.explain_missing());
    }
    None
}

/// Why the connector cannot be enabled, if it cannot: besides Update Remote Assistance,
/// onboarding needs the Intune Administrator or Global Administrator role.
pub fn enable_block(model: &Model) -> Option<String> {
    connector_block(model).or_else(|| {
        model
            .sign_in
            .account
            .as_ref()
            .and_then(crate::domain::Account::onboarding_block)
    })
}

fn list_len(model: &Model) -> usize {
    match model.stack.top() {
        Blade::Home(_) => HOME_ITEMS.len(),
        Blade::Devices(_) => DEVICES_ITEMS.len(),
        Blade::AllDevices(list) => list.rows.len(),
        Blade::Device { more: Some(_), .. } => MORE_ITEMS.len(),
        Blade::Sessions(_) => model.sessions.len(),
        Blade::Accounts(_) => ACCOUNT_ITEMS.len(),
        Blade::Logs(_) => model.logs.len(),
        Blade::Audit(_) => model.audit.value.as_ref().map_or(0, |a| a.entries.len()),
        _ => 0,
    }
}

fn cursor_mut(model: &mut Model) -> Option<&mut Cursor> {
    match model.stack.top_mut() {
        Blade::AllDevices(list) => Some(&mut list.cursor),
        Blade::Sessions(cursor) | Blade::Logs(cursor) | Blade::Audit(cursor) => Some(cursor),
        _ => None,
    }
}

fn menu_mut(model: &mut Model) -> Option<&mut Menu> {
    match model.stack.top_mut() {
        Blade::Home(menu) | Blade::Devices(menu) | Blade::Accounts(menu) => Some(menu),
        Blade::Device {
            more: Some(menu), ..
        } => Some(menu),
        _ => None,
    }
}

fn move_selection(model: &mut Model, delta: isize, to_end: Option<bool>) {
    let len = list_len(model);
    let kind = model.stack.top().kind();
    let height = list_rows(model.size, kind);
    if let Some(cursor) = cursor_mut(model) {
        match to_end {
            Some(false) => cursor.go_to(0, len, height),
            Some(true) => cursor.go_to(len.saturating_sub(1), len, height),
            None => cursor.move_by(delta, len, height),
        }
    } else if let Some(menu) = menu_mut(model) {
        let last = len.saturating_sub(1) as isize;
        menu.selected = match to_end {
            Some(false) => 0,
            Some(true) => last as usize,
            None => (menu.selected as isize + delta).clamp(0, last) as usize,
        };
    }
}

fn perform(model: &mut Model, action: Action) -> Vec<Effect> {
    let page = list_rows(model.size, model.stack.top().kind()) as isize;
    match action {
        Action::Up => move_selection(model, -1, None),
        Action::Down => move_selection(model, 1, None),
        Action::PageUp => move_selection(model, -page, None),
        Action::PageDown => move_selection(model, page, None),
        Action::Top => move_selection(model, 0, Some(false)),
        Action::Bottom => move_selection(model, 0, Some(true)),
        Action::Help => model.overlay = Overlay::Help { scroll: 0 },
        Action::Command => {
            model.overlay = Overlay::Command {
                input: Input::default(),
                history_index: None,
            }
        }
        Action::ForceQuit => {
            model.quit = true;
            return vec![Effect::Quit];
        }
        Action::Quit if model.stack.depth() == 0 => {
            model.quit = true;
            return vec![Effect::Quit];
        }
        Action::Quit | Action::Back => back(model),
        Action::Open | Action::More | Action::Connect => return open(model, action),
        Action::Filter => {
            if let Blade::AllDevices(list) = model.stack.top_mut() {
                list.editing = true;
            }
        }
        Action::SortNext | Action::SortReverse | Action::OsNext => {
            if let Blade::AllDevices(list) = model.stack.top_mut() {
                match action {
                    Action::SortNext => {
                        list.sort = Some(match list.sort {
                            None => (Column::Name, false),
                            Some((column, _)) => (column.next(), false),
                        })
                    }
                    Action::SortReverse => {
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
        Action::Refresh => return refresh(model),
        Action::Copy | Action::OpenBrowser => return link_action(model, action),
        Action::CloseSession => {
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
                    model.overlay = Overlay::Confirm {
                        pending: Pending::CloseSession {
                            code: session.code.clone(),
                        },
                    }
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
        Action::Enable => match enable_block(model) {
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
            None => {
                model.overlay = Overlay::Confirm {
                    pending: Pending::EnableConnector,
                }
            }
        },
        Action::Disconnect => match (
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
                model.overlay = Overlay::Confirm {
                    pending: Pending::DisconnectConnector { partner_id },
                }
            }
        },
        Action::SignIn => return sign_in(model),
        Action::TeamViewerToken => {
            model.overlay = Overlay::TeamViewerToken {
                input: Input::default(),
            }
        }
        Action::SignOut => {
            model.overlay = Overlay::Confirm {
                pending: Pending::SignOut,
            }
        }
    }
    Vec::new()
}

fn sign_in(model: &mut Model) -> Vec<Effect> {
    if !model.sign_in.can_sign_in {
        flash(
            model,
            "No app registration is configured: set INTUNE_ASSIST_CLIENT_ID (see the README)",
            true,
        );
        return Vec::new();
    }
    model.overlay = Overlay::DeviceLogin { prompt: None };
    vec![Effect::SignIn]
}

fn back(model: &mut Model) {
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

fn open(model: &mut Model, action: Action) -> Vec<Effect> {
    let top = model.stack.top().clone();
    match top {
        Blade::Home(menu) => {
            match menu.selected {
                0 => model.stack.push(Blade::Devices(Menu::default())),
                1 => model.stack.push(Blade::Connector),
                2 => model.stack.push(Blade::Sessions(Cursor::default())),
                3 => model.stack.push(Blade::Accounts(Menu::default())),
                _ => return open_audit(model),
            }
            if menu.selected == 1 {
                return vec![Effect::LoadConnector];
            }
        }
        Blade::Devices(menu) => {
            if menu.selected == 0 {
                let mut list = DeviceList::default();
                compute_rows(&mut list, &model.devices);
                model.stack.push(Blade::AllDevices(list));
            } else {
                model.stack.push(Blade::Connector);
                return vec![Effect::LoadConnector];
            }
        }
        Blade::AllDevices(list) => {
            if let Some(device) = list
                .rows
                .get(list.cursor.selected)
                .and_then(|i| model.devices.all.get(*i as usize))
            {
                let id = device.id.clone();
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
            match menu.selected {
                0 => {
                    if let Some(reason) =
                        model.devices.get(&id).and_then(|d| session_block(model, d))
                    {
                        flash(
                            model,
                            format!("New Remote Assistance Session is unavailable: {reason}"),
                            true,
                        );
                    } else {
                        model.stack.push(Blade::NewSession {
                            device_id: id,
                            stage: SessionStage::Review,
                        });
                    }
                }
                1 => {
                    flash(model, "Device id copied", false);
                    return vec![Effect::Copy(id)];
                }
                _ => return refresh(model),
            }
        }
        Blade::NewSession {
            device_id,
            stage: SessionStage::Review | SessionStage::Failed { .. },
        } if action == Action::Connect => {
            match model
                .devices
                .get(&device_id)
                .and_then(|d| session_block(model, d))
            {
                Some(reason) => flash(model, reason, true),
                None => return request_session(model, &device_id),
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
        Blade::Accounts(menu) => {
            if menu.selected == 0 {
                return sign_in(model);
            }
            model.overlay = Overlay::TeamViewerToken {
                input: Input::default(),
            };
        }
        _ => {}
    }
    Vec::new()
}

fn refresh(model: &mut Model) -> Vec<Effect> {
    if model.stack.top().kind() == BladeKind::Audit {
        model.audit.start();
        return vec![Effect::LoadAudit];
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

fn link_action(model: &mut Model, action: Action) -> Vec<Effect> {
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
    if action == Action::Copy {
        flash(model, "Link copied to the clipboard", false);
        vec![Effect::Copy(url)]
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

/// Re-filters and re-sorts every device list blade after the devices or a filter changed.
pub fn refresh_device_lists(model: &mut Model) {
    let size = model.size;
    let devices = &model.devices;
    for blade in model.stack.iter_mut() {
        if let Blade::AllDevices(list) = blade {
            let selected_index = list.rows.get(list.cursor.selected).copied();
            compute_rows(list, devices);
            // Keep the same device selected when it is still listed.
            if let Some(index) = selected_index
                && let Some(pos) = list.rows.iter().position(|r| *r == index)
            {
                list.cursor.selected = pos;
            }
            list.cursor
                .scroll_into_view(list.rows.len(), list_rows(size, BladeKind::AllDevices));
        }
    }
}

fn rescroll(model: &mut Model) {
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

pub use super::filter::compute_rows;
