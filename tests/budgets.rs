//! Budgets that are counts, not times, so they are exact and belong in tests: the bytes one
//! cursor move writes to the terminal, and how often a watched session is polled (on virtual
//! time, against the simulator's log of what it received).

mod common;

use std::time::Duration;

use common::VirtualHarness;
use intune_assist::script::Player;
use intune_assist::sim::{SimConfig, SimTimings, Simulator};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{TerminalOptions, Viewport};

/// A simulator and the app on one virtual clock, as `script --demo` runs them.
async fn virtual_app(devices: usize) -> (VirtualHarness, Player) {
    let h = VirtualHarness::start(SimConfig {
        devices,
        timings: SimTimings::demo(),
        ..SimConfig::default()
    })
    .await;
    let player = h.player();
    (h, player)
}

/// A terminal that only counts what it is sent.
#[derive(Clone, Default)]
struct Counter(std::sync::Arc<std::sync::atomic::AtomicUsize>);

impl Counter {
    fn total(&self) -> usize {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl std::io::Write for Counter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .fetch_add(bytes.len(), std::sync::atomic::Ordering::SeqCst);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_cursor_move_in_the_device_list_writes_at_most_400_bytes() {
    let (_h, mut player) = virtual_app(2000).await;
    player
        .play_str("wait-idle\nkey Enter Enter\nwait-idle\nkey Down*5\n")
        .await
        .expect("the list opens");
    let written = Counter::default();
    let backend = CrosstermBackend::new(written.clone());
    let mut terminal = Terminal::with_options(
        backend,
        TerminalOptions {
            viewport: Viewport::Fixed(Rect::new(0, 0, 120, 40)),
        },
    )
    .expect("terminal");
    intune_assist::dashboard::draw_frame(&mut terminal, &player.driver.model).expect("first frame");
    let first = written.total();
    assert!(
        first > 4800,
        "the first frame draws every cell ({first} bytes)"
    );
    let mut moves = Vec::new();
    for key in ["Down", "Down", "Up", "j", "k"] {
        let before = written.total();
        player.play_str(&format!("key {key}")).await.expect("a key");
        intune_assist::dashboard::draw_frame(&mut terminal, &player.driver.model).expect("a frame");
        moves.push(written.total() - before);
    }
    println!("bytes per cursor move at 120x40: {moves:?}");
    assert!(
        moves.iter().all(|&bytes| bytes <= 400),
        "a cursor move wrote more than 400 bytes: {moves:?}"
    );
    assert!(
        moves.iter().all(|&bytes| bytes > 0),
        "each move redraws something"
    );

    // The move past the last visible row scrolls the table: every row of it is written
    // anew, but nothing else on the screen.
    let rows = intune_assist::app::layout::list_rows(
        (120, 40),
        intune_assist::app::nav::BladeKind::AllDevices,
    );
    let at = match player.driver.model.stack.top() {
        intune_assist::app::nav::Blade::AllDevices(list) => list.cursor.selected,
        _ => panic!("not on All devices"),
    };
    player
        .play_str(&format!("key Down*{}", rows - 1 - at))
        .await
        .expect("to the last visible row");
    intune_assist::dashboard::draw_frame(&mut terminal, &player.driver.model).expect("a frame");
    let before = written.total();
    player.play_str("key Down").await.expect("a key");
    intune_assist::dashboard::draw_frame(&mut terminal, &player.driver.model).expect("a frame");
    let scroll = written.total() - before;
    println!("bytes for the cursor move that scrolls at 120x40: {scroll} (first frame {first})");
    assert!(scroll > 400, "the move scrolled the table ({scroll} bytes)");
    assert!(
        scroll < first * 3 / 4,
        "a scroll rewrote more than the table: {scroll} of a {first}-byte frame"
    );
}

/// TeamViewer session requests (reads of the session and of the connections report) in
/// `[from, to)` of the simulator's clock.
fn session_polls(sim: &Simulator, from: Duration, to: Duration) -> Vec<Duration> {
    sim.requests()
        .into_iter()
        .filter(|r| r.at >= from && r.at < to)
        .filter(|r| {
            r.path.starts_with("/teamviewer/api/v1/sessions/")
                || r.path.starts_with("/teamviewer/api/v1/reports/connections")
        })
        .map(|r| r.at)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watched_session_is_polled_at_most_once_a_second_backing_off_and_never_unwatched() {
    let (h, mut player) = virtual_app(300).await;
    let sim = &h.sim;
    player
        .play_str(
            "wait-idle\nkey Enter Enter /\ntype DESKTOP-6N5SBY4\nkey Enter Enter\nwait-idle\n\
             key m Enter Enter\nwait-for \"supporter connected\" 60s\n",
        )
        .await
        .expect("a connected session");
    let clock = player.driver.clock().clone();
    // The simulator started with the clock, so its times are the clock's.
    let now = || clock.as_virtual().expect("virtual time").elapsed();
    let watched_from = now();
    player.play_str("sleep 120s").await.expect("watching");
    let watched_to = watched_from + Duration::from_secs(120);
    let polls = session_polls(sim, watched_from, watched_to);
    assert!(!polls.is_empty(), "a watched session is polled");
    // At most one request a second over every 10 s window.
    for start in 0..110 {
        let from = watched_from + Duration::from_secs(start);
        let within = polls
            .iter()
            .filter(|&&t| t >= from && t < from + Duration::from_secs(10))
            .count();
        assert!(
            within <= 10,
            "{within} requests in 10 s from {start} s: {polls:?}"
        );
    }
    // Nothing changes after the supporter connected, so polling backs off: the last minute
    // sees far fewer requests than the first ten seconds' rate.
    let last_minute = session_polls(sim, watched_to - Duration::from_secs(60), watched_to);
    assert!(
        last_minute.len() <= 14,
        "polling did not back off: {} requests in the last minute",
        last_minute.len()
    );
    println!(
        "watched: {} session requests in 120 s ({} in the last 60 s)",
        polls.len(),
        last_minute.len()
    );

    // Nobody watches: a narrow terminal has no side panes, and the live view is left.
    player
        .play_str("resize 80x24\nkey Esc\nwait-idle\n")
        .await
        .expect("leaving");
    let left = now();
    player.play_str("sleep 60s").await.expect("waiting");
    let unwatched = session_polls(sim, left, left + Duration::from_secs(61));
    assert!(
        unwatched.is_empty(),
        "polled while unwatched: {unwatched:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graph_writes_stay_within_intunes_per_app_limit() {
    let h = VirtualHarness::start(SimConfig {
        devices: 300,
        timings: SimTimings::demo(),
        ..SimConfig::default()
    })
    .await;
    let (sim, services, clock) = (&h.sim, &h.services, &h.clock);
    // 150 remote assistance requests at once, as a script gone wild would send them.
    let ids: Vec<String> = sim
        .device_ids()
        .into_iter()
        .map(|(id, _)| id)
        .take(150)
        .collect();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    for id in ids {
        let (graph, done) = (services.graph.clone(), done.clone());
        clock.spawn(async move {
            let _ = graph.request_remote_assistance(&id).await;
            done.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        });
    }
    let v = clock.as_virtual().expect("virtual").clone();
    while done.load(std::sync::atomic::Ordering::SeqCst) < 150 {
        while !v.is_idle() {
            v.work_done().await;
        }
        if let Some(deadline) = v.next_deadline() {
            v.advance(deadline);
        }
        tokio::task::yield_now().await;
    }
    let writes: Vec<Duration> = sim
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/requestRemoteAssistance"))
        .map(|r| r.at)
        .collect();
    assert_eq!(writes.len(), 150, "every request is sent in the end");
    for &t in &writes {
        let within = writes
            .iter()
            .filter(|&&u| u >= t && u - t < Duration::from_secs(20))
            .count();
        assert!(within <= 100, "{within} writes in 20 s from {t:?}");
    }
    let last = writes.iter().max().copied().unwrap_or_default();
    assert!(
        last >= Duration::from_secs(20),
        "the 101st write waited for the window: {last:?}"
    );
}
