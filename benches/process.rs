//! Whole-process figures of the real binary: the first frame of `demo` from process start
//! (the simulator's start included); at 100 000 and 1 000 000 devices, the dashboard's peak
//! memory on a first start and on a start from the inventory cache, the cache's size on disk
//! and the peak memory of `devices --json`; and the dashboard's memory over a long soak of
//! sessions under faults. The simulator runs in its own process, so only the app is measured.
//! `cargo bench --bench process` (needs `script` from util-linux for a terminal);
//! `-- --sizes 100000,1000000` (the default), `--soak-rounds N` (default 40).

#[path = "../tests/common/served.rs"]
mod served;
use served::ServedSim;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_intune-assist");

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// Runs `command` in a pseudo-terminal (util-linux `script`) of 120×40 and returns how long
/// after the spawn it wrote the time into the file `$STAMP`.
fn stamped(command: &str, first_frame_hook: bool) -> Duration {
    let dir = tempfile::tempdir().expect("scratch");
    let stamp = dir.path().join("stamp");
    let line = format!("stty rows 40 cols 120; {command}");
    let mut script = Command::new("script");
    script
        .args(["-qfec", &line, "/dev/null"])
        .env("TERM", "xterm-256color")
        .env("STAMP", &stamp)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if first_frame_hook {
        script.env("INTUNE_ASSIST_BENCH_FIRST_FRAME", &stamp);
    }
    let spawned = std::time::SystemTime::now();
    let status = script.status().expect("script (util-linux) runs");
    assert!(status.success(), "{command} failed: {status}");
    let nanos: u128 = std::fs::read_to_string(&stamp)
        .expect("the stamp")
        .trim()
        .parse()
        .expect("nanoseconds");
    let at = std::time::UNIX_EPOCH + Duration::from_nanos(nanos as u64);
    at.duration_since(spawned).unwrap_or_default()
}

fn first_frame(runs: usize) {
    let demo = format!("{BIN} demo");
    let exec = "date +%s%N > \"$STAMP\"";
    stamped(&demo, true);
    let (mut frames, mut wrapper) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        frames.push(stamped(&demo, true));
        wrapper.push(stamped(exec, false));
    }
    let (frame, wrapper) = (median(frames), median(wrapper));
    println!(
        "first frame of `demo` (its 2 000-device simulator started in process), median of {runs}:"
    );
    // The figure is the one measured, pseudo-terminal included: it can only overstate.
    println!(
        "  spawn → first frame drawn            {:>7.1} ms (goal ≤ 150)",
        frame.as_secs_f64() * 1e3
    );
    println!(
        "  of which a bare command in the same pseudo-terminal takes {:.1} ms (median, measured alone)",
        wrapper.as_secs_f64() * 1e3
    );
}

/// Peak resident memory, in kB, of a child that has exited (`wait4`).
fn wait_for_peak_rss(child: &std::process::Child) -> (i32, i64) {
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: `rusage` is plain data that wait4 fills in; `pid` is our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid, "wait4 on the dashboard");
    (status, usage.ru_maxrss)
}

/// Runs the headless dashboard (`intune-assist script`) with `home` against `sim` until every
/// device is loaded, filtered and scrolled: its peak RSS in kB and how long it took.
fn dashboard_run(sim: &ServedSim, home: &std::path::Path, devices: usize) -> (i64, Duration) {
    let tape = home.join("load.tape");
    std::fs::File::create(&tape)
        .and_then(|mut f| {
            f.write_all(
                b"wait-idle 900s\nkey Enter Enter\nwait-idle 900s\nkey /\ntype desk\nkey Enter G\nsnapshot loaded\n",
            )
        })
        .expect("tape");
    let started = Instant::now();
    // Reaped by `wait4`, which also reports its peak memory.
    #[allow(clippy::zombie_processes)]
    let dashboard = sim
        .command(BIN, home)
        .arg("script")
        .arg(&tape)
        .args(["--out", &home.display().to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the dashboard runs");
    let (status, peak_kb) = wait_for_peak_rss(&dashboard);
    let took = started.elapsed();
    assert_eq!(status, 0, "the headless dashboard failed");
    let screen = std::fs::read_to_string(home.join("loaded.txt")).expect("the screen");
    assert!(
        screen.contains(&format!(
            " of {}]",
            intune_assist::ui::format::count(devices)
        )),
        "not every device loaded:\n{screen}"
    );
    (peak_kb, took)
}

/// The inventory cache files under `home` and their total size in bytes.
fn cache_bytes(home: &std::path::Path) -> u64 {
    let dir = home.join(".cache/intune-assist");
    std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| e.file_name().to_string_lossy().starts_with("inventory-"))
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

/// Peak RSS of `devices --json` (every page written as it is parsed) against `sim`, in kB.
fn devices_json_peak(sim: &ServedSim, home: &std::path::Path) -> (i64, Duration) {
    let started = Instant::now();
    #[allow(clippy::zombie_processes)]
    let listing = sim
        .command(BIN, home)
        .args(["devices", "--json", "--no-cache"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("devices runs");
    let (status, peak_kb) = wait_for_peak_rss(&listing);
    assert_eq!(status, 0, "devices --json failed");
    (peak_kb, started.elapsed())
}

/// The dashboard's peak memory with `devices` devices: the first start (every page from
/// Graph, the inventory cache written as they come) and the next start (the cached list shown
/// at once, then refreshed in place by a full listing); the cache's size on disk; and the
/// peak memory of `devices --json`.
fn peak_memory(devices: usize, goals: (f64, f64)) {
    let sim = ServedSim::start(BIN, &["--devices", &devices.to_string()]);
    let home = tempfile::tempdir().expect("scratch");
    let (first_kb, first_took) = dashboard_run(&sim, home.path(), devices);
    let cache = cache_bytes(home.path());
    let (cached_kb, cached_took) = dashboard_run(&sim, home.path(), devices);
    let (json_kb, json_took) = devices_json_peak(&sim, home.path());
    drop(sim);
    let mb = |kb: i64| kb as f64 / 1024.0;
    println!(
        "the real binary with {devices} devices (headless dashboard: loaded, filtered and scrolled):"
    );
    println!(
        "  dashboard peak RSS, first start      {:>7.1} MB (goal ≤ {}; {:.1} s)",
        mb(first_kb),
        goals.0,
        first_took.as_secs_f64()
    );
    println!(
        "  dashboard peak RSS, cache start      {:>7.1} MB (goal ≤ {}; {:.1} s, the refresh included)",
        mb(cached_kb),
        goals.0,
        cached_took.as_secs_f64()
    );
    println!(
        "  inventory cache on disk              {:>7.1} MB (goal at 1 000 000: ≤ 150)",
        cache as f64 / 1e6
    );
    println!(
        "  devices --json peak RSS              {:>7.1} MB (goal ≤ {}; {:.1} s)",
        mb(json_kb),
        goals.1,
        json_took.as_secs_f64()
    );
}

/// Resident memory of process `pid`, in kB, while it runs.
fn rss_kb(pid: u32) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// The dashboard's main flow, `rounds` times, against `sim serve` in its own process under
/// faults that never leave a round without its session (no dropped connections: what a drop
/// does is tested in tests/soak.rs); its resident memory sampled throughout.
fn soak_memory(rounds: usize) {
    let sim = ServedSim::start(
        BIN,
        &[
            "--devices",
            "2000",
            "--pace",
            "fast",
            "--faults",
            "429=0.1,503=0.05,slow=0.1:100ms,retry-after=0.05",
        ],
    );
    let dir = tempfile::tempdir().expect("scratch");
    let tape = dir.path().join("soak.tape");
    let devices = [
        "DESKTOP-6N5SBY4",
        "LAPTOP-MQ7Z0VX",
        "DESKTOP-EQL5UTM",
        "LAPTOP-BW0GZXD",
    ];
    let mut text = String::from("wait-idle 600s\nkey Enter Enter\nwait-idle 600s\n");
    for round in 0..rounds {
        let device = devices[round % devices.len()];
        text.push_str(&format!(
            "key /\ntype {device}\nkey Enter Enter\nwait-idle 120s\n\
             key m Enter Enter\nwait-for \"supporter connected\" 120s\n\
             key x y\nwait-for \"● closed\" 120s\nwait-idle 120s\n\
             key Esc Esc Esc\nkey /\nkey ctrl-u\nkey Enter\n"
        ));
    }
    text.push_str("snapshot done\n");
    std::fs::write(&tape, text).expect("tape");
    let started = Instant::now();
    let mut dashboard = sim
        .command(BIN, dir.path())
        .arg("script")
        .arg(&tape)
        .args(["--out", &dir.path().display().to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the dashboard runs");
    let mut samples: Vec<(Duration, u64)> = Vec::new();
    let status = loop {
        if let Some(status) = dashboard.try_wait().expect("the dashboard") {
            break status;
        }
        if let Some(kb) = rss_kb(dashboard.id()) {
            samples.push((started.elapsed(), kb));
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let took = started.elapsed();
    drop(sim);
    assert!(status.success(), "the soak failed: {status}");
    assert!(
        dir.path().join("done.txt").exists(),
        "the tape did not finish"
    );
    // The most resident in each third of the run: a leak shows as the last above the second.
    let third = |k: u32| {
        samples
            .iter()
            .filter(|(at, _)| *at >= took * k / 3 && *at < took * (k + 1) / 3)
            .map(|(_, kb)| *kb)
            .max()
            .unwrap_or(0)
    };
    let (middle, last) = (third(1), third(2));
    println!(
        "dashboard soak (headless, against `sim serve` in its own process), {rounds} sessions under faults in {:.1} s:",
        took.as_secs_f64()
    );
    println!(
        "  peak RSS, middle third of the run    {:>7.1} MB",
        middle as f64 / 1024.0
    );
    println!(
        "  peak RSS, last third                 {:>7.1} MB ({:+.1} MB; goal: flat)",
        last as f64 / 1024.0,
        (last as f64 - middle as f64) / 1024.0
    );
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let soak_rounds = std::env::args()
        .skip_while(|a| a != "--soak-rounds")
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(40);
    let sizes: Vec<usize> = std::env::args()
        .skip_while(|a| a != "--sizes")
        .nth(1)
        .map(|list| list.split(',').filter_map(|n| n.parse().ok()).collect())
        .unwrap_or_else(|| vec![100_000, 1_000_000]);
    for devices in sizes {
        let goals = if devices >= 1_000_000 {
            (300.0, 64.0)
        } else {
            (56.0, 64.0)
        };
        peak_memory(devices, goals);
    }
    first_frame(15);
    soak_memory(soak_rounds);
}
