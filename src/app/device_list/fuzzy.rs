//! Fuzzy ranking for filters that start with `~`: nucleo's matcher over each searched field
//! but the ids, each word of the pattern in the field it matches best, on every core for
//! large lists, stable on ties. A word is given to the matcher only in the fields where its
//! characters come in order ([`sieve`]).

use nucleo_matcher::pattern::{AtomKind, CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

use super::haystack::Haystack;
use super::one_character::OneCharacter;
use super::scan::Candidates;
use super::word_starts::character_bit;
use decided::{Decided, Verdicts, best_in_blocks, each_decided};
#[cfg(test)]
pub(super) use ranked::best_first;
use ranked::{Ranked, merged};
use sieve::{Marks, Sieve};

mod decided;
mod ranked;
mod sieve;
use super::{DeviceStore, OsFilter, Query};
#[cfg(test)]
use crate::domain::DeviceRef;
use crate::domain::{DeviceTable, SEARCHED_FIELDS, Searched};

/// The searched fields fuzzy matching passes over: the Intune and Entra device ids, whose
/// hex digits match almost any pattern.
const IDS: usize = 2;

/// Fewest candidates worth a thread of their own when ranking fuzzily.
const FUZZY_CHUNK: usize = 16_384;

/// Fuzzy matches of `query`, best first, with their scores; ties keep the list's order
/// (`order`, or the store's order when unsorted). `narrowed` holds the rows of a pattern
/// this one narrows, in any order: only they are scored; otherwise every device is. Devices
/// are scored in the list's order (so rows are ranked in one pass) on every core.
///
/// A pattern of one-letter or one-digit words ranks only its best matches, those scoring
/// the most there can be, mostly known without reading their text: the scores are theirs,
/// and the rows after them are the other matches in the list's order, ranked by
/// [`rank_rest`] when they are shown.
pub(super) fn fuzzy_rank(
    store: &DeviceStore,
    narrowed: Option<Vec<u32>>,
    order: &[u32],
    query: &Query,
) -> (Vec<u32>, Vec<u32>) {
    let listed;
    let candidates = match narrowed {
        None if order.is_empty() => Candidates::every(store.all.len()),
        None => Candidates::Listed(order),
        Some(rows) => {
            listed = in_list_order(&rows, order, store.all.len());
            Candidates::Listed(&listed)
        }
    };
    let threads = threads_for(candidates.len());
    best_ranked_on(store, candidates, query, threads)
        .unwrap_or_else(|| fuzzy_ranked_on(store, candidates, query, threads))
}

/// Ranks the rows [`fuzzy_rank`] left after its best ones (those past `scores`, in the
/// list's order), so that every row has its score.
pub(super) fn rank_rest(
    store: &DeviceStore,
    (rows, scores): (&mut Vec<u32>, &mut Vec<u32>),
    query: &Query,
) {
    if scores.len() >= rows.len() {
        return;
    }
    let rest = rows.split_off(scores.len());
    let (ranked, ranked_scores) = fuzzy_ranked_on(
        store,
        Candidates::Listed(&rest),
        query,
        threads_for(rest.len()),
    );
    rows.extend(ranked);
    scores.extend(ranked_scores);
}

/// How many threads rank `candidates` devices.
fn threads_for(candidates: usize) -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(candidates.div_ceil(FUZZY_CHUNK))
}

/// `rows`, devices of a list of `len`, in the list's order (`order`, or the store's order
/// when it is empty): marked a bit a device, then read back in that order, so the devices
/// are read in memory order and come out ready to rank in one pass.
fn in_list_order(rows: &[u32], order: &[u32], len: usize) -> Vec<u32> {
    let mut marked = vec![0u64; len.div_ceil(64)];
    for &i in rows {
        if let Some(word) = marked.get_mut(i as usize / 64) {
            *word |= 1 << (i % 64);
        }
    }
    let is_marked = |i: u32| {
        marked
            .get(i as usize / 64)
            .is_some_and(|word| word >> (i % 64) & 1 == 1)
    };
    if !order.is_empty() {
        return order.iter().copied().filter(|&i| is_marked(i)).collect();
    }
    let mut listed = Vec::with_capacity(rows.len());
    for (w, &word) in marked.iter().enumerate() {
        let mut bits = word;
        while bits != 0 {
            listed.push((w * 64) as u32 + bits.trailing_zeros());
            bits &= bits - 1;
        }
    }
    listed
}

/// Ranks `fresh` devices into rows already ranked for the same query, with the scores of
/// those ranked (a first character's leaves the others unranked, see [`fuzzy_rank`]): the
/// result is what ranking all of them from scratch gives, for the work of the fresh ones.
pub(super) fn fuzzy_rank_into(
    store: &DeviceStore,
    (mut rows, mut scores): (Vec<u32>, Vec<u32>),
    mut fresh: Vec<u32>,
    order: &[u32],
    query: &Query,
) -> (Vec<u32>, Vec<u32>) {
    let position = positions(store, order);
    let place = |i: u32| position.as_ref().map_or(i, |p| p[i as usize]);
    fresh.sort_unstable_by_key(|&i| place(i));
    if scores.len() < rows.len() {
        if let Some(new) = best_ranked_on(store, Candidates::Listed(&fresh), query, 1) {
            return best_merged((rows, scores), new, &place);
        }
        // Not such a pattern: the rows are ranked whole, then the fresh ones into them.
        rank_rest(store, (&mut rows, &mut scores), query);
    }
    let (new_rows, new_scores) = fuzzy_ranked_on(store, Candidates::Listed(&fresh), query, 1);
    // The old rows keep their relative order (a merge of the sort order never reorders
    // them), so both sides are ranked by (score, place) and merge in one pass.
    let mut old = rows.into_iter().zip(scores).peekable();
    let mut new = new_rows.into_iter().zip(new_scores).peekable();
    let (mut ranked, mut ranked_scores) = (Vec::new(), Vec::new());
    loop {
        let take_old = match (old.peek(), new.peek()) {
            (Some(&(i, s)), Some(&(j, t))) => {
                (std::cmp::Reverse(s), place(i)) < (std::cmp::Reverse(t), place(j))
            }
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => break,
        };
        let next = if take_old { old.next() } else { new.next() };
        let (i, s) = next.unwrap_or_default();
        ranked.push(i);
        ranked_scores.push(s);
    }
    (ranked, ranked_scores)
}

/// Two rankings of a first character's (best matches with their scores, then the others),
/// of devices in the list's order by `place`, as one.
fn best_merged(
    (rows, scores): (Vec<u32>, Vec<u32>),
    (new_rows, new_scores): (Vec<u32>, Vec<u32>),
    place: &impl Fn(u32) -> u32,
) -> (Vec<u32>, Vec<u32>) {
    let best = scores
        .first()
        .or(new_scores.first())
        .copied()
        .unwrap_or_default();
    // Both sides' best matches, and both sides' others, are each in the list's order.
    let (old_top, old_rest) = rows.split_at(scores.len().min(rows.len()));
    let (new_top, new_rest) = new_rows.split_at(new_scores.len().min(new_rows.len()));
    let mut merged = Vec::with_capacity(rows.len() + new_rows.len());
    merge_by_place(old_top, new_top, place, &mut merged);
    let tops = merged.len();
    merge_by_place(old_rest, new_rest, place, &mut merged);
    (merged, vec![best; tops])
}

/// `old` and `new` (each in the list's order) added to `out` in the list's order.
fn merge_by_place(old: &[u32], new: &[u32], place: &impl Fn(u32) -> u32, out: &mut Vec<u32>) {
    let (mut old, mut new) = (old.iter().peekable(), new.iter().peekable());
    while let (Some(&&i), Some(&&j)) = (old.peek(), new.peek()) {
        if place(i) < place(j) {
            out.push(i);
            old.next();
        } else {
            out.push(j);
            new.next();
        }
    }
    out.extend(old);
    out.extend(new);
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
    /// Which fields may hold each word, when every word is ASCII: the matcher is given only
    /// those.
    sieve: Option<Sieve>,
    /// Where the device being scored holds the sieve's characters.
    marks: Marks,
}

impl FuzzyScorer {
    /// A scorer for the pattern `text` (lower-case, without the `~`): words split at spaces, `!word`
    /// excludes, `^`, `$` and `'` anchor or ask for the exact text, as in nucleo.
    pub(super) fn new(text: &str) -> Self {
        let pattern = Pattern::parse(text, CaseMatching::Ignore, Normalization::Smart);
        FuzzyScorer {
            one_character_words: pattern.atoms.iter().map(one_character).collect(),
            sieve: Sieve::new(&pattern.atoms),
            marks: Marks::default(),
            pattern,
            matcher: Matcher::new(Config::DEFAULT),
            haystack: Haystack::default(),
            fold: text.is_ascii(),
            best: Vec::new(),
        }
    }

    /// What every device where each word of the pattern starts a word scores, and those
    /// words' characters (bits by [`character_bit`]): when the pattern is words of one letter or
    /// digit, none excluded, such a device's score is known without reading its text.
    fn at_word_starts(&self) -> Option<(Vec<usize>, u32)> {
        let words = self.one_character_words.as_ref()?;
        if words.is_empty() || self.pattern.atoms.iter().any(|atom| atom.negative) {
            return None;
        }
        let bits = words
            .iter()
            .map(|word| character_bit(word.character()))
            .collect::<Option<Vec<usize>>>()?;
        let score = words.iter().map(|word| u32::from(word.highest())).sum();
        Some((bits, score))
    }

    /// `device`'s score: each word of the pattern scored in the field where it scores best,
    /// summed; `None` when a word matches in no field, or an excluded word in any. A word
    /// never matches across fields, so "dsk" does not match a `d` in the name, an `s` in
    /// the user and a `k` in the model.
    #[cfg(test)]
    pub(super) fn score(&mut self, device: DeviceRef<'_>) -> Option<u32> {
        self.score_searched(device.searched())
    }

    /// The score of device `index` of `table`, as [`Self::score`] gives it. Only the fields
    /// after the ids are read.
    pub(super) fn score_in(&mut self, table: &DeviceTable, index: usize) -> Option<u32> {
        self.score_searched(table.searched(index)?)
    }

    /// The score of a device whose searched fields are `searched`.
    fn score_searched(&mut self, searched: Searched<'_>) -> Option<u32> {
        let atoms = &self.pattern.atoms;
        if atoms.is_empty() {
            return Some(0);
        }
        self.best.clear();
        self.best.resize(atoms.len(), None);
        if let Some(words) = &self.one_character_words {
            let (haystack, best) = (&mut self.haystack, &mut self.best);
            if !one_character_scores(atoms, words, searched, haystack, self.fold, best) {
                return None;
            }
        } else if !self.words_scores(searched) {
            return None;
        }
        self.pattern
            .atoms
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

    /// Keeps in `best` each word's best score in the fields of `searched` after the ids,
    /// scored by the matcher where the sieve says the word may match; false when an
    /// excluded word matches.
    fn words_scores(&mut self, searched: Searched<'_>) -> bool {
        let from = searched.ids_end();
        let text = searched.bytes.get(from..).unwrap_or_default();
        let sieve = self
            .sieve
            .as_ref()
            .filter(|sieve| sieve.mark(text, &mut self.marks));
        let atoms = &self.pattern.atoms;
        let mut start = 0;
        for (field, &end) in searched.fields().skip(IDS).zip(&searched.ends[IDS..]) {
            let range = start..usize::from(end).saturating_sub(from).max(start);
            start = range.end;
            let (may_match, ascii) = sieve.map_or((u64::MAX, false), |sieve| {
                sieve.may_match(&self.marks, range)
            });
            if may_match == 0 {
                continue;
            }
            let haystack = if ascii {
                Utf32Str::Ascii(field)
            } else {
                // Each field is whole characters of the device's text.
                let field = std::str::from_utf8(field).unwrap_or_default();
                self.haystack.field(field, self.fold)
            };
            let matcher = &mut self.matcher;
            // An excluded word's score is `None` where it matches: turned back into its
            // match, as the one-character scorers give it.
            // A sieve follows at most 64 words; without one, every word may match.
            let scores = atoms.iter().enumerate().map(|(word, atom)| {
                if word < 64 && may_match >> word & 1 == 0 {
                    return None;
                }
                match atom.score(haystack, matcher) {
                    score if !atom.negative => score,
                    None => Some(0),
                    Some(_) => None,
                }
            });
            if !keep_best(atoms, scores, &mut self.best) {
                return false;
            }
        }
        true
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

/// The fuzzy matches among `candidates` (in the list's order) and their scores, best first
/// and ties in the list's order, scored on `threads` threads.
pub(super) fn fuzzy_ranked_on(
    store: &DeviceStore,
    candidates: Candidates<'_>,
    query: &Query,
    threads: usize,
) -> (Vec<u32>, Vec<u32>) {
    let parts = on_threads(candidates, threads, |part| {
        let mut scorer = FuzzyScorer::new(&query.needle);
        let verdicts = Verdicts::new(store, query, &scorer, false);
        // Room for every candidate: most match a pattern typed afresh, and growing the
        // list would copy it again and again.
        let mut scored = Vec::with_capacity(part.len());
        let score = |i: u32| scorer.score_in(&store.all, i as usize);
        each_decided(part, &verdicts, score, |i, decided| {
            let score = match decided {
                Decided::Known(score) | Decided::Scored(Some(score)) => score,
                Decided::Out | Decided::Held | Decided::Scored(None) => return,
            };
            scored.push((score, i));
        });
        Ranked::of(scored)
    });
    merged(parts)
}

/// When `query` is words of one letter or digit, none excluded: its best matches among
/// `candidates` (in the list's order), those scoring the most there can be, in the list's
/// order, with their scores; then its other matches, in the list's order, unscored.
///
/// A device where each word starts a word of its fields is such a match, and a device of
/// ASCII text with hex ids whose mask holds every word's character is one of the others:
/// neither text is read. Only devices with text beyond ASCII or other ids are scored.
fn best_ranked_on(
    store: &DeviceStore,
    candidates: Candidates<'_>,
    query: &Query,
    threads: usize,
) -> Option<(Vec<u32>, Vec<u32>)> {
    let (_, best) = FuzzyScorer::new(&query.needle).at_word_starts()?;
    let parts = on_threads(candidates, threads, |part| {
        let mut scorer = FuzzyScorer::new(&query.needle);
        let verdicts = Verdicts::new(store, query, &scorer, true);
        let (mut top, mut rest) = (Vec::new(), Vec::new());
        let score = |i: u32| scorer.score_in(&store.all, i as usize);
        match part {
            Candidates::Span(from, to) if verdicts.os == OsFilter::All => {
                best_in_blocks((from, to), &verdicts, best, score, (&mut top, &mut rest));
            }
            _ => each_decided(part, &verdicts, score, |i, decided| match decided {
                Decided::Out | Decided::Scored(None) => {}
                Decided::Known(_) => top.push(i),
                Decided::Scored(Some(score)) if score >= best => top.push(i),
                Decided::Held | Decided::Scored(Some(_)) => rest.push(i),
            }),
        }
        (top, rest)
    });
    let tops: usize = parts.iter().map(|(top, _)| top.len()).sum();
    let all = tops + parts.iter().map(|(_, rest)| rest.len()).sum::<usize>();
    let mut rows = Vec::with_capacity(all);
    parts
        .iter()
        .for_each(|(top, _)| rows.extend_from_slice(top));
    parts
        .iter()
        .for_each(|(_, rest)| rows.extend_from_slice(rest));
    Some((rows, vec![best; tops]))
}

/// `work` done on each share of `candidates`, on `threads` threads; the results in order.
fn on_threads<'c, T: Send>(
    candidates: Candidates<'c>,
    threads: usize,
    work: impl Fn(Candidates<'c>) -> T + Sync,
) -> Vec<T> {
    if threads <= 1 {
        return vec![work(candidates)];
    }
    let share = candidates.len().div_ceil(threads);
    let work = &work;
    std::thread::scope(|scope| {
        let running: Vec<_> = candidates
            .shares(share)
            .map(|part| scope.spawn(move || work(part)))
            .collect();
        running
            .into_iter()
            .map(|thread| match thread.join() {
                Ok(done) => done,
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    })
}
