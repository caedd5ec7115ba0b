use super::*;
use crate::domain::{Device, DeviceFields};

fn device(id: &str, name: &str) -> Device {
    Device::new(DeviceFields {
        id: id.into(),
        name: name.into(),
        user_display_name: "Alice Smith".into(),
        user_principal_name: "alice@contoso.com".into(),
        serial_number: "SER-123".into(),
        model: "Latitude 7440".into(),
        azure_ad_device_id: "6b1e0c8a-0000-4f00-9d3e-1234567890ab".into(),
        operating_system: "Windows".into(),
        manufacturer: "Dell Inc.".into(),
        ..DeviceFields::default()
    })
}

fn found(device: &Device, needle: &str) -> bool {
    Needle::new(needle).found_in(device.view(), device_mask(device.view()))
}

#[test]
fn needles_are_found_in_any_searched_field_ignoring_case() {
    let d = device("d-1", "DESKTOP-7F3K");
    for needle in [
        "desk",
        "desktop-7f3k",
        "7f3k",
        "alice sm",
        "@contoso",
        "ser-1",
        "latitude 7",
        "d-1",
        "6b1e0c8a",
        "90ab",
        "k",
        "",
    ] {
        assert!(found(&d, needle), "{needle}");
        assert!(d.matches(needle), "{needle}");
    }
}

#[test]
fn a_match_never_spans_two_fields_or_reaches_unsearched_ones() {
    // The id "d-1" is followed by the Entra id, the name by the user's name, and so on.
    let d = device("d-1", "DESKTOP-7F3K");
    for needle in [
        "d-16b1e",
        "7f3kalice",
        "smithalice",
        "comser",
        "123latitude",
    ] {
        assert!(!found(&d, needle), "{needle} spans two fields");
        assert!(!d.matches(needle), "{needle}");
    }
    for needle in ["windows", "dell"] {
        assert!(!found(&d, needle), "{needle} is not a searched field");
    }
}

#[test]
fn text_beyond_ascii_is_searched_as_lower_case() {
    let d = device("x", "Kiosk Ümlaut-PC");
    for needle in ["ümlaut", "üml", "t-pc", "kiosk ü"] {
        assert!(found(&d, needle), "{needle}");
    }
    assert!(!found(&d, "umlaut"));
    // The Kelvin sign's lower case is an ASCII k; a capital I with a dot's begins with i.
    let kelvin = device("y", "\u{212A}IOSK-\u{130}T");
    for needle in ["kiosk", "k", "i\u{307}t", "iosk"] {
        assert_eq!(found(&kelvin, needle), kelvin.matches(needle), "{needle}");
        assert!(found(&kelvin, needle), "{needle}");
    }
}

#[test]
fn the_fast_search_agrees_with_the_field_by_field_one() {
    let names = [
        "DESKTOP-7F3K",
        "",
        "a",
        "ÄÖÜ-straße",
        "Kiosk \u{212A}elvin",
        "dddddd",
        "PC_01.lab @home",
    ];
    let needles = [
        "d",
        "dd",
        "ddd",
        "desk",
        "st",
        "straße",
        "ä",
        "öü",
        "kelvin",
        "kiosk k",
        "_01",
        ".lab",
        " @h",
        "@",
        "1",
        "pc",
        "alice",
        "ce sm",
        "e-a",
        "x",
        "7440",
        "",
        "3a9c",
        "id",
        "ef-",
        "7d41-4b8e",
        "abcdef-0",
        "f-01",
        "d-i",
        "ab-0",
        "deks",
        "sktop",
        "kiosk",
        "lab @home",
        "smith",
        "ice",
        "ith",
        "sse",
        "tra",
        "ktop-7f",
    ];
    for (i, name) in names.iter().enumerate() {
        // Ids that are not GUIDs, GUIDs, and upper-case hex: a needle beyond hex skips only
        // ids that hold nothing else.
        let ids = [
            format!("{i}-id"),
            "0f3a9c2e-7d41-4b8e-a6f0-12ab34cd56ef".to_owned(),
            "ABCDEF-0123".to_owned(),
        ];
        for d in ids.iter().map(|id| device(id, name)) {
            for needle in needles {
                assert_eq!(
                    found(&d, needle),
                    d.matches(needle),
                    "{name:?} / {needle:?}"
                );
            }
        }
    }
}

#[test]
fn a_needle_beyond_hex_is_looked_for_after_hex_ids_and_in_any_other_id() {
    let guid = device("0f3a9c2e-7d41-4b8e-a6f0-12ab34cd56ef", "PC-K");
    assert_ne!(device_mask(guid.view()).chars & HEX_IDS_BIT, 0);
    assert!(found(&guid, "3a9c2e") && found(&guid, "pc-k") && !found(&guid, "k-0"));
    let named_id = device("kiosk-id-7", "PC");
    assert_eq!(device_mask(named_id.view()).chars & HEX_IDS_BIT, 0);
    assert!(found(&named_id, "kiosk-id"));
}

#[test]
fn the_mask_never_hides_a_match() {
    let d = device("00112233", "Café-été_01 @x");
    for needle in ["é", "café", "-", "_0", "@x", "été_", " @", "00112233"] {
        assert!(found(&d, needle), "{needle}");
    }
    assert!(
        !found(&d, "ü"),
        "another character of the same bucket is still checked"
    );
}

#[test]
fn the_byte_table_agrees_with_the_character_bits() {
    for b in 0u8..128 {
        let c = b as char;
        assert_eq!(
            BYTE_BITS[b as usize],
            char_bit(c.to_ascii_lowercase()),
            "{b}"
        );
    }
    for b in 128..=255u8 {
        assert_eq!(BYTE_BITS[b as usize], OTHER_BIT | BEYOND_ASCII_BIT);
    }
}

#[test]
fn only_the_two_characters_whose_lower_case_is_ascii_need_the_slow_way() {
    let slow = |text: &str| mask_of(text) & LOWERCASES_INTO_ASCII_BIT != 0;
    assert!(slow("PC-\u{212A}"));
    assert!(slow("\u{130}stanbul"));
    // Other characters that begin with the same bytes: č (C4 8D), € (E2 82 AC).
    for text in ["Čeněk", "přístroj-č", "price €5", "plain"] {
        assert!(!slow(text), "{text}");
    }
}

#[test]
fn the_characters_of_hex_ids_are_kept_apart_from_the_other_fields() {
    let d = Device::new(DeviceFields {
        id: "dd-00".into(),
        azure_ad_device_id: "0D0D".into(),
        name: "PC-E".into(),
        ..DeviceFields::default()
    });
    let mask = device_mask(d.view());
    // "d" is only in the ids and "e" only in the name: no field holds both.
    assert_eq!(Needle::new("de").decided_by_mask(mask), Some(false));
    assert_eq!(Needle::new("d").decided_by_mask(mask), Some(true));
    assert_eq!(Needle::new("e").decided_by_mask(mask), Some(true));
    assert_eq!(Needle::new("pc-e").decided_by_mask(mask), None);
    assert_eq!(Needle::new("0d0").decided_by_mask(mask), None);
    assert!(found(&d, "0d0") && found(&d, "dd-0") && found(&d, "c-e"));
    assert!(!found(&d, "d-e") && !found(&d, "00d"));
}

#[test]
fn pairs_of_letters_no_field_holds_are_passed_over_without_reading_the_text() {
    let d = device("0f3a9c2e-7d41-4b8e-a6f0-12ab34cd56ef", "DESKTOP-7F3K");
    let mask = device_mask(d.view());
    // Every character of "sked" is in the fields after the ids, but "sk", "ke" and "ed" are
    // not all there: the text need not be read.
    assert!(Needle::new("sked").maybe_in_text(mask.chars));
    assert_eq!(Needle::new("sked").decided_by_mask(mask), Some(false));
    assert_eq!(Needle::new("desk").decided_by_mask(mask), None);
    assert!(found(&d, "desk") && !found(&d, "sked"));
    // Pairs are of letters only, and case does not count.
    assert_eq!(pairs_of(b"Ab1c-D"), pairs_of(b"ab"));
    assert_eq!(pairs_of(b"ab"), PAIR_BITS[1]);
    assert_eq!(pairs_of(b"a1b2c3"), 0);
    // A device with text beyond ASCII is read whatever its pairs say (the Kelvin sign is a k).
    let kelvin = device("0f3a9c2e-7d41-4b8e-a6f0-12ab34cd56ef", "\u{212A}IOSK");
    assert!(found(&kelvin, "kiosk"));
}

#[test]
fn the_fuzzy_prefilter_never_drops_a_match() {
    use crate::app::device_list::fuzzy::FuzzyScorer;
    let names = [
        "DESKTOP-7F3K",
        "Café-été",
        "\u{212A}IOSK",
        "PC_01.lab @home",
        "",
    ];
    let patterns = [
        "dsk7",
        "desk",
        "cafe",
        "ete",
        "kiosk",
        "k",
        "pc01",
        "_01",
        "@h",
        "l.b",
        "x",
        "ali",
        "alice7440",
        "7f3",
        "z",
        "dsk 7",
        "!desk",
        "^pc",
        "home$",
        "'lab",
        "k 7",
        "a l i",
        "p 0 h",
    ];
    let (mut dropped, mut matches, mut held) = (0, 0, 0);
    for id in ["0f3a9c2e-7d41-4b8e-a6f0-12ab34cd56ef", "kiosk-7"] {
        for name in names {
            let d = device(id, name);
            let mask = device_mask(d.view()).chars;
            for pattern in patterns {
                let prefilter = FuzzyPrefilter::new(pattern);
                let matched = FuzzyScorer::new(pattern).score(d.view()).is_some();
                assert!(!matched || prefilter.admits(mask), "{name:?} / {pattern:?}");
                dropped += usize::from(!prefilter.admits(mask));
                matches += usize::from(matched);
                // Words of one letter or digit: a device whose mask is exact (hex ids, ASCII
                // text) matches exactly when it surely holds them.
                let one_character_words = pattern
                    .split(' ')
                    .all(|word| word.len() == 1 && word.bytes().all(|b| b.is_ascii_alphanumeric()));
                let exact = mask & (HEX_IDS_BIT | BEYOND_ASCII_BIT) == HEX_IDS_BIT;
                if one_character_words && exact {
                    assert_eq!(
                        prefilter.surely_held(mask),
                        matched,
                        "{name:?} / {pattern:?}"
                    );
                } else if !exact {
                    assert!(!prefilter.surely_held(mask), "{name:?} / {pattern:?}");
                }
                held += usize::from(prefilter.surely_held(mask));
            }
        }
    }
    assert!(
        dropped > 0 && matches > 0,
        "the prefilter passes over devices that cannot match"
    );
    assert!(held > 0, "some devices surely match");
}
