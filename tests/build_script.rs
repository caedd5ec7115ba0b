//! The build script names the commit without making every build a rebuild: in a checkout whose
//! refs are packed (after `git gc`), a second build is a no-op, and a new commit is noticed.
//! Played on a tiny crate that uses this crate's own `build.rs`, so it costs seconds.

use std::path::Path;
use std::process::{Command, Output};

fn run(dir: &Path, program: &str, args: &[&str]) -> Output {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "Build Test")
        .env("GIT_AUTHOR_EMAIL", "build@example.com")
        .env("GIT_COMMITTER_NAME", "Build Test")
        .env("GIT_COMMITTER_EMAIL", "build@example.com")
        .env_remove("RUSTFLAGS")
        .output()
        .unwrap_or_else(|e| panic!("{program} {args:?}: {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Builds the crate in `dir` verbosely; whether the build script ran, and what the binary
/// says its version is.
fn build(dir: &Path) -> (bool, String) {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let target = dir.join("target");
    let target = target.to_str().expect("a UTF-8 path");
    let out = run(
        dir,
        &cargo,
        &["build", "--offline", "-v", "--target-dir", target],
    );
    let log = String::from_utf8_lossy(&out.stderr).to_string();
    let ran = log.contains("build-script-build`") || log.contains("build-script-build\n");
    let version = run(
        dir,
        &cargo,
        &["run", "--offline", "-q", "--target-dir", target],
    );
    (
        ran,
        String::from_utf8_lossy(&version.stdout).trim().to_string(),
    )
}

fn commit(dir: &Path, message: &str) -> String {
    run(
        dir,
        "git",
        &["commit", "-q", "--allow-empty", "-m", message],
    );
    let head = run(dir, "git", &["rev-parse", "--short=12", "HEAD"]);
    String::from_utf8_lossy(&head.stdout).trim().to_string()
}

#[test]
fn a_checkout_with_packed_refs_builds_once_and_notices_a_new_commit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    std::fs::write(
        root.join("Cargo.toml"),
        "[package]\nname = \"build-probe\"\nversion = \"1.2.3\"\nedition = \"2024\"\n\
         build = \"build.rs\"\n\n[workspace]\n",
    )
    .expect("manifest");
    std::fs::create_dir(root.join("src")).expect("src");
    std::fs::write(
        root.join("src/main.rs"),
        "fn main() { println!(\"{}\", env!(\"INTUNE_ASSIST_VERSION\")); }\n",
    )
    .expect("main");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("build.rs"),
        root.join("build.rs"),
    )
    .expect("this crate's build script");
    std::fs::write(root.join(".gitignore"), "/target\n").expect("ignore");
    run(root, "git", &["init", "-q", "-b", "main"]);
    run(root, "git", &["add", "."]);
    let first = commit(root, "first");
    // As after `git gc`: the branch lives only in packed-refs.
    run(root, "git", &["pack-refs", "--all", "--prune"]);
    assert!(!root.join(".git/refs/heads/main").exists());

    let (ran, version) = build(root);
    assert!(ran, "the first build runs the script");
    assert_eq!(version, format!("1.2.3 (commit {first})"));

    let (ran, _) = build(root);
    assert!(!ran, "a second build with nothing changed is a no-op");

    // A commit writes the branch's loose ref beside the packed one; the version follows it.
    let second = commit(root, "second");
    let (ran, version) = build(root);
    assert!(ran, "a new commit reruns the script");
    assert_eq!(version, format!("1.2.3 (commit {second})"));

    let (ran, _) = build(root);
    assert!(!ran, "and the build after it is a no-op again");
}
