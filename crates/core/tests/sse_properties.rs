//! The event-stream parser gives the same events however the body is cut into chunks.
#![cfg(not(target_arch = "wasm32"))]

use action_center_core::sse::{SseEvent, SseParser};
use proptest::prelude::*;

fn parse_in_chunks(body: &[u8], cuts: &[usize]) -> Vec<SseEvent> {
    let mut parser = SseParser::new();
    let mut events = Vec::new();
    let mut start = 0;
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (body.len() + 1)).collect();
    points.sort_unstable();
    for point in points.into_iter().chain([body.len()]) {
        events.extend(parser.feed(&body[start..point.max(start)]));
        start = point.max(start);
    }
    events
}

/// Streams made of the pieces a real server sends (and some it should not).
fn stream() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"data: {\"id\":\"act_1\",\"x\":\"\xC3\xA9\xF0\x9F\x94\x92\"}\n".to_vec()),
        Just(b"event: action\n".to_vec()),
        Just(b"event: reset\r\n".to_vec()),
        Just(b"id: 42\n".to_vec()),
        Just(b"retry: 2500\n".to_vec()),
        Just(b": keep-alive\n".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"\r".to_vec()),
        Just(b"data\n".to_vec()),
        "[a-z:  ]{0,12}".prop_map(|s| s.into_bytes()),
    ];
    (any::<bool>(), prop::collection::vec(piece, 0..40)).prop_map(|(bom, pieces)| {
        let mut body = if bom {
            b"\xEF\xBB\xBF".to_vec()
        } else {
            Vec::new()
        };
        body.extend(pieces.concat());
        body
    })
}

proptest! {
    #[test]
    fn chunking_never_changes_the_events(body in stream(), cuts in prop::collection::vec(any::<usize>(), 0..12)) {
        let whole = parse_in_chunks(&body, &[]);
        prop_assert_eq!(parse_in_chunks(&body, &cuts), whole.clone());
        // Byte by byte, too.
        let mut parser = SseParser::new();
        let single: Vec<SseEvent> = body.iter().flat_map(|b| parser.feed(std::slice::from_ref(b))).collect();
        prop_assert_eq!(single, whole);
    }

    #[test]
    fn arbitrary_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..2000)) {
        let mut parser = SseParser::new();
        for event in parser.feed(&body) {
            prop_assert!(event.data.len() <= action_center_core::sse::MAX_EVENT);
        }
    }
}
