//! What `/` finds: a needle searched case-insensitively in each device's own text, in place
//! (the text is held once), with a mask of the characters each device's searched fields hold,
//! so most devices are passed over without reading their text at all.

use memchr::{memchr, memchr2};

use crate::domain::{DeviceRef, DeviceTable};

/// Separates fields in the text fuzzy matching scores; sanitised text never contains it.
pub(super) const FIELD_SEPARATOR: char = '\u{1}';

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
/// ASCII set the last.
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
            _ => 1 << 41,
        };
        b += 1;
    }
    bits
};

/// The characters `text` holds once lower-cased, as a mask; text beyond ASCII has the
/// "other" bit.
fn mask_of(text: &str) -> u64 {
    if text.is_ascii() {
        text.bytes().fold(0, |mask, b| mask | BYTE_BITS[b as usize])
    } else {
        // Beyond ASCII the "other" bit is always set, even when every character's lower case
        // has a bit of its own (the Kelvin sign's is k): the text is then looked at closely.
        text.chars()
            .flat_map(char::to_lowercase)
            .fold(OTHER_BIT, |mask, c| mask | char_bit(c))
    }
}

/// The mask of the fields `/` searches in `device`, with [`HEX_IDS_BIT`] when its two ids
/// hold nothing but hex digits and dashes (as Graph's GUIDs do).
pub(super) fn device_mask(device: DeviceRef<'_>) -> u64 {
    let (text, ends) = device.searched_text();
    let ids = text
        .as_bytes()
        .get(..usize::from(ends[1]))
        .unwrap_or_default();
    let hex_ids = ids.iter().all(|&b| is_id_byte(b));
    mask_of(text) | if hex_ids { HEX_IDS_BIT } else { 0 }
}

/// Whether `b` may be part of a GUID: a hex digit or a dash.
fn is_id_byte(b: u8) -> bool {
    b.is_ascii_hexdigit() || b == b'-'
}

/// The bit of a device whose ids hold only hex digits and dashes: a needle with any other
/// character is looked for from its name on.
const HEX_IDS_BIT: u64 = 1 << 63;

/// The masks of `devices`, computed on every core for long lists.
pub(super) fn masks_of(devices: &DeviceTable) -> Vec<u64> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if devices.len() < 50_000 || threads <= 1 {
        return devices.iter().map(device_mask).collect();
    }
    let part = devices.len().div_ceil(threads);
    // Each core fills its own stretch of the one list.
    let mut masks = vec![0u64; devices.len()];
    std::thread::scope(|scope| {
        for (share, out) in masks.chunks_mut(part).enumerate() {
            scope.spawn(move || {
                for (mask, device) in out.iter_mut().zip(devices.iter_from(share * part)) {
                    *mask = device_mask(device);
                }
            });
        }
    });
    masks
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
    /// A single character with a bit of its own: the mask alone decides.
    mask_decides: bool,
    search: Search<'n>,
}

impl<'n> Needle<'n> {
    /// `needle` is lower-case already.
    pub(super) fn new(needle: &'n str) -> Self {
        let mut chars = needle.chars();
        let mask_decides = match (chars.next(), chars.next()) {
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
        Needle {
            mask: mask_of(needle),
            beyond_hex: !needle.bytes().all(is_id_byte),
            mask_decides,
            search,
        }
    }

    /// Whether the needle occurs in one of the fields of `device` that `/` searches (never
    /// across two of them); `mask` is the device's.
    #[cfg(test)]
    pub(super) fn found_in(&self, device: DeviceRef<'_>, mask: u64) -> bool {
        self.decided_by_mask(mask)
            .unwrap_or_else(|| self.found_in_text(device, mask))
    }

    /// Whether a device with `mask` holds the needle, when the mask alone says so; `None` when
    /// its text must be read.
    pub(super) fn decided_by_mask(&self, mask: u64) -> Option<bool> {
        if matches!(self.search, Search::Empty) {
            return Some(true);
        }
        if mask & self.mask != self.mask {
            return Some(false);
        }
        self.mask_decides.then_some(true)
    }

    /// Whether the needle is in the text of `device`, whose mask admits it.
    pub(super) fn found_in_text(&self, device: DeviceRef<'_>, mask: u64) -> bool {
        let (text, ends) = device.searched_text();
        match self.search {
            Search::Empty => true,
            // A text with no character beyond ASCII has no "other" bit (unless it holds
            // rarer ASCII punctuation): it needs no further look.
            Search::Ascii { bytes, rare }
                if mask & OTHER_BIT == 0 || !lowercases_into_ascii(text) =>
            {
                let from = if self.beyond_hex && mask & HEX_IDS_BIT != 0 {
                    usize::from(ends[1])
                } else {
                    0
                };
                find_ascii_ignoring_case(text.as_bytes(), from, &ends, bytes, rare)
            }
            Search::Ascii { .. } => self.found_lower_cased(device),
            Search::Unicode(_) => self.found_lower_cased(device),
        }
    }

    /// The slow way, field by field: for needles beyond ASCII, and the rare text holding a
    /// character whose lower case is ASCII.
    fn found_lower_cased(&self, device: DeviceRef<'_>) -> bool {
        let needle = match self.search {
            Search::Ascii { bytes, .. } => std::str::from_utf8(bytes).unwrap_or(""),
            Search::Unicode(needle) => needle,
            Search::Empty => return true,
        };
        device
            .searched_fields()
            .iter()
            .any(|field| field.to_lowercase().contains(needle))
    }
}

/// Whether `text` holds a character beyond ASCII whose lower case is ASCII (the Kelvin sign,
/// and the capital I with a dot, whose lower case begins with `i`): an ASCII needle compared
/// byte by byte would miss it.
fn lowercases_into_ascii(text: &str) -> bool {
    // Their first bytes (E2 for the Kelvin sign, C4 for the I) are found at memory speed,
    // and only there are the bytes after them read (U+212A is E2 84 AA, U+0130 is C4 B0).
    let bytes = text.as_bytes();
    memchr::memchr2_iter(0xE2, 0xC4, bytes).any(|at| {
        matches!(
            bytes.get(at..),
            Some([0xE2, 0x84, 0xAA, ..] | [0xC4, 0xB0, ..])
        )
    })
}

/// The bit of the characters without a bit of their own (every one beyond ASCII).
const OTHER_BIT: u64 = 1 << 41;

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

/// Writes the text fuzzy matching scores for `device` into `out`: every searched field but
/// the ids (whose hex digits would match almost any pattern), lower-case, each but the last
/// followed by [`FIELD_SEPARATOR`].
pub(super) fn write_fuzzy_text(out: &mut String, device: DeviceRef<'_>) {
    out.clear();
    let fields = device.searched_fields();
    for (i, field) in fields.iter().enumerate().skip(2) {
        if i > 2 {
            out.push(FIELD_SEPARATOR);
        }
        if field.is_ascii() {
            let start = out.len();
            out.push_str(field);
            if let Some(added) = out.get_mut(start..) {
                added.make_ascii_lowercase();
            }
        } else {
            out.push_str(&field.to_lowercase());
        }
    }
}

#[cfg(test)]
mod tests;
