//! The dashboard's own work at 100 000 and 1 000 000 devices, without the network: one filter
//! keystroke (refilter and a frame at 120×40), one frame of the device list, and the worst
//! frame while the last page arrives; the floors of a search and of a fuzzy ranking of every
//! device; then each keystroke's median, 95th percentile and slowest of 100 samples.
//! `cargo bench --bench dashboard`.
//!
//! Every frame is drawn through the dashboard's own draw path (`dashboard::draw_frame`: the
//! view, the cells that changed encoded as terminal escape sequences by crossterm, the OSC 8
//! pass over visible links, inside a synchronized update) onto a terminal that shows the
//! screen before it (prepared outside the timing), as a real keystroke does; no sample redraws
//! an unchanged screen. The bytes go to a sink.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use divan::Bencher;
use intune_assist::app::model::{Model, Options};
use intune_assist::app::msg::{Msg, SignInState};
use intune_assist::app::update;
use intune_assist::auth::store::SecretStore;
use intune_assist::domain::{DeviceRef, DeviceTable};
use intune_assist::graph::DeviceQuery;
use intune_assist::http::HttpSettings;
use intune_assist::services::Services;
use intune_assist::sim::{SimConfig, Simulator};
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};

/// The terminal a frame is written to: 120×40, its bytes discarded.
type Screen = Terminal<CrosstermBackend<std::io::Sink>>;

/// The tenant sizes every figure is measured at.
const SIZES: [usize; 2] = [100_000, 1_000_000];

fn main() {
    device_costs(100_000);
    divan::main();
    if std::env::args().skip(1).all(|arg| arg.starts_with('-')) {
        keystroke_percentiles();
    }
}

/// What one device of the simulated tenant costs the list, in bytes: its slot in the table,
/// its text in the table's arena, and the part of it `/` searches.
fn device_costs(devices: usize) {
    let all: Vec<DeviceRef> = pages(devices).iter().flat_map(DeviceTable::iter).collect();
    let count = all.len().max(1);
    let text: usize = all
        .iter()
        .map(|d| {
            [
                d.id(),
                d.name(),
                d.user_display_name(),
                d.user_principal_name(),
                d.operating_system(),
                d.os_version(),
                d.model(),
                d.manufacturer(),
                d.serial_number(),
                d.azure_ad_device_id(),
                d.device_type().unwrap_or(""),
            ]
            .iter()
            .map(|f| f.len())
            .sum::<usize>()
        })
        .sum();
    let search: usize = all.iter().map(|d| d.searched_text().0.len()).sum();
    println!("a device of the simulated tenant ({devices} devices), in bytes:");
    println!(
        "  its slot in the list {} (facts, and where its text starts), its text {} on average \
         in the list's one arena, of which `/` searches {} (in place)",
        DeviceTable::SLOT_BYTES,
        text / count,
        search / count
    );
}

/// Every page of a simulated tenant of `devices` devices, parsed by the app's client (made
/// once a size, and kept for the run).
fn pages(devices: usize) -> &'static [DeviceTable] {
    type Made = std::collections::HashMap<usize, &'static [DeviceTable]>;
    static PAGES: std::sync::Mutex<Option<Made>> = std::sync::Mutex::new(None);
    let mut made = PAGES
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let made = made.get_or_insert_with(Made::new);
    if let Some(pages) = made.get(&devices) {
        return pages;
    }
    let pages: &'static [DeviceTable] = Vec::leak({
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        runtime.block_on(async {
            let sim = Simulator::start(
                SimConfig {
                    devices,
                    now: Some(time::macros::datetime!(2026-11-24 09:00 UTC)),
                    ..SimConfig::default()
                },
                0,
            )
            .await
            .expect("simulator");
            let mut config = Services::config_for(&sim.endpoints).expect("config");
            config.graph_token = Some(sim.endpoints.graph_token.clone().into());
            let services = Services::new(config, SecretStore::memory(), HttpSettings::default())
                .expect("services");
            let mut pages = Vec::new();
            services
                .graph
                .each_device_page(DeviceQuery::default(), |page| {
                    pages.push(page.expect("a page").devices);
                    true
                })
                .await;
            pages
        })
    });
    made.insert(devices, pages);
    pages
}

fn key(model: &mut Model, code: KeyCode) {
    update(model, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

/// The dashboard signed in with `pages` loaded, on All devices at 120×40.
fn model_with(pages: &[DeviceTable], total: usize, done: bool) -> Model {
    let mut model = Model::new(
        Options {
            has_display: false,
            ..Options::for_terminal("contoso.onmicrosoft.com".into(), false, false)
        },
        time::macros::datetime!(2026-11-24 09:00 UTC),
    );
    update(&mut model, Msg::Resize(120, 40));
    update(
        &mut model,
        Msg::Started(SignInState {
            graph_token_given: true,
            teamviewer: true,
            ..SignInState::default()
        }),
    );
    key(&mut model, KeyCode::Enter);
    key(&mut model, KeyCode::Enter);
    let generation = model.devices.generation;
    for (i, page) in pages.iter().enumerate() {
        update(
            &mut model,
            Msg::DevicesPage {
                generation,
                devices: page.clone(),
                total: Some(total as u64),
                done: done && i + 1 == pages.len(),
            },
        );
    }
    model
}

fn loaded(devices: usize) -> Model {
    model_with(pages(devices), devices, true)
}

fn terminal() -> Screen {
    Terminal::with_options(
        CrosstermBackend::new(std::io::sink()),
        TerminalOptions {
            viewport: Viewport::Fixed(Rect::new(0, 0, 120, 40)),
        },
    )
    .expect("terminal")
}

fn frame(terminal: &mut Screen, model: &Model) {
    intune_assist::dashboard::draw_frame(terminal, model).expect("draw");
}

/// A copy of `model` and a terminal showing its screen: the state a sample starts from.
fn showing(model: &Model) -> (Model, Screen) {
    let mut terminal = terminal();
    frame(&mut terminal, model);
    (model.clone(), terminal)
}

/// One frame of All devices with every device loaded, scrolled a page from the screen
/// before it: every row of the table is written anew.
#[divan::bench(sample_count = 100, sample_size = 1, args = SIZES)]
fn frame_device_list(bencher: Bencher, devices: usize) {
    let top = loaded(devices);
    let mut paged = top.clone();
    key(&mut paged, KeyCode::PageDown);
    bencher
        .with_inputs(|| {
            let mut terminal = terminal();
            frame(&mut terminal, &top);
            terminal
        })
        .bench_local_values(|mut terminal| {
            frame(&mut terminal, &paged);
            terminal
        });
}

/// What the filter holds before a measured keystroke.
#[derive(Clone, Copy)]
enum Before {
    /// Typed a character at a time, so each shorter filter's rows are kept.
    Typed(&'static str),
    /// Pasted whole, so no shorter filter's rows are kept.
    Pasted(&'static str),
    /// Typed a character at a time into the list sorted by name.
    TypedSorted(&'static str),
}

/// A filter keystroke the bench measures.
struct Keystroke {
    name: &'static str,
    before: Before,
    key: KeyCode,
}

/// Every filter keystroke measured, in the order they are printed.
const KEYSTROKES: [Keystroke; 7] = [
    Keystroke {
        name: "first character \"\" -> \"d\"",
        before: Before::Typed(""),
        key: KeyCode::Char('d'),
    },
    Keystroke {
        name: "narrowing \"desk\" -> \"deskt\"",
        before: Before::Typed("desk"),
        key: KeyCode::Char('t'),
    },
    Keystroke {
        name: "widening back \"d\" -> \"\"",
        before: Before::Typed("d"),
        key: KeyCode::Backspace,
    },
    Keystroke {
        name: "widening afresh \"desk7\" -> \"desk\"",
        before: Before::Pasted("desk7"),
        key: KeyCode::Backspace,
    },
    Keystroke {
        name: "fuzzy typed further \"~dsk\" -> \"~dsk7\"",
        before: Before::Typed("~dsk"),
        key: KeyCode::Char('7'),
    },
    Keystroke {
        name: "fuzzy first character \"~\" -> \"~d\"",
        before: Before::Typed("~"),
        key: KeyCode::Char('d'),
    },
    Keystroke {
        name: "first character, sorted by name \"\" -> \"d\"",
        before: Before::TypedSorted(""),
        key: KeyCode::Char('d'),
    },
];

/// Every device loaded, All devices open and the filter holding `before`.
fn filtered(devices: usize, before: Before) -> Model {
    let mut model = loaded(devices);
    if let Before::TypedSorted(_) = before {
        key(&mut model, KeyCode::Char('s'));
    }
    key(&mut model, KeyCode::Char('/'));
    match before {
        Before::Typed(typed) | Before::TypedSorted(typed) => {
            for c in typed.chars() {
                key(&mut model, KeyCode::Char(c));
            }
        }
        Before::Pasted(text) => {
            update(&mut model, Msg::Paste(text.into()));
        }
    }
    model
}

/// Measures `keystroke`: each sample presses its key on a copy of the state before it and
/// draws the frame after it over the screen before it.
fn bench_filter_keystroke(bencher: Bencher, devices: usize, keystroke: &Keystroke) {
    let model = filtered(devices, keystroke.before);
    bencher
        .with_inputs(|| showing(&model))
        .bench_local_values(|(mut model, mut terminal)| {
            key(&mut model, keystroke.key);
            frame(&mut terminal, &model);
            (model, terminal)
        });
}

/// Samples of each keystroke for its percentiles.
const PERCENTILE_SAMPLES: usize = 100;

/// Each keystroke's median, 95th percentile and slowest of [`PERCENTILE_SAMPLES`] samples
/// at every size, measured as [`bench_filter_keystroke`] measures them (divan prints no
/// percentiles).
fn keystroke_percentiles() {
    println!("filter keystrokes, {PERCENTILE_SAMPLES} samples each: median; p95; slowest");
    for devices in SIZES {
        for keystroke in &KEYSTROKES {
            let model = filtered(devices, keystroke.before);
            let mut samples: Vec<std::time::Duration> = (0..PERCENTILE_SAMPLES)
                .map(|_| {
                    let (mut model, mut terminal) = showing(&model);
                    let started = std::time::Instant::now();
                    key(&mut model, keystroke.key);
                    frame(&mut terminal, &model);
                    let took = started.elapsed();
                    drop(std::hint::black_box((model, terminal)));
                    took
                })
                .collect();
            samples.sort_unstable();
            // Nearest rank: the sample at or under which 95 in 100 fall.
            let rank = |percent: usize| samples[(PERCENTILE_SAMPLES * percent).div_ceil(100) - 1];
            println!(
                "  {devices:>9} devices, {:<42} {:>9.2?}; {:>9.2?}; {:>9.2?}",
                keystroke.name,
                rank(50),
                rank(95),
                rank(100),
            );
        }
    }
}

/// Typing one more character of a filter ("desk" → "deskt"): narrows and draws.
#[divan::bench(sample_count = 30, sample_size = 1, args = SIZES)]
fn filter_keystroke_narrowing(bencher: Bencher, devices: usize) {
    bench_filter_keystroke(bencher, devices, &KEYSTROKES[1]);
}

/// Deleting the only character of a filter: every device is listed again (the rows the empty
/// filter had, kept while it was narrowed), and drawn.
#[divan::bench(sample_count = 30, sample_size = 1, args = SIZES)]
fn filter_keystroke_widening(bencher: Bencher, devices: usize) {
    bench_filter_keystroke(bencher, devices, &KEYSTROKES[2]);
}

/// Deleting the last character of a filter pasted whole ("desk7" → "desk"), so no earlier
/// rows are kept for it: a search of every device, on every core.
#[divan::bench(sample_count = 30, sample_size = 1, args = SIZES)]
fn filter_keystroke_widening_afresh(bencher: Bencher, devices: usize) {
    bench_filter_keystroke(bencher, devices, &KEYSTROKES[3]);
}

/// A first character typed into an empty filter: a full search of every device.
#[divan::bench(sample_count = 30, sample_size = 1, args = SIZES)]
fn filter_keystroke_first(bencher: Bencher, devices: usize) {
    bench_filter_keystroke(bencher, devices, &KEYSTROKES[0]);
}

/// A first character typed into the empty filter of the list sorted by name: every device,
/// in the order of their names.
#[divan::bench(sample_count = 30, sample_size = 1, args = SIZES)]
fn filter_keystroke_first_sorted(bencher: Bencher, devices: usize) {
    bench_filter_keystroke(bencher, devices, &KEYSTROKES[6]);
}

/// Fuzzy matching (`~`) typed further ("~dsk" → "~dsk7"): only the last matches are scored.
#[divan::bench(sample_count = 20, sample_size = 1, args = SIZES)]
fn filter_keystroke_fuzzy(bencher: Bencher, devices: usize) {
    bench_filter_keystroke(bencher, devices, &KEYSTROKES[4]);
}

/// The last of 100 pages arriving while All devices is open, filtered with `filter` and
/// sorted by name, and the frame after it over the screen before it.
fn bench_page_arrives(bencher: Bencher, devices: usize, filter: &str) {
    let all = pages(devices);
    let (last, before) = all.split_last().expect("pages");
    let mut model = model_with(before, devices, false);
    key(&mut model, KeyCode::Char('s'));
    key(&mut model, KeyCode::Char('/'));
    for c in filter.chars() {
        key(&mut model, KeyCode::Char(c));
    }
    key(&mut model, KeyCode::Enter);
    let generation = model.devices.generation;
    bencher
        .with_inputs(|| (showing(&model), last.clone()))
        .bench_local_values(|((mut model, mut terminal), page)| {
            update(
                &mut model,
                Msg::DevicesPage {
                    generation,
                    devices: page,
                    total: Some(devices as u64),
                    done: true,
                },
            );
            frame(&mut terminal, &model);
            (model, terminal)
        });
}

/// The worst frame of a load with a plain filter: the last page into a filtered, sorted list.
#[divan::bench(sample_count = 20, sample_size = 1, args = SIZES)]
fn page_arrives_sorted_and_filtered(bencher: Bencher, devices: usize) {
    bench_page_arrives(bencher, devices, "a");
}

/// The worst frame of a load with a fuzzy filter (`~`): every page re-ranks the matches.
#[divan::bench(sample_count = 20, sample_size = 1, args = SIZES)]
fn page_arrives_sorted_and_fuzzy_filtered(bencher: Bencher, devices: usize) {
    bench_page_arrives(bencher, devices, "~dsk");
}

/// The first character of a fuzzy pattern (`~` → `~d`): every device decided, the best matches
/// ranked and the others counted.
#[divan::bench(sample_count = 20, sample_size = 1, args = SIZES)]
fn filter_keystroke_fuzzy_first(bencher: Bencher, devices: usize) {
    bench_filter_keystroke(bencher, devices, &KEYSTROKES[5]);
}

/// What any search that reads every device costs at least: one byte of each device's name
/// read, in the list's order, on every core (each device's slot, and a line of its text).
/// A filter never typed before reads the devices its masks admit; this is its floor.
#[divan::bench(sample_count = 30, sample_size = 1, args = SIZES)]
fn read_every_device_name(bencher: Bencher, devices: usize) {
    read_every_device(bencher, devices, |text| {
        usize::from(text.bytes.get(text.ids_end()).copied().unwrap_or(0))
    });
}

/// What a fuzzy ranking of every device costs at least: each device's searched fields after
/// the ids (every byte the ranking may score) read whole, in the list's order, on every core,
/// and checked to be ASCII. A first fuzzy character reads them all; this is its floor.
#[divan::bench(sample_count = 30, sample_size = 1, args = SIZES)]
fn read_every_device_fuzzy_text(bencher: Bencher, devices: usize) {
    read_every_device(bencher, devices, |text| {
        usize::from(
            text.bytes
                .get(text.ids_end()..)
                .is_some_and(<[u8]>::is_ascii),
        )
    });
}

/// Times `read` over every device's searched text of a loaded list of `devices`, in the
/// list's order, the list split evenly across the cores.
fn read_every_device(
    bencher: Bencher,
    devices: usize,
    read: impl Fn(intune_assist::domain::Searched<'_>) -> usize + Sync,
) {
    let model = loaded(devices);
    let all = &model.devices.all;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let part = all.len().div_ceil(threads);
    let read = &read;
    bencher.bench_local(|| {
        std::thread::scope(|scope| {
            let readers: Vec<_> = (0..threads)
                .map(|share| {
                    scope.spawn(move || {
                        (share * part..((share + 1) * part).min(all.len()))
                            .filter_map(|i| all.searched(i))
                            .map(read)
                            .sum::<usize>()
                    })
                })
                .collect();
            readers
                .into_iter()
                .map(|thread| thread.join().expect("a reader"))
                .sum::<usize>()
        })
    });
}
