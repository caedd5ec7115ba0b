//! A plain filter over many devices: each device's platform and mask first, its text only
//! when the mask cannot decide, on every core for long lists.
//!
//! Candidates in memory order (every device, a page that arrived) are looked up 64 devices
//! at a word in the masks by character, a block at a time: only the devices holding every
//! character of the needle are looked at one by one (their platform, their pairs of letters),
//! and then those whose masks cannot decide are read, with their memory asked for a few of
//! them ahead. Candidates scattered through the list (the rows of a shorter filter, a sorted
//! order) are answered by the masks by character, worked out once for every device, when the
//! mask alone decides; otherwise each one is read with the memory of the ones to come asked for ahead: a
//! device's facts, then the text its search reads.

use std::sync::{Mutex, PoisonError};

use super::OsFilter;
use super::masks::BLOCK;
use super::search::{MASK_REFUSES, Needle, TEXT_DECIDES};
use super::store::DeviceStore;

/// Below this many candidates one core filters; above, every core takes a share.
pub(super) const PARALLEL_FROM: usize = 50_000;

/// How many parts a core's share of the candidates is cut into.
const PARTS_A_CORE: usize = 8;

/// A plain filter: a platform and a needle.
pub(super) struct PlainFilter<'a> {
    store: &'a DeviceStore,
    os: OsFilter,
    needle: &'a Needle<'a>,
    /// Which devices hold every character of the needle, a bit a device (as
    /// [`Masks::holding`](super::masks::Masks::holding) says), worked out once for a needle the
    /// masks decide and candidates scattered through a long list; devices without their bit
    /// are passed over, and the others need only their platform.
    holders: Option<&'a [u64]>,
}

/// The devices a plain filter looks at, in the order its rows keep them.
#[derive(Clone, Copy, Debug)]
pub(super) enum Candidates<'a> {
    /// The devices from index `.0` up to `.1`, in memory order.
    Span(u32, u32),
    /// These devices, in this order, scattered through memory.
    Listed(&'a [u32]),
}

impl<'a> Candidates<'a> {
    /// Every device of a list of `len`, in memory order.
    pub(super) fn every(len: usize) -> Self {
        Candidates::Span(0, u32::try_from(len).unwrap_or(u32::MAX))
    }

    /// How many candidates there are.
    pub(super) fn len(&self) -> usize {
        match *self {
            Candidates::Span(from, to) => to.saturating_sub(from) as usize,
            Candidates::Listed(listed) => listed.len(),
        }
    }

    /// The candidate at `at`.
    pub(super) fn at(&self, at: usize) -> Option<u32> {
        match *self {
            Candidates::Span(from, to) => u32::try_from(at)
                .ok()
                .and_then(|at| from.checked_add(at))
                .filter(|&i| i < to),
            Candidates::Listed(listed) => listed.get(at).copied(),
        }
    }

    /// The candidates from `at` up to `until`.
    pub(super) fn part(&self, at: usize, until: usize) -> Self {
        let until = until.min(self.len());
        let at = at.min(until);
        match *self {
            // Both fit: they are at most the span's length.
            Candidates::Span(from, _) => Candidates::Span(from + at as u32, from + until as u32),
            Candidates::Listed(listed) => Candidates::Listed(&listed[at..until]),
        }
    }

    /// The candidates in shares of `chunk`, in order.
    pub(super) fn shares(self, chunk: usize) -> impl Iterator<Item = Candidates<'a>> {
        let chunk = chunk.max(1);
        (0..self.len().div_ceil(chunk))
            .map(move |share| self.part(share * chunk, (share + 1) * chunk))
    }
}

/// The bits of a word of 64 devices from its `from`th up to (not including) its `to`th.
pub(super) fn span_bits(from: u32, to: u32) -> u64 {
    let below = |n: u32| match n {
        64.. => u64::MAX,
        n => (1u64 << n) - 1,
    };
    below(to) & !below(from)
}

/// Fewest scattered candidates worth working out which devices hold a character first (and
/// never fewer than a 64th of the list, a word a block).
const HOLDERS_FROM: usize = 4_096;

/// Marks a candidate whose mask cannot decide (its text must be read); indices stay below.
const UNDECIDED: u32 = 1 << 31;

/// How many candidates ahead a search asks for a device's text, and its facts (twice as far).
pub(super) const FETCH_AHEAD: usize = 8;

/// Candidates whose masks are read in one pass before their text: a block whose verdicts
/// (16 KiB) stay in the processor's cache.
const MASK_BLOCK: usize = 4096;

impl<'a> PlainFilter<'a> {
    pub(super) fn new(store: &'a DeviceStore, os: OsFilter, needle: &'a Needle<'a>) -> Self {
        PlainFilter {
            store,
            os,
            needle,
            holders: None,
        }
    }

    /// Whether device `index` may hold the needle, by [`Self::holders`] (true without them).
    #[inline]
    fn may_hold(&self, index: u32) -> bool {
        self.holders.is_none_or(|holders| {
            holders
                .get(index as usize / BLOCK)
                .is_some_and(|word| word >> (index as usize % BLOCK) & 1 == 1)
        })
    }

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

    /// What the platform and mask of device `index` say, as a [`Needle::verdict`].
    #[inline]
    fn verdict(&self, index: usize) -> u32 {
        let admitted = self.store.admits(index, self.os);
        match self.store.masks.get(index) {
            Some(&mask) => self.needle.verdict(mask) * u32::from(admitted),
            None => MASK_REFUSES,
        }
    }

    /// Puts into `left` the candidates of `block` that pass or whose text must be read
    /// (marked [`UNDECIDED`]), in order, without branching on a device's verdict; gives how
    /// many, and whether any is undecided. `left` holds at least as many as `block`. A span
    /// is read 64 devices at a time from the masks by character, and only the devices holding
    /// the needle's characters are looked at one by one.
    fn judge(&self, block: Candidates<'_>, left: &mut [u32]) -> (usize, bool) {
        let mut kept = 0;
        let mut verdicts = 0;
        let mut keep = |i: u32, verdict: u32| {
            if let Some(slot) = left.get_mut(kept) {
                *slot = i | (verdict / TEXT_DECIDES) << 31;
            }
            kept += usize::from(verdict != MASK_REFUSES);
            verdicts |= verdict;
        };
        match block {
            Candidates::Span(from, to) => {
                let (text, ids) = self.needle.char_needs();
                let decides = self.needle.mask_decides();
                let width = BLOCK as u32;
                for word in from / width..to.div_ceil(width) {
                    let first = word * width;
                    let mut holding = self.store.masks.holding(word as usize, text, ids)
                        & span_bits(from.saturating_sub(first), to.saturating_sub(first));
                    while holding != 0 {
                        let i = first + holding.trailing_zeros();
                        holding &= holding - 1;
                        let verdict = if decides {
                            u32::from(self.store.admits(i as usize, self.os))
                        } else {
                            self.verdict(i as usize)
                        };
                        keep(i, verdict);
                    }
                }
            }
            Candidates::Listed(listed) => {
                for &i in listed {
                    // Holders are worked out only for needles the masks decide.
                    let verdict = match self.holders {
                        Some(_) if !self.may_hold(i) => MASK_REFUSES,
                        Some(_) => u32::from(self.store.admits(i as usize, self.os)),
                        None => self.verdict(i as usize),
                    };
                    keep(i, verdict);
                }
            }
        }
        (kept, verdicts & TEXT_DECIDES != 0)
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
    pub(super) fn rows(&self, candidates: Candidates<'_>) -> Vec<u32> {
        // Candidates scattered through a long list, for a needle the masks decide, are
        // answered by the masks by character, 64 devices a word, worked out once for every
        // device. (For other needles most candidates hold its characters, and working them
        // out measured slower than reading each candidate's mask.)
        let blocks = self.store.masks.len().div_ceil(BLOCK);
        if matches!(candidates, Candidates::Listed(_))
            && self.needle.mask_decides()
            && self.holders.is_none()
            && candidates.len() >= HOLDERS_FROM.max(blocks)
        {
            let (text, ids) = self.needle.char_needs();
            let holders: Vec<u64> = (0..blocks)
                .map(|block| self.store.masks.holding(block, text, ids))
                .collect();
            let filter = PlainFilter {
                holders: Some(&holders),
                ..*self
            };
            return filter.rows(candidates);
        }
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        if candidates.len() < PARALLEL_FROM || threads <= 1 {
            let mut rows = Vec::new();
            self.filter_part(candidates, |i| rows.push(i));
            return rows;
        }
        // The candidates are cut into a few parts a core, which the cores take in turn as
        // each finishes one: a core slowed by another process leaves its next parts to the
        // others, rather than holding up the keystroke with half the list. Each part's rows
        // are written into its own stretch of one list; the stretches are then closed up, so
        // the rows are written once and moved at most once.
        let chunk = candidates.len().div_ceil(threads * PARTS_A_CORE);
        let mut rows = vec![0u32; candidates.len()];
        let mut kept = vec![0usize; candidates.len().div_ceil(chunk)];
        let parts = Mutex::new(
            candidates
                .shares(chunk)
                .zip(rows.chunks_mut(chunk))
                .zip(kept.iter_mut()),
        );
        std::thread::scope(|scope| {
            for _ in 0..threads {
                scope.spawn(|| {
                    loop {
                        let next = parts.lock().unwrap_or_else(PoisonError::into_inner).next();
                        let Some(((part, out), kept)) = next else {
                            return;
                        };
                        let mut n = 0;
                        self.filter_part(part, |i| {
                            out[n] = i;
                            n += 1;
                        });
                        *kept = n;
                    }
                });
            }
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
    /// facts when `far` ahead, then (the facts come) the text its search reads.
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

    /// Asks for the text a search of device `index` reads, every line of it from the field
    /// the search starts in (its facts come): a device that does not hold the needle is
    /// read to the end of its fields, and waiting on its lines one after another costs more
    /// than fetching the line a match did not need.
    fn fetch_text(&self, index: usize) {
        let Some(&mask) = self.store.masks.get(index) else {
            return;
        };
        let first_field = if self.needle.skips_ids(mask.chars) {
            2
        } else {
            0
        };
        self.store.all.prefetch_fields_from(index, first_field);
    }

    /// Gives `out` the candidates of `part` that pass, in order.
    fn filter_part(&self, part: Candidates<'_>, mut out: impl FnMut(u32)) {
        let scattered = matches!(part, Candidates::Listed(_)) && !self.needle.mask_decides();
        if scattered || self.store.all.len() >= UNDECIDED as usize {
            return self.read_ahead(part, out);
        }
        // A block at a time: the block's masks are read first, in one pass that reads nothing
        // else, and then the devices whose masks cannot decide are read with their memory
        // asked for ahead, a few of them at a time rather than a few devices. A block's
        // verdicts stay in the processor's cache.
        let mut left = vec![0u32; MASK_BLOCK.min(part.len())];
        for block in part.shares(MASK_BLOCK) {
            let (kept, undecided) = self.judge(block, &mut left);
            let left = &left[..kept];
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
    fn read_ahead(&self, part: Candidates<'_>, mut out: impl FnMut(u32)) {
        for at in 0..part.len() {
            let Some(i) = part.at(at) else { break };
            if let Some(far) = part.at(at + 2 * FETCH_AHEAD) {
                self.fetch(far as usize, true);
            }
            if let Some(near) = part.at(at + FETCH_AHEAD) {
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
