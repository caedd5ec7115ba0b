//! Which letters and digits start a word in each device's fields, kept by character, 64
//! devices a word (as the masks by character are).
//!
//! A fuzzy word of one character scores the most there can be where it starts a field, or
//! follows a space in a field of ASCII. A device marked here for the word's character has
//! that score without its text being read: the first character of a fuzzy pattern reads
//! only the devices where it starts no word.

use super::masks::each_bit;
use super::one_character::starts_word;
use crate::domain::Searched;

/// Letters and digits, one bit each: `a`–`z`, then `0`–`9`.
const CHARACTERS: usize = 36;

/// Devices a block covers: one bit each in a word.
pub(super) const BLOCK: usize = 64;

/// One block: for each letter and digit, the word whose bit `k` marks the block's `k`th
/// device.
type Block = [u64; CHARACTERS];

/// The bit of ASCII letter or digit `b` (either case), or `None`.
pub(super) fn character_bit(b: u8) -> Option<usize> {
    match b {
        b'a'..=b'z' => Some(usize::from(b - b'a')),
        b'A'..=b'Z' => Some(usize::from(b - b'A')),
        b'0'..=b'9' => Some(26 + usize::from(b - b'0')),
        _ => None,
    }
}

/// The letters and digits (bits by [`character_bit`]) that start a word in the fields fuzzy
/// matching scores, those of `searched` after the ids: at a field's start, or after a space in
/// a field of ASCII.
pub(super) fn word_starts(searched: Searched<'_>) -> u64 {
    let mut starts = 0u64;
    let mut mark = |b: u8| {
        if let Some(bit) = character_bit(b) {
            starts |= 1 << bit;
        }
    };
    for field in searched.fields().skip(2) {
        let Some(&first) = field.first() else {
            continue;
        };
        mark(first);
        // Every space is at or below b' ': a field without such a byte (most) starts one word.
        // Folded rather than searched, so the whole field is compared a vector at a time.
        let spaced = field.iter().fold(false, |spaced, &b| spaced | (b <= b' '));
        if spaced && field.is_ascii() {
            field
                .windows(2)
                .filter(|pair| starts_word(pair[0], pair[1]))
                .for_each(|pair| mark(pair[1]));
        }
    }
    starts
}

/// Every device's word starts, by character, in the list's order.
#[derive(Clone, Debug, Default)]
pub(super) struct WordStarts {
    /// Block `b` covers devices `64 b` to `64 b + 63`; bits past the list's end are 0.
    blocks: Vec<Block>,
    len: usize,
}

impl WordStarts {
    /// Room for `len` devices, none of them marked yet.
    pub(super) fn unmarked(len: usize) -> Self {
        WordStarts {
            blocks: vec![[0; CHARACTERS]; len.div_ceil(BLOCK)],
            len,
        }
    }

    /// The list cut in shares of `devices` devices each, a multiple of 64 unless one share
    /// takes the whole list; each is marked on its own, so each core fills its own stretch
    /// with no copy of the devices' word starts kept aside.
    pub(super) fn shares(&mut self, devices: usize) -> impl Iterator<Item = Share<'_>> {
        debug_assert!(devices.is_multiple_of(BLOCK) || devices >= self.len);
        let blocks = devices.div_ceil(BLOCK).max(1);
        self.blocks
            .chunks_mut(blocks)
            .map(|blocks| Share { blocks })
    }

    /// Adds the word starts of the devices of `more` at the end.
    pub(super) fn append(&mut self, more: WordStarts) {
        let shift = self.len % BLOCK;
        let len = self.len + more.len;
        if shift == 0 {
            self.blocks.extend(more.blocks);
        } else {
            // Each of `more`'s blocks straddles two of this list's: its low devices fill the
            // last block, its high ones start the next.
            for block in more.blocks {
                let Some(last) = self.blocks.last_mut() else {
                    break;
                };
                let mut next = [0; CHARACTERS];
                for ((last, next), word) in last.iter_mut().zip(&mut next).zip(block) {
                    *last |= word << shift;
                    *next = word >> (BLOCK - shift);
                }
                self.blocks.push(next);
            }
            self.blocks.truncate(len.div_ceil(BLOCK));
        }
        self.len = len;
    }

    /// Whether `bit`'s character starts a word of device `index`.
    pub(super) fn starts(&self, index: usize, bit: usize) -> bool {
        self.blocks
            .get(index / BLOCK)
            .and_then(|block| block.get(bit))
            .is_some_and(|word| word >> (index % BLOCK) & 1 == 1)
    }

    /// Which of block `block`'s devices (a bit each, `1 << k` for its `k`th) have a word
    /// starting with each of `bits`' characters; none past the list's end.
    pub(super) fn holding(&self, block: usize, bits: &[usize]) -> u64 {
        let Some(block) = self.blocks.get(block) else {
            return 0;
        };
        bits.iter().fold(u64::MAX, |holding, &bit| {
            holding & block.get(bit).copied().unwrap_or(0)
        })
    }

    /// The word starts of device `index`, as [`word_starts`] gave them.
    fn of_device(&self, index: usize) -> u64 {
        let Some(block) = self.blocks.get(index / BLOCK) else {
            return 0;
        };
        block.iter().enumerate().fold(0, |starts, (bit, word)| {
            starts | (word >> (index % BLOCK) & 1) << bit
        })
    }

    /// Adds a device's word starts at the end.
    pub(super) fn push(&mut self, starts: u64) {
        if self.len.is_multiple_of(BLOCK) {
            self.blocks.push([0; CHARACTERS]);
        }
        self.len += 1;
        self.mark(self.len - 1, starts);
    }

    /// Puts `starts` in place of device `index`'s.
    pub(super) fn set(&mut self, index: usize, starts: u64) {
        if index >= self.len {
            return;
        }
        if let Some(block) = self.blocks.get_mut(index / BLOCK) {
            block
                .iter_mut()
                .for_each(|word| *word &= !(1 << (index % BLOCK)));
        }
        self.mark(index, starts);
    }

    /// Keeps the word starts of the devices `keep` gives true for, in order (true past its
    /// end): moved down in place, a device at a time, so no second copy is held.
    pub(super) fn retain(&mut self, mut keep: impl Iterator<Item = bool>) {
        let mut kept = 0;
        for index in 0..self.len {
            if !keep.next().unwrap_or(true) {
                continue;
            }
            if kept != index {
                let starts = self.of_device(index);
                self.set(kept, starts);
            }
            kept += 1;
        }
        let end = self.len;
        // Bits past the list's end are 0.
        for index in kept..end.min(kept.next_multiple_of(BLOCK)) {
            self.set(index, 0);
        }
        self.len = kept;
        self.blocks.truncate(kept.div_ceil(BLOCK));
    }

    pub(super) fn clear(&mut self) {
        self.blocks.clear();
        self.len = 0;
    }

    /// Makes room for `more` devices.
    pub(super) fn reserve_exact(&mut self, more: usize) {
        let blocks = (self.len + more).div_ceil(BLOCK);
        self.blocks
            .reserve_exact(blocks.saturating_sub(self.blocks.len()));
    }

    /// Sets device `index`'s bits in its block.
    fn mark(&mut self, index: usize, starts: u64) {
        if let Some(block) = self.blocks.get_mut(index / BLOCK) {
            mark_in(block, index % BLOCK, starts);
        }
    }
}

/// Sets the bits of a block's `k`th device, whose word starts are `starts`.
fn mark_in(block: &mut Block, k: usize, starts: u64) {
    each_bit(starts, |bit| {
        if let Some(word) = block.get_mut(bit) {
            *word |= 1 << k;
        }
    });
}

/// A stretch of the list's blocks, marked apart from the others (see [`WordStarts::shares`]).
pub(super) struct Share<'a> {
    blocks: &'a mut [Block],
}

impl Share<'_> {
    /// Sets the bits of the share's `k`th device, whose word starts are `starts`.
    pub(super) fn mark(&mut self, k: usize, starts: u64) {
        if let Some(block) = self.blocks.get_mut(k / BLOCK) {
            mark_in(block, k % BLOCK, starts);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::SEARCHED_FIELDS;

    /// The word starts of a device whose fields after the ids are `fields`.
    fn of_fields(fields: &[&str]) -> u64 {
        let mut all = vec!["id", "entra-id"];
        all.extend_from_slice(fields);
        all.resize(SEARCHED_FIELDS, "");
        let text = all.concat();
        let mut ends = [0u16; SEARCHED_FIELDS];
        let mut end = 0;
        for (k, field) in all.iter().enumerate() {
            end += field.len() as u16;
            ends[k] = end;
        }
        word_starts(Searched {
            bytes: text.as_bytes(),
            ends,
        })
    }

    fn bits(chars: &str) -> u64 {
        chars
            .bytes()
            .filter_map(character_bit)
            .fold(0, |bits, bit| bits | 1 << bit)
    }

    #[test]
    fn words_start_a_field_or_after_a_space_in_ascii() {
        assert_eq!(of_fields(&["DESKTOP-7F3K", "Alice Smith"]), bits("das"));
        assert_eq!(
            of_fields(&["tab\there", "x  7y", "a-b c_d.e"]),
            bits("thx7ac")
        );
        // After a space in a field beyond ASCII, only its start counts.
        assert_eq!(of_fields(&["Chloé Müller"]), bits("c"));
        assert_eq!(of_fields(&["Ünïcode PC", "", " lead"]), bits("l"));
        // The ids are not scored.
        assert_eq!(of_fields(&[]), 0);
    }

    /// The word starts of a whole list, marked in shares of `share` devices.
    fn of(starts: &[u64], share: usize) -> WordStarts {
        let mut kept = WordStarts::unmarked(starts.len());
        for (mut part, starts) in kept.shares(share).zip(starts.chunks(share)) {
            for (k, &device) in starts.iter().enumerate() {
                part.mark(k, device);
            }
        }
        kept
    }

    #[test]
    fn by_character_follows_every_change() {
        let starts: Vec<u64> = (0..300u64)
            .map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15) & ((1 << CHARACTERS) - 1))
            .collect();
        let mut kept = WordStarts::default();
        kept.reserve_exact(100);
        kept.append(of(&starts[..130], 130));
        starts[130..].iter().for_each(|&s| kept.push(s));
        let mut expected = starts.clone();
        for (index, value) in [(0, 5), (64, 0), (299, (1 << CHARACTERS) - 1)] {
            kept.set(index, value);
            expected[index] = value;
        }
        let check = |kept: &WordStarts, expected: &[u64]| {
            assert_eq!(kept.len, expected.len());
            assert_eq!(kept.blocks.len(), expected.len().div_ceil(BLOCK));
            for (index, &value) in expected.iter().enumerate() {
                assert_eq!(kept.of_device(index), value, "{index}");
                for bit in 0..CHARACTERS {
                    assert_eq!(kept.starts(index, bit), value >> bit & 1 == 1);
                }
            }
            // Bits past the list's end are 0.
            for index in expected.len()..expected.len().next_multiple_of(BLOCK) {
                assert_eq!(kept.of_device(index), 0, "{index}");
            }
            assert!(!kept.starts(expected.len(), 0));
        };
        check(&kept, &expected);
        // Built whole, in one share or several, as device by device.
        for len in [0, 1, 63, 64, 130, 300] {
            for share in [len.max(1), 64, 128] {
                check(&of(&starts[..len], share), &starts[..len]);
            }
        }
        // Lists appended at every offset in a block, of every length, as pushed one by one.
        for first in [0, 1, 5, 63, 64, 65, 127, 130] {
            for more in [0, 1, 2, 62, 63, 64, 65, 170] {
                let mut appended = of(&starts[..first], 64);
                appended.append(of(&starts[first..first + more], 64));
                check(&appended, &starts[..first + more]);
                let mut pushed = WordStarts::default();
                starts[..first + more].iter().for_each(|&s| pushed.push(s));
                assert_eq!(appended.blocks, pushed.blocks, "{first} + {more}");
            }
        }
        let keep: Vec<bool> = (0..200).map(|i| i % 3 != 1).collect();
        kept.retain(keep.iter().copied());
        let mut flags = keep.iter().copied().chain(std::iter::repeat(true));
        expected.retain(|_| flags.next().unwrap_or(true));
        check(&kept, &expected);
        assert_eq!(kept.blocks, of(&expected, 64).blocks);
        // Every device kept, or none.
        kept.retain(std::iter::repeat(true));
        check(&kept, &expected);
        let mut none = of(&expected, 64);
        none.retain(std::iter::repeat(false));
        check(&none, &[]);
        assert!(none.blocks.is_empty());
        kept.clear();
        check(&kept, &[]);
    }
}
