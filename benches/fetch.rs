//! Fetching every device: the app's Graph client (every page, parsed into domain types) against
//! a minimal reqwest loop that fetches the same pages and discards the bodies, in one run,
//! against a simulator in its own process.
//!
//! `cargo bench --bench fetch` (`-- --devices N --runs N` to change the defaults).
//!
//! Every sample has a client of its own (a new connection, and for the app a fresh limiter
//! of Intune's 1 000 requests per 20 s), so no sample waits out a window another one filled.

#[path = "../tests/common/served.rs"]
mod served;
use served::ServedSim;

use std::time::{Duration, Instant};

use intune_assist::auth::store::SecretStore;
use intune_assist::domain::DeviceTable;
use intune_assist::graph::{DeviceCursor, DeviceQuery};
use intune_assist::http::HttpSettings;
use intune_assist::services::Services;

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// One page's whole body.
async fn get(client: &reqwest::Client, url: &str, token: &str) -> bytes::Bytes {
    client
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .expect("a response")
        .bytes()
        .await
        .expect("a body")
}

/// The minimal loop: GET, read the whole body, find the next link, repeat.
async fn minimal(client: &reqwest::Client, first: &str, token: &str) -> (usize, usize) {
    let finder = memchr::memmem::FinderRev::new(b"\"@odata.nextLink\":\"");
    let mut url = first.to_string();
    let (mut pages, mut bytes) = (0, 0);
    loop {
        let body = get(client, &url, token).await;
        pages += 1;
        bytes += body.len();
        let Some(at) = finder.rfind(&body) else {
            return (pages, bytes);
        };
        let rest = &body[at + 19..];
        let end = memchr::memchr(b'"', rest).expect("the link ends");
        url = String::from_utf8_lossy(&rest[..end]).into_owned();
    }
}

/// The app's client fetching the same pages and finding each next link, parsing nothing:
/// what its HTTP layer costs over the minimal loop.
async fn client_unparsed(services: &Services) -> usize {
    let mut cursor = DeviceCursor::First(DeviceQuery::default());
    let mut pages = 0;
    loop {
        let page = services
            .graph
            .devices_page_raw(&cursor)
            .await
            .expect("a page");
        pages += 1;
        match page.next {
            Some(next) => cursor = next,
            None => return pages,
        }
    }
}

/// The app's client, as the dashboard loads devices: every page kept, as the dashboard keeps
/// them (freeing them is not part of fetching, and is left to the caller).
async fn client(services: &Services) -> DeviceTable {
    let mut devices = DeviceTable::default();
    services
        .graph
        .each_device_page(DeviceQuery::default(), |page| {
            let page = page.expect("a page");
            if devices.is_empty()
                && let Some(total) = page.total
            {
                // Room for every device at once, as the dashboard makes it.
                devices.reserve_exact(usize::try_from(total).unwrap_or(0));
            }
            devices.append(page.devices);
            true
        })
        .await;
    devices
}

fn main() {
    let devices = arg("--devices", 100_000);
    let runs = arg("--runs", 7);
    let sim = ServedSim::start(
        env!("CARGO_BIN_EXE_intune-assist"),
        &["--devices", &devices.to_string()],
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let text = |k: &str| sim.endpoint(k);
        let endpoints = intune_assist::sim::SimEndpoints {
            graph_url: text("graph_url"),
            login_url: text("login_url"),
            teamviewer_url: text("teamviewer_url"),
            teamviewer_login_url: text("teamviewer_login_url"),
            graph_token: text("graph_token"),
            teamviewer_token: text("teamviewer_token"),
        };
        let fresh = || {
            let mut config = Services::config_for(&endpoints).expect("config");
            config.graph_token = Some(endpoints.graph_token.clone().into());
            Services::new(config, SecretStore::memory(), HttpSettings::default()).expect("services")
        };
        let services = fresh();
        let first = services
            .graph
            .first_page_url(&DeviceQuery::default())
            .expect("url")
            .to_string();
        let plain = reqwest::Client::new();
        // Warm both up (connections, the simulator's caches).
        let (pages, bytes) = minimal(&plain, &first, &endpoints.graph_token).await;
        assert_eq!(
            client(&services).await.len(),
            devices,
            "every device arrives"
        );
        assert_eq!(
            client_unparsed(&services).await,
            pages,
            "every page arrives"
        );
        let (mut base, mut unparsed, mut app) = (Vec::new(), Vec::new(), Vec::new());
        let sim_pid = sim.pid().to_string();
        // Processor time of this process and of the simulator, summed over the runs, for
        // the minimal loop, the unparsed client and the parsed one.
        let mut cpu = [[Duration::ZERO; 2]; 3];
        let spent = |from: [Duration; 2]| {
            [
                cpu_time("self").saturating_sub(from[0]),
                cpu_time(&sim_pid).saturating_sub(from[1]),
            ]
        };
        let now = || [cpu_time("self"), cpu_time(&sim_pid)];
        let add = |to: &mut [Duration; 2], more: [Duration; 2]| {
            to[0] += more[0];
            to[1] += more[1];
        };
        for _ in 0..runs {
            let plain = reqwest::Client::new();
            let from = now();
            let t = Instant::now();
            minimal(&plain, &first, &endpoints.graph_token).await;
            base.push(t.elapsed());
            add(&mut cpu[0], spent(from));
            let services = fresh();
            let from = now();
            let t = Instant::now();
            client_unparsed(&services).await;
            unparsed.push(t.elapsed());
            add(&mut cpu[1], spent(from));
            let services = fresh();
            let from = now();
            let t = Instant::now();
            let fetched = client(&services).await;
            app.push(t.elapsed());
            add(&mut cpu[2], spent(from));
            drop(fetched);
        }
        let (base, unparsed, app) = (median(base), median(unparsed), median(app));
        if std::env::var_os("FETCH_BREAKDOWN").is_some() {
            breakdown(&plain, &first, &endpoints.graph_token).await;
        }
        println!(
            "fetch {devices} devices ({pages} pages, {:.1} MB), median of {runs}:",
            bytes as f64 / 1e6
        );
        println!(
            "  minimal reqwest loop   {:>8.1} ms",
            base.as_secs_f64() * 1e3
        );
        println!(
            "  app client, unparsed   {:>8.1} ms",
            unparsed.as_secs_f64() * 1e3
        );
        println!(
            "  app client, parsed     {:>8.1} ms",
            app.as_secs_f64() * 1e3
        );
        println!(
            "  ratio                  {:>8.2} (goal ≤ 2.0)",
            app.as_secs_f64() / base.as_secs_f64()
        );
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let per_run = |cpu: Duration| cpu.as_secs_f64() * 1e3 / runs as f64;
        println!("  processor time, mean, on {cores} cores (this process; the simulator):");
        for (what, [own, sim]) in ["minimal loop", "unparsed", "parsed"].iter().zip(cpu) {
            println!(
                "    {what:<20} {:>8.1} ms; {:>6.1} ms",
                per_run(own),
                per_run(sim)
            );
        }
    });
}

/// The processor time (user and system) process `pid` ("self" for this one) has used so far,
/// from `/proc`; zero where there is none to read.
fn cpu_time(pid: &str) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The fields after the command name, which ends at the last ')'.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks: u64 = [11, 12]
        .iter()
        .filter_map(|&i| fields.get(i)?.parse::<u64>().ok())
        .sum();
    // The kernel counts in USER_HZ, 100 a second on Linux.
    Duration::from_millis(ticks * 10)
}

/// Anything a step of the breakdown built, kept until the step has been timed.
trait Kept {}
impl<T> Kept for T {}

/// Where the client's time goes, page by page, from bodies already in memory.
async fn breakdown(client: &reqwest::Client, first: &str, token: &str) {
    use intune_assist::graph::wire::{Page, WireDevice};
    let mut bodies = Vec::new();
    let mut url = first.to_string();
    loop {
        let body = get(client, &url, token).await;
        let page: Page<serde::de::IgnoredAny> = serde_json::from_slice(&body).expect("page");
        bodies.push(body);
        match page.next_link {
            Some(next) => url = next,
            None => break,
        }
    }
    // What each step builds is kept until it has been timed, in every step alike: freeing is
    // never part of a figure.
    let time = |what: &str, f: &dyn for<'b> Fn(&'b bytes::Bytes) -> Box<dyn Kept + 'b>| {
        let t = Instant::now();
        let kept: Vec<Box<dyn Kept + '_>> = bodies.iter().map(f).collect();
        println!("  {what:<26} {:>8.1} ms", t.elapsed().as_secs_f64() * 1e3);
        drop(kept);
    };
    time("scan only", &|b| {
        let scanned: serde::de::IgnoredAny = serde_json::from_slice(b).expect("scan");
        Box::new(scanned)
    });
    time("next link, whole scan", &|b| {
        let head: Page<serde::de::IgnoredAny> = sonic_rs::from_slice(b).expect("head");
        Box::new(head.next_link)
    });
    time("next link, around items", &|b| {
        Box::new(intune_assist::graph::next_link::around_items(b))
    });
    time("wire structs", &|b| {
        let page: Page<WireDevice> = serde_json::from_slice(b).expect("wire");
        Box::new(page.value)
    });
    time("wire structs (sonic)", &|b| {
        let page: Page<WireDevice> = sonic_rs::from_slice(b).expect("sonic");
        Box::new(page.value)
    });
    time("the client's parse (sonic)", &|b| {
        let page = intune_assist::graph::parse_device_page(b.clone()).expect("page");
        Box::new(page)
    });
}
