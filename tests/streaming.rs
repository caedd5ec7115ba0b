//! `devices` writes each page as it is parsed: the JSON stays one valid array in Graph's
//! order, the table keeps one set of widths, and a failure mid-way still ends the array and
//! exits non-zero with the error on standard error.

mod common;

use common::{Harness, sim_config};
use intune_assist::sim::SimConfig;

/// A tenant of `devices` devices listed `page` to a page.
fn paged(devices: usize, faults: &str) -> SimConfig {
    SimConfig {
        devices,
        faults: faults.parse().expect("faults"),
        ..sim_config()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_is_one_array_in_graphs_order() {
    let h = Harness::with_tokens(paged(2_345, "")).await;
    let run = h.run(&["devices", "--json"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rows = run.json();
    let rows = rows.as_array().expect("one array");
    let ids: Vec<&str> = rows.iter().filter_map(|r| r["id"].as_str()).collect();
    let listed: Vec<String> = h
        .services
        .graph
        .all_devices(Default::default(), |_, _| {})
        .await
        .expect("devices")
        .iter()
        .map(|d| d.id().to_string())
        .collect();
    assert_eq!(
        ids, listed,
        "every device once, in the order Graph pages them"
    );
    assert!(
        h.count_requests("GET", "/managedDevices") >= 2 * 3,
        "several pages, each read twice (the command and the check)"
    );
    // Laid out as a pretty array always was: each element indented one level.
    assert!(
        run.stdout.starts_with("[\n  {\n    \"id\": "),
        "{}",
        &run.stdout[..80]
    );
    assert!(run.stdout.ends_with("\n  }\n]\n"));

    let none = h
        .run(&["devices", "--json", "--filter", "no-such-device"])
        .await;
    assert_eq!(none.code, 0, "{}", none.stderr);
    assert_eq!(none.stdout, "[]\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failure_mid_way_ends_the_array_and_exits_non_zero() {
    // Every page after the first is cut off: the first page is written, then the error.
    let h = Harness::with_tokens(paged(2_345, "drop=1,on=skiptoken")).await;
    let run = h.run(&["devices", "--json"]).await;
    assert_ne!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("could not be reached"),
        "the error is said: {}",
        run.stderr
    );
    let rows: serde_json::Value =
        serde_json::from_str(&run.stdout).expect("standard output is still one JSON array");
    let rows = rows.as_array().expect("an array");
    assert_eq!(rows.len(), 1000, "the first page, whole");

    let text = h.run(&["devices"]).await;
    assert_ne!(text.code, 0);
    assert_eq!(
        text.stdout.lines().count(),
        1 + 1000,
        "the header and the first page's rows"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_table_keeps_the_widths_its_first_rows_set() {
    let h = Harness::with_tokens(paged(2_345, "")).await;
    let run = h.run(&["devices"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 1 + 2_345);
    assert!(lines[0].starts_with("NAME"));
    let user_at = lines[0].find("USER").expect("USER column");
    for line in &lines[1..] {
        let before: String = line.chars().take(user_at).collect();
        assert!(
            before.ends_with("  ") || before.chars().count() < user_at,
            "every row's user starts where the header's does: {line}"
        );
    }
    assert!(run.stderr.contains("2345 devices"), "{}", run.stderr);
}
