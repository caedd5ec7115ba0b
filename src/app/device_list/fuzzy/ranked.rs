//! A fuzzy ranking's parts, each ranked by score on the core that scored it, and joined with
//! ties in the list's order.

/// Highest score a ranking puts in buckets rather than sorting.
const MOST_BUCKETED: u32 = 1 << 14;

/// The devices of `parts` (score, index), best first, and their scores. The parts hold the
/// devices in the list's order, one after another, and ties keep that order.
#[cfg(test)]
pub(in crate::app::device_list) fn best_first(parts: Vec<Vec<(u32, u32)>>) -> (Vec<u32>, Vec<u32>) {
    merged(parts.into_iter().map(Ranked::of).collect())
}

/// A part of a ranking, ranked on the core that scored it: its devices best first, ties in
/// the list's order, and each score they have, best first, with how many have it.
pub(super) struct Ranked {
    rows: Vec<u32>,
    runs: Vec<(u32, usize)>,
}

impl Ranked {
    /// `scored` (score, index, in the list's order) ranked: put in buckets by score in two
    /// passes, or sorted (stably) when a score is too high for buckets.
    pub(super) fn of(mut scored: Vec<(u32, u32)>) -> Ranked {
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
pub(super) fn merged(parts: Vec<Ranked>) -> (Vec<u32>, Vec<u32>) {
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
