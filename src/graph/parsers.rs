//! Threads that parse pages below the priority of everything else the app does.
//!
//! A large load is bound by the processor: parsing a page takes longer than fetching the next
//! one. At equal priority the parsing takes the cores from the request chain that feeds it
//! (each page asked for only once the last has arrived) and from the screen. Here the chain and
//! the screen run as soon as they are ready, and the parsing fills the time between.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex, PoisonError};

type Job = Box<dyn FnOnce() + Send>;

/// A few threads, one a core, that run work handed to them in the order it comes; they end
/// when this is dropped, once the work already handed over is done.
pub(super) struct Parsers {
    jobs: Option<Sender<Job>>,
}

impl Parsers {
    /// Starts a thread for each core. Where none can start, work runs on tokio's blocking
    /// threads instead.
    pub fn start() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let (jobs, queue) = channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        let started = (0..cores)
            .filter(|_| {
                let queue = Arc::clone(&queue);
                std::thread::Builder::new()
                    .name("page-parser".into())
                    .spawn(move || work_through(&queue))
                    .is_ok()
            })
            .count();
        Parsers {
            jobs: (started > 0).then_some(jobs),
        }
    }

    /// Runs `work` on one of the threads; its result arrives on the receiver, which reports
    /// an error if `work` panicked.
    pub fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> tokio::sync::oneshot::Receiver<T> {
        let (result, receiver) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            // The receiver may have gone (the load was stopped): nothing waits for this.
            let _ = result.send(work());
        });
        match &self.jobs {
            Some(jobs) => {
                if let Err(returned) = jobs.send(job) {
                    tokio::task::spawn_blocking(returned.0);
                }
            }
            None => {
                tokio::task::spawn_blocking(job);
            }
        }
        receiver
    }
}

/// One thread's life: below the app's priority, each job in turn until the queue closes.
fn work_through(queue: &Mutex<Receiver<Job>>) {
    lower_this_threads_priority();
    loop {
        let job = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
        let Ok(job) = job else {
            return;
        };
        // A job that panics drops its result's sender, which its receiver reports; the thread
        // goes on to the next.
        let _ = catch_unwind(AssertUnwindSafe(job));
    }
}

/// Gives the calling thread a nice value of 10: it runs whenever a core is free, and yields
/// to the app's other threads when one is not.
#[cfg(target_os = "linux")]
fn lower_this_threads_priority() {
    // On Linux the nice value belongs to each thread, and `PRIO_PROCESS` with 0 names the
    // calling one. A failure leaves the thread at the app's priority, as it would be anyway.
    // SAFETY: setpriority takes plain integers and touches no memory of ours.
    let _ = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, 10) };
}

/// Elsewhere the priority is the process's, shared by every thread: left as it is.
#[cfg(not(target_os = "linux"))]
fn lower_this_threads_priority() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn work_comes_back_and_a_panic_is_reported_without_stopping_the_threads() {
        let parsers = Parsers::start();
        let receivers: Vec<_> = (0..20u32).map(|n| parsers.run(move || n * 2)).collect();
        let panicked = parsers.run(|| -> u32 { panic!("a page that could not be parsed") });
        let after = parsers.run(|| 7u32);
        for (n, receiver) in (0..20u32).zip(receivers) {
            assert_eq!(receiver.await, Ok(n * 2));
        }
        assert!(panicked.await.is_err(), "the panic is reported");
        assert_eq!(after.await, Ok(7), "the threads go on after a panic");
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn parsing_runs_below_the_apps_priority() {
        let parsers = Parsers::start();
        // SAFETY: getpriority takes plain integers; errno is not read (0 is a valid answer).
        let own = unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) };
        let theirs = parsers
            .run(|| unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) })
            .await;
        assert_eq!(theirs, Ok((own + 10).min(19)));
    }
}
