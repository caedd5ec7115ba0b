//! A plain filter over many devices: each device's platform and mask first, its text only
//! when the mask cannot decide, on every core for long lists.
//!
//! Candidates scattered through the list (the rows of a shorter filter, a sorted order) are
//! read with the memory of the ones to come asked for ahead: a device's facts, then the line
//! of text its search starts in. Candidates in memory order (the whole list, a page that
//! arrived) are passed over by their masks first, in one pass, and only then are the devices
//! whose masks cannot decide read, with their memory asked for a few of them ahead: asking a
//! few devices ahead (most of which the mask decides) measured no faster than not asking.

use super::OsFilter;
use super::search::Needle;
use super::store::DeviceStore;

/// Below this many candidates one core filters; above, every core takes a share.
pub(super) const PARALLEL_FROM: usize = 50_000;

/// A plain filter: a platform and a needle.
pub(super) struct PlainFilter<'a> {
    pub(super) store: &'a DeviceStore,
    pub(super) os: OsFilter,
    pub(super) needle: &'a Needle<'a>,
    /// Whether the candidates are scattered through memory, so each one's memory is asked
    /// for ahead; otherwise they are in memory order and passed over by mask first.
    pub(super) fetch_ahead: bool,
}

/// Marks a candidate whose mask cannot decide (its text must be read); indices stay below.
const UNDECIDED: u32 = 1 << 31;

/// How many candidates ahead a search asks for a device's text, and its facts (twice as far).
const FETCH_AHEAD: usize = 8;

/// Candidates whose masks are read in one pass before their text: a block whose verdicts
/// (16 KiB) stay in the processor's cache.
const MASK_BLOCK: usize = 4096;

impl PlainFilter<'_> {
    /// Whether device `index` passes, when its platform and mask alone say; `None` when its
    /// text must be read.
    fn decided(&self, index: usize) -> Option<bool> {
        if !self.store.admits(index, self.os) {
            return Some(false);
        }
        match self.store.masks.get(index) {
            Some(&mask) => self.needle.decided_by_mask(mask),
            None => Some(false),
        }
    }

    /// Whether the text of device `index` holds the needle.
    fn found_in_text(&self, index: usize) -> bool {
        let Some(mask) = self.store.masks.get(index) else {
            return false;
        };
        self.store
            .all
            .searched(index)
            .is_some_and(|text| self.needle.found_in_text(text, mask.chars))
    }

    /// The candidates that pass, in order, split across the cores for long lists.
    pub(super) fn rows(&self, candidates: &[u32]) -> Vec<u32> {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        if candidates.len() < PARALLEL_FROM || threads <= 1 {
            let mut rows = Vec::new();
            self.filter_part(candidates, |i| rows.push(i));
            return rows;
        }
        let chunk = candidates.len().div_ceil(threads);
        // Each core writes its share's rows into its own stretch of one list; the stretches
        // are then closed up, so the rows are written once and moved at most once.
        let mut rows = vec![0u32; candidates.len()];
        let kept: Vec<usize> = std::thread::scope(|scope| {
            let running: Vec<_> = candidates
                .chunks(chunk)
                .zip(rows.chunks_mut(chunk))
                .map(|(part, out)| {
                    scope.spawn(move || {
                        let mut n = 0;
                        self.filter_part(part, |i| {
                            out[n] = i;
                            n += 1;
                        });
                        n
                    })
                })
                .collect();
            running
                .into_iter()
                .map(|thread| match thread.join() {
                    Ok(n) => n,
                    Err(panic) => std::panic::resume_unwind(panic),
                })
                .collect()
        });
        let mut end = 0;
        for (share, n) in kept.into_iter().enumerate() {
            let start = share * chunk;
            rows.copy_within(start..start + n, end);
            end += n;
        }
        rows.truncate(end);
        rows
    }

    /// Asks for what a search of device `index` will read, when its mask cannot decide: its
    /// facts when `far` ahead, then (the facts come) the line of text its search starts in.
    fn fetch(&self, index: usize, far: bool) {
        let Some(&mask) = self.store.masks.get(index) else {
            return;
        };
        if self.needle.decided_by_mask(mask).is_some() {
            return;
        }
        if far {
            self.store.all.prefetch_facts(index);
        } else {
            self.fetch_text(index);
        }
    }

    /// Asks for the line of text a search of device `index` starts in (its facts come).
    fn fetch_text(&self, index: usize) {
        let Some(&mask) = self.store.masks.get(index) else {
            return;
        };
        let first_field = if self.needle.skips_ids(mask.chars) {
            2
        } else {
            0
        };
        self.store.all.prefetch_field(index, first_field);
    }

    /// Gives `out` the candidates of `part` that pass, in order.
    fn filter_part(&self, part: &[u32], mut out: impl FnMut(u32)) {
        if self.fetch_ahead || self.store.all.len() >= UNDECIDED as usize {
            return self.read_ahead(part, out);
        }
        // Candidates in memory order, a block at a time: the block's masks are read first, in
        // one pass that reads nothing else, and then the devices whose masks cannot decide are
        // read with their memory asked for ahead, a few of them at a time rather than a few
        // devices. A block's verdicts stay in the processor's cache.
        let mut left = Vec::with_capacity(MASK_BLOCK.min(part.len()));
        for block in part.chunks(MASK_BLOCK) {
            left.clear();
            let mut undecided = false;
            for &i in block {
                match self.decided(i as usize) {
                    Some(true) => left.push(i),
                    Some(false) => {}
                    None => {
                        undecided = true;
                        left.push(i | UNDECIDED);
                    }
                }
            }
            if !undecided {
                left.iter().for_each(|&i| out(i));
                continue;
            }
            for (at, &entry) in left.iter().enumerate() {
                if let Some(&far) = left.get(at + 2 * FETCH_AHEAD)
                    && far & UNDECIDED != 0
                {
                    self.store.all.prefetch_facts((far & !UNDECIDED) as usize);
                }
                if let Some(&near) = left.get(at + FETCH_AHEAD)
                    && near & UNDECIDED != 0
                {
                    self.fetch_text((near & !UNDECIDED) as usize);
                }
                let i = entry & !UNDECIDED;
                if entry & UNDECIDED == 0 || self.found_in_text(i as usize) {
                    out(i);
                }
            }
        }
    }

    /// Gives `out` the candidates of `part` that pass, in order, asking for the memory of
    /// the candidates a few places ahead.
    fn read_ahead(&self, part: &[u32], mut out: impl FnMut(u32)) {
        for (at, &i) in part.iter().enumerate() {
            if let Some(&far) = part.get(at + 2 * FETCH_AHEAD) {
                self.fetch(far as usize, true);
            }
            if let Some(&near) = part.get(at + FETCH_AHEAD) {
                self.fetch(near as usize, false);
            }
            let passes = self
                .decided(i as usize)
                .unwrap_or_else(|| self.found_in_text(i as usize));
            if passes {
                out(i);
            }
        }
    }
}
