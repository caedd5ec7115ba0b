//! Fuzzy ranking for filters that start with `~`: nucleo's matcher over each searched field
//! but the ids, each word of the pattern in the field it matches best, on every core for
//! large lists, stable on ties.

use nucleo_matcher::pattern::{AtomKind, CaseMatching, Normalization, Pattern};
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
    /// Whether every word is one character matched anywhere in a field ([`one_character`]),
    /// so the ASCII fields can be scored at once, joined by spaces.
    one_character_words: bool,
    /// The ASCII searched fields but the ids, each followed by a space, for such words.
    joined: Vec<u8>,
}

impl FuzzyScorer {
    /// A scorer for the pattern `text` (lower-case, without the `~`): words split at spaces, `!word`
    /// excludes, `^`, `$` and `'` anchor or ask for the exact text, as in nucleo.
    pub(super) fn new(text: &str) -> Self {
        let pattern = Pattern::parse(text, CaseMatching::Ignore, Normalization::Smart);
        FuzzyScorer {
            one_character_words: pattern.atoms.iter().all(one_character),
            pattern,
            matcher: Matcher::new(Config::DEFAULT),
            haystack: Haystack::default(),
            fold: text.is_ascii(),
            best: Vec::new(),
            joined: Vec::new(),
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
        self.joined.clear();
        for field in device.searched_fields().into_iter().skip(IDS) {
            if self.one_character_words && field.is_ascii() {
                // A character's score is that of its best place, which depends only on the
                // character before it; a field's start counts as after a space, so the best
                // place of ASCII fields joined by spaces is the best place of the best field.
                self.joined.extend_from_slice(field.as_bytes());
                self.joined.push(b' ');
                continue;
            }
            let haystack = self.haystack.field(field, self.fold);
            if !best_scores(atoms, haystack, &mut self.matcher, &mut self.best) {
                return None;
            }
        }
        if !self.joined.is_empty()
            && !best_scores(
                atoms,
                Utf32Str::Ascii(&self.joined),
                &mut self.matcher,
                &mut self.best,
            )
        {
            return None;
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

/// Keeps in `best` each word's best score so far with its score in `haystack`; false when
/// an excluded word matches there.
fn best_scores(
    atoms: &[nucleo_matcher::pattern::Atom],
    haystack: Utf32Str<'_>,
    matcher: &mut Matcher,
    best: &mut [Option<u16>],
) -> bool {
    for (atom, best) in atoms.iter().zip(best.iter_mut()) {
        match atom.score(haystack, matcher) {
            None if atom.negative => return false,
            Some(score) if !atom.negative => *best = (*best).max(Some(score)),
            _ => {}
        }
    }
    true
}

/// Whether `atom` is one printable ASCII character (not a space) that may match anywhere in
/// a field (not `^` or `$` anchored, not exactly the field): such a word matches the fields
/// joined by spaces where it matches one of them, with the same score.
fn one_character(atom: &nucleo_matcher::pattern::Atom) -> bool {
    let needle = atom.needle_text();
    matches!(atom.kind, AtomKind::Fuzzy | AtomKind::Substring)
        && needle.len() == 1
        && needle.get(0).is_ascii_graphic()
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
        for c in field.chars() {
            if c.is_ascii() {
                self.lower.push(c.to_ascii_lowercase());
            } else {
                self.lower.extend(c.to_lowercase());
            }
        }
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
    let scored: Vec<(u32, u32, u32)> = if threads <= 1 {
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
    best_first(scored)
}

/// Highest score a ranking puts in buckets rather than sorting.
const MOST_BUCKETED: u32 = 1 << 14;

/// `scored` (score, place, index) best first, ties by place (unique, so the order is total
/// and the same however the work was split). Scored in the list's order, as a pattern
/// ranked afresh is, they are put in buckets by score in two passes; else sorted.
pub(super) fn best_first(mut scored: Vec<(u32, u32, u32)>) -> Vec<(u32, u32, u32)> {
    let best = scored.iter().map(|&(score, _, _)| score).max().unwrap_or(0);
    if best > MOST_BUCKETED || !scored.is_sorted_by_key(|&(_, place, _)| place) {
        scored.sort_unstable_by_key(|&(score, place, _)| (std::cmp::Reverse(score), place));
        return scored;
    }
    // Where each score's bucket starts, the best score's first.
    let mut starts = vec![0usize; best as usize + 1];
    for &(score, _, _) in &scored {
        if let Some(count) = starts.get_mut((best - score) as usize) {
            *count += 1;
        }
    }
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
