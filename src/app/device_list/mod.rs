//! All devices: the loaded devices, the list's state (filter, platform, sort, rows), and
//! filtering and sorting it, fast at 100 000 devices.
//!
//! The store keeps, for every device, one lower-case search text (the fields `/` matches) and
//! its platform, built once when the device arrives. A list keeps its rows and what they were
//! computed from, so each change does only the work it needs:
//! - a filter that grows (typing) narrows the rows already shown, in their order;
//! - a page of new devices filters just the new ones (and merges them when sorted);
//! - other changes filter the whole list with a SIMD substring search;
//! - sorting happens only when the sort or the data changes, never on a keystroke.
//!
//! A filter starting with `~` matches fuzzily (nucleo's matcher, as in the Helix editor) and
//! ranks the best matches first; ties keep the list's order, so the ranking is stable.

use std::cmp::Ordering;

use memchr::memmem::Finder;

use tui_input::Input;

use super::cursor::Cursor;
use crate::domain::{Assist, Device, Platform};
use fuzzy::{fuzzy_rank, fuzzy_rank_into};

mod fuzzy;

/// Columns of the device table, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Column {
    Name,
    User,
    Os,
    Compliance,
    LastSync,
    Assist,
}

impl Column {
    /// Every column, in display order.
    pub const ALL: [Column; 6] = [
        Column::Name,
        Column::User,
        Column::Os,
        Column::Compliance,
        Column::LastSync,
        Column::Assist,
    ];

    /// The column header.
    pub fn title(self) -> &'static str {
        match self {
            Column::Name => "Device name",
            Column::User => "Primary user",
            Column::Os => "OS",
            Column::Compliance => "Compliance",
            Column::LastSync => "Last sync",
            Column::Assist => "Assist",
        }
    }

    /// The next column, for cycling the sort.
    pub fn next(self) -> Column {
        let i = Column::ALL.iter().position(|c| *c == self).unwrap_or(0);
        Column::ALL[(i + 1) % Column::ALL.len()]
    }
}

/// Which platforms the device list is narrowed to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OsFilter {
    #[default]
    All,
    Only(Platform),
}

impl OsFilter {
    /// The next choice, for cycling.
    pub fn next(self) -> OsFilter {
        match self {
            OsFilter::All => OsFilter::Only(Platform::Windows),
            OsFilter::Only(Platform::Windows) => OsFilter::Only(Platform::Android),
            OsFilter::Only(Platform::Android) => OsFilter::Only(Platform::Ios),
            OsFilter::Only(Platform::Ios) => OsFilter::Only(Platform::MacOs),
            OsFilter::Only(Platform::MacOs) => OsFilter::Only(Platform::Other),
            OsFilter::Only(Platform::Other) => OsFilter::All,
        }
    }

    /// A label for the title bar.
    pub fn label(self) -> &'static str {
        match self {
            OsFilter::All => "all platforms",
            OsFilter::Only(Platform::Windows) => "Windows",
            OsFilter::Only(Platform::Android) => "Android",
            OsFilter::Only(Platform::Ios) => "iOS/iPadOS",
            OsFilter::Only(Platform::MacOs) => "macOS",
            OsFilter::Only(Platform::Other) => "other platforms",
        }
    }

    /// Whether a device passes.
    pub fn admits(self, device: &Device) -> bool {
        match self {
            OsFilter::All => true,
            OsFilter::Only(platform) => device.platform() == platform,
        }
    }
}

/// The All devices blade's state.
#[derive(Clone, Debug, Default)]
pub struct DeviceList {
    /// The filter being typed or applied.
    pub filter: Input,
    /// True while `/` editing is active.
    pub editing: bool,
    pub os: OsFilter,
    pub sort: Option<(Column, bool)>,
    /// Indices into the loaded devices, filtered and sorted.
    pub rows: Vec<u32>,
    pub cursor: Cursor,
    /// What `rows` were computed from, so the next change does only the work it needs.
    pub cache: RowCache,
}

/// The devices loaded, with what filtering needs of each.
#[derive(Clone, Debug, Default)]
pub struct DeviceStore {
    pub all: Vec<Device>,
    /// Lower-case search text of each device, in `all`'s order.
    search: Vec<Box<str>>,
    /// Platform of each device, in `all`'s order.
    platforms: Vec<Platform>,
    /// Changes when the list is replaced (not when it grows).
    epoch: u64,
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
const FIELD_SEPARATOR: char = '\u{1}';

/// The text `/` searches: name, user, UPN, serial number, model and id, lower-case.
pub fn search_text(device: &Device) -> Box<str> {
    let mut text = String::with_capacity(
        device.name.len()
            + device.user_display_name.len()
            + device.user_principal_name.len()
            + device.serial_number.len()
            + device.model.len()
            + device.id.len()
            + 6,
    );
    for field in [
        &device.name,
        &device.user_display_name,
        &device.user_principal_name,
        &device.serial_number,
        &device.model,
        &device.id,
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
        self.all.iter().find(|d| d.id == id)
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
            .map(|(i, d)| (Box::from(d.id.as_str()), i as u32))
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
            if self.get(&device.id).is_some() {
                continue;
            }
            let index = self.all.len() as u32;
            self.unconfirmed.push((device.id.clone(), index));
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
                match self.unconfirmed.iter().position(|(id, _)| *id == device.id) {
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
                .position(|(id, _)| *id == device.id)
                .map(|at| self.unconfirmed.swap_remove(at).1)
                .or_else(|| {
                    self.refresh
                        .as_ref()
                        .and_then(|r| r.index.get(device.id.as_str()).copied())
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

    fn admits(&self, index: usize, os: OsFilter) -> bool {
        match os {
            OsFilter::All => true,
            OsFilter::Only(platform) => self.platforms.get(index) == Some(&platform),
        }
    }
}

/// What a list's rows were computed from.
#[derive(Clone, Debug, Default)]
pub struct RowCache {
    epoch: u64,
    /// How many devices the rows cover.
    seen: usize,
    sort: Option<(Column, bool)>,
    /// Every device index in sort order; empty when unsorted (the store's order).
    order: Vec<u32>,
    /// Each device's key for `sort`, computed once.
    keys: Vec<SortKey>,
    /// The fuzzy score of each of the list's rows, in the same order, while a fuzzy pattern
    /// ranks them (so arriving devices are ranked into them instead of all anew).
    scores: Vec<u32>,
    query: Option<Query>,
}

/// What a device sorts by: a rank, then a text, then a time; only what the column needs is set.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
struct SortKey {
    rank: u8,
    text: Box<str>,
    time: i64,
}

impl SortKey {
    fn of(device: &Device, column: Column) -> SortKey {
        let text = |s: &str| -> Box<str> {
            if s.is_ascii() {
                s.to_ascii_lowercase().into_boxed_str()
            } else {
                s.to_lowercase().into_boxed_str()
            }
        };
        match column {
            Column::Name => SortKey {
                text: text(&device.name),
                ..SortKey::default()
            },
            Column::User => SortKey {
                text: text(&device.user_principal_name),
                ..SortKey::default()
            },
            Column::Os => SortKey {
                text: text(&format!(
                    "{}\u{1}{}",
                    device.operating_system, device.os_version
                )),
                ..SortKey::default()
            },
            Column::Compliance => SortKey {
                text: device.compliance_state.label().into(),
                ..SortKey::default()
            },
            Column::LastSync => SortKey {
                rank: u8::from(device.last_sync_date_time.is_some()),
                time: device.last_sync_date_time.map_or(0, |t| t.unix_timestamp()),
                ..SortKey::default()
            },
            Column::Assist => match device.assist() {
                Assist::Supported => SortKey::default(),
                Assist::DirectSession { .. } => SortKey {
                    rank: 1,
                    ..SortKey::default()
                },
                Assist::Unconfirmed { reason } => SortKey {
                    rank: 2,
                    text: reason.into_boxed_str(),
                    ..SortKey::default()
                },
                Assist::Unsupported { reason } => SortKey {
                    rank: 3,
                    text: reason.into_boxed_str(),
                    ..SortKey::default()
                },
            },
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Query {
    needle: String,
    fuzzy: bool,
    os: OsFilter,
}

impl Query {
    fn of(list: &DeviceList) -> Self {
        let text = list.filter.value().trim();
        let (fuzzy, text) = match text.strip_prefix('~') {
            Some(rest) => (true, rest.trim()),
            None => (false, text),
        };
        Query {
            needle: text.to_lowercase(),
            fuzzy,
            os: list.os,
        }
    }

    /// True when every device this query admits, `wider` admits too.
    fn narrows(&self, wider: &Query) -> bool {
        if self.os != wider.os || self.fuzzy != wider.fuzzy {
            return false;
        }
        if self.fuzzy {
            // A fuzzy pattern typed further matches a subset of what it matched (a non-empty
            // one: the empty pattern lists everything unranked).
            !wider.needle.is_empty() && self.needle.starts_with(&wider.needle)
        } else {
            self.needle.contains(&wider.needle)
        }
    }
}

/// Filters and sorts the device indices `list` shows, doing only the work the change needs.
pub fn compute_rows(list: &mut DeviceList, store: &DeviceStore) {
    let query = Query::of(list);
    let cache = &mut list.cache;
    let len = store.all.len();
    let same_data = cache.epoch == store.epoch && cache.seen == len;
    let same_sort = cache.sort == list.sort;
    let same_query = cache.query.as_ref() == Some(&query);
    if same_data && same_sort && same_query {
        return;
    }
    let ranked = query.fuzzy && !query.needle.is_empty();
    let arrived = same_sort && same_query && cache.epoch == store.epoch && cache.seen < len;
    if arrived && ranked && cache.scores.len() == list.rows.len() {
        // New devices arrived under a fuzzy pattern: score just them and rank them in.
        if let Some(sort) = list.sort {
            order_arrivals(cache, store, sort);
        }
        let fresh: Vec<u32> = (cache.seen..len).map(|i| i as u32).collect();
        let (rows, scores) = fuzzy_rank_into(
            store,
            (
                std::mem::take(&mut list.rows),
                std::mem::take(&mut cache.scores),
            ),
            fresh,
            &cache.order,
            &query,
        );
        list.rows = rows;
        cache.scores = scores;
        cache.seen = len;
    } else if arrived && !ranked {
        // New devices arrived: filter just them.
        let finder = Finder::new(query.needle.as_bytes());
        let fresh: Vec<u32> = (cache.seen..len)
            .filter(|&i| matches(store, i, &query, Some(&finder)))
            .map(|i| i as u32)
            .collect();
        match list.sort {
            None => list.rows.extend(fresh),
            Some((column, descending)) => {
                order_arrivals(cache, store, (column, descending));
                let mut fresh = fresh;
                sort_indices(&mut fresh, &cache.keys, descending);
                list.rows = merge(&list.rows, &fresh, &cache.keys, descending);
            }
        }
        cache.seen = len;
    } else {
        if !same_data || !same_sort {
            cache.keys = match list.sort {
                None => Vec::new(),
                Some((column, _)) => store.all.iter().map(|d| SortKey::of(d, column)).collect(),
            };
            cache.order = match list.sort {
                None => Vec::new(),
                Some(sort) => {
                    let mut order: Vec<u32> = (0..len as u32).collect();
                    sort_indices(&mut order, &cache.keys, sort.1);
                    order
                }
            };
            cache.epoch = store.epoch;
            cache.seen = len;
            cache.sort = list.sort;
        }
        let narrowing =
            same_data && same_sort && cache.query.as_ref().is_some_and(|old| query.narrows(old));
        cache.scores.clear();
        list.rows = if ranked {
            let candidates = if narrowing {
                std::mem::take(&mut list.rows)
            } else if cache.order.is_empty() {
                (0..len as u32).collect()
            } else {
                cache.order.clone()
            };
            let (rows, scores) = fuzzy_rank(store, candidates, &cache.order, &query);
            cache.scores = scores;
            rows
        } else {
            let finder = Finder::new(query.needle.as_bytes());
            let keep = |&i: &u32| matches(store, i as usize, &query, Some(&finder));
            if narrowing {
                list.rows.iter().copied().filter(keep).collect()
            } else if cache.order.is_empty() && list.sort.is_none() {
                (0..len as u32).filter(keep).collect()
            } else {
                cache.order.iter().copied().filter(keep).collect()
            }
        };
    }
    cache.query = Some(query);
    let rows = list.rows.len();
    list.cursor.selected = list.cursor.selected.min(rows.saturating_sub(1));
}

/// Adds the devices that arrived since the cache last looked to its sort keys and order.
fn order_arrivals(cache: &mut RowCache, store: &DeviceStore, (column, descending): (Column, bool)) {
    cache.keys.extend(
        store.all[cache.seen..]
            .iter()
            .map(|d| SortKey::of(d, column)),
    );
    let mut added: Vec<u32> = (cache.seen as u32..store.all.len() as u32).collect();
    sort_indices(&mut added, &cache.keys, descending);
    cache.order = merge(&cache.order, &added, &cache.keys, descending);
}

/// Whether device `index` passes the platform filter and contains the needle.
fn matches(store: &DeviceStore, index: usize, query: &Query, finder: Option<&Finder<'_>>) -> bool {
    if !store.admits(index, query.os) {
        return false;
    }
    match finder {
        Some(finder) if !query.needle.is_empty() => store
            .search
            .get(index)
            .is_some_and(|text| finder.find(text.as_bytes()).is_some()),
        _ => true,
    }
}

/// Orders two devices by their keys.
fn compare(keys: &[SortKey], a: u32, b: u32, descending: bool) -> Ordering {
    let ordering = keys[a as usize].cmp(&keys[b as usize]);
    if descending {
        ordering.reverse()
    } else {
        ordering
    }
}

/// Sorts indices by their keys; stable, so equal devices keep the store's order.
fn sort_indices(indices: &mut [u32], keys: &[SortKey], descending: bool) {
    indices.sort_by(|&a, &b| compare(keys, a, b, descending));
}

/// Merges two sorted index lists; on ties the earlier device comes first.
fn merge(left: &[u32], right: &[u32], keys: &[SortKey], descending: bool) -> Vec<u32> {
    let mut out = Vec::with_capacity(left.len() + right.len());
    let (mut i, mut j) = (0, 0);
    while i < left.len() && j < right.len() {
        if compare(keys, right[j], left[i], descending) == Ordering::Less {
            out.push(right[j]);
            j += 1;
        } else {
            out.push(left[i]);
            i += 1;
        }
    }
    out.extend_from_slice(&left[i..]);
    out.extend_from_slice(&right[j..]);
    out
}

#[cfg(test)]
mod tests;
