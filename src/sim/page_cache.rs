//! The simulator's cache of serialised device list pages.

use std::collections::HashMap;

/// Serialised device list pages, so a large tenant is served at the speed of the network and
/// the simulator is never what a client's measurement measures. Cleared whenever a device
/// changes; bounded to 144 MiB (a 100 000-device tenant read two ways, as the fetch benchmark
/// does), so a large tenant is never held twice.
#[derive(Debug, Default)]
pub struct PageCache {
    /// Each page's body and how many devices it carries.
    pages: HashMap<String, (bytes::Bytes, usize)>,
    bytes: usize,
}

impl PageCache {
    /// The most bytes kept.
    const LIMIT: usize = 144 * 1024 * 1024;

    /// The page cached for `key`.
    pub fn get(&self, key: &str) -> Option<(bytes::Bytes, usize)> {
        self.pages.get(key).cloned()
    }

    /// Keeps `body` for `key`, unless the cache is full.
    pub fn put(&mut self, key: String, body: bytes::Bytes, devices: usize) {
        if self.bytes + body.len() <= Self::LIMIT {
            self.bytes += body.len();
            self.pages.insert(key, (body, devices));
        }
    }

    /// Forgets every page.
    pub fn clear(&mut self) {
        self.pages.clear();
        self.bytes = 0;
    }
}
