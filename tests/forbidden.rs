//! Every cause of a 403, told apart: a missing Intune permission is named only when the
//! admin's effective permissions show it missing; a Graph scope without consent, an Intune
//! licence the tenant lacks and Conditional Access get Graph's own code, message and request
//! id with the likely causes. Onboarding the connector also needs an Entra admin role.

mod common;

use common::{Harness, sim_config};
use intune_assist::auth::store::SecretStore;
use intune_assist::domain::Permission;
use intune_assist::http::ErrorKind;
use intune_assist::sim::{Profile, SimConfig};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_intune_permission_is_named() {
    let h = Harness::with_tokens(SimConfig {
        profile: Profile::Helpdesk,
        onboarded: false,
        ..sim_config()
    })
    .await;
    // Straight to Graph, past the tool's own check: the 403 itself is explained.
    let error = h
        .services
        .graph
        .begin_onboarding(intune_assist::sim::PARTNER_ID)
        .await
        .expect_err("helpdesk may not change the connector");
    assert!(
        matches!(
            error.kind,
            ErrorKind::Forbidden {
                missing: Some(Permission::UpdateRemoteAssistance),
                ..
            }
        ),
        "{error:?}"
    );
    let text = error.to_string();
    assert!(text.contains("Update Remote Assistance"), "{text}");
    assert!(text.contains("request id"), "{text}");
    assert!(!text.contains("403"), "never a raw 403: {text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_graph_scope_without_consent_is_not_blamed_on_the_intune_role() {
    let h = Harness::with_tokens(SimConfig {
        withheld_scopes: vec!["DeviceManagementManagedDevices.ReadWrite.All".into()],
        ..sim_config()
    })
    .await;
    let device = h.supported_device().await;
    let run = h.run(&["session", "new", device.id()]).await;
    assert_eq!(run.code, 4, "{}", run.stderr);
    for text in [
        "Forbidden",
        "Application must have one of the following scopes: DeviceManagementManagedDevices.ReadWrite.All",
        "admin consent",
        "request id",
        // A request about one device also names the scope of the admin's role assignment.
        "outside the scope groups or scope tags",
    ] {
        assert!(run.stderr.contains(text), "missing {text}: {}", run.stderr);
    }
    assert!(
        !run.stderr.contains("Your Intune role lacks"),
        "{}",
        run.stderr
    );
    assert_eq!(h.sim.open_sessions(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_without_an_intune_licence_is_explained() {
    let h = Harness::with_tokens(SimConfig {
        intune_licensed: false,
        ..sim_config()
    })
    .await;
    for args in [
        vec!["devices"],
        vec!["connector", "enable", "--accept-license"],
    ] {
        let run = h.run(&args).await;
        assert_eq!(run.code, 4, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr
                .contains("The tenant does not have a valid Intune license"),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains("Intune licence"), "{}", run.stderr);
        assert!(
            !run.stderr.contains("Your Intune role lacks"),
            "{}",
            run.stderr
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn onboarding_needs_an_entra_admin_role() {
    let store = SecretStore::memory();
    let h = Harness::signed_out(
        SimConfig {
            entra_admin: false,
            onboarded: false,
            ..sim_config()
        },
        store,
    )
    .await;
    assert_eq!(h.run(&["login"]).await.code, 0);
    let run = h.run(&["connector", "enable", "--accept-license"]).await;
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("Intune Administrator or Global Administrator role"),
        "{}",
        run.stderr
    );
    assert_eq!(h.sim.connector_status(), Some("notOnboarded"));
    assert_eq!(h.count_requests("POST", "beginOnboarding"), 0);

    let admin = Harness::signed_out(
        SimConfig {
            onboarded: false,
            ..sim_config()
        },
        SecretStore::memory(),
    )
    .await;
    assert_eq!(admin.run(&["login"]).await.code, 0);
    let run = admin
        .run(&["connector", "enable", "--accept-license"])
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(admin.sim.connector_status(), Some("onboarded"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_onboarding_names_the_entra_role_when_the_sign_in_does_not_list_roles() {
    // A token given as is: nothing says which Entra roles it holds.
    let h = Harness::with_tokens(SimConfig {
        onboarded: false,
        withheld_scopes: vec!["DeviceManagementServiceConfig.ReadWrite.All".into()],
        ..sim_config()
    })
    .await;
    let run = h
        .run(&["connector", "enable", "--accept-license", "--no-wait"])
        .await;
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "onboarding needs the Intune Administrator or Global Administrator role in Entra ID"
        ),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("admin consent"), "{}", run.stderr);

    // Signed in with roles the directory lists: the 403 is not blamed on the role.
    let store = SecretStore::memory();
    let signed_in = Harness::signed_out(
        SimConfig {
            onboarded: false,
            withheld_scopes: vec!["DeviceManagementServiceConfig.ReadWrite.All".into()],
            ..sim_config()
        },
        store,
    )
    .await;
    assert_eq!(signed_in.run(&["login"]).await.code, 0);
    let run = signed_in
        .run(&["connector", "enable", "--accept-license", "--no-wait"])
        .await;
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(!run.stderr.contains("Entra ID"), "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn effective_permissions_are_advice_not_a_gate() {
    // getEffectivePermissions cannot be read (no RBAC scope): the change is still tried.
    let h = Harness::with_tokens(SimConfig {
        withheld_scopes: vec![
            "DeviceManagementRBAC.Read.All".into(),
            "DeviceManagementRBAC.ReadWrite.All".into(),
            "DeviceManagementConfiguration.Read.All".into(),
            "DeviceManagementConfiguration.ReadWrite.All".into(),
        ],
        ..sim_config()
    })
    .await;
    let device = h.supported_device().await;
    let run = h.run(&["session", "new", device.id(), "--json"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(h.count_requests("POST", "requestRemoteAssistance"), 1);

    // They say the permission is missing: said, tried, and Graph's 403 explained.
    let helpdesk = Harness::with_tokens(SimConfig {
        profile: Profile::Helpdesk,
        onboarded: false,
        ..sim_config()
    })
    .await;
    let run = helpdesk
        .run(&["connector", "enable", "--accept-license", "--no-wait"])
        .await;
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "warning: your effective Intune permissions do not list “Update Remote Assistance”"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("Your Intune role lacks “Update Remote Assistance”"),
        "{}",
        run.stderr
    );
    assert_eq!(helpdesk.count_requests("POST", "beginOnboarding"), 1);
}
