//! Approval policies (four eyes, no self-approval), the active-containment view and retry of
//! failures, over real HTTP on the real store.

mod common;

use common::*;
use reqwest::Method;
use serde_json::{json, Value};

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
    let r = s
        .req(Method::POST, "/actions", INTEGRATION)
        .header("Idempotency-Key", key)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    r.json().await.unwrap()
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
    use sha2::Digest;
    let dir = tempfile::tempdir().unwrap();
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
    let mut config = common::config(&dir);
    config.users = Some(path);
    spawn_with(dir, config).await
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
