//! Filtering, sorting and ranking the device list.

use super::fuzzy::fuzzy_ranked_on;
use super::scan::Candidates;
use super::*;
use crate::domain::device::tests::windows_laptop;
use crate::domain::{Device, DeviceFields};

fn store(names: &[&str]) -> DeviceStore {
    let mut store = DeviceStore::default();
    store.extend(
        names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                Device::new(DeviceFields {
                    id: format!("id-{i}").into(),
                    name: name.to_string().into(),
                    ..windows_laptop().fields()
                })
            })
            .collect(),
    );
    store
}

fn list(filter: &str, sort: Option<(Column, bool)>) -> DeviceList {
    DeviceList {
        filter: tui_input::Input::new(filter.into()),
        sort,
        ..DeviceList::default()
    }
}

/// The names of the devices `list` shows, every row ranked (as scrolling to them would).
fn names(list: &DeviceList, store: &DeviceStore) -> Vec<String> {
    let mut list = list.clone();
    rank_rows_to(&mut list, store, usize::MAX);
    list.rows
        .iter()
        .map(|&i| {
            store
                .all
                .get(i as usize)
                .expect("a device")
                .name()
                .to_owned()
        })
        .collect()
}

/// The rows a list gets when computed from nothing.
fn fresh(filter: &str, sort: Option<(Column, bool)>, store: &DeviceStore) -> Vec<String> {
    let mut l = list(filter, sort);
    compute_rows(&mut l, store);
    names(&l, store)
}

#[test]
fn typing_narrows_and_deleting_widens_to_the_same_rows_as_from_scratch() {
    let store = store(&["DESKTOP-1", "desk-2", "LAPTOP-3", "Desktop Ünïcode", "x"]);
    let mut l = list("", None);
    compute_rows(&mut l, &store);
    for filter in [
        "d", "de", "des", "desk", "deskt", "desk", "d", "", "ü", "ünï",
    ] {
        l.filter = tui_input::Input::new(filter.into());
        compute_rows(&mut l, &store);
        assert_eq!(names(&l, &store), fresh(filter, None, &store), "{filter}");
    }
    l.filter = tui_input::Input::new("desk".into());
    compute_rows(&mut l, &store);
    assert_eq!(
        names(&l, &store),
        ["DESKTOP-1", "desk-2", "Desktop Ünïcode"]
    );
}

#[test]
fn pages_that_arrive_later_join_filtered_and_in_sort_order() {
    let mut store = store(&["b-desk", "d-desk", "laptop"]);
    let sort = Some((Column::Name, false));
    let mut l = list("desk", sort);
    compute_rows(&mut l, &store);
    let more = ["a-desk", "c-desk", "zz", "e-desk"]
        .iter()
        .enumerate()
        .map(|(i, name)| {
            Device::new(DeviceFields {
                id: format!("more-{i}").into(),
                name: name.to_string().into(),
                ..windows_laptop().fields()
            })
        })
        .collect();
    store.extend(more);
    compute_rows(&mut l, &store);
    assert_eq!(
        names(&l, &store),
        ["a-desk", "b-desk", "c-desk", "d-desk", "e-desk"]
    );
    assert_eq!(names(&l, &store), fresh("desk", sort, &store));
    l.filter = tui_input::Input::new(String::new());
    compute_rows(&mut l, &store);
    assert_eq!(names(&l, &store), fresh("", sort, &store));
    assert_eq!(l.rows.len(), 7);
}

#[test]
fn sorting_is_stable_and_reversible() {
    let store = store(&["b", "A", "a", "c"]);
    assert_eq!(
        fresh("", Some((Column::Name, false)), &store),
        ["A", "a", "b", "c"]
    );
    assert_eq!(
        fresh("", Some((Column::Name, true)), &store),
        ["c", "b", "A", "a"]
    );
}

#[test]
fn fuzzy_ranks_the_best_match_first_and_keeps_order_on_ties() {
    let store = store(&["LAPTOP-X9", "DESKTOP-7F3K", "DSK-7-F-3-K", "printer"]);
    let ranked = fresh("~dsk7f3k", None, &store);
    assert_eq!(ranked.first().map(String::as_str), Some("DSK-7-F-3-K"));
    assert!(ranked.contains(&"DESKTOP-7F3K".to_string()));
    assert!(!ranked.contains(&"printer".to_string()));
}

#[test]
fn fuzzy_matching_ignores_the_device_id() {
    let mut store = DeviceStore::default();
    store.extend(
        vec![Device::new(DeviceFields {
            id: "qqqq-zzzz-9999".into(),
            ..windows_laptop().fields()
        })]
        .into(),
    );
    assert!(fresh("~qz9", None, &store).is_empty(), "matched on the id");
    assert_eq!(
        fresh("~dsk7", None, &store),
        vec!["DESKTOP-7F3K".to_string()]
    );
    // A plain filter still finds a device by its id.
    assert_eq!(
        fresh("zzzz-9", None, &store),
        vec!["DESKTOP-7F3K".to_string()]
    );
}

#[test]
fn fuzzy_ranking_is_the_same_however_many_threads_score_it() {
    let names: Vec<String> = (0..40_000)
        .map(|i| format!("DESKTOP-{:05X}-{}", i * 7919 % 65_536, i % 13))
        .collect();
    let store = store(&names.iter().map(String::as_str).collect::<Vec<_>>());
    let query = Query {
        needle: "dk1f".into(),
        fuzzy: true,
        os: OsFilter::All,
    };
    let all = Candidates::every(store.all.len());
    let one = fuzzy_ranked_on(&store, all, &query, 1);
    assert!(
        one.0.len() > 500,
        "the pattern matches many: {}",
        one.0.len()
    );
    for threads in [2, 3, 8] {
        assert_eq!(fuzzy_ranked_on(&store, all, &query, threads), one);
    }
}

#[test]
fn pages_that_arrive_under_a_fuzzy_pattern_rank_as_from_scratch() {
    let first = [
        "DESKTOP-7F3K",
        "LAPTOP-X9",
        "DSK-7-F-3-K",
        "desk 7",
        "DESK-9",
    ];
    let later = [
        "D-S-K",
        "dsk",
        "printer",
        "DESKTOP-ZZ",
        "ddsskk",
        "LAPTOP-DSK",
    ];
    for sort in [
        None,
        Some((Column::Name, false)),
        Some((Column::Name, true)),
    ] {
        for filter in ["~dsk", "~d", "~k7"] {
            let mut store = store(&first);
            let mut l = list(filter, sort);
            compute_rows(&mut l, &store);
            // Two pages more, one at a time, as a load delivers them.
            for page in later.chunks(3) {
                let start = store.all.len();
                store.extend(
                    page.iter()
                        .enumerate()
                        .map(|(i, name)| {
                            Device::new(DeviceFields {
                                id: format!("later-{}", start + i).into(),
                                name: name.to_string().into(),
                                ..windows_laptop().fields()
                            })
                        })
                        .collect(),
                );
                compute_rows(&mut l, &store);
                assert_eq!(
                    names(&l, &store),
                    fresh(filter, sort, &store),
                    "{filter} {sort:?}"
                );
            }
        }
    }
}

#[test]
fn typing_a_fuzzy_pattern_further_ranks_as_from_scratch() {
    let store = store(&[
        "DESKTOP-7F3K",
        "LAPTOP-X9",
        "DSK-7-F-3-K",
        "desk 7",
        "DESK-9",
    ]);
    for sort in [None, Some((Column::Name, true))] {
        let mut l = list("", sort);
        compute_rows(&mut l, &store);
        for filter in ["~d", "~ds", "~dsk", "~dsk7", "~dsk", "~d", "~", "d"] {
            l.filter = tui_input::Input::new(filter.into());
            compute_rows(&mut l, &store);
            assert_eq!(names(&l, &store), fresh(filter, sort, &store), "{filter}");
        }
    }
}

#[test]
fn the_platform_filter_uses_the_stored_platform() {
    let mut store = store(&["win"]);
    store.extend(
        vec![Device::new(DeviceFields {
            id: "phone".into(),
            name: "phone".into(),
            operating_system: "Android".into(),
            ..windows_laptop().fields()
        })]
        .into(),
    );
    let mut l = list("", None);
    l.os = OsFilter::Only(Platform::Android);
    compute_rows(&mut l, &store);
    assert_eq!(names(&l, &store), ["phone"]);
}

/// The operating system of the `i`th device of a mixed list: Android for every third.
fn every_third_android(i: usize) -> &'static str {
    if i.is_multiple_of(3) {
        "Android"
    } else {
        "Windows"
    }
}

#[test]
fn a_large_list_filters_on_every_core_to_the_same_rows_and_widens_back() {
    let device = |i: usize| {
        Device::new(DeviceFields {
            id: format!("id-{i}").into(),
            name: match i % 5 {
                0 => format!("DESKTOP-{i}"),
                1 => format!("laptop-{i}"),
                2 => format!("Kiosk {i}"),
                3 => format!("desk-{i}-é"),
                _ => format!("PC{i}"),
            }
            .into(),
            operating_system: every_third_android(i).into(),
            ..windows_laptop().fields()
        })
    };
    let (first, all) = (scan::PARALLEL_FROM * 2 + 7, scan::PARALLEL_FROM * 3 + 5);
    // In memory order, every device and the devices of one platform; sorted, the latter.
    let (android, by_name) = (
        OsFilter::Only(Platform::Android),
        Some((Column::Name, false)),
    );
    for (sort, os) in [(None, OsFilter::All), (None, android), (by_name, android)] {
        let mut store = DeviceStore::default();
        store.extend((0..first).map(device).collect());
        // What a filter lists: the devices holding it, in the order of the unfiltered list.
        let everything = |store: &DeviceStore| {
            let mut everything = list("", sort);
            compute_rows(&mut everything, store);
            everything.rows
        };
        let expected = |l: &DeviceList, store: &DeviceStore, rows: &[u32], needle: &str| {
            let needle = needle.to_lowercase();
            let holds = |&i: &u32| {
                let device = store.all.get(i as usize).expect("a device");
                l.os.admits(device) && device.matches(&needle)
            };
            rows.iter().copied().filter(holds).collect::<Vec<u32>>()
        };
        let mut l = list("", sort);
        l.os = os;
        compute_rows(&mut l, &store);
        let rows = everything(&store);
        for filter in ["d", "de", "desk", "de", "", "7", "é", "ké", ""] {
            l.filter = tui_input::Input::new(filter.into());
            compute_rows(&mut l, &store);
            let expected = expected(&l, &store, &rows, filter);
            assert_eq!(l.rows, expected, "{filter} {sort:?} {os:?}");
        }
        // More devices arrive under a filter the mask decides, then one it cannot.
        for filter in ["k", "desk"] {
            l.filter = tui_input::Input::new(filter.into());
            compute_rows(&mut l, &store);
            let arriving = store.all.len()..(store.all.len() + (all - first) / 2).min(all);
            store.extend(arriving.map(device).collect());
            compute_rows(&mut l, &store);
            let expected = expected(&l, &store, &everything(&store), filter);
            assert_eq!(l.rows, expected, "{filter} {sort:?} {os:?}");
        }
    }
}

#[test]
fn what_is_kept_of_each_device_is_the_same_computed_on_every_core() {
    let devices: crate::domain::DeviceTable = (0..120_003usize)
        .map(|i| {
            Device::new(DeviceFields {
                // Every thousandth device shares the id of the one before it.
                id: format!("id{}", if i % 1000 == 1 { i - 1 } else { i }).into(),
                name: format!("PC-{i}-É").into(),
                operating_system: every_third_android(i).into(),
                ..windows_laptop().fields()
            })
        })
        .collect();
    let together = store::arrived(&devices);
    assert_eq!(together.masks.len(), devices.len());
    assert_eq!(together.platforms.len(), devices.len());
    for i in [0, 1, 60_000, 60_001, 120_002] {
        let device = devices.get(i).expect("a device");
        assert_eq!(together.masks[i], search::device_mask(device), "{i}");
        assert_eq!(together.platforms[i], device.platform(), "{i}");
    }
    // The index built on every core finds every device, and the first of two sharing an id.
    let mut loaded = DeviceStore::default();
    loaded.load_cached(devices, time::OffsetDateTime::UNIX_EPOCH);
    for i in [0, 59_999, 60_000, 60_002, 120_002] {
        let found = loaded.get(&format!("id{i}")).map(|d| d.name().to_owned());
        assert_eq!(found, Some(format!("PC-{i}-É")), "{i}");
    }
    assert!(loaded.get("id1").is_none() && loaded.get("id60001").is_none());
}

#[test]
fn arrivals_placed_by_binary_search_merge_as_side_by_side() {
    // Keys with many ties, so the earlier device must come first among equals.
    let keys: Vec<SortKey> = (0..2_000u32)
        .map(|i| SortKey {
            text: format!("k{:03}", (i * 7919) % 97).into(),
            ..SortKey::default()
        })
        .collect();
    for descending in [false, true] {
        let mut left: Vec<u32> = (0..1_900).collect();
        sort_indices(&mut left, &keys, descending);
        for arrivals in [1u32, 5, 40, 100] {
            let mut right: Vec<u32> = (1_900..1_900 + arrivals).collect();
            sort_indices(&mut right, &keys, descending);
            let mut expected: Vec<u32> = (0..1_900 + arrivals).collect();
            sort_indices(&mut expected, &keys, descending);
            assert_eq!(
                merge(&left, &right, &keys, descending),
                expected,
                "{arrivals} arrivals, descending {descending}"
            );
        }
    }
}

#[test]
fn fuzzy_text_scores_as_nucleo_scores_it() {
    use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
    use nucleo_matcher::{Config, Matcher, Utf32Str};
    let mut matcher = Matcher::new(Config::DEFAULT);
    let texts = [
        "",
        "desktop-7f3k\u{1}alice smith",
        "chloé müller\u{1}tomás garcía\u{1}tomas.garcia@contoso.com",
        "zoë ærø łódź ǆ ɐ ʰ ß ı",
        "e\u{301}cole",
        "jae-won 端末",
        "a\r\nb",
        "👩\u{200d}💻 dev",
        "straße · ½ ²",
        "yusuf’s iphone\u{1}yusuf costa",
        "a very long name cut…\u{1}–dash — “quoted” ‰ ‹›",
        "x\u{200d}y\u{2028}z\u{2060}",
    ];
    let patterns = [
        "tom", "tomas", "garcia", "garcía", "zoe", "lodz", "łódź", "ecole", "dsk7", "a b", "!mul",
        "^chl", "ss", "12", "dz", "yusufs", "’s", "cut…", "dash", "xy",
    ];
    for text in texts {
        let mut theirs = Vec::new();
        let mut ours = haystack::Haystack::default();
        for pattern in patterns {
            let parsed = Pattern::parse(pattern, CaseMatching::Ignore, Normalization::Smart);
            let expected = parsed.score(Utf32Str::new(text, &mut theirs), &mut matcher);
            let got = parsed.score(ours.of(text, pattern.is_ascii()), &mut matcher);
            assert_eq!(got, expected, "{text:?} / {pattern:?}");
        }
    }
}

#[test]
fn a_fuzzy_word_matches_within_one_field_and_scores_in_its_best() {
    use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
    use nucleo_matcher::{Config, Matcher, Utf32Str};
    let laptop = windows_laptop();
    let nucleo = |pattern: &str, field: &str| {
        Pattern::parse(pattern, CaseMatching::Ignore, Normalization::Smart).score(
            Utf32Str::new(field, &mut Vec::new()),
            &mut Matcher::new(Config::DEFAULT),
        )
    };
    let score = |pattern: &str| fuzzy::FuzzyScorer::new(pattern).score(laptop.view());
    // "dsm": a d in the name, an s and an m in the user's name, but no field holds all three.
    assert_eq!(score("dsm"), None);
    assert!(nucleo("dsm", "DESKTOP-7F3K\u{1}Alice Smith").is_some());
    // A word scores as nucleo scores the one field where it scores best.
    let in_name = nucleo("a", "DESKTOP-7F3K");
    let best = [
        "Alice Smith",
        "alice@contoso.com",
        "ABC123",
        "Latitude 7440",
    ]
    .map(|field| nucleo("a", field))
    .into_iter()
    .max()
    .flatten();
    assert!(best > in_name);
    assert_eq!(score("a"), best);
    // Words are scored each in its own field and summed.
    let (dsk, smith) = (score("dsk7"), score("smith"));
    assert_eq!(dsk, nucleo("dsk7", "DESKTOP-7F3K"));
    assert_eq!(smith, nucleo("smith", "Alice Smith"));
    assert_eq!(score("dsk7 smith"), dsk.zip(smith).map(|(a, b)| a + b));
    // An excluded word excludes a device when any field holds it.
    assert_eq!(score("dsk7 !7440"), None);
    assert_eq!(score("dsk7 !7441"), dsk);
    // An empty pattern matches every device.
    assert_eq!(score(""), Some(0));
}

#[test]
fn a_fuzzy_word_matches_text_beyond_ascii_as_nucleo_matches_it() {
    let device = Device::new(DeviceFields {
        name: "Ümlaut-PC".into(),
        user_display_name: "Chloé Müller".into(),
        ..windows_laptop().fields()
    });
    let score = |pattern: &str| fuzzy::FuzzyScorer::new(pattern).score(device.view());
    for pattern in ["umlaut", "ümlaut", "chloe", "muller", "müller", "pc"] {
        assert!(score(pattern).is_some(), "{pattern}");
    }
    assert_eq!(score("umlaut"), score("ümlaut"));
    assert_eq!(score("ümlat-pcx"), None);
}

/// `pattern`'s score in `device` as nucleo gives it: each word in the searched field (but the
/// ids) where it scores best, summed.
fn nucleo_each_field(pattern: &str, device: &Device) -> Option<u32> {
    use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
    use nucleo_matcher::{Config, Matcher, Utf32Str};
    let parsed = Pattern::parse(pattern, CaseMatching::Ignore, Normalization::Smart);
    let mut matcher = Matcher::new(Config::DEFAULT);
    let view = device.view();
    let fields: Vec<&str> = view.searched_fields().into_iter().skip(2).collect();
    parsed.atoms.iter().try_fold(0u32, |sum, atom| {
        let scores: Vec<Option<u16>> = fields
            .iter()
            .map(|field| atom.score(Utf32Str::new(field, &mut Vec::new()), &mut matcher))
            .collect();
        let score = if atom.negative {
            scores.iter().all(Option::is_some).then_some(0)
        } else {
            scores.into_iter().max().flatten()
        };
        score.map(|score| sum + u32::from(score))
    })
}

/// Devices whose fields hold text of every kind a one-character word scores apart: ASCII and
/// beyond, spaces, delimiters, case changes, digits, empty fields.
fn varied_devices() -> Vec<Device> {
    let texts = [
        "DESKTOP-7F3K",
        "x",
        "",
        "a-b c_d.e/f:g;h|i",
        "camelCaseName42",
        "  spaced  out ",
        "Ünïcode-PC",
        "tab\there",
        "ALL-CAPS 7",
        "Chloé Müller",
        "e\u{301}cole",
        "端末 PC-7",
        "Straße · ½",
        "\u{301}D-Ärger",
    ];
    texts
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let other = texts[(i + 3) % texts.len()];
            // Hex ids, as Graph's: the mask then tells exactly what an ASCII text holds.
            Device::new(DeviceFields {
                id: format!("{i:08x}-7d41-4b8e-a6f0-12ab34cd56ef").into(),
                name: (*name).into(),
                user_display_name: other.into(),
                user_principal_name: format!("{other}@contoso.com").into(),
                serial_number: texts[(i + 5) % texts.len()].into(),
                ..windows_laptop().fields()
            })
        })
        .collect()
}

/// Every printable ASCII character as a word, and patterns of several.
fn one_character_patterns() -> Vec<String> {
    let mut patterns: Vec<String> = (b'!'..=b'~').map(|c| char::from(c).to_string()).collect();
    patterns
        .extend(["d k", "d !k", "!z", "'d", "^d", "d$", "D", "7 -", "é", "dk"].map(String::from));
    patterns
}

#[test]
fn one_character_words_score_as_in_their_best_field() {
    let mut compared = 0;
    for device in varied_devices() {
        for pattern in &one_character_patterns() {
            let got = fuzzy::FuzzyScorer::new(pattern).score(device.view());
            let name = device.view().name().to_owned();
            assert_eq!(
                got,
                nucleo_each_field(pattern, &device),
                "{name:?} / {pattern:?}"
            );
            compared += usize::from(got.is_some());
        }
    }
    assert!(compared > 300, "most patterns match: {compared}");
}

#[test]
fn words_score_as_nucleo_scores_them_in_each_field() {
    let mut devices = varied_devices();
    // Fields after the ids longer than the sieve marks, read by the matcher alone.
    devices.push(Device::new(DeviceFields {
        id: "0badc0de-7d41-4b8e-a6f0-12ab34cd56ef".into(),
        name: "DESKTOP-7F3K".into(),
        user_display_name: "A Very Long Display Name For A Person".repeat(3).into(),
        user_principal_name: "someone.with.a.long.name@contoso.example.com".into(),
        ..windows_laptop().fields()
    }));
    let patterns = [
        "dsk7",
        "desktop",
        "7f3k",
        "smith",
        "alice smith",
        "dsk !smith",
        "^desk",
        "k$",
        "'top-",
        "^desktop-7f3k$",
        "contoso.com",
        "cs",
        "a-b",
        "ll-c",
        "pc-7",
        "caps 7",
        "e-c",
        "zz",
        "x y",
        "camel42",
        "spaced out",
        "ünï",
        "chloe",
        "muller",
        "ecole",
        "abcdefghijklmnopq",
        "!e dsk",
        "7 !x",
        "d-ärger",
        "person",
        "name@",
    ];
    let mut matched = 0;
    for device in &devices {
        for pattern in patterns {
            let got = fuzzy::FuzzyScorer::new(pattern).score(device.view());
            let name = device.view().name().to_owned();
            assert_eq!(
                got,
                nucleo_each_field(pattern, device),
                "{name:?} / {pattern:?}"
            );
            matched += usize::from(got.is_some());
        }
    }
    assert!(matched > 60, "many patterns match: {matched}");
}

#[test]
fn words_of_one_character_rank_as_nucleo_scores_them_where_words_start_or_not() {
    let devices = varied_devices();
    let mut store = DeviceStore::default();
    store.extend(devices.iter().cloned().collect());
    // Devices where a word starts with the pattern's character are ranked without their text.
    let known = (0..devices.len())
        .filter(|&i| store.word_starts.starts(i, 3))
        .count();
    assert!(
        known >= 3,
        "several devices have a word starting with d: {known}"
    );
    assert_ranked_as_nucleo(&store, &devices);
    // A list from the cache, then a device a lookup found, and a refresh that replaces one.
    let mut cached = DeviceStore::default();
    let (first, more) = devices.split_at(devices.len() - 2);
    cached.load_cached(
        first.iter().cloned().collect(),
        time::OffsetDateTime::UNIX_EPOCH,
    );
    cached.add_found(vec![more[0].clone()]);
    cached.extend(more[1..].iter().cloned().collect());
    assert_ranked_as_nucleo(&cached, &devices);
}

#[test]
fn word_starts_of_long_lists_shared_by_the_cores_are_each_devices_own() {
    let kinds = varied_devices();
    let device = |i: usize| {
        Device::new(DeviceFields {
            id: format!("id-{i}").into(),
            ..kinds[i % kinds.len()].fields()
        })
    };
    // A list from the cache, built on every core, then a page appended mid-block.
    let (first, all) = (store::PARALLEL_FROM + 77, store::PARALLEL_FROM * 2 + 5);
    let mut store = DeviceStore::default();
    store.load_cached(
        (0..first).map(device).collect(),
        time::OffsetDateTime::UNIX_EPOCH,
    );
    store.extend((first..all).map(device).collect());
    assert_eq!(store.all.len(), all);
    for (i, device) in store.all.iter().enumerate() {
        let own = word_starts::word_starts(device.searched());
        for bit in 0..36 {
            assert_eq!(store.word_starts.starts(i, bit), own >> bit & 1 == 1, "{i}");
        }
    }
}

#[test]
fn best_matches_first_rank_as_a_whole_ranking_on_every_core_in_any_order() {
    let kinds = varied_devices();
    let device = |i: usize| {
        let kind = kinds[i % kinds.len()].fields();
        Device::new(DeviceFields {
            id: format!("{i:08x}-7d41-4b8e-a6f0-12ab34cd56ef").into(),
            operating_system: every_third_android(i / 5).into(),
            ..kind
        })
    };
    // Long enough for both cores, in shares that do not start at a block of 64.
    let mut store = DeviceStore::default();
    store.extend((0..40_003).map(device).collect());
    let android = OsFilter::Only(Platform::Android);
    let by_name = Some((Column::Name, true));
    for (sort, os) in [
        (None, OsFilter::All),
        (None, android),
        (by_name, OsFilter::All),
    ] {
        for pattern in ["d", "k 7", "e", "2"] {
            let mut l = list(&format!("~{pattern}"), sort);
            l.os = os;
            compute_rows(&mut l, &store);
            let best = l.ranked_rows();
            assert!(best < l.rows.len(), "{pattern:?}: the rest is left to rank");
            rank_rows_to(&mut l, &store, usize::MAX);
            let query = Query {
                needle: pattern.into(),
                fuzzy: true,
                os,
            };
            let candidates = if l.cache.order.is_empty() {
                Candidates::every(store.all.len())
            } else {
                Candidates::Listed(&l.cache.order)
            };
            let whole = fuzzy_ranked_on(&store, candidates, &query, 1);
            assert_eq!(
                (&l.rows, &l.cache.scores),
                (&whole.0, &whole.1),
                "{pattern:?} {os:?}"
            );
        }
    }
}

/// Every one-character pattern ranks the devices of `store` (which are `devices`, in order)
/// by their scores as nucleo gives them, ties in the list's order.
fn assert_ranked_as_nucleo(store: &DeviceStore, devices: &[Device]) {
    let mut left_unranked = 0;
    for pattern in one_character_patterns() {
        let mut l = list(&format!("~{pattern}"), None);
        compute_rows(&mut l, store);
        // The best matches are ranked at once, the others when shown; all are counted.
        let best = l.cache.scores.len();
        assert_eq!(l.ranked_rows(), best);
        let mut matches = l.rows.clone();
        left_unranked += usize::from(best < matches.len());
        rank_rows_to(&mut l, store, best);
        assert_eq!(
            l.cache.scores.len(),
            best,
            "{pattern:?}: only the rows shown are ranked"
        );
        rank_rows_to(&mut l, store, best + 1);
        assert_eq!(l.ranked_rows(), l.rows.len(), "{pattern:?}");
        assert_eq!(l.rows[..best], matches[..best], "{pattern:?}");
        matches.sort_unstable();
        let mut ranked = l.rows.clone();
        ranked.sort_unstable();
        assert_eq!(matches, ranked, "{pattern:?}: the same matches");
        let mut expected: Vec<(u32, u32)> = devices
            .iter()
            .enumerate()
            .filter_map(|(i, device)| Some((nucleo_each_field(&pattern, device)?, i as u32)))
            .collect();
        expected.sort_by_key(|&(score, _)| std::cmp::Reverse(score));
        let (rows, scores): (Vec<u32>, Vec<u32>) =
            expected.into_iter().map(|(score, i)| (i, score)).unzip();
        assert_eq!(l.rows, rows, "{pattern:?}");
        assert_eq!(l.cache.scores, scores, "{pattern:?}");
    }
    // Most letters and digits start a word in some fields and not in others.
    assert!(left_unranked >= 20, "rows left to rank: {left_unranked}");
}

#[test]
fn a_ranking_is_best_first_with_ties_in_the_lists_order() {
    // Devices in the list's order, with their scores; ranked by a stable sort.
    let by_sorting = |scored: &[(u32, u32)]| -> (Vec<u32>, Vec<u32>) {
        let mut sorted = scored.to_vec();
        sorted.sort_by_key(|&(score, _)| std::cmp::Reverse(score));
        sorted.into_iter().map(|(score, i)| (i, score)).unzip()
    };
    // Scores low enough for buckets, and too high for them.
    let low: Vec<(u32, u32)> = (0..5_000u32)
        .map(|place| ((place * 7919) % 37, place ^ 0x55))
        .collect();
    let high: Vec<(u32, u32)> = low
        .iter()
        .map(|&(score, index)| (score * 100_000, index))
        .collect();
    for scored in [low, high, Vec::new()] {
        // Split in parts anywhere, as the cores share the work.
        for cuts in [vec![], vec![0], vec![1, 2_500], vec![1_000, 1_001, 4_999]] {
            let mut parts = Vec::new();
            let mut from = 0;
            for cut in cuts.into_iter().chain([scored.len()]) {
                let cut = cut.clamp(from, scored.len());
                parts.push(scored[from..cut].to_vec());
                from = cut;
            }
            assert_eq!(fuzzy::best_first(parts), by_sorting(&scored));
        }
    }
}
