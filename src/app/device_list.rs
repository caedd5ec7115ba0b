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
use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

use tui_input::Input;

use super::cursor::Cursor;
use crate::domain::{Assist, Device, Platform};

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

    /// Forgets every device (a new load begins).
    pub fn clear(&mut self) {
        self.all.clear();
        self.search.clear();
        self.platforms.clear();
        self.epoch += 1;
    }

    /// Adds a page of devices.
    pub fn extend(&mut self, devices: Vec<Device>) {
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

/// Fewest candidates worth a thread of their own when ranking fuzzily.
const FUZZY_CHUNK: usize = 16_384;

/// The part of a search text fuzzy matching looks at: every field but the id, whose hex
/// digits would match almost any pattern somewhere.
fn fuzzy_haystack(text: &str) -> &str {
    let fields = text.strip_suffix(FIELD_SEPARATOR).unwrap_or(text);
    fields
        .rsplit_once(FIELD_SEPARATOR)
        .map_or(fields, |(head, _id)| head)
}

/// Fuzzy matches of `query` among `candidates`, best first, with their scores; ties keep
/// the list's order (`order`, or the store's order when unsorted). Large lists are scored on
/// every core.
fn fuzzy_rank(
    store: &DeviceStore,
    candidates: Vec<u32>,
    order: &[u32],
    query: &Query,
) -> (Vec<u32>, Vec<u32>) {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(candidates.len().div_ceil(FUZZY_CHUNK));
    let position = positions(store, order);
    let scored = fuzzy_scored_on(store, candidates, position.as_deref(), query, threads);
    scored.into_iter().map(|(score, _, i)| (i, score)).unzip()
}

/// Ranks `fresh` devices into rows already ranked (with their scores) for the same query:
/// the result is the ranking of all of them from scratch, for the work of the fresh ones.
fn fuzzy_rank_into(
    store: &DeviceStore,
    (rows, scores): (Vec<u32>, Vec<u32>),
    fresh: Vec<u32>,
    order: &[u32],
    query: &Query,
) -> (Vec<u32>, Vec<u32>) {
    let position = positions(store, order);
    let place = |i: u32| position.as_ref().map_or(i, |p| p[i as usize]);
    let new = fuzzy_scored_on(store, fresh, position.as_deref(), query, 1);
    // The old rows keep their relative order (a merge of the sort order never reorders
    // them), so both sides are ranked by (score, place) and merge in one pass.
    let mut old = rows.into_iter().zip(scores).peekable();
    let mut new = new.into_iter().peekable();
    let (mut ranked, mut ranked_scores) = (Vec::new(), Vec::new());
    loop {
        let take_old = match (old.peek(), new.peek()) {
            (Some(&(i, s)), Some(&(t, p, _))) => {
                (std::cmp::Reverse(s), place(i)) < (std::cmp::Reverse(t), p)
            }
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => break,
        };
        let (i, s) = if take_old {
            old.next().unwrap_or_default()
        } else {
            new.next().map(|(s, _, i)| (i, s)).unwrap_or_default()
        };
        ranked.push(i);
        ranked_scores.push(s);
    }
    (ranked, ranked_scores)
}

/// Each device's place in `order`, or `None` when the list is in the store's order.
fn positions(store: &DeviceStore, order: &[u32]) -> Option<Vec<u32>> {
    (!order.is_empty()).then(|| {
        let mut position = vec![0u32; store.all.len()];
        for (rank, &i) in order.iter().enumerate() {
            position[i as usize] = rank as u32;
        }
        position
    })
}

/// The fuzzy matches among `candidates` as (score, place, index), best first, scored on
/// `threads` threads.
fn fuzzy_scored_on(
    store: &DeviceStore,
    candidates: Vec<u32>,
    position: Option<&[u32]>,
    query: &Query,
    threads: usize,
) -> Vec<(u32, u32, u32)> {
    let pattern = Pattern::parse(&query.needle, CaseMatching::Ignore, Normalization::Smart);
    let score_chunk = |chunk: &[u32]| -> Vec<(u32, u32, u32)> {
        let mut matcher = Matcher::new(Config::DEFAULT);
        let mut buffer = Vec::new();
        chunk
            .iter()
            .copied()
            .filter(|&i| store.admits(i as usize, query.os))
            .filter_map(|i| {
                let text = fuzzy_haystack(store.search.get(i as usize)?);
                let score = pattern.score(Utf32Str::new(text, &mut buffer), &mut matcher)?;
                let place = position.map_or(i, |p| p[i as usize]);
                Some((score, place, i))
            })
            .collect()
    };
    let mut scored: Vec<(u32, u32, u32)> = if threads <= 1 {
        score_chunk(&candidates)
    } else {
        let chunk = candidates.len().div_ceil(threads);
        std::thread::scope(|scope| {
            let running: Vec<_> = candidates
                .chunks(chunk)
                .map(|part| scope.spawn(|| score_chunk(part)))
                .collect();
            running
                .into_iter()
                .flat_map(|thread| match thread.join() {
                    Ok(scored) => scored,
                    Err(panic) => std::panic::resume_unwind(panic),
                })
                .collect()
        })
    };
    // `place` is unique, so the order is total and the same however the work was split.
    scored.sort_unstable_by_key(|&(score, place, _)| (std::cmp::Reverse(score), place));
    scored
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
mod tests {
    use super::*;
    use crate::domain::device::tests::windows_laptop;

    fn store(names: &[&str]) -> DeviceStore {
        let mut store = DeviceStore::default();
        store.extend(
            names
                .iter()
                .enumerate()
                .map(|(i, name)| Device {
                    id: format!("id-{i}"),
                    name: name.to_string(),
                    ..windows_laptop()
                })
                .collect(),
        );
        store
    }

    fn list(filter: &str, sort: Option<(Column, bool)>) -> DeviceList {
        DeviceList {
            filter: tui_input::Input::new(filter.into()),
            sort,
            ..DeviceList::default()
        }
    }

    fn names(list: &DeviceList, store: &DeviceStore) -> Vec<String> {
        list.rows
            .iter()
            .map(|&i| store.all[i as usize].name.clone())
            .collect()
    }

    /// The rows a list gets when computed from nothing.
    fn fresh(filter: &str, sort: Option<(Column, bool)>, store: &DeviceStore) -> Vec<String> {
        let mut l = list(filter, sort);
        compute_rows(&mut l, store);
        names(&l, store)
    }

    #[test]
    fn typing_narrows_and_deleting_widens_to_the_same_rows_as_from_scratch() {
        let store = store(&["DESKTOP-1", "desk-2", "LAPTOP-3", "Desktop Ünïcode", "x"]);
        let mut l = list("", None);
        compute_rows(&mut l, &store);
        for filter in [
            "d", "de", "des", "desk", "deskt", "desk", "d", "", "ü", "ünï",
        ] {
            l.filter = tui_input::Input::new(filter.into());
            compute_rows(&mut l, &store);
            assert_eq!(names(&l, &store), fresh(filter, None, &store), "{filter}");
        }
        l.filter = tui_input::Input::new("desk".into());
        compute_rows(&mut l, &store);
        assert_eq!(
            names(&l, &store),
            ["DESKTOP-1", "desk-2", "Desktop Ünïcode"]
        );
    }

    #[test]
    fn pages_that_arrive_later_join_filtered_and_in_sort_order() {
        let mut store = store(&["b-desk", "d-desk", "laptop"]);
        let sort = Some((Column::Name, false));
        let mut l = list("desk", sort);
        compute_rows(&mut l, &store);
        let more = ["a-desk", "c-desk", "zz", "e-desk"]
            .iter()
            .enumerate()
            .map(|(i, name)| Device {
                id: format!("more-{i}"),
                name: name.to_string(),
                ..windows_laptop()
            })
            .collect();
        store.extend(more);
        compute_rows(&mut l, &store);
        assert_eq!(
            names(&l, &store),
            ["a-desk", "b-desk", "c-desk", "d-desk", "e-desk"]
        );
        assert_eq!(names(&l, &store), fresh("desk", sort, &store));
        l.filter = tui_input::Input::new(String::new());
        compute_rows(&mut l, &store);
        assert_eq!(names(&l, &store), fresh("", sort, &store));
        assert_eq!(l.rows.len(), 7);
    }

    #[test]
    fn sorting_is_stable_and_reversible() {
        let store = store(&["b", "A", "a", "c"]);
        assert_eq!(
            fresh("", Some((Column::Name, false)), &store),
            ["A", "a", "b", "c"]
        );
        assert_eq!(
            fresh("", Some((Column::Name, true)), &store),
            ["c", "b", "A", "a"]
        );
    }

    #[test]
    fn fuzzy_ranks_the_best_match_first_and_keeps_order_on_ties() {
        let store = store(&["LAPTOP-X9", "DESKTOP-7F3K", "DSK-7-F-3-K", "printer"]);
        let ranked = fresh("~dsk7f3k", None, &store);
        assert_eq!(ranked.first().map(String::as_str), Some("DSK-7-F-3-K"));
        assert!(ranked.contains(&"DESKTOP-7F3K".to_string()));
        assert!(!ranked.contains(&"printer".to_string()));
    }

    #[test]
    fn fuzzy_matching_ignores_the_device_id() {
        let mut store = DeviceStore::default();
        store.extend(vec![Device {
            id: "qqqq-zzzz-9999".into(),
            ..windows_laptop()
        }]);
        assert!(fresh("~qz9", None, &store).is_empty(), "matched on the id");
        assert_eq!(
            fresh("~dsk7", None, &store),
            vec!["DESKTOP-7F3K".to_string()]
        );
        // A plain filter still finds a device by its id.
        assert_eq!(
            fresh("zzzz-9", None, &store),
            vec!["DESKTOP-7F3K".to_string()]
        );
    }

    #[test]
    fn fuzzy_ranking_is_the_same_however_many_threads_score_it() {
        let names: Vec<String> = (0..40_000)
            .map(|i| format!("DESKTOP-{:05X}-{}", i * 7919 % 65_536, i % 13))
            .collect();
        let store = store(&names.iter().map(String::as_str).collect::<Vec<_>>());
        let query = Query {
            needle: "dk1f".into(),
            fuzzy: true,
            os: OsFilter::All,
        };
        let all: Vec<u32> = (0..store.all.len() as u32).collect();
        let one = fuzzy_scored_on(&store, all.clone(), None, &query, 1);
        assert!(one.len() > 500, "the pattern matches many: {}", one.len());
        for threads in [2, 3, 8] {
            assert_eq!(
                fuzzy_scored_on(&store, all.clone(), None, &query, threads),
                one
            );
        }
    }

    #[test]
    fn pages_that_arrive_under_a_fuzzy_pattern_rank_as_from_scratch() {
        let first = [
            "DESKTOP-7F3K",
            "LAPTOP-X9",
            "DSK-7-F-3-K",
            "desk 7",
            "DESK-9",
        ];
        let later = [
            "D-S-K",
            "dsk",
            "printer",
            "DESKTOP-ZZ",
            "ddsskk",
            "LAPTOP-DSK",
        ];
        for sort in [
            None,
            Some((Column::Name, false)),
            Some((Column::Name, true)),
        ] {
            for filter in ["~dsk", "~d", "~k7"] {
                let mut store = store(&first);
                let mut l = list(filter, sort);
                compute_rows(&mut l, &store);
                // Two pages more, one at a time, as a load delivers them.
                for page in later.chunks(3) {
                    let start = store.all.len();
                    store.extend(
                        page.iter()
                            .enumerate()
                            .map(|(i, name)| Device {
                                id: format!("later-{}", start + i),
                                name: name.to_string(),
                                ..windows_laptop()
                            })
                            .collect(),
                    );
                    compute_rows(&mut l, &store);
                    assert_eq!(
                        names(&l, &store),
                        fresh(filter, sort, &store),
                        "{filter} {sort:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn typing_a_fuzzy_pattern_further_ranks_as_from_scratch() {
        let store = store(&[
            "DESKTOP-7F3K",
            "LAPTOP-X9",
            "DSK-7-F-3-K",
            "desk 7",
            "DESK-9",
        ]);
        for sort in [None, Some((Column::Name, true))] {
            let mut l = list("", sort);
            compute_rows(&mut l, &store);
            for filter in ["~d", "~ds", "~dsk", "~dsk7", "~dsk", "~d", "~", "d"] {
                l.filter = tui_input::Input::new(filter.into());
                compute_rows(&mut l, &store);
                assert_eq!(names(&l, &store), fresh(filter, sort, &store), "{filter}");
            }
        }
    }

    #[test]
    fn the_platform_filter_uses_the_stored_platform() {
        let mut store = store(&["win"]);
        store.extend(vec![Device {
            id: "phone".into(),
            name: "phone".into(),
            operating_system: "Android".into(),
            ..windows_laptop()
        }]);
        let mut l = list("", None);
        l.os = OsFilter::Only(Platform::Android);
        compute_rows(&mut l, &store);
        assert_eq!(names(&l, &store), ["phone"]);
    }

    #[test]
    fn search_text_matches_what_device_matches_says() {
        let device = Device {
            name: "Ünïcode-PC".into(),
            serial_number: "SER123".into(),
            ..windows_laptop()
        };
        let text = search_text(&device);
        for needle in ["ünï", "ser12", "pc"] {
            assert!(text.contains(needle), "{needle}");
            assert!(device.matches(needle), "{needle}");
        }
        assert!(!text.contains("ser123\u{1}ünï"));
    }
}
