//! Reading `text/event-stream` bodies in tests.

use std::time::Duration;

use reqwest::Response;

/// One parsed Server-Sent Event (only what these tests look at).
#[derive(Debug, Default, Clone)]
pub struct Sse {
    pub id: Option<String>,
    pub event: String,
    pub data: String,
    pub retry: Option<u64>,
    pub comment: bool,
}

/// Reads blocks from `stream` until `done` says so (or 5 s pass), returning all blocks read.
pub async fn read_until(stream: &mut Response, done: impl Fn(&[Sse]) -> bool) -> Vec<Sse> {
    let mut text = String::new();
    let mut blocks = Vec::new();
    let result = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            while let Some(end) = text.find("\n\n") {
                let block: String = text.drain(..end + 2).collect();
                blocks.push(parse(&block));
            }
            if done(&blocks) {
                return;
            }
            match stream.chunk().await.unwrap() {
                Some(chunk) => text.push_str(&String::from_utf8_lossy(&chunk)),
                None => return,
            }
        }
    })
    .await;
    assert!(result.is_ok(), "timed out; read so far: {blocks:#?}");
    blocks
}

pub fn parse(block: &str) -> Sse {
    let mut sse = Sse::default();
    for line in block.lines() {
        if line.starts_with(':') {
            sse.comment = true;
            continue;
        }
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "id" => sse.id = Some(value.to_owned()),
            "event" => sse.event = value.to_owned(),
            "data" => sse.data.push_str(value),
            "retry" => sse.retry = value.parse().ok(),
            _ => {}
        }
    }
    sse
}
