//! The dashboard in a real terminal: one loop over terminal events, background results and a
//! tick that runs only while something on screen changes with time.

use std::io;

use crossterm::event::{Event, EventStream, KeyCode, KeyEventKind, KeyModifiers};
use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use futures_util::StreamExt;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

use crate::app::driver::{Clock, Driver, FrontEffect};
use crate::app::model::{Model, Options};
use crate::app::msg::{Msg, TICK};
use crate::services::Services;
use crate::term::{self, Tui};

/// Runs the dashboard until the admin quits (or the terminal goes away).
pub async fn run(services: Services, options: Options) -> io::Result<()> {
    let mut terminal = term::enter()?;
    let _restore = term::RestoreOnDrop;
    #[cfg(feature = "test-hooks")]
    test_hooks::panic_if_asked();
    let mut driver = Driver::new(services, options, Clock::System);
    let size = terminal.size()?;
    driver.dispatch(Msg::Resize(size.width, size.height));
    let result = event_loop(&mut terminal, &mut driver).await;
    term::restore()?;
    result
}

async fn event_loop(terminal: &mut Tui, driver: &mut Driver) -> io::Result<()> {
    let mut events = EventStream::new();
    let mut ticker = tokio::time::interval(TICK);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    #[cfg(unix)]
    let (mut hangup, mut terminate) = {
        use tokio::signal::unix::{SignalKind, signal};
        (
            signal(SignalKind::hangup())?,
            signal(SignalKind::terminate())?,
        )
    };
    draw(terminal, driver)?;
    #[cfg(feature = "test-hooks")]
    if test_hooks::stamp_first_frame()? {
        return Ok(());
    }
    loop {
        let needs_tick = driver.model.needs_tick();
        let mut front = Vec::new();
        // Set when something reached the model: events it ignores do not redraw.
        let mut dirty = true;
        #[cfg(unix)]
        let signalled = async {
            tokio::select! {
                _ = hangup.recv() => {}
                _ = terminate.recv() => {}
            }
        };
        #[cfg(not(unix))]
        let signalled = std::future::pending::<()>();
        tokio::select! {
            event = events.next() => match event {
                Some(Ok(Event::Key(key))) if key.kind != KeyEventKind::Release
                    && key.code == KeyCode::Char('z') && key.modifiers.contains(KeyModifiers::CONTROL) => {
                    term::suspend(terminal)?;
                }
                Some(Ok(event)) => match Msg::from_terminal(event) {
                    Some(msg) => front = driver.dispatch(msg),
                    None => dirty = false,
                },
                Some(Err(e)) => return Err(e),
                None => return Ok(()),
            },
            msg = driver.recv() => match msg {
                Some(msg) => front = driver.dispatch(msg),
                None => return Ok(()),
            },
            _ = ticker.tick(), if needs_tick => front = driver.tick(),
            _ = signalled => return Ok(()),
        }
        let (_, more) = driver.drain();
        front.extend(more);
        for effect in front {
            match effect {
                FrontEffect::Copy(text) => term::copy(&text)?,
                FrontEffect::Notify { title, body } => term::nudge(&title, &body)?,
                FrontEffect::Open(url) => {
                    if let Err(e) = term::open_url(&url) {
                        driver.dispatch(Msg::Log(format!("error: cannot open a browser: {e}")));
                    }
                }
            }
        }
        if driver.model.quit {
            return Ok(());
        }
        if dirty {
            draw(terminal, driver)?;
        }
    }
}

/// Hooks for the end-to-end tests and benchmarks, built only with the `test-hooks` feature.
#[cfg(feature = "test-hooks")]
mod test_hooks {
    /// Panics when `INTUNE_ASSIST_TEST_PANIC` is set, so that a test can see the terminal
    /// restored after a panic.
    pub fn panic_if_asked() {
        if std::env::var_os("INTUNE_ASSIST_TEST_PANIC").is_some() {
            panic!("INTUNE_ASSIST_TEST_PANIC is set: panicking on purpose");
        }
    }

    /// With `INTUNE_ASSIST_BENCH_FIRST_FRAME=PATH`, writes when the first frame was drawn to
    /// PATH (nanoseconds since the epoch) and says to quit: `cargo bench --bench process`.
    pub fn stamp_first_frame() -> std::io::Result<bool> {
        let Some(path) = std::env::var_os("INTUNE_ASSIST_BENCH_FIRST_FRAME") else {
            return Ok(false);
        };
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        std::fs::write(path, nanos.to_string())?;
        Ok(true)
    }
}

fn draw(terminal: &mut Tui, driver: &Driver) -> io::Result<()> {
    draw_frame(terminal, &driver.model)
}

/// Draws one frame inside a synchronized update: only the cells that changed are written,
/// then the visible links again wrapped in OSC 8 so they can be clicked.
pub fn draw_frame<W: io::Write>(
    terminal: &mut Terminal<CrosstermBackend<W>>,
    model: &Model,
) -> io::Result<()> {
    crossterm::queue!(terminal.backend_mut(), BeginSynchronizedUpdate)?;
    let links = crate::ui::visible_links(model);
    let drawn = terminal
        .draw(|frame| crate::ui::view(model, frame))
        .map(|frame| crate::ui::link_positions(frame.buffer, &links));
    if let Ok(positions) = &drawn {
        hyperlink(terminal.backend_mut(), positions)?;
    }
    crossterm::execute!(terminal.backend_mut(), EndSynchronizedUpdate)?;
    drawn.map(|_| ())
}

/// Makes links clickable with OSC 8 by writing each again, in place, wrapped in the
/// hyperlink sequence. The URLs were sanitised when they became domain values.
fn hyperlink(out: &mut impl io::Write, positions: &[(u16, u16, String)]) -> io::Result<()> {
    use crossterm::style::{Attribute, Print, SetAttribute};
    for (x, y, url) in positions {
        crossterm::queue!(
            out,
            crossterm::cursor::MoveTo(*x, *y),
            SetAttribute(Attribute::Underlined),
            Print(format!("\x1b]8;;{url}\x1b\\{url}\x1b]8;;\x1b\\")),
            SetAttribute(Attribute::Reset)
        )?;
    }
    Ok(())
}
