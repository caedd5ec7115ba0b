//! Where time comes from: the system, or a virtual clock that a script advances only while the
//! app has nothing else to do, which makes scripted runs repeat exactly.
//!
//! The virtual clock counts the app's background work. Work is *busy* from the moment it is
//! spawned until it ends, except while it sleeps on this clock. Time moves only when nothing is
//! busy, and then straight to the next tick or the next sleeper's deadline, so every request
//! started at one instant has finished before the next instant begins.
//!
//! A request to the simulator hands its busy-ness over: the client counts a *ticket* busy and
//! stops counting itself while it waits; the simulator takes the ticket while it handles the
//! request (a handler that sleeps on this clock, to play latency, is then the only thing
//! waiting) and hands one back with the answer, which the client drops once it counts itself
//! again. So many requests can wait at once and time still moves exactly when all of them
//! sleep.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
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
                tokio::spawn(REQUESTS.scope(TaskRequests::default(), async move {
                    let _busy = busy;
                    work.await;
                }))
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
    tickets: Mutex<Tickets>,
    next_ticket: AtomicU64,
}

/// Busy-ness handed between the app and the simulator with a request and its answer.
#[derive(Debug, Default)]
struct Tickets {
    live: HashMap<u64, BusyGuard>,
    /// Requests the app gave up on: an answer's ticket for them is dropped at once.
    abandoned: HashSet<u64>,
}

/// The header a request carries its ticket in (virtual clock only).
pub const TICKET_HEADER: &str = "x-intune-assist-clock-ticket";

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
    /// Whether the sleeper was counted busy (work that was not is not counted again).
    counted: bool,
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

    /// One less busy; false when nothing was (work that was not counted never takes the
    /// count below zero).
    fn down(&self) -> bool {
        let fell = self
            .count
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |c| c.checked_sub(1))
            .is_ok();
        self.fell.notify_waiters();
        fell
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

/// A task not counted busy while it waits on another that is; counted again when dropped.
#[derive(Debug)]
pub struct Paused {
    busy: Arc<Busy>,
    counted: bool,
}

impl Drop for Paused {
    fn drop(&mut self) {
        if self.counted {
            self.busy.up();
        }
    }
}

/// Counts a sleeper busy again when its sleep ends or is abandoned, unless the waker did.
struct Recount {
    recounted: Arc<AtomicBool>,
    counted: bool,
    busy: Arc<Busy>,
}

impl Drop for Recount {
    fn drop(&mut self) {
        if !self.recounted.swap(true, Ordering::SeqCst) && self.counted {
            self.busy.up();
        }
    }
}

tokio::task_local! {
    /// The requests the current task has in flight, and its busy-ness while all of them wait.
    static REQUESTS: TaskRequests;
}

#[derive(Default)]
struct TaskRequests {
    in_flight: std::cell::Cell<usize>,
    paused: std::cell::RefCell<Option<Paused>>,
}

/// A request of the current task in flight; see [`VirtualClock::request_started`].
pub struct RequestWait(());

impl Drop for RequestWait {
    fn drop(&mut self) {
        let _ = REQUESTS.try_with(|r| {
            let left = r.in_flight.get().saturating_sub(1);
            r.in_flight.set(left);
            if left == 0 {
                r.paused.borrow_mut().take();
            }
        });
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
            tickets: Mutex::new(Tickets::default()),
            next_ticket: AtomicU64::new(1),
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

    fn tickets(&self) -> MutexGuard<'_, Tickets> {
        self.tickets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A ticket for a request about to be sent: busy until the receiver takes it.
    pub fn hand_off(&self) -> u64 {
        let id = self.next_ticket.fetch_add(1, Ordering::SeqCst);
        let guard = self.busy_guard();
        self.tickets().live.insert(id, guard);
        id
    }

    /// Takes ticket `id`, busy until the guard drops.
    pub fn take(&self, id: u64) -> Option<BusyGuard> {
        self.tickets().live.remove(&id)
    }

    /// A ticket for the answer to request `id`, busy until the app takes it (unless the app
    /// gave the request up).
    pub fn hand_back(&self, id: u64) {
        let guard = self.busy_guard();
        let mut tickets = self.tickets();
        if !tickets.abandoned.remove(&id) {
            tickets.live.insert(id, guard);
        }
    }

    /// The app gave request `id` up: its ticket, now or when the answer comes, counts no more.
    pub fn abandon(&self, id: u64) {
        let mut tickets = self.tickets();
        let _dropped = tickets.live.remove(&id);
        tickets.abandoned.insert(id);
    }

    /// Stops counting the calling task busy until the returned guard drops.
    pub fn pause(&self) -> Paused {
        Paused {
            counted: self.busy.down(),
            busy: self.busy.clone(),
        }
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
        let counted = {
            // Under the lock, so that time cannot move between counting down and sleeping.
            let mut state = self.lock();
            let deadline = state.elapsed + duration;
            let counted = self.busy.down();
            state.sleepers.push(Sleeper {
                deadline,
                recounted: recounted.clone(),
                counted,
                wake,
            });
            counted
        };
        let _recount = Recount {
            recounted,
            counted,
            busy: self.busy.clone(),
        };
        let _ = woken.await;
    }

    /// A request of the current task goes out: while every request it has in flight waits,
    /// the task is not counted busy (the requests' tickets are). Only tasks spawned on this
    /// clock take part.
    pub fn request_started(&self) -> RequestWait {
        let _ = REQUESTS.try_with(|r| {
            if r.in_flight.get() == 0 {
                *r.paused.borrow_mut() = Some(self.pause());
            }
            r.in_flight.set(r.in_flight.get() + 1);
        });
        RequestWait(())
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
                if sleeper.counted {
                    self.busy.up();
                }
                if sleeper.wake.send(()).is_err() && sleeper.counted {
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
    async fn requests_hand_their_busyness_to_sleeping_handlers_and_back() {
        let clock = clock();
        let v = clock.as_virtual().expect("virtual").clone();
        // The "app": one task sends three requests at once, with different latencies, and
        // waits for every answer.
        let server = clock.clone();
        let app = clock.spawn({
            let v = v.clone();
            async move {
                let ids: Vec<u64> = (0..3).map(|_| v.hand_off()).collect();
                let mut waits: Vec<Option<RequestWait>> =
                    ids.iter().map(|_| Some(v.request_started())).collect();
                let mut answers = Vec::new();
                for (id, millis) in ids.iter().copied().zip([100, 200, 300]) {
                    let server = server.clone();
                    let (answer, answered) = oneshot::channel::<()>();
                    answers.push(answered);
                    // The "simulator": takes the ticket, sleeps on the clock, hands one back.
                    tokio::spawn(async move {
                        let v = server.as_virtual().expect("virtual").clone();
                        let handling = v.take(id);
                        server.sleep(Duration::from_millis(millis)).await;
                        v.hand_back(id);
                        drop(handling);
                        let _ = answer.send(());
                    });
                }
                for (i, answered) in answers.into_iter().enumerate() {
                    let _ = answered.await;
                    waits[i].take();
                    let _answer = v.take(ids[i]);
                }
            }
        });
        // Time moves each time everything sleeps, until every request has been answered.
        while !app.is_finished() {
            v.work_done().await;
            if v.is_idle()
                && let Some(deadline) = v.next_deadline()
            {
                v.advance(deadline);
            }
            tokio::task::yield_now().await;
        }
        let _ = app.await;
        assert_eq!(v.elapsed(), Duration::from_millis(300));
        assert!(v.is_idle(), "the count is balanced");
    }

    #[tokio::test]
    async fn an_abandoned_request_leaves_the_count_balanced() {
        let clock = clock();
        let v = clock.as_virtual().expect("virtual").clone();
        let id = v.hand_off();
        assert!(!v.is_idle());
        v.abandon(id);
        assert!(v.is_idle());
        // The answer comes after the app gave up: its ticket is dropped at once.
        v.hand_back(id);
        assert!(v.is_idle());
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
