//! Approval policies (four eyes, no self-approval), the active-containment view and retry of
//! failures, over real HTTP on the real store.

mod common;

use common::*;
use reqwest::Method;
use serde_json::{json, Value};

/// Posts a new action as the integration account; answers the action as created.
async fn post_action(s: &TestServer, key: &str, body: &Value) -> Value {
    let r = s
        .req(Method::POST, "/actions", INTEGRATION)
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    r.json().await.unwrap()
}

/// Submits a pending isolation of a device with `tags`, requested by `requester` (an account id).
async fn submit(s: &TestServer, key: &str, tags: Value, requester: Option<&str>) -> Value {
    let mut body = json!({
        "actionType": "isolateDevice", "category": "device", "source": "manual",
        "asset": {"kind": "device", "id": format!("dev_{key}"), "name": format!("SRV-{key}"), "tags": tags},
        "entity": {"kind": "device", "name": format!("SRV-{key}")},
        "requiresApproval": true,
    });
    if let Some(r) = requester {
        body["requestedBy"] = json!(r);
        body["requestedById"] = json!(r);
    }
    post_action(s, key, &body).await
}

async fn approve(s: &TestServer, token: &str, id: &str) -> Value {
    let body = json!({"decision": "approve", "comment": "checked", "actions": [{"id": id}]});
    let r: Value = s
        .post("/decisions", token, body)
        .await
        .json()
        .await
        .unwrap();
    r["results"][0].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_policy_is_published() {
    let s = spawn().await;
    let policy = s.get_json("/policy", VIEWER).await;
    assert_eq!(policy["selfApproval"], false);
    assert_eq!(policy["rules"][0]["requiredApprovals"], 2);
    assert_eq!(
        policy["rules"][0]["assetTags"],
        json!(["critical", "domain-controller"])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_critical_asset_needs_two_distinct_responders() {
    let s = spawn().await;
    let action = submit(&s, "dc1", json!(["domain-controller"]), None).await;
    let id = action["id"].as_str().unwrap();
    assert_eq!(action["requiredApprovals"], 2);
    assert_eq!(action["approvals"], json!([]));

    let first = approve(&s, ALICE, id).await;
    assert_eq!(first["outcome"], "approvalRecorded");
    assert_eq!(first["action"]["status"], "pending");
    assert_eq!(first["action"]["approvals"][0]["byId"], "alice@example.com");
    assert_eq!(first["action"]["approvals"][0]["comment"], "checked");
    // Alice has approved: Approve is gone for her, with the reason; Bob still has it.
    let for_alice = s.get_json(&format!("/actions/{id}"), ALICE).await;
    assert_eq!(for_alice["allowedOperations"], json!(["reject"]));
    assert_eq!(for_alice["approveBlockedReason"], "approvedByYou");
    let for_bob = s.get_json(&format!("/actions/{id}"), BOB).await;
    assert_eq!(for_bob["allowedOperations"], json!(["approve", "reject"]));
    assert!(for_bob.get("approveBlockedReason").is_none());

    let again = approve(&s, ALICE, id).await;
    assert_eq!(again["outcome"], "alreadyApprovedByYou");
    assert_eq!(again["action"]["status"], "pending");

    let second = approve(&s, BOB, id).await;
    assert_eq!(second["outcome"], "applied");
    assert_eq!(second["action"]["status"], "queued");
    assert_eq!(second["action"]["decision"]["by"], "bob@example.com");
    assert_eq!(second["action"]["approvals"].as_array().unwrap().len(), 2);

    let timeline = s.get_json(&format!("/actions/{id}/timeline"), VIEWER).await;
    let events: Vec<(&str, &str)> = timeline
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["event"].as_str().unwrap(), e["actor"].as_str().unwrap()))
        .take(3)
        .collect();
    assert_eq!(
        events,
        [
            ("created", "defender-air"),
            ("approvalRecorded", "alice@example.com"),
            ("approved", "bob@example.com"),
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_requester_may_not_approve_but_may_reject() {
    let s = spawn().await;
    let action = submit(&s, "own1", json!([]), Some("alice@example.com")).await;
    let id = action["id"].as_str().unwrap();
    assert_eq!(action["requiredApprovals"], 1);
    let for_alice = s.get_json(&format!("/actions/{id}"), ALICE).await;
    assert_eq!(for_alice["allowedOperations"], json!(["reject"]));
    assert_eq!(for_alice["approveBlockedReason"], "requestedByYou");
    let refused = approve(&s, ALICE, id).await;
    assert_eq!(refused["outcome"], "selfApprovalRefused");
    assert_eq!(refused["action"]["status"], "pending");
    assert_eq!(approve(&s, BOB, id).await["outcome"], "applied");

    let other = submit(&s, "own2", json!([]), Some("alice@example.com")).await;
    let body = json!({"decision": "reject", "actions": [{"id": other["id"]}]});
    let r: Value = s
        .post("/decisions", ALICE, body)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(r["results"][0]["outcome"], "applied");
    assert_eq!(r["results"][0]["action"]["status"], "rejected");
}

/// A third responder, Carol, beside the demo accounts.
const CAROL: &str = "carol-responder-token";

async fn spawn_with_carol() -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    let config = config_with_carol(&dir);
    spawn_with(dir, config).await
}

/// The test configuration with Carol's account beside the demo ones.
fn config_with_carol(dir: &tempfile::TempDir) -> action_center_server::cli::Config {
    use sha2::Digest;
    let path = dir.path().join("users.toml");
    let hash: String = sha2::Sha256::digest(CAROL.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    std::fs::write(
        &path,
        format!(
            "[[user]]\nid = \"carol@example.com\"\ndisplayName = \"Carol\"\n\
             roles = [\"responder\"]\ntokenSha256 = \"{hash}\"\n"
        ),
    )
    .unwrap();
    let mut config = common::config(dir);
    config.users = Some(path);
    config
}

#[tokio::test(flavor = "multi_thread")]
async fn two_responders_giving_the_last_approval_at_once_one_applies() {
    let s = spawn_with_carol().await;
    let action = submit(&s, "race1", json!(["critical"]), None).await;
    let id = action["id"].as_str().unwrap().to_owned();
    // Carol's approval first, then Alice and Bob race for the second.
    assert_eq!(approve(&s, CAROL, &id).await["outcome"], "approvalRecorded");
    let (a, b) = tokio::join!(approve(&s, ALICE, &id), approve(&s, BOB, &id));
    let mut outcomes = [
        a["outcome"].as_str().unwrap().to_owned(),
        b["outcome"].as_str().unwrap().to_owned(),
    ];
    outcomes.sort();
    assert_eq!(outcomes, ["alreadyDecided", "applied"]);
    let now = s.action(&id).await;
    assert_eq!(now["approvals"].as_array().unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn containment_lists_what_is_in_force_and_undo_takes_it_out() {
    let s = spawn().await;
    let page = s
        .get_json(
            "/actions?view=contained&sort=asset:asc&pageSize=200",
            VIEWER,
        )
        .await;
    let items = page["items"].as_array().unwrap();
    assert!(!items.is_empty());
    for a in items {
        assert_eq!(a["status"], "completed", "{a}");
        let t = a["actionType"].as_str().unwrap();
        assert!(
            [
                "isolateDevice",
                "restrictCodeExecution",
                "quarantineFile",
                "removeRegistryKey",
                "stopService",
                "disableDriver",
                "removeScheduledTask"
            ]
            .contains(&t),
            "{t}"
        );
    }
    let total = page["total"].as_u64().unwrap();
    let facets = s.get_json("/actions/facets?view=contained", VIEWER).await;
    assert_eq!(facets["total"].as_u64().unwrap(), total);
    assert!(facets["status"].get("undone").is_none());

    let first = items[0]["id"].as_str().unwrap();
    let body = json!({"actions": [{"id": first}]});
    let r: Value = s.post("/undo", ALICE, body).await.json().await.unwrap();
    assert_eq!(r["results"][0]["outcome"], "applied");
    // The simulated executor may complete other actions meanwhile: check by id, not by count.
    let after = s.ids("view=contained&pageSize=200", VIEWER).await;
    assert!(
        !after.iter().any(|i| i == first),
        "undone: no longer in force"
    );
    let kept = items[1]["id"].as_str().unwrap();
    assert!(after.iter().any(|i| i == kept));
    let csv = s
        .get("/actions/export.csv?view=contained", VIEWER)
        .await
        .text()
        .await
        .unwrap();
    assert!(csv.contains(kept) && !csv.contains(first));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_action_is_retried_as_a_new_attempt() {
    let s = spawn().await;
    let failed = s
        .ids("view=history&status=failed&actionType=isolateDevice", ALICE)
        .await;
    assert!(!failed.is_empty(), "demo data has failed isolations");
    let id = &failed[0];
    let before = s.action(id).await;
    assert_eq!(before["allowedOperations"], json!(["retry"]));
    let decision = before["decision"].clone();

    let completed = s
        .ids(
            "view=history&status=completed&actionType=isolateDevice",
            ALICE,
        )
        .await;
    let body = json!({"actions": [{"id": id}, {"id": completed[0]}], "comment": "agent back"});
    let r: Value = s.post("/retry", ALICE, body).await.json().await.unwrap();
    assert_eq!(r["results"][0]["outcome"], "applied");
    assert_eq!(r["results"][0]["action"]["status"], "queued");
    assert_eq!(r["results"][0]["action"]["attempt"], 2);
    assert_eq!(r["results"][0]["action"]["decision"], decision);
    assert_eq!(r["results"][1]["outcome"], "notRetryable");

    let timeline = s.get_json(&format!("/actions/{id}/timeline"), ALICE).await;
    let retried = timeline
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event"] == "retried")
        .expect("a retried entry");
    assert_eq!(retried["fromStatus"], "failed");
    assert_eq!(retried["toStatus"], "queued");
    assert_eq!(retried["comment"], "agent back");
    // The simulated executor takes the new attempt.
    let status = loop_until_settled(&s, id).await;
    assert!(status == "completed" || status == "failed", "{status}");

    let mixed = s.ids("view=history&status=failed", ALICE).await;
    let types: Vec<Value> = {
        let mut v = Vec::new();
        for i in &mixed {
            v.push(s.action(i).await["actionType"].clone());
        }
        v
    };
    if let Some(j) = types.iter().position(|t| *t != types[0]) {
        let body = json!({"actions": [{"id": mixed[0]}, {"id": mixed[j]}]});
        problem(s.post("/retry", ALICE, body).await, 422, "mixedActionTypes").await;
    }
    let body = json!({"actions": [{"id": failed.get(1).unwrap_or(id)}]});
    problem(s.post("/retry", VIEWER, body).await, 403, "forbidden").await;
}

async fn loop_until_settled(s: &TestServer, id: &str) -> String {
    for _ in 0..100 {
        let status = s.action(id).await["status"].as_str().unwrap().to_owned();
        if status == "completed" || status == "failed" {
            return status;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("{id} never settled")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_policy_file_sets_the_rules() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("policy.toml");
    std::fs::write(
        &path,
        "[[rules]]\nactionTypes = [\"isolateDevice\"]\nrequiredApprovals = 3\n",
    )
    .unwrap();
    let mut config = common::config(&dir);
    config.policy = Box::new(action_center_server::policy::load(&path).unwrap());
    let s = spawn_with(dir, config).await;
    let action = submit(&s, "p3", json!([]), None).await;
    assert_eq!(action["requiredApprovals"], 3);
    assert_eq!(
        s.get_json("/policy", VIEWER).await["rules"][0]["requiredApprovals"],
        3
    );
}

/// Isolations need two approvals, and two again before a failed one is retried; a killed process
/// needs one, and its retry is queued under it.
const REAPPROVING_POLICY: &str = r#"
[[rules]]
actionTypes = ["isolateDevice"]
requiredApprovals = 2
reapproveOnRetry = true

[[rules]]
actionTypes = ["killProcess"]
requiredApprovals = 1
"#;

async fn spawn_reapproving() -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("policy.toml");
    std::fs::write(&path, REAPPROVING_POLICY).unwrap();
    let mut config = config_with_carol(&dir);
    config.policy = Box::new(action_center_server::policy::load(&path).unwrap());
    spawn_with(dir, config).await
}

/// An asset name the simulated executor always fails on with the entity `entity`
/// ([`will_fail`] keys on the two names), so an attempt and every retry of it fail.
///
/// [`will_fail`]: action_center_server::executor::will_fail
fn failing_asset(entity: &str) -> String {
    (0..1000)
        .map(|i| format!("{entity}-{i}"))
        .find(|asset| {
            let probe: action_center_core::Action = serde_json::from_value(json!({
                "id": "probe", "version": 1, "actionType": "isolateDevice", "category": "device",
                "source": "manual", "status": "queued",
                "asset": {"kind": "device", "id": "d", "name": asset},
                "entity": {"kind": "device", "name": entity},
                "createdAt": "2026-03-01T10:00:00Z", "updatedAt": "2026-03-01T10:00:00Z"
            }))
            .unwrap();
            action_center_server::executor::will_fail(&probe).is_some()
        })
        .expect("about one asset name in ten fails")
}

/// Submits an action of `action_type` on a device the executor fails on, requested by Alice.
async fn submit_failing(s: &TestServer, key: &str, action_type: &str, approval: bool) -> String {
    let entity = format!("SRV-{key}");
    let asset = failing_asset(&entity);
    let body = json!({
        "actionType": action_type, "category": "device", "source": "manual",
        "asset": {"kind": "device", "id": format!("dev_{key}"), "name": asset, "tags": []},
        "entity": {"kind": "device", "name": entity},
        "requiresApproval": approval,
        "requestedBy": "alice@example.com", "requestedById": "alice@example.com",
    });
    let action = post_action(s, key, &body).await;
    action["id"].as_str().unwrap().to_owned()
}

async fn retry(s: &TestServer, token: &str, id: &str) -> Value {
    let body = json!({"actions": [{"id": id}], "comment": "agent back"});
    let r = s.post("/retry", token, body).await;
    assert_eq!(r.status(), 200);
    let r: Value = r.json().await.unwrap();
    r["results"][0].clone()
}

/// The timeline as (event, actor, fromStatus, toStatus).
async fn timeline(s: &TestServer, id: &str) -> Vec<(String, String, String, String)> {
    let t = s.get_json(&format!("/actions/{id}/timeline"), VIEWER).await;
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    t.as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                text(&e["event"]),
                text(&e["actor"]),
                text(&e["fromStatus"]),
                text(&e["toStatus"]),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_retry_the_policy_asks_to_approve_again_goes_back_to_pending() {
    let s = spawn_reapproving().await;
    let policy = s.get_json("/policy", VIEWER).await;
    assert_eq!(policy["rules"][0]["reapproveOnRetry"], true);
    assert_eq!(policy["rules"][1]["reapproveOnRetry"], false);

    let id = submit_failing(&s, "reap1", "isolateDevice", true).await;
    assert_eq!(approve(&s, BOB, &id).await["outcome"], "approvalRecorded");
    assert_eq!(approve(&s, CAROL, &id).await["outcome"], "applied");
    let failed = s.wait_for_status(&id, "failed").await;
    assert_eq!(failed["approvals"].as_array().unwrap().len(), 2);

    let retried = retry(&s, BOB, &id).await;
    assert_eq!(retried["outcome"], "applied");
    let a = &retried["action"];
    assert_eq!(a["status"], "pending");
    assert_eq!(a["attempt"], 2);
    assert_eq!(a["approvals"], json!([]));
    assert_eq!(a["requiredApprovals"], 2);
    assert_eq!(a["decision"]["state"], "pending");
    assert!(a["decision"].get("by").is_none_or(Value::is_null), "{a}");
    assert!(a.get("error").is_none_or(Value::is_null), "{a}");
    assert_eq!(a["requestedById"], "alice@example.com");
    // A new pending period, as a new action gets (7 days by default).
    let expires: chrono::DateTime<chrono::Utc> = a["expiresAt"].as_str().unwrap().parse().unwrap();
    assert!(
        expires > chrono::Utc::now() + chrono::Duration::days(6),
        "{expires}"
    );
    assert_eq!(a["allowedOperations"], json!(["approve", "reject"]));

    // On the Pending tab, and the executor leaves it alone.
    let pending = s
        .ids("view=pending&actionType=isolateDevice&pageSize=200", VIEWER)
        .await;
    assert!(pending.contains(&id), "listed as pending");
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(s.action(&id).await["status"], "pending");

    // Decided from scratch: the requester still may not approve; the retrier may.
    let own = approve(&s, ALICE, &id).await;
    assert_eq!(own["outcome"], "selfApprovalRefused");
    let first = approve(&s, BOB, &id).await;
    assert_eq!(first["outcome"], "approvalRecorded");
    assert_eq!(first["action"]["status"], "pending");
    assert_eq!(first["action"]["approvals"].as_array().unwrap().len(), 1);
    let second = approve(&s, CAROL, &id).await;
    assert_eq!(second["outcome"], "applied");
    assert_eq!(second["action"]["status"], "queued");
    assert_eq!(second["action"]["decision"]["by"], "carol@example.com");

    // The executor takes the approved attempt (and this device fails again).
    let again = s.wait_for_status(&id, "failed").await;
    assert_eq!(again["attempt"], 2);

    let events = timeline(&s, &id).await;
    let moves: Vec<(&str, &str)> = events
        .iter()
        .map(|(event, actor, ..)| (event.as_str(), actor.as_str()))
        .filter(|(_, actor)| *actor != "system")
        .collect();
    assert_eq!(
        moves,
        [
            ("created", "defender-air"),
            ("approvalRecorded", "bob@example.com"),
            ("approved", "carol@example.com"),
            ("retried", "bob@example.com"),
            ("approvalRecorded", "bob@example.com"),
            ("approved", "carol@example.com"),
        ]
    );
    let retried = events.iter().find(|e| e.0 == "retried").unwrap();
    assert_eq!(
        (retried.2.as_str(), retried.3.as_str()),
        ("failed", "pending")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_retry_without_reapproval_is_queued_under_its_approval() {
    let s = spawn_reapproving().await;
    // No rule asks to approve a killed process again.
    let kill = submit_failing(&s, "reap2", "killProcess", true).await;
    assert_eq!(approve(&s, BOB, &kill).await["outcome"], "applied");
    let failed = s.wait_for_status(&kill, "failed").await;
    let retried = retry(&s, BOB, &kill).await;
    assert_eq!(retried["outcome"], "applied");
    assert_eq!(retried["action"]["status"], "queued");
    assert_eq!(retried["action"]["attempt"], 2);
    assert_eq!(retried["action"]["decision"], failed["decision"]);
    assert_eq!(retried["action"]["approvals"], failed["approvals"]);

    // An isolation that never needed approval is not made to need one by its retry.
    let automatic = submit_failing(&s, "reap3", "isolateDevice", false).await;
    let failed = s.wait_for_status(&automatic, "failed").await;
    assert_eq!(failed["decision"]["state"], "notRequired");
    let retried = retry(&s, BOB, &automatic).await;
    assert_eq!(retried["action"]["status"], "queued");
    assert_eq!(retried["action"]["decision"]["state"], "notRequired");

    let events = timeline(&s, &kill).await;
    let retried = events.iter().find(|e| e.0 == "retried").unwrap();
    assert_eq!(
        (retried.2.as_str(), retried.3.as_str()),
        ("failed", "queued")
    );
}
