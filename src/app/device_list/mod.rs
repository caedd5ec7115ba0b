//! All devices: the loaded devices, the list's state (filter, platform, sort, rows), and
//! filtering and sorting it, fast at 100 000 devices.
//!
//! The store keeps, for every device, a mask of the characters in the fields `/` matches and
//! its platform, computed once when the device arrives; the text itself is searched where the
//! device holds it. A list keeps its rows and what they were
//! computed from, so each change does only the work it needs:
//! - a filter that grows (typing) narrows the rows already shown, in their order;
//! - a page of new devices filters just the new ones (and merges them when sorted);
//! - other changes filter the whole list with a SIMD substring search;
//! - sorting happens only when the sort or the data changes, never on a keystroke.
//!
//! A filter starting with `~` matches fuzzily (nucleo's matcher, as in the Helix editor), each
//! word within one field (name, user, UPN, serial, model), and ranks the best matches first;
//! ties keep the list's order, so the ranking is stable. A pattern of one-letter or one-digit
//! words ranks its best matches at once, mostly without reading their text, and counts the
//! others; those are ranked when the list is scrolled to them.

use std::cmp::Ordering;

use tui_input::Input;

use super::cursor::Cursor;
use crate::domain::{Assist, DeviceRef, Platform};
use fuzzy::{fuzzy_rank, fuzzy_rank_into, rank_rest};
use scan::{Candidates, PlainFilter};
use search::Needle;

mod byte_masks;
mod fuzzy;
mod haystack;
mod id_index;
mod masks;
mod one_character;
mod scan;
mod search;
mod store;
mod word_starts;

pub use store::DeviceStore;

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
    pub fn admits(self, device: DeviceRef<'_>) -> bool {
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
    /// The fuzzy score of each of the list's ranked rows, in the same order, while a fuzzy
    /// pattern ranks them (so arriving devices are ranked into them instead of all anew).
    /// Rows past them are matches in the list's order, ranked when shown
    /// ([`rank_rows_to`]).
    scores: Vec<u32>,
    query: Option<Query>,
    /// The rows of the queries this one narrowed, latest last, for widening back to them.
    earlier: Vec<(Query, Vec<u32>)>,
}

/// What a device sorts by: a rank, then a text, then a time; only what the column needs is set.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
struct SortKey {
    rank: u8,
    text: Box<str>,
    time: i64,
}

impl SortKey {
    fn of(device: DeviceRef<'_>, column: Column) -> SortKey {
        let text = |s: &str| -> Box<str> {
            if s.is_ascii() {
                s.to_ascii_lowercase().into_boxed_str()
            } else {
                s.to_lowercase().into_boxed_str()
            }
        };
        match column {
            Column::Name => SortKey {
                text: text(device.name()),
                ..SortKey::default()
            },
            Column::User => SortKey {
                text: text(device.user_principal_name()),
                ..SortKey::default()
            },
            Column::Os => SortKey {
                text: text(&format!(
                    "{}\u{1}{}",
                    device.operating_system(),
                    device.os_version()
                )),
                ..SortKey::default()
            },
            Column::Compliance => SortKey {
                text: device.compliance_state().label().into(),
                ..SortKey::default()
            },
            Column::LastSync => SortKey {
                rank: u8::from(device.last_sync_date_time().is_some()),
                time: device
                    .last_sync_date_time()
                    .map_or(0, |t| t.unix_timestamp()),
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

    /// Whether the query ranks its matches (a fuzzy pattern that is not empty).
    fn ranked(&self) -> bool {
        self.fuzzy && !self.needle.is_empty()
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
    let ranked = query.ranked();
    let arrived = same_sort && same_query && cache.epoch == store.epoch && cache.seen < len;
    if arrived && ranked {
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
        let needle = Needle::new(&query.needle);
        let filter = PlainFilter::new(store, query.os, &needle);
        let fresh = filter.rows(Candidates::every(len).part(cache.seen, len));
        cache.earlier.clear();
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
        if !(same_data && same_sort) {
            cache.earlier.clear();
        }
        // Widening back to a query typed before (Backspace) takes its rows as they were.
        let earlier = if narrowing || ranked {
            None
        } else {
            cache
                .earlier
                .iter()
                .rposition(|(q, _)| *q == query)
                .map(|at| {
                    let rows = cache.earlier.swap_remove(at).1;
                    cache.earlier.truncate(at);
                    rows
                })
        };
        if narrowing
            && !ranked
            && let Some(old) = cache.query.clone()
        {
            // An empty filter's rows are every device in the list's order, made again in
            // a millisecond: only what a search found is worth keeping.
            let rows = if old.needle.is_empty() && old.os == OsFilter::All {
                Vec::new()
            } else {
                list.rows.clone()
            };
            cache.earlier.push((old, rows));
            if cache.earlier.len() > EARLIER_KEPT {
                cache.earlier.remove(0);
            }
        }
        cache.scores.clear();
        list.rows = if ranked {
            let narrowed = narrowing.then(|| std::mem::take(&mut list.rows));
            let (rows, scores) = fuzzy_rank(store, narrowed, &cache.order, &query);
            cache.scores = scores;
            rows
        } else if let Some(rows) = earlier
            && !(rows.is_empty() && query.needle.is_empty() && query.os == OsFilter::All)
        {
            rows
        } else if query.needle.is_empty() && query.os == OsFilter::All {
            if cache.order.is_empty() {
                (0..len as u32).collect()
            } else {
                cache.order.clone()
            }
        } else {
            let needle = Needle::new(&query.needle);
            let filter = PlainFilter::new(store, query.os, &needle);
            let unsorted = cache.order.is_empty() && list.sort.is_none();
            // Narrowing the empty filter of an unsorted list searches every device, which its
            // rows list in memory order.
            let from_everything = cache
                .query
                .as_ref()
                .is_some_and(|old| old.needle.is_empty() && old.os == OsFilter::All)
                && list.rows.len() == len;
            if narrowing && !(unsorted && from_everything) {
                filter.rows(Candidates::Listed(&list.rows))
            } else if unsorted {
                filter.rows(Candidates::every(len))
            } else {
                filter.rows(Candidates::Listed(&cache.order))
            }
        };
    }
    cache.query = Some(query);
    let rows = list.rows.len();
    list.cursor.selected = list.cursor.selected.min(rows.saturating_sub(1));
}

/// Filters and sorts `list` again after the devices or its filter changed, and scrolls it
/// within a window of `height` rows. The selected device stays selected while it is listed;
/// a fuzzy pattern that changed selects its best match instead, as typing a filter does.
pub fn refresh_rows(list: &mut DeviceList, store: &DeviceStore, height: usize) {
    let selected = list.rows.get(list.cursor.selected).copied();
    let before = list.cache.query.clone();
    compute_rows(list, store);
    let query = list.cache.query.as_ref();
    let reranked = query.is_some_and(Query::ranked) && before.as_ref() != query;
    if reranked {
        list.cursor = Cursor::default();
    } else if let Some(index) = selected
        && let Some(place) = place_of(list, store, |row| row == index)
    {
        list.cursor.selected = place;
    }
    list.cursor.scroll_into_view(list.rows.len(), height);
    rank_rows_to(list, store, list.cursor.offset + height);
}

/// Where the first row `is` picks is in `list`, ranking the rows a fuzzy pattern left
/// unranked when it is among them.
pub fn place_of(
    list: &mut DeviceList,
    store: &DeviceStore,
    is: impl Fn(u32) -> bool,
) -> Option<usize> {
    let ranked = list.ranked_rows();
    let place = list.rows.iter().position(|&row| is(row))?;
    if place < ranked {
        return Some(place);
    }
    rank_rows_to(list, store, list.rows.len());
    list.rows.iter().position(|&row| is(row))
}

/// Ranks the rows a fuzzy pattern left unranked when any is among the first `end` rows (those
/// shown, or looked for).
pub fn rank_rows_to(list: &mut DeviceList, store: &DeviceStore, end: usize) {
    if end.min(list.rows.len()) <= list.ranked_rows() {
        return;
    }
    if let Some(query) = &list.cache.query {
        rank_rest(store, (&mut list.rows, &mut list.cache.scores), query);
    }
}

impl DeviceList {
    /// How many of the first rows are in their final order: all but those a fuzzy pattern
    /// left unranked.
    pub fn ranked_rows(&self) -> usize {
        match &self.cache.query {
            Some(query) if query.ranked() => self.cache.scores.len(),
            _ => self.rows.len(),
        }
    }
}

/// Adds the devices that arrived since the cache last looked to its sort keys and order.
fn order_arrivals(cache: &mut RowCache, store: &DeviceStore, (column, descending): (Column, bool)) {
    cache.keys.extend(
        store
            .all
            .iter_from(cache.seen)
            .map(|d| SortKey::of(d, column)),
    );
    let mut added: Vec<u32> = (cache.seen as u32..store.all.len() as u32).collect();
    sort_indices(&mut added, &cache.keys, descending);
    cache.order = merge(&cache.order, &added, &cache.keys, descending);
}

/// How many earlier queries' rows are kept for widening back to them.
const EARLIER_KEPT: usize = 8;

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

/// Merges two sorted index lists; on ties the earlier device (`left`'s) comes first.
///
/// A few arrivals (`right`) into a long list are each placed by a binary search and the
/// rows between them copied whole, so the keys of the long list are barely read.
fn merge(left: &[u32], right: &[u32], keys: &[SortKey], descending: bool) -> Vec<u32> {
    let mut out = Vec::with_capacity(left.len() + right.len());
    if right.len().saturating_mul(GALLOP_FROM) < left.len() {
        let mut rest = left;
        for &arrival in right {
            let before = rest
                .partition_point(|&row| compare(keys, arrival, row, descending) != Ordering::Less);
            out.extend_from_slice(&rest[..before]);
            out.push(arrival);
            rest = &rest[before..];
        }
        out.extend_from_slice(rest);
        return out;
    }
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

/// How many times longer than the arrivals a list must be for each arrival to be placed by a
/// binary search rather than the two merged side by side.
const GALLOP_FROM: usize = 32;

#[cfg(test)]
mod tests;
