//! A one-character word scored in a device's fields read as bitmasks, 64 bytes at a time:
//! only the places holding its character are looked at, and only fields beyond ASCII are
//! decoded, a character at a time.

use super::{FIELD_START, OneCharacter, UnicodePath, folded};
use crate::app::device_list::byte_masks::{BLOCK, block_masks};
use crate::app::device_list::haystack::{ReadChar, read_char};
use crate::domain::SEARCHED_FIELDS;

/// Most blocks the fields fuzzy matching reads may take: every searched field but the two
/// ids, each at most 255 bytes.
const MOST_BLOCKS: usize = ((SEARCHED_FIELDS - 2) * 255).div_ceil(BLOCK);

impl OneCharacter {
    /// The word's best score in `text`, fields one after another, field `k` starting at
    /// `starts[k]` (the first at 0): the score in the field where it scores best, as nucleo
    /// gives each field read as [`Haystack::field`] reads it. `None` when a field must be
    /// read whole.
    ///
    /// [`Haystack::field`]: crate::app::device_list::haystack::Haystack::field
    pub(in crate::app::device_list) fn in_fields(
        &self,
        text: &[u8],
        starts: &[usize],
    ) -> Option<Option<u16>> {
        if text.len() > MOST_BLOCKS * BLOCK {
            return None;
        }
        let fold = if self.lower == self.upper { 0 } else { 0x20 };
        let (mut found, mut beyond) = ([0u64; MOST_BLOCKS], [0u64; MOST_BLOCKS]);
        let mut any_beyond = 0;
        for ((block, found), beyond) in text.chunks(BLOCK).zip(&mut found).zip(&mut beyond) {
            (*found, *beyond) = block_masks(block, self.lower, fold);
            any_beyond |= *beyond;
        }
        // A field that starts with the character scores the most there can be (lower-cased
        // or not, a letter or digit after a space; every place alike for other characters).
        if starts.iter().any(|&start| has_bit(&found, start)) {
            return Some(Some(self.scores[0][FIELD_START]));
        }
        if any_beyond == 0 {
            return Some(self.at_ascii_places(text, &found, 0..text.len()));
        }
        let mut best = None;
        for (k, &start) in starts.iter().enumerate() {
            let end = starts.get(k + 1).copied().unwrap_or(text.len());
            let score = if bits_in(&beyond, start..end).next().is_none() {
                self.at_ascii_places(text, &found, start..end)
            } else {
                self.beyond_ascii(text, &found, &beyond, start..end)?
            };
            best = best.max(score);
        }
        Some(best)
    }

    /// The best score at the places of `found` within `range` of `text`, ASCII there, where
    /// no field starts.
    fn at_ascii_places(
        &self,
        text: &[u8],
        found: &[u64],
        range: std::ops::Range<usize>,
    ) -> Option<u16> {
        let highest = self.scores[0][FIELD_START];
        let mut best = None;
        for place in bits_in(found, range) {
            let (Some(&before), Some(&byte)) = (text.get(place.wrapping_sub(1)), text.get(place))
            else {
                continue;
            };
            let score = self.scores[usize::from(byte != self.lower)][usize::from(before)];
            best = best.max(Some(score));
            if score >= highest {
                break;
            }
        }
        best
    }

    /// The word's score in the field `range` of `text`, which holds bytes beyond ASCII (the
    /// bits of `beyond`), as [`OneCharacter::in_field`] gives it: only those characters and
    /// the places of `found` (the ASCII bytes holding the character) are decoded. `None`
    /// when the field must be read whole.
    fn beyond_ascii(
        &self,
        text: &[u8],
        found: &[u64],
        beyond: &[u64],
        range: std::ops::Range<usize>,
    ) -> Option<Option<u16>> {
        // The characters beyond ASCII, each read once: none may need the field read whole,
        // the field is read as ASCII when each has an ASCII byte, and the places holding the
        // character are marked for either reading.
        let mut as_ascii = true;
        let (mut as_byte, mut as_char) = ([0u64; MOST_BLOCKS], [0u64; MOST_BLOCKS]);
        for at in char_starts(text, beyond, range.clone()) {
            let read = read_char(char_at(text, at)?)?;
            as_ascii &= read.ascii.is_some();
            if read.ascii == Some(self.lower) || read.ascii == Some(self.upper) {
                set_bit(&mut as_byte, at);
            }
            if folded(read.char) == char::from(self.lower) {
                set_bit(&mut as_char, at);
            }
        }
        let mut places = if as_ascii { as_byte } else { as_char };
        places
            .iter_mut()
            .zip(found)
            .for_each(|(place, &found)| *place |= found);
        let before = |at: usize| -> Option<Option<ReadChar>> {
            if at <= range.start {
                return Some(None);
            }
            let start = (at.saturating_sub(4)..at)
                .rev()
                .find(|&k| text.get(k).is_some_and(|&b| !is_continuation(b)))?;
            read_char(char_at(text, start)?).map(Some)
        };
        if as_ascii {
            let highest = self.scores[0][FIELD_START];
            let mut best = None;
            for at in bits_in(&places, range.clone()) {
                let before = match before(at)? {
                    Some(read) => usize::from(read.ascii?),
                    None => FIELD_START,
                };
                let score = self.scores[0][before];
                best = best.max(Some(score));
                if score >= highest {
                    break;
                }
            }
            return Some(best);
        }
        // nucleo's path for characters: the character before the first place, then each
        // place in turn.
        let mut path = UnicodePath::new(self.lower);
        let mut first = true;
        for at in bits_in(&places, range.clone()) {
            if first && let Some(read) = before(at)? {
                path.read(read.char);
            }
            first = false;
            path.read(read_char(char_at(text, at)?)?.char);
            if path.done {
                break;
            }
        }
        Some(path.best)
    }
}

/// Where each character beyond ASCII starts within `range` of `text`, from the bits of
/// `beyond` (one a byte beyond ASCII).
fn char_starts<'a>(
    text: &'a [u8],
    beyond: &'a [u64],
    range: std::ops::Range<usize>,
) -> impl Iterator<Item = usize> + 'a {
    bits_in(beyond, range).filter(|&at| text.get(at).is_some_and(|&b| !is_continuation(b)))
}

/// Whether `byte` continues a character of UTF-8 rather than starting one.
fn is_continuation(byte: u8) -> bool {
    byte & 0xc0 == 0x80
}

/// The character that starts at `at` in `text`; `None` where none does.
fn char_at(text: &[u8], at: usize) -> Option<char> {
    let len = match text.get(at)? {
        0..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => return None,
    };
    std::str::from_utf8(text.get(at..at + len)?)
        .ok()?
        .chars()
        .next()
}

/// Sets bit `at` of `masks` (64 a word).
fn set_bit(masks: &mut [u64], at: usize) {
    if let Some(mask) = masks.get_mut(at / BLOCK) {
        *mask |= 1 << (at % BLOCK);
    }
}

/// Whether bit `at` of `masks` (64 a word) is set.
fn has_bit(masks: &[u64], at: usize) -> bool {
    masks
        .get(at / BLOCK)
        .is_some_and(|mask| mask >> (at % BLOCK) & 1 == 1)
}

/// The places of the bits of `masks` set within `range`, in order.
fn bits_in(masks: &[u64], range: std::ops::Range<usize>) -> impl Iterator<Item = usize> + '_ {
    let (first, last) = (range.start / BLOCK, range.end.div_ceil(BLOCK));
    masks
        .get(first..last.min(masks.len()))
        .unwrap_or_default()
        .iter()
        .enumerate()
        .flat_map(move |(k, &mask)| {
            let base = (first + k) * BLOCK;
            let low = range.start.saturating_sub(base).min(BLOCK);
            let high = (range.end - base).min(BLOCK);
            let within = mask & !keep_below(low) & keep_below(high);
            std::iter::successors((within != 0).then_some(within), |&m| {
                let rest = m & (m - 1);
                (rest != 0).then_some(rest)
            })
            .map(move |m| base + m.trailing_zeros() as usize)
        })
}

/// The bits below `high` (at most 64).
fn keep_below(high: usize) -> u64 {
    if high >= BLOCK {
        u64::MAX
    } else {
        (1u64 << high) - 1
    }
}
