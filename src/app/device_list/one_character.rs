//! A fuzzy word of one ASCII character scored without the matcher: the score nucleo's
//! `Config::DEFAULT` (case ignored, text normalized) gives it, from a table of the character
//! before each place it occurs.
//!
//! A one-character word scores where it scores best, and each place scores by the class of
//! the character before it (a field's start counts as after a space) and of its own. Read
//! this way, a device's fields are scored in one pass over their stored text, where the
//! matcher would be called once a field.

use nucleo_matcher::Utf32Str;
use nucleo_matcher::chars::{is_upper_case, normalize, to_lower_case};

use super::haystack::read_chars;

mod fields;

/// nucleo's score for a matched character, and the bonuses it adds for what precedes it.
const SCORE_MATCH: u16 = 16;
const BONUS_BOUNDARY: u16 = SCORE_MATCH / 2;
const BONUS_BOUNDARY_WHITE: u16 = BONUS_BOUNDARY + 2;
const BONUS_BOUNDARY_DELIMITER: u16 = BONUS_BOUNDARY + 1;
const BONUS_CAMEL123: u16 = BONUS_BOUNDARY - 3;
const BONUS_NON_WORD: u16 = BONUS_BOUNDARY;
/// The first (here, only) character of a word counts its bonus this many times.
const BONUS_FIRST_CHARACTER: u16 = 2;
/// The characters `Config::DEFAULT` counts as delimiters.
const DELIMITERS: &[u8] = b"/,:;|";

/// The kinds of character nucleo tells apart when it scores a place, in its order.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Class {
    Whitespace,
    NonWord,
    Delimiter,
    Lower,
    Upper,
    Letter,
    Number,
}

/// The class of a byte of text the matcher reads as bytes (ASCII but for the bytes
/// `Utf32Str::new` leaves in text whose graphemes start with ASCII: non-word).
fn ascii_class(b: u8) -> Class {
    match b {
        b'a'..=b'z' => Class::Lower,
        b'A'..=b'Z' => Class::Upper,
        b'0'..=b'9' => Class::Number,
        _ if b.is_ascii_whitespace() => Class::Whitespace,
        _ if DELIMITERS.contains(&b) => Class::Delimiter,
        _ => Class::NonWord,
    }
}

/// The class of any character.
fn class(c: char) -> Class {
    match u8::try_from(c) {
        Ok(b) if b.is_ascii() => ascii_class(b),
        _ if c.is_lowercase() => Class::Lower,
        _ if is_upper_case(c) => Class::Upper,
        _ if c.is_numeric() => Class::Number,
        _ if c.is_alphabetic() => Class::Letter,
        _ if c.is_whitespace() => Class::Whitespace,
        _ => Class::NonWord,
    }
}

/// The bonus of a character of class `class` after one of class `before`.
fn bonus(before: Class, class: Class) -> u16 {
    if class > Class::Delimiter {
        match before {
            Class::Whitespace => return BONUS_BOUNDARY_WHITE,
            Class::Delimiter => return BONUS_BOUNDARY_DELIMITER,
            Class::NonWord => return BONUS_BOUNDARY,
            _ => {}
        }
    }
    if before == Class::Lower && class == Class::Upper
        || before != Class::Number && class == Class::Number
    {
        BONUS_CAMEL123
    } else if class == Class::Whitespace {
        BONUS_BOUNDARY_WHITE
    } else if class == Class::NonWord {
        BONUS_NON_WORD
    } else {
        0
    }
}

/// Whether ASCII byte `byte` after `before` starts a word: a letter or digit after a space,
/// which scores as at a field's start, the most there can be.
pub(super) fn starts_word(before: u8, byte: u8) -> bool {
    ascii_class(before) == Class::Whitespace && ascii_class(byte) > Class::Delimiter
}

/// The score of a place whose character is of class `class`, after one of class `before`.
fn place_score(before: Class, class: Class) -> u16 {
    SCORE_MATCH + BONUS_FIRST_CHARACTER * bonus(before, class)
}

/// Where the table keeps a place at the start of a field, after those of every byte.
const FIELD_START: usize = 256;

/// A word of one printable ASCII character, ready to score text.
pub(super) struct OneCharacter {
    /// The character as the word holds it (lower-case for a letter).
    lower: u8,
    /// Its other case, or itself.
    upper: u8,
    /// The score of a place by the byte before it ([`FIELD_START`] at a field's start), for
    /// the character as `lower` (first) and as `upper`.
    scores: [[u16; FIELD_START + 1]; 2],
}

impl OneCharacter {
    /// The scorer for the word `c`, a printable ASCII character (not a space; a letter in
    /// lower case, as the pattern holds it); `None` for any other.
    pub(super) fn new(c: u8) -> Option<Self> {
        if !c.is_ascii_graphic() || c.is_ascii_uppercase() {
            return None;
        }
        let upper = c.to_ascii_uppercase();
        let mut scores = [[0; FIELD_START + 1]; 2];
        for (form, byte) in [c, upper].into_iter().enumerate() {
            for (before, score) in scores[form].iter_mut().enumerate() {
                let before = u8::try_from(before).map_or(Class::Whitespace, ascii_class);
                *score = place_score(before, ascii_class(byte));
            }
        }
        Some(OneCharacter {
            lower: c,
            upper,
            scores,
        })
    }

    /// The highest score the word can have: where it starts a field or a word.
    pub(super) fn highest(&self) -> u16 {
        self.scores[0][FIELD_START]
    }

    /// The word's character, as the pattern holds it.
    pub(super) fn character(&self) -> u8 {
        self.lower
    }

    /// The word's score in `text` as the matcher gives `Utf32Str` text.
    pub(super) fn score(&self, text: Utf32Str<'_>) -> Option<u16> {
        match text {
            Utf32Str::Ascii(bytes) => self.in_ascii(bytes),
            Utf32Str::Unicode(chars) => self.in_unicode(chars),
        }
    }

    /// The best score in `text`, one field read as bytes.
    pub(super) fn in_ascii(&self, text: &[u8]) -> Option<u16> {
        let highest = self.scores[0][FIELD_START];
        // A field that starts with the character gives the highest score there can be (a
        // letter or digit after a space; every place alike for other characters).
        if text
            .first()
            .is_some_and(|&b| b == self.lower || b == self.upper)
        {
            return Some(highest);
        }
        let mut best = None;
        for i in memchr::memchr2_iter(self.lower, self.upper, text) {
            let before = i
                .checked_sub(1)
                .and_then(|before| text.get(before))
                .map_or(FIELD_START, |&b| usize::from(b));
            let form = usize::from(text.get(i) != Some(&self.lower));
            let score = self.scores[form][before];
            if best < Some(score) {
                best = Some(score);
                if score >= highest {
                    break;
                }
            }
        }
        best
    }

    /// The word's score in `field` (not ASCII) as [`Haystack::field`] reads it for an ASCII
    /// pattern, without building the text; `None` when the field must be read whole.
    ///
    /// [`Haystack::field`]: super::haystack::Haystack::field
    pub(super) fn in_field(&self, field: &str) -> Option<Option<u16>> {
        // Read as ASCII, every character folded to its byte, while each has one; and as
        // characters, for a field where one has none.
        let mut as_ascii = Some(None);
        let mut before = FIELD_START;
        let mut as_chars = UnicodePath::new(self.lower);
        for read in read_chars(field) {
            let read = read?;
            as_chars.read(read.char);
            let (Some(best), Some(byte)) = (&mut as_ascii, read.ascii) else {
                as_ascii = None;
                continue;
            };
            if byte == self.lower || byte == self.upper {
                let score = self.scores[usize::from(byte != self.lower)][before];
                *best = (*best).max(Some(score));
            }
            before = usize::from(byte);
        }
        Some(as_ascii.unwrap_or(as_chars.best))
    }

    /// The score in text of other characters, as nucleo's path for it gives it.
    fn in_unicode(&self, chars: &[char]) -> Option<u16> {
        let mut path = UnicodePath::new(self.lower);
        for &c in chars {
            path.read(c);
            if path.done {
                break;
            }
        }
        path.best
    }
}

/// nucleo's path for text of other characters, a character at a time: from the first place
/// the character (normalized, lower-cased) occurs, each later place scored after the class
/// of the place matched before it.
struct UnicodePath {
    needle: char,
    /// The character before the first place.
    previous: Option<char>,
    /// The class of the place matched last.
    after_place: Option<Class>,
    best: Option<u16>,
    /// Whether a place scored the highest there can be, where nucleo stops.
    done: bool,
}

impl UnicodePath {
    fn new(needle: u8) -> Self {
        UnicodePath {
            needle: char::from(needle),
            previous: None,
            after_place: None,
            best: None,
            done: false,
        }
    }

    /// Reads the next character.
    fn read(&mut self, c: char) {
        if self.done {
            return;
        }
        if folded(c) != self.needle {
            if self.best.is_none() {
                self.previous = Some(c);
            }
            return;
        }
        let here = class(c);
        let before = self
            .after_place
            .unwrap_or_else(|| self.previous.map_or(Class::Whitespace, class));
        let bonus = bonus(before, here);
        self.after_place = Some(here);
        self.best = self.best.max(Some(place_score(before, here)));
        self.done = bonus >= BONUS_BOUNDARY_WHITE;
    }
}

/// `c` as nucleo compares it with a pattern's character: normalized and lower-cased.
fn folded(c: char) -> char {
    if c.is_ascii() {
        c.to_ascii_lowercase()
    } else {
        to_lower_case(normalize(c))
    }
}

#[cfg(test)]
mod tests {
    use super::OneCharacter;
    use crate::app::device_list::haystack::Haystack;
    use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
    use nucleo_matcher::{Config, Matcher, Utf32Str};

    /// nucleo's score of the one-character pattern `word` in `text`.
    fn nucleo(word: &str, text: Utf32Str<'_>, matcher: &mut Matcher) -> Option<u16> {
        let pattern = Pattern::parse(word, CaseMatching::Ignore, Normalization::Smart);
        pattern
            .atoms
            .first()
            .and_then(|atom| atom.score(text, matcher))
    }

    /// Whether the pattern `word` is the word of its one character (not `!`, `^`, `$` or
    /// `'` alone, which nucleo reads as the marks they are).
    fn one_character_word(word: &str) -> bool {
        let pattern = Pattern::parse(word, CaseMatching::Ignore, Normalization::Smart);
        pattern
            .atoms
            .first()
            .is_some_and(|atom| atom.needle_text().len() == 1)
    }

    /// Fields of text beyond ASCII: accents, quotes, dashes, letters without an ASCII base.
    const FIELDS_BEYOND_ASCII: [&str; 8] = [
        "Chloé Müller",
        "Alice’s iPhone",
        "ÉLODIE’S D-PAD",
        "Zoë Ærø Łódź ǅ",
        "端末 PC-7",
        "Straße · ½ ²",
        "Ünïcode-PC",
        "a–b—c “d” e…",
    ];

    /// Every word of one printable character, as a pattern holds it, with its scorer.
    fn every_word() -> Vec<(String, OneCharacter)> {
        (b'!'..=b'~')
            .filter(|c| !c.is_ascii_uppercase())
            .map(|c| char::from(c).to_string())
            .filter(|word| one_character_word(word))
            .map(|word| match OneCharacter::new(word.as_bytes()[0]) {
                Some(scorer) => (word, scorer),
                None => panic!("no scorer for {word:?}"),
            })
            .collect()
    }

    #[test]
    fn every_place_scores_as_nucleo_scores_it() {
        let mut matcher = Matcher::new(Config::DEFAULT);
        let mut compared = 0;
        for c in b'!'..=b'~' {
            let word = char::from(c).to_ascii_lowercase().to_string();
            if !one_character_word(&word) {
                continue;
            }
            let Some(scorer) = OneCharacter::new(word.as_bytes()[0]) else {
                panic!("no scorer for {word:?}");
            };
            let forms = [c.to_ascii_lowercase(), c.to_ascii_uppercase()];
            // The character alone, after every byte, and before every one.
            let mut texts: Vec<Vec<u8>> = forms.iter().map(|&x| vec![x]).collect();
            for other in 0..=255u8 {
                for x in forms {
                    texts.extend([vec![other, x], vec![x, other], vec![other, x, other]]);
                }
            }
            for text in &texts {
                for kind in ["", "'"] {
                    let expected = nucleo(
                        &format!("{kind}{word}"),
                        Utf32Str::Ascii(text),
                        &mut matcher,
                    );
                    assert_eq!(
                        scorer.score(Utf32Str::Ascii(text)),
                        expected,
                        "{word:?} in {text:?}"
                    );
                    compared += 1;
                }
            }
        }
        assert!(compared > 100_000);
    }

    #[test]
    fn other_characters_score_as_nucleo_scores_them() {
        let mut matcher = Matcher::new(Config::DEFAULT);
        let texts = [
            "alice’s iphone",
            "chloé’s ipad",
            "élodie’s d-pad",
            "端末 pc-7",
            "straße · ½",
            "Ärger d",
            "ǅd",
            "x\u{2003}d",
            "ⅷd dé",
            "a’d’d e’e",
            "é",
            "Ď",
        ];
        let words = every_word();
        let mut compared = 0;
        for text in texts {
            let chars: Vec<char> = text.chars().collect();
            for (word, scorer) in &words {
                let expected = nucleo(word, Utf32Str::Unicode(&chars), &mut matcher);
                assert_eq!(
                    scorer.score(Utf32Str::Unicode(&chars)),
                    expected,
                    "{word:?} in {text:?}"
                );
                compared += usize::from(expected.is_some());
            }
        }
        assert!(compared > 50, "{compared} matched");
    }

    #[test]
    fn fields_read_a_character_at_a_time_score_as_read_whole() {
        let mut matcher = Matcher::new(Config::DEFAULT);
        let mut haystack = Haystack::default();
        let words = every_word();
        let mut compared = 0;
        for text in FIELDS_BEYOND_ASCII {
            for (word, scorer) in &words {
                let expected = nucleo(word, haystack.field(text, true), &mut matcher);
                if let Some(got) = scorer.in_field(text) {
                    assert_eq!(got, expected, "{word:?} in {text:?}");
                    compared += usize::from(expected.is_some());
                }
            }
        }
        assert!(compared > 40, "{compared} matched");
        // Text a character at a time cannot tell: one that lower-cases to two, or may join
        // its neighbours in a grapheme.
        let Some(d) = OneCharacter::new(b'd') else {
            panic!("no scorer for d");
        };
        for whole in ["İd", "e\u{301}d", "d\u{200d}x", "端末 d"] {
            assert_eq!(d.in_field(whole), None, "{whole:?}");
        }
    }

    #[test]
    fn fields_beyond_ascii_read_as_bytes_score_as_read_a_character_at_a_time() {
        let more = [
            "a’d’d e’e",
            "ⅷd dé",
            "x\u{2003}d",
            "dÉ’Dd-é",
            "İd",
            "e\u{301}d",
            "d\u{200d}x",
        ];
        let mut matcher = Matcher::new(Config::DEFAULT);
        let mut haystack = Haystack::default();
        let words = every_word();
        let (mut compared, mut whole) = (0, 0);
        // Each text from each of its characters on, so that every place is a field's first.
        for text in FIELDS_BEYOND_ASCII.into_iter().chain(more) {
            for (from, _) in text.char_indices() {
                let field = &text[from..];
                if field.is_ascii() {
                    continue;
                }
                for (word, scorer) in &words {
                    let expected = nucleo(word, haystack.field(field, true), &mut matcher);
                    let by_char = scorer.in_field(field);
                    match scorer.in_fields(field.as_bytes(), &[0]) {
                        Some(got) => assert_eq!(got, expected, "{word:?} in {field:?}"),
                        // Only a field a character at a time cannot tell either.
                        None => assert_eq!(by_char, None, "{word:?} in {field:?}"),
                    }
                    compared += usize::from(expected.is_some());
                    whole += usize::from(by_char.is_none());
                }
            }
        }
        assert!(
            compared > 300 && whole > 100,
            "{compared} matched, {whole} read whole"
        );
    }

    #[test]
    fn fields_read_in_one_pass_score_as_their_best_field() {
        let mut matcher = Matcher::new(Config::DEFAULT);
        let mut haystack = Haystack::default();
        let long = "x".repeat(70) + "Dd";
        let fields = [
            "xd",
            "Dan",
            "mid",
            "",
            "a-b c_d.e/f:g;h|i",
            "camelCaseD42",
            "Chloé’s iPhone",
            "Zoë Müller",
            "\u{301}D-Ärger",
            "e\u{301}cole",
            &long,
            "  spaced  out ",
            "ALL-CAPS 7",
            "ÉLODIE’S D-PAD",
            "a’d’d e’e",
            "ⅷd dé",
            "a–b—c “d” e…",
            "Straße · ½ ²",
            "端末 PC-7",
            "İd",
        ];
        let mut compared = 0;
        // Five fields at a time, each field in each place, some of them past 64 bytes.
        for first in 0..fields.len() {
            let device: Vec<&str> = (0..5)
                .map(|k| fields[(first + 3 * k) % fields.len()])
                .collect();
            let text = device.concat();
            let starts: Vec<usize> = device
                .iter()
                .scan(0, |at, field| {
                    let start = *at;
                    *at += field.len();
                    Some(start)
                })
                .collect();
            for (word, scorer) in &every_word() {
                let each: Vec<Option<u16>> = device
                    .iter()
                    .map(|field| nucleo(word, haystack.field(field, true), &mut matcher))
                    .collect();
                let whole = device.iter().any(|field| scorer.in_field(field).is_none());
                let got = scorer.in_fields(text.as_bytes(), &starts);
                if whole && got.is_none() {
                    continue;
                }
                let expected = each.into_iter().max().flatten();
                assert_eq!(got, Some(expected), "{word:?} in {device:?}");
                compared += usize::from(expected.is_some());
            }
        }
        assert!(compared > 100, "{compared} matched");
        assert_eq!(OneCharacter::new(b'D').map(|_| ()), None);
        assert_eq!(OneCharacter::new(b' ').map(|_| ()), None);
    }
}
