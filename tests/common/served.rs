//! `sim serve` in a process of its own, and the real binary pointed at it through the
//! documented environment variables. Shared by the tests and benches that drive the binary.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A running `intune-assist sim serve`; killed when dropped.
pub struct ServedSim {
    child: Child,
    endpoints: serde_json::Value,
    /// The endpoints lines of every tenant served (`--tenants N`), the first included.
    pub tenants: Vec<serde_json::Value>,
}

impl ServedSim {
    /// Starts `bin sim serve` with `args` and reads the endpoints line it prints first.
    pub fn start(bin: &str, args: &[&str]) -> Self {
        let mut child = Command::new(bin)
            .args(["sim", "serve"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("sim serve starts");
        let count = args
            .iter()
            .position(|a| *a == "--tenants")
            .and_then(|i| args.get(i + 1))
            .and_then(|n| n.parse().ok())
            .unwrap_or(1);
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let tenants: Vec<serde_json::Value> = (0..count)
            .map(|_| {
                let mut line = String::new();
                stdout.read_line(&mut line).expect("an endpoints line");
                serde_json::from_str(&line).expect("the endpoints line is JSON")
            })
            .collect();
        let endpoints = tenants[0].clone();
        Self {
            child,
            endpoints,
            tenants,
        }
    }

    /// The simulator's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// One field of the endpoints line (`graph_url`, `graph_token`, …).
    pub fn endpoint(&self, key: &str) -> String {
        self.endpoints[key]
            .as_str()
            .unwrap_or_else(|| panic!("no {key} in the endpoints line"))
            .to_string()
    }

    /// `bin` with a clean environment: `home` for its config and state, this simulator for
    /// its services and tokens, secrets in memory.
    pub fn command(&self, bin: &str, home: &Path) -> Command {
        let mut command = Command::new(bin);
        command
            .env_clear()
            .env("HOME", home)
            .env("XDG_CONFIG_HOME", home)
            .env("XDG_STATE_HOME", home)
            .env("INTUNE_ASSIST_GRAPH_URL", self.endpoint("graph_url"))
            .env("INTUNE_ASSIST_LOGIN_URL", self.endpoint("login_url"))
            .env(
                "INTUNE_ASSIST_TEAMVIEWER_URL",
                self.endpoint("teamviewer_url"),
            )
            .env("INTUNE_ASSIST_GRAPH_TOKEN", self.endpoint("graph_token"))
            .env(
                "INTUNE_ASSIST_TEAMVIEWER_TOKEN",
                self.endpoint("teamviewer_token"),
            )
            .env("INTUNE_ASSIST_SECRET_STORE", "memory");
        command
    }
}

impl Drop for ServedSim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
