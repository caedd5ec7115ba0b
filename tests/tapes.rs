//! The journeys in `tests/tapes/`, played by `intune-assist script` exactly as the command
//! line runs it, against the embedded simulator on virtual time. Each tape's screens must
//! match the ones checked in beside it, byte for byte; so must the README's pictures.
//!
//! After an intended change of the screens, `assets/update-screens.sh` (or
//! `UPDATE_SCREENS=1 cargo test --test tapes`) writes them anew; review the diff.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::Parser;
use intune_assist::cli::{Cli, Command};
use intune_assist::commands::output::Output;
use intune_assist::commands::{exit, script::script};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

struct Played {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `intune-assist script TAPE ARGS…` in this process.
async fn play(tape: &Path, args: &[String]) -> Played {
    let line: Vec<String> = ["intune-assist".to_string(), "script".into()]
        .into_iter()
        .chain(std::iter::once(tape.display().to_string()))
        .chain(args.iter().cloned())
        .collect();
    let cli =
        Cli::try_parse_from(&line).unwrap_or_else(|e| panic!("bad command line {line:?}: {e}"));
    let Some(Command::Script(script_args)) = &cli.command else {
        panic!("not a script command: {line:?}");
    };
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let code = {
        let mut out = Output {
            out: &mut stdout,
            err: &mut stderr,
            json: cli.json,
        };
        match script(
            script_args,
            cli.config.as_deref(),
            cli.tenant.as_deref(),
            cli.read_only,
            cli.ascii,
            &mut out,
        )
        .await
        {
            Ok(()) => exit::OK,
            Err(e) => {
                out.note(format!("error: {}", e.message));
                e.code
            }
        }
    };
    Played {
        code,
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// The arguments kept beside a tape (`NAME.args`, one line).
fn args_of(tape: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(tape.with_extension("args")).unwrap_or_default();
    text.split_whitespace().map(str::to_string).collect()
}

fn files_in(dir: &Path) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(entry.path())
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", entry.path().display()));
            files.insert(name, text);
        }
    }
    files
}

/// Plays `tape` with `extra` arguments into a scratch folder and compares every file it
/// writes with `expected_dir` (or writes them there when updating); hands back the screens
/// rendered now, by file name.
async fn check(tape: &Path, extra: &[&str], expected_dir: &Path) -> BTreeMap<String, String> {
    let scratch = tempfile::tempdir().expect("scratch folder");
    let mut args = args_of(tape);
    args.extend(extra.iter().map(|s| s.to_string()));
    args.extend(["--out".to_string(), scratch.path().display().to_string()]);
    let played = play(tape, &args).await;
    assert_eq!(
        played.code,
        exit::OK,
        "{} failed:\n{}{}",
        tape.display(),
        played.stdout,
        played.stderr
    );
    let got = files_in(scratch.path());
    assert!(!got.is_empty(), "{} took no snapshot", tape.display());
    if std::env::var_os("UPDATE_SCREENS").is_some() {
        let _ = std::fs::remove_dir_all(expected_dir);
        std::fs::create_dir_all(expected_dir).expect("create the expected folder");
        for (name, text) in &got {
            std::fs::write(expected_dir.join(name), text).expect("write an expected screen");
        }
        return got;
    }
    let expected = files_in(expected_dir);
    let names = |m: &BTreeMap<String, String>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        names(&got),
        names(&expected),
        "{}: the snapshots taken differ from those in {} (run assets/update-screens.sh after an intended change)",
        tape.display(),
        expected_dir.display()
    );
    for (name, text) in &got {
        let want = &expected[name];
        if text != want {
            let line = text
                .lines()
                .zip(want.lines())
                .position(|(a, b)| a != b)
                .map_or_else(|| "the length".to_string(), |i| format!("line {}", i + 1));
            panic!(
                "{}: {name} differs from {} at {line} (run assets/update-screens.sh after an intended change)\n--- rendered now:\n{text}\n--- checked in:\n{want}",
                tape.display(),
                expected_dir.display()
            );
        }
    }
    got
}

/// Plays a journey of `tests/tapes/` and checks its screens; hands back the screens rendered
/// now, by snapshot name.
async fn journey(name: &str) -> BTreeMap<String, String> {
    let dir = root().join("tests/tapes");
    check(&dir.join(format!("{name}.tape")), &[], &dir.join(name))
        .await
        .into_iter()
        .filter_map(|(file, text)| Some((file.strip_suffix(".txt")?.to_string(), text)))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in() {
    journey("sign-in").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_search() {
    journey("device-search").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_and_its_session_from_launch_without_waiting_for_the_list() {
    let screens = journey("device-lookup").await;
    assert!(screens["searching"].contains("searching the tenant for"));
    assert!(screens["device"].contains("DESKTOP-K0FZ5LH"));
    assert!(screens["session"].contains("Session link"));
    assert!(
        screens["session"].contains("loading devices"),
        "the list was still loading:\n{}",
        screens["session"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_session_through_connected_and_closed() {
    journey("session").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_synced_then_a_session_with_its_ticket() {
    let screens = journey("helpdesk").await;
    assert!(
        screens["more"].contains("Sync  (last"),
        "{}",
        screens["more"]
    );
    assert!(
        screens["synced"].contains("the device checked in at"),
        "{}",
        screens["synced"]
    );
    assert!(
        screens["ticket"].contains("INC-0042"),
        "{}",
        screens["ticket"]
    );
    assert!(
        screens["session"].contains("ticket INC-0042"),
        "{}",
        screens["session"]
    );
    assert!(
        screens["history"].contains("no connection") && screens["history"].contains("INC-0042"),
        "{}",
        screens["history"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_session_with_graph_only() {
    let screens = journey("session-graph-only").await;
    let created = &screens["created"];
    for text in [
        "Session link",
        "/teamviewer/intune/session/",
        "unavailable: Intune's session link carries no session code",
    ] {
        assert!(created.contains(text), "missing {text}:\n{created}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_session_not_visible_to_the_teamviewer_account() {
    let screens = journey("session-not-visible").await;
    let created = &screens["created"];
    assert!(
        created.contains("unavailable: this TeamViewer account cannot see the session"),
        "{created}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connector_enable_and_disconnect() {
    journey("connector").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn permission_denied_for_the_connector() {
    journey("permission-denied").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn permission_denied_for_a_session() {
    journey("read-only-operator").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttled_load() {
    let screens = journey("throttled-load").await;
    let loaded = &screens["loaded"];
    assert!(
        loaded.contains("All devices [2 000 of 2 000]"),
        "every device arrives once:\n{loaded}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_history_read_page_after_page() {
    let screens = journey("history").await;
    let history = &screens["history"];
    let count: usize = history
        .split("History [")
        .nth(1)
        .and_then(|rest| rest.split(']').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count in the title:\n{history}"));
    assert!(
        count > 25,
        "more than one page of the report: {count}\n{history}"
    );
    assert!(history.contains("Intune › Sessions › History"), "{history}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_history_refused_names_the_permission() {
    let screens = journey("history-forbidden").await;
    let refused = &screens["forbidden"];
    assert!(refused.contains("connection report"), "{refused}");
    assert!(refused.contains("Connection reporting:"), "{refused}");
    assert!(!refused.contains("403"), "{refused}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_tape_has_a_test() {
    let tested = [
        "history",
        "history-forbidden",
        "sign-in",
        "device-search",
        "device-lookup",
        "session",
        "session-graph-only",
        "session-not-visible",
        "connector",
        "permission-denied",
        "read-only-operator",
        "throttled-load",
        "helpdesk",
    ];
    for entry in std::fs::read_dir(root().join("tests/tapes")).expect("tapes folder") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "tape") {
            let name = path
                .file_stem()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            assert!(tested.contains(&name.as_str()), "{name}.tape has no test");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readme_pictures_are_current() {
    check(
        &root().join("assets/readme.tape"),
        &["--format", "svg"],
        &root().join("assets/screens"),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_repeats_byte_for_byte() {
    let tape = root().join("tests/tapes/session.tape");
    let mut outputs = Vec::new();
    for _ in 0..2 {
        let mut args = args_of(&tape);
        args.extend(["--format".into(), "ansi".into(), "--json".into()]);
        let played = play(&tape, &args).await;
        assert_eq!(played.code, exit::OK, "{}", played.stderr);
        outputs.push(played.stdout);
    }
    assert!(
        outputs[0].contains("\\u001b["),
        "styled output carries SGR sequences"
    );
    assert_eq!(outputs[0], outputs[1]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wait_that_times_out_fails_with_the_screen_it_saw() {
    let dir = tempfile::tempdir().expect("scratch");
    let tape = dir.path().join("never.tape");
    std::fs::write(
        &tape,
        "wait-idle\nsnapshot before\nwait-for \"no such text anywhere\" 3s\nsnapshot after\n",
    )
    .expect("write the tape");
    let played = play(
        &tape,
        &[
            "--demo".into(),
            "--signed-in".into(),
            "--devices".into(),
            "50".into(),
        ],
    )
    .await;
    assert_eq!(played.code, exit::SCRIPT);
    assert!(
        played
            .stderr
            .contains("line 3: wait-for \"no such text anywhere\" timed out after 3.0 s"),
        "{}",
        played.stderr
    );
    assert!(
        played.stderr.contains("managed devices"),
        "the screen is shown: {}",
        played.stderr
    );
    assert!(
        played.stdout.contains("── before ──"),
        "snapshots before the failure are kept"
    );
    assert!(!played.stdout.contains("── after ──"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_tape_names_the_file_and_line() {
    let dir = tempfile::tempdir().expect("scratch");
    let tape = dir.path().join("bad.tape");
    std::fs::write(&tape, "# fine\nkey Enter\nkey Entr\n").expect("write the tape");
    let played = play(&tape, &["--demo".into()]).await;
    assert_eq!(played.code, exit::USAGE);
    assert!(
        played
            .stderr
            .contains("bad.tape: line 3: unknown key `Entr`"),
        "{}",
        played.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_after_the_app_quits_are_an_error() {
    let dir = tempfile::tempdir().expect("scratch");
    let tape = dir.path().join("quit.tape");
    std::fs::write(&tape, "wait-idle\nkey ctrl-c\nkey Enter\n").expect("write the tape");
    let played = play(&tape, &["--demo".into(), "--devices".into(), "20".into()]).await;
    assert_eq!(played.code, exit::SCRIPT);
    assert!(
        played.stderr.contains("line 3: the app has quit"),
        "{}",
        played.stderr
    );
}
