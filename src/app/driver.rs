//! The driver: the model, the runner and the message channel together. The terminal loop, the
//! headless script mode and the flow tests all drive the app through it.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::broadcast::{self, error::TryRecvError};
use tokio::sync::mpsc::{self, UnboundedReceiver};

use super::model::{Model, Options};
use super::msg::Msg;
use super::msg::TICK;
use super::runner::Runner;
use super::{Effect, update};
use crate::assist::Polling;
pub use crate::clock::Clock;
use crate::clock::VirtualClock;
use crate::http::HttpEvent;
use crate::services::Services;

/// The longest a virtual-time wait may take in real time beyond its own timeout.
const REAL_TIME_GRACE: Duration = Duration::from_secs(60);

/// Something only the front end can do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FrontEffect {
    /// Put text on the clipboard.
    Copy(String),
    /// Open a URL in a browser.
    Open(String),
    /// Ring the bell and send a desktop notification.
    Notify { title: String, body: String },
}

/// The running app, without a terminal.
pub struct Driver {
    pub model: Model,
    runner: Runner,
    rx: UnboundedReceiver<Msg>,
    health: broadcast::Receiver<HttpEvent>,
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
        let health = services.http.subscribe();
        let mut driver = Driver {
            model: Model::new(options, clock.wall()),
            runner: Runner::new(services, tx, polling, clock.clone()),
            rx,
            health,
            clock,
            ticks: 0,
            clipboard: Vec::new(),
        };
        driver.runner.run(Effect::Start);
        driver
    }

    /// The clock the app runs on.
    pub fn clock(&self) -> &Clock {
        &self.clock
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
                Effect::Notify { title, body } => front.push(FrontEffect::Notify { title, body }),
                Effect::Quit => self.model.quit = true,
                other => self.runner.run(other),
            }
        }
        front
    }

    /// Advances the clock one tick.
    pub fn tick(&mut self) -> Vec<FrontEffect> {
        self.ticks = self.ticks.saturating_add(1);
        let now = self.clock.wall();
        self.dispatch(Msg::Tick(now))
    }

    /// Waits for the next message from a background task or the HTTP client.
    pub async fn recv(&mut self) -> Option<Msg> {
        loop {
            tokio::select! {
                biased;
                event = self.health.recv() => match event {
                    Ok(event) => return Some(Msg::Health(event)),
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    // The client lives as long as the services; keep serving messages.
                    Err(broadcast::error::RecvError::Closed) => return self.rx.recv().await,
                },
                msg = self.rx.recv() => return msg,
            }
        }
    }

    /// The next message already waiting, health events first: a request's health event is
    /// sent before the task that made it reports its result.
    fn try_next(&mut self) -> Option<Msg> {
        loop {
            match self.health.try_recv() {
                Ok(event) => return Some(Msg::Health(event)),
                Err(TryRecvError::Lagged(_)) => continue,
                Err(TryRecvError::Empty | TryRecvError::Closed) => break,
            }
        }
        self.rx.try_recv().ok()
    }

    /// Applies every message already waiting; returns how many.
    pub fn drain(&mut self) -> (usize, Vec<FrontEffect>) {
        let mut count = 0;
        let mut front = Vec::new();
        while let Some(msg) = self.try_next() {
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
        if let Some(clock) = self.clock.as_virtual().cloned() {
            return self.run_virtual(&clock, timeout, done).await;
        }
        let deadline = tokio::time::Instant::now() + timeout;
        let mut ticker = tokio::time::interval(TICK);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            self.drain();
            if done(&self.model) {
                return Ok(());
            }
            tokio::select! {
                msg = self.recv() => match msg {
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

    /// [`Driver::run_until`] on virtual time: background work runs to completion, then time
    /// jumps to the next tick or sleeper. `timeout` is in virtual time.
    async fn run_virtual(
        &mut self,
        clock: &Arc<VirtualClock>,
        timeout: Duration,
        mut done: impl FnMut(&Model) -> bool,
    ) -> Result<(), String> {
        let start = clock.elapsed();
        let real_deadline = tokio::time::Instant::now() + timeout + REAL_TIME_GRACE;
        loop {
            self.drain();
            if tokio::time::Instant::now() >= real_deadline {
                return Err(format!(
                    "background work did not finish within {:.0} s of real time",
                    (timeout + REAL_TIME_GRACE).as_secs_f64()
                ));
            }
            if !clock.is_idle() {
                tokio::select! {
                    msg = self.recv() => match msg {
                        Some(msg) => { self.dispatch(msg); }
                        None => return Err("the app stopped".into()),
                    },
                    _ = clock.work_done() => {}
                }
                continue;
            }
            // Idle: anything sent before the work ended is already queued.
            if let Some(msg) = self.try_next() {
                self.dispatch(msg);
                continue;
            }
            // Quiescent: all work started so far has finished or sleeps on the clock, so the
            // model is the same whatever order the work finished in. Only here is `done` asked.
            if done(&self.model) {
                return Ok(());
            }
            let next_tick = TICK * (self.ticks + 1);
            let to = clock
                .next_deadline()
                .map_or(next_tick, |d| d.min(next_tick));
            if to.saturating_sub(start) > timeout {
                return Err(format!("timed out after {:.1} s", timeout.as_secs_f64()));
            }
            clock.advance(to);
            if to >= next_tick {
                self.tick();
            }
            tokio::task::yield_now().await;
        }
    }

    /// True when no background work is under way (always true on the system clock, where
    /// work is not counted).
    pub fn idle(&self) -> bool {
        self.clock.as_virtual().is_none_or(|c| c.is_idle())
    }

    /// Runs until nothing is loading or being requested and no message arrives for a moment.
    pub async fn settle(&mut self, timeout: Duration) -> Result<(), String> {
        let clock = self.clock.as_virtual().cloned();
        loop {
            self.run_until(timeout, |m| {
                m.started
                    && !m.devices.loading
                    && !m.connector.loading
                    && !m.capabilities.loading
                    && m.requesting.is_empty()
                    && clock.as_ref().is_none_or(|c| c.is_idle())
            })
            .await?;
            // On virtual time, a result queued just as the work ended still counts.
            match self.try_next() {
                Some(msg) if clock.is_some() => {
                    self.dispatch(msg);
                }
                Some(msg) => {
                    self.dispatch(msg);
                    return Ok(());
                }
                None => return Ok(()),
            }
        }
    }
}
