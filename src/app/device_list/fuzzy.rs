//! Fuzzy ranking for filters that start with `~`: nucleo's matcher over each searched field
//! but the ids, each word of the pattern in the field it matches best, on every core for
//! large lists, stable on ties.

use nucleo_matcher::pattern::{AtomKind, CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher};

use super::haystack::Haystack;
use super::one_character::OneCharacter;
use super::search::FuzzyPrefilter;
use super::{DeviceStore, Query};
use crate::domain::{DeviceRef, DeviceTable, SEARCHED_FIELDS, Searched};

/// The searched fields fuzzy matching passes over: the Intune and Entra device ids, whose
/// hex digits match almost any pattern.
const IDS: usize = 2;

/// Fewest candidates worth a thread of their own when ranking fuzzily.
const FUZZY_CHUNK: usize = 16_384;

/// Fuzzy matches of `query` among `candidates`, best first, with their scores; ties keep
/// the list's order (`order`, or the store's order when unsorted). Large lists are scored on
/// every core.
pub(super) fn fuzzy_rank(
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
pub(super) fn fuzzy_rank_into(
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

/// A fuzzy pattern and the room to score devices against it (one per thread).
pub(super) struct FuzzyScorer {
    pattern: Pattern,
    matcher: Matcher,
    haystack: Haystack,
    /// Whether the pattern is ASCII, so accented letters of the text match as their base.
    fold: bool,
    /// Each word's best score so far in the device being scored.
    best: Vec<Option<u16>>,
    /// Each word's scorer when every word is one character matched anywhere in a field
    /// ([`one_character`]): the fields are then scored without the matcher.
    one_character_words: Option<Vec<OneCharacter>>,
}

impl FuzzyScorer {
    /// A scorer for the pattern `text` (lower-case, without the `~`): words split at spaces, `!word`
    /// excludes, `^`, `$` and `'` anchor or ask for the exact text, as in nucleo.
    pub(super) fn new(text: &str) -> Self {
        let pattern = Pattern::parse(text, CaseMatching::Ignore, Normalization::Smart);
        FuzzyScorer {
            one_character_words: pattern.atoms.iter().map(one_character).collect(),
            pattern,
            matcher: Matcher::new(Config::DEFAULT),
            haystack: Haystack::default(),
            fold: text.is_ascii(),
            best: Vec::new(),
        }
    }

    /// `device`'s score: each word of the pattern scored in the field where it scores best,
    /// summed; `None` when a word matches in no field, or an excluded word in any. A word
    /// never matches across fields, so "dsk" does not match a `d` in the name, an `s` in
    /// the user and a `k` in the model.
    #[cfg(test)]
    pub(super) fn score(&mut self, device: DeviceRef<'_>) -> Option<u32> {
        self.score_reading(|| Some(device.searched()), || Some(device))
    }

    /// The score of device `index` of `table`, as [`Self::score`] gives it. Words of one
    /// character read only the bytes of the fields they score.
    pub(super) fn score_in(&mut self, table: &DeviceTable, index: usize) -> Option<u32> {
        self.score_reading(|| table.searched(index), || table.get(index))
    }

    /// The score of a device whose searched fields `searched` reads (for words of one
    /// character) and which `device` reads whole (for any other pattern).
    fn score_reading<'d>(
        &mut self,
        searched: impl FnOnce() -> Option<Searched<'d>>,
        device: impl FnOnce() -> Option<DeviceRef<'d>>,
    ) -> Option<u32> {
        let atoms = &self.pattern.atoms;
        if atoms.is_empty() {
            return Some(0);
        }
        self.best.clear();
        self.best.resize(atoms.len(), None);
        if let Some(words) = &self.one_character_words {
            let (haystack, best) = (&mut self.haystack, &mut self.best);
            if !one_character_scores(atoms, words, searched()?, haystack, self.fold, best) {
                return None;
            }
        } else {
            for field in device()?.searched_fields().into_iter().skip(IDS) {
                let haystack = self.haystack.field(field, self.fold);
                let matcher = &mut self.matcher;
                // An excluded word's score is `None` where it matches: turned back into its
                // match, as the one-character scorers give it.
                let scores = atoms
                    .iter()
                    .map(|atom| match atom.score(haystack, matcher) {
                        score if !atom.negative => score,
                        None => Some(0),
                        Some(_) => None,
                    });
                if !keep_best(atoms, scores, &mut self.best) {
                    return None;
                }
            }
        }
        atoms
            .iter()
            .zip(&self.best)
            .try_fold(0u32, |sum, (atom, best)| {
                if atom.negative {
                    Some(sum)
                } else {
                    best.map(|score| sum + u32::from(score))
                }
            })
    }
}

/// Keeps in `best` each one-character word's best score in the searched fields `searched`,
/// scored by `words`; false when an excluded word matches. A field that must be read whole
/// is read by `haystack`.
fn one_character_scores(
    atoms: &[nucleo_matcher::pattern::Atom],
    words: &[OneCharacter],
    searched: Searched<'_>,
    haystack: &mut Haystack,
    fold: bool,
    best: &mut [Option<u16>],
) -> bool {
    let (text, ends) = (searched.bytes, searched.ends);
    let from = usize::from(ends[IDS - 1]);
    let fields = text.get(from..).unwrap_or_default();
    // The fields but the ids, one after another: scored in one pass each word.
    let starts: [usize; SEARCHED_FIELDS - IDS] =
        std::array::from_fn(|k| usize::from(ends[IDS - 1 + k]) - from);
    let mut whole = false;
    let scores = words.iter().map(|word| {
        word.in_fields(fields, &starts).unwrap_or_else(|| {
            whole = true;
            None
        })
    });
    if !keep_best(atoms, scores, best) {
        return false;
    }
    if !whole {
        return true;
    }
    best.fill(None);
    // Fields beyond ASCII are read one by one.
    for field in searched.fields().skip(IDS) {
        if field.is_ascii() {
            let scores = words.iter().map(|word| word.in_ascii(field));
            if !keep_best(atoms, scores, best) {
                return false;
            }
            continue;
        }
        // Each field is whole characters of the device's text.
        let field = std::str::from_utf8(field).unwrap_or_default();
        // Read one character at a time; a field that must be read whole (the same
        // for every word) is scored on its text as nucleo reads it.
        let mut whole = false;
        let scores = words.iter().map(|word| {
            word.in_field(field).unwrap_or_else(|| {
                whole = true;
                None
            })
        });
        let mut kept = keep_best(atoms, scores, best);
        if whole {
            let haystack = haystack.field(field, fold);
            let scores = words.iter().map(|word| word.score(haystack));
            kept = keep_best(atoms, scores, best);
        }
        if !kept {
            return false;
        }
    }
    true
}

/// Keeps in `best` each word's best score so far with its score in a field, `scores`; false
/// when an excluded word matches there.
fn keep_best(
    atoms: &[nucleo_matcher::pattern::Atom],
    scores: impl Iterator<Item = Option<u16>>,
    best: &mut [Option<u16>],
) -> bool {
    for ((atom, best), score) in atoms.iter().zip(best.iter_mut()).zip(scores) {
        match score {
            Some(_) if atom.negative => return false,
            Some(score) => *best = (*best).max(Some(score)),
            None => {}
        }
    }
    true
}

/// The scorer of `atom` when it is one printable ASCII character (not a space) that may
/// match anywhere in a field (not `^` or `$` anchored, not exactly the field).
fn one_character(atom: &nucleo_matcher::pattern::Atom) -> Option<OneCharacter> {
    let needle = atom.needle_text();
    if !matches!(atom.kind, AtomKind::Fuzzy | AtomKind::Substring) || needle.len() != 1 {
        return None;
    }
    u8::try_from(needle.get(0)).ok().and_then(OneCharacter::new)
}

/// The fuzzy matches among `candidates` as (score, place, index), best first, scored on
/// `threads` threads.
pub(super) fn fuzzy_scored_on(
    store: &DeviceStore,
    candidates: Vec<u32>,
    position: Option<&[u32]>,
    query: &Query,
    threads: usize,
) -> Vec<(u32, u32, u32)> {
    let prefilter = FuzzyPrefilter::new(&query.needle);
    let score_chunk = |chunk: &[u32]| -> Vec<(u32, u32, u32)> {
        let mut scorer = FuzzyScorer::new(&query.needle);
        // Room for every candidate: most match a pattern typed afresh, and growing the
        // list would copy it again and again.
        let mut scored = Vec::with_capacity(chunk.len());
        scored.extend(
            chunk
                .iter()
                .copied()
                .filter(|&i| {
                    store.admits(i as usize, query.os)
                        && store
                            .masks
                            .get(i as usize)
                            .is_some_and(|mask| prefilter.admits(mask.chars))
                })
                .filter_map(|i| {
                    let score = scorer.score_in(&store.all, i as usize)?;
                    let place = position.map_or(i, |p| p[i as usize]);
                    Some((score, place, i))
                }),
        );
        scored
    };
    let scored: Vec<(u32, u32, u32)> = if threads <= 1 {
        score_chunk(&candidates)
    } else {
        let chunk = candidates.len().div_ceil(threads);
        std::thread::scope(|scope| {
            let running: Vec<_> = candidates
                .chunks(chunk)
                .map(|part| scope.spawn(|| score_chunk(part)))
                .collect();
            let parts: Vec<Vec<(u32, u32, u32)>> = running
                .into_iter()
                .map(|thread| match thread.join() {
                    Ok(scored) => scored,
                    Err(panic) => std::panic::resume_unwind(panic),
                })
                .collect();
            parts.concat()
        })
    };
    best_first(scored)
}

/// Highest score a ranking puts in buckets rather than sorting.
const MOST_BUCKETED: u32 = 1 << 14;

/// `scored` (score, place, index) best first, ties by place (unique, so the order is total
/// and the same however the work was split). Scored in the list's order, as a pattern
/// ranked afresh is, they are put in buckets by score in two passes; else sorted.
pub(super) fn best_first(mut scored: Vec<(u32, u32, u32)>) -> Vec<(u32, u32, u32)> {
    // How many have each score, and whether they are in the list's order, in one pass.
    let mut counts: Vec<usize> = Vec::new();
    let mut in_order = true;
    let mut last_place = None;
    for &(score, place, _) in &scored {
        if score > MOST_BUCKETED || last_place >= Some(place) {
            in_order = false;
            break;
        }
        last_place = Some(place);
        let score = score as usize;
        if counts.len() <= score {
            counts.resize(score + 1, 0);
        }
        counts[score] += 1;
    }
    if !in_order {
        scored.sort_unstable_by_key(|&(score, place, _)| (std::cmp::Reverse(score), place));
        return scored;
    }
    let best = counts.len().saturating_sub(1) as u32;
    // Where each score's bucket starts, the best score's first.
    let mut starts: Vec<usize> = counts.into_iter().rev().collect();
    let mut start = 0;
    for bucket in &mut starts {
        let count = *bucket;
        *bucket = start;
        start += count;
    }
    let mut ranked = vec![(0, 0, 0); scored.len()];
    for entry in scored {
        if let Some(next) = starts.get_mut((best - entry.0) as usize)
            && let Some(slot) = ranked.get_mut(*next)
        {
            *slot = entry;
            *next += 1;
        }
    }
    ranked
}
