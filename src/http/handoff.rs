//! On a virtual clock, a request hands its busy-ness to the simulator while it waits (see
//! [`crate::clock`]); on the system clock nothing happens.

use std::sync::Arc;

use crate::clock::{Clock, RequestWait, TICKET_HEADER, VirtualClock};

/// A request in flight on a virtual clock.
pub struct InFlight {
    clock: Arc<VirtualClock>,
    id: u64,
    waiting: Option<RequestWait>,
    done: bool,
}

impl InFlight {
    /// Hands the calling task's busy-ness to `request` (on a virtual clock only).
    pub fn start(clock: &Clock, request: &mut reqwest::Request) -> Option<InFlight> {
        let clock = clock.as_virtual()?.clone();
        let id = clock.hand_off();
        if let Ok(value) = reqwest::header::HeaderValue::from_str(&id.to_string()) {
            request.headers_mut().insert(TICKET_HEADER, value);
        }
        let waiting = clock.request_started();
        Some(InFlight {
            clock,
            id,
            waiting: Some(waiting),
            done: false,
        })
    }

    /// The answer is in: the task counts itself again (if this was its last request in
    /// flight), then lets the answer's ticket go.
    pub fn finish(mut self) {
        self.waiting.take();
        let _answer = self.clock.take(self.id);
        self.done = true;
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if !self.done {
            self.waiting.take();
            self.clock.abandon(self.id);
        }
    }
}
