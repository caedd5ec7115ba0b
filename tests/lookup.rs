//! Any device without waiting for the inventory: `:device` asks Graph when the list does not
//! have the device yet, and a filter typed while the list loads searches the tenant. Played
//! on virtual time against a simulator that answers at a tenant's pace.

mod common;

use std::time::Duration;

use common::{VirtualHarness, sim_config};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use intune_assist::app::nav::{Blade, SessionStage};
use intune_assist::domain::Assist;
use intune_assist::script::Player;
use intune_assist::sim::SimConfig;

const WAIT: Duration = Duration::from_secs(120);
/// How long the slow tenant's Graph takes to answer, besides its pages' share.
const GRAPH_LATENCY: Duration = Duration::from_millis(150);

/// A tenant of `devices` devices whose Graph answers in 150 ms plus 500 ms per 1 000 devices.
async fn slow_tenant(devices: usize) -> VirtualHarness {
    VirtualHarness::start(SimConfig {
        devices,
        latency: "graph=150ms,page=500ms,teamviewer=100ms"
            .parse()
            .expect("latency"),
        ..sim_config()
    })
    .await
}

fn press(p: &mut Player, code: KeyCode) {
    p.press(KeyEvent::new(code, KeyModifiers::NONE));
}

async fn until(p: &mut Player, what: &str, done: impl FnMut(&intune_assist::app::Model) -> bool) {
    if let Err(e) = p.driver.run_until(WAIT, done).await {
        panic!("waiting for {what}: {e}\n{}", p.screen());
    }
}

/// Types `:device TEXT` ⏎ and waits until the blade of device `id` is open.
async fn open_by_command(p: &mut Player, text: &str, id: &str) {
    p.type_text(&format!(":device {text}"));
    press(p, KeyCode::Enter);
    until(
        p,
        "the device blade",
        |m| matches!(m.stack.top(), Blade::Device { id: open, .. } if open == id),
    )
    .await;
}

/// The name of a supported device near the end of the tenant, which the listing reaches last.
fn late_supported_device(h: &VirtualHarness) -> (String, String) {
    let ids = h.sim.device_ids();
    ids.iter()
        .rev()
        .find(|(_, name)| name.starts_with("DESKTOP-"))
        .cloned()
        .expect("a Windows desktop")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn from_launch_a_device_and_its_session_link_without_waiting_for_the_list() {
    let h = slow_tenant(50_000).await;
    let (id, name) = late_supported_device(&h);
    let mut p = h.player();
    let launched = h.clock.instant();
    open_by_command(&mut p, &name, &id).await;
    let opened_after = h.clock.instant() - launched;
    assert!(
        !p.driver.model.devices.complete,
        "the device opened before the listing finished"
    );
    // One round trip (150 ms and a few devices' share of a page), not two, nor 50 pages.
    assert!(
        opened_after < 2 * GRAPH_LATENCY,
        "opened after {opened_after:?} of virtual time"
    );
    // The lookup's queries went out together: on virtual time they arrive at one instant,
    // where one after another each would wait for the previous one's answer.
    let lookups: Vec<_> = h
        .sim
        .requests()
        .into_iter()
        .filter(|r| {
            r.path.ends_with("/managedDevices")
                && r.query.as_deref().is_some_and(|q| q.contains("%24top=50"))
        })
        .collect();
    assert!(lookups.len() >= 3, "{lookups:#?}");
    assert!(
        lookups.iter().all(|r| r.at == lookups[0].at),
        "the queries were not sent together: {lookups:#?}"
    );
    let device = p
        .driver
        .model
        .devices
        .get(&id)
        .map(|d| d.to_device())
        .expect("the device");
    assert_eq!(device.assist(), Assist::Supported, "{device:?}");
    assert!(p.screen().contains(&name));

    press(&mut p, KeyCode::Char('m'));
    press(&mut p, KeyCode::Enter);
    press(&mut p, KeyCode::Enter);
    until(&mut p, "the session link", |m| {
        matches!(
            m.stack.top(),
            Blade::NewSession {
                stage: SessionStage::Live { .. },
                ..
            }
        )
    })
    .await;
    assert!(
        !p.driver.model.devices.complete,
        "the session came before the listing finished"
    );
    assert!(p.screen().contains("Session link"), "{}", p.screen());

    // When the listing reaches the device, it is confirmed in place, not listed twice.
    until(&mut p, "the whole list", |m| m.devices.complete).await;
    let copies = p
        .driver
        .model
        .devices
        .all
        .iter()
        .filter(|d| d.id() == id)
        .count();
    assert_eq!(copies, 1);
    assert_eq!(p.driver.model.devices.unconfirmed_count(), 0);
    assert_eq!(p.driver.model.devices.all.len(), 50_000);
}

/// A slow answer costs time on the simulator's clock: on virtual time, a lookup every one of
/// whose requests is slowed by 2 s opens its device no sooner than 2 s after it was asked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_answers_cost_virtual_time() {
    let h = VirtualHarness::start(SimConfig {
        devices: 5_000,
        latency: "graph=150ms,page=500ms".parse().expect("latency"),
        faults: "slow=1:2s".parse().expect("faults"),
        ..sim_config()
    })
    .await;
    let (id, name) = late_supported_device(&h);
    let mut p = h.player();
    let asked = h.clock.instant();
    open_by_command(&mut p, &name, &id).await;
    let took = h.clock.instant() - asked;
    assert!(
        took >= Duration::from_secs(2),
        "a 2 s slow answer took {took:?} of virtual time"
    );
}

/// A caller gives their address, not the PC's name: `:device UPN`, typed in capitals as it is
/// read out, opens their only device before the listing reaches it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_callers_address_opens_their_only_device_without_waiting_for_the_list() {
    let h = slow_tenant(5_000).await;
    let users = h.sim.device_users();
    let names: std::collections::HashMap<String, String> = h.sim.device_ids().into_iter().collect();
    let devices_of = |upn: &str| users.iter().filter(|(_, u)| u == upn).count();
    let (id, upn) = users
        .iter()
        .rev()
        .find(|(id, upn)| {
            !upn.is_empty() && names[id].starts_with("DESKTOP-") && devices_of(upn) == 1
        })
        .cloned()
        .expect("a user with one Windows desktop");
    let mut p = h.player();
    open_by_command(&mut p, &upn.to_uppercase(), &id).await;
    assert!(
        !p.driver.model.devices.complete,
        "the device opened before the listing finished"
    );
    assert!(p.screen().contains(&names[&id]), "{}", p.screen());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_nobody_has_is_reported_only_once_graph_has_answered() {
    let h = slow_tenant(5_000).await;
    let mut p = h.player();
    p.type_text(":device NO-SUCH-PC");
    press(&mut p, KeyCode::Enter);
    let asking = p.screen();
    assert!(asking.contains("searching the tenant for"), "{asking}");
    assert!(!asking.contains("No device"), "{asking}");
    until(&mut p, "Graph's answer", |m| m.lookup.is_none()).await;
    assert!(
        p.screen().contains("No device in the tenant matches"),
        "{}",
        p.screen()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_filter_typed_while_loading_searches_the_tenant() {
    let h = slow_tenant(30_000).await;
    let (id, name) = late_supported_device(&h);
    let mut p = h.player();
    p.type_text(":devices");
    press(&mut p, KeyCode::Enter);
    press(&mut p, KeyCode::Char('/'));
    p.type_text(&name);
    assert!(
        p.screen().contains("searching the tenant"),
        "the title says the tenant is searched:\n{}",
        p.screen()
    );
    until(&mut p, "the search's matches", |m| {
        m.devices.get(&id).is_some()
    })
    .await;
    assert!(!p.driver.model.devices.complete);
    let screen = p.screen();
    assert!(
        screen.contains(&format!("◇ {name}")),
        "found rows are marked until the listing confirms them:\n{screen}"
    );
    until(&mut p, "the whole list", |m| m.devices.complete).await;
    assert!(!p.screen().contains(&format!("◇ {name}")));
    assert!(p.screen().contains(&name));
}

mod inventory_cache {
    use super::*;

    /// A harness whose dashboard keeps its inventory in `dir`.
    async fn cached_tenant(devices: usize, dir: &std::path::Path) -> VirtualHarness {
        let mut h = slow_tenant(devices).await;
        h.services.config.inventory_dir = Some(dir.to_path_buf());
        h
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_next_start_shows_the_list_at_once_and_refreshes_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let h = cached_tenant(4_000, dir.path()).await;
        let mut first = h.player();
        until(&mut first, "the first listing", |m| m.devices.complete).await;
        // Saved once the listing completed, readable by the owner only.
        let files: Vec<_> = std::fs::read_dir(dir.path())
            .expect("cache dir")
            .flatten()
            .map(|e| e.path())
            .collect();
        assert_eq!(files.len(), 1, "{files:?}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&files[0])
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        drop(first);
        // Between the runs, devices were deleted from Intune and Graph lists the rest in
        // another order (it promises none): keeping the row's position would land on another
        // device.
        h.sim.delete_devices(25);
        h.sim.reverse_devices();

        let from = h.sim.requests().len();
        let mut second = h.player();
        second.type_text(":devices");
        press(&mut second, KeyCode::Enter);
        let launched = h.clock.instant();
        until(&mut second, "the cached list", |m| {
            m.devices.all.len() == 4_000
        })
        .await;
        // Order, not speed (benches/start.rs measures that): the cached list is shown
        // before any page of the listing has been answered.
        let listing_answered = h.sim.requests()[from..].iter().any(|r| {
            r.path.ends_with("/managedDevices")
                && r.status != 0
                && r.query.as_deref().is_some_and(|q| !q.contains("%24filter"))
        });
        assert!(
            !listing_answered,
            "the cached list came after a page of the listing ({:?} after launch)",
            h.clock.instant() - launched
        );
        let screen = second.screen();
        assert!(screen.contains("as of"), "{screen}");
        assert!(!second.driver.model.devices.complete, "refreshing");
        // A device in the middle: rows before it go, rows after it stay.
        for _ in 0..100 {
            press(&mut second, KeyCode::Down);
        }
        let selected = |p: &Player| {
            let Blade::AllDevices(list) = p.driver.model.stack.top() else {
                panic!("All devices")
            };
            let index = list.rows[list.cursor.selected];
            p.driver
                .model
                .devices
                .all
                .get(index as usize)
                .expect("a device")
                .id()
                .to_owned()
        };
        let before = selected(&second);
        let position = |p: &Player| {
            let Blade::AllDevices(list) = p.driver.model.stack.top() else {
                panic!("All devices")
            };
            let index = list.rows[list.cursor.selected] as usize;
            (list.cursor.selected, index)
        };
        let (row_before, index_before) = position(&second);
        until(&mut second, "the refreshed list", |m| m.devices.complete).await;
        let (row_after, index_after) = position(&second);
        assert!(
            row_after != row_before && index_after != index_before,
            "the refresh moved the device: row {row_before} → {row_after}, \
             index {index_before} → {index_after}"
        );
        assert_eq!(
            second.driver.model.devices.all.len(),
            4_000 - 25,
            "replaced, not added; the deleted ones gone"
        );
        assert_eq!(
            selected(&second),
            before,
            "the selection stays on its device"
        );
        assert!(!second.screen().contains("as of"));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_damaged_cache_is_set_aside_and_the_listing_goes_on() {
        let dir = tempfile::tempdir().expect("temp dir");
        let h = cached_tenant(1_500, dir.path()).await;
        let mut first = h.player();
        until(&mut first, "the first listing", |m| m.devices.complete).await;
        drop(first);
        let file = std::fs::read_dir(dir.path())
            .expect("cache dir")
            .flatten()
            .map(|e| e.path())
            .next()
            .expect("a cache file");
        let mut bytes = std::fs::read(&file).expect("read");
        bytes.truncate(bytes.len() / 2);
        std::fs::write(&file, bytes).expect("damage it");

        let mut second = h.player();
        until(&mut second, "the listing", |m| m.devices.complete).await;
        assert_eq!(second.driver.model.devices.all.len(), 1_500);
        assert!(second.driver.model.devices.cached_at.is_none());
        assert!(
            second
                .driver
                .model
                .logs
                .iter()
                .any(|l| l.contains("inventory cache was ignored")),
            "{:?}",
            second.driver.model.logs
        );
        // Rebuilt by the listing.
        assert!(
            intune_assist::inventory::Inventory::new(
                dir.path(),
                &h.services.config.tenant,
                &h.services.actor().await
            )
            .load()
            .expect("readable again")
            .is_some()
        );
    }
}

/// Found the way a caller describes the device: their UPN or email address, or the Entra
/// device id read off the PC, in the same single round trip as names and serial numbers.
mod by_what_the_caller_says {
    use std::collections::BTreeMap;

    use common::Harness;
    use intune_assist::domain::Device;
    use intune_assist::graph::lookup::Lookup;

    use super::*;

    async fn tenant(case_sensitive: bool) -> (Harness, Vec<Device>) {
        let h = Harness::with_tokens(SimConfig {
            case_sensitive_filters: case_sensitive,
            ..sim_config()
        })
        .await;
        let all = h
            .services
            .graph
            .all_devices(Default::default(), |_, _| {})
            .await
            .expect("devices");
        (h, all)
    }

    /// Each user's devices, by UPN.
    fn by_user(all: &[Device]) -> BTreeMap<String, Vec<Device>> {
        let mut users: BTreeMap<String, Vec<Device>> = BTreeMap::new();
        for device in all.iter().filter(|d| !d.user_principal_name().is_empty()) {
            users
                .entry(device.user_principal_name().to_string())
                .or_default()
                .push(device.clone());
        }
        users
    }

    /// The lookup's Graph queries, as sent.
    fn filters_sent(h: &Harness, from: usize) -> Vec<String> {
        h.sim.requests()[from..]
            .iter()
            .filter_map(|r| r.query.clone())
            .map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join("&")
            })
            .collect()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_user_with_one_device_goes_straight_to_it_and_several_are_listed() {
        for case_sensitive in [false, true] {
            let (h, all) = tenant(case_sensitive).await;
            let users = by_user(&all);
            let (one_upn, one) = users
                .iter()
                .find(|(_, devices)| devices.len() == 1 && devices[0].assist().is_possible())
                .expect("a user with one device");
            let from = h.sim.requests().len();
            // As the caller says it: in capitals, the way people read out an address.
            let found = h
                .services
                .graph
                .find_devices(&one_upn.to_uppercase())
                .await
                .expect("an answer");
            match found.best() {
                Lookup::One(device) => assert_eq!(device.id(), one[0].id()),
                other => panic!("{case_sensitive}: {other:?}"),
            }
            let sent = filters_sent(&h, from);
            assert!(
                sent.iter()
                    .any(|q| q.contains(&format!("userPrincipalName eq '{one_upn}'"))),
                "{sent:#?}"
            );
            assert!(
                sent.iter().any(|q| q.contains("contains(emailAddress,")),
                "{sent:#?}"
            );

            let (several_upn, several) = users
                .iter()
                .find(|(_, devices)| {
                    devices.iter().filter(|d| d.assist().is_possible()).count() >= 2
                })
                .expect("a user with several devices");
            match h
                .services
                .graph
                .find_devices(several_upn)
                .await
                .expect("an answer")
                .best()
            {
                Lookup::Several(devices) => {
                    let mut ids: Vec<&str> = devices.iter().map(|d| d.id()).collect();
                    let mut want: Vec<&str> = several.iter().map(|d| d.id()).collect();
                    ids.sort_unstable();
                    want.sort_unstable();
                    assert_eq!(ids, want);
                }
                other => panic!("{case_sensitive}: {other:?}"),
            }
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_entra_device_id_finds_its_device_without_a_count() {
        let (h, all) = tenant(false).await;
        let wanted = all
            .iter()
            .find(|d| !d.azure_ad_device_id().is_empty())
            .expect("a device with an Entra id");
        let from = h.sim.requests().len();
        let run = h
            .run(&["device", wanted.azure_ad_device_id(), "--json"])
            .await;
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(run.json()["id"], wanted.id());
        let sent = filters_sent(&h, from);
        let by_entra: Vec<&String> = sent
            .iter()
            .filter(|q| q.contains("azureADDeviceId eq"))
            .collect();
        assert_eq!(by_entra.len(), 1, "{sent:#?}");
        assert!(!by_entra[0].contains("$count"), "{}", by_entra[0]);
        let statuses: Vec<u16> = h.sim.requests()[from..].iter().map(|r| r.status).collect();
        assert!(
            statuses.iter().all(|s| *s == 200 || *s == 404),
            "every query is one Graph accepts: {statuses:?}"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_name_in_any_case_is_found_even_where_graph_compares_exactly() {
        let (h, all) = tenant(true).await;
        let wanted = all
            .iter()
            .find(|d| {
                d.name().chars().any(|c| c.is_ascii_uppercase())
                    && d.name() == d.name().to_uppercase()
            })
            .expect("a device named in capitals");
        let found = h
            .services
            .graph
            .find_devices(&wanted.name().to_lowercase())
            .await
            .expect("an answer");
        assert!(
            found.all().iter().any(|d| d.id() == wanted.id()),
            "{} typed in lower case",
            wanted.name()
        );
    }
}
