//! The signature a receiver checks: `Action-Center-Signature: t=<unix seconds>,v1=<hex>`, where
//! the hex is HMAC-SHA256, keyed with the receiver's secret, of `"<t>.<raw body>"`. The time is
//! signed with the body, so a captured request cannot be replayed later than the receiver's
//! window (5 minutes) nor with another body; each attempt is signed afresh, so a redelivery an
//! hour later is still fresh.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The header carrying the signature.
pub const SIGNATURE_HEADER: &str = "action-center-signature";
/// The header carrying the event id (receivers dedupe by it).
pub const EVENT_ID_HEADER: &str = "action-center-event-id";
/// How old a `t` a receiver should still accept, in seconds.
pub const TOLERANCE_SECS: i64 = 300;

type HmacSha256 = Hmac<Sha256>;

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
    out
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

fn mac(secret: &[u8], timestamp: i64, body: &[u8]) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The header value for `body` sent at `timestamp` (unix seconds).
pub fn signature(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    let digest = mac(secret, timestamp, body).finalize().into_bytes();
    format!("t={timestamp},v1={}", hex(&digest))
}

/// Why a receiver refuses a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejected {
    /// The header is missing parts or malformed.
    Malformed,
    /// `t` is further than the tolerance from now.
    Stale,
    /// No `v1` matches.
    Mismatch,
}

/// What a receiver does: checks `header` against `body` with `secret`, at `now` (unix seconds),
/// in constant time. Any of several `v1` values may match (a receiver rotating secrets).
pub fn verify(header: &str, secret: &[u8], body: &[u8], now: i64) -> Result<(), Rejected> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => timestamp = v.parse::<i64>().ok(),
            Some(("v1", v)) => signatures.push(unhex(v).ok_or(Rejected::Malformed)?),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(Rejected::Malformed)?;
    if signatures.is_empty() {
        return Err(Rejected::Malformed);
    }
    if (now - timestamp).abs() > TOLERANCE_SECS {
        return Err(Rejected::Stale);
    }
    let expected = mac(secret, timestamp, body);
    if signatures
        .iter()
        .any(|s| expected.clone().verify_slice(s).is_ok())
    {
        Ok(())
    } else {
        Err(Rejected::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_of_time_dot_body() {
        // Computed apart: `printf '1700000000.{"id":"1"}' | openssl dgst -sha256 -hmac whsec`.
        let header = signature(b"whsec", 1_700_000_000, br#"{"id":"1"}"#);
        assert_eq!(
            header,
            "t=1700000000,v1=60734808e731b08d45bee887cade715d87211348f1bcb975b46c8d2e7fa5dbcd"
        );
        assert_eq!(
            verify(&header, b"whsec", br#"{"id":"1"}"#, 1_700_000_100),
            Ok(())
        );
    }

    #[test]
    fn receivers_refuse_other_bodies_secrets_and_old_times() {
        let body = br#"{"id":"7"}"#;
        let header = signature(b"k", 1_000, body);
        assert_eq!(verify(&header, b"k", b"{}", 1_000), Err(Rejected::Mismatch));
        assert_eq!(verify(&header, b"x", body, 1_000), Err(Rejected::Mismatch));
        assert_eq!(verify(&header, b"k", body, 1_301), Err(Rejected::Stale));
        assert_eq!(
            verify("t=1000", b"k", body, 1_000),
            Err(Rejected::Malformed)
        );
        assert_eq!(
            verify("t=1000,v1=zz", b"k", body, 1_000),
            Err(Rejected::Malformed)
        );
        let rotated = format!("{header},v1={}", "00".repeat(32));
        assert_eq!(verify(&rotated, b"k", body, 1_000), Ok(()));
    }

    #[test]
    fn hex_is_lower_case() {
        assert_eq!(hex(&[0x00, 0xab, 0x10, 0xff]), "00ab10ff");
        assert_eq!(unhex("00ab10ff"), Some(vec![0x00, 0xab, 0x10, 0xff]));
    }
}
