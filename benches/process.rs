//! Whole-process figures of the real binary: the first frame of `demo` from process start
//! (the simulator's start included), and the peak memory of the dashboard with 100 000 devices
//! loaded. `cargo bench --bench process` (needs `script` from util-linux for a terminal).

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

fn peak_memory(devices: usize) {
    let sim = ServedSim::start(BIN, &["--devices", &devices.to_string()]);
    let dir = tempfile::tempdir().expect("scratch");
    let tape = dir.path().join("load.tape");
    std::fs::File::create(&tape)
        .and_then(|mut f| {
            f.write_all(
                b"wait-idle 600s\nkey Enter Enter\nwait-idle 600s\nkey /\ntype desk\nkey Enter G\nsnapshot loaded\n",
            )
        })
        .expect("tape");
    let started = Instant::now();
    // Reaped by `wait4`, which also reports its peak memory.
    #[allow(clippy::zombie_processes)]
    let dashboard = sim
        .command(BIN, dir.path())
        .arg("script")
        .arg(&tape)
        .args(["--out", &dir.path().display().to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the dashboard runs");
    let (status, peak_kb) = wait_for_peak_rss(&dashboard);
    let took = started.elapsed();
    drop(sim);
    assert_eq!(status, 0, "the headless dashboard failed");
    let screen = std::fs::read_to_string(dir.path().join("loaded.txt")).expect("the screen");
    assert!(
        screen.contains(&format!(
            " of {}]",
            intune_assist::ui::format::count(devices)
        )),
        "not every device loaded:\n{screen}"
    );
    println!(
        "dashboard (headless, `intune-assist script`) with {devices} devices loaded, filtered and scrolled:"
    );
    println!(
        "  peak RSS                             {:>7.1} MB (goal ≤ 80)",
        peak_kb as f64 / 1024.0
    );
    println!(
        "  load and run                         {:>7.1} ms",
        took.as_secs_f64() * 1e3
    );
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    peak_memory(100_000);
    first_frame(15);
}
