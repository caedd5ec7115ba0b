//! The audit trail: every change is recorded (time, admin, tenant, device, session, outcome),
//! on disk before success is reported; `audit` and the Audit blade show it.

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use common::served::ServedSim;
use common::{Harness, sim_config};
use intune_assist::audit::AuditLog;
use intune_assist::sim::SimConfig;

const BIN: &str = env!("CARGO_BIN_EXE_intune-assist");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_change_is_recorded_and_listed() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("state/audit.jsonl");
    let mut h = Harness::with_tokens(SimConfig {
        onboarded: false,
        ..sim_config()
    })
    .await;
    h.services.audit = AuditLog::File(path.clone());
    let enable = h
        .run(&["connector", "enable", "--accept-license", "--json"])
        .await;
    assert_eq!(enable.code, 0, "{}", enable.stderr);
    let device = h.supported_device().await;
    let new = h.run(&["session", "new", device.id(), "--json"]).await;
    assert_eq!(new.code, 0, "{}", new.stderr);
    let code = new.json_lines()[0]["code"]
        .as_str()
        .expect("code")
        .to_string();
    let close = h.run(&["session", "close", &code]).await;
    assert_eq!(close.code, 0, "{}", close.stderr);
    let disconnect = h.run(&["connector", "disconnect", "--yes"]).await;
    assert_eq!(disconnect.code, 0, "{}", disconnect.stderr);

    let listed = h.run(&["audit", "--json"]).await;
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    let entries = listed.json();
    let entries = entries.as_array().expect("an array");
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        actions,
        [
            "connector.enabled",
            "session.requested",
            "session.closed",
            "connector.disconnected"
        ]
    );
    let requested = &entries[1];
    assert_eq!(requested["outcome"], "succeeded");
    assert_eq!(requested["deviceId"], device.id());
    assert_eq!(requested["deviceName"], device.name());
    assert_eq!(requested["sessionCode"], code.as_str());
    assert_eq!(requested["tenant"], "contoso.onmicrosoft.com");
    assert_eq!(requested["admin"], "token from INTUNE_ASSIST_GRAPH_TOKEN");
    assert!(requested["time"].as_str().is_some_and(|t| t.contains('T')));
    assert_eq!(entries[2]["sessionCode"], code.as_str());

    let text = h.run(&["audit"]).await;
    assert!(text.stdout.contains("session requested"), "{}", text.stdout);
    assert!(text.stdout.contains(&code), "{}", text.stdout);
    let future = h.run(&["audit", "--since", "2999-01-01", "--json"]).await;
    assert_eq!(future.json(), serde_json::json!([]));
    let bad = h.run(&["audit", "--since", "yesterday"]).await;
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("not a date"), "{}", bad.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_change_is_recorded_as_failed() {
    let dir = tempfile::tempdir().expect("dir");
    let mut h = Harness::with_tokens(sim_config()).await;
    h.services.audit = AuditLog::File(dir.path().join("audit.jsonl"));
    let close = h.run(&["session", "close", "s999-999-999"]).await;
    assert_ne!(close.code, 0);
    let entries = h.run(&["audit", "--json"]).await.json();
    assert_eq!(entries[0]["action"], "session.closed");
    assert_eq!(entries[0]["outcome"], "failed");
    assert!(entries[0]["detail"].as_str().is_some_and(|d| !d.is_empty()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_changes_when_the_trail_cannot_be_written() {
    let dir = tempfile::tempdir().expect("dir");
    let mut h = Harness::with_tokens(sim_config()).await;
    // A folder where the file should be: it cannot be opened for appending.
    let path = dir.path().join("audit.jsonl");
    std::fs::create_dir_all(&path).expect("a folder");
    h.services.audit = AuditLog::File(path);
    let device = h.supported_device().await;
    let new = h.run(&["session", "new", device.id()]).await;
    assert_eq!(new.code, 1, "{}", new.stderr);
    assert!(new.stderr.contains("nothing was changed"), "{}", new.stderr);
    assert_eq!(
        h.count_requests("POST", "requestRemoteAssistance"),
        0,
        "nothing was sent"
    );
}

/// A trail that takes the open but fails the write (a full disk): the change that was made is
/// reported as made, and the failure to record it as an error, never silently.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trail_that_fails_to_write_is_reported() {
    let full = std::path::Path::new("/dev/full");
    if !full.exists() {
        return;
    }
    let mut h = Harness::with_tokens(sim_config()).await;
    h.services.audit = AuditLog::File(full.to_path_buf());
    let device = h.supported_device().await;
    let new = h.run(&["session", "new", device.id()]).await;
    assert_eq!(new.code, 1, "{}", new.stderr);
    assert!(
        new.stderr
            .contains("the change was made, but the audit log /dev/full"),
        "{}",
        new.stderr
    );
    assert_eq!(h.count_requests("POST", "requestRemoteAssistance"), 1);
}

/// The real binary against `sim serve`, killed the instant it reports the session created:
/// the entry is already in the file, read back through a fresh descriptor. This proves the
/// order (recorded before reported), not durability across a power loss: that rests on the
/// `sync_data` after every line, which no test here can interrupt.
#[test]
fn a_success_reported_is_already_on_disk_when_the_process_is_killed() {
    let sim = ServedSim::start(BIN, &["--devices", "200"]);
    let dir = tempfile::tempdir().expect("dir");
    let audit = dir.path().join("audit.jsonl");
    let cli = |args: &[&str]| {
        let mut command = sim.command(BIN, dir.path());
        command.args(args).env("INTUNE_ASSIST_AUDIT_LOG", &audit);
        command
    };
    let devices = cli(&["devices", "--json"]).output().expect("devices");
    let devices: serde_json::Value = serde_json::from_slice(&devices.stdout).expect("JSON");
    let device = devices
        .as_array()
        .expect("array")
        .iter()
        .find(|d| d["assist"]["supported"] == true && d["assist"]["directSession"] != true)
        .expect("a supported device")["id"]
        .as_str()
        .expect("id")
        .to_string();
    let mut run = cli(&["session", "new", &device, "--wait", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("session new");
    let mut first = String::new();
    BufReader::new(run.stdout.take().expect("stdout"))
        .read_line(&mut first)
        .expect("the first state");
    // SIGKILL at once: no destructor, no flush, no exit handler runs.
    run.kill().expect("kill");
    let _ = run.wait();
    drop(sim);
    let reported: serde_json::Value = serde_json::from_str(&first).expect("a JSON line");
    let code = reported["code"].as_str().expect("a code");
    let trail = std::fs::read_to_string(&audit).expect("the audit file exists");
    let entry: serde_json::Value =
        serde_json::from_str(trail.lines().last().expect("a line")).expect("a JSON line");
    assert_eq!(entry["action"], "session.requested");
    assert_eq!(entry["outcome"], "succeeded");
    assert_eq!(entry["sessionCode"], code);
    assert_eq!(entry["deviceId"], device.as_str());
}
