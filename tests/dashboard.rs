//! Flow tests: keystrokes through the real app loop (update, runner, effects) against the
//! simulator over loopback, for the admin, helpdesk and read-only profiles.

mod common;

use std::time::Duration;

use common::{Harness, sim_config};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use intune_assist::app::driver::{Clock, Driver};
use intune_assist::app::model::{Options, Overlay};
use intune_assist::app::nav::{Blade, BladeKind, SessionStage};
use intune_assist::auth::store::SecretStore;
use intune_assist::domain::{Assist, OnboardingStatus, Platform, SessionState};
use intune_assist::script::{Format, Player};
use intune_assist::sim::{Profile, SimConfig};

const WAIT: Duration = Duration::from_secs(20);

fn options() -> Options {
    Options {
        tenant_label: "contoso.onmicrosoft.com".into(),
        poll_min: Duration::from_millis(100),
        poll_max: Duration::from_millis(400),
        ..Options::default()
    }
}

/// The app through the tape player, as `intune-assist script` plays it, on the system clock.
fn player(driver: Driver) -> Player {
    Player::new(driver, (120, 40), Format::Txt, None)
}

fn driver(h: &Harness) -> Player {
    player(Driver::new(h.services.clone(), options(), Clock::System))
}

fn press(d: &mut Player, code: KeyCode) {
    d.press(KeyEvent::new(code, KeyModifiers::NONE));
}

fn type_text(d: &mut Player, text: &str) {
    d.type_text(text);
}

fn screen(d: &Player) -> String {
    d.screen()
}

async fn until(d: &mut Player, what: &str, done: impl FnMut(&intune_assist::app::Model) -> bool) {
    if let Err(e) = d.driver.run_until(WAIT, done).await {
        panic!("waiting for {what}: {e}\n{}", screen(d));
    }
}

async fn loaded(h: &Harness) -> Player {
    let mut d = driver(h);
    until(&mut d, "devices and connector", |m| {
        m.devices.complete && m.connector.value.is_some() && m.capabilities.value.is_some()
    })
    .await;
    d
}

/// Opens the device named `name` through the blades: Devices › All devices › filter › open.
fn open_device(d: &mut Player, name: &str) {
    press(d, KeyCode::Enter);
    press(d, KeyCode::Enter);
    press(d, KeyCode::Char('/'));
    type_text(d, name);
    press(d, KeyCode::Enter);
    press(d, KeyCode::Enter);
}

/// A supported Windows device of the loaded tenant.
fn supported_windows(d: &Player) -> intune_assist::domain::Device {
    d.driver
        .model
        .devices
        .all
        .iter()
        .find(|x| x.platform() == Platform::Windows && x.assist() == Assist::Supported)
        .map(|d| d.to_device())
        .expect("a supported Windows device")
}

/// Opens the device's New Remote Assistance Session blade, presses ⏎ Connect and waits for
/// the session's view.
async fn connect(d: &mut Player, device: &intune_assist::domain::Device) {
    open_device(d, device.name());
    press(d, KeyCode::Char('m'));
    press(d, KeyCode::Enter);
    assert!(screen(d).contains("Press ⏎ to Connect"), "{}", screen(d));
    press(d, KeyCode::Enter);
    until_live(d).await;
}

/// Waits until the New Remote Assistance Session blade shows the session.
async fn until_live(d: &mut Player) {
    until(d, "the session's view", |m| {
        matches!(
            m.stack.top(),
            Blade::NewSession {
                stage: SessionStage::Live { .. },
                ..
            }
        )
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn find_a_device_start_a_session_watch_it_connect_and_close_it() {
    let h = Harness::with_tokens(sim_config()).await;
    let mut d = loaded(&h).await;
    let device = supported_windows(&d);
    open_device(&mut d, device.name());
    assert!(
        matches!(d.driver.model.stack.top(), Blade::Device { id, .. } if *id == device.id()),
        "{}",
        screen(&d)
    );
    let crumbs = screen(&d).lines().nth(1).unwrap_or_default().to_string();
    assert!(
        crumbs.contains("Intune › Devices › All devices ›"),
        "{crumbs}"
    );

    press(&mut d, KeyCode::Char('m'));
    assert!(screen(&d).contains("New Remote Assistance Session"));
    press(&mut d, KeyCode::Enter);
    assert_eq!(d.driver.model.stack.top().kind(), BladeKind::NewSession);
    assert!(screen(&d).contains("Press ⏎ to Connect"), "{}", screen(&d));
    // The blade names the device and says what happens: ⏎ sends the request, no second dialog.
    press(&mut d, KeyCode::Enter);
    assert!(
        matches!(d.driver.model.overlay, Overlay::None),
        "{}",
        screen(&d)
    );
    until_live(&mut d).await;
    let code = match d.driver.model.stack.top() {
        Blade::NewSession {
            stage: SessionStage::Live { key },
            ..
        } => key.clone(),
        _ => unreachable!(),
    };
    assert!(screen(&d).contains(&code));
    until(&mut d, "supporter connected", |m| {
        m.session(&code).is_some_and(|s| {
            s.timeline
                .iter()
                .any(|(state, _)| *state == SessionState::SupporterConnected)
        })
    })
    .await;
    let live_screen = screen(&d);
    for line in [
        "requested",
        "end user notified",
        "end user accepted and is online",
        "supporter connected",
    ] {
        assert!(live_screen.contains(line), "missing {line}:\n{live_screen}");
    }
    press(&mut d, KeyCode::Char('c'));
    assert!(
        d.driver
            .clipboard
            .last()
            .is_some_and(|l| l.contains("/v15/s")),
        "the supporter link was copied"
    );

    press(&mut d, KeyCode::Char('x'));
    press(&mut d, KeyCode::Char('y'));
    until(&mut d, "the session to close", |m| {
        m.session(&code).is_some_and(|s| !s.is_open())
    })
    .await;
    assert!(screen(&d).contains("closed"));
    assert_eq!(h.sim.open_sessions(), 0);

    // Back restores the blades below as they were left: the filtered list, same selection.
    press(&mut d, KeyCode::Esc);
    press(&mut d, KeyCode::Esc);
    let Blade::AllDevices(list) = d.driver.model.stack.top() else {
        panic!("expected All devices")
    };
    assert_eq!(list.filter.value(), device.name());
    assert_eq!(
        d.driver
            .model
            .devices
            .all
            .get(list.rows[list.cursor.selected] as usize)
            .expect("a device")
            .id(),
        device.id()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_with_no_teamviewer_sign_in_is_intunes_link() {
    let h = Harness::graph_only(sim_config()).await;
    let mut d = loaded(&h).await;
    assert!(!d.driver.model.sign_in.teamviewer);
    let device = supported_windows(&d);
    connect(&mut d, &device).await;
    let shown = screen(&d);
    assert!(shown.contains("Session link"), "{shown}");
    assert!(
        shown.contains("unavailable: no TeamViewer sign-in"),
        "{shown}"
    );
    press(&mut d, KeyCode::Char('c'));
    let copied = d.driver.clipboard.last().cloned().unwrap_or_default();
    let live = d.driver.model.sessions.last().expect("a session");
    assert_eq!(Some(copied.as_str()), live.session_url.as_deref());
    assert_eq!(h.count_requests("POST", "requestRemoteAssistance"), 1);
    assert_eq!(h.count_requests("GET", "/teamviewer/api/v1/sessions"), 0);
}

/// One keypress never prompts the end user twice: the answer to the request is lost, the app
/// does not send it again, and the device's session link shows it arrived.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_answer_to_connect_prompts_the_user_once() {
    let h = Harness::with_tokens(SimConfig {
        faults: "lost=1,on=requestRemoteAssistance".parse().expect("spec"),
        ..sim_config()
    })
    .await;
    let mut d = loaded(&h).await;
    let device = supported_windows(&d);
    connect(&mut d, &device).await;
    assert_eq!(h.sim.faults_injected().lost, 1, "the request met the fault");
    assert_eq!(h.count_requests("POST", "requestRemoteAssistance"), 1);
    assert_eq!(h.sim.open_sessions(), 1);
    assert!(screen(&d).contains("Session link"), "{}", screen(&d));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enable_then_disconnect_the_connector() {
    let h = Harness::with_tokens(SimConfig {
        onboarded: false,
        ..sim_config()
    })
    .await;
    let mut d = loaded(&h).await;
    press(&mut d, KeyCode::Char(':'));
    type_text(&mut d, "connector");
    press(&mut d, KeyCode::Enter);
    until(&mut d, "the connector", |m| {
        m.connector
            .value
            .as_ref()
            .is_some_and(|c| c.onboarding_status == OnboardingStatus::NotOnboarded)
            && !m.connector.loading
    })
    .await;
    assert!(
        screen(&d).contains("Devices › TeamViewer Connector"),
        "{}",
        screen(&d)
    );
    press(&mut d, KeyCode::Char('e'));
    assert!(
        screen(&d).contains("Accept these terms"),
        "the licence terms show: {}",
        screen(&d)
    );
    press(&mut d, KeyCode::Char('y'));
    until(&mut d, "onboarding", |m| {
        m.connector
            .value
            .as_ref()
            .is_some_and(|c| c.onboarding_status == OnboardingStatus::Onboarding)
    })
    .await;
    assert!(
        screen(&d).contains("/intune/onboard/"),
        "the onboarding URL shows"
    );
    until(&mut d, "onboarded", |m| {
        m.connector.value.as_ref().is_some_and(|c| c.is_onboarded())
    })
    .await;
    assert_eq!(h.sim.connector_status(), Some("onboarded"));

    press(&mut d, KeyCode::Char('d'));
    press(&mut d, KeyCode::Char('y'));
    until(&mut d, "disconnected", |m| {
        m.connector
            .value
            .as_ref()
            .is_some_and(|c| c.onboarding_status == OnboardingStatus::NotOnboarded)
            && !m.connector.loading
    })
    .await;
    assert_eq!(h.sim.connector_status(), Some("notOnboarded"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn helpdesk_can_start_sessions_but_the_connector_is_greyed() {
    let h = Harness::with_tokens(SimConfig {
        profile: Profile::Helpdesk,
        ..sim_config()
    })
    .await;
    let mut d = loaded(&h).await;
    press(&mut d, KeyCode::Char(':'));
    type_text(&mut d, "connector");
    press(&mut d, KeyCode::Enter);
    until(&mut d, "the connector", |m| !m.connector.loading).await;
    let text = screen(&d);
    assert!(
        text.contains("Enable and Disconnect are unavailable"),
        "{text}"
    );
    assert!(
        text.contains("Microsoft.Intune_RemoteAssistance_Update"),
        "{text}"
    );
    let footer = text.lines().last().unwrap_or_default();
    assert!(
        !footer.contains("e enable"),
        "no hint for what is not allowed: {footer}"
    );
    press(&mut d, KeyCode::Char('d'));
    assert!(
        matches!(d.driver.model.overlay, Overlay::None),
        "no confirmation without the permission"
    );
    assert!(
        d.driver
            .model
            .flash
            .as_ref()
            .is_some_and(|f| f.error && f.text.contains("Update Remote Assistance"))
    );

    let device = d
        .driver
        .model
        .devices
        .all
        .iter()
        .find(|x| x.assist() == Assist::Supported)
        .map(|d| d.to_device())
        .expect("device");
    press(&mut d, KeyCode::Char(':'));
    type_text(&mut d, &format!("device {}", device.name()));
    press(&mut d, KeyCode::Enter);
    press(&mut d, KeyCode::Char('m'));
    assert!(
        !screen(&d).contains("Unavailable:"),
        "helpdesk may request: {}",
        screen(&d)
    );
    press(&mut d, KeyCode::Enter);
    press(&mut d, KeyCode::Enter);
    until_live(&mut d).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_operator_sees_why_actions_are_greyed() {
    let h = Harness::with_tokens(SimConfig {
        profile: Profile::Readonly,
        ..sim_config()
    })
    .await;
    let mut d = loaded(&h).await;
    let device = d
        .driver
        .model
        .devices
        .all
        .iter()
        .find(|x| x.assist() == Assist::Supported)
        .map(|d| d.to_device())
        .expect("device");
    open_device(&mut d, device.name());
    press(&mut d, KeyCode::Char('m'));
    let text = screen(&d);
    assert!(
        text.contains("Unavailable: Your Intune role lacks “Request Remote"),
        "{text}"
    );
    press(&mut d, KeyCode::Enter);
    assert_eq!(
        d.driver.model.stack.top().kind(),
        BladeKind::Device,
        "the blade does not open"
    );
    assert!(
        d.driver
            .model
            .flash
            .as_ref()
            .is_some_and(|f| f.text.contains("Request Remote Assistance"))
    );
    assert_eq!(h.sim.open_sessions(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_mode_hides_every_change() {
    let h = Harness::with_tokens(sim_config()).await;
    let mut d = player(Driver::new(
        h.services.clone(),
        Options {
            read_only: true,
            ..options()
        },
        Clock::System,
    ));
    until(&mut d, "loaded", |m| {
        m.devices.complete && m.connector.value.is_some()
    })
    .await;
    press(&mut d, KeyCode::Char(':'));
    type_text(&mut d, "connector");
    press(&mut d, KeyCode::Enter);
    until(&mut d, "connector", |m| !m.connector.loading).await;
    let footer = screen(&d).lines().last().unwrap_or_default().to_string();
    assert!(
        !footer.contains("enable") && !footer.contains("disconnect"),
        "{footer}"
    );
    press(&mut d, KeyCode::Char('d'));
    assert!(matches!(d.driver.model.overlay, Overlay::None));
    assert_eq!(h.sim.connector_status(), Some("onboarded"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_run_signs_in_with_a_device_code_and_a_teamviewer_token() {
    let h = Harness::signed_out(sim_config(), SecretStore::memory()).await;
    let mut d = driver(&h);
    until(&mut d, "start-up", |m| m.started).await;
    assert_eq!(d.driver.model.stack.top().kind(), BladeKind::Accounts);
    press(&mut d, KeyCode::Char('l'));
    until(&mut d, "the device code", |m| {
        matches!(&m.overlay, Overlay::DeviceLogin { prompt: Some(_) })
    })
    .await;
    assert!(screen(&d).contains("/login/devicelogin"));
    until(&mut d, "signed in", |m| m.sign_in.account.is_some()).await;
    assert_eq!(d.driver.model.stack.top().kind(), BladeKind::Home);
    until(&mut d, "devices", |m| m.devices.complete).await;

    press(&mut d, KeyCode::Char(':'));
    type_text(&mut d, "accounts");
    press(&mut d, KeyCode::Enter);
    press(&mut d, KeyCode::Char('t'));
    type_text(&mut d, "wrong-token");
    press(&mut d, KeyCode::Enter);
    until(&mut d, "the refusal", |m| {
        m.flash.as_ref().is_some_and(|f| f.error)
    })
    .await;
    assert!(!d.driver.model.sign_in.teamviewer);
    type_text(&mut d, &h.sim.endpoints.teamviewer_token);
    assert!(
        !screen(&d).contains(&h.sim.endpoints.teamviewer_token),
        "the token is masked"
    );
    press(&mut d, KeyCode::Enter);
    until(&mut d, "TeamViewer sign-in", |m| m.sign_in.teamviewer).await;
    assert!(screen(&d).contains("Contoso Helpdesk"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn userless_devices_get_a_direct_session_with_the_code_to_read_out() {
    let h = Harness::with_tokens(sim_config()).await;
    let mut d = loaded(&h).await;
    let kiosk = d
        .driver
        .model
        .devices
        .all
        .iter()
        .find(|x| matches!(x.assist(), Assist::DirectSession { .. }))
        .map(|d| d.to_device())
        .expect("kiosk");
    press(&mut d, KeyCode::Char(':'));
    type_text(&mut d, &format!("device {}", kiosk.id()));
    press(&mut d, KeyCode::Enter);
    press(&mut d, KeyCode::Char('m'));
    press(&mut d, KeyCode::Enter);
    assert!(
        screen(&d).contains("read its code to the person at the device"),
        "{}",
        screen(&d)
    );
    press(&mut d, KeyCode::Enter);
    until_live(&mut d).await;
    assert!(
        screen(&d).contains("read the code to the person at it"),
        "{}",
        screen(&d)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polling_stops_when_nobody_watches() {
    let h = Harness::with_tokens(sim_config()).await;
    let mut d = loaded(&h).await;
    let device = d
        .driver
        .model
        .devices
        .all
        .iter()
        .find(|x| x.assist() == Assist::Supported)
        .map(|d| d.to_device())
        .expect("device");
    press(&mut d, KeyCode::Char(':'));
    type_text(&mut d, &format!("device {}", device.id()));
    press(&mut d, KeyCode::Enter);
    press(&mut d, KeyCode::Char('m'));
    press(&mut d, KeyCode::Enter);
    press(&mut d, KeyCode::Enter);
    until_live(&mut d).await;
    // Narrow terminal (no side panes) and leave the live view: nothing watches the session.
    d.resize(80, 24);
    press(&mut d, KeyCode::Esc);
    let _ = d
        .driver
        .run_until(Duration::from_millis(600), |_| false)
        .await;
    let before = d.driver.model.sessions[0].poll.clone();
    let _ = d
        .driver
        .run_until(Duration::from_millis(1500), |_| false)
        .await;
    let after = d.driver.model.sessions[0].poll.clone();
    assert!(
        !after.in_flight && before.next_at == after.next_at,
        "no poll while unwatched"
    );
}

/// A loaded dashboard whose audit trail is a file in `dir` and whose exports go there.
async fn loaded_with_trail(h: &mut Harness, dir: &tempfile::TempDir) -> Player {
    h.services.audit = intune_assist::audit::AuditLog::File(dir.path().join("audit.jsonl"));
    let mut d = player(Driver::new(
        h.services.clone(),
        Options {
            export_dir: Some(dir.path().to_path_buf()),
            ..options()
        },
        Clock::System,
    ));
    until(&mut d, "devices and connector", |m| {
        m.devices.complete && m.connector.value.is_some() && m.capabilities.value.is_some()
    })
    .await;
    d
}

/// A loaded dashboard (its trail and exports in `dir`) on a supported Windows device's More
/// menu.
async fn more_menu_of_a_windows_device(
    dir: &tempfile::TempDir,
) -> (Harness, Player, intune_assist::domain::Device) {
    let mut h = Harness::with_tokens(sim_config()).await;
    let mut d = loaded_with_trail(&mut h, dir).await;
    let device = supported_windows(&d);
    open_device(&mut d, device.name());
    press(&mut d, KeyCode::Char('m'));
    (h, d, device)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ticket_typed_on_the_blade_reaches_the_trail_the_history_and_its_export() {
    let dir = tempfile::tempdir().expect("dir");
    let (h, mut d, device) = more_menu_of_a_windows_device(&dir).await;
    press(&mut d, KeyCode::Enter);
    press(&mut d, KeyCode::Char('t'));
    type_text(&mut d, "INC-77");
    press(&mut d, KeyCode::Enter);
    assert!(screen(&d).contains("INC-77"), "{}", screen(&d));
    press(&mut d, KeyCode::Enter);
    until_live(&mut d).await;
    assert!(
        screen(&d).contains("ticket INC-77"),
        "the session's title names the ticket: {}",
        screen(&d)
    );
    let (trail, _) = h.services.audit.read(None).expect("the trail");
    assert!(
        trail
            .iter()
            .any(|e| e.ticket == "INC-77" && e.device_id == device.id()),
        "{trail:?}"
    );

    type_text(&mut d, ":history");
    press(&mut d, KeyCode::Enter);
    until(&mut d, "the history", |m| m.history.value.is_some()).await;
    let history = d.driver.model.history.value.clone().expect("history");
    assert!(
        history
            .sessions
            .iter()
            .any(|s| s.ticket().map(|t| t.as_str()) == Some("INC-77")),
        "{history:?}"
    );
    press(&mut d, KeyCode::Char('e'));
    until(&mut d, "the export", |m| {
        m.flash
            .as_ref()
            .is_some_and(|f| f.text.contains("History written to"))
    })
    .await;
    let flash = d.driver.model.flash.clone().expect("flash").text;
    let path = flash.trim_start_matches("History written to ").to_string();
    assert!(
        path.starts_with(&dir.path().display().to_string()),
        "{path}"
    );
    let text = std::fs::read_to_string(&path).expect("the file");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().expect("header").clone();
    let ticket = header
        .iter()
        .position(|h| h == "ticket")
        .expect("a ticket column");
    assert!(
        reader
            .records()
            .any(|r| r.is_ok_and(|r| r.get(ticket) == Some("INC-77"))),
        "{text}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_from_the_more_menu_watches_until_the_device_checks_in() {
    let dir = tempfile::tempdir().expect("dir");
    let (h, mut d, device) = more_menu_of_a_windows_device(&dir).await;
    press(&mut d, KeyCode::Down);
    press(&mut d, KeyCode::Enter);
    assert!(
        screen(&d).contains("check in with Intune now?"),
        "{}",
        screen(&d)
    );
    press(&mut d, KeyCode::Char('y'));
    until(&mut d, "the check-in", |m| {
        m.sync_of(device.id()).is_some_and(|s| {
            matches!(
                s.watch.state,
                intune_assist::domain::SyncState::CheckedIn(_)
            )
        })
    })
    .await;
    assert!(
        screen(&d).contains("the device checked in at"),
        "{}",
        screen(&d)
    );
    assert_eq!(h.count_requests("POST", "/syncDevice"), 1);
    let (trail, _) = h.services.audit.read(None).expect("the trail");
    assert!(
        trail
            .iter()
            .any(|e| e.action == intune_assist::audit::Activity::DeviceSynced),
        "{trail:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_without_the_permission_is_explained_and_nothing_is_sent() {
    let h = Harness::with_tokens(SimConfig {
        profile: Profile::Readonly,
        ..sim_config()
    })
    .await;
    let mut d = loaded(&h).await;
    let device = supported_windows(&d);
    open_device(&mut d, device.name());
    press(&mut d, KeyCode::Char('m'));
    press(&mut d, KeyCode::Down);
    assert!(
        screen(&d).contains("Your Intune role lacks “Sync devices”"),
        "{}",
        screen(&d)
    );
    press(&mut d, KeyCode::Enter);
    assert!(
        matches!(d.driver.model.overlay, Overlay::None),
        "nothing to confirm"
    );
    assert!(
        d.driver
            .model
            .flash
            .as_ref()
            .is_some_and(|f| f.text.contains("Sync is unavailable")),
        "{}",
        screen(&d)
    );
    assert_eq!(h.count_requests("POST", "/syncDevice"), 0);
}
