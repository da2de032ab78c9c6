//! Compression on the wire: the app's precompressed files picked by `Accept-Encoding` (with
//! `Vary`, their own `Content-Length` and validators), API JSON and the CSV export compressed as
//! they stream, the live stream compressed event by event and flushed at once — and a client that
//! sends no `Accept-Encoding` gets plain bytes everywhere.

mod common;

use std::io::{Read, Write};
use std::time::Duration;

use common::*;
use reqwest::Response;
use serde_json::{json, Value};

fn brotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut w = brotli::CompressorWriter::new(&mut out, 4096, 11, 22);
    w.write_all(bytes).unwrap();
    drop(w);
    out
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut w = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    w.write_all(bytes).unwrap();
    w.finish().unwrap()
}

fn unbrotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::Decompressor::new(bytes, 4096)
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn header(r: &Response, name: &str) -> String {
    r.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

const WASM: &str = "action-center-0123456789abcdef_bg.wasm";

/// A built site as the build writes it: every file with `.br` and `.gz` beside it.
fn site(dir: &tempfile::TempDir) -> (std::path::PathBuf, Vec<u8>) {
    let site = dir.path().join("dist");
    std::fs::create_dir(&site).unwrap();
    let index =
        "<!doctype html><html><head><script type=\"module\" src=\"/action-center-embed.js\">\
                 </script></head><body data-action-center-standalone></body></html>";
    // Something that compresses, like a real wasm module.
    let wasm: Vec<u8> = (0..20_000u32)
        .flat_map(|i| (i % 251).to_le_bytes())
        .collect();
    for (name, body) in [
        ("index.html", index.as_bytes().to_vec()),
        (WASM, wasm.clone()),
    ] {
        std::fs::write(site.join(name), &body).unwrap();
        std::fs::write(site.join(format!("{name}.br")), brotli(&body)).unwrap();
        std::fs::write(site.join(format!("{name}.gz")), gzip(&body)).unwrap();
    }
    // A file the build did not compress is still served, plainly.
    std::fs::write(site.join("action-center-embed.js"), "export {}").unwrap();
    (site, wasm)
}

async fn spawn_site() -> (TestServer, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let (site, wasm) = site(&dir);
    let mut config = config(&dir);
    config.static_dir = Some(site);
    (spawn_with(dir, config).await, wasm)
}

async fn get(s: &TestServer, path: &str, accept: Option<&str>) -> Response {
    let mut req = s.client.get(format!("{}{path}", s.base));
    if let Some(accept) = accept {
        req = req.header("accept-encoding", accept);
    }
    req.send().await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn static_files_come_in_the_best_accepted_coding() {
    let (mut s, wasm) = spawn_site().await;
    let path = format!("/{WASM}");

    let br = get(&s, &path, Some("gzip, deflate, br, zstd")).await;
    assert_eq!(br.status(), 200);
    assert_eq!(header(&br, "content-encoding"), "br");
    assert_eq!(header(&br, "content-type"), "application/wasm");
    assert!(header(&br, "vary")
        .to_ascii_lowercase()
        .contains("accept-encoding"));
    assert_eq!(
        header(&br, "cache-control"),
        "public, max-age=31536000, immutable"
    );
    let br_tag = header(&br, "etag");
    let br_len: usize = header(&br, "content-length").parse().unwrap();
    let body = br.bytes().await.unwrap();
    assert_eq!(body.len(), br_len);
    assert!(br_len < wasm.len() / 4, "{br_len} of {}", wasm.len());
    assert_eq!(unbrotli(&body), wasm);

    let gz = get(&s, &path, Some("gzip")).await;
    assert_eq!(header(&gz, "content-encoding"), "gzip");
    let gz_tag = header(&gz, "etag");
    let gz_len: usize = header(&gz, "content-length").parse().unwrap();
    let body = gz.bytes().await.unwrap();
    assert_eq!(body.len(), gz_len);
    assert_eq!(gunzip(&body), wasm);

    let plain = get(&s, &path, None).await;
    assert_eq!(header(&plain, "content-encoding"), "");
    assert!(header(&plain, "vary")
        .to_ascii_lowercase()
        .contains("accept-encoding"));
    assert_eq!(header(&plain, "content-length"), wasm.len().to_string());
    let plain_tag = header(&plain, "etag");
    assert_eq!(plain.bytes().await.unwrap(), wasm);

    // Each coding is its own representation with its own validator.
    assert!(
        br_tag.starts_with('"') && !br_tag.starts_with("W/"),
        "{br_tag}"
    );
    assert_ne!(br_tag, gz_tag);
    assert_ne!(br_tag, plain_tag);
    assert_ne!(gz_tag, plain_tag);
    let revalidate = |accept: &'static str, tag: String| {
        s.client
            .get(format!("{}{path}", s.base))
            .header("accept-encoding", accept)
            .header("if-none-match", tag)
            .send()
    };
    let fresh = revalidate("br", br_tag.clone()).await.unwrap();
    assert_eq!(fresh.status(), 304);
    assert_eq!(header(&fresh, "etag"), br_tag);
    assert!(fresh.bytes().await.unwrap().is_empty());
    // The brotli validator does not match the gzip representation.
    let other = revalidate("gzip", br_tag.clone()).await.unwrap();
    assert_eq!(other.status(), 200);
    assert_eq!(header(&other, "content-encoding"), "gzip");

    // HEAD: the headers of the chosen representation, no body.
    let head = s
        .client
        .head(format!("{}{path}", s.base))
        .header("accept-encoding", "br")
        .send()
        .await
        .unwrap();
    assert_eq!(header(&head, "content-length"), br_len.to_string());
    assert_eq!(header(&head, "content-encoding"), "br");

    // A file without precompressed copies, and a refused coding, come plainly.
    let entry = get(&s, "/action-center-embed.js", Some("br, gzip")).await;
    assert_eq!(header(&entry, "content-encoding"), "");
    assert_eq!(entry.text().await.unwrap(), "export {}");
    let refused = get(&s, &path, Some("br;q=0, gzip;q=0")).await;
    assert_eq!(header(&refused, "content-encoding"), "");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_page_itself_is_compressed_with_its_policy() {
    let (mut s, _) = spawn_site().await;
    for path in ["/", "/index.html", "/some/app/route"] {
        let r = get(&s, path, Some("br")).await;
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(header(&r, "content-encoding"), "br", "{path}");
        assert!(header(&r, "content-security-policy").contains("script-src 'self'"));
        assert_eq!(header(&r, "cache-control"), "no-cache");
        let html = String::from_utf8(unbrotli(&r.bytes().await.unwrap())).unwrap();
        assert!(html.contains("data-action-center-standalone"), "{path}");
    }
    let plain = get(&s, "/", None).await;
    assert_eq!(header(&plain, "content-encoding"), "");
    assert!(plain.text().await.unwrap().starts_with("<!doctype html>"));
    s.stop().await;
}

async fn api(s: &TestServer, path: &str, accept: Option<&str>) -> Response {
    let mut req = s.req(reqwest::Method::GET, path, ALICE);
    if let Some(accept) = accept {
        req = req.header("accept-encoding", accept);
    }
    req.send().await.unwrap()
}

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect()
}

/// The first column (ids) of each CSV line.
fn csv_ids(csv: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(csv)
        .lines()
        .map(|l| l.split(',').next().unwrap_or("").to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn api_answers_are_compressed_on_the_fly() {
    let mut s = spawn().await;
    // Sorted by id: the simulated executor moves statuses between requests, not ids.
    let path = "/actions?view=history&pageSize=200&sort=id";
    let plain = api(&s, path, None).await;
    assert_eq!(plain.status(), 200);
    assert_eq!(header(&plain, "content-encoding"), "");
    let plain: Value = plain.json().await.unwrap();
    assert!(plain["items"].as_array().unwrap().len() > 50);

    for (accept, token, decode) in [
        ("br", "br", unbrotli as fn(&[u8]) -> Vec<u8>),
        ("gzip", "gzip", gunzip),
        ("gzip, deflate, br, zstd", "br", unbrotli),
    ] {
        let r = api(&s, path, Some(accept)).await;
        assert_eq!(r.status(), 200);
        assert_eq!(header(&r, "content-encoding"), token, "{accept}");
        assert!(header(&r, "vary")
            .to_ascii_lowercase()
            .contains("accept-encoding"));
        assert_eq!(header(&r, "content-type"), "application/json");
        let wire = r.bytes().await.unwrap();
        let json: Value = serde_json::from_slice(&decode(&wire)).unwrap();
        assert_eq!(ids(&json), ids(&plain), "{accept}");
        let plain_len = serde_json::to_vec(&plain).unwrap().len();
        assert!(
            wire.len() * 4 < plain_len,
            "{accept}: {} of {plain_len}",
            wire.len()
        );
    }

    // A re-encoded answer keeps only a weak validator; the plain one stays strong.
    let id = s.ids("view=pending&pageSize=1", ALICE).await.remove(0);
    let strong = api(&s, &format!("/actions/{id}"), None).await;
    let tag = header(&strong, "etag");
    assert!(tag.starts_with('"'), "{tag}");
    let weak = api(&s, &format!("/actions/{id}"), Some("gzip")).await;
    if header(&weak, "content-encoding") == "gzip" {
        assert_eq!(header(&weak, "etag"), format!("W/{tag}"));
    }
    // Either validator revalidates.
    let again = s
        .req(reqwest::Method::GET, &format!("/actions/{id}"), ALICE)
        .header("accept-encoding", "gzip")
        .header("if-none-match", format!("W/{tag}"))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);

    // Errors are problem+json either way.
    let missing = api(&s, "/actions/act_missing", Some("br")).await;
    assert_eq!(missing.status(), 404);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_csv_export_is_compressed_as_it_streams() {
    let mut s = spawn().await;
    let path = "/actions/export.csv?view=history&sort=id";
    let plain = api(&s, path, None).await;
    assert_eq!(header(&plain, "content-encoding"), "");
    let plain = plain.bytes().await.unwrap();
    assert!(csv_ids(&plain).len() > 50);

    let gz = api(&s, path, Some("gzip")).await;
    assert_eq!(header(&gz, "content-encoding"), "gzip");
    assert_eq!(header(&gz, "content-type"), "text/csv; charset=utf-8");
    assert!(header(&gz, "content-disposition").starts_with("attachment;"));
    assert_eq!(
        header(&gz, "content-length"),
        "",
        "streamed, not buffered to count"
    );
    let wire = gz.bytes().await.unwrap();
    assert_eq!(csv_ids(&gunzip(&wire)), csv_ids(&plain));
    assert!(wire.len() * 3 < plain.len());

    let br = api(&s, path, Some("br")).await;
    assert_eq!(header(&br, "content-encoding"), "br");
    assert_eq!(
        csv_ids(&unbrotli(&br.bytes().await.unwrap())),
        csv_ids(&plain)
    );
    s.stop().await;
}

/// Decodes a stream that was flushed but not finished: everything that arrived so far.
fn decode_so_far(coding: &str, wire: &[u8]) -> String {
    let mut out = Vec::new();
    if coding == "gzip" {
        let mut d = flate2::write::GzDecoder::new(Vec::new());
        d.write_all(wire).unwrap();
        d.flush().unwrap();
        out = d.get_ref().clone();
    } else {
        let mut d = brotli::Decompressor::new(wire, 4096);
        let mut buf = [0u8; 4096];
        while let Ok(n) = d.read(&mut buf) {
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Reads the compressed stream until its decoded text satisfies `done` (5 s at most).
async fn read_until(stream: &mut Response, coding: &str, wire: &mut Vec<u8>, done: &str) -> String {
    let result = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            let text = decode_so_far(coding, wire);
            if text.contains(done) {
                return text;
            }
            match stream.chunk().await.unwrap() {
                Some(chunk) => wire.extend_from_slice(&chunk),
                None => return text,
            }
        }
    })
    .await;
    let text = result.unwrap_or_else(|_| panic!("{coding}: no {done:?} within 5 s"));
    assert!(
        text.contains(done),
        "{coding}: stream ended without {done:?}: {text}"
    );
    text
}

#[tokio::test(flavor = "multi_thread")]
async fn each_live_event_is_compressed_and_flushed_at_once() {
    let mut s = spawn().await;
    let ids = s.ids("view=pending&pageSize=2", ALICE).await;
    for (coding, id) in ["gzip", "br"].into_iter().zip(ids) {
        let mut stream = s
            .req(reqwest::Method::GET, "/events", ALICE)
            .header("accept", "text/event-stream")
            .header("accept-encoding", coding)
            .send()
            .await
            .unwrap();
        assert_eq!(stream.status(), 200);
        assert_eq!(header(&stream, "content-encoding"), coding);
        assert_eq!(header(&stream, "content-type"), "text/event-stream");
        let mut wire = Vec::new();
        read_until(&mut stream, coding, &mut wire, ": connected").await;
        // A change now arrives by itself, long before the 15 s keep-alive could push it out.
        let r = s
            .post(
                "/decisions",
                ALICE,
                json!({"decision": "approve", "actions": [{"id": id}]}),
            )
            .await;
        assert_eq!(r.status(), 200);
        let text = read_until(&mut stream, coding, &mut wire, &format!("\"id\":\"{id}\"")).await;
        assert!(text.contains("event: action"), "{text}");
    }

    // Without Accept-Encoding the stream is plain text.
    let mut plain = s
        .req(reqwest::Method::GET, "/events", ALICE)
        .header("accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(header(&plain, "content-encoding"), "");
    let first = tokio::time::timeout(Duration::from_secs(5), plain.chunk())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(String::from_utf8_lossy(&first).contains(": connected"));
    s.stop().await;
}
