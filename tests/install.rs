//! What an installed binary brings besides the dashboard: `--version` with the commit it was
//! built from, shell completions and man pages, all generated from the command line's
//! definitions.

use std::process::Command;

use clap::CommandFactory;

const BIN: &str = env!("CARGO_BIN_EXE_intune-assist");

/// Every subcommand, as a user types it, read from the command line's own definition so that a
/// new one cannot be left out.
fn subcommands() -> Vec<String> {
    let names: Vec<String> = intune_assist::cli::Cli::command()
        .get_subcommands()
        .filter(|c| !c.is_hide_set())
        .map(|c| c.get_name().to_string())
        .collect();
    for expected in [
        "tenants", "history", "device", "devices", "session", "sessions",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} in {names:?}"
        );
    }
    names
}

/// Whether `word` stands alone in `text`: not as part of a longer name (`device` in
/// `devices`, `session` in `session-new`).
fn has_word(text: &str, word: &str) -> bool {
    let part_of_name = |c: char| c.is_alphanumeric() || c == '-' || c == '_';
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(part_of_name) && !after.is_some_and(part_of_name)
    })
}

#[test]
fn a_word_is_told_from_a_longer_name() {
    assert!(has_word("one device here", "device"));
    assert!(has_word("'device')", "device"));
    assert!(!has_word("devices and session-new", "device"));
    assert!(!has_word("session-new", "session"));
    assert!(!has_word("intune-assist-sessions", "session"));
}

fn run(args: &[&str]) -> String {
    let out = Command::new(BIN).args(args).output().expect("runs");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

#[test]
fn version_names_the_commit_of_a_checkout() {
    let version = run(&["--version"]);
    assert!(
        version.starts_with(&format!("intune-assist {}", env!("CARGO_PKG_VERSION"))),
        "{version}"
    );
    let manifest = env!("CARGO_MANIFEST_DIR");
    let head = Command::new("git")
        .args(["-C", manifest, "rev-parse", "--short=12", "HEAD"])
        .output();
    match head {
        Ok(out) if out.status.success() && std::path::Path::new(manifest).join(".git").exists() => {
            let commit = String::from_utf8_lossy(&out.stdout).trim().to_string();
            assert!(
                version.contains(&format!("(commit {commit})")),
                "{version} should name {commit}"
            );
        }
        _ => assert!(
            !version.contains("commit"),
            "no checkout, no commit: {version}"
        ),
    }
}

#[test]
fn the_bash_completion_script_parses_and_knows_every_subcommand() {
    let script = run(&["completions", "bash"]);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("intune-assist.bash");
    std::fs::write(&path, &script).expect("written");
    let checked = Command::new("bash")
        .arg("-n")
        .arg(&path)
        .output()
        .expect("bash runs");
    assert!(
        checked.status.success(),
        "bash -n: {}",
        String::from_utf8_lossy(&checked.stderr)
    );
    for sub in subcommands() {
        assert!(has_word(&script, &sub), "bash completion lacks {sub}");
    }
    // Enumerated option values are completed too.
    for value in ["txt", "ansi", "svg", "powershell", "elvish"] {
        assert!(
            script.contains(value),
            "bash completion lacks the value {value}"
        );
    }
}

#[test]
fn every_shell_gets_a_script_with_every_subcommand() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = run(&["completions", shell]);
        for sub in subcommands() {
            assert!(has_word(&script, &sub), "{shell} completion lacks {sub}");
        }
    }
    let refused = Command::new(BIN)
        .args(["completions", "tcsh"])
        .output()
        .expect("runs");
    assert_eq!(
        refused.status.code(),
        Some(2),
        "an unknown shell is a usage error"
    );
}

#[test]
fn the_man_page_is_roff_and_one_page_per_subcommand_can_be_written() {
    let page = run(&["man"]);
    assert!(
        page.contains(".TH intune-assist 1"),
        "{}",
        &page[..page.len().min(300)]
    );
    assert!(page.contains(".SH SUBCOMMANDS") || page.contains(".SH COMMANDS"));
    for sub in subcommands() {
        // roff escapes each hyphen: `intune\-assist\-device(1)`, never a prefix of another.
        let reference = format!("intune\\-assist\\-{}(1)", sub.replace('-', "\\-"));
        assert!(page.contains(&reference), "the man page lacks {reference}");
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let out = Command::new(BIN)
        .args(["man", "--out"])
        .arg(dir.path())
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for sub in subcommands() {
        let path = dir.path().join(format!("intune-assist-{sub}.1"));
        let page =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(page.contains(".TH"), "{} has no .TH", path.display());
    }
    assert!(dir.path().join("intune-assist-session-new.1").exists());
}
