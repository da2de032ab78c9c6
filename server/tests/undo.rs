//! Undo: one type only, not-undoable refusals, related instances, the offline device's retry.

mod common;

use common::*;
use serde_json::{json, Value};

async fn shared_ids(s: &TestServer) -> Vec<String> {
    let sha = action_center_server::demo::shared_sha256();
    s.ids(&format!("q={sha}&status=completed&sort=asset:asc"), ALICE)
        .await
}

#[tokio::test(flavor = "multi_thread")]
async fn undo_with_related_instances_releases_all_devices() {
    let s = spawn().await;
    let ids = shared_ids(&s).await;
    assert_eq!(ids.len(), 5);
    let body = json!({"comment": "vendor confirmed FP", "includeRelatedInstances": true, "actions": [{"id": ids[0]}]});
    let r: Value = s.post("/undo", ALICE, body).await.json().await.unwrap();
    let results = r["results"].as_array().unwrap();
    assert_eq!(
        results.len(),
        5,
        "the one asked for, then its 4 related instances"
    );
    assert_eq!(results[0]["id"], ids[0].as_str());
    for item in results {
        assert_eq!(item["outcome"], "applied");
        assert_eq!(item["action"]["status"], "undoing");
        assert_eq!(item["action"]["undo"]["by"], "alice@example.com");
        assert_eq!(item["action"]["undo"]["state"], "inProgress");
    }
    for id in &ids {
        let a = s.wait_for_status(id, "undone").await;
        assert_eq!(a["undo"]["state"], "succeeded");
    }
    // Again: already undone, naming who did it.
    let r: Value = s
        .post("/undo", BOB, json!({"actions": [{"id": ids[1]}]}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(r["results"][0]["outcome"], "alreadyUndone");
    assert_eq!(r["results"][0]["action"]["undo"]["by"], "alice@example.com");
}

#[tokio::test(flavor = "multi_thread")]
async fn undo_refuses_mixed_types_and_what_cannot_be_undone() {
    let s = spawn().await;
    let quarantine = shared_ids(&s).await;
    let stop = s
        .ids("actionType=stopService&status=completed", ALICE)
        .await;
    let mixed = json!({"actions": [{"id": quarantine[0]}, {"id": stop[0]}]});
    problem(s.post("/undo", ALICE, mixed).await, 422, "mixedActionTypes").await;

    let pending = s.ids("view=pending&actionType=quarantineFile", ALICE).await;
    let body = json!({"actions": [{"id": quarantine[0]}, {"id": pending[0]}]});
    let p = problem(s.post("/undo", ALICE, body).await, 409, "notUndoable").await;
    assert!(p["detail"].as_str().unwrap().contains(&pending[0]));
    assert_eq!(p["action"]["id"], pending[0].as_str());
    assert_eq!(
        s.action(&quarantine[0]).await["status"],
        "completed",
        "nothing changed"
    );

    let scans = s
        .ids("actionType=runAntivirusScan&status=completed", ALICE)
        .await;
    let p = problem(
        s.post("/undo", ALICE, json!({"actions": [{"id": scans[0]}]}))
            .await,
        409,
        "notUndoable",
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("cannot be undone"));
    let a = s.action(&scans[0]).await;
    assert_eq!(a["allowedOperations"], json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_undo_on_an_offline_device_fails_once_then_succeeds_when_retried() {
    let s = spawn().await;
    let ids = s
        .ids(
            "q=HR-DESKTOP-OFFLINE-02&status=completed&actionType=stopService",
            ALICE,
        )
        .await;
    assert_eq!(ids.len(), 1);
    let r = s
        .post("/undo", ALICE, json!({"actions": [{"id": ids[0]}]}))
        .await;
    assert_eq!(r.status(), 200);
    let failed = s.wait_for_status(&ids[0], "undoFailed").await;
    assert!(failed["undo"]["error"]
        .as_str()
        .unwrap()
        .starts_with("Device offline"));
    assert_eq!(failed["undo"]["state"], "failed");
    // Undo again (v1) or retry (v1.1): both ask for the undo once more.
    assert_eq!(failed["allowedOperations"], json!(["undo", "retry"]));
    let r: Value = s
        .post(
            "/undo",
            BOB,
            json!({"comment": "retry", "actions": [{"id": ids[0]}]}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(r["results"][0]["outcome"], "applied");
    let done = s.wait_for_status(&ids[0], "undone").await;
    assert_eq!(done["undo"]["by"], "bob@example.com");
    // Seeded undo failures succeed on retry too.
    let seeded = s.ids("status=undoFailed&q=OFFLINE", ALICE).await;
    assert!(seeded.len() >= 3);
}
