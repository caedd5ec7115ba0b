//! Build metadata: `--version` names the git commit when the binary is built from a checkout.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    let commit = git(&["rev-parse", "--short=12", "HEAD"]);
    if commit.is_some() {
        watch_head();
    }
    let text = match commit {
        Some(commit) => format!("{version} (commit {commit})"),
        None => version,
    };
    println!("cargo:rustc-env=INTUNE_ASSIST_VERSION={text}");
    println!("cargo:rerun-if-changed=build.rs");
}

/// What `git ARGS` prints, trimmed, when it succeeds and prints something.
fn git(args: &[&str]) -> Option<String> {
    Command::new("git")
        .args(args)
        .output()
        .ok()
        .filter(|out| out.status.success())
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// Reruns when HEAD moves: HEAD itself, the loose branch refs and the packed refs. Only paths
/// that exist are watched (Cargo reruns a script on every build while a watched path is
/// missing), and they are asked of git, so worktrees and packed refs are found where they are.
/// The refs directory is watched whole: a commit in a checkout whose refs are packed creates
/// the branch's loose ref there.
fn watch_head() {
    for name in ["HEAD", "packed-refs", "refs/heads"] {
        if let Some(path) = git(&["rev-parse", "--git-path", name]).map(PathBuf::from)
            && path.exists()
        {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
}
