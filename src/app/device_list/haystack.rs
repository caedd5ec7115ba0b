//! Text as nucleo's matcher reads it: each field lower-cased and, for an ASCII pattern,
//! folded to ASCII where every character has an ASCII base letter, so that matching it takes
//! nucleo's fast path with the score nucleo gives the field itself.

use nucleo_matcher::Utf32Str;

/// Room for a field as nucleo matches it, reused from field to field.
#[derive(Default)]
pub(super) struct Haystack {
    lower: String,
    chars: Vec<char>,
    ascii: Vec<u8>,
}

impl Haystack {
    /// `field` as nucleo matches it: ASCII as it is (nucleo ignores its case itself), other
    /// text lower-cased and given to [`Haystack::of`].
    pub(super) fn field<'a>(&'a mut self, field: &'a str, fold: bool) -> Utf32Str<'a> {
        if field.is_ascii() {
            return Utf32Str::Ascii(field.as_bytes());
        }
        self.lower.clear();
        for c in field.chars() {
            if c.is_ascii() {
                self.lower.push(c.to_ascii_lowercase());
            } else {
                self.lower.extend(c.to_lowercase());
            }
        }
        haystack_of(&self.lower, &mut self.chars, &mut self.ascii, fold)
    }

    /// `text` (lower-case) as nucleo matches it: a character a grapheme (the first of each),
    /// as `Utf32Str::new` makes it, without looking for graphemes in text whose characters
    /// are each one ([`is_grapheme_alone`]). With `fold` (the pattern is ASCII, so nucleo
    /// matches each character of the text by its base letter), letters like `é` are given as
    /// their base letter, so the text is matched on nucleo's ASCII path: the same score,
    /// several times faster.
    #[cfg(test)]
    pub(super) fn of<'a>(&'a mut self, text: &'a str, fold: bool) -> Utf32Str<'a> {
        haystack_of(text, &mut self.chars, &mut self.ascii, fold)
    }
}

/// See [`Haystack::of`]; `chars` and `ascii` are the room it may use.
fn haystack_of<'a>(
    text: &'a str,
    chars: &'a mut Vec<char>,
    ascii: &'a mut Vec<u8>,
    fold: bool,
) -> Utf32Str<'a> {
    if text.is_ascii() || !text.chars().all(is_grapheme_alone) {
        return Utf32Str::new(text, chars);
    }
    if fold {
        ascii.clear();
        let folded = text.chars().all(|c| match ascii_base(c) {
            Some(b) => {
                ascii.push(b);
                true
            }
            None => false,
        });
        if folded {
            return Utf32Str::Ascii(ascii);
        }
    }
    chars.clear();
    chars.extend(text.chars());
    Utf32Str::Unicode(chars)
}

/// Whether `c` is a grapheme by itself whatever is beside it: below the combining
/// diacritical marks (U+0300) but a carriage return, or the general punctuation that joins
/// nothing (dashes, quotes, `…`; not the zero-width joiners, separators and controls).
fn is_grapheme_alone(c: char) -> bool {
    matches!(c, '\0'..='\u{2ff}' | '\u{2010}'..='\u{2027}' | '\u{2030}'..='\u{205e}') && c != '\r'
}

/// The ASCII byte nucleo matches `c` (lower-case) as, when it matches it as one of the same
/// kind: an ASCII character, or a lower-case letter whose base letter is ASCII.
fn ascii_base(c: char) -> Option<u8> {
    if c.is_ascii() {
        return u8::try_from(c).ok();
    }
    let base = nucleo_matcher::chars::normalize(c);
    (base.is_ascii_lowercase() && c.is_lowercase()).then_some(base as u8)
}

/// A character of a field as [`Haystack::field`] reads it: lower-cased, with the ASCII byte
/// it folds to for an ASCII pattern (`None` when it has none).
#[derive(Clone, Copy)]
pub(super) struct ReadChar {
    pub(super) char: char,
    pub(super) ascii: Option<u8>,
}

/// The characters of `field` (not ASCII) as [`Haystack::field`] reads it for an ASCII
/// pattern, one at a time without building the text; an item is `None` where the field must
/// be read whole (a character lower-cases to several, or may join its neighbours in one
/// grapheme). Read as ASCII (the bytes) when every character has an ASCII byte, else as the
/// characters.
pub(super) fn read_chars(field: &str) -> impl Iterator<Item = Option<ReadChar>> + '_ {
    field.chars().map(read_char)
}

/// One character as [`read_chars`] reads it.
pub(super) fn read_char(c: char) -> Option<ReadChar> {
    if let Ok(byte) = u8::try_from(c)
        && byte.is_ascii()
    {
        let byte = byte.to_ascii_lowercase();
        return Some(ReadChar {
            char: char::from(byte),
            ascii: Some(byte),
        });
    }
    let mut lower = c.to_lowercase();
    let char = lower.next()?;
    if lower.next().is_some() || !is_grapheme_alone(char) {
        return None;
    }
    Some(ReadChar {
        char,
        ascii: ascii_base(char),
    })
}
