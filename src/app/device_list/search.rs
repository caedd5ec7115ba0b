//! The text `/` searches, for every device: lower-case, in one contiguous arena (no allocation
//! a device, scanned at memory speed), with a mask of the characters each holds so most
//! devices are passed over without reading their text at all.

use memchr::memmem::Finder;

use crate::domain::Device;

/// Separates fields in a search text; sanitised text never contains it.
pub(super) const FIELD_SEPARATOR: char = '\u{1}';

/// Each device's search text, one after another.
#[derive(Clone, Debug, Default)]
pub(super) struct SearchTexts {
    arena: String,
    /// Where each device's text starts in `arena`, and how long it is.
    spans: Vec<(u32, u32)>,
    /// The characters each device's text holds (see [`char_bit`]).
    masks: Vec<u64>,
    /// Bytes of `arena` no span points to any more (texts replaced by longer ones).
    dead: usize,
}

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
    char_bit(c) != 1 << 41
}

/// The search text of `device`: name, user, UPN, serial number, model and id, lower-case,
/// each followed by [`FIELD_SEPARATOR`].
pub fn search_text(device: &Device) -> Box<str> {
    let mut text = String::new();
    write_search_text(&mut text, device);
    text.into_boxed_str()
}

fn write_search_text(text: &mut String, device: &Device) {
    for field in [
        device.name(),
        device.user_display_name(),
        device.user_principal_name(),
        device.serial_number(),
        device.model(),
        device.id(),
    ] {
        if field.is_ascii() {
            // Copied whole, then lower-cased in place: no character at a time.
            let start = text.len();
            text.push_str(field);
            if let Some(added) = text.get_mut(start..) {
                added.make_ascii_lowercase();
            }
        } else {
            text.push_str(&field.to_lowercase());
        }
        text.push(FIELD_SEPARATOR);
    }
}

/// Each ASCII byte's bit (the separator's is none); bytes of other characters set the last.
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
            0x01 => 0,
            _ => 1 << 41,
        };
        b += 1;
    }
    bits
};

fn mask_of(text: &str) -> u64 {
    if text.is_ascii() {
        text.bytes().fold(0, |mask, b| mask | BYTE_BITS[b as usize])
    } else {
        text.chars()
            .filter(|&c| c != FIELD_SEPARATOR)
            .fold(0, |mask, c| mask | char_bit(c))
    }
}

/// A needle made ready for many texts: its mask, and its finder.
pub(super) struct Needle<'n> {
    mask: u64,
    /// A single character with a bit of its own: the mask alone decides.
    mask_decides: bool,
    finder: Finder<'n>,
    empty: bool,
}

impl<'n> Needle<'n> {
    /// `needle` is lower-case already.
    pub(super) fn new(needle: &'n str) -> Self {
        let mut chars = needle.chars();
        let mask_decides = match (chars.next(), chars.next()) {
            (Some(c), None) => exact_bit(c),
            _ => false,
        };
        Needle {
            mask: mask_of(needle),
            mask_decides,
            finder: Finder::new(needle.as_bytes()),
            empty: needle.is_empty(),
        }
    }
}

impl SearchTexts {
    /// How many devices it holds.
    pub(super) fn len(&self) -> usize {
        self.spans.len()
    }

    /// Makes room for `devices` more devices of about `bytes_each`.
    pub(super) fn reserve(&mut self, devices: usize, bytes_each: usize) {
        self.spans.reserve_exact(devices);
        self.masks.reserve_exact(devices);
        self.arena.reserve_exact(devices.saturating_mul(bytes_each));
    }

    /// Adds the text of `device`, last.
    pub(super) fn push(&mut self, device: &Device) {
        let start = self.arena.len();
        write_search_text(&mut self.arena, device);
        let text = &self.arena[start..];
        self.masks.push(mask_of(text));
        self.spans
            .push((offset(start), offset(self.arena.len() - start)));
    }

    /// Replaces the text of device `index` with that of `device`: in place when it fits.
    pub(super) fn set(&mut self, index: usize, device: &Device) {
        let Some(&(start, len)) = self.spans.get(index) else {
            return;
        };
        let text = search_text(device);
        let (start, len) = (start as usize, len as usize);
        if self.arena.get(start..start + len) == Some(&*text) {
            // A refresh mostly brings devices whose text has not changed.
            return;
        }
        let span = if text.len() <= len {
            // The old text's whole span is overwritten (its ends are character boundaries);
            // what follows the new text is dead until the arena is compacted.
            let mut padded = String::with_capacity(len);
            padded.push_str(&text);
            padded.extend(std::iter::repeat_n(' ', len - text.len()));
            self.arena.replace_range(start..start + len, &padded);
            self.dead += len - text.len();
            (start, text.len())
        } else {
            self.dead += len;
            let at = self.arena.len();
            self.arena.push_str(&text);
            (at, text.len())
        };
        self.spans[index] = (offset(span.0), offset(span.1));
        self.masks[index] = mask_of(&text);
        if self.dead > self.arena.len() / 2 {
            self.compact();
        }
    }

    /// The search text of device `index`.
    pub(super) fn get(&self, index: usize) -> Option<&str> {
        let &(start, len) = self.spans.get(index)?;
        self.arena
            .get(start as usize..start as usize + len as usize)
    }

    /// Whether device `index`'s text contains the needle.
    pub(super) fn contains(&self, index: usize, needle: &Needle<'_>) -> bool {
        if needle.empty {
            return true;
        }
        let Some(&mask) = self.masks.get(index) else {
            return false;
        };
        if mask & needle.mask != needle.mask {
            return false;
        }
        if needle.mask_decides {
            return true;
        }
        self.get(index)
            .is_some_and(|text| needle.finder.find(text.as_bytes()).is_some())
    }

    /// Keeps the devices `keep` says, in order.
    pub(super) fn retain(&mut self, mut keep: impl FnMut(usize) -> bool) {
        let mut kept = SearchTexts::default();
        kept.reserve(self.len(), 0);
        kept.arena.reserve(self.arena.len() - self.dead);
        for i in 0..self.len() {
            if keep(i)
                && let Some(text) = self.get(i)
            {
                let start = kept.arena.len();
                kept.arena.push_str(text);
                kept.spans.push((offset(start), offset(text.len())));
                kept.masks.push(self.masks[i]);
            }
        }
        *self = kept;
    }

    /// The texts of `devices`, built on every core (a cached list of a million devices is
    /// shown at once).
    pub(super) fn of_all(devices: &[Device]) -> SearchTexts {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        if devices.len() < 50_000 || threads <= 1 {
            let mut texts = SearchTexts::default();
            texts.reserve(devices.len(), 128);
            for device in devices {
                texts.push(device);
            }
            return texts;
        }
        let part = devices.len().div_ceil(threads);
        let parts: Vec<SearchTexts> = std::thread::scope(|scope| {
            let running: Vec<_> = devices
                .chunks(part)
                .map(|chunk| scope.spawn(move || SearchTexts::of_all(chunk)))
                .collect();
            running
                .into_iter()
                .map(|t| {
                    t.join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                })
                .collect()
        });
        let mut texts = SearchTexts::default();
        texts.reserve(devices.len(), 0);
        texts
            .arena
            .reserve_exact(parts.iter().map(|p| p.arena.len()).sum());
        for part in parts {
            let base = texts.arena.len();
            texts.arena.push_str(&part.arena);
            texts.spans.extend(
                part.spans
                    .iter()
                    .map(|&(start, len)| (offset(base + start as usize), len)),
            );
            texts.masks.extend(part.masks);
        }
        texts
    }

    /// Forgets every text.
    pub(super) fn clear(&mut self) {
        *self = SearchTexts::default();
    }

    fn compact(&mut self) {
        self.retain(|_| true);
    }
}

/// A position in the arena: an arena of more than 4 GiB of search text (some 25 million
/// devices) is not supported.
fn offset(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::DeviceFields;

    fn device(id: &str, name: &str) -> Device {
        Device::new(DeviceFields {
            id: id.into(),
            name: name.into(),
            user_principal_name: "alice@contoso.com".into(),
            ..DeviceFields::default()
        })
    }

    #[test]
    fn texts_are_found_replaced_and_kept_in_order() {
        let mut texts = SearchTexts::default();
        for (i, name) in ["DESKTOP-1", "LAPTOP-2", "Kiosk Ümlaut"].iter().enumerate() {
            texts.push(&device(&format!("id{i}"), name));
        }
        let desk = Needle::new("desk");
        let found: Vec<usize> = (0..3).filter(|&i| texts.contains(i, &desk)).collect();
        assert_eq!(found, [0]);
        assert!(texts.contains(2, &Needle::new("ümlaut")));
        assert!(
            texts.contains(1, &Needle::new("2")),
            "a single character, by its mask"
        );
        assert!(!texts.contains(1, &Needle::new("z")));
        assert!(texts.contains(0, &Needle::new("")));
        texts.set(0, &device("id0", "PC"));
        assert!(!texts.contains(0, &desk));
        assert!(texts.contains(0, &Needle::new("pc")));
        texts.set(1, &device("id1", "A-MUCH-LONGER-NAME-THAN-BEFORE"));
        assert!(texts.contains(1, &Needle::new("longer")));
        texts.retain(|i| i != 0);
        assert_eq!(texts.len(), 2);
        assert!(texts.contains(0, &Needle::new("longer")));
        assert!(texts.get(1).is_some_and(|t| t.starts_with("kiosk ümlaut")));
    }

    #[test]
    fn texts_built_on_every_core_are_those_built_one_by_one() {
        let devices: Vec<Device> = (0..120_003)
            .map(|i| device(&format!("id{i}"), &format!("PC-{i}-É")))
            .collect();
        let mut one_by_one = SearchTexts::default();
        for d in &devices {
            one_by_one.push(d);
        }
        let together = SearchTexts::of_all(&devices);
        assert_eq!(together.len(), one_by_one.len());
        for i in [0, 1, 60_000, 60_001, 120_002] {
            assert_eq!(together.get(i), one_by_one.get(i), "{i}");
            assert_eq!(together.masks[i], one_by_one.masks[i]);
        }
    }

    #[test]
    fn the_byte_table_agrees_with_the_character_bits() {
        for b in 0u8..128 {
            let c = b as char;
            let want = if c == FIELD_SEPARATOR {
                0
            } else {
                char_bit(c.to_ascii_lowercase())
            };
            assert_eq!(BYTE_BITS[b as usize], want, "{b}");
        }
    }

    #[test]
    fn the_mask_never_hides_a_match() {
        let texts = {
            let mut t = SearchTexts::default();
            t.push(&device("00112233", "Café-été_01 @x"));
            t
        };
        for needle in ["é", "café", "-", "_0", "@x", "été_", " @", "00112233"] {
            assert!(texts.contains(0, &Needle::new(needle)), "{needle}");
        }
        assert!(
            !texts.contains(0, &Needle::new("ü")),
            "another character of the same bucket is still checked"
        );
    }
}
