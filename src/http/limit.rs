//! Client-side request limits, so the app stays inside Intune's documented per-app throttling
//! limits instead of discovering them through 429s.
//!
//! Intune's devices service allows an app 200 writes and 2 000 requests per 20 s per tenant; a
//! general Intune table shows half of that, and Microsoft's guidance is to design for the lower
//! numbers: 100 writes and 1 000 requests per 20 s.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::clock::Clock;

/// Writes (POST, PUT, PATCH, DELETE) an app may send to Intune per [`WINDOW`].
pub const GRAPH_WRITES: usize = 100;
/// Requests of any kind an app may send to Intune per [`WINDOW`].
pub const GRAPH_REQUESTS: usize = 1000;
/// The window Intune's limits are counted over.
pub const WINDOW: Duration = Duration::from_secs(20);

/// At most `max` requests in any `window`: a sliding log of when each was sent.
#[derive(Debug)]
pub struct RateLimit {
    max: usize,
    window: Duration,
    sent: Mutex<VecDeque<Instant>>,
}

impl RateLimit {
    /// A limit of `max` per `window`.
    pub fn new(max: usize, window: Duration) -> Self {
        RateLimit {
            max: max.max(1),
            window,
            sent: Mutex::new(VecDeque::new()),
        }
    }

    /// Waits until one more request fits, and counts it.
    pub async fn acquire(&self, clock: &Clock) {
        loop {
            let wait = {
                let mut sent = self
                    .sent
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                let now = clock.instant();
                while sent
                    .front()
                    .is_some_and(|&t| now.saturating_duration_since(t) >= self.window)
                {
                    sent.pop_front();
                }
                if sent.len() < self.max {
                    sent.push_back(now);
                    return;
                }
                match sent.front() {
                    Some(&oldest) => (oldest + self.window).saturating_duration_since(now),
                    None => Duration::ZERO,
                }
            };
            tracing::debug!(?wait, "client-side limit reached; waiting");
            clock.sleep(wait.max(Duration::from_millis(1))).await;
        }
    }
}

/// The limits applied to Microsoft Graph.
#[derive(Debug)]
pub struct GraphLimits {
    pub writes: RateLimit,
    pub requests: RateLimit,
}

impl Default for GraphLimits {
    fn default() -> Self {
        GraphLimits {
            writes: RateLimit::new(GRAPH_WRITES, WINDOW),
            requests: RateLimit::new(GRAPH_REQUESTS, WINDOW),
        }
    }
}

impl GraphLimits {
    /// Waits until a request (a write when `write`) fits in both limits.
    pub async fn acquire(&self, clock: &Clock, write: bool) {
        if write {
            self.writes.acquire(clock).await;
        }
        self.requests.acquire(clock).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn never_more_than_max_in_any_window() {
        let clock = Clock::virtual_at(time::macros::datetime!(2026-11-24 09:00 UTC));
        let v = clock.as_virtual().expect("virtual").clone();
        let limit = std::sync::Arc::new(RateLimit::new(5, Duration::from_secs(20)));
        let sent = std::sync::Arc::new(Mutex::new(Vec::new()));
        for _ in 0..12 {
            let (limit, sent, c) = (limit.clone(), sent.clone(), clock.clone());
            clock.spawn(async move {
                limit.acquire(&c).await;
                sent.lock().expect("lock").push(c.instant());
            });
        }
        // Drive virtual time as the script runner does: advance when everything waits.
        for _ in 0..100 {
            while !v.is_idle() {
                v.work_done().await;
            }
            match v.next_deadline() {
                Some(deadline) => v.advance(deadline),
                None => break,
            }
            tokio::task::yield_now().await;
        }
        let times = sent.lock().expect("lock").clone();
        assert_eq!(times.len(), 12, "every request goes out in the end");
        for (i, &t) in times.iter().enumerate() {
            let within = times
                .iter()
                .filter(|&&u| u >= t && u.duration_since(t) < Duration::from_secs(20))
                .count();
            assert!(within <= 5, "request {i}: {within} in 20 s");
        }
        assert_eq!(
            v.elapsed(),
            Duration::from_secs(40),
            "12 at 5 per 20 s take two waits"
        );
    }
}
