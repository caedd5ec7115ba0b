//! Fuzzy ranking for filters that start with `~`: nucleo's matcher over each searched field
//! but the ids, each word of the pattern in the field it matches best, on every core for
//! large lists, stable on ties.

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

use super::search::FuzzyPrefilter;
use super::{DeviceStore, Query};
use crate::domain::DeviceRef;

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
}

impl FuzzyScorer {
    /// A scorer for `pattern` (lower-case, without the `~`): words split at spaces, `!word`
    /// excludes, `^`, `$` and `'` anchor or ask for the exact text, as in nucleo.
    pub(super) fn new(pattern: &str) -> Self {
        FuzzyScorer {
            pattern: Pattern::parse(pattern, CaseMatching::Ignore, Normalization::Smart),
            matcher: Matcher::new(Config::DEFAULT),
            haystack: Haystack::default(),
            fold: pattern.is_ascii(),
            best: Vec::new(),
        }
    }

    /// `device`'s score: each word of the pattern scored in the field where it scores best,
    /// summed; `None` when a word matches in no field, or an excluded word in any. A word
    /// never matches across fields, so "dsk" does not match a `d` in the name, an `s` in
    /// the user and a `k` in the model.
    pub(super) fn score(&mut self, device: DeviceRef<'_>) -> Option<u32> {
        let atoms = &self.pattern.atoms;
        if atoms.is_empty() {
            return Some(0);
        }
        self.best.clear();
        self.best.resize(atoms.len(), None);
        for field in device.searched_fields().into_iter().skip(IDS) {
            let haystack = self.haystack.field(field, self.fold);
            for (atom, best) in atoms.iter().zip(self.best.iter_mut()) {
                match atom.score(haystack, &mut self.matcher) {
                    None if atom.negative => return None,
                    Some(score) if !atom.negative => *best = (*best).max(Some(score)),
                    _ => {}
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

/// Room for a field as nucleo matches it, reused from field to field.
#[derive(Default)]
pub(super) struct Haystack {
    lower: String,
    chars: Vec<char>,
    ascii: Vec<u8>,
}

impl Haystack {
    /// `field` as nucleo matches it: ASCII as it is (nucleo ignores its case itself), other
    /// text lower-cased and given to [`Haystack::of`].
    fn field<'a>(&'a mut self, field: &'a str, fold: bool) -> Utf32Str<'a> {
        if field.is_ascii() {
            return Utf32Str::Ascii(field.as_bytes());
        }
        self.lower.clear();
        self.lower
            .extend(field.chars().flat_map(char::to_lowercase));
        haystack_of(&self.lower, &mut self.chars, &mut self.ascii, fold)
    }

    /// `text` (lower-case) as nucleo matches it: a character a grapheme (the first of each),
    /// as `Utf32Str::new` makes it, without looking for graphemes in text whose characters
    /// are each one ([`is_grapheme_alone`]). With `fold` (the pattern is ASCII, so nucleo
    /// matches each character of the text by its base letter), letters like `é` are given as
    /// their base letter, so the text is matched on nucleo's ASCII path: the same score,
    /// several times faster.
    #[cfg(test)]
    pub(super) fn of<'a>(&'a mut self, text: &'a str, fold: bool) -> Utf32Str<'a> {
        haystack_of(text, &mut self.chars, &mut self.ascii, fold)
    }
}

/// See [`Haystack::of`]; `chars` and `ascii` are the room it may use.
fn haystack_of<'a>(
    text: &'a str,
    chars: &'a mut Vec<char>,
    ascii: &'a mut Vec<u8>,
    fold: bool,
) -> Utf32Str<'a> {
    if text.is_ascii() || !text.chars().all(is_grapheme_alone) {
        return Utf32Str::new(text, chars);
    }
    if fold {
        ascii.clear();
        let folded = text.chars().all(|c| match ascii_base(c) {
            Some(b) => {
                ascii.push(b);
                true
            }
            None => false,
        });
        if folded {
            return Utf32Str::Ascii(ascii);
        }
    }
    chars.clear();
    chars.extend(text.chars());
    Utf32Str::Unicode(chars)
}

/// Whether `c` is a grapheme by itself whatever is beside it: below the combining
/// diacritical marks (U+0300) but a carriage return, or the general punctuation that joins
/// nothing (dashes, quotes, `…`; not the zero-width joiners, separators and controls).
fn is_grapheme_alone(c: char) -> bool {
    matches!(c, '\0'..='\u{2ff}' | '\u{2010}'..='\u{2027}' | '\u{2030}'..='\u{205e}') && c != '\r'
}

/// The ASCII byte nucleo matches `c` (lower-case) as, when it matches it as one of the same
/// kind: an ASCII character, or a lower-case letter whose base letter is ASCII.
fn ascii_base(c: char) -> Option<u8> {
    if c.is_ascii() {
        return u8::try_from(c).ok();
    }
    let base = nucleo_matcher::chars::normalize(c);
    (base.is_ascii_lowercase() && c.is_lowercase()).then_some(base as u8)
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
                let score = scorer.score(store.all.get(i as usize)?)?;
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
