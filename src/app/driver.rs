//! The driver: the model, the runner and the message channel together. The terminal loop, the
//! headless script mode and the flow tests all drive the app through it.

use std::time::Duration;

use time::OffsetDateTime;
use tokio::sync::mpsc::{self, UnboundedReceiver};

use super::model::{Model, Options};
use super::msg::Msg;
use super::runner::Runner;
use super::{Effect, update};
use crate::assist::Polling;
use crate::services::Services;

/// How often the clock ticks while something needs it.
pub const TICK: Duration = Duration::from_millis(250);

/// Where time comes from.
#[derive(Clone, Copy, Debug)]
pub enum Clock {
    /// The system clock.
    System,
    /// A fixed start that advances by one tick per tick: deterministic screens.
    Fixed(OffsetDateTime),
}

/// Something only the front end can do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FrontEffect {
    /// Put text on the clipboard.
    Copy(String),
    /// Open a URL in a browser.
    Open(String),
}

/// The running app, without a terminal.
pub struct Driver {
    pub model: Model,
    runner: Runner,
    rx: UnboundedReceiver<Msg>,
    clock: Clock,
    ticks: u32,
    /// Everything copied, in order (the headless clipboard).
    pub clipboard: Vec<String>,
}

impl Driver {
    /// Starts the app against `services`; it begins by finding out who is signed in.
    pub fn new(services: Services, options: Options, clock: Clock) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let polling = Polling {
            min: options.poll_min,
            max: options.poll_max,
            ..Polling::default()
        };
        let now = match clock {
            Clock::System => OffsetDateTime::now_utc(),
            Clock::Fixed(start) => start,
        };
        let mut driver = Driver {
            model: Model::new(options, now),
            runner: Runner::new(services, tx, polling),
            rx,
            clock,
            ticks: 0,
            clipboard: Vec::new(),
        };
        driver.runner.run(Effect::Start);
        driver
    }

    /// The time of the next tick.
    fn now(&mut self) -> OffsetDateTime {
        match self.clock {
            Clock::System => OffsetDateTime::now_utc(),
            Clock::Fixed(start) => start + TICK * self.ticks,
        }
    }

    /// Applies a message and starts the effects it asks for; returns what the front end must do.
    pub fn dispatch(&mut self, msg: Msg) -> Vec<FrontEffect> {
        let mut front = Vec::new();
        for effect in update(&mut self.model, msg) {
            match effect {
                Effect::Copy(text) => {
                    self.clipboard.push(text.clone());
                    front.push(FrontEffect::Copy(text));
                }
                Effect::OpenUrl(url) => front.push(FrontEffect::Open(url)),
                Effect::Quit => self.model.quit = true,
                other => self.runner.run(other),
            }
        }
        front
    }

    /// Advances the clock one tick.
    pub fn tick(&mut self) -> Vec<FrontEffect> {
        self.ticks = self.ticks.saturating_add(1);
        let now = self.now();
        self.dispatch(Msg::Tick(now))
    }

    /// Waits for the next message from a background task.
    pub async fn recv(&mut self) -> Option<Msg> {
        self.rx.recv().await
    }

    /// Applies every message already waiting; returns how many.
    pub fn drain(&mut self) -> (usize, Vec<FrontEffect>) {
        let mut count = 0;
        let mut front = Vec::new();
        while let Ok(msg) = self.rx.try_recv() {
            front.extend(self.dispatch(msg));
            count += 1;
        }
        (count, front)
    }

    /// Runs the app (messages and ticks) until `done` holds or `timeout` passes.
    pub async fn run_until(
        &mut self,
        timeout: Duration,
        mut done: impl FnMut(&Model) -> bool,
    ) -> Result<(), String> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut ticker = tokio::time::interval(TICK);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            self.drain();
            if done(&self.model) {
                return Ok(());
            }
            tokio::select! {
                msg = self.rx.recv() => match msg {
                    Some(msg) => { self.dispatch(msg); }
                    None => return Err("the app stopped".into()),
                },
                _ = ticker.tick() => { self.tick(); }
                _ = tokio::time::sleep_until(deadline) => {
                    return Err(format!("timed out after {:.1} s", timeout.as_secs_f64()));
                }
            }
        }
    }

    /// Runs until nothing is loading or being requested and no message arrives for a moment.
    pub async fn settle(&mut self, timeout: Duration) -> Result<(), String> {
        self.run_until(timeout, |m| {
            m.started
                && !m.devices.loading
                && !m.connector.loading
                && !m.capabilities.loading
                && m.requesting.is_empty()
        })
        .await
    }
}
