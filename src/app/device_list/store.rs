//! The loaded devices: each with its search mask, word starts and platform, computed once on
//! arrival, and an index by id; devices a lookup found before the listing; a cached list refreshed in place.

use crate::domain::{Device, DeviceRef, DeviceTable, Platform};

use super::OsFilter;
use super::id_index::{IdIndex, id_hash};
use super::masks::Masks;
use super::search::{DeviceMask, device_mask};
use super::word_starts::{BLOCK, WordStarts, word_starts};

/// The devices loaded, with what filtering needs of each.
#[derive(Clone, Debug, Default)]
pub struct DeviceStore {
    /// The devices, their text in one arena, in the list's order.
    pub all: DeviceTable,
    /// The characters and pairs of letters each device's searched text holds, in `all`'s
    /// order, by device and by character.
    pub(super) masks: Masks,
    /// Which letters and digits start a word of each device's fields, by character.
    pub(super) word_starts: WordStarts,
    /// Where each device is in `all`, by its id: the places alone are stored, each id is
    /// read from its device (the first of devices sharing an id is found).
    by_id: IdIndex,
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

/// A cached list being refreshed: which of its devices the listing has brought again.
#[derive(Clone, Debug, Default)]
struct Refresh {
    seen: Vec<bool>,
}

/// What the store keeps beside each device of a list, and the hash its id is indexed by.
pub(super) struct Arrived {
    pub(super) masks: Vec<DeviceMask>,
    pub(super) word_starts: WordStarts,
    pub(super) platforms: Vec<Platform>,
    hashes: Vec<u64>,
}

/// Below this many devices one core works out what the store keeps of them.
pub(super) const PARALLEL_FROM: usize = 50_000;

/// Each device's mask, word starts, platform and id hash, in one pass over the devices, on
/// every core for long lists.
pub(super) fn arrived(devices: &DeviceTable) -> Arrived {
    let len = devices.len();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let part = if len < PARALLEL_FROM || threads <= 1 {
        len.max(1)
    } else {
        // Whole blocks of word starts to each core.
        len.div_ceil(threads).next_multiple_of(BLOCK)
    };
    let mut masks = vec![DeviceMask::default(); len];
    let mut starts = WordStarts::unmarked(len);
    let mut platforms = vec![Platform::Other; len];
    let mut hashes = vec![0u64; len];
    let shares = masks
        .chunks_mut(part)
        .zip(starts.shares(part))
        .zip(platforms.chunks_mut(part))
        .zip(hashes.chunks_mut(part))
        .enumerate();
    std::thread::scope(|scope| {
        for (share, (((masks, mut starts), platforms), hashes)) in shares {
            let work = move || {
                let outs = masks.iter_mut().zip(platforms).zip(hashes).enumerate();
                let devices = devices.iter_from(share * part);
                for ((k, ((mask, platform), hash)), device) in outs.zip(devices) {
                    *mask = device_mask(device);
                    starts.mark(k, word_starts(device.searched()));
                    *platform = device.platform();
                    *hash = id_hash(device.id());
                }
            };
            // Each core fills its own stretch of the lists; a short list is done here.
            if part == len {
                work();
            } else {
                scope.spawn(work);
            }
        }
    });
    Arrived {
        masks,
        word_starts: starts,
        platforms,
        hashes,
    }
}

/// The most devices room is made for ahead of their arrival.
const MAX_RESERVE: usize = 1_000_000;

impl DeviceStore {
    /// Where the device with `id` is in `all`: by the index, in constant time.
    fn position(&self, id: &str) -> Option<usize> {
        self.by_id.find(&self.all, id)
    }

    /// The loaded device with `id`.
    pub fn get(&self, id: &str) -> Option<DeviceRef<'_>> {
        self.position(id).and_then(|i| self.all.get(i))
    }

    /// Records that the device with `id` checked in at `at` (read after a sync).
    pub fn set_last_sync(&mut self, id: &str, at: time::OffsetDateTime) {
        if let Some(i) = self.position(id) {
            self.all.set_last_sync_date_time(i, Some(at));
        }
    }

    fn index(&mut self, from: usize) {
        for i in from..self.all.len() {
            self.by_id.add(&self.all, i);
        }
    }

    fn reindex(&mut self) {
        self.by_id = IdIndex::with_capacity(self.all.len());
        self.index(0);
    }

    /// Shows a cached list at once; a listing then refreshes it in place. The list is kept
    /// as it came: one list in memory.
    pub fn load_cached(&mut self, devices: DeviceTable, written: time::OffsetDateTime) {
        self.clear();
        self.total = Some(devices.len() as u64);
        if self.all.is_empty() {
            let arrived = arrived(&devices);
            self.masks = Masks::of(arrived.masks);
            self.word_starts = arrived.word_starts;
            self.platforms = arrived.platforms;
            self.all = devices;
            self.by_id = IdIndex::default();
            self.by_id.add_hashed(&self.all, 0, &arrived.hashes);
        } else {
            self.append_table(devices);
        }
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
        self.refresh = Some(Refresh {
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
        self.all
            .retain(|i| refresh.seen.get(i).copied().unwrap_or(true));
        self.masks.retain(refresh.seen.iter().copied());
        self.word_starts.retain(refresh.seen.iter().copied());
        let mut keep = refresh.seen.iter().copied();
        self.platforms.retain(|_| keep.next().unwrap_or(true));
        for (_, i) in &mut self.unconfirmed {
            *i = new_place[*i as usize];
        }
        self.cached_at = None;
        self.epoch += 1;
        self.reindex();
    }

    /// Forgets every device a listing brought (a new load begins); devices found by a
    /// lookup stay, still unconfirmed.
    pub fn clear(&mut self) {
        self.refresh = None;
        self.cached_at = None;
        let found: Vec<Device> = self
            .unconfirmed
            .iter()
            .filter_map(|(_, i)| self.all.get(*i as usize).map(DeviceRef::to_device))
            .collect();
        self.all.clear();
        self.masks.clear();
        self.word_starts.clear();
        self.platforms.clear();
        self.by_id.clear();
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
            self.push(device.view());
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

    fn push(&mut self, device: DeviceRef<'_>) {
        if let Some(refresh) = &mut self.refresh {
            refresh.seen.push(true);
        }
        self.masks.push(device_mask(device));
        self.word_starts.push(word_starts(device.searched()));
        self.platforms.push(device.platform());
        self.all.push(&device);
        self.by_id.add(&self.all, self.all.len() - 1);
    }

    /// Adds a page of devices; a device a lookup found already takes the listing's copy in
    /// its place and is confirmed.
    pub fn extend(&mut self, devices: DeviceTable) {
        if self.refresh.is_some() {
            return self.refresh_with(&devices);
        }
        if !self.unconfirmed.is_empty() {
            let mut fresh = DeviceTable::with_capacity(devices.len(), 0);
            for device in devices.iter() {
                match self
                    .unconfirmed
                    .iter()
                    .position(|(id, _)| *id == device.id())
                {
                    Some(at) => {
                        let (_, index) = self.unconfirmed.swap_remove(at);
                        let i = index as usize;
                        self.replace(i, device);
                    }
                    None => fresh.push(&device),
                }
            }
            return self.append_table(fresh);
        }
        self.append_table(devices);
    }

    /// A page of a listing that refreshes a cached list: known devices are replaced where
    /// they are, new ones added.
    fn refresh_with(&mut self, devices: &DeviceTable) {
        for device in devices.iter() {
            let known = self
                .unconfirmed
                .iter()
                .position(|(id, _)| *id == device.id())
                .map(|at| self.unconfirmed.swap_remove(at).1)
                .or_else(|| self.position(device.id()).map(|i| i as u32));
            match known {
                Some(index) => {
                    let i = index as usize;
                    if let Some(refresh) = &mut self.refresh
                        && let Some(seen) = refresh.seen.get_mut(i)
                    {
                        *seen = true;
                    }
                    self.replace(i, device);
                }
                None => self.push(device),
            }
        }
    }

    /// Puts `device` in place of the one at `i`, which has the same id.
    fn replace(&mut self, i: usize, device: DeviceRef<'_>) {
        self.masks.set(i, device_mask(device));
        self.word_starts.set(i, word_starts(device.searched()));
        self.platforms[i] = device.platform();
        self.all.replace(i, &device);
    }

    fn append_table(&mut self, devices: DeviceTable) {
        self.reserve_for_total();
        let arrived = arrived(&devices);
        self.masks.extend(arrived.masks);
        self.word_starts.append(arrived.word_starts);
        self.platforms.extend(arrived.platforms);
        let from = self.all.len();
        self.all.append(devices);
        self.by_id.add_hashed(&self.all, from, &arrived.hashes);
    }

    fn reserve_for_total(&mut self) {
        // Room for the whole tenant at once when its size is known: growing by doubling
        // would hold two copies of a 100 000-device list at its peak.
        if let Some(total) = self.total {
            let wanted = usize::try_from(total)
                .unwrap_or(usize::MAX)
                .min(MAX_RESERVE)
                .saturating_sub(self.all.len());
            self.all.reserve_exact(wanted);
            self.masks.reserve_exact(wanted);
            self.word_starts.reserve_exact(wanted);
            self.platforms.reserve_exact(wanted);
            self.by_id.reserve(&self.all, wanted);
        }
    }

    pub(super) fn admits(&self, index: usize, os: OsFilter) -> bool {
        match os {
            OsFilter::All => true,
            OsFilter::Only(platform) => self.platforms.get(index) == Some(&platform),
        }
    }
}
