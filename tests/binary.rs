//! The real binary: `sim serve` prints its endpoints, and the subcommands work against them
//! through the documented environment variables.

use std::process::Command;

#[path = "common/served.rs"]
mod served;
use served::ServedSim;

const BIN: &str = env!("CARGO_BIN_EXE_intune-assist");

fn serve(extra: &[&str]) -> ServedSim {
    let mut args = vec!["--port", "0", "--devices", "1200"];
    args.extend_from_slice(extra);
    ServedSim::start(BIN, &args)
}

fn cli(served: &ServedSim, args: &[&str]) -> std::process::Output {
    let home = std::env::temp_dir().join("intune-assist-test-none");
    served
        .command(BIN, &home)
        .args(args)
        .output()
        .expect("runs")
}

#[test]
fn sim_serve_then_subcommands_through_the_environment() {
    let served = serve(&[]);
    for key in [
        "graph_url",
        "login_url",
        "teamviewer_url",
        "graph_token",
        "teamviewer_token",
    ] {
        assert!(!served.endpoint(key).is_empty(), "{key} missing");
    }
    let devices = cli(&served, &["devices", "--json"]);
    assert!(
        devices.status.success(),
        "{}",
        String::from_utf8_lossy(&devices.stderr)
    );
    let listed: serde_json::Value = serde_json::from_slice(&devices.stdout).expect("JSON");
    assert_eq!(listed.as_array().expect("array").len(), 1200);

    let whoami = cli(&served, &["whoami", "--json"]);
    assert!(whoami.status.success());
    let whoami: serde_json::Value = serde_json::from_slice(&whoami.stdout).expect("JSON");
    assert_eq!(whoami["capabilities"]["updateConnector"], true);
    assert_eq!(whoami["teamviewer"]["signedIn"], true);

    let connector = cli(&served, &["connector", "status"]);
    let status = String::from_utf8_lossy(&connector.stdout);
    let status_line = status
        .lines()
        .find(|l| l.starts_with("Status"))
        .unwrap_or_else(|| panic!("no status line:\n{status}"));
    assert_eq!(
        status_line.split_whitespace().skip(1).collect::<Vec<_>>(),
        ["onboarded"],
        "{status}"
    );
}

#[test]
fn exit_codes_are_documented_values() {
    // The permission check is advice: the request goes out and Intune's 403 decides.
    let served = serve(&["--profile", "readonly", "--not-onboarded"]);
    let denied = cli(&served, &["connector", "enable", "--accept-license"]);
    assert_eq!(denied.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&denied.stderr).contains("Update Remote Assistance"));
    let missing = cli(&served, &["device", "NOPE"]);
    assert_eq!(missing.status.code(), Some(5));
    let bad_code = cli(&served, &["session", "close", "not-a-code"]);
    assert_eq!(bad_code.status.code(), Some(2));
}

#[test]
fn the_default_config_prints_and_a_bad_one_is_one_line() {
    let printed = Command::new(BIN)
        .arg("--print-default-config")
        .output()
        .expect("runs");
    assert!(printed.status.success());
    let text = String::from_utf8_lossy(&printed.stdout);
    assert!(text.contains("graph_url = \"https://graph.microsoft.com\""));

    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("config.toml");
    std::fs::write(&path, "tenant = \"contoso\"\nlogin_url = [1, 2]\n").expect("write");
    let out = Command::new(BIN)
        .args(["--config", path.to_str().expect("utf-8 path"), "whoami"])
        .env_remove("INTUNE_ASSIST_LOGIN_URL")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("config.toml line 2 (key `login_url`)"),
        "{stderr}"
    );
}

#[test]
fn the_demo_runs_the_whole_flow() {
    let out = Command::new(BIN)
        .args(["demo", "--devices", "300"])
        .env("INTUNE_ASSIST_SECRET_STORE", "memory")
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    for step in [
        "Signed in as",
        "Status      onboarded",
        "300 devices loaded",
        "supporter connected",
        "closed by the supporter",
    ] {
        assert!(text.contains(step), "missing {step}:\n{text}");
    }
}

#[test]
fn a_sign_in_outlives_the_process_in_the_keyring_or_says_it_cannot() {
    let served = serve(&[]);
    // A tenant name of its own keeps this test's keyring entry apart from anything else.
    let tenant = format!("keyring-test-{}.example", std::process::id());
    let run = |args: &[&str]| {
        Command::new(BIN)
            .args(args)
            .env_clear()
            .env("HOME", std::env::temp_dir())
            .env("INTUNE_ASSIST_GRAPH_URL", served.endpoint("graph_url"))
            .env("INTUNE_ASSIST_LOGIN_URL", served.endpoint("login_url"))
            .env(
                "INTUNE_ASSIST_TEAMVIEWER_URL",
                served.endpoint("teamviewer_url"),
            )
            .env("INTUNE_ASSIST_CLIENT_ID", "keyring-test")
            .env("INTUNE_ASSIST_TENANT", &tenant)
            .env("INTUNE_ASSIST_SECRET_STORE", "keyutils")
            .output()
            .expect("runs")
    };
    let login = run(&["login"]);
    assert!(
        login.status.success(),
        "{}",
        String::from_utf8_lossy(&login.stderr)
    );
    let said = String::from_utf8_lossy(&login.stdout).to_string()
        + &String::from_utf8_lossy(&login.stderr);
    let whoami = run(&["whoami"]);
    if said.contains("kept in the kernel keyring") {
        assert!(
            whoami.status.success(),
            "the next process found the sign-in"
        );
        let logout = run(&["logout"]);
        assert!(logout.status.success());
        assert_eq!(run(&["whoami"]).status.code(), Some(3), "logout removed it");
    } else {
        assert!(
            said.contains("kept in memory for this run only"),
            "the fallback is stated: {said}"
        );
        assert_eq!(whoami.status.code(), Some(3));
    }
}
