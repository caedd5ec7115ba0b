//! Snapshots of every blade and overlay in its loading, ready, empty, error and
//! permission-denied states, at 80×24 and 120×40 (and 60×20 for the device list). The models
//! are built by feeding `update` the messages the runner would send, with a fixed clock.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use insta::assert_snapshot;
use intune_assist::app::model::Options;
use intune_assist::app::model::Overlay;
use intune_assist::app::msg::SignInState;
use intune_assist::app::nav::Blade;
use intune_assist::app::{Effect, ErrorClass, Model, Msg, UiError, update};
use intune_assist::assist::{StartedSession, StartedVia};
use intune_assist::auth::microsoft::DevicePrompt;
use intune_assist::domain::*;
use intune_assist::sim::tenant;
use intune_assist::teamviewer::TeamViewerAccount;
use intune_assist::ui::render_text;
use time::OffsetDateTime;
use time::macros::datetime;

const T0: OffsetDateTime = datetime!(2026-11-24 09:00 UTC);

fn options() -> Options {
    Options {
        read_only: false,
        ascii: false,
        no_color: false,
        tenant_label: "contoso.onmicrosoft.com".into(),
        profile: None,
        profiles: Vec::new(),
        has_display: false,
        notify: false,
        poll_min: Duration::from_secs(2),
        poll_max: Duration::from_secs(10),
        ticket_required: false,
        export_dir: None,
    }
}

/// `n` devices of the seeded tenant, read by the client's own wire parser from the page the
/// simulator would serve.
fn devices(n: usize) -> Vec<Device> {
    let page = intune_assist::sim::device_page(&tenant::generate(n, 42, T0));
    intune_assist::graph::parse_device_page(page.into())
        .expect("the simulator's page parses")
        .devices
        .iter()
        .map(|d| d.to_device())
        .collect()
}

fn connector(status: &str) -> Connector {
    Connector {
        id: Some("d3d2e9a0-7f3c-4a57-8b2f-0a1e6e3b5c11".into()),
        display_name: "TeamViewer".into(),
        onboarding_url: Some("https://login.teamviewer.com/intune/onboard/d3d2e9a0".into()),
        onboarding_status: OnboardingStatus::from_wire(status),
        last_connection_date_time: Some(T0 - time::Duration::minutes(2)),
        choice: None,
    }
}

fn signed_in() -> SignInState {
    SignInState {
        account: Some(Account {
            username: "admin@contoso.onmicrosoft.com".into(),
            name: "Intune Admin".into(),
            tenant_id: "72f988bf-86f1-41af-91ab-2d7cd011db47".into(),
            roles: Some(vec![permissions::INTUNE_ADMINISTRATOR_ROLE.into()]),
        }),
        graph_token_given: false,
        can_sign_in: true,
        teamviewer: true,
        store: "the kernel keyring".into(),
        store_warning: None,
    }
}

/// Delivers `msg`; hands back the effects it asks for, for the tests that check them.
fn send(model: &mut Model, msg: Msg) -> Vec<Effect> {
    update(model, msg)
}

/// Presses a key; hands back the effects it asks for.
fn key(model: &mut Model, code: KeyCode) -> Vec<Effect> {
    send(model, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

/// Presses a key and hands back the effects it asks for.
fn key_effects(model: &mut Model, code: KeyCode) -> Vec<Effect> {
    key(model, code)
}

fn typed(model: &mut Model, text: &str) {
    for c in text.chars() {
        key(model, KeyCode::Char(c));
    }
}

/// A signed-in admin with `n` devices loaded and the connector in `status`.
fn ready(n: usize, status: &str, caps: Capabilities) -> Model {
    let mut m = Model::new(options(), T0);
    send(&mut m, Msg::Started(signed_in()));
    send(&mut m, Msg::Capabilities(Ok(caps)));
    send(&mut m, Msg::Connector(Ok(connector(status))));
    send(
        &mut m,
        Msg::TeamViewerAccount(Ok(TeamViewerAccount {
            user_id: "u11293276".into(),
            name: "Contoso Helpdesk".into(),
            email: "helpdesk@contoso.com".into(),
            company: "Contoso Ltd".into(),
        })),
    );
    send(&mut m, Msg::SessionsListed(Ok(Vec::new())));
    send(
        &mut m,
        Msg::Health(intune_assist::http::HttpEvent::Healthy {
            service: intune_assist::http::Service::Graph,
            request: 1,
        }),
    );
    let generation = m.devices.generation;
    send(
        &mut m,
        Msg::DevicesPage {
            generation,
            devices: devices(n).into(),
            total: Some(n as u64),
            done: true,
        },
    );
    m
}

fn admin(n: usize) -> Model {
    ready(n, "onboarded", Capabilities::all())
}

fn helpdesk_caps() -> Capabilities {
    Capabilities {
        read_connector: true,
        update_connector: false,
        request_assistance: true,
        sync_devices: true,
    }
}

fn readonly_caps() -> Capabilities {
    Capabilities {
        read_connector: true,
        update_connector: false,
        request_assistance: false,
        sync_devices: false,
    }
}

/// Snapshots the model at 80×24 and 120×40.
fn snap(model: &Model, name: &str) {
    for (w, h) in [(80u16, 24u16), (120, 40)] {
        let mut m = model.clone();
        send(&mut m, Msg::Resize(w, h));
        assert_snapshot!(format!("{name}_{w}x{h}"), render_text(&m, w, h));
    }
}

fn open_devices(m: &mut Model) {
    key(m, KeyCode::Enter); // Devices
    key(m, KeyCode::Enter); // All devices
}

fn open_device_named(m: &mut Model, prefix: &str) {
    open_devices(m);
    key(m, KeyCode::Char('/'));
    typed(m, prefix);
    key(m, KeyCode::Enter);
    key(m, KeyCode::Enter);
}

fn first_named(m: &Model, pred: impl Fn(&DeviceRef<'_>) -> bool) -> String {
    m.devices
        .all
        .iter()
        .find(|d| pred(d))
        .map(|d| d.name().to_owned())
        .expect("a device")
}

#[test]
fn home() {
    snap(&admin(2000), "home_ready");
    let mut loading = Model::new(options(), T0);
    send(&mut loading, Msg::Started(signed_in()));
    snap(&loading, "home_loading");
}

#[test]
fn first_run_lands_on_accounts() {
    let mut m = Model::new(options(), T0);
    send(
        &mut m,
        Msg::Started(SignInState {
            can_sign_in: true,
            store: "memory (this run only)".into(),
            store_warning: Some("no keyring is usable (the kernel keyring: AccessDenied)".into()),
            ..SignInState::default()
        }),
    );
    snap(&m, "accounts_signed_out");
    snap(&admin(10), "home_then_accounts_pre");
    let mut signed = admin(10);
    send(
        &mut signed,
        Msg::Key(KeyEvent::new(KeyCode::Char(':'), KeyModifiers::NONE)),
    );
    typed(&mut signed, "accounts");
    key(&mut signed, KeyCode::Enter);
    snap(&signed, "accounts_signed_in");
}

#[test]
fn devices_menu() {
    let mut m = admin(2000);
    key(&mut m, KeyCode::Enter);
    snap(&m, "devices_menu");
}

#[test]
fn device_list_states() {
    let mut m = admin(2000);
    open_devices(&mut m);
    snap(&m, "all_devices_ready");
    let mut narrow = m.clone();
    send(&mut narrow, Msg::Resize(60, 20));
    let narrow_text = render_text(&narrow, 60, 20);
    assert_snapshot!("all_devices_ready_60x20", narrow_text);
    // At 60 columns every name shown is whole: the name keeps its width before the others.
    let Blade::AllDevices(list) = narrow.stack.top() else {
        panic!("All devices")
    };
    for index in list.rows.iter().take(10) {
        let device = narrow.devices.all.get(*index as usize).expect("a device");
        let name = device.name();
        assert!(narrow_text.contains(name), "{name} is cut:\n{narrow_text}");
    }

    let mut filtered = m.clone();
    key(&mut filtered, KeyCode::Char('/'));
    typed(&mut filtered, "laptop");
    snap(&filtered, "all_devices_filtering");
    key(&mut filtered, KeyCode::Enter);
    key(&mut filtered, KeyCode::Char('s'));
    key(&mut filtered, KeyCode::Char('p'));
    snap(&filtered, "all_devices_filtered_sorted_windows");

    let mut none = m.clone();
    key(&mut none, KeyCode::Char('/'));
    typed(&mut none, "no-such-device");
    snap(&none, "all_devices_no_match");

    let mut scrolled = m.clone();
    for _ in 0..3 {
        key(&mut scrolled, KeyCode::PageDown);
    }
    snap(&scrolled, "all_devices_scrolled");

    let mut empty = admin(0);
    open_devices(&mut empty);
    snap(&empty, "all_devices_empty_tenant");
}

#[test]
fn device_list_while_loading_and_after_errors() {
    let mut m = Model::new(options(), T0);
    send(&mut m, Msg::Started(signed_in()));
    open_devices(&mut m);
    snap(&m, "all_devices_loading");
    let generation = m.devices.generation;
    send(
        &mut m,
        Msg::DevicesPage {
            generation,
            devices: devices(1000).into(),
            total: Some(48_000),
            done: false,
        },
    );
    snap(&m, "all_devices_first_page");
    let mut failed = Model::new(options(), T0);
    send(&mut failed, Msg::Started(signed_in()));
    open_devices(&mut failed);
    let generation = failed.devices.generation;
    send(
        &mut failed,
        Msg::DevicesFailed {
            generation,
            error: UiError {
                message: "Microsoft Graph could not be reached: connection refused or unreachable"
                    .into(),
                class: ErrorClass::Service,
            },
        },
    );
    snap(&failed, "all_devices_error");
}

#[test]
fn a_filter_typed_while_loading_searches_the_tenant_and_marks_what_it_found() {
    let all = devices(3000);
    let mut m = Model::new(options(), T0);
    send(&mut m, Msg::Started(signed_in()));
    open_devices(&mut m);
    let generation = m.devices.generation;
    send(
        &mut m,
        Msg::DevicesPage {
            generation,
            devices: all[..1000].to_vec().into(),
            total: Some(3000),
            done: false,
        },
    );
    let wanted = all[2500].clone();
    key(&mut m, KeyCode::Char('/'));
    typed(&mut m, wanted.name());
    snap(&m, "all_devices_searching_the_tenant");
    let effects = intune_assist::app::update(&mut m, Msg::Tick(T0 + time::Duration::seconds(1)));
    let seq = effects
        .iter()
        .find_map(|e| match e {
            Effect::SearchTenant { seq, .. } => Some(*seq),
            _ => None,
        })
        .expect("a tenant search once typing pauses");
    send(
        &mut m,
        Msg::TenantSearched {
            seq,
            result: Ok(vec![wanted]),
        },
    );
    snap(&m, "all_devices_found_by_search");
}

#[test]
fn device_and_more_menu() {
    let mut m = admin(2000);
    let name = first_named(&m, |d| {
        d.assist() == Assist::Supported && d.platform() == Platform::Windows
    });
    open_device_named(&mut m, &name);
    snap(&m, "device_ready");
    key(&mut m, KeyCode::Char('m'));
    snap(&m, "device_more");

    let mut hololens = admin(2000);
    let name = first_named(&hololens, |d| d.model().contains("HoloLens"));
    open_device_named(&mut hololens, &name);
    key(&mut hololens, KeyCode::Char('m'));
    snap(&hololens, "device_more_unsupported");

    let mut denied = ready(2000, "onboarded", readonly_caps());
    let name = first_named(&denied, |d| d.assist() == Assist::Supported);
    open_device_named(&mut denied, &name);
    key(&mut denied, KeyCode::Char('m'));
    snap(&denied, "device_more_permission_denied");

    let mut not_onboarded = ready(2000, "notOnboarded", Capabilities::all());
    let name = first_named(&not_onboarded, |d| d.assist() == Assist::Supported);
    open_device_named(&mut not_onboarded, &name);
    key(&mut not_onboarded, KeyCode::Char('m'));
    snap(&not_onboarded, "device_more_connector_not_onboarded");
}

fn new_session_for(m: &mut Model, pred: impl Fn(&DeviceRef<'_>) -> bool) -> Device {
    let device = m
        .devices
        .all
        .iter()
        .find(|d| pred(d))
        .map(DeviceRef::to_device)
        .expect("device");
    open_device_named(m, device.name());
    key(m, KeyCode::Char('m'));
    key(m, KeyCode::Enter);
    device
}

fn session_for(device: &Device, code: &str) -> Session {
    Session {
        code: code.into(),
        description: format!("Intune remote assistance: {}", device.name()),
        end_customer_name: device.user_display_name().to_owned(),
        supporter_link: Some(format!(
            "https://get.teamviewer.com/v15/{}-AEG8iPEEzz96",
            code.replace('-', "")
        )),
        end_customer_link: Some(format!(
            "https://get.teamviewer.com/v15/{}",
            code.replace('-', "")
        )),
        webclient_supporter_link: Some(
            "https://login.teamviewer.com/Connect/IndexByol?sessioncode=s119457589".into(),
        ),
        open: true,
        end_user_online: false,
        created_at: Some(T0),
        closed_at: None,
        valid_until: None,
        supporter_connected_at: None,
        connection_ended_at: None,
    }
}

/// What starting a session through Intune found: Intune's link (here a supporter link with
/// the code) and TeamViewer's record of it.
fn started_intune(device: &Device, code: &str) -> Box<StartedSession> {
    let session = session_for(device, code);
    Box::new(StartedSession {
        via: StartedVia::Intune,
        session_url: session.supporter_link.clone(),
        code: Some(code.into()),
        session: Some(session),
        live: LiveState::Tracked,
    })
}

#[test]
fn new_session_stages() {
    let mut m = admin(2000);
    let device = new_session_for(&mut m, |d| {
        d.assist() == Assist::Supported && d.platform() == Platform::Windows
    });
    snap(&m, "new_session_review");
    let effects = key_effects(&mut m, KeyCode::Enter);
    assert!(
        matches!(effects.as_slice(), [Effect::RequestSession { device: d, .. }] if d.id() == device.id()),
        "⏎ on the blade sends the request at once: {effects:?}"
    );
    snap(&m, "new_session_requesting");

    let mut failed = m.clone();
    send(
        &mut failed,
        Msg::SessionFailed {
            device_id: device.id().to_owned(),
            error: UiError::other(
                "Intune could not create the session: The TeamViewer app is not supported on this device platform.",
            ),
        },
    );
    snap(&failed, "new_session_failed");

    send(&mut m, Msg::Tick(T0 + time::Duration::seconds(2)));
    send(
        &mut m,
        Msg::SessionStarted {
            device_id: device.id().to_owned(),
            started: started_intune(&device, "s119-457-589"),
            ticket: None,
        },
    );
    snap(&m, "session_live_created");
    send(&mut m, Msg::Tick(T0 + time::Duration::seconds(9)));
    let mut online = session_for(&device, "s119-457-589");
    online.end_user_online = true;
    send(
        &mut m,
        Msg::SessionObserved {
            code: "s119-457-589".into(),
            result: Ok(online.clone()),
        },
    );
    send(&mut m, Msg::Tick(T0 + time::Duration::seconds(15)));
    online.supporter_connected_at = Some(T0 + time::Duration::seconds(14));
    send(
        &mut m,
        Msg::SessionObserved {
            code: "s119-457-589".into(),
            result: Ok(online),
        },
    );
    send(&mut m, Msg::Tick(T0 + time::Duration::seconds(252)));
    snap(&m, "session_live_connected");
    assert!(key(&mut m, KeyCode::Char('x')).is_empty(), "x only asks");
    snap(&m, "confirm_close_session");
    let effects = key(&mut m, KeyCode::Char('y'));
    assert!(
        matches!(effects.as_slice(), [Effect::CloseSession { code, .. }] if code == "s119-457-589"),
        "y closes that session: {effects:?}"
    );
    send(
        &mut m,
        Msg::SessionClosed {
            code: "s119-457-589".into(),
            result: Ok(()),
        },
    );
    snap(&m, "session_live_closed");
}

#[test]
fn new_session_blocked_and_direct() {
    let mut blocked = ready(2000, "notOnboarded", Capabilities::all());
    // Not onboarded: the More menu refuses, so open the blade through a session-capable device
    // in an onboarded model and then disconnect.
    let mut m = admin(2000);
    let device = new_session_for(&mut m, |d| d.assist() == Assist::Supported);
    send(&mut m, Msg::Connector(Ok(connector("notOnboarded"))));
    snap(&m, "new_session_review_blocked");
    let effects = key(&mut m, KeyCode::Enter);
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::RequestSession { .. })),
        "{}: no request while the connector is not onboarded: {effects:?}",
        device.name()
    );

    let kiosk = new_session_for(&mut blocked, |d| {
        matches!(d.assist(), Assist::DirectSession { .. })
    });
    snap(&blocked, "new_session_review_direct");
    let effects = key(&mut blocked, KeyCode::Enter);
    assert!(
        matches!(
            effects.as_slice(),
            [Effect::RequestSession { device, onboarded: false, .. }] if device.id() == kiosk.id()
        ),
        "⏎ on a userless device asks for a direct session, whatever the connector: {effects:?}"
    );
    let session = session_for(&kiosk, "s555-123-987");
    send(
        &mut blocked,
        Msg::SessionStarted {
            device_id: kiosk.id().to_owned(),
            started: Box::new(StartedSession {
                via: StartedVia::TeamViewer,
                session_url: None,
                code: Some(session.code.clone()),
                session: Some(session),
                live: LiveState::Tracked,
            }),
            ticket: None,
        },
    );
    snap(&blocked, "session_live_direct");
}

#[test]
fn intune_sessions_whose_live_state_is_unavailable() {
    // Intune's link carries no code: the session is a success, its link the way in.
    let mut m = admin(2000);
    let device = new_session_for(&mut m, |d| {
        d.assist() == Assist::Supported && d.platform() == Platform::Windows
    });
    key(&mut m, KeyCode::Enter);
    send(&mut m, Msg::Tick(T0 + time::Duration::seconds(3)));
    let url = "https://start.teamviewer.com/intune/session/7c1e9a2b4d0f";
    send(
        &mut m,
        Msg::SessionStarted {
            device_id: device.id().to_owned(),
            started: Box::new(StartedSession {
                via: StartedVia::Intune,
                session_url: Some(url.into()),
                code: None,
                session: None,
                live: LiveState::Unavailable(Untracked::NoCode),
            }),
            ticket: None,
        },
    );
    snap(&m, "session_live_untracked_no_code");
    let effects = key_effects(&mut m, KeyCode::Char('c'));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Copy(link) if link == url)),
        "c copies Intune's link: {effects:?}"
    );
    // Nothing can be polled for it.
    let effects = {
        let mut polled = Vec::new();
        for s in [5, 10, 20] {
            polled.extend(intune_assist::app::update(
                &mut m,
                Msg::Tick(T0 + time::Duration::seconds(s)),
            ));
        }
        polled
    };
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::ObserveSession { .. })),
        "{effects:?}"
    );
    key(&mut m, KeyCode::Char('x'));
    assert!(matches!(m.overlay, Overlay::None));
    assert!(
        m.flash
            .as_ref()
            .is_some_and(|f| f.text.contains("only in the TeamViewer window")),
        "{:?}",
        m.flash
    );

    // A code, but the signed-in TeamViewer account cannot see the session.
    let mut hidden = admin(2000);
    let device = new_session_for(&mut hidden, |d| {
        d.assist() == Assist::Supported && d.platform() == Platform::Windows
    });
    key(&mut hidden, KeyCode::Enter);
    send(
        &mut hidden,
        Msg::SessionStarted {
            device_id: device.id().to_owned(),
            started: Box::new(StartedSession {
                via: StartedVia::Intune,
                session_url: Some("https://get.teamviewer.com/v15/s119457589-AEG8iPEEzz96".into()),
                code: Some("s119-457-589".into()),
                session: None,
                live: LiveState::Unavailable(Untracked::NotVisible),
            }),
            ticket: None,
        },
    );
    snap(&hidden, "session_live_untracked_not_visible");
}

#[test]
fn connector_states() {
    let mut m = admin(10);
    key(&mut m, KeyCode::Down);
    key(&mut m, KeyCode::Enter);
    snap(&m, "connector_onboarded");

    let mut off = ready(10, "notOnboarded", Capabilities::all());
    key(&mut off, KeyCode::Down);
    key(&mut off, KeyCode::Enter);
    snap(&off, "connector_not_onboarded");
    key(&mut off, KeyCode::Char('e'));
    snap(&off, "confirm_enable_connector");
    key(&mut off, KeyCode::Char('y'));
    send(&mut off, Msg::ConnectorChanged(Ok(connector("onboarding"))));
    snap(&off, "connector_onboarding");

    let mut denied = ready(10, "notOnboarded", helpdesk_caps());
    key(&mut denied, KeyCode::Down);
    key(&mut denied, KeyCode::Enter);
    key(&mut denied, KeyCode::Char('e'));
    snap(&denied, "connector_permission_denied");

    let mut failed = Model::new(options(), T0);
    send(&mut failed, Msg::Started(signed_in()));
    send(
        &mut failed,
        Msg::Connector(Err(UiError {
            message: "Microsoft Graph failed (HTTP 503, serviceNotAvailable) after several retries; try again shortly [request id 1a2b]".into(),
            class: ErrorClass::Service,
        })),
    );
    key(&mut failed, KeyCode::Down);
    key(&mut failed, KeyCode::Enter);
    send(
        &mut failed,
        Msg::Connector(Err(UiError::other(
            "Microsoft Graph failed (HTTP 503) [request id 1a2b]",
        ))),
    );
    snap(&failed, "connector_error");
}

#[test]
fn a_long_retry_after_counts_down_in_the_header() {
    let mut m = admin(10);
    send(
        &mut m,
        Msg::Health(intune_assist::http::HttpEvent::Retrying {
            service: intune_assist::http::Service::Graph,
            request: 99,
            reason: "HTTP 429".into(),
            delay: Duration::from_secs(45),
        }),
    );
    send(&mut m, Msg::Tick(T0 + time::Duration::seconds(5)));
    assert!(m.needs_tick(), "the countdown ticks");
    snap(&m, "header_retry_countdown");
    let header = render_text(&m, 120, 40);
    assert!(header.contains("Graph ● throttled, 40 s"), "{header}");
    send(&mut m, Msg::Tick(T0 + time::Duration::seconds(30)));
    assert!(render_text(&m, 120, 40).contains("throttled, 15 s"));
    send(
        &mut m,
        Msg::Health(intune_assist::http::HttpEvent::Healthy {
            service: intune_assist::http::Service::Graph,
            request: 99,
        }),
    );
    assert!(render_text(&m, 120, 40).contains("Graph ● ok"));
}

#[test]
fn enabling_the_connector_needs_an_entra_admin_role() {
    let mut m = ready(10, "notOnboarded", Capabilities::all());
    if let Some(account) = &mut m.sign_in.account {
        // A member of the directory with an Intune role, but no Entra admin role.
        account.roles = Some(vec!["b79fbf4d-3ef9-4689-8143-76b194e85509".into()]);
    }
    key(&mut m, KeyCode::Down);
    key(&mut m, KeyCode::Enter);
    snap(&m, "connector_enable_needs_role");
    let effects = key_effects(&mut m, KeyCode::Char('e'));
    assert!(effects.is_empty(), "{effects:?}");
    assert!(matches!(m.overlay, Overlay::None));
    assert!(
        m.flash.as_ref().is_some_and(|f| f
            .text
            .contains("Intune Administrator or Global Administrator")),
        "{:?}",
        m.flash
    );
}

#[test]
fn sessions_blade() {
    let mut m = admin(200);
    key(&mut m, KeyCode::Down);
    key(&mut m, KeyCode::Down);
    key(&mut m, KeyCode::Enter);
    snap(&m, "sessions_empty");
    let devices: Vec<Device> = m
        .devices
        .all
        .iter()
        .filter(|d| d.assist() == Assist::Supported)
        .take(3)
        .map(DeviceRef::to_device)
        .collect();
    let mut listed = Vec::new();
    for (i, d) in devices.iter().enumerate() {
        let mut s = session_for(d, &format!("s10{i}-200-300"));
        s.created_at = Some(T0 - time::Duration::minutes(5 * i as i64 + 1));
        s.end_user_online = i > 0;
        listed.push(s);
    }
    send(&mut m, Msg::SessionsListed(Ok(listed)));
    snap(&m, "sessions_listed");
}

#[test]
fn overlays() {
    let mut m = admin(200);
    open_devices(&mut m);
    key(&mut m, KeyCode::Char('?'));
    snap(&m, "help_all_devices");

    let mut command = admin(200);
    key(&mut command, KeyCode::Char(':'));
    typed(&mut command, "device DESK");
    snap(&command, "command_line");

    let mut token = admin(200);
    send(
        &mut token,
        Msg::Key(KeyEvent::new(KeyCode::Char(':'), KeyModifiers::NONE)),
    );
    typed(&mut token, "accounts");
    key(&mut token, KeyCode::Enter);
    key(&mut token, KeyCode::Char('t'));
    typed(&mut token, "1234567-secret");
    snap(&token, "teamviewer_token_masked");

    let mut login = Model::new(options(), T0);
    send(
        &mut login,
        Msg::Started(SignInState {
            can_sign_in: true,
            store: "the kernel keyring".into(),
            ..SignInState::default()
        }),
    );
    key(&mut login, KeyCode::Char('l'));
    snap(&login, "device_login_waiting");
    send(
        &mut login,
        Msg::DeviceCode(DevicePrompt {
            verification_uri: "https://microsoft.com/devicelogin".into(),
            user_code: "FRKQ2CX7M".into(),
            expires_at: T0 + time::Duration::minutes(15),
            expires_in: 900,
            message: String::new(),
        }),
    );
    send(&mut login, Msg::Tick(T0 + time::Duration::seconds(42)));
    snap(&login, "device_login_code");
}

#[test]
fn logs_and_read_only() {
    let mut m = admin(50);
    key(&mut m, KeyCode::Char(':'));
    typed(&mut m, "logs");
    key(&mut m, KeyCode::Enter);
    snap(&m, "logs");

    let mut ro = admin(2000);
    ro.options.read_only = true;
    let name = first_named(&ro, |d| d.assist() == Assist::Supported);
    open_device_named(&mut ro, &name);
    key(&mut ro, KeyCode::Char('m'));
    snap(&ro, "device_more_read_only");
    let mut ro_connector = admin(10);
    ro_connector.options.read_only = true;
    key(&mut ro_connector, KeyCode::Down);
    key(&mut ro_connector, KeyCode::Enter);
    key(&mut ro_connector, KeyCode::Char('d'));
    snap(&ro_connector, "connector_read_only");
}

#[test]
fn ascii_no_color_and_hostile_names() {
    let mut m = admin(300);
    m.options.ascii = true;
    m.options.no_color = true;
    open_devices(&mut m);
    snap(&m, "all_devices_ascii");

    let hostile = intune_assist::graph::parse_device_page(
        intune_assist::sim::device_page(&intune_assist::sim::hostile::generate(40, 7, T0)).into(),
    )
    .expect("the hostile page parses")
    .devices;
    let mut h = admin(0);
    let generation = h.devices.generation + 1;
    h.devices.generation = generation;
    h.devices.loading = true;
    send(
        &mut h,
        Msg::DevicesPage {
            generation,
            devices: hostile,
            total: Some(40),
            done: true,
        },
    );
    open_devices(&mut h);
    for (w, height) in [(80u16, 24u16), (120, 40)] {
        send(&mut h, Msg::Resize(w, height));
        let text = render_text(&h, w, height);
        assert!(!text.contains('\x1b') && !text.contains('\u{9b}') && !text.contains('\u{202e}'));
        assert!(
            text.lines()
                .all(|l| unicode_width::UnicodeWidthStr::width(l) <= usize::from(w)),
            "the layout holds"
        );
        assert_snapshot!(format!("all_devices_hostile_{w}x{height}"), text);
    }

    // In --ascii every character drawn is ASCII, hostile names and every blade included.
    h.options.ascii = true;
    assert_ascii(&h, "hostile All devices");
    let mut a = admin(300);
    a.options.ascii = true;
    let device = new_session_for(&mut a, |d| d.assist() == Assist::Supported);
    assert_ascii(&a, "New Remote Assistance Session");
    key(&mut a, KeyCode::Enter);
    send(
        &mut a,
        Msg::SessionStarted {
            device_id: device.id().to_owned(),
            started: started_intune(&device, "s119-457-589"),
            ticket: None,
        },
    );
    assert_ascii(&a, "the live session");
    key(&mut a, KeyCode::Char('?'));
    assert_ascii(&a, "help");
}

/// Every character of `m`'s screen, at two sizes, is ASCII.
fn assert_ascii(m: &Model, what: &str) {
    for (w, h) in [(80u16, 24u16), (120, 40)] {
        let mut sized = m.clone();
        send(&mut sized, Msg::Resize(w, h));
        let text = render_text(&sized, w, h);
        let odd: String = text.chars().filter(|c| !c.is_ascii()).collect();
        assert!(odd.is_empty(), "{what} at {w}x{h} drew {odd:?}:\n{text}");
    }
}

#[test]
fn colours_carry_meaning_with_words_too() {
    let mut m = admin(30);
    open_devices(&mut m);
    send(&mut m, Msg::Resize(60, 20));
    let buffer = intune_assist::ui::render_buffer(&m, 60, 20);
    // The selected row is styled, and the header's health says "ok" in words as well as colour.
    let selected_bg = buffer[(1, 4)].bg;
    assert_ne!(selected_bg, ratatui::style::Color::Reset);
    assert!(
        render_text(&m, 60, 20)
            .lines()
            .next()
            .is_some_and(|l| l.contains("intune-assist"))
    );
    let mut plain = m.clone();
    plain.options.no_color = true;
    let buffer = intune_assist::ui::render_buffer(&plain, 60, 20);
    assert_eq!(
        buffer[(1, 4)].bg,
        ratatui::style::Color::Reset,
        "NO_COLOR sets no colours"
    );
    assert!(
        buffer[(1, 4)]
            .modifier
            .contains(ratatui::style::Modifier::REVERSED),
        "selection still shows"
    );
}

#[test]
fn audit_log() {
    use intune_assist::app::msg::AuditView;
    use intune_assist::audit::{Activity, Entry, Outcome};
    let mut m = admin(50);
    typed(&mut m, ":audit");
    key(&mut m, KeyCode::Enter);
    snap(&m, "audit_loading");
    let entry = |action, minutes, code: &str| Entry {
        time: T0 + time::Duration::minutes(minutes),
        admin: "admin@contoso.com".into(),
        tenant: "contoso.onmicrosoft.com".into(),
        device_id: "e7988c54-d858-c0c4-dc88-01b00fc8056d".into(),
        device_name: "DESKTOP-6N5SBY4".into(),
        session_code: code.into(),
        ..Entry::new(action, Outcome::Succeeded)
    };
    let mut empty = m.clone();
    send(&mut empty, Msg::AuditLoaded(Ok(AuditView::default())));
    snap(&empty, "audit_empty");
    send(
        &mut m,
        Msg::AuditLoaded(Ok(AuditView {
            entries: vec![
                entry(Activity::SessionClosed, 12, "s944-012-419"),
                entry(Activity::SessionRequested, 1, "s944-012-419").failed("HTTP 503"),
                entry(Activity::ConnectorEnabled, 0, ""),
            ],
            unreadable: 1,
            path: Some("/home/admin/.local/state/intune-assist/audit.jsonl".into()),
        })),
    );
    snap(&m, "audit_entries");
}

#[test]
fn session_history() {
    use intune_assist::domain::{ConnectionKind, PastSession, Requested};
    use intune_assist::history::History;
    let mut m = admin(50);
    typed(&mut m, ":sessions");
    key(&mut m, KeyCode::Enter);
    key(&mut m, KeyCode::Char('h'));
    snap(&m, "history_loading");
    let past = |minutes: i64, length: i64, device: &str, code: Option<&str>| PastSession {
        status: PastStatus::Connected,
        id: format!("r{minutes}"),
        session_code: code.map(Into::into),
        supporter: "Contoso Helpdesk".into(),
        supporter_id: "u11293276".into(),
        device_name: device.into(),
        group: "Intune".into(),
        kind: ConnectionKind::RemoteSupport,
        started_at: Some(T0 - time::Duration::minutes(minutes)),
        ended_at: Some(T0 - time::Duration::minutes(minutes - length)),
        duration_secs: Some(length * 60),
        requested: None,
    };
    let mut forbidden = m.clone();
    send(
        &mut forbidden,
        Msg::HistoryLoaded(Err(intune_assist::app::UiError::other(
            intune_assist::history::explain(&intune_assist::http::ApiError::new(
                intune_assist::http::Service::TeamViewer,
                intune_assist::http::ErrorKind::Forbidden {
                    missing: None,
                    code: "insufficient_rights".into(),
                    message: String::new(),
                    hint: None,
                },
            )),
        ))),
    );
    snap(&forbidden, "history_forbidden");
    let mut empty = m.clone();
    send(
        &mut empty,
        Msg::HistoryLoaded(Ok(History {
            since: Some(T0 - time::Duration::days(30)),
            ..History::default()
        })),
    );
    snap(&empty, "history_empty");
    let mut ours = past(90, 14, "tv-desktop", Some("s944-012-419"));
    ours.requested = Some(Requested {
        admin: "admin@contoso.com".into(),
        tenant: "contoso.onmicrosoft.com".into(),
        device_id: "e7988c54-d858-c0c4-dc88-01b00fc8056d".into(),
        device_name: "DESKTOP-6N5SBY4".into(),
        at: T0 - time::Duration::minutes(92),
        ticket: Ticket::from_stored("INC-0042"),
        session_url: None,
    });
    let unanswered = PastSession::unconnected(
        Requested {
            admin: "admin@contoso.com".into(),
            tenant: "contoso.onmicrosoft.com".into(),
            device_id: "0b6d2a3e-2f4c-4d51-9d8e-5a3c1f00aa01".into(),
            device_name: "LAPTOP-NEVERCAME".into(),
            at: T0 - time::Duration::minutes(30),
            ticket: Ticket::from_stored("INC-0043"),
            session_url: None,
        },
        Some("s555-000-111".into()),
    );
    send(
        &mut m,
        Msg::HistoryLoaded(Ok(History {
            sessions: vec![
                unanswered,
                ours,
                past(60 * 26, 75, "LAPTOP-F9S41QM", Some("s120-555-013")),
                past(60 * 24 * 3, 1, "KIOSK-MKT-297", None),
            ],
            since: Some(T0 - time::Duration::days(30)),
            unreadable_audit_lines: 0,
        })),
    );
    snap(&m, "history_sessions");
    key(&mut m, KeyCode::Down);
    snap(&m, "history_second_selected");
}

#[test]
fn tenant_profiles() {
    use intune_assist::tenants::ProfileSignIns;
    // Without profiles the blade says how to add them.
    let mut none = admin(50);
    typed(&mut none, ":tenants");
    key(&mut none, KeyCode::Enter);
    send(&mut none, Msg::TenantsLoaded(Ok(Vec::new())));
    snap(&none, "tenants_none");

    let mut m = admin(50);
    m.options.profiles = vec!["contoso".into(), "fabrikam".into()];
    m.options.profile = Some("contoso".into());
    m.options.tenant_label = "contoso · contoso.onmicrosoft.com".into();
    let device = new_session_for(&mut m, |d| d.assist() == Assist::Supported);
    key(&mut m, KeyCode::Enter);
    let session = session_for(&device, "s944-012-419");
    send(
        &mut m,
        Msg::SessionStarted {
            device_id: device.id().to_owned(),
            started: Box::new(StartedSession {
                via: StartedVia::Intune,
                session_url: Some("https://get.teamviewer.com/v15/s944012419".into()),
                code: Some(session.code.clone()),
                session: Some(session),
                live: LiveState::Tracked,
            }),
            ticket: None,
        },
    );
    typed(&mut m, ":tenants");
    key(&mut m, KeyCode::Enter);
    let row = |profile: &str, tenant: &str, account: Option<&str>| ProfileSignIns {
        profile: Some(profile.into()),
        selected: profile == "contoso",
        default: profile == "contoso",
        tenant: tenant.into(),
        graph_url: "https://graph.microsoft.com/".into(),
        microsoft: account.map(|username| intune_assist::domain::Account {
            username: username.into(),
            name: "Helpdesk".into(),
            tenant_id: String::new(),
            roles: None,
        }),
        graph_token_from_environment: false,
        teamviewer: None,
    };
    send(
        &mut m,
        Msg::TenantsLoaded(Ok(vec![
            row(
                "contoso",
                "contoso.onmicrosoft.com",
                Some("admin@contoso.com"),
            ),
            row("fabrikam", "fabrikam.onmicrosoft.com", None),
        ])),
    );
    snap(&m, "tenants_listed");
    key(&mut m, KeyCode::Down);
    key(&mut m, KeyCode::Enter);
    send(
        &mut m,
        Msg::TenantSwitched(Ok("fabrikam · fabrikam.onmicrosoft.com".into())),
    );
    snap(&m, "tenants_switched");
}

/// The device the All devices blade on top has selected.
fn selected_device(m: &Model) -> String {
    match m.stack.top() {
        Blade::AllDevices(list) => {
            let row = list.rows[list.cursor.selected];
            m.devices
                .all
                .get(row as usize)
                .expect("a device")
                .name()
                .to_owned()
        }
        other => panic!("All devices is not on top: {:?}", other.kind()),
    }
}

#[test]
fn typing_a_filter_selects_its_best_match_and_arriving_pages_keep_the_selection() {
    let mut m = ready(1000, "onboarded", Capabilities::all());
    open_devices(&mut m);
    for _ in 0..5 {
        key(&mut m, KeyCode::Down);
    }
    key(&mut m, KeyCode::Char('/'));
    typed(&mut m, "~dsk");
    let Blade::AllDevices(list) = m.stack.top() else {
        panic!("All devices is not on top");
    };
    assert_eq!(list.cursor.selected, 0, "the best match is selected");
    // Moving the text cursor changes nothing.
    key(&mut m, KeyCode::Left);
    key(&mut m, KeyCode::Enter);
    key(&mut m, KeyCode::Down);
    key(&mut m, KeyCode::Down);
    let chosen = selected_device(&m);
    let generation = m.devices.generation;
    send(
        &mut m,
        Msg::DevicesPage {
            generation,
            devices: devices(2000).split_off(1000).into(),
            total: Some(2000),
            done: true,
        },
    );
    assert_eq!(
        selected_device(&m),
        chosen,
        "a new page moved the selection"
    );
}

#[test]
fn the_header_shows_each_service_s_health_at_every_width() {
    let mut m = admin(100);
    send(
        &mut m,
        Msg::Health(intune_assist::http::HttpEvent::Unreachable {
            service: intune_assist::http::Service::Graph,
            request: 2,
        }),
    );
    for width in [60u16, 80, 100, 120] {
        let mut sized = m.clone();
        send(&mut sized, Msg::Resize(width, 24));
        let screen = render_text(&sized, width, 24);
        let header = screen.lines().next().unwrap_or_default();
        assert!(
            header.contains("Graph ● unreachable") && header.contains("TeamViewer ● ok"),
            "{width} columns: {header}"
        );
    }
}

/// The effects that keys and messages ask for, where they matter.
#[test]
fn effects_of_keys_and_messages() {
    // r on the connector reloads it.
    let mut m = admin(10);
    key(&mut m, KeyCode::Down);
    key(&mut m, KeyCode::Enter);
    let effects = key_effects(&mut m, KeyCode::Char('r'));
    assert!(
        matches!(effects.as_slice(), [Effect::LoadConnector]),
        "{effects:?}"
    );

    // A page from a load that was replaced is dropped: nothing changes, nothing is asked.
    let mut m = admin(10);
    let before = m.devices.all.len();
    let stale = m.devices.generation - 1;
    let effects = update(
        &mut m,
        Msg::DevicesPage {
            generation: stale,
            devices: devices(5).into(),
            total: Some(5),
            done: true,
        },
    );
    assert!(effects.is_empty(), "{effects:?}");
    assert_eq!(m.devices.all.len(), before);

    // y on the close confirmation closes that session, naming its device for the trail.
    let mut m = admin(2000);
    let device = new_session_for(&mut m, |d| d.assist() == Assist::Supported);
    key(&mut m, KeyCode::Enter);
    send(
        &mut m,
        Msg::SessionStarted {
            device_id: device.id().to_owned(),
            started: started_intune(&device, "s119-457-589"),
            ticket: None,
        },
    );
    assert!(key_effects(&mut m, KeyCode::Char('x')).is_empty());
    let effects = key_effects(&mut m, KeyCode::Char('y'));
    assert!(
        matches!(
            effects.as_slice(),
            [Effect::CloseSession { code, device_id, .. }]
                if code == "s119-457-589" && *device_id == device.id()
        ),
        "{effects:?}"
    );
}

#[test]
fn tickets_on_new_sessions() {
    let mut m = admin(2000);
    let device = new_session_for(&mut m, |d| {
        d.assist() == Assist::Supported && d.platform() == Platform::Windows
    });
    key(&mut m, KeyCode::Char('t'));
    // Keys that act elsewhere type into the line while it is edited.
    typed(&mut m, "INC-0042 x?:");
    assert!(
        matches!(m.overlay, Overlay::None),
        "no overlay opened while typing"
    );
    for _ in 0..3 {
        key(&mut m, KeyCode::Backspace);
    }
    snap(&m, "new_session_ticket_typing");
    key(&mut m, KeyCode::Enter);
    snap(&m, "new_session_ticket_kept");
    // Esc while editing again puts back what was kept.
    key(&mut m, KeyCode::Char('t'));
    typed(&mut m, "-typo");
    key(&mut m, KeyCode::Esc);
    let effects = key_effects(&mut m, KeyCode::Enter);
    assert!(
        matches!(effects.as_slice(),
            [Effect::RequestSession { device: d, ticket: Some(t), .. }]
                if d.id() == device.id() && t.as_str() == "INC-0042"),
        "⏎ sends the request with the ticket kept: {effects:?}"
    );
    send(
        &mut m,
        Msg::SessionStarted {
            device_id: device.id().to_owned(),
            started: started_intune(&device, "s119-457-589"),
            ticket: Ticket::from_stored("INC-0042"),
        },
    );
    snap(&m, "session_live_with_ticket");

    let mut long = admin(2000);
    new_session_for(&mut long, |d| d.assist() == Assist::Supported);
    key(&mut long, KeyCode::Char('t'));
    typed(&mut long, &"9".repeat(65));
    key(&mut long, KeyCode::Enter);
    let effects = key_effects(&mut long, KeyCode::Enter);
    assert!(
        effects.is_empty(),
        "a ticket that is too long is refused, not cut: {effects:?}"
    );
    snap(&long, "new_session_ticket_too_long");
}

#[test]
fn a_required_ticket_is_asked_for_before_connect() {
    let mut m = admin(2000);
    m.options.ticket_required = true;
    new_session_for(&mut m, |d| d.assist() == Assist::Supported);
    snap(&m, "new_session_ticket_required");
    // ⏎ on the empty line keeps nothing; the next ⏎ would connect, and is refused.
    key(&mut m, KeyCode::Enter);
    let effects = key_effects(&mut m, KeyCode::Enter);
    assert!(
        effects.is_empty(),
        "no request without a ticket: {effects:?}"
    );
    assert!(
        m.flash
            .as_ref()
            .is_some_and(|f| f.text.contains("ticket_required")),
        "{:?}",
        m.flash
    );
    typed(&mut m, "CHG-7");
    key(&mut m, KeyCode::Enter);
    let effects = key_effects(&mut m, KeyCode::Enter);
    assert!(
        matches!(effects.as_slice(), [Effect::RequestSession { ticket: Some(t), .. }] if t.as_str() == "CHG-7"),
        "{effects:?}"
    );
}

/// Opens the More menu of a supported Windows device and chooses Sync.
fn choose_sync(m: &mut Model) -> Device {
    let name = first_named(m, |d| {
        d.assist() == Assist::Supported && d.platform() == Platform::Windows
    });
    open_device_named(m, &name);
    key(m, KeyCode::Char('m'));
    key(m, KeyCode::Down);
    key(m, KeyCode::Enter);
    m.devices
        .all
        .iter()
        .find(|d| d.name() == name)
        .map(DeviceRef::to_device)
        .expect("device")
}

#[test]
fn sync_from_the_more_menu() {
    let mut m = admin(2000);
    let device = choose_sync(&mut m);
    snap(&m, "device_sync_confirm");
    let effects = key_effects(&mut m, KeyCode::Char('y'));
    assert!(
        matches!(effects.as_slice(), [Effect::SyncDevice { device_id, .. }] if *device_id == device.id()),
        "{effects:?}"
    );
    send(
        &mut m,
        Msg::SyncSent {
            device_id: device.id().to_owned(),
            result: Ok(()),
        },
    );
    send(&mut m, Msg::Tick(T0 + time::Duration::seconds(1)));
    snap(&m, "device_sync_waiting");
    let effects = send(&mut m, Msg::Tick(T0 + time::Duration::seconds(3)));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::ReadLastSync { device_id } if *device_id == device.id())),
        "the device is read again while waited on: {effects:?}"
    );
    let mut never = m.clone();
    let checked_in = T0 + time::Duration::seconds(4);
    send(
        &mut m,
        Msg::LastSyncRead {
            device_id: device.id().to_owned(),
            result: Ok(Some(checked_in)),
        },
    );
    snap(&m, "device_sync_checked_in");
    assert_eq!(
        m.devices
            .get(device.id())
            .and_then(|d| d.last_sync_date_time()),
        Some(checked_in),
        "the list shows the new check-in"
    );
    assert!(
        m.sync_of(device.id()).is_some_and(|s| !s.watch.watching()),
        "a device that checked in is no longer read again"
    );

    send(
        &mut never,
        Msg::LastSyncRead {
            device_id: device.id().to_owned(),
            result: Ok(device.last_sync_date_time()),
        },
    );
    let effects = send(&mut never, Msg::Tick(T0 + time::Duration::seconds(121)));
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::ReadLastSync { .. })),
        "no reads after two minutes: {effects:?}"
    );
    snap(&never, "device_sync_not_checked_in");
}

#[test]
fn sync_explained_when_it_cannot_be_done() {
    let mut denied = ready(2000, "onboarded", helpdesk_caps());
    denied.capabilities.value = Some(Capabilities {
        sync_devices: false,
        ..helpdesk_caps()
    });
    let effects = {
        choose_sync(&mut denied);
        key_effects(&mut denied, KeyCode::Char('y'))
    };
    assert!(effects.is_empty(), "{effects:?}");
    assert!(
        matches!(denied.overlay, Overlay::None),
        "nothing to confirm"
    );
    let text = denied
        .flash
        .as_ref()
        .map(|f| f.text.clone())
        .unwrap_or_default();
    assert!(
        text.contains("Sync devices") && text.contains("Remote tasks › Sync devices"),
        "{text}"
    );

    let mut read_only = admin(2000);
    read_only.options.read_only = true;
    let name = first_named(&read_only, |d| d.assist() == Assist::Supported);
    open_device_named(&mut read_only, &name);
    key(&mut read_only, KeyCode::Char('m'));
    let screen = render_text(&read_only, 120, 40);
    assert!(
        !screen.contains("Sync"),
        "read-only mode hides Sync:\n{screen}"
    );
}
