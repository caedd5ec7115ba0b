//! A hostile tenant: names crafted to attack a terminal, to prove nothing reaches it raw.

use time::OffsetDateTime;

use super::tenant::{self, SimDevice};

/// Strings a malicious or broken directory could hold.
pub const PAYLOADS: &[&str] = &[
    "\x1b[2J\x1b[HCLEARED",
    "\x1b]0;pwned title\x07",
    "\x1b]52;c;cm0gLXJmIH4=\x07",
    "\x1b]8;;https://evil.example/\x1b\\click me\x1b]8;;\x1b\\",
    "\x1bP+q544e\x1b\\",
    "\u{9b}31mC1-red\u{9b}0m",
    "\u{202e}gpj.exe",
    "zero\u{200b}width\u{feff}",
    "line\nbreak\ttab\rreturn",
    "東京の端末👩‍💻",
    "\x07\x08\x00bell",
];

/// Generates a tenant whose names, users and models carry hostile payloads.
pub fn generate(count: usize, seed: u64, now: OffsetDateTime) -> Vec<SimDevice> {
    let mut devices = tenant::generate(count, seed, now);
    for (i, device) in devices.iter_mut().enumerate() {
        let payload = PAYLOADS[i % PAYLOADS.len()];
        device.device_name = if i % 13 == 5 {
            format!("LONG-{}", "A".repeat(10_000))
        } else {
            format!("{payload}{}", device.device_name)
        };
        if !device.user_display_name.is_empty() {
            device.user_display_name = format!(
                "{}{}",
                device.user_display_name,
                PAYLOADS[(i + 3) % PAYLOADS.len()]
            );
        }
        device.model = format!("{}{}", PAYLOADS[(i + 5) % PAYLOADS.len()], device.model);
    }
    devices
}
