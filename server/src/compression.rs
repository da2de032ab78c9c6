//! Compression on the wire. Three paths, one negotiation ([`negotiate`]):
//!
//! - the app's files are compressed once, at build time (`scripts/trunk-post-build` writes
//!   `.br` and `.gz` beside each): [`crate::assets`] picks a file;
//! - API answers (JSON, the CSV export, the example portal) are compressed on the fly as they
//!   stream out ([`layer`]); a strong `ETag` becomes weak once the bytes are re-encoded
//!   ([`weaken_etag`]), as RFC 9110 asks of a representation that differs;
//! - the live stream (`text/event-stream`) is compressed event by event and flushed after each
//!   ([`flush_each_chunk`]), so an event is never held back waiting for the next.

use std::io::Write;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use futures_util::StreamExt;
use tower_http::compression::predicate::{DefaultPredicate, Predicate};
use tower_http::compression::{CompressionLayer, CompressionLevel};

/// A content coding this server sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Coding {
    /// `br`.
    Brotli,
    /// `gzip`.
    Gzip,
    /// No coding.
    Identity,
}

impl Coding {
    /// The `Content-Encoding` token (`None` for identity).
    pub fn token(self) -> Option<&'static str> {
        match self {
            Coding::Brotli => Some("br"),
            Coding::Gzip => Some("gzip"),
            Coding::Identity => None,
        }
    }

    /// The file name suffix of a precompressed file (`""` for the file itself).
    pub fn suffix(self) -> &'static str {
        match self {
            Coding::Brotli => ".br",
            Coding::Gzip => ".gz",
            Coding::Identity => "",
        }
    }
}

/// The quality (0–1000) `accept` gives `coding`: its own entry, else `*`, else none
/// (identity is acceptable unless refused).
fn quality(accept: &str, coding: Coding) -> u16 {
    let name = coding.token().unwrap_or("identity");
    let mut own = None;
    let mut any = None;
    for entry in accept.split(',') {
        let mut parts = entry.split(';');
        let token = parts.next().unwrap_or("").trim();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q=").or(p.trim().strip_prefix("Q=")))
            .map(parse_q)
            .next()
            .unwrap_or(1000);
        if token.eq_ignore_ascii_case(name) || (name == "gzip" && token == "x-gzip") {
            own = Some(q);
        } else if token == "*" {
            any = Some(q);
        }
    }
    match (own, any, coding) {
        (Some(q), _, _) => q,
        (None, Some(q), _) => q,
        (None, None, Coding::Identity) => 1,
        (None, None, _) => 0,
    }
}

/// A `q` value in thousandths (`0.8` → 800); malformed ones count as 0.
fn parse_q(text: &str) -> u16 {
    let text = text.trim();
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    let whole: u16 = match int {
        "0" => 0,
        "1" => 1000,
        _ => return 0,
    };
    let mut thousandths = 0u16;
    for (i, digit) in frac.bytes().take(3).enumerate() {
        if !digit.is_ascii_digit() {
            return 0;
        }
        thousandths += u16::from(digit - b'0') * [100, 10, 1][i];
    }
    (whole + thousandths).min(1000)
}

/// The coding to send, among `available` (identity is always available), for a request's
/// `Accept-Encoding`: the highest quality, brotli before gzip before identity on a tie. No
/// header means identity (RFC 9110 allows any, but a client that says nothing gets plain bytes).
pub fn negotiate(accept: Option<&str>, available: &[Coding]) -> Coding {
    let Some(accept) = accept else {
        return Coding::Identity;
    };
    let mut best = (quality(accept, Coding::Identity), Coding::Identity);
    for coding in [Coding::Gzip, Coding::Brotli] {
        let q = quality(accept, coding);
        if available.contains(&coding) && q > 0 && q >= best.0 {
            best = (q, coding);
        }
    }
    best.1
}

/// The request's `Accept-Encoding`, if readable.
pub fn accept_encoding(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
}

/// On-the-fly compression of API answers: brotli or gzip at a quick level (answers are made
/// per request), never for event streams (see [`flush_each_chunk`]), images or tiny bodies.
pub fn layer() -> CompressionLayer<impl Predicate> {
    CompressionLayer::new()
        .br(true)
        .gzip(true)
        .no_deflate()
        .no_zstd()
        .quality(CompressionLevel::Precise(4))
        .compress_when(DefaultPredicate::new())
}

/// Middleware outside [`layer`]: a response it re-encoded keeps its validator only as a weak
/// one (`W/"3"`), since the bytes differ from the identity representation's.
pub async fn weaken_etag(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    if h.contains_key(header::CONTENT_ENCODING) {
        if let Some(tag) = h.get(header::ETAG).and_then(|v| v.to_str().ok()) {
            if !tag.starts_with("W/") {
                if let Ok(weak) = HeaderValue::from_str(&format!("W/{tag}")) {
                    h.insert(header::ETAG, weak);
                }
            }
        }
    }
    response
}

/// A compressor that hands out, after each chunk, everything needed to decode that chunk.
enum Flushing {
    Brotli(Box<brotli::CompressorWriter<Vec<u8>>>),
    Gzip(flate2::write::GzEncoder<Vec<u8>>),
}

impl Flushing {
    fn new(coding: Coding) -> Option<Self> {
        match coding {
            // Quality 5 and a 64 KiB window: events are small and repeat the same keys.
            Coding::Brotli => Some(Flushing::Brotli(Box::new(brotli::CompressorWriter::new(
                Vec::new(),
                4096,
                5,
                16,
            )))),
            Coding::Gzip => Some(Flushing::Gzip(flate2::write::GzEncoder::new(
                Vec::new(),
                flate2::Compression::new(5),
            ))),
            Coding::Identity => None,
        }
    }

    /// Compresses `chunk` and flushes: the bytes returned decode to all input so far.
    fn push(&mut self, chunk: &[u8]) -> std::io::Result<Bytes> {
        let out = match self {
            Flushing::Brotli(w) => {
                w.write_all(chunk)?;
                w.flush()?;
                std::mem::take(w.get_mut())
            }
            Flushing::Gzip(w) => {
                w.write_all(chunk)?;
                w.flush()?;
                std::mem::take(w.get_mut())
            }
        };
        Ok(Bytes::from(out))
    }
}

/// Compresses a streamed response chunk by chunk in `coding`, flushing after each chunk (an
/// event of the live stream), with `Content-Encoding` and `Vary` set.
pub fn flush_each_chunk(response: Response, coding: Coding) -> Response {
    let (mut parts, body) = response.into_parts();
    parts
        .headers
        .append(header::VARY, HeaderValue::from_static("accept-encoding"));
    let Some(mut encoder) = Flushing::new(coding) else {
        return Response::from_parts(parts, body);
    };
    if let Some(token) = coding.token() {
        parts
            .headers
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static(token));
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    let stream = body.into_data_stream().map(move |chunk| match chunk {
        Ok(bytes) => encoder.push(&bytes).map_err(axum::Error::new),
        Err(err) => Err(err),
    });
    Response::from_parts(parts, Body::from_stream(stream))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    const ALL: [Coding; 2] = [Coding::Brotli, Coding::Gzip];

    #[test]
    fn the_best_accepted_coding_wins() {
        assert_eq!(negotiate(None, &ALL), Coding::Identity);
        assert_eq!(negotiate(Some(""), &ALL), Coding::Identity);
        assert_eq!(
            negotiate(Some("gzip, deflate, br, zstd"), &ALL),
            Coding::Brotli
        );
        assert_eq!(negotiate(Some("gzip"), &ALL), Coding::Gzip);
        assert_eq!(negotiate(Some("gzip"), &[Coding::Brotli]), Coding::Identity);
        assert_eq!(negotiate(Some("br;q=0.5, gzip"), &ALL), Coding::Gzip);
        assert_eq!(negotiate(Some("br;q=0, gzip;q=0"), &ALL), Coding::Identity);
        assert_eq!(negotiate(Some("*"), &ALL), Coding::Brotli);
        assert_eq!(negotiate(Some("*;q=0.2, br;q=0"), &ALL), Coding::Gzip);
        assert_eq!(negotiate(Some("identity"), &ALL), Coding::Identity);
        assert_eq!(negotiate(Some("deflate"), &ALL), Coding::Identity);
        assert_eq!(negotiate(Some("gzip;q=bogus"), &ALL), Coding::Identity);
        assert_eq!(negotiate(Some("GZIP;Q=0.9"), &ALL), Coding::Gzip);
    }

    #[test]
    fn q_values() {
        assert_eq!(parse_q("1"), 1000);
        assert_eq!(parse_q("0.5"), 500);
        assert_eq!(parse_q("0.125"), 125);
        assert_eq!(parse_q("1.000"), 1000);
        assert_eq!(parse_q("2"), 0);
        assert_eq!(parse_q("0.x"), 0);
    }

    #[test]
    fn each_flushed_chunk_decodes_on_its_own() {
        for coding in ALL {
            let mut encoder = Flushing::new(coding).unwrap();
            let mut sent = Vec::new();
            for event in [
                "event: a\ndata: {\"x\":1}\n\n",
                "event: b\ndata: {\"x\":2}\n\n",
            ] {
                sent.extend_from_slice(&encoder.push(event.as_bytes()).unwrap());
                // What was sent so far decodes to every event so far, without the stream's end.
                let mut text = Vec::new();
                match coding {
                    Coding::Gzip => {
                        let mut d = flate2::write::GzDecoder::new(Vec::new());
                        d.write_all(&sent).unwrap();
                        d.flush().unwrap();
                        text = d.get_ref().clone();
                    }
                    _ => {
                        let mut d = brotli::Decompressor::new(&sent[..], 4096);
                        let mut buf = [0u8; 256];
                        loop {
                            match d.read(&mut buf) {
                                Ok(0) | Err(_) => break,
                                Ok(n) => text.extend_from_slice(&buf[..n]),
                            }
                        }
                    }
                }
                let text = String::from_utf8(text).unwrap();
                assert!(text.ends_with(event), "{coding:?}: {text:?}");
            }
        }
    }
}
