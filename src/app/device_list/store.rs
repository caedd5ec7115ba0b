//! The loaded devices: each with its search text and platform, built once on arrival; devices
//! a lookup found before the listing; a cached list refreshed in place.

use crate::domain::{Device, Platform};

use super::OsFilter;

/// The devices loaded, with what filtering needs of each.
#[derive(Clone, Debug, Default)]
pub struct DeviceStore {
    pub all: Vec<Device>,
    /// Lower-case search text of each device, in `all`'s order.
    pub(super) search: Vec<Box<str>>,
    /// Platform of each device, in `all`'s order.
    pub(super) platforms: Vec<Platform>,
    /// Changes when the list is replaced (not when it grows).
    pub(super) epoch: u64,
    pub total: Option<u64>,
    pub complete: bool,
    pub loading: bool,
    pub error: Option<crate::app::UiError>,
    /// The load whose pages are accepted; older ones are dropped.
    pub generation: u64,
    /// The load the devices held came from.
    pub received: u64,
    /// Devices Graph found by a lookup or a search before the listing reached them: their
    /// ids and places in `all`. The listing confirms each when it brings it.
    unconfirmed: Vec<(String, u32)>,
    /// When the devices came from the inventory cache, when that listing completed.
    pub cached_at: Option<time::OffsetDateTime>,
    /// A cached list being refreshed in place.
    refresh: Option<Refresh>,
}

/// A cached list being refreshed: where each cached device is, and which ones the listing
/// has brought again.
#[derive(Clone, Debug, Default)]
struct Refresh {
    index: std::collections::HashMap<Box<str>, u32>,
    seen: Vec<bool>,
}

/// The most devices room is made for ahead of their arrival.
const MAX_RESERVE: usize = 1_000_000;

/// Separates fields in a search text; sanitised text never contains it.
pub(super) const FIELD_SEPARATOR: char = '\u{1}';

/// The text `/` searches: name, user, UPN, serial number, model and id, lower-case.
pub fn search_text(device: &Device) -> Box<str> {
    let mut text = String::with_capacity(
        device.name().len()
            + device.user_display_name().len()
            + device.user_principal_name().len()
            + device.serial_number().len()
            + device.model().len()
            + device.id().len()
            + 6,
    );
    for field in [
        &device.name(),
        &device.user_display_name(),
        &device.user_principal_name(),
        &device.serial_number(),
        &device.model(),
        &device.id(),
    ] {
        if field.is_ascii() {
            text.extend(field.chars().map(|c| c.to_ascii_lowercase()));
        } else {
            text.push_str(&field.to_lowercase());
        }
        text.push(FIELD_SEPARATOR);
    }
    text.into_boxed_str()
}

impl DeviceStore {
    /// The loaded device with `id`.
    pub fn get(&self, id: &str) -> Option<&Device> {
        self.all.iter().find(|d| d.id() == id)
    }

    /// Records that the device with `id` checked in at `at` (read after a sync).
    pub fn set_last_sync(&mut self, id: &str, at: time::OffsetDateTime) {
        if let Some(device) = self.all.iter_mut().find(|d| d.id() == id) {
            device.last_sync_date_time = Some(at);
        }
    }

    /// Shows a cached list at once; a listing then refreshes it in place.
    pub fn load_cached(&mut self, devices: Vec<Device>, written: time::OffsetDateTime) {
        self.clear();
        self.total = Some(devices.len() as u64);
        self.append(devices);
        self.cached_at = Some(written);
        self.complete = false;
    }

    /// Whether a listing is refreshing a cached list.
    pub fn refreshing(&self) -> bool {
        self.refresh.is_some()
    }

    /// The first page of a listing arrived while the list came from the cache: its pages
    /// replace the cached devices in place instead of starting over.
    pub fn begin_refresh(&mut self) {
        let index = self
            .all
            .iter()
            .enumerate()
            .map(|(i, d)| (Box::from(d.id()), i as u32))
            .collect();
        self.refresh = Some(Refresh {
            index,
            seen: vec![false; self.all.len()],
        });
    }

    /// The listing completed: cached devices it did not bring are dropped.
    pub fn finish_refresh(&mut self) {
        let Some(mut refresh) = self.refresh.take() else {
            return;
        };
        refresh.seen.resize(self.all.len(), true);
        for (_, i) in &self.unconfirmed {
            refresh.seen[*i as usize] = true;
        }
        let mut new_place = Vec::with_capacity(self.all.len());
        let mut kept = 0u32;
        for seen in &refresh.seen {
            new_place.push(kept);
            kept += u32::from(*seen);
        }
        let mut keep = refresh.seen.iter().copied();
        self.all.retain(|_| keep.next().unwrap_or(true));
        let mut keep = refresh.seen.iter().copied();
        self.search.retain(|_| keep.next().unwrap_or(true));
        let mut keep = refresh.seen.iter().copied();
        self.platforms.retain(|_| keep.next().unwrap_or(true));
        for (_, i) in &mut self.unconfirmed {
            *i = new_place[*i as usize];
        }
        self.cached_at = None;
        self.epoch += 1;
    }

    /// Forgets every device a listing brought (a new load begins); devices found by a
    /// lookup stay, still unconfirmed.
    pub fn clear(&mut self) {
        self.refresh = None;
        self.cached_at = None;
        let found: Vec<Device> = self
            .unconfirmed
            .iter()
            .filter_map(|(_, i)| self.all.get(*i as usize).cloned())
            .collect();
        self.all.clear();
        self.search.clear();
        self.platforms.clear();
        self.unconfirmed.clear();
        self.epoch += 1;
        self.add_found(found);
    }

    /// Adds devices Graph found by a lookup or search, unless the list already has them.
    pub fn add_found(&mut self, devices: Vec<Device>) {
        for device in devices {
            if self.get(device.id()).is_some() {
                continue;
            }
            let index = self.all.len() as u32;
            self.unconfirmed.push((device.id().to_owned(), index));
            self.push(device);
        }
    }

    /// Whether the device at `index` came from a lookup and the listing has not brought it
    /// (yet).
    pub fn is_unconfirmed(&self, index: u32) -> bool {
        self.unconfirmed.iter().any(|(_, i)| *i == index)
    }

    /// How many devices came from lookups and wait for the listing.
    pub fn unconfirmed_count(&self) -> usize {
        self.unconfirmed.len()
    }

    fn push(&mut self, device: Device) {
        if let Some(refresh) = &mut self.refresh {
            refresh.seen.push(true);
        }
        self.search.push(search_text(&device));
        self.platforms.push(device.platform());
        self.all.push(device);
    }

    /// Adds a page of devices; a device a lookup found already takes the listing's copy in
    /// its place and is confirmed.
    pub fn extend(&mut self, devices: Vec<Device>) {
        if self.refresh.is_some() {
            return self.refresh_with(devices);
        }
        if !self.unconfirmed.is_empty() {
            let mut fresh = Vec::with_capacity(devices.len());
            for device in devices {
                match self
                    .unconfirmed
                    .iter()
                    .position(|(id, _)| *id == device.id())
                {
                    Some(at) => {
                        let (_, index) = self.unconfirmed.swap_remove(at);
                        let i = index as usize;
                        self.search[i] = search_text(&device);
                        self.platforms[i] = device.platform();
                        self.all[i] = device;
                    }
                    None => fresh.push(device),
                }
            }
            return self.append(fresh);
        }
        self.append(devices);
    }

    /// A page of a listing that refreshes a cached list: known devices are replaced where
    /// they are, new ones added.
    fn refresh_with(&mut self, devices: Vec<Device>) {
        for device in devices {
            let known = self
                .unconfirmed
                .iter()
                .position(|(id, _)| *id == device.id())
                .map(|at| self.unconfirmed.swap_remove(at).1)
                .or_else(|| {
                    self.refresh
                        .as_ref()
                        .and_then(|r| r.index.get(device.id()).copied())
                });
            match known {
                Some(index) => {
                    let i = index as usize;
                    if let Some(refresh) = &mut self.refresh {
                        refresh.seen[i] = true;
                    }
                    self.search[i] = search_text(&device);
                    self.platforms[i] = device.platform();
                    self.all[i] = device;
                }
                None => self.push(device),
            }
        }
    }

    fn append(&mut self, devices: Vec<Device>) {
        // Room for the whole tenant at once when its size is known: growing by doubling
        // would hold two copies of a 100 000-device list at its peak.
        if let Some(total) = self.total {
            let wanted = usize::try_from(total)
                .unwrap_or(usize::MAX)
                .min(MAX_RESERVE)
                .saturating_sub(self.all.len());
            self.all.reserve_exact(wanted);
            self.search.reserve_exact(wanted);
            self.platforms.reserve_exact(wanted);
        }
        self.search.extend(devices.iter().map(search_text));
        self.platforms.extend(devices.iter().map(Device::platform));
        self.all.extend(devices);
    }

    pub(super) fn admits(&self, index: usize, os: OsFilter) -> bool {
        match os {
            OsFilter::All => true,
            OsFilter::Only(platform) => self.platforms.get(index) == Some(&platform),
        }
    }
}
