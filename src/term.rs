//! The terminal: raw mode and the alternate screen, restored on every way out — normal exit,
//! error, panic, SIGHUP/SIGTERM — and around Ctrl-Z suspension.

use std::io::{self, Stdout, Write};
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use crossterm::{cursor, execute};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

/// The terminal type the dashboard draws on.
pub type Tui = Terminal<CrosstermBackend<Stdout>>;

static PANIC_HOOK: Once = Once::new();
/// Whether the terminal is ours (raw, alternate screen); restoring twice would move the cursor.
static ACTIVE: AtomicBool = AtomicBool::new(false);

/// Puts the terminal in raw mode on the alternate screen, and makes sure a panic restores it
/// before the panic message is printed.
pub fn enter() -> io::Result<Tui> {
    PANIC_HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let _ = restore();
            previous(info);
        }));
    });
    enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    let mut stdout = io::stdout();
    if let Err(e) = execute!(
        stdout,
        EnterAlternateScreen,
        EnableMouseCapture,
        EnableBracketedPaste,
        cursor::Hide,
        // Cleared directly: ratatui's clear asks the terminal where the cursor is first,
        // a round trip over SSH before the first frame.
        crossterm::terminal::Clear(crossterm::terminal::ClearType::All)
    ) {
        let _ = restore();
        return Err(e);
    }
    Terminal::new(CrosstermBackend::new(stdout))
}

/// Leaves raw mode and the alternate screen, and shows the cursor. Only the first call after
/// [`enter`] does anything, so every exit path may call it.
pub fn restore() -> io::Result<()> {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return Ok(());
    }
    let mut stdout = io::stdout();
    let screen = execute!(
        stdout,
        DisableBracketedPaste,
        DisableMouseCapture,
        LeaveAlternateScreen,
        cursor::Show
    );
    let raw = disable_raw_mode();
    let _ = stdout.flush();
    screen.and(raw)
}

/// Restores the terminal when dropped, whatever path leaves the scope.
pub struct RestoreOnDrop;

impl Drop for RestoreOnDrop {
    fn drop(&mut self) {
        let _ = restore();
    }
}

/// Suspends the process like a shell's Ctrl-Z: restores the terminal, stops, and takes the
/// terminal back when continued.
pub fn suspend(terminal: &mut Tui) -> io::Result<()> {
    restore()?;
    #[cfg(unix)]
    // SAFETY: raising a signal on our own process has no memory-safety preconditions.
    unsafe {
        libc::raise(libc::SIGTSTP);
    }
    enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    execute!(
        io::stdout(),
        EnterAlternateScreen,
        EnableMouseCapture,
        EnableBracketedPaste,
        cursor::Hide
    )?;
    terminal.clear()
}

/// Puts text on the clipboard with OSC 52, which terminals honour over SSH too.
pub fn copy(text: &str) -> io::Result<()> {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    let mut stdout = io::stdout();
    write!(stdout, "\x1b]52;c;{encoded}\x07")?;
    stdout.flush()
}

/// The bytes that ring the bell and ask the terminal for a desktop notification: OSC 9
/// (iTerm2, Windows Terminal, kitty, WezTerm) and OSC 777 (foot, urxvt, VTE-based terminals).
/// Control characters in the text are dropped, so it cannot end the sequence early.
pub fn nudge_bytes(title: &str, body: &str) -> String {
    let clean =
        |s: &str| -> String { s.chars().filter(|c| !c.is_control() && *c != ';').collect() };
    let (title, body) = (clean(title), clean(body));
    format!("\x07\x1b]9;{title}: {body}\x07\x1b]777;notify;{title};{body}\x07")
}

/// Rings the bell and sends a desktop notification through the terminal.
pub fn nudge(title: &str, body: &str) -> io::Result<()> {
    let mut stdout = io::stdout();
    stdout.write_all(nudge_bytes(title, body).as_bytes())?;
    stdout.flush()
}

/// Whether a browser can be opened here (a local graphical session).
pub fn has_display() -> bool {
    cfg!(target_os = "macos")
        || std::env::var_os("DISPLAY").is_some()
        || std::env::var_os("WAYLAND_DISPLAY").is_some()
}

/// Opens `url` in the desktop's browser, detached.
pub fn open_url(url: &str) -> io::Result<()> {
    let program = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    std::process::Command::new(program)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map(|_| ())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_nudge_is_the_bell_osc_9_and_osc_777_and_its_text_cannot_end_them() {
        let bytes = super::nudge_bytes("intune-assist", "PC\x07\x1b]0;pwned; x: end user online");
        assert_eq!(
            bytes,
            "\x07\x1b]9;intune-assist: PC]0pwned x: end user online\x07\
             \x1b]777;notify;intune-assist;PC]0pwned x: end user online\x07"
        );
    }
}
