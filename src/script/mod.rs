//! Scripted runs: a tape of keystrokes and waits played against the app with no terminal,
//! writing the screens it asks for. On virtual time (the default with the simulator) a run
//! repeats byte for byte.

pub mod export;
pub mod tape;

use std::path::{Path, PathBuf};
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::app::driver::{Driver, FrontEffect};
use crate::app::msg::Msg;
use crate::ui::{buffer_text, render_buffer};
pub use export::Format;
pub use tape::{Command, Step, Tape, TapeError};

/// Why a tape did not play to its end.
#[derive(Debug, thiserror::Error)]
pub enum ScriptError {
    #[error("{0}")]
    Tape(#[from] TapeError),
    /// A wait ran out of time; the screen it last saw is kept.
    #[error("line {line}: {what} timed out after {seconds:.1} s; the screen was:\n{screen}")]
    TimedOut {
        line: usize,
        what: String,
        seconds: f64,
        screen: String,
    },
    /// The app could not go on (it stopped, or background work hung).
    #[error("line {line}: {message}")]
    Stopped { line: usize, message: String },
    #[error("cannot write {path}: {error}")]
    Write {
        path: PathBuf,
        error: std::io::Error,
    },
}

/// A screen a tape asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub name: String,
    /// The plain text.
    pub text: String,
    /// The styled rendering, when the format has one.
    pub styled: Option<String>,
}

/// Plays tapes against a driver, at a terminal size, collecting snapshots.
pub struct Player {
    pub driver: Driver,
    width: u16,
    height: u16,
    format: Format,
    out: Option<PathBuf>,
    /// Every snapshot taken, in order.
    pub snapshots: Vec<Snapshot>,
    /// URLs the app asked to open in a browser (there is none here).
    pub opened: Vec<String>,
}

impl Player {
    /// A player at `width`×`height`; snapshots go to `out` when given.
    pub fn new(
        mut driver: Driver,
        (width, height): (u16, u16),
        format: Format,
        out: Option<PathBuf>,
    ) -> Self {
        driver.dispatch(Msg::Resize(width, height));
        Player {
            driver,
            width,
            height,
            format,
            out,
            snapshots: Vec::new(),
            opened: Vec::new(),
        }
    }

    /// The screen as plain text.
    pub fn screen(&self) -> String {
        buffer_text(&render_buffer(&self.driver.model, self.width, self.height))
    }

    /// Plays every step of `tape`.
    pub async fn play_tape(&mut self, tape: &Tape) -> Result<(), ScriptError> {
        for step in &tape.steps {
            self.play(step).await?;
        }
        Ok(())
    }

    /// Parses `source` and plays it: handy for tests, which read as tapes.
    pub async fn play_str(&mut self, source: &str) -> Result<(), ScriptError> {
        let tape = Tape::parse(source)?;
        self.play_tape(&tape).await
    }

    /// Plays one step.
    pub async fn play(&mut self, step: &Step) -> Result<(), ScriptError> {
        if self.driver.model.quit {
            return Err(ScriptError::Stopped {
                line: step.line,
                message: "the app has quit; nothing more can be played".into(),
            });
        }
        match &step.command {
            Command::Keys(keys) => {
                for key in keys {
                    self.press(*key);
                }
            }
            Command::Type(text) => self.type_text(text),
            Command::WaitFor { text, timeout } => {
                let (width, height) = (self.width, self.height);
                let found = self
                    .driver
                    .run_until(*timeout, |model| {
                        crate::ui::render_text(model, width, height).contains(text.as_str())
                    })
                    .await;
                self.check(found, step.line, format!("wait-for {text:?}"), *timeout)?;
            }
            Command::WaitIdle { timeout } => {
                let settled = self.driver.settle(*timeout).await;
                self.check(settled, step.line, "wait-idle".into(), *timeout)?;
            }
            Command::Sleep(duration) => {
                let clock = self.driver.clock().clone();
                let until = clock.instant() + *duration;
                let slept = self
                    .driver
                    .run_until(*duration + Duration::from_secs(1), |_| {
                        clock.instant() >= until
                    })
                    .await;
                self.check(slept, step.line, "sleep".into(), *duration)?;
            }
            Command::Resize { width, height } => self.resize(*width, *height),
            Command::Snapshot(name) => self.snapshot(name)?,
        }
        Ok(())
    }

    /// Types `text`, a key a character.
    pub fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            let modifiers = if c.is_uppercase() {
                KeyModifiers::SHIFT
            } else {
                KeyModifiers::NONE
            };
            self.press(KeyEvent::new(KeyCode::Char(c), modifiers));
        }
    }

    /// Changes the terminal size.
    pub fn resize(&mut self, width: u16, height: u16) {
        self.width = width;
        self.height = height;
        self.driver.dispatch(Msg::Resize(width, height));
    }

    /// Presses one key.
    pub fn press(&mut self, key: KeyEvent) {
        for effect in self.driver.dispatch(Msg::Key(key)) {
            if let FrontEffect::Open(url) = effect {
                self.opened.push(url);
            }
        }
    }

    fn check(
        &self,
        result: Result<(), String>,
        line: usize,
        what: String,
        timeout: Duration,
    ) -> Result<(), ScriptError> {
        match result {
            Ok(()) => Ok(()),
            Err(message) if message.starts_with("timed out") => Err(ScriptError::TimedOut {
                line,
                what,
                seconds: timeout.as_secs_f64(),
                screen: self.screen(),
            }),
            Err(message) => Err(ScriptError::Stopped { line, message }),
        }
    }

    fn snapshot(&mut self, name: &str) -> Result<(), ScriptError> {
        let buffer = render_buffer(&self.driver.model, self.width, self.height);
        let snapshot = Snapshot {
            name: name.to_string(),
            text: export::text(&buffer),
            styled: self.format.styled(&buffer),
        };
        if let Some(dir) = &self.out {
            write(&dir.join(format!("{name}.txt")), &snapshot.text)?;
            if let (Some(styled), Some(ext)) = (&snapshot.styled, self.format.styled_extension()) {
                write(&dir.join(format!("{name}.{ext}")), styled)?;
            }
        }
        self.snapshots.push(snapshot);
        Ok(())
    }
}

/// Writes a file, creating its folder.
fn write(path: &Path, contents: &str) -> Result<(), ScriptError> {
    let fail = |error| ScriptError::Write {
        path: path.to_path_buf(),
        error,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(fail)?;
    }
    std::fs::write(path, contents).map_err(fail)
}
