//! What `/` finds: a needle searched case-insensitively in each device's own text, in place
//! (the text is held once), with a mask of the characters each device's searched fields hold,
//! so most devices are passed over without reading their text at all.

use memchr::{memchr, memchr2};

use crate::domain::{DeviceRef, Searched};

/// The bit a character sets in a mask: one for each ASCII letter and digit, one for each of
/// `-._@ `, one for anything else.
fn char_bit(c: char) -> u64 {
    let slot = match c {
        'a'..='z' => c as u32 - 'a' as u32,
        '0'..='9' => 26 + c as u32 - '0' as u32,
        '-' => 36,
        '.' => 37,
        '_' => 38,
        '@' => 39,
        ' ' => 40,
        _ => 41,
    };
    1 << slot
}

/// Whether `c` has a bit of its own, so the mask alone says whether a text holds it.
fn exact_bit(c: char) -> bool {
    char_bit(c) != OTHER_BIT
}

/// Each byte's bit, upper-case letters as their lower-case ones; bytes of characters beyond
/// ASCII set the "other" bit and [`BEYOND_ASCII_BIT`].
const BYTE_BITS: [u64; 256] = {
    let mut bits = [0u64; 256];
    let mut b = 0;
    while b < 256 {
        bits[b] = match b as u8 {
            c @ b'a'..=b'z' => 1 << (c - b'a'),
            c @ b'A'..=b'Z' => 1 << (c - b'A'),
            c @ b'0'..=b'9' => 1 << (26 + c - b'0'),
            b'-' => 1 << 36,
            b'.' => 1 << 37,
            b'_' => 1 << 38,
            b'@' => 1 << 39,
            b' ' => 1 << 40,
            0x80.. => OTHER_BIT | BEYOND_ASCII_BIT,
            _ => OTHER_BIT,
        };
        b += 1;
    }
    bits
};

/// The characters `text` holds once lower-cased, as a mask; text beyond ASCII has the
/// "other" bit and [`BEYOND_ASCII_BIT`], and [`LOWERCASES_INTO_ASCII_BIT`] when a character
/// beyond ASCII is lower-cased into ASCII.
fn mask_of(text: &str) -> u64 {
    let mask = text.bytes().fold(0, |mask, b| mask | BYTE_BITS[b as usize]);
    if mask & BEYOND_ASCII_BIT == 0 {
        return mask;
    }
    // Each byte beyond ASCII set the "other" bit; the characters they make add the bits of
    // their lower case too, which may be ASCII (the Kelvin sign's is k). Only the first byte
    // of each such character is looked at.
    let bytes = text.as_bytes();
    (0..bytes.len())
        .filter(|&at| bytes[at] >= 0xC0)
        .filter_map(|at| text.get(at..).and_then(|rest| rest.chars().next()))
        .flat_map(char::to_lowercase)
        .fold(mask, |mask, c| {
            let into_ascii = if c.is_ascii() {
                LOWERCASES_INTO_ASCII_BIT
            } else {
                0
            };
            mask | char_bit(c) | into_ascii
        })
}

/// What a device's mask says of the fields `/` searches: the characters they hold, and the
/// pairs of adjacent letters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct DeviceMask {
    /// The characters, as [`mask_of`] gives them (hex ids kept apart, see [`device_mask`]).
    pub(super) chars: u64,
    /// The pairs of adjacent ASCII letters, ignoring case, each as one of 64 bits
    /// ([`pairs_of`]); of the fields after the ids when they are hex.
    pairs: u64,
}

/// The mask of the fields `/` searches in `device`. When its two ids hold nothing but hex
/// digits and dashes (as Graph's GUIDs do), [`HEX_IDS_BIT`] is set, the text bits are those
/// of the fields after the ids, and the ids' characters are kept apart ([`ID_SHIFT`]), so a
/// needle is looked for only where its characters all are.
pub(super) fn device_mask(device: DeviceRef<'_>) -> DeviceMask {
    let (text, ends) = device.searched_text();
    let (ids, rest) = text
        .split_at_checked(usize::from(ends[1]))
        .unwrap_or((text, ""));
    let (ids_mask, rest_mask) = (mask_of(ids), mask_of(rest));
    if ids_mask & !HEX_CHARS == 0 {
        DeviceMask {
            chars: rest_mask | hex_bits(ids_mask) << ID_SHIFT | HEX_IDS_BIT,
            pairs: pairs_of(rest.as_bytes()),
        }
    } else {
        DeviceMask {
            chars: ids_mask | rest_mask,
            pairs: pairs_of(text.as_bytes()),
        }
    }
}

/// The pairs of adjacent ASCII letters in `bytes`, ignoring case, each hashed to one of 64
/// bits. Pairs across two fields set bits too, which only admits a device more often.
fn pairs_of(bytes: &[u8]) -> u64 {
    let mut pairs = 0;
    let mut previous = NOT_A_LETTER;
    for &b in bytes {
        let letter = LETTER_OF[usize::from(b)];
        pairs |= PAIR_BITS[usize::from(previous) << 5 | usize::from(letter)];
        previous = letter;
    }
    pairs
}

/// What [`LETTER_OF`] gives a byte that is not an ASCII letter.
const NOT_A_LETTER: u8 = 31;

/// Each byte's letter (0 for `a` or `A` to 25), or [`NOT_A_LETTER`].
const LETTER_OF: [u8; 256] = {
    let mut letters = [NOT_A_LETTER; 256];
    let mut b = 0;
    while b < 26 {
        letters[b'a' as usize + b] = b as u8;
        letters[b'A' as usize + b] = b as u8;
        b += 1;
    }
    letters
};

/// The bit of each pair of letters, at `first << 5 | second` (none where either is not a
/// letter): a multiplicative hash of the pair, so common pairs spread over the bits.
const PAIR_BITS: [u64; 1024] = {
    let mut bits = [0u64; 1024];
    let mut first = 0;
    while first < 26 {
        let mut second = 0;
        while second < 26 {
            let pair = (first * 26 + second) as u32;
            bits[first << 5 | second] = 1 << (pair.wrapping_mul(0x9E37_79B1) >> 26);
            second += 1;
        }
        first += 1;
    }
    bits
};

/// The bits of the characters a GUID holds: `a`–`f`, `0`–`9` and `-`.
const HEX_CHARS: u64 = 0x3F | 0x7FF << 26;

/// The bits of `mask`'s hex characters packed into 17: `a`–`f`, then `0`–`9` and `-`.
fn hex_bits(mask: u64) -> u64 {
    mask & 0x3F | (mask >> 26 & 0x7FF) << 6
}

/// Where the characters of hex ids are kept in a device's mask.
const ID_SHIFT: u32 = 42;

/// The bit of a device whose ids hold only hex digits and dashes: a needle with any other
/// character is looked for from its name on.
const HEX_IDS_BIT: u64 = 1 << 63;

/// The bits of the characters of the searched fields (after the ids, when they are hex).
const TEXT_BITS: u64 = ((1 << ID_SHIFT) - 1) | BEYOND_ASCII_BIT;

/// What a fuzzy pattern asks of a device's mask before its text is scored: a pattern whose
/// words are plain (lower-case letters, digits, `-._@`) matches only devices whose fields
/// hold each of their characters, or text beyond ASCII (which normalisation may match to
/// them).
pub(super) struct FuzzyPrefilter {
    /// The characters of the pattern's words; none for a pattern with any other character.
    mask: u64,
}

impl FuzzyPrefilter {
    /// The prefilter for `pattern`, lower-case already.
    pub(super) fn new(pattern: &str) -> Self {
        // A space only parts words: each word is matched within one field, so every
        // character of every word is in the device's fields.
        let plain = pattern.chars().all(exact_bit);
        let words: String = pattern.split(' ').collect();
        FuzzyPrefilter {
            mask: if plain { mask_of(&words) } else { 0 },
        }
    }

    /// Whether a device with `mask` may match the pattern.
    pub(super) fn admits(&self, mask: u64) -> bool {
        mask & BEYOND_ASCII_BIT != 0 || mask & TEXT_BITS & self.mask == self.mask
    }

    /// Of 64 devices (a bit each), those [`Self::surely_held`] and those [`Self::admits`]:
    /// `holding(bits)` gives the devices whose masks have every one of `bits`.
    pub(super) fn held_and_admitted(&self, holding: impl Fn(u64) -> u64) -> (u64, u64) {
        let chars = holding(self.mask);
        let beyond = holding(BEYOND_ASCII_BIT);
        let held = if self.mask == 0 {
            0
        } else {
            chars & holding(HEX_IDS_BIT) & !beyond
        };
        (held, chars | beyond)
    }

    /// Whether the fields after the ids of a device with `mask` surely hold every character
    /// of the pattern: its ids are hex and its text ASCII, so its mask says exactly which
    /// characters those fields hold. A pattern of one-character words matches such a device.
    pub(super) fn surely_held(&self, mask: u64) -> bool {
        self.mask != 0
            && mask & (HEX_IDS_BIT | BEYOND_ASCII_BIT) == HEX_IDS_BIT
            && mask & self.mask == self.mask
    }
}

/// How often a byte turns up in device text, roughly (0 rarest): hex digits and dashes fill
/// every id, so a needle is looked for by its rarest byte.
fn commonness(b: u8) -> u8 {
    match b {
        b'q' | b'z' | b'j' | b'x' => 1,
        b'@' | b'_' | b'k' | b'v' | b'w' | b'y' => 2,
        b'g' | b'p' | b'u' | b'h' => 3,
        b'm' | b'l' => 4,
        b'o' | b'r' | b's' | b'n' | b'i' | b't' | b'.' | b' ' => 5,
        b'a'..=b'f' => 7,
        b'0'..=b'9' | b'-' => 8,
        _ => 0,
    }
}

/// How a needle is looked for in a device's text.
enum Search<'n> {
    /// Matches everything.
    Empty,
    /// An ASCII needle, compared byte by byte ignoring case, found by its rarest byte.
    Ascii { bytes: &'n [u8], rare: usize },
    /// A needle beyond ASCII: each field lower-cased and searched.
    Unicode(&'n str),
}

/// A needle made ready for many devices: its mask, and how it is looked for.
pub(super) struct Needle<'n> {
    mask: u64,
    /// The needle holds a character no GUID does, so it is not in a device's hex ids.
    beyond_hex: bool,
    /// The needle's characters as a device's mask keeps those of its hex ids.
    ids_mask: u64,
    /// No character, or a single one with a bit of its own: the mask alone decides.
    mask_decides: bool,
    /// The needle's pairs of adjacent letters, as a device's mask keeps them; none for a
    /// needle beyond ASCII.
    pairs: u64,
    search: Search<'n>,
}

impl<'n> Needle<'n> {
    /// `needle` is lower-case already.
    pub(super) fn new(needle: &'n str) -> Self {
        let mut chars = needle.chars();
        let mask_decides = match (chars.next(), chars.next()) {
            (None, _) => true,
            (Some(c), None) => exact_bit(c),
            _ => false,
        };
        let search = if needle.is_empty() {
            Search::Empty
        } else if needle.is_ascii() {
            let bytes = needle.as_bytes();
            let rare = (0..bytes.len())
                .min_by_key(|&i| commonness(bytes[i]))
                .unwrap_or(0);
            Search::Ascii { bytes, rare }
        } else {
            Search::Unicode(needle)
        };
        let mask = mask_of(needle);
        Needle {
            mask,
            pairs: match needle.is_ascii() {
                true => pairs_of(needle.as_bytes()),
                false => 0,
            },
            beyond_hex: mask & !HEX_CHARS != 0,
            ids_mask: hex_bits(mask) << ID_SHIFT,
            mask_decides,
            search,
        }
    }

    /// Whether the needle occurs in one of the fields of `device` that `/` searches (never
    /// across two of them); `mask` is the device's.
    #[cfg(test)]
    pub(super) fn found_in(&self, device: DeviceRef<'_>, mask: DeviceMask) -> bool {
        self.decided_by_mask(mask)
            .unwrap_or_else(|| self.found_in_text(device.searched(), mask.chars))
    }

    /// Whether a device with `mask` holds the needle, when the mask alone says so; `None` when
    /// its text must be read.
    pub(super) fn decided_by_mask(&self, mask: DeviceMask) -> Option<bool> {
        match self.verdict(mask) {
            MASK_REFUSES => Some(false),
            MASK_ADMITS => Some(true),
            _ => None,
        }
    }

    /// What a device's `mask` says of the needle: [`MASK_REFUSES`], [`MASK_ADMITS`], or
    /// [`TEXT_DECIDES`]. Worked out without branches, for passes over every device. Text
    /// beyond ASCII may hold a character whose lower case is an ASCII letter, so its pairs of
    /// letters do not decide.
    #[inline]
    pub(super) fn verdict(&self, mask: DeviceMask) -> u32 {
        let chars = mask.chars;
        let in_text = self.maybe_in_text(chars)
            & ((chars & BEYOND_ASCII_BIT != 0) | (mask.pairs & self.pairs == self.pairs));
        u32::from(in_text | self.maybe_in_ids(chars)) << u32::from(!self.mask_decides)
    }

    /// What a device's `chars` must hold for it to hold the needle, as
    /// [`Masks::holding`](super::masks::Masks::holding) asks: every character of the needle in
    /// its text, or (when the needle may be in hex ids) in its hex ids. Its pairs of letters
    /// are not asked about, so a device this admits may still be refused by its mask.
    pub(super) fn char_needs(&self) -> (Option<u64>, Option<(u64, u32)>) {
        let text = (self.mask & !TEXT_BITS == 0).then_some(self.mask);
        let ids = (!self.beyond_hex).then_some((self.ids_mask, HEX_IDS_BIT.trailing_zeros()));
        (text, ids)
    }

    /// Whether a device's mask alone says whether it holds the needle.
    pub(super) fn mask_decides(&self) -> bool {
        self.mask_decides
    }

    /// Whether the fields the text bits of `mask` stand for hold every character of the
    /// needle (all of a device's searched fields, or those after its hex ids).
    fn maybe_in_text(&self, mask: u64) -> bool {
        mask & TEXT_BITS & self.mask == self.mask
    }

    /// Whether the needle may be in the hex ids of a device with `mask`.
    fn maybe_in_ids(&self, mask: u64) -> bool {
        mask & HEX_IDS_BIT != 0 && !self.beyond_hex && mask & self.ids_mask == self.ids_mask
    }

    /// Whether the needle is in a device's searched fields (`text`), whose mask admits it.
    pub(super) fn found_in_text(&self, text: Searched<'_>, mask: u64) -> bool {
        match self.search {
            Search::Empty => true,
            // Only text with a character whose lower case is ASCII needs the slow way.
            Search::Ascii { bytes, rare } if mask & LOWERCASES_INTO_ASCII_BIT == 0 => {
                // Hex ids are searched only when the needle may be in them, and the fields
                // after them only when it may be there.
                let from = if self.skips_ids(mask) {
                    text.ids_end()
                } else {
                    0
                };
                let until = if mask & HEX_IDS_BIT != 0 && !self.maybe_in_text(mask) {
                    text.bytes.get(..text.ids_end()).unwrap_or_default()
                } else {
                    text.bytes
                };
                find_ascii_ignoring_case(until, from, &text.ends, bytes, rare)
            }
            Search::Ascii { .. } | Search::Unicode(_) => self.found_lower_cased(text),
        }
    }

    /// Whether a search of a device with `mask` starts after its ids: they are hex, and the
    /// needle cannot be in them.
    pub(super) fn skips_ids(&self, mask: u64) -> bool {
        mask & HEX_IDS_BIT != 0 && !self.maybe_in_ids(mask)
    }

    /// The slow way, field by field: for needles beyond ASCII, and the rare text holding a
    /// character whose lower case is ASCII.
    fn found_lower_cased(&self, text: Searched<'_>) -> bool {
        let needle = match self.search {
            Search::Ascii { bytes, .. } => std::str::from_utf8(bytes).unwrap_or(""),
            Search::Unicode(needle) => needle,
            Search::Empty => return true,
        };
        text.fields().any(|field| {
            std::str::from_utf8(field).is_ok_and(|field| field.to_lowercase().contains(needle))
        })
    }
}

/// A [`Needle::verdict`]: the device does not hold the needle.
pub(super) const MASK_REFUSES: u32 = 0;
/// A [`Needle::verdict`]: the device holds the needle.
pub(super) const MASK_ADMITS: u32 = 1;
/// A [`Needle::verdict`]: the device's text must be read.
pub(super) const TEXT_DECIDES: u32 = 2;

/// The bit of the characters without a bit of their own (every one beyond ASCII).
const OTHER_BIT: u64 = 1 << 41;

/// The bit of text holding a character beyond ASCII (which also sets [`OTHER_BIT`]).
const BEYOND_ASCII_BIT: u64 = 1 << 59;

/// The bit of text holding a character beyond ASCII whose lower case is ASCII (the Kelvin
/// sign, and the capital I with a dot, whose lower case begins with `i`): an ASCII needle
/// compared byte by byte would miss it. Set with [`BEYOND_ASCII_BIT`].
const LOWERCASES_INTO_ASCII_BIT: u64 = 1 << 60;

/// Whether `needle` (lower-case ASCII) occurs in `text` from `from` on, ignoring ASCII case,
/// within one field (`ends`: where each field ends). Candidates are found by the needle's byte
/// at `rare`.
fn find_ascii_ignoring_case(
    text: &[u8],
    from: usize,
    ends: &[u16],
    needle: &[u8],
    rare: usize,
) -> bool {
    let n = needle.len();
    let Some(last_start) = text.len().checked_sub(n) else {
        return false;
    };
    let lower = needle[rare];
    let upper = lower.to_ascii_uppercase();
    let mut from = from + rare;
    let until = last_start + rare;
    while from <= until {
        let window = &text[from..=until];
        let found = if lower == upper {
            memchr(lower, window)
        } else {
            memchr2(lower, upper, window)
        };
        let Some(at) = found else {
            return false;
        };
        let start = from + at - rare;
        let end = start + n;
        if text[start..end].eq_ignore_ascii_case(needle)
            && !ends
                .iter()
                .any(|&e| start < e as usize && (e as usize) < end)
        {
            return true;
        }
        from += at + 1;
    }
    false
}

#[cfg(test)]
mod tests;
