//! Contract tests against Microsoft's published Graph schema (`tests/fixtures/graph-schema/`):
//! what the client asks for and what the simulator answers must exist in the schema of the
//! version they use, so a test passing against the simulator says something about real Graph.

mod common;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::PathBuf;

use common::{Harness, run_with, sim_config};
use intune_assist::auth::store::SecretStore;
use intune_assist::graph::ApiVersion;
use intune_assist::services::Services;
use intune_assist::sim::SimConfig;
use serde_json::Value;

/// The parts of the schema these tests read.
struct Schema {
    /// v1.0: entity type → property → (type, nullable).
    v1_properties: HashMap<String, HashMap<String, (String, bool)>>,
    /// v1.0: enum type → members.
    v1_enums: HashMap<String, BTreeSet<String>>,
    /// beta: entity type → property names.
    beta_properties: HashMap<String, HashSet<String>>,
    /// beta: enum type → members.
    beta_enums: HashMap<String, BTreeSet<String>>,
    /// Names of the bound actions and functions in the v1.0 excerpt.
    operations: HashSet<String>,
}

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/graph-schema")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn schema() -> Schema {
    let xml = fixture("v1.0-intune.csdl.xml");
    let doc = roxmltree::Document::parse(&xml).expect("the CSDL excerpt parses");
    let named = |node: &roxmltree::Node<'_, '_>| node.attribute("Name").unwrap_or("").to_string();
    let mut v1_properties: HashMap<String, HashMap<String, (String, bool)>> = HashMap::new();
    let mut v1_enums: HashMap<String, BTreeSet<String>> = HashMap::new();
    let mut operations = HashSet::new();
    let mut entity_id = HashMap::new();
    for node in doc.descendants() {
        match node.tag_name().name() {
            "EntityType" => {
                let mut properties = HashMap::new();
                for p in node
                    .children()
                    .filter(|c| c.tag_name().name() == "Property")
                {
                    properties.insert(
                        named(&p),
                        (
                            p.attribute("Type").unwrap_or("").to_string(),
                            p.attribute("Nullable") != Some("false"),
                        ),
                    );
                }
                if named(&node) == "entity" {
                    entity_id = properties.clone();
                }
                v1_properties.insert(named(&node), properties);
            }
            "EnumType" => {
                let members = node
                    .children()
                    .filter(|c| c.tag_name().name() == "Member")
                    .map(|m| named(&m))
                    .collect();
                v1_enums.insert(named(&node), members);
            }
            "Action" | "Function" => {
                operations.insert(named(&node));
            }
            _ => {}
        }
    }
    // Every entity inherits `id` from graph.entity.
    for properties in v1_properties.values_mut() {
        for (k, v) in &entity_id {
            properties.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    let beta: Value = serde_json::from_str(&fixture("beta-intune.json")).expect("beta json");
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let beta_properties = beta["entityTypes"]
        .as_object()
        .expect("entityTypes")
        .iter()
        .map(|(name, t)| {
            let mut props: HashSet<String> = strings(&t["properties"]).into_iter().collect();
            props.insert("id".into());
            (name.clone(), props)
        })
        .collect();
    let beta_enums = beta["enumTypes"]
        .as_object()
        .expect("enumTypes")
        .iter()
        .map(|(name, members)| (name.clone(), strings(members).into_iter().collect()))
        .collect();
    Schema {
        v1_properties,
        v1_enums,
        beta_properties,
        beta_enums,
        operations,
    }
}

impl Schema {
    fn has_property(&self, version: &str, entity: &str, property: &str) -> bool {
        match version {
            "v1.0" => self
                .v1_properties
                .get(entity)
                .is_some_and(|p| p.contains_key(property)),
            _ => self
                .beta_properties
                .get(entity)
                .is_some_and(|p| p.contains(property)),
        }
    }

    /// The enum a property holds, if it holds one: from its v1.0 type, else (beta-only
    /// properties) the beta enum of the same name.
    fn enum_of(&self, entity: &str, property: &str) -> Option<String> {
        match self.v1_properties.get(entity).and_then(|p| p.get(property)) {
            Some((ty, _)) => ty
                .strip_prefix("graph.")
                .filter(|t| self.v1_enums.contains_key(*t))
                .map(str::to_string),
            None => self
                .beta_enums
                .contains_key(property)
                .then(|| property.to_string()),
        }
    }

    /// The members a value may take in `version`: v1.0 only ever sends the members its own
    /// schema defines (Prefer unlocks none of beta's); beta adds its own.
    fn members(&self, version: &str, enum_name: &str) -> BTreeSet<String> {
        let mut members = self.v1_enums.get(enum_name).cloned().unwrap_or_default();
        if version == "beta" {
            members.extend(self.beta_enums.get(enum_name).cloned().unwrap_or_default());
        }
        members
    }

    fn non_nullable(&self, entity: &str, property: &str) -> bool {
        self.v1_properties
            .get(entity)
            .and_then(|p| p.get(property))
            .is_some_and(|(_, nullable)| !nullable)
    }
}

#[test]
fn the_fixture_holds_what_the_tests_read() {
    let s = schema();
    assert!(s.has_property("v1.0", "managedDevice", "remoteAssistanceSessionUrl"));
    assert!(!s.has_property("v1.0", "managedDevice", "deviceType"));
    assert!(s.has_property("beta", "managedDevice", "deviceType"));
    assert!(!s.v1_enums["deviceEnrollmentType"].contains("androidEnterpriseCorporateWorkProfile"));
    assert!(s.beta_enums["deviceEnrollmentType"].contains("androidEnterpriseCorporateWorkProfile"));
    for op in [
        "requestRemoteAssistance",
        "syncDevice",
        "beginOnboarding",
        "disconnect",
        "getEffectivePermissions",
    ] {
        assert!(s.operations.contains(op), "{op}");
    }
}

/// Services against `h`'s simulator reading devices from `version`.
fn services(h: &Harness, version: ApiVersion) -> Services {
    let mut cfg = Services::config_for(&h.sim.endpoints).expect("config");
    cfg.graph_token = Some(h.sim.endpoints.graph_token.clone().into());
    cfg.teamviewer_token = Some(h.sim.endpoints.teamviewer_token.clone().into());
    cfg.devices_api = version;
    Services::new(cfg, SecretStore::memory(), common::http_settings()).expect("services")
}

/// The property names an OData `$filter` expression compares.
fn filtered_properties(filter: &str) -> Vec<String> {
    let words: Vec<&str> = filter.split_whitespace().collect();
    words
        .windows(2)
        .filter(|w| {
            matches!(
                w[1].to_ascii_lowercase().as_str(),
                "eq" | "ne" | "gt" | "ge" | "lt" | "le"
            )
        })
        .map(|w| w[0].trim_start_matches('(').to_string())
        .chain(words.iter().filter_map(|w| {
            // startswith(deviceName,'x') and contains(deviceName,'x')
            let (_, rest) = w.split_once('(')?;
            let (name, _) = rest.split_once(',')?;
            Some(name.to_string())
        }))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_asks_only_for_what_the_schema_has() {
    let schema = schema();
    let h = Harness::with_tokens(SimConfig {
        onboarded: false,
        ..sim_config()
    })
    .await;
    let device = h.sim.device_ids()[0].clone();
    for version in [ApiVersion::V1, ApiVersion::Beta] {
        let services = services(&h, version);
        for args in [
            vec!["devices"],
            vec!["devices", "--os", "Windows"],
            vec!["device", device.1.as_str()],
            vec!["device", device.0.as_str()],
            vec!["whoami"],
            vec!["connector", "enable", "--accept-license"],
            vec!["connector", "disconnect", "--yes"],
        ] {
            let run = run_with(&services, &h.tuning, &args).await;
            assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        }
        let run = run_with(
            &services,
            &h.tuning,
            &["connector", "enable", "--accept-license"],
        )
        .await;
        assert_eq!(run.code, 0, "{}", run.stderr);
        let supported = common::supported_device(&services).await;
        let run = run_with(&services, &h.tuning, &["session", "new", supported.id()]).await;
        assert_eq!(run.code, 0, "{}", run.stderr);
        let run = run_with(&services, &h.tuning, &["sync", supported.id(), "--wait"]).await;
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    let requests: Vec<_> = h
        .sim
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/graph/"))
        .collect();
    let mut checked = BTreeSet::new();
    for request in &requests {
        let version = if request.path.starts_with("/graph/v1.0/") {
            "v1.0"
        } else {
            assert!(request.path.starts_with("/graph/beta/"), "{}", request.path);
            "beta"
        };
        assert_eq!(
            request.prefer.as_deref(),
            Some("include-unknown-enum-members"),
            "{} {}",
            request.method,
            request.path
        );
        let segments: Vec<&str> = request.path.split('/').skip(3).collect();
        let entity = match segments.get(1).copied() {
            Some("managedDevices") => "managedDevice",
            Some("remoteAssistancePartners") => "remoteAssistancePartner",
            _ => "",
        };
        // Bound operations: the last segment after the entity's key.
        if let Some(last) = segments
            .get(3)
            .or(segments.get(1).filter(|s| s.contains('(')))
        {
            let name = last.split('(').next().unwrap_or(last);
            assert!(
                schema.operations.contains(name),
                "{} calls `{name}`, which the schema does not define",
                request.path
            );
            checked.insert(format!("operation {name}"));
        }
        let params: Vec<(String, String)> =
            url::form_urlencoded::parse(request.query.as_deref().unwrap_or("").as_bytes())
                .into_owned()
                .collect();
        for (key, value) in &params {
            let properties: Vec<String> = match key.as_str() {
                "$select" => value.split(',').map(str::to_string).collect(),
                "$filter" => filtered_properties(value),
                _ => continue,
            };
            for property in properties {
                assert!(
                    schema.has_property(version, entity, &property),
                    "{version} {entity} has no `{property}` ({key} in {})",
                    request.path
                );
                checked.insert(format!("{version} {key} {property}"));
            }
        }
    }
    // The requests checked cover what the client sends.
    for expected in [
        "v1.0 $select remoteAssistanceSessionUrl",
        "v1.0 $select deviceName",
        "beta $select deviceType",
        "v1.0 $filter operatingSystem",
        "beta $filter deviceName",
        "operation requestRemoteAssistance",
        "operation syncDevice",
        "v1.0 $select lastSyncDateTime",
        "operation beginOnboarding",
        "operation disconnect",
        "operation getEffectivePermissions",
    ] {
        assert!(
            checked.contains(expected),
            "not exercised: {expected}\n{checked:#?}"
        );
    }
}

/// Fetches `path` from the simulator's Graph as the client would, with or without Prefer.
async fn get(h: &Harness, path: &str, prefer: bool) -> (u16, Value) {
    let client = reqwest::Client::new();
    let mut request = client
        .get(format!("{}/{path}", h.sim.endpoints.graph_url))
        .bearer_auth(&h.sim.endpoints.graph_token);
    if prefer {
        request = request.header("Prefer", "include-unknown-enum-members");
    }
    let response = request.send().await.expect("the simulator answers");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON"))
}

/// Checks one entity object against the schema; returns the enum values it carried.
fn check_object(
    schema: &Schema,
    version: &str,
    all_members: bool,
    entity: &str,
    object: &Value,
) -> Vec<(String, String)> {
    let mut seen = Vec::new();
    for (key, value) in object.as_object().expect("an object") {
        if key.starts_with('@') {
            continue;
        }
        assert!(
            schema.has_property(version, entity, key),
            "the simulator sends `{key}`, which {version} {entity} does not have"
        );
        if schema.non_nullable(entity, key) {
            assert!(!value.is_null(), "{version} {entity}.{key} is not nullable");
        }
        if let (Some(enum_name), Some(text)) = (schema.enum_of(entity, key), value.as_str()) {
            let members = schema.members(version, &enum_name);
            assert!(
                members.contains(text),
                "{version} {entity}.{key} = `{text}` is not a member of {enum_name} (Prefer: {all_members})"
            );
            seen.push((key.clone(), text.to_string()));
        }
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulator_sends_only_what_the_schema_has() {
    let schema = schema();
    let h = Harness::with_tokens(sim_config()).await;
    let (first_id, _) = h.sim.device_ids()[0].clone();
    for version in ["v1.0", "beta"] {
        for prefer in [false, true] {
            let (status, page) = get(
                &h,
                &format!("{version}/deviceManagement/managedDevices?$top=1000"),
                prefer,
            )
            .await;
            assert_eq!(status, 200);
            let mut values = BTreeSet::new();
            for device in page["value"].as_array().expect("value") {
                for (key, value) in check_object(&schema, version, prefer, "managedDevice", device)
                {
                    values.insert(format!("{key}={value}"));
                }
            }
            let cope = "deviceEnrollmentType=androidEnterpriseCorporateWorkProfile";
            let unknown = "deviceEnrollmentType=unknownFutureValue";
            if version == "v1.0" {
                // With Prefer or without: v1.0 has no Android Enterprise members to send.
                assert!(values.contains(unknown), "{prefer}: {values:#?}");
                assert!(!values.contains(cope), "{prefer}");
            } else {
                assert!(values.contains(cope), "{version} {prefer}: {values:#?}");
            }
            let (status, one) = get(
                &h,
                &format!(
                    "{version}/deviceManagement/managedDevices/{first_id}?$select=id,deviceName,remoteAssistanceSessionUrl,remoteAssistanceSessionErrorDetails"
                ),
                prefer,
            )
            .await;
            assert_eq!(status, 200);
            check_object(&schema, version, prefer, "managedDevice", &one);
            let (status, partners) = get(
                &h,
                &format!("{version}/deviceManagement/remoteAssistancePartners"),
                prefer,
            )
            .await;
            assert_eq!(status, 200);
            for partner in partners["value"].as_array().expect("value") {
                let seen =
                    check_object(&schema, version, prefer, "remoteAssistancePartner", partner);
                assert!(seen.iter().any(|(k, _)| k == "onboardingStatus"));
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn selecting_a_property_the_version_lacks_is_graphs_400() {
    let h = Harness::with_tokens(sim_config()).await;
    let (status, body) = get(
        &h,
        "v1.0/deviceManagement/managedDevices?$select=id,deviceType",
        false,
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body["error"]["message"],
        "Could not find a property named 'deviceType' on type 'microsoft.graph.managedDevice'."
    );
    let (status, _) = get(
        &h,
        "beta/deviceManagement/managedDevices?$select=id,deviceType",
        false,
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_graph_request_carries_a_guid_client_request_id() {
    let h = Harness::with_tokens(sim_config()).await;
    let device = h.supported_device().await;
    h.services.graph.connector().await.expect("connector");
    h.services.graph.device(device.id()).await.expect("device");
    let is_guid = |id: &str| {
        id.len() == 36
            && id.char_indices().all(|(i, c)| match i {
                8 | 13 | 18 | 23 => c == '-',
                _ => c.is_ascii_hexdigit(),
            })
    };
    let graph: Vec<_> = h
        .sim
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/graph/"))
        .collect();
    assert!(graph.len() >= 3);
    let mut ids = BTreeSet::new();
    for request in &graph {
        let id = request
            .client_request_id
            .as_deref()
            .unwrap_or_else(|| panic!("no client-request-id on {}", request.path));
        assert!(is_guid(id), "{id}");
        ids.insert(id.to_string());
    }
    assert_eq!(ids.len(), graph.len(), "a new id for every request");
}
