//! A signed-in model and keys to press, for the effect tests beside each update module.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use time::OffsetDateTime;
use time::macros::datetime;

use super::update;
use crate::app::Effect;
use crate::app::model::{Model, Options};
use crate::app::msg::{Msg, SignInState};
use crate::domain::{Account, Capabilities, Connector, Device, OnboardingStatus, permissions};

pub const T0: OffsetDateTime = datetime!(2026-11-24 09:00 UTC);

/// `n` devices of the seeded simulated tenant, read by the client's wire parser.
pub fn devices(n: usize) -> Vec<Device> {
    let page = crate::sim::device_page(&crate::sim::tenant::generate(n, 42, T0));
    crate::graph::parse_device_page(page.into())
        .map(|p| p.devices.iter().map(|d| d.to_device()).collect())
        .unwrap_or_default()
}

pub fn connector(status: OnboardingStatus) -> Connector {
    Connector {
        id: Some("d3d2e9a0-7f3c-4a57-8b2f-0a1e6e3b5c11".into()),
        display_name: "TeamViewer".into(),
        onboarding_url: Some("https://login.teamviewer.com/intune/onboard/d3d2e9a0".into()),
        onboarding_status: status,
        last_connection_date_time: Some(T0),
        choice: None,
    }
}

/// An Intune administrator signed in, with `n` devices loaded and the connector onboarded.
pub fn admin(n: usize) -> Model {
    let mut model = Model::new(
        Options {
            tenant_label: "contoso.onmicrosoft.com".into(),
            ..Options::default()
        },
        T0,
    );
    send(
        &mut model,
        Msg::Started(SignInState {
            account: Some(Account {
                username: "admin@contoso.com".into(),
                name: "Intune Admin".into(),
                tenant_id: "72f988bf-86f1-41af-91ab-2d7cd011db47".into(),
                roles: Some(vec![permissions::INTUNE_ADMINISTRATOR_ROLE.into()]),
            }),
            graph_token_given: false,
            can_sign_in: true,
            teamviewer: true,
            store: "memory".into(),
            store_warning: None,
        }),
    );
    send(&mut model, Msg::Capabilities(Ok(Capabilities::all())));
    send(
        &mut model,
        Msg::Connector(Ok(connector(OnboardingStatus::Onboarded))),
    );
    let generation = model.devices.generation;
    send(
        &mut model,
        Msg::DevicesPage {
            generation,
            devices: devices(n).into(),
            total: Some(n as u64),
            done: true,
        },
    );
    model
}

pub fn send(model: &mut Model, msg: Msg) -> Vec<Effect> {
    update(model, msg)
}

/// Presses `code` and hands back the effects it asks for.
pub fn press(model: &mut Model, code: KeyCode) -> Vec<Effect> {
    send(model, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

/// Types `text`, one key per character.
pub fn type_text(model: &mut Model, text: &str) -> Vec<Effect> {
    text.chars()
        .flat_map(|c| press(model, KeyCode::Char(c)))
        .collect()
}

/// An open TeamViewer session `code`, as TeamViewer reports it.
pub fn session(code: &str) -> crate::domain::Session {
    crate::domain::Session {
        code: code.into(),
        description: "Intune remote assistance".into(),
        end_customer_name: "Adele Vance".into(),
        supporter_link: Some(format!("https://start.teamviewer.com/{code}")),
        end_customer_link: None,
        webclient_supporter_link: None,
        open: true,
        end_user_online: false,
        created_at: Some(T0),
        closed_at: None,
        valid_until: None,
        supporter_connected_at: None,
        connection_ended_at: None,
    }
}

/// ⏎ Connect on the first supported device's New Remote Assistance Session blade, reached
/// through `:device` › More; hands back the device.
pub fn connect_first_supported(model: &mut Model) -> Device {
    let device = model
        .devices
        .all
        .iter()
        .find(|d| d.assist() == crate::domain::Assist::Supported)
        .map(|d| d.to_device())
        .unwrap_or_else(|| panic!("the seeded tenant has a supported device"));
    type_text(model, &format!(":device {}", device.id()));
    press(model, KeyCode::Enter);
    press(model, KeyCode::Char('m'));
    press(model, KeyCode::Enter);
    let effects = press(model, KeyCode::Enter);
    assert!(
        matches!(effects.as_slice(), [Effect::RequestSession { .. }]),
        "{effects:?}"
    );
    device
}

/// `model` on the first supported device's New Remote Assistance Session blade, the session
/// `code` started and followed; hands back the device id.
pub fn live_session(model: &mut Model, code: &str) -> String {
    let device = connect_first_supported(model);
    send(
        model,
        Msg::SessionStarted {
            device_id: device.id().to_owned(),
            started: Box::new(crate::assist::StartedSession {
                via: crate::assist::StartedVia::Intune,
                session_url: Some(format!("https://start.teamviewer.com/v15/{code}")),
                code: Some(code.into()),
                session: Some(session(code)),
                live: crate::domain::LiveState::Tracked,
            }),
            ticket: None,
        },
    );
    device.id().to_owned()
}
