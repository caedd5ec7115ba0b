//! Which fields of a device may hold each word of a fuzzy pattern, found without the matcher:
//! a word matches a field only where its characters come in that order (ignoring ASCII case),
//! so nucleo is given only the fields where they do. The fields are read as a bitmask for
//! each character of the pattern, a bit a byte, and a word is followed through them bit by
//! bit.

use nucleo_matcher::Utf32Str;
use nucleo_matcher::pattern::Atom;

use crate::app::device_list::byte_masks::{BLOCK, block_masks_each};

/// Most bytes of text a device's marks cover: the fields after the ids of most devices.
/// Longer text is given to the matcher field by field, as without a sieve.
const MOST_BYTES: usize = 2 * BLOCK;

/// Most characters a sieve follows; a pattern with more is given to the matcher whole.
const MOST_CHARACTERS: usize = 16;

/// A pattern's words as the characters each must hold in order.
pub(super) struct Sieve {
    /// Each character of the words, once: its byte, and the bits set in a byte of the text
    /// before comparing (`0x20` for a letter, so either case is found).
    bytes: Vec<(u8, u8)>,
    /// Each word, as places in `bytes`.
    words: Vec<Vec<u8>>,
}

/// Where a device's fields hold each of a sieve's characters, and bytes beyond ASCII, a bit
/// a byte.
#[derive(Default)]
pub(super) struct Marks {
    found: [u128; MOST_CHARACTERS],
    beyond: u128,
}

impl Sieve {
    /// The sieve of `atoms`; `None` when a word holds a character beyond ASCII (whose case
    /// and accents nucleo matches in ways a byte cannot say), or there are too many.
    pub(super) fn new(atoms: &[Atom]) -> Option<Sieve> {
        let mut bytes: Vec<(u8, u8)> = Vec::new();
        let mut words = Vec::with_capacity(atoms.len());
        for atom in atoms {
            let Utf32Str::Ascii(needle) = atom.needle_text() else {
                return None;
            };
            let mut word = Vec::with_capacity(needle.len());
            for &b in needle {
                // The atom's text is lower-case: a letter is found in either case.
                let fold = if b.is_ascii_lowercase() { 0x20 } else { 0 };
                let at = match bytes.iter().position(|&(byte, _)| byte == b) {
                    Some(at) => at,
                    None => {
                        bytes.push((b, fold));
                        bytes.len() - 1
                    }
                };
                word.push(u8::try_from(at).ok()?);
            }
            words.push(word);
        }
        // Words without a character match every field: nothing to sieve.
        let fits = bytes.len() <= MOST_CHARACTERS && words.len() <= 64;
        (!bytes.is_empty() && fits).then_some(Sieve { bytes, words })
    }

    /// Reads `text` (the fields after the ids, one after another) into `marks`; false when
    /// it is too long to mark.
    pub(super) fn mark(&self, text: &[u8], marks: &mut Marks) -> bool {
        if text.len() > MOST_BYTES {
            return false;
        }
        let characters = self.bytes.len();
        let mut found = [0u64; MOST_CHARACTERS];
        marks.found[..characters].fill(0);
        marks.beyond = 0;
        for (k, block) in text.chunks(BLOCK).enumerate() {
            let beyond = block_masks_each(block, &self.bytes, &mut found[..characters]);
            let shift = k * BLOCK;
            marks.beyond |= u128::from(beyond) << shift;
            for (mark, &bits) in marks.found.iter_mut().zip(&found[..characters]) {
                *mark |= u128::from(bits) << shift;
            }
        }
        true
    }

    /// The words that may match the field at `range` of the text `marks` were read from, a
    /// bit a word: those whose characters are all there, in order; and whether the field is
    /// ASCII. In a field beyond ASCII, every word may.
    pub(super) fn may_match(&self, marks: &Marks, range: std::ops::Range<usize>) -> (u64, bool) {
        let within = below(range.end) & !below(range.start);
        if marks.beyond & within != 0 {
            return (u64::MAX, false);
        }
        let mut words = 0;
        for (k, word) in self.words.iter().enumerate().take(64) {
            let mut left = within;
            let in_order = word.iter().all(|&character| {
                let places = marks.found[usize::from(character)] & left;
                // The next character is looked for after the first place holding this one.
                let first = places & places.wrapping_neg();
                left &= !(first << 1).wrapping_sub(1);
                places != 0
            });
            words |= u64::from(in_order) << k;
        }
        (words, true)
    }
}

/// The bits below `high` (at most 128).
fn below(high: usize) -> u128 {
    if high >= 128 {
        u128::MAX
    } else {
        (1u128 << high) - 1
    }
}

#[cfg(test)]
mod tests {
    use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};

    use super::*;

    /// Whether `word` (lower-case ASCII) is in `field` in order, ignoring ASCII case, a byte
    /// at a time.
    fn in_order(word: &str, field: &[u8]) -> bool {
        let mut rest = field.iter();
        word.bytes()
            .all(|w| rest.any(|&b| b.to_ascii_lowercase() == w))
    }

    fn sieve(pattern: &str) -> Sieve {
        let parsed = Pattern::parse(pattern, CaseMatching::Ignore, Normalization::Smart);
        Sieve::new(&parsed.atoms).expect("an ASCII pattern")
    }

    #[test]
    fn a_word_may_match_a_field_exactly_where_its_characters_come_in_order() {
        let pattern = "dsk7 ab !zz a-b 7 kd";
        let words: Vec<&str> = ["dsk7", "ab", "zz", "a-b", "7", "kd"].to_vec();
        let sieve = sieve(pattern);
        // Fields of every length up to the whole marks, ending at every place around the
        // blocks' edges, in both cases and with the characters apart or together.
        let pieces = [
            "DESKTOP-7",
            "x",
            "",
            "ab",
            "A-B",
            "zZ",
            "k-d",
            "dsk",
            "7",
            "qqqqqqqqqqqqqqq",
        ];
        let mut checked = 0;
        for offset in 0..40 {
            let mut text = Vec::new();
            let mut ends = Vec::new();
            text.extend(std::iter::repeat_n(b'.', offset));
            ends.push(text.len());
            for k in 0..12 {
                text.extend_from_slice(pieces[(offset + k * 3) % pieces.len()].as_bytes());
                text.extend_from_slice(pieces[(offset * 7 + k) % pieces.len()].as_bytes());
                ends.push(text.len().min(MOST_BYTES));
            }
            text.truncate(MOST_BYTES);
            let mut marks = Marks::default();
            assert!(sieve.mark(&text, &mut marks));
            for pair in ends.windows(2) {
                let range = pair[0]..pair[1];
                let (may, ascii) = sieve.may_match(&marks, range.clone());
                assert!(ascii);
                for (k, word) in words.iter().enumerate() {
                    let expected = in_order(word, &text[range.clone()]);
                    assert_eq!(
                        may >> k & 1 == 1,
                        expected,
                        "{word} in {range:?} of {offset}"
                    );
                    checked += usize::from(expected);
                }
            }
        }
        assert!(checked > 500, "most fields hold some word: {checked}");
    }

    #[test]
    fn fields_beyond_ascii_and_text_past_the_marks_go_to_the_matcher() {
        let sieve = sieve("ecole");
        let mut marks = Marks::default();
        let text = "école-PC x".as_bytes();
        assert!(sieve.mark(text, &mut marks));
        assert_eq!(sieve.may_match(&marks, 0..9), (u64::MAX, false));
        assert_eq!(sieve.may_match(&marks, 9..text.len()), (0, true));
        assert!(!sieve.mark(&[b'e'; MOST_BYTES + 1], &mut marks));
        let nothing = Pattern::parse("! ^ é", CaseMatching::Ignore, Normalization::Smart);
        assert!(Sieve::new(&nothing.atoms).is_none());
    }
}
