//! Fuzzy ranking for filters that start with `~`: nucleo's matcher over each device's
//! search text, on every core for large lists, stable on ties.

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

use super::search::{FuzzyPrefilter, write_fuzzy_text};
use super::{DeviceStore, Query};

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

/// The fuzzy matches among `candidates` as (score, place, index), best first, scored on
/// `threads` threads.
pub(super) fn fuzzy_scored_on(
    store: &DeviceStore,
    candidates: Vec<u32>,
    position: Option<&[u32]>,
    query: &Query,
    threads: usize,
) -> Vec<(u32, u32, u32)> {
    let pattern = Pattern::parse(&query.needle, CaseMatching::Ignore, Normalization::Smart);
    let prefilter = FuzzyPrefilter::new(&query.needle);
    let score_chunk = |chunk: &[u32]| -> Vec<(u32, u32, u32)> {
        let mut matcher = Matcher::new(Config::DEFAULT);
        let mut buffer = Vec::new();
        let mut text = String::new();
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
                write_fuzzy_text(&mut text, store.all.get(i as usize)?);
                let score = pattern.score(Utf32Str::new(&text, &mut buffer), &mut matcher)?;
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
