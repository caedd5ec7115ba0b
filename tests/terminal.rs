//! End to end in a real terminal: the binary runs in tmux at 120×40 and is driven by keys.
//! Uses the release binary when `INTUNE_ASSIST_E2E_BIN` names it (CI builds it as users do),
//! else the test build's binary; the panic test always uses the test build's, which has the
//! `test-hooks` feature. Needs tmux (`.ci/run` installs it).

use std::process::Command;
use std::time::{Duration, Instant};

struct Tmux {
    socket: String,
    state: tempfile::TempDir,
}

impl Tmux {
    /// A private tmux server running a plain shell at 120×40.
    fn start(name: &str) -> Tmux {
        let socket = format!("intune-assist-e2e-{name}-{}", std::process::id());
        let state = tempfile::tempdir().expect("tempdir");
        let tmux = Tmux { socket, state };
        let ok = tmux
            .cmd(&[
                "new-session",
                "-d",
                "-s",
                "main",
                "-x",
                "120",
                "-y",
                "40",
                "env PS1='$ ' bash --norc --noprofile",
            ])
            .status()
            .unwrap_or_else(|e| panic!("tmux is needed for this test (apt-get install tmux): {e}"));
        assert!(ok.success(), "tmux did not start");
        tmux.wait_for("the shell prompt", |s| s.contains("$"));
        tmux
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.socket, "-f", "/dev/null"]).args(args);
        c
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "main"];
        args.extend_from_slice(keys);
        assert!(self.cmd(&args).status().expect("send-keys").success());
    }

    fn literal(&self, text: &str) {
        assert!(
            self.cmd(&["send-keys", "-t", "main", "-l", text])
                .status()
                .expect("send-keys")
                .success()
        );
    }

    fn screen(&self) -> String {
        let out = self
            .cmd(&["capture-pane", "-p", "-t", "main"])
            .output()
            .expect("capture-pane");
        String::from_utf8_lossy(&out.stdout).to_string()
    }

    fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let screen = self.screen();
            if pred(&screen) {
                return screen;
            }
            if Instant::now() > deadline {
                panic!("timed out waiting for {what}; the screen was:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The screen once it has stopped changing (the same on two captures 200 ms apart).
    fn settled(&self) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut last = self.screen();
        loop {
            std::thread::sleep(Duration::from_millis(200));
            let now = self.screen();
            if now == last {
                return now;
            }
            assert!(
                Instant::now() < deadline,
                "the screen never settled:\n{now}"
            );
            last = now;
        }
    }

    /// Runs the app from the shell.
    fn run_app(&self, env: &str, args: &str) {
        let bin = std::env::var("INTUNE_ASSIST_E2E_BIN")
            .unwrap_or_else(|_| env!("CARGO_BIN_EXE_intune-assist").to_string());
        self.run_binary(&bin, env, args);
    }

    /// Runs `bin` from the shell.
    fn run_binary(&self, bin: &str, env: &str, args: &str) {
        let line = format!(
            "RUST_BACKTRACE=0 XDG_STATE_HOME={} {env} {bin} {args}; echo \"exited-$?\"",
            self.state.path().display()
        );
        self.literal(&line);
        self.keys(&["Enter"]);
    }

    /// Signs in to the demo just started with `devices` devices and opens All devices; hands
    /// back the screen of the loaded table.
    fn sign_in_to_all_devices(&self, devices: usize) -> String {
        self.wait_for("the Accounts blade", |s| {
            s.contains("Sign in to Microsoft to begin")
        });
        self.keys(&["l"]);
        self.wait_for("the home blade", |s| {
            s.contains(&format!("{devices} managed devices"))
        });
        self.keys(&["Enter"]);
        self.keys(&["Enter"]);
        self.wait_for("the device table", |s| {
            s.contains(&format!("All devices [{devices} of {devices}]"))
        })
    }

    /// Runs the app from the shell as a job of its own (no command after it on the line), so
    /// the shell's job control can stop and continue it.
    fn run_app_as_job(&self, args: &str) {
        let bin = std::env::var("INTUNE_ASSIST_E2E_BIN")
            .unwrap_or_else(|_| env!("CARGO_BIN_EXE_intune-assist").to_string());
        let line = format!(
            "RUST_BACKTRACE=0 XDG_STATE_HOME={} {bin} {args}",
            self.state.path().display()
        );
        self.literal(&line);
        self.keys(&["Enter"]);
    }

    /// The process id of the app the pane's shell is running: the shell's only child.
    fn app_pid(&self) -> String {
        let out = self
            .cmd(&["display-message", "-p", "-t", "main", "#{pane_pid}"])
            .output()
            .expect("the pane's shell");
        let shell = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let children = Command::new("pgrep")
                .args(["-P", &shell])
                .output()
                .expect("pgrep");
            let pids: Vec<String> = String::from_utf8_lossy(&children.stdout)
                .split_whitespace()
                .map(str::to_string)
                .collect();
            if let [pid] = pids.as_slice() {
                return pid.clone();
            }
            assert!(
                Instant::now() < deadline,
                "the shell {shell} runs {pids:?}, not one app"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Sends `signal` to the app, and to nothing else.
    fn signal_app(&self, signal: &str) {
        let pid = self.app_pid();
        let status = Command::new("kill")
            .args([&format!("-{signal}"), &pid])
            .status()
            .expect("kill");
        assert!(status.success(), "the app {pid} was signalled");
    }

    /// Checks that the shell got the terminal back in cooked mode with echo.
    fn assert_shell_usable(&self) {
        self.literal("stty -a | tr ' ' '\\n' | grep -E -x -- '-?(icanon|echo)' | tr '\\n' ' '; echo MARK-$((40+2))");
        self.keys(&["Enter"]);
        let screen = self.wait_for("the shell to answer", |s| s.contains("MARK-42"));
        let answer = screen
            .lines()
            .rev()
            .find(|l| l.contains("MARK-42"))
            .unwrap_or_default();
        assert!(
            answer.contains("icanon echo"),
            "the terminal is not sane: {answer}\n{screen}"
        );
        assert!(
            !answer.contains("-icanon") && !answer.contains("-echo"),
            "{answer}"
        );
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]).status();
    }
}

#[test]
fn navigate_start_a_session_see_its_code_and_quit() {
    let t = Tmux::start("flow");
    t.run_app("", "demo --devices 500");
    t.sign_in_to_all_devices(500);
    t.keys(&["/"]);
    t.literal("DESKTOP");
    t.keys(&["Enter"]);
    t.keys(&["Enter"]);
    t.wait_for("a device", |s| s.contains("All devices › DESKTOP-"));
    t.keys(&["m"]);
    t.wait_for("the More menu", |s| {
        s.contains("New Remote Assistance Session")
    });
    t.keys(&["Enter"]);
    t.wait_for("the session blade", |s| s.contains("to Connect"));
    // ⏎ on the blade is Connect itself: no second dialog.
    t.keys(&["Enter"]);
    let screen = t.wait_for("a session code", |s| s.contains("Session code"));
    let code_line = screen
        .lines()
        .find(|l| l.contains("Session code"))
        .unwrap_or_default()
        .to_string();
    let code = code_line
        .split_whitespace()
        .find(|w| w.starts_with('s') && w.len() == 12 && w.matches('-').count() == 2)
        .unwrap_or_else(|| panic!("no code in: {code_line}"))
        .to_string();
    t.wait_for("the session in the side pane", |s| {
        s.contains(&format!("{code}  DESKTOP-"))
    });
    t.keys(&["C-c"]);
    let after = t.wait_for("the app to exit", |s| s.contains("exited-0"));
    assert!(
        after.contains("demo --devices 500"),
        "the normal screen is back:\n{after}"
    );
    t.assert_shell_usable();
}

#[test]
fn the_terminal_is_restored_after_a_panic() {
    let t = Tmux::start("panic");
    // The test build's binary: only it has the hook that panics on purpose.
    t.run_binary(
        env!("CARGO_BIN_EXE_intune-assist"),
        "INTUNE_ASSIST_TEST_PANIC=1",
        "demo --devices 50",
    );
    let screen = t.wait_for("the app to exit", |s| s.contains("exited-101"));
    assert!(
        screen.contains("panicking on purpose"),
        "the panic message is readable:\n{screen}"
    );
    t.assert_shell_usable();
}

#[test]
fn the_terminal_is_restored_after_sigterm() {
    let t = Tmux::start("sigterm");
    t.run_app("", "demo --devices 60 --seed 90210");
    t.wait_for("the dashboard", |s| {
        s.contains("Sign in to Microsoft to begin")
    });
    t.signal_app("TERM");
    t.wait_for("the app to exit", |s| s.contains("exited-0"));
    t.assert_shell_usable();
}

#[test]
fn the_terminal_is_restored_after_sighup() {
    // What an SSH connection that drops sends.
    let t = Tmux::start("sighup");
    t.run_app("", "demo --devices 70 --seed 4242");
    t.wait_for("the dashboard", |s| {
        s.contains("Sign in to Microsoft to begin")
    });
    t.signal_app("HUP");
    t.wait_for("the app to exit", |s| s.contains("exited-0"));
    t.assert_shell_usable();
}

/// Sequences the hostile tenant's names carry, as bytes; none may reach the terminal.
const INJECTED: &[(&str, &[u8])] = &[
    ("clear screen from a name", b"\x1b[2J\x1b[HCLEARED"),
    ("window title (OSC 0)", b"\x1b]0;pwned"),
    ("clipboard write (OSC 52)", b"\x1b]52;c;cm0gLXJmIH4="),
    ("link (OSC 8)", b"\x1b]8;;https://evil.example"),
    ("DCS query", b"\x1bP+q544e"),
    ("8-bit CSI (C1)", "\u{9b}31m".as_bytes()),
    ("bidi override", "\u{202e}".as_bytes()),
    ("zero-width space", "\u{200b}".as_bytes()),
    ("byte order mark", "\u{feff}".as_bytes()),
    ("raw newline in a name", b"line\nbreak"),
    ("BEL", b"\x07"),
    ("backspace", b"\x08"),
    ("NUL", b"\x00"),
];

#[test]
fn hostile_names_never_reach_the_terminal_raw_and_the_layout_holds() {
    let t = Tmux::start("hostile");
    // Everything the app writes to the terminal, byte for byte, from here on.
    let raw = capture_raw(&t);
    t.run_app("", "demo --hostile --devices 120");
    let list = t.sign_in_to_all_devices(120);
    // Scroll through every device, so every name is drawn.
    for _ in 0..6 {
        t.keys(&["PageDown"]);
    }
    t.keys(&["g"]);
    t.keys(&["Enter"]);
    let device = t.wait_for("a hostile device", |s| s.contains("Device name"));
    t.keys(&["Escape"]);
    // A key right behind Escape could be read as Alt+key: wait for the list first.
    t.wait_for("the list again", |s| {
        s.lines()
            .nth(1)
            .is_some_and(|crumbs| crumbs.trim_end().ends_with("All devices"))
    });
    t.keys(&["/"]);
    t.literal("LONG");
    t.keys(&["Enter"]);
    t.wait_for("the 10 000-character name", |s| s.contains("LONG-AAAA"));
    t.keys(&["C-c"]);
    t.wait_for("the app to exit", |s| s.contains("exited-0"));
    let bytes = captured(&t, &raw);
    assert!(
        bytes.len() > 10_000,
        "the app's output was captured ({} bytes)",
        bytes.len()
    );
    for (what, needle) in INJECTED {
        let found = bytes.windows(needle.len()).position(|w| w == *needle);
        assert!(
            found.is_none(),
            "{what} reached the terminal at byte {found:?}: {:?}",
            found.map(|at| String::from_utf8_lossy(
                &bytes[at.saturating_sub(40)..(at + 60).min(bytes.len())]
            )
            .into_owned())
        );
    }
    // The title was not changed, and the layout held: every row of the list keeps its frame.
    let title = t
        .cmd(&["display-message", "-p", "-t", "main", "#{pane_title}"])
        .output()
        .expect("title");
    assert!(
        !String::from_utf8_lossy(&title.stdout).contains("pwned"),
        "the window title was changed"
    );
    for screen in [&list, &device] {
        let rows: Vec<&str> = screen.lines().collect();
        assert!(rows.len() >= 39, "40 rows drawn:\n{screen}");
        assert!(
            rows[0].contains("intune-assist"),
            "the header holds:\n{screen}"
        );
        for row in &rows[2..38] {
            let width = unicode_width::UnicodeWidthStr::width(row.trim_end());
            assert!(width <= 120, "a row overflows ({width} columns): {row}");
            assert!(
                row.starts_with('┌') || row.starts_with('│') || row.starts_with('└'),
                "a row lost its frame: {row:?}\n{screen}"
            );
        }
    }
    assert!(
        list.contains("CLEARED"),
        "the text of a hostile name is still shown, made safe"
    );
}

/// Starts capturing every byte the pane is sent, into `pane.raw` in the state folder.
fn capture_raw(t: &Tmux) -> std::path::PathBuf {
    let raw = t.state.path().join("pane.raw");
    let pipe = format!("cat >> {}", raw.display());
    assert!(
        t.cmd(&["pipe-pane", "-o", "-t", "main", &pipe])
            .status()
            .expect("pipe-pane")
            .success()
    );
    raw
}

/// Once the app has exited: waits until the capture holds everything written so far (a
/// marker the shell prints after it has arrived), then stops the capture and reads it.
fn captured(t: &Tmux, raw: &std::path::Path) -> Vec<u8> {
    // The command line shows `$((6*7))`; only its output reads 42.
    t.literal("echo CAPTURED-$((6*7))-END");
    t.keys(&["Enter"]);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let bytes = std::fs::read(raw).unwrap_or_default();
        if contains(&bytes, b"CAPTURED-42-END") {
            let _ = t.cmd(&["pipe-pane", "-t", "main"]).status();
            return bytes;
        }
        assert!(
            Instant::now() < deadline,
            "the capture never caught up ({} bytes)",
            bytes.len()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// What the README promises of the terminal: the wheel scrolls and a click selects and
/// opens; `c` copies the session link with OSC 52; visible links are OSC 8 hyperlinks; Ctrl-Z
/// suspends to the shell and `fg` brings the dashboard back.
#[test]
fn mouse_clipboard_links_and_suspend_work_as_documented() {
    let t = Tmux::start("features");
    let raw = capture_raw(&t);
    t.run_app_as_job("demo --devices 500 --seed 777");
    let before = t.sign_in_to_all_devices(500);
    // The first row of the table is the fifth line of the screen.
    let first_row = |s: &str| s.lines().nth(4).unwrap_or_default().to_string();
    // Wheel down (SGR button 65) well past the visible rows: the table scrolls.
    for _ in 0..60 {
        t.literal("\x1b[<65;20;10M");
    }
    t.wait_for("the table to scroll", |s| {
        first_row(s) != first_row(&before)
    });
    // Every wheel event handled: the screen holds still before a row is read off it.
    let scrolled = t.settled();
    // Click the first visible row twice: it is selected, then opened.
    let name = first_row(&scrolled)
        .trim_start_matches('│')
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string();
    assert!(!name.is_empty(), "{scrolled}");
    for _ in 0..2 {
        t.literal("\x1b[<0;10;5M\x1b[<0;10;5m");
        std::thread::sleep(Duration::from_millis(150));
    }
    t.wait_for("the clicked device", |s| {
        s.lines().nth(1).unwrap_or_default().ends_with(&name)
            || s.lines()
                .nth(1)
                .unwrap_or_default()
                .contains(&format!("› {name}"))
    });
    t.keys(&["Escape"]);
    t.wait_for("the list again", |s| {
        s.lines()
            .nth(1)
            .is_some_and(|crumbs| crumbs.trim_end().ends_with("All devices"))
    });
    t.keys(&["g"]);
    t.keys(&["/"]);
    t.literal("DESKTOP");
    t.keys(&["Enter"]);
    t.keys(&["Enter"]);
    t.wait_for("a device", |s| s.contains("All devices › DESKTOP-"));
    t.keys(&["m"]);
    t.keys(&["Enter"]);
    t.wait_for("the session blade", |s| s.contains("to Connect"));
    t.keys(&["Enter"]);
    let screen = t.wait_for("the session link", |s| s.contains("Session link"));
    let link = screen
        .lines()
        .find(|l| l.contains("Session link"))
        .and_then(|l| l.split_whitespace().find(|w| w.starts_with("http")))
        .unwrap_or_else(|| panic!("no link on:\n{screen}"))
        .trim_end_matches('│')
        .to_string();
    t.keys(&["c"]);
    t.wait_for("the copy to be confirmed", |s| s.contains("copied"));
    // The simulated end user accepts a few seconds later: the admin is nudged.
    t.wait_for("the end user", |s| s.contains("end user online"));

    // Suspend to the shell, then come back.
    t.keys(&["C-z"]);
    t.wait_for("the shell", |s| s.contains("Stopped"));
    t.literal("fg; echo \"exited-$?\"");
    t.keys(&["Enter"]);
    t.wait_for("the dashboard again", |s| {
        s.contains("Session link") && s.contains("intune-assist")
    });
    t.keys(&["C-c"]);
    t.wait_for("the app to exit", |s| s.contains("exited-0"));
    let bytes = captured(&t, &raw);

    use base64::Engine;
    let osc52 = format!(
        "\x1b]52;c;{}",
        base64::engine::general_purpose::STANDARD.encode(link.as_bytes())
    );
    assert!(
        contains(&bytes, osc52.as_bytes()),
        "`c` wrote the link with OSC 52 ({osc52:?})"
    );
    let osc8 = format!("\x1b]8;;{link}");
    assert!(
        contains(&bytes, osc8.as_bytes()),
        "the session link is an OSC 8 hyperlink"
    );
    for (what, nudge) in [
        ("the bell and OSC 9", &b"\x07\x1b]9;intune-assist: "[..]),
        ("OSC 777", &b"\x1b]777;notify;intune-assist;"[..]),
    ] {
        assert!(
            contains(&bytes, nudge),
            "{what} told the admin the end user came online"
        );
    }
    t.assert_shell_usable();
}

/// `NO_COLOR` from the environment turns colours off, and `--ascii` draws with ASCII only.
#[test]
fn no_color_and_ascii_are_honoured() {
    let t = Tmux::start("plain");
    let raw = capture_raw(&t);
    t.run_app("NO_COLOR=1", "--ascii demo --devices 80");
    let mut screens = vec![t.wait_for("the Accounts blade", |s| {
        s.contains("Sign in to Microsoft to begin")
    })];
    t.keys(&["l"]);
    screens.push(t.wait_for("the home blade", |s| s.contains("80 managed devices")));
    t.keys(&["Enter"]);
    t.keys(&["Enter"]);
    screens.push(t.wait_for("All devices", |s| s.contains("All devices [80 of 80]")));
    // Userless devices: their user column holds the app's placeholder.
    t.keys(&["/"]);
    t.literal("SCANNER");
    t.keys(&["Enter"]);
    screens.push(t.wait_for("the userless scanners", |s| {
        s.lines()
            .any(|l| l.contains("SCANNER-OPS-021") && l.contains(" - "))
    }));
    t.keys(&["/"]);
    t.keys(&["C-u"]);
    t.literal("DESKTOP");
    t.keys(&["Enter"]);
    t.keys(&["Enter"]);
    screens.push(t.wait_for("a device", |s| s.contains("Device name")));
    t.keys(&["m"]);
    screens.push(t.wait_for("More", |s| s.contains("New Remote Assistance Session")));
    t.keys(&["Enter"]);
    screens.push(t.wait_for("the session blade", |s| s.contains("to Connect")));
    t.keys(&["Enter"]);
    screens.push(t.wait_for("the live session", |s| s.contains("Session link")));
    t.keys(&[":"]);
    t.literal("history");
    t.keys(&["Enter"]);
    screens.push(t.wait_for("History", |s| s.contains("History [")));
    t.keys(&["?"]);
    screens.push(t.wait_for("help", |s| s.contains("Everywhere")));
    t.keys(&["Escape"]);
    t.keys(&["C-c"]);
    t.wait_for("the app to exit", |s| s.contains("exited-0"));
    let bytes = captured(&t, &raw);
    for shown in &screens {
        let odd: String = shown.chars().filter(|c| !c.is_ascii()).collect();
        assert!(odd.is_empty(), "--ascii drew {odd:?}:\n{shown}");
    }
    // No SGR colour: 30–37, 40–47, 90–97, 100–107, or 38/48 extended colours.
    let text = String::from_utf8_lossy(&bytes);
    for sgr in text.split("\x1b[").skip(1) {
        let Some(end) = sgr.find('m') else { continue };
        let params = &sgr[..end];
        if !params.chars().all(|c| c.is_ascii_digit() || c == ';') {
            continue;
        }
        for p in params.split(';') {
            let n: u32 = p.parse().unwrap_or(0);
            assert!(
                !matches!(n, 30..=38 | 40..=48 | 90..=97 | 100..=107),
                "a colour was drawn under NO_COLOR: ESC[{params}m"
            );
        }
    }
}
