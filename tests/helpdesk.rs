//! The helpdesk's day from the command line: a ticket on every session (into the audit trail,
//! the history's JSON and CSV), requests nobody connected to, and Sync with its permission
//! and its Graph consent present and missing.

mod common;

use std::time::Duration;

use common::{Harness, Run, sim_config};
use intune_assist::audit::AuditLog;
use intune_assist::auth::store::SecretStore;
use intune_assist::sim::{Profile, SimConfig, SimTimings};

/// A harness whose audit trail is a file in `dir`.
async fn with_trail(config: SimConfig, dir: &tempfile::TempDir) -> Harness {
    let mut h = Harness::with_tokens(config).await;
    h.services.audit = AuditLog::File(dir.path().join("audit.jsonl"));
    h
}

/// `history --csv` read back by a CSV reader: the header and each row as a map.
fn csv_rows(run: &Run) -> (Vec<String>, Vec<std::collections::HashMap<String, String>>) {
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut reader = csv::ReaderBuilder::new().from_reader(run.stdout.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("a header line")
        .iter()
        .map(str::to_string)
        .collect();
    let rows = reader
        .records()
        .map(|r| {
            let record = r.expect("a well-formed row");
            header
                .iter()
                .cloned()
                .zip(record.iter().map(str::to_string))
                .collect()
        })
        .collect();
    (header, rows)
}

/// Waits until the supporter is connected to `code` (after its link was opened).
async fn until_connected(h: &Harness, code: &str) {
    for _ in 0..500 {
        let session = h.services.teamviewer.observe(code).await.expect("observed");
        if session.supporter_connected_at.is_some() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the supporter never connected to {code}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ticket_goes_into_the_session_the_audit_trail_and_the_history() {
    let dir = tempfile::tempdir().expect("dir");
    let h = with_trail(sim_config(), &dir).await;
    let device = h.supported_device().await;
    let new = h
        .run(&[
            "session",
            "new",
            device.id(),
            "--ticket",
            "  INC-4711\u{1b}[31m ",
            "--json",
        ])
        .await;
    assert_eq!(new.code, 0, "{}", new.stderr);
    let line = &new.json_lines()[0];
    assert_eq!(line["ticket"], "INC-4711", "trimmed and made safe: {line}");
    let code = line["code"].as_str().expect("code").to_string();
    let link = line["sessionUrl"].as_str().expect("link").to_string();
    let opened = reqwest::get(&link).await.expect("the link opens");
    assert!(opened.status().is_success());
    until_connected(&h, &code).await;

    let audit = h.run(&["audit", "--json"]).await.json();
    let requested = audit
        .as_array()
        .expect("entries")
        .iter()
        .find(|e| e["action"] == "session.requested")
        .expect("the request is recorded");
    assert_eq!(requested["ticket"], "INC-4711");
    assert_eq!(requested["sessionCode"], code.as_str());
    assert_eq!(requested["sessionUrl"], link.as_str());

    let history = h
        .run(&["history", "--since", "2020-01-01", "--json"])
        .await
        .json();
    let ours = history
        .as_array()
        .expect("sessions")
        .iter()
        .find(|s| s["sessionCode"] == code.as_str())
        .expect("our session")
        .clone();
    assert_eq!(ours["status"], "connected");
    assert_eq!(ours["requested"]["ticket"], "INC-4711");

    let (header, rows) = csv_rows(&h.run(&["history", "--since", "2020-01-01", "--csv"]).await);
    assert_eq!(header, intune_assist::history::csv::HEADER);
    let row = rows
        .iter()
        .find(|r| r["sessionCode"] == code)
        .expect("our row");
    assert_eq!(row["ticket"], "INC-4711");
    assert_eq!(row["status"], "connected");
    assert_eq!(row["intuneDeviceName"], device.name());
    assert_eq!(
        row["requestedBy"],
        ours["requested"]["admin"].as_str().unwrap_or_default()
    );
    assert_eq!(
        rows.len(),
        history.as_array().map_or(0, Vec::len),
        "one row a session"
    );

    let text = h.run(&["history", "--since", "2020-01-01"]).await;
    assert!(text.stdout.contains("TICKET"), "{}", text.stdout);
    let our_line = text
        .stdout
        .lines()
        .find(|l| l.contains(&code))
        .expect("our line");
    assert!(our_line.contains("INC-4711"), "{our_line}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_nobody_connected_to_is_in_the_history_with_who_asked_and_the_ticket() {
    let dir = tempfile::tempdir().expect("dir");
    let h = with_trail(
        SimConfig {
            timings: SimTimings {
                end_user_online: Duration::from_secs(3600),
                supporter_connected: Duration::from_secs(3600),
                ..SimTimings::fast()
            },
            ..sim_config()
        },
        &dir,
    )
    .await;
    let device = h.supported_device().await;
    let ticket = "CHG-9, \"printer\" floor 2";
    let new = h
        .run(&["session", "new", device.id(), "--ticket", ticket, "--json"])
        .await;
    assert_eq!(new.code, 0, "{}", new.stderr);
    let code = new.json_lines()[0]["code"]
        .as_str()
        .expect("code")
        .to_string();

    let history = h
        .run(&["history", "--since", "2020-01-01", "--json"])
        .await
        .json();
    let unanswered: Vec<&serde_json::Value> = history
        .as_array()
        .expect("sessions")
        .iter()
        .filter(|s| s["status"] == "noConnection")
        .collect();
    assert_eq!(unanswered.len(), 1, "{history:#}");
    let row = unanswered[0];
    assert_eq!(row["sessionCode"], code.as_str());
    assert_eq!(row["kind"], "none");
    assert_eq!(row["requested"]["deviceName"], device.name());
    assert_eq!(row["requested"]["ticket"], ticket);
    assert!(
        row["requested"]["admin"]
            .as_str()
            .is_some_and(|a| !a.is_empty())
    );
    assert!(row["requested"]["at"].is_string());

    let (_, rows) = csv_rows(&h.run(&["history", "--since", "2020-01-01", "--csv"]).await);
    let row = rows
        .iter()
        .find(|r| r["status"] == "noConnection")
        .expect("the unanswered request as a row");
    assert_eq!(
        row["ticket"], ticket,
        "quotes and commas survive the round trip"
    );
    assert_eq!(row["sessionCode"], code);
    assert_eq!(row["startedAt"], "", "nobody connected");

    let elsewhere = h
        .run(&[
            "history",
            "--since",
            "2020-01-01",
            "--device",
            "NO-SUCH",
            "--csv",
        ])
        .await;
    let (_, rows) = csv_rows(&elsewhere);
    assert!(rows.is_empty(), "--device applies to the CSV too");
    let later = h
        .run(&["history", "--since", "2999-01-01", "--json"])
        .await
        .json();
    assert!(
        later
            .as_array()
            .is_some_and(|a| a.iter().all(|s| s["status"] != "noConnection")),
        "--since applies to the requests too"
    );
    let text = h.run(&["history", "--since", "2020-01-01"]).await;
    let line = text
        .stdout
        .lines()
        .find(|l| l.contains(&code))
        .expect("its line");
    assert!(line.contains("no connection"), "{line}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_required_ticket_is_asked_for_before_anything_is_sent() {
    let mut h = Harness::with_tokens(sim_config()).await;
    h.services.config.ticket_required = true;
    let device = h.supported_device().await;
    let without = h.run(&["session", "new", device.id()]).await;
    assert_eq!(without.code, 2, "{}", without.stderr);
    assert!(
        without.stderr.contains("ticket_required"),
        "{}",
        without.stderr
    );
    assert!(without.stderr.contains("--ticket"), "{}", without.stderr);
    let long = "x".repeat(65);
    let too_long = h
        .run(&["session", "new", device.id(), "--ticket", &long])
        .await;
    assert_eq!(too_long.code, 2, "{}", too_long.stderr);
    assert!(
        too_long.stderr.contains("65 characters"),
        "{}",
        too_long.stderr
    );
    assert_eq!(
        h.count_requests("POST", "requestRemoteAssistance"),
        0,
        "nothing was asked of Intune"
    );
    let with = h
        .run(&["session", "new", device.id(), "--ticket", "INC-1"])
        .await;
    assert_eq!(with.code, 0, "{}", with.stderr);
    assert!(
        with.stdout.contains("Ticket           INC-1"),
        "{}",
        with.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_asks_the_device_to_check_in_and_waits_until_it_has() {
    let dir = tempfile::tempdir().expect("dir");
    let h = with_trail(sim_config(), &dir).await;
    let device = h.supported_device().await;
    let run = h.run(&["sync", device.name(), "--wait", "--json"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json = run.json();
    assert_eq!(json["deviceId"], device.id());
    assert_eq!(json["state"], "checkedIn", "{json}");
    let before = json["lastSyncBefore"].as_str().expect("before");
    let after = json["checkedInAt"].as_str().expect("after");
    assert!(after > before, "{before} → {after}");
    assert_eq!(h.count_requests("POST", "/syncDevice"), 1);
    let read = h
        .services
        .graph
        .device(device.id())
        .await
        .expect("the device");
    assert!(read.last_sync_date_time() > device.last_sync_date_time());

    let audit = h.run(&["audit", "--json"]).await.json();
    let synced = audit
        .as_array()
        .expect("entries")
        .iter()
        .find(|e| e["action"] == "device.synced")
        .expect("the sync is recorded");
    assert_eq!(synced["deviceId"], device.id());
    assert_eq!(synced["outcome"], "succeeded");

    let text = h.run(&["sync", device.id()]).await;
    assert_eq!(text.code, 0, "{}", text.stderr);
    assert!(
        text.stdout
            .contains(&format!("Intune asked {} to check in", device.name())),
        "{}",
        text.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_that_never_checks_in_is_said_to_have_not() {
    let h = Harness::with_tokens(SimConfig {
        timings: SimTimings {
            device_checkin: None,
            ..SimTimings::fast()
        },
        ..sim_config()
    })
    .await;
    let device = h.supported_device().await;
    // Without --wait the sync is reported at once; the device blade and --wait watch it.
    let run = h.run(&["sync", device.id(), "--json"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["state"], "requested");
    let later = h.services.graph.last_sync(device.id()).await.expect("read");
    assert_eq!(
        later,
        device.last_sync_date_time(),
        "a device that is off never moves"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_without_the_intune_permission_is_explained() {
    let dir = tempfile::tempdir().expect("dir");
    let h = with_trail(
        SimConfig {
            profile: Profile::Readonly,
            ..sim_config()
        },
        &dir,
    )
    .await;
    let device = h.supported_device().await;
    let run = h.run(&["sync", device.id()]).await;
    assert_eq!(run.code, 4, "the permission exit code: {}", run.stderr);
    assert!(run.stderr.contains("“Sync devices”"), "{}", run.stderr);
    assert!(
        run.stderr.contains("Remote tasks › Sync devices"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("403"), "{}", run.stderr);
    let audit = h.run(&["audit", "--json"]).await.json();
    assert!(
        audit
            .as_array()
            .expect("entries")
            .iter()
            .any(|e| e["action"] == "device.synced" && e["outcome"] == "failed"),
        "the refused sync is recorded: {audit:#}"
    );
}

/// A signed-in harness (device code flow), the way an admin works.
async fn signed_in(config: SimConfig) -> Harness {
    let h = Harness::signed_out(config, SecretStore::memory()).await;
    let login = h.run(&["login"]).await;
    assert_eq!(login.code, 0, "{}", login.stderr);
    h
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_in_admin_syncs_with_a_token_for_the_privileged_permission() {
    let h = signed_in(sim_config()).await;
    let device = h.supported_device().await;
    let run = h.run(&["sync", device.id(), "--json"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let token_requests = h
        .sim
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/oauth2/v2.0/token"))
        .count();
    assert!(
        token_requests >= 2,
        "the sign-in, then the sync permission's own token"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_consent_for_the_sync_permission_sync_says_so_and_the_rest_works() {
    let h = signed_in(SimConfig {
        withheld_scopes: vec!["DeviceManagementManagedDevices.PrivilegedOperations.All".into()],
        ..sim_config()
    })
    .await;
    let device = h.supported_device().await;
    let run = h.run(&["sync", device.id()]).await;
    assert_ne!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("DeviceManagementManagedDevices.PrivilegedOperations.All"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("admin consent"), "{}", run.stderr);
    assert_eq!(
        h.count_requests("POST", "/syncDevice"),
        0,
        "nothing reached Graph"
    );
    // The sign-in itself stands: everything else goes on.
    let devices = h.run(&["devices", "--json"]).await;
    assert_eq!(devices.code, 0, "{}", devices.stderr);
    let whoami = h.run(&["whoami"]).await;
    assert_eq!(whoami.code, 0, "{}", whoami.stderr);
    let again = h.run(&["session", "new", device.id()]).await;
    assert_eq!(again.code, 0, "{}", again.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_without_the_sync_permission_gets_graphs_refusal_explained() {
    let h = Harness::with_tokens(SimConfig {
        withheld_scopes: vec!["DeviceManagementManagedDevices.PrivilegedOperations.All".into()],
        ..sim_config()
    })
    .await;
    let device = h.supported_device().await;
    let run = h.run(&["sync", device.id()]).await;
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("PrivilegedOperations.All, which Sync needs"),
        "{}",
        run.stderr
    );
}
