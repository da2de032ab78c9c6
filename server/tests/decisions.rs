//! Decisions: one or many, one type only, first writer wins, version pins, the race.

mod common;

use common::*;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread")]
async fn approve_then_the_executor_completes_it() {
    let s = spawn().await;
    let ids = s
        .ids(
            "view=pending&actionType=isolateDevice&sort=asset:asc",
            ALICE,
        )
        .await;
    assert!(ids.len() >= 6);
    let body = json!({"decision": "approve", "comment": "confirmed", "actions": [{"id": ids[0]}]});
    let r: Value = s
        .post("/decisions", ALICE, body)
        .await
        .json()
        .await
        .unwrap();
    let item = &r["results"][0];
    assert_eq!(item["outcome"], "applied");
    assert_eq!(item["action"]["status"], "queued");
    assert_eq!(item["action"]["decision"]["by"], "alice@example.com");
    assert_eq!(item["action"]["decision"]["comment"], "confirmed");
    let done = s.wait_for_status(&ids[0], "completed").await;
    assert_eq!(done["allowedOperations"], json!(["undo"]));
    let timeline = s
        .get_json(&format!("/actions/{}/timeline", ids[0]), ALICE)
        .await;
    let trail: Vec<(String, String)> = timeline
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["event"].as_str().unwrap().into(),
                e["actor"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        &trail[1..],
        &[
            ("approved".into(), "alice@example.com".into()),
            ("started".into(), "system".into()),
            ("completed".into(), "system".into()),
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bulk_reject_mixed_types_and_outcomes() {
    let s = spawn().await;
    let quarantines = s.ids("view=pending&actionType=quarantineFile", ALICE).await;
    let isolations = s.ids("view=pending&actionType=isolateDevice", ALICE).await;
    let before = s.get_json("/actions/facets?view=pending", ALICE).await;

    let mixed =
        json!({"decision": "approve", "actions": [{"id": quarantines[0]}, {"id": isolations[0]}]});
    problem(
        s.post("/decisions", ALICE, mixed).await,
        422,
        "mixedActionTypes",
    )
    .await;
    let after = s.get_json("/actions/facets?view=pending", ALICE).await;
    assert_eq!(before, after, "nothing changed");

    let v = s.action(&quarantines[1]).await["version"].as_i64().unwrap();
    let body = json!({"decision": "reject", "comment": "false positive", "actions": [
        {"id": quarantines[0]},
        {"id": quarantines[1], "version": v + 5},
        {"id": "act_missing"},
        {"id": quarantines[2], "version": v},
    ]});
    let r: Value = s
        .post("/decisions", ALICE, body)
        .await
        .json()
        .await
        .unwrap();
    let outcomes: Vec<&str> = r["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(
        outcomes,
        ["applied", "versionMismatch", "notFound", "applied"]
    );
    assert_eq!(r["results"][0]["action"]["status"], "rejected");
    assert_eq!(r["results"][1]["action"]["status"], "pending");
    assert!(r["results"][2]["action"].is_null());
    // Deciding again: alreadyDecided with the decision that stands.
    let again = json!({"decision": "approve", "actions": [{"id": quarantines[0]}]});
    let r: Value = s.post("/decisions", BOB, again).await.json().await.unwrap();
    assert_eq!(r["results"][0]["outcome"], "alreadyDecided");
    assert_eq!(
        r["results"][0]["action"]["decision"]["by"],
        "alice@example.com"
    );
    assert_eq!(r["results"][0]["action"]["decision"]["state"], "rejected");
}

#[tokio::test(flavor = "multi_thread")]
async fn if_match_turns_a_lost_race_into_412_or_409() {
    let s = spawn().await;
    let ids = s.ids("view=pending&actionType=isolateDevice", ALICE).await;
    let a = s.action(&ids[0]).await;
    let v = a["version"].as_i64().unwrap();
    let body = json!({"decision": "approve", "actions": [{"id": ids[0]}]});
    let r = s
        .req(reqwest::Method::POST, "/decisions", ALICE)
        .header("If-Match", format!("\"{}\"", v + 1))
        .json(&body)
        .send()
        .await
        .unwrap();
    let p = problem(r, 412, "versionMismatch").await;
    assert_eq!(p["action"]["version"], v);
    let r = s
        .req(reqwest::Method::POST, "/decisions", ALICE)
        .header("If-Match", format!("\"{v}\""))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = s
        .req(reqwest::Method::POST, "/decisions", BOB)
        .header("If-Match", format!("\"{}\"", v + 1))
        .json(&json!({"decision": "reject", "actions": [{"id": ids[0]}]}))
        .send()
        .await
        .unwrap();
    let p = problem(r, 409, "alreadyDecided").await;
    assert_eq!(p["action"]["decision"]["by"], "alice@example.com");
    let r = s
        .req(reqwest::Method::POST, "/decisions", BOB)
        .header("If-Match", "\"1\"")
        .json(&json!({"decision": "reject", "actions": [{"id": "act_gone"}]}))
        .send()
        .await
        .unwrap();
    problem(r, 404, "notFound").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn two_responders_race_on_the_same_twenty_actions() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(&dir);
    config.demo_actions = 2000;
    let s = spawn_with(dir, config).await;
    // Actions that one approval decides (two-approval ones are tests/policy.rs's).
    let page = s
        .get_json(
            "/actions?view=pending&actionType=quarantineFile&pageSize=40",
            ALICE,
        )
        .await;
    let ids: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["requiredApprovals"] == 1)
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .take(20)
        .collect();
    assert_eq!(ids.len(), 20);
    let refs: Vec<Value> = ids.iter().map(|id| json!({"id": id})).collect();
    let alice_body = json!({"decision": "approve", "comment": "alice", "actions": refs});
    let mut reversed = refs.clone();
    reversed.reverse();
    let bob_body = json!({"decision": "reject", "comment": "bob", "actions": reversed});
    let (a, b) = tokio::join!(
        s.post("/decisions", ALICE, alice_body),
        s.post("/decisions", BOB, bob_body)
    );
    let a: Value = a.json().await.unwrap();
    let b: Value = b.json().await.unwrap();
    let mut applied = 0;
    for id in &ids {
        let find = |r: &Value| {
            r["results"]
                .as_array()
                .unwrap()
                .iter()
                .find(|i| i["id"] == id.as_str())
                .unwrap()
                .clone()
        };
        let (ra, rb) = (find(&a), find(&b));
        let outcomes = [
            ra["outcome"].as_str().unwrap(),
            rb["outcome"].as_str().unwrap(),
        ];
        assert!(
            outcomes.contains(&"applied") && outcomes.contains(&"alreadyDecided"),
            "{outcomes:?}"
        );
        applied += outcomes.iter().filter(|o| **o == "applied").count();
        let (winner, loser) = if ra["outcome"] == "applied" {
            (&ra, &rb)
        } else {
            (&rb, &ra)
        };
        assert_eq!(
            loser["action"]["decision"]["by"],
            winner["action"]["decision"]["by"]
        );
        let timeline = s.get_json(&format!("/actions/{id}/timeline"), ALICE).await;
        let decisions = timeline
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["event"] == "approved" || e["event"] == "rejected")
            .count();
        assert_eq!(decisions, 1, "decided exactly once");
    }
    assert_eq!(applied, 20);
}

#[tokio::test(flavor = "multi_thread")]
async fn viewers_and_integrations_may_not_decide() {
    let s = spawn().await;
    let ids = s.ids("view=pending", ALICE).await;
    let body = json!({"decision": "approve", "actions": [{"id": ids[0]}]});
    problem(
        s.post("/decisions", VIEWER, body.clone()).await,
        403,
        "forbidden",
    )
    .await;
    problem(
        s.post("/decisions", INTEGRATION, body.clone()).await,
        403,
        "forbidden",
    )
    .await;
    let undo = json!({"actions": [{"id": ids[0]}]});
    problem(s.post("/undo", VIEWER, undo).await, 403, "forbidden").await;
    problem(
        s.post(&format!("/actions/{}/cancel", ids[0]), VIEWER, json!({}))
            .await,
        403,
        "forbidden",
    )
    .await;
    assert_eq!(s.action(&ids[0]).await["status"], "pending");
}

#[tokio::test(flavor = "multi_thread")]
async fn overdue_pending_actions_expire_and_cannot_be_decided() {
    let s = spawn().await;
    let ids = s.ids("view=pending&actionType=isolateDevice", ALICE).await;
    // Move two deadlines into the past, as time would.
    for id in &ids[..2] {
        expire_deadline(&s.db(), id).await;
    }
    let r: Value = s
        .post(
            "/decisions",
            ALICE,
            json!({"decision": "approve", "actions": [{"id": ids[0]}]}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(r["results"][0]["outcome"], "alreadyDecided");
    assert_eq!(r["results"][0]["action"]["status"], "expired");
    assert_eq!(r["results"][0]["action"]["decision"]["state"], "expired");
    let location = action_center_server::store::Location::parse(&s.db());
    let store = action_center_server::store::Store::open(&location)
        .await
        .unwrap();
    let swept = action_center_server::executor::sweep(&store).await.unwrap();
    assert_eq!(swept, 1);
    let a = s.action(&ids[1]).await;
    assert_eq!(a["status"], "expired");
    let timeline = s
        .get_json(&format!("/actions/{}/timeline", ids[1]), ALICE)
        .await;
    let last = timeline.as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["event"].as_str(), last["actor"].as_str()),
        (Some("expired"), Some("system"))
    );
}
