//! Seeded network latency, so the simulator answers at a tenant's pace: each request waits
//! on the simulator's clock (virtual in scripted runs) before its answer leaves.
//!
//! `--latency "graph=150ms,page=500ms,teamviewer=100ms,signin=100ms,jitter=0.2"`: every Graph
//! request waits `graph`, plus `page` for every 1 000 devices a device list answers with;
//! TeamViewer and sign-in requests wait their own; each wait varies by ±`jitter` of itself.

use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::clock::Clock;

/// What the demo uses unless told otherwise: a modest tenant over a good connection.
pub const DEMO: &str = "graph=120ms,page=400ms,teamviewer=90ms,signin=80ms,jitter=0.25";

/// How long each kind of request takes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LatencySpec {
    /// Every Graph request.
    pub graph: Duration,
    /// Added per 1 000 devices in a device list's answer.
    pub page: Duration,
    /// Every TeamViewer Web API request.
    pub teamviewer: Duration,
    /// Every Microsoft sign-in request.
    pub sign_in: Duration,
    /// How much each wait varies, as a share of it (0.2 = ±20 %).
    pub jitter: f64,
}

impl LatencySpec {
    /// True when nothing waits.
    pub fn is_none(&self) -> bool {
        self.graph.is_zero()
            && self.page.is_zero()
            && self.teamviewer.is_zero()
            && self.sign_in.is_zero()
    }
}

impl FromStr for LatencySpec {
    type Err = String;

    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        let mut latency = LatencySpec::default();
        if spec.trim().eq_ignore_ascii_case("none") {
            return Ok(latency);
        }
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, value) = part
                .split_once('=')
                .ok_or_else(|| format!("`{part}` is not NAME=VALUE"))?;
            let value = value.trim();
            let duration = || {
                parse_duration(value)
                    .ok_or_else(|| format!("`{value}` is not a duration such as 150ms or 1.5s"))
            };
            match name.trim() {
                "graph" => latency.graph = duration()?,
                "page" => latency.page = duration()?,
                "teamviewer" => latency.teamviewer = duration()?,
                "signin" => latency.sign_in = duration()?,
                "jitter" => {
                    latency.jitter = value
                        .parse::<f64>()
                        .ok()
                        .filter(|j| (0.0..=1.0).contains(j))
                        .ok_or_else(|| format!("jitter `{value}` is not between 0 and 1"))?;
                }
                other => {
                    return Err(format!(
                        "unknown latency `{other}`: use graph, page, teamviewer, signin or jitter"
                    ));
                }
            }
        }
        Ok(latency)
    }
}

/// Reads `150ms`, `1.5s` or `2s`.
fn parse_duration(text: &str) -> Option<Duration> {
    let (number, unit) = match text.strip_suffix("ms") {
        Some(n) => (n, 0.001),
        None => (text.strip_suffix('s')?, 1.0),
    };
    let value: f64 = number.trim().parse().ok()?;
    Duration::try_from_secs_f64(value * unit).ok()
}

/// How many devices an answer carries, set by the device list's handler so the wait can
/// grow with the page.
#[derive(Clone, Copy, Debug)]
pub struct DevicesAnswered(pub usize);

/// The latency middleware's state.
#[derive(Clone)]
pub struct Latency {
    spec: LatencySpec,
    rng: Arc<Mutex<fastrand::Rng>>,
    clock: Clock,
}

impl Latency {
    /// Latency as `spec` says, varied by a generator seeded with `seed`, waited on `clock`.
    pub fn new(spec: LatencySpec, seed: u64, clock: Clock) -> Self {
        Latency {
            spec,
            rng: Arc::new(Mutex::new(fastrand::Rng::with_seed(seed ^ 0x1a7e_c0de))),
            clock,
        }
    }

    /// The wait for a request to `path` whose answer carried `devices` devices.
    fn wait(&self, path: &str, devices: usize) -> Duration {
        let base = if path.starts_with("/graph/") {
            self.spec.graph + self.spec.page.mul_f64(devices as f64 / 1000.0)
        } else if path.starts_with("/teamviewer/") {
            self.spec.teamviewer
        } else if path.starts_with("/login/") || path.contains("/oauth2/") {
            self.spec.sign_in
        } else {
            Duration::ZERO
        };
        if base.is_zero() || self.spec.jitter == 0.0 {
            return base;
        }
        let draw = {
            let mut rng = self.rng.lock().unwrap_or_else(|p| p.into_inner());
            rng.f64()
        };
        base.mul_f64((1.0 + self.spec.jitter * (draw * 2.0 - 1.0)).max(0.0))
    }
}

/// Middleware: answers, then waits as long as the request would have taken.
pub async fn delay(State(latency): State<Latency>, request: Request, next: Next) -> Response {
    if latency.spec.is_none() {
        return next.run(request).await;
    }
    let path = request.uri().path().to_string();
    let response = next.run(request).await;
    let devices = response
        .extensions()
        .get::<DevicesAnswered>()
        .map_or(0, |d| d.0);
    let wait = latency.wait(&path, devices);
    if !wait.is_zero() {
        latency.clock.sleep(wait).await;
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_documented_spec() {
        let spec: LatencySpec = "graph=150ms,page=0.5s,teamviewer=100ms,signin=80ms,jitter=0.2"
            .parse()
            .unwrap();
        assert_eq!(spec.graph, Duration::from_millis(150));
        assert_eq!(spec.page, Duration::from_millis(500));
        assert_eq!(spec.teamviewer, Duration::from_millis(100));
        assert_eq!(spec.sign_in, Duration::from_millis(80));
        assert_eq!(spec.jitter, 0.2);
        assert!("".parse::<LatencySpec>().unwrap().is_none());
        assert!("none".parse::<LatencySpec>().unwrap().is_none());
        assert!(!DEMO.parse::<LatencySpec>().unwrap().is_none());
        for bad in ["graph", "graph=fast", "jitter=2", "disk=1ms"] {
            assert!(bad.parse::<LatencySpec>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_device_page_costs_its_share_and_jitter_stays_in_bounds() {
        let spec: LatencySpec = "graph=100ms,page=500ms".parse().unwrap();
        let latency = Latency::new(spec, 7, Clock::System);
        let path = "/graph/beta/deviceManagement/managedDevices";
        assert_eq!(latency.wait(path, 1000), Duration::from_millis(600));
        assert_eq!(latency.wait(path, 0), Duration::from_millis(100));
        assert_eq!(latency.wait("/teamviewer/api/v1/ping", 0), Duration::ZERO);
        let jittery = Latency::new("graph=100ms,jitter=0.5".parse().unwrap(), 7, Clock::System);
        for _ in 0..100 {
            let wait = jittery.wait(path, 0);
            assert!(
                wait >= Duration::from_millis(50) && wait <= Duration::from_millis(150),
                "{wait:?}"
            );
        }
    }
}
