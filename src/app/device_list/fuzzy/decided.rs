//! What a fuzzy ranking does with each candidate, decided from what the store keeps of it
//! (platform, word starts, mask) before its text is read; and the text of those it must read,
//! scored with their memory asked for ahead.

use super::super::masks::{BLOCK, each_bit};
use super::super::scan::{Candidates, FETCH_AHEAD, span_bits};
use super::super::search::FuzzyPrefilter;
use super::super::{DeviceStore, OsFilter, Query};
use super::{FuzzyScorer, IDS};
use crate::domain::DeviceTable;

/// What a fuzzy ranking does with a candidate, decided without reading its text.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Verdict {
    /// It cannot match (another platform, or characters its fields lack).
    Out,
    /// Its score is known (each word starts a word of its fields).
    Known(u32),
    /// It matches, by its mask, with a score lower than [`Verdict::Known`]'s.
    Held,
    /// Its text is scored.
    Read,
}

/// Decides candidates' verdicts for one pattern.
pub(super) struct Verdicts<'s> {
    store: &'s DeviceStore,
    pub(super) os: OsFilter,
    prefilter: FuzzyPrefilter,
    /// The characters whose word starts give a device its score, and that score.
    at_word_starts: Option<(Vec<usize>, u32)>,
    /// Whether a device the mask says matches is [`Verdict::Held`] rather than read.
    held: bool,
}

impl<'s> Verdicts<'s> {
    /// Verdicts for `scorer`'s pattern; `held` gives the devices the mask says match (with
    /// words of one letter or digit) [`Verdict::Held`].
    pub(super) fn new(
        store: &'s DeviceStore,
        query: &Query,
        scorer: &FuzzyScorer,
        held: bool,
    ) -> Self {
        let at_word_starts = scorer.at_word_starts();
        Verdicts {
            store,
            os: query.os,
            prefilter: FuzzyPrefilter::new(&query.needle),
            held: held && at_word_starts.is_some(),
            at_word_starts,
        }
    }

    fn of(&self, index: usize) -> Verdict {
        if !self.store.admits(index, self.os) {
            return Verdict::Out;
        }
        if let Some((bits, score)) = &self.at_word_starts
            && bits
                .iter()
                .all(|&bit| self.store.word_starts.starts(index, bit))
        {
            return Verdict::Known(*score);
        }
        match self.store.masks.get(index) {
            Some(mask) if self.held && self.prefilter.surely_held(mask.chars) => Verdict::Held,
            Some(mask) if self.prefilter.admits(mask.chars) => Verdict::Read,
            _ => Verdict::Out,
        }
    }
}

/// Candidates decided in one pass before the text of those to be read is scored: a block
/// whose verdicts (48 KiB) stay in the processor's cache.
const DECIDED_BLOCK: usize = 4096;

/// What became of a candidate.
#[derive(Clone, Copy)]
pub(super) enum Decided {
    /// It cannot match.
    Out,
    /// Its score is known without its text.
    Known(u32),
    /// It matches, by its mask, with a score lower than a known one.
    Held,
    /// Its text was scored: its score, or `None` when it does not match.
    Scored(Option<u32>),
}

/// Calls `each` with every candidate of `part`, in order, and what became of it; the text of
/// those whose verdict asks for it is scored by `score`. Verdicts are decided a block at a
/// time, then the candidates to be read are scored one after another, each one's memory
/// asked for some reads ahead (its facts, then its text): however few are read, their reads
/// overlap.
pub(super) fn each_decided(
    part: Candidates<'_>,
    verdicts: &Verdicts<'_>,
    mut score: impl FnMut(u32) -> Option<u32>,
    mut each: impl FnMut(u32, Decided),
) {
    let all = &verdicts.store.all;
    let mut decided: Vec<(u32, Verdict)> = Vec::with_capacity(DECIDED_BLOCK.min(part.len()));
    let mut read: Vec<u32> = Vec::new();
    let mut scores: Vec<Option<u32>> = Vec::new();
    for block in part.shares(DECIDED_BLOCK) {
        decided.clear();
        read.clear();
        for at in 0..block.len() {
            if let Some(i) = block.at(at) {
                let verdict = verdicts.of(i as usize);
                if verdict == Verdict::Read {
                    read.push(i);
                }
                decided.push((i, verdict));
            }
        }
        score_each(all, &read, &mut score, &mut scores);
        let mut scored = scores.iter();
        for &(i, verdict) in &decided {
            let became = match verdict {
                Verdict::Out => Decided::Out,
                Verdict::Known(known) => Decided::Known(known),
                Verdict::Held => Decided::Held,
                Verdict::Read => Decided::Scored(scored.next().copied().flatten()),
            };
            each(i, became);
        }
    }
}

/// `read`'s scores by `score`, in order, into `scores`: each device's memory is asked for
/// some reads ahead (its facts, then its text), so the reads overlap.
fn score_each(
    all: &DeviceTable,
    read: &[u32],
    score: &mut impl FnMut(u32) -> Option<u32>,
    scores: &mut Vec<Option<u32>>,
) {
    scores.clear();
    for (at, &i) in read.iter().enumerate() {
        if let Some(&far) = read.get(at + 2 * FETCH_AHEAD) {
            all.prefetch_facts(far as usize);
        }
        if let Some(&near) = read.get(at + FETCH_AHEAD) {
            all.prefetch_fields_from(near as usize, IDS);
        }
        scores.push(score(i));
    }
}

/// Blocks of 64 devices decided before the text of those to be read is scored.
const DECIDED_RUN: usize = 64;

/// [`super::best_ranked_on`]'s work on the devices `from` up to `to` of a list in the store's order,
/// every platform admitted: decided 64 devices at a time from the bits the store keeps by
/// character (word starts, then masks), so that only the devices whose text is read are
/// looked at one by one. The best matches are added to `top`, the others to `rest`.
pub(super) fn best_in_blocks(
    (from, to): (u32, u32),
    verdicts: &Verdicts<'_>,
    best: u32,
    mut score: impl FnMut(u32) -> Option<u32>,
    (top, rest): (&mut Vec<u32>, &mut Vec<u32>),
) {
    let store = verdicts.store;
    let Some((words, _)) = &verdicts.at_word_starts else {
        return;
    };
    let (first, end) = (from as usize / BLOCK, (to as usize).div_ceil(BLOCK));
    // Each block's devices known to be best, held, and to be read.
    let mut marked: Vec<(u64, u64, u64)> = Vec::with_capacity(DECIDED_RUN);
    let (mut read, mut scores) = (Vec::new(), Vec::new());
    for run in (first..end).step_by(DECIDED_RUN) {
        marked.clear();
        read.clear();
        for block in run..(run + DECIDED_RUN).min(end) {
            // A block starts below `to`, which fits in 32 bits.
            let base = (block * BLOCK) as u32;
            let in_span = span_bits(from.saturating_sub(base), to - base);
            let known = store.word_starts.holding(block, words) & in_span;
            let (held, admitted) = verdicts
                .prefilter
                .held_and_admitted(|chars| store.masks.holding(block, Some(chars), None));
            let held = held & in_span & !known;
            let to_read = admitted & in_span & !known & !held;
            each_bit(to_read, |k| read.push(base + k as u32));
            marked.push((known, held, to_read));
        }
        score_each(&store.all, &read, &mut score, &mut scores);
        let mut scored = scores.iter();
        for (block, &(known, held, to_read)) in (run..).zip(&marked) {
            let (mut best_read, mut other_read) = (0u64, 0u64);
            each_bit(to_read, |k| match scored.next().copied().flatten() {
                Some(score) if score >= best => best_read |= 1 << k,
                Some(_) => other_read |= 1 << k,
                None => {}
            });
            let base = (block * BLOCK) as u32;
            each_bit(known | best_read, |k| top.push(base + k as u32));
            each_bit(held | other_read, |k| rest.push(base + k as u32));
        }
    }
}
