//! Fuzzy ranking for filters that start with `~`: nucleo's matcher over each searched field
//! but the ids, each word of the pattern in the field it matches best, on every core for
//! large lists, stable on ties.

use nucleo_matcher::pattern::{AtomKind, CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher};

use super::haystack::Haystack;
use super::masks::{BLOCK, each_bit};
use super::one_character::OneCharacter;
use super::scan::{Candidates, FETCH_AHEAD, span_bits};
use super::search::FuzzyPrefilter;
use super::word_starts::character_bit;
use super::{DeviceStore, OsFilter, Query};
use crate::domain::{DeviceRef, DeviceTable, SEARCHED_FIELDS, Searched};

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

/// Blocks of 64 devices decided before the text of those to be read is scored.
const DECIDED_RUN: usize = 64;

/// [`best_ranked_on`]'s work on the devices `from` up to `to` of a list in the store's order,
/// every platform admitted: decided 64 devices at a time from the bits the store keeps by
/// character (word starts, then masks), so that only the devices whose text is read are
/// looked at one by one. The best matches are added to `top`, the others to `rest`.
fn best_in_blocks(
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

/// What a fuzzy ranking does with a candidate, decided without reading its text.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Verdict {
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
struct Verdicts<'s> {
    store: &'s DeviceStore,
    os: OsFilter,
    prefilter: FuzzyPrefilter,
    /// The characters whose word starts give a device its score, and that score.
    at_word_starts: Option<(Vec<usize>, u32)>,
    /// Whether a device the mask says matches is [`Verdict::Held`] rather than read.
    held: bool,
}

impl<'s> Verdicts<'s> {
    /// Verdicts for `scorer`'s pattern; `held` gives the devices the mask says match (with
    /// words of one letter or digit) [`Verdict::Held`].
    fn new(store: &'s DeviceStore, query: &Query, scorer: &FuzzyScorer, held: bool) -> Self {
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
enum Decided {
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
fn each_decided(
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

/// Highest score a ranking puts in buckets rather than sorting.
const MOST_BUCKETED: u32 = 1 << 14;

/// The devices of `parts` (score, index), best first, and their scores. The parts hold the
/// devices in the list's order, one after another, and ties keep that order.
#[cfg(test)]
pub(super) fn best_first(parts: Vec<Vec<(u32, u32)>>) -> (Vec<u32>, Vec<u32>) {
    merged(parts.into_iter().map(Ranked::of).collect())
}

/// A part of a ranking, ranked on the core that scored it: its devices best first, ties in
/// the list's order, and each score they have, best first, with how many have it.
struct Ranked {
    rows: Vec<u32>,
    runs: Vec<(u32, usize)>,
}

impl Ranked {
    /// `scored` (score, index, in the list's order) ranked: put in buckets by score in two
    /// passes, or sorted (stably) when a score is too high for buckets.
    fn of(mut scored: Vec<(u32, u32)>) -> Ranked {
        // How many have each score.
        let mut counts: Vec<usize> = Vec::new();
        for &(score, _) in &scored {
            if score > MOST_BUCKETED {
                scored.sort_by_key(|&(score, _)| std::cmp::Reverse(score));
                let mut runs: Vec<(u32, usize)> = Vec::new();
                for &(score, _) in &scored {
                    match runs.last_mut() {
                        Some((last, count)) if *last == score => *count += 1,
                        _ => runs.push((score, 1)),
                    }
                }
                let rows = scored.into_iter().map(|(_, i)| i).collect();
                return Ranked { rows, runs };
            }
            let score = score as usize;
            if counts.len() <= score {
                counts.resize(score + 1, 0);
            }
            counts[score] += 1;
        }
        // Where each score's bucket starts, the best score's first.
        let mut starts = vec![0; counts.len()];
        let mut runs = Vec::new();
        let mut start = 0;
        for (score, &count) in counts.iter().enumerate().rev() {
            starts[score] = start;
            start += count;
            if count > 0 {
                runs.push((score as u32, count));
            }
        }
        let mut rows = vec![0; scored.len()];
        for (score, i) in scored {
            if let Some(next) = starts.get_mut(score as usize)
                && let Some(slot) = rows.get_mut(*next)
            {
                *slot = i;
                *next += 1;
            }
        }
        Ranked { rows, runs }
    }
}

/// The ranking of parts (of the list, in its order), best first with their scores: each
/// score's devices in each part after those of the part before it.
fn merged(parts: Vec<Ranked>) -> (Vec<u32>, Vec<u32>) {
    let total = parts.iter().map(|part| part.rows.len()).sum();
    let (mut rows, mut scores) = (Vec::with_capacity(total), Vec::with_capacity(total));
    // Each part's next run, and where it starts in the part's rows.
    let mut next: Vec<(usize, usize)> = vec![(0, 0); parts.len()];
    loop {
        let best = parts
            .iter()
            .zip(&next)
            .filter_map(|(part, &(run, _))| part.runs.get(run).map(|&(score, _)| score))
            .max();
        let Some(best) = best else {
            break;
        };
        for (part, (run, start)) in parts.iter().zip(&mut next) {
            if let Some(&(score, count)) = part.runs.get(*run)
                && score == best
            {
                rows.extend_from_slice(part.rows.get(*start..*start + count).unwrap_or_default());
                scores.resize(rows.len(), score);
                *run += 1;
                *start += count;
            }
        }
    }
    (rows, scores)
}
