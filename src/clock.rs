//! Where time comes from: the system, or a virtual clock that a script advances only while the
//! app has nothing else to do, which makes scripted runs repeat exactly.
//!
//! The virtual clock counts the app's background work. Work is *busy* from the moment it is
//! spawned until it ends, except while it sleeps on this clock. Time moves only when nothing is
//! busy, and then straight to the next tick or the next sleeper's deadline, so every request
//! started at one instant has finished before the next instant begins.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use time::OffsetDateTime;
use tokio::sync::{Notify, oneshot};

/// A source of time shared by the app and, in scripted runs, the simulator.
#[derive(Clone, Debug, Default)]
pub enum Clock {
    /// The system clock.
    #[default]
    System,
    /// Virtual time, advanced by [`VirtualClock::advance`].
    Virtual(Arc<VirtualClock>),
}

impl Clock {
    /// A virtual clock starting at `start`.
    pub fn virtual_at(start: OffsetDateTime) -> Self {
        Clock::Virtual(Arc::new(VirtualClock::new(start)))
    }

    /// The current date and time.
    pub fn wall(&self) -> OffsetDateTime {
        match self {
            Clock::System => OffsetDateTime::now_utc(),
            Clock::Virtual(v) => v.start + v.elapsed(),
        }
    }

    /// A monotonic instant.
    pub fn instant(&self) -> Instant {
        match self {
            Clock::System => Instant::now(),
            Clock::Virtual(v) => v.origin + v.elapsed(),
        }
    }

    /// Waits `duration` of this clock's time.
    pub async fn sleep(&self, duration: Duration) {
        match self {
            Clock::System => tokio::time::sleep(duration).await,
            Clock::Virtual(v) => v.sleep(duration).await,
        }
    }

    /// Spawns background work, counted as busy until it ends.
    pub fn spawn<F>(&self, work: F) -> tokio::task::JoinHandle<()>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        match self {
            Clock::System => tokio::spawn(work),
            Clock::Virtual(v) => {
                let busy = v.busy_guard();
                tokio::spawn(async move {
                    let _busy = busy;
                    work.await;
                })
            }
        }
    }

    /// Counts work busy until the guard drops (nothing on the system clock). Work handed
    /// between tasks carries its guard, so time cannot move while it is in transit.
    pub fn busy(&self) -> Option<BusyGuard> {
        self.as_virtual().map(|v| v.busy_guard())
    }

    /// The virtual clock, if this is one.
    pub fn as_virtual(&self) -> Option<&Arc<VirtualClock>> {
        match self {
            Clock::System => None,
            Clock::Virtual(v) => Some(v),
        }
    }
}

/// Virtual time: a start, the time elapsed since, the sleepers and the busy count.
#[derive(Debug)]
pub struct VirtualClock {
    start: OffsetDateTime,
    origin: Instant,
    state: Mutex<State>,
    busy: Arc<Busy>,
}

#[derive(Debug, Default)]
struct State {
    elapsed: Duration,
    sleepers: Vec<Sleeper>,
}

#[derive(Debug)]
struct Sleeper {
    deadline: Duration,
    /// Set by whichever of the waker and the sleeper's drop counts it busy again first.
    recounted: Arc<AtomicBool>,
    wake: oneshot::Sender<()>,
}

/// The number of busy tasks, and a signal when it falls.
#[derive(Debug, Default)]
struct Busy {
    count: AtomicUsize,
    fell: Notify,
}

impl Busy {
    fn up(&self) {
        self.count.fetch_add(1, Ordering::SeqCst);
    }

    fn down(&self) {
        // Never below zero, even if work that was not counted sleeps.
        let _ = self
            .count
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |c| c.checked_sub(1));
        self.fell.notify_waiters();
    }
}

/// Counts one task busy while it lives.
#[derive(Debug)]
pub struct BusyGuard(Arc<Busy>);

impl Drop for BusyGuard {
    fn drop(&mut self) {
        self.0.down();
    }
}

/// Counts a sleeper busy again when its sleep ends or is abandoned, unless the waker did.
struct Recount {
    recounted: Arc<AtomicBool>,
    busy: Arc<Busy>,
}

impl Drop for Recount {
    fn drop(&mut self) {
        if !self.recounted.swap(true, Ordering::SeqCst) {
            self.busy.up();
        }
    }
}

impl VirtualClock {
    /// A clock at `start` with nothing busy.
    pub fn new(start: OffsetDateTime) -> Self {
        VirtualClock {
            start,
            origin: Instant::now(),
            state: Mutex::new(State::default()),
            busy: Arc::new(Busy::default()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Time elapsed since the start.
    pub fn elapsed(&self) -> Duration {
        self.lock().elapsed
    }

    /// Counts one more task busy until the guard drops.
    pub fn busy_guard(&self) -> BusyGuard {
        self.busy.up();
        BusyGuard(self.busy.clone())
    }

    /// True when no task is busy.
    pub fn is_idle(&self) -> bool {
        self.busy.count.load(Ordering::SeqCst) == 0
    }

    /// Waits until the busy count falls (or a moment passes).
    pub async fn work_done(&self) {
        let fell = self.busy.fell.notified();
        if self.is_idle() {
            return;
        }
        let _ = tokio::time::timeout(Duration::from_millis(20), fell).await;
    }

    async fn sleep(&self, duration: Duration) {
        let recounted = Arc::new(AtomicBool::new(false));
        let (wake, woken) = oneshot::channel();
        {
            let mut state = self.lock();
            let deadline = state.elapsed + duration;
            state.sleepers.push(Sleeper {
                deadline,
                recounted: recounted.clone(),
                wake,
            });
        }
        let _recount = Recount {
            recounted,
            busy: self.busy.clone(),
        };
        self.busy.down();
        let _ = woken.await;
    }

    /// The earliest deadline of a sleeper, if any sleeps.
    pub fn next_deadline(&self) -> Option<Duration> {
        self.lock().sleepers.iter().map(|s| s.deadline).min()
    }

    /// Moves time to `to` (never backwards) and wakes every sleeper due by then.
    pub fn advance(&self, to: Duration) {
        let mut state = self.lock();
        if to > state.elapsed {
            state.elapsed = to;
        }
        let now = state.elapsed;
        let (due, waiting): (Vec<_>, Vec<_>) =
            state.sleepers.drain(..).partition(|s| s.deadline <= now);
        state.sleepers = waiting;
        drop(state);
        for sleeper in due {
            if !sleeper.recounted.swap(true, Ordering::SeqCst) {
                self.busy.up();
                if sleeper.wake.send(()).is_err() {
                    self.busy.down();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clock() -> Clock {
        Clock::virtual_at(time::macros::datetime!(2026-11-24 09:00 UTC))
    }

    #[tokio::test]
    async fn time_moves_only_when_advanced() {
        let clock = clock();
        let before = clock.wall();
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(clock.wall(), before);
        clock
            .as_virtual()
            .expect("virtual")
            .advance(Duration::from_secs(2));
        assert_eq!(clock.wall() - before, time::Duration::seconds(2));
    }

    #[tokio::test]
    async fn spawned_work_is_busy_until_it_ends_except_while_sleeping() {
        let clock = clock();
        let v = clock.as_virtual().expect("virtual").clone();
        let (tx, rx) = oneshot::channel::<()>();
        let sleeper = clock.clone();
        let task = clock.spawn(async move {
            let _ = rx.await;
            sleeper.sleep(Duration::from_secs(5)).await;
        });
        assert!(!v.is_idle(), "a spawned task is busy");
        let _ = tx.send(());
        while !v.is_idle() {
            v.work_done().await;
        }
        assert_eq!(v.next_deadline(), Some(Duration::from_secs(5)));
        v.advance(Duration::from_secs(5));
        let _ = task.await;
        assert!(v.is_idle());
        assert_eq!(v.next_deadline(), None);
    }

    #[tokio::test]
    async fn an_abandoned_sleep_leaves_the_count_balanced() {
        let clock = clock();
        let v = clock.as_virtual().expect("virtual").clone();
        let sleeper = clock.clone();
        let task = clock.spawn(async move {
            sleeper.sleep(Duration::from_secs(60)).await;
        });
        while !v.is_idle() {
            v.work_done().await;
        }
        task.abort();
        let _ = task.await;
        assert!(v.is_idle());
        v.advance(Duration::from_secs(60));
        assert!(v.is_idle());
    }
}
