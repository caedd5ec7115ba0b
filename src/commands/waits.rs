//! Long waits a service asks for (`Retry-After`), told on standard error while a subcommand
//! waits them out, so a throttled run never looks hung.

use std::io::Write;
use std::time::Duration;

use tokio::sync::broadcast::error::RecvError;

use crate::http::{Http, HttpEvent};

/// Waits shorter than this pass without a word.
const WORTH_TELLING: Duration = Duration::from_secs(2);

/// Writes a line to `sink` for every wait of two seconds or more; with `countdown` (a
/// terminal), the line counts down in place. Stops when the client is dropped.
pub fn announce(
    http: &Http,
    mut sink: Box<dyn Write + Send>,
    countdown: bool,
) -> tokio::task::JoinHandle<()> {
    let mut events = http.subscribe();
    let clock = http.clock().clone();
    tokio::spawn(async move {
        loop {
            let event = match events.recv().await {
                Ok(event) => event,
                Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => return,
            };
            let HttpEvent::Retrying {
                service,
                reason,
                delay,
                ..
            } = event
            else {
                continue;
            };
            if delay < WORTH_TELLING {
                continue;
            }
            let line =
                |left: u64| format!("{service} asked to wait ({reason}): retrying in {left} s");
            if !countdown {
                let _ = writeln!(sink, "{}", line(delay.as_secs_f64().ceil() as u64));
                continue;
            }
            let mut left = delay.as_secs_f64().ceil() as u64;
            while left > 0 {
                let _ = write!(sink, "\r{}\x1b[K", line(left));
                let _ = sink.flush();
                clock.sleep(Duration::from_secs(1)).await;
                left -= 1;
            }
            let _ = writeln!(sink, "\r{}\x1b[K", line(0));
        }
    })
}
