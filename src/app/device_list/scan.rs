//! A plain filter over many devices: each device's platform and mask first, its text only
//! when the mask cannot decide, on every core for long lists.
//!
//! The candidates are read in the order given, without asking the processor to fetch what is
//! to come: measured at a million devices, prefetching the facts and text of the devices to
//! be read (a few ahead, or a batch at a time) made no search faster and the longest slower.

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
}

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
    pub(super) fn rows(&self, candidates: &[u32]) -> Vec<u32>
    where
        Self: Sync,
    {
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

    /// Gives `out` the candidates of `part` that pass, in order.
    fn filter_part(&self, part: &[u32], mut out: impl FnMut(u32)) {
        for &i in part {
            let passes = self
                .decided(i as usize)
                .unwrap_or_else(|| self.found_in_text(i as usize));
            if passes {
                out(i);
            }
        }
    }
}
