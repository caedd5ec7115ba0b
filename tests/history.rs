//! Session history: TeamViewer's connection report, paged through `next_offset`, joined with
//! the audit trail by session code; a report the token may not read is explained.

mod common;

use common::{Harness, sim_config};
use intune_assist::sim::SimConfig;
use intune_assist::teamviewer::ReportQuery;

/// A tenant whose report holds `past` connections, `page` to a page.
fn with_report(past: usize, page: usize) -> SimConfig {
    SimConfig {
        past_sessions: past,
        report_page_size: page,
        ..sim_config()
    }
}

/// Requests a session for a supported device and opens its link as the supporter would, so
/// the report gains a connection with its code. Returns the device's name and the code.
async fn a_connected_session(h: &Harness) -> (String, String) {
    let device = h.supported_device().await;
    let new = h.run(&["session", "new", device.id(), "--json"]).await;
    assert_eq!(new.code, 0, "{}", new.stderr);
    let line = &new.json_lines()[0];
    let code = line["code"].as_str().expect("code").to_string();
    let link = line["sessionUrl"].as_str().expect("sessionUrl").to_string();
    let opened = reqwest::get(&link).await.expect("the link opens");
    assert!(opened.status().is_success(), "{link}: {}", opened.status());
    // The connection is made once the end user has joined too.
    for _ in 0..500 {
        let session = h
            .services
            .teamviewer
            .observe(&code)
            .await
            .expect("observed");
        if session.supporter_connected_at.is_some() {
            return (device.name().to_string(), code);
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("the supporter never connected to {code}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_reads_every_page_and_names_who_requested_each_session() {
    let h = Harness::with_tokens(with_report(30, 7)).await;
    let (device, code) = a_connected_session(&h).await;
    let run = h.run(&["history", "--since", "2020-01-01", "--json"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let sessions = run.json();
    let sessions = sessions.as_array().expect("an array");
    assert_eq!(sessions.len(), 31, "30 past connections and ours");
    let mut ids: Vec<&str> = sessions.iter().filter_map(|s| s["id"].as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 31, "every record once");
    assert!(
        h.count_requests("GET", "/reports/connections") >= 5,
        "31 records at 7 a page are 5 pages"
    );
    let starts: Vec<&str> = sessions
        .iter()
        .filter_map(|s| s["startedAt"].as_str())
        .collect();
    let mut newest_first = starts.clone();
    newest_first.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(starts, newest_first, "newest first");

    let ours = sessions
        .iter()
        .find(|s| s["sessionCode"] == code.as_str())
        .expect("our session is in the report");
    assert_eq!(ours["requested"]["deviceName"], device.as_str());
    assert!(
        ours["requested"]["admin"]
            .as_str()
            .is_some_and(|a| !a.is_empty())
    );
    let others_requested = sessions
        .iter()
        .filter(|s| s["sessionCode"] != code.as_str())
        .filter(|s| !s["requested"].is_null())
        .count();
    assert_eq!(
        others_requested, 0,
        "only the trail's sessions name a requester"
    );

    let text = h.run(&["history", "--since", "2020-01-01"]).await;
    assert_eq!(text.code, 0, "{}", text.stderr);
    assert!(text.stdout.contains("REQUESTED BY"), "{}", text.stdout);
    let our_line = text
        .stdout
        .lines()
        .find(|l| l.contains(&code))
        .expect("our session's line");
    assert!(our_line.contains(&device), "{our_line}");
    assert!(text.stderr.contains("31 sessions since"), "{}", text.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn since_and_device_narrow_the_history() {
    let h = Harness::with_tokens(with_report(40, 50)).await;
    let all = h
        .run(&["history", "--since", "2020-01-01", "--json"])
        .await
        .json();
    let all = all.as_array().expect("an array").clone();
    assert_eq!(all.len(), 40);
    let recent = h
        .run(&["history", "--since", "2026-11-10", "--json"])
        .await
        .json();
    let recent = recent.as_array().expect("an array").clone();
    assert!(
        !recent.is_empty() && recent.len() < all.len(),
        "{}",
        recent.len()
    );
    assert!(
        recent
            .iter()
            .all(|s| s["startedAt"].as_str().is_some_and(|t| t >= "2026-11-10")),
        "from the date on"
    );
    let name = all[0]["deviceName"]
        .as_str()
        .expect("a device name")
        .to_string();
    let on_device = h
        .run(&[
            "history",
            "--since",
            "2020-01-01",
            "--device",
            &name.to_lowercase(),
            "--json",
        ])
        .await
        .json();
    let on_device = on_device.as_array().expect("an array").clone();
    assert!(!on_device.is_empty());
    assert!(
        on_device
            .iter()
            .all(|s| s["deviceName"].as_str() == Some(name.as_str()))
    );
    let none = h
        .run(&[
            "history",
            "--since",
            "2020-01-01",
            "--device",
            "NO-SUCH-DEVICE",
        ])
        .await;
    assert_eq!(none.code, 0, "{}", none.stderr);
    assert!(none.stderr.contains("No sessions"), "{}", none.stderr);
    let bad = h.run(&["history", "--since", "last tuesday"]).await;
    assert_eq!(bad.code, 2, "{}", bad.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_the_token_may_not_read_is_explained() {
    let h = Harness::with_tokens(SimConfig {
        report_forbidden: true,
        ..sim_config()
    })
    .await;
    let run = h.run(&["history"]).await;
    assert_eq!(run.code, 4, "the permission exit code: {}", run.stderr);
    assert!(
        run.stderr.contains("Connection reporting: view"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("403"), "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_follows_next_offset_page_by_page() {
    let h = Harness::with_tokens(with_report(12, 5)).await;
    let query = ReportQuery::default();
    let first = h
        .services
        .teamviewer
        .connection_report_page(&query, None)
        .await
        .expect("first page");
    assert_eq!(first.records.len(), 5);
    let next = first.next_offset.clone().expect("a next page");
    let second = h
        .services
        .teamviewer
        .connection_report_page(&query, Some(&next))
        .await
        .expect("second page");
    assert_eq!(second.records.len(), 5);
    assert!(second.records.iter().all(|r| !first.records.contains(r)));
    let mut pages = Vec::new();
    let all = h
        .services
        .teamviewer
        .connection_report(&query, |n| pages.push(n))
        .await
        .expect("the whole report");
    assert_eq!(all.len(), 12);
    assert_eq!(pages, [5, 10, 12]);
    let past = &all[0];
    assert!(past.started_at.is_some() && past.ended_at.is_some());
    assert!(past.duration().is_some_and(|d| d.whole_minutes() >= 2));
    assert!(!past.supporter.is_empty() && !past.device_name.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulated_report_has_the_documented_shape() {
    let h = Harness::with_tokens(with_report(3, 2)).await;
    let url = format!(
        "{}/api/v1/reports/connections",
        h.sim.endpoints.teamviewer_url.trim_end_matches('/')
    );
    let body: serde_json::Value = reqwest::Client::new()
        .get(&url)
        .bearer_auth(&h.sim.endpoints.teamviewer_token)
        .send()
        .await
        .expect("answered")
        .json()
        .await
        .expect("JSON");
    // api-facts §2.6: the record fields TeamViewer documents, and nothing else.
    let documented = [
        "id",
        "userid",
        "username",
        "deviceid",
        "devicename",
        "groupid",
        "groupname",
        "support_session_type",
        "start_date",
        "end_date",
        "session_code",
        "fee",
        "billing_state",
        "currency",
        "notes",
        "contact_id",
    ];
    let records = body["records"].as_array().expect("records");
    assert_eq!(records.len(), 2);
    for record in records {
        let object = record.as_object().expect("an object");
        for key in object.keys() {
            assert!(
                documented.contains(&key.as_str()),
                "undocumented field {key}"
            );
        }
        for key in ["id", "userid", "username", "devicename", "start_date"] {
            assert!(object.contains_key(key), "{key} missing from {record}");
        }
    }
    assert!(body["next_offset"].is_string(), "{body}");
    let bad = reqwest::Client::new()
        .get(format!("{url}?from_date=yesterday"))
        .bearer_auth(&h.sim.endpoints.teamviewer_token)
        .send()
        .await
        .expect("answered");
    assert_eq!(bad.status().as_u16(), 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_record_once_whatever_next_offset_names() {
    use intune_assist::sim::ReportOffset;
    let mut expected: Option<Vec<String>> = None;
    for paging in [
        ReportOffset::StartsAt,
        ReportOffset::After,
        ReportOffset::Overlapping,
    ] {
        let h = Harness::with_tokens(SimConfig {
            report_offset: paging,
            ..with_report(23, 5)
        })
        .await;
        let all = h
            .services
            .teamviewer
            .connection_report(&ReportQuery::default(), |_| {})
            .await
            .expect("the whole report");
        let ids: Vec<String> = all.iter().map(|r| r.id.clone()).collect();
        let mut unique = ids.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), 23, "{paging:?}: {ids:?}");
        assert_eq!(ids.len(), 23, "{paging:?}: no record twice");
        match &expected {
            None => expected = Some(ids),
            Some(first) => assert_eq!(&ids, first, "{paging:?}: the same records in order"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_is_asked_for_in_utc_whole_seconds_with_its_end() {
    let h = Harness::with_tokens(with_report(5, 50)).await;
    let run = h
        .run(&[
            "history",
            "--since",
            "2026-11-20T10:30:15.5+02:00",
            "--json",
        ])
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let queries: Vec<Vec<(String, String)>> = h
        .sim
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/reports/connections"))
        .filter_map(|r| r.query.clone())
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .collect();
    assert!(!queries.is_empty());
    for query in &queries {
        let get = |name: &str| {
            query
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_else(|| panic!("{name} sent: {query:?}"))
        };
        assert_eq!(get("from_date"), "2026-11-20T08:30:15Z");
        let to = get("to_date");
        assert!(
            to.len() == 20 && to.ends_with('Z') && !to.contains('.'),
            "UTC whole seconds: {to}"
        );
    }
}
