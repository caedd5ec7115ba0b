//! Secrets never leave the keyring (or memory): the real binary signs in, refreshes tokens and
//! runs a session at trace log level, then every file it wrote and everything it printed is
//! searched for every token and device code the simulator handed out.

mod common;

use std::path::Path;
use std::process::Command;

use common::TENANT_TIME;
use intune_assist::sim::{FIXED_TEAMVIEWER_TOKEN, SimConfig, SimTimings, Simulator};

const BIN: &str = env!("CARGO_BIN_EXE_intune-assist");

const TAPE: &str = "\
wait-idle
key l
wait-for \"Signed in as\" 60s
wait-idle 60s
key Enter Enter
wait-idle 60s
key /
type DESKTOP
key Enter Enter
wait-idle 60s
key m Enter Enter
wait-for \"supporter connected\" 60s
key x y
wait-for \"● closed\" 60s
snapshot closed
";

fn files_under(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                files_under(&path, found);
            } else {
                found.push(path);
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_token_is_written_to_any_file_or_printed_even_at_trace_level() {
    let mut timings = SimTimings::fast();
    // Short-lived access tokens, so the run refreshes them too.
    timings.access_token_lifetime = std::time::Duration::from_secs(2);
    let sim = Simulator::start(
        SimConfig {
            devices: 200,
            timings,
            now: Some(TENANT_TIME),
            ..SimConfig::default()
        },
        0,
    )
    .await
    .expect("simulator");
    let home = tempfile::tempdir().expect("home");
    let tape = home.path().join("session.tape");
    std::fs::write(&tape, TAPE).expect("tape");
    let out_dir = home.path().join("screens");
    let e = sim.endpoints.clone();
    let home_path = home.path().to_path_buf();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(BIN)
            .arg("script")
            .arg(&tape)
            .args(["--out", &out_dir.display().to_string()])
            .env_clear()
            .env("HOME", &home_path)
            .env("XDG_CONFIG_HOME", home_path.join("config"))
            .env("XDG_STATE_HOME", home_path.join("state"))
            .env("XDG_CACHE_HOME", home_path.join("cache"))
            .env("XDG_DATA_HOME", home_path.join("data"))
            .env("INTUNE_ASSIST_LOG", "trace")
            .env("INTUNE_ASSIST_GRAPH_URL", &e.graph_url)
            .env("INTUNE_ASSIST_LOGIN_URL", &e.login_url)
            .env("INTUNE_ASSIST_TEAMVIEWER_URL", &e.teamviewer_url)
            .env("INTUNE_ASSIST_TENANT", "contoso.onmicrosoft.com")
            .env("INTUNE_ASSIST_CLIENT_ID", "intune-assist-test")
            .env("INTUNE_ASSIST_TEAMVIEWER_TOKEN", FIXED_TEAMVIEWER_TOKEN)
            .env("INTUNE_ASSIST_SECRET_STORE", "memory")
            .output()
            .expect("the binary runs")
    })
    .await
    .expect("joined");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        output.status.success(),
        "the run failed:\n{stdout}\n{stderr}"
    );

    let mut secrets = sim.issued_secrets();
    let access_tokens = secrets
        .iter()
        .filter(|s| s.starts_with("sim-at-") && !s.contains("-rt-"))
        .count();
    assert!(
        access_tokens >= 2,
        "the run signed in and refreshed: {secrets:?}"
    );
    assert!(
        secrets.iter().any(|s| s.starts_with("DAQ")),
        "a device code was issued"
    );
    secrets.push(FIXED_TEAMVIEWER_TOKEN.to_string());

    let mut files = Vec::new();
    files_under(home.path(), &mut files);
    let log = files
        .iter()
        .find(|p| p.extension().is_some_and(|e| e == "log") || p.to_string_lossy().contains(".log"))
        .unwrap_or_else(|| panic!("a log file was written: {files:?}"));
    let log_text = std::fs::read_to_string(log).unwrap_or_default();
    assert!(
        log_text.contains("TRACE") || log_text.contains("DEBUG"),
        "the log is at trace level, so the scan means something"
    );
    assert!(
        files.iter().any(|p| p.ends_with("audit.jsonl")),
        "the audit trail was written: {files:?}"
    );
    for path in &files {
        let bytes = std::fs::read(path).expect("readable");
        let text = String::from_utf8_lossy(&bytes);
        for secret in &secrets {
            assert!(
                !text.contains(secret.as_str()),
                "{} holds a secret ({}…)",
                path.display(),
                &secret[..12.min(secret.len())]
            );
        }
    }
    for secret in &secrets {
        assert!(
            !stdout.contains(secret.as_str()),
            "standard output holds a secret"
        );
        assert!(
            !stderr.contains(secret.as_str()),
            "standard error holds a secret"
        );
    }
}
