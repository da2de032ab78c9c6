//! Action ids: `act_` + 26 Crockford base-32 characters (48 bits of milliseconds, then 80 bits
//! of randomness), so ids sort by creation time. Also the small deterministic PRNG the demo uses.

use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// SplitMix64: small, fast, deterministic for a given seed.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator with this seed.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// A float in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

/// A stable 64-bit hash (FNV-1a) for deterministic choices.
pub fn stable_hash(text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// An id for an action created at `at`, with random bits from `rng`.
pub fn action_id(at: DateTime<Utc>, rng: &mut Rng) -> String {
    let millis = at.timestamp_millis().max(0) as u128 & ((1u128 << 48) - 1);
    let random =
        ((rng.next_u64() as u128) << 16 | (rng.next_u64() as u128 & 0xFFFF)) & ((1u128 << 80) - 1);
    let value = millis << 80 | random;
    let mut out = String::with_capacity(30);
    out.push_str("act_");
    for i in (0..26).rev() {
        out.push(CROCKFORD[((value >> (i * 5)) & 31) as usize] as char);
    }
    out
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A fresh id for an action created now (random bits from the clock and a counter).
pub fn fresh_action_id(at: DateTime<Utc>) -> String {
    let nanos = Utc::now().timestamp_nanos_opt().unwrap_or_default() as u64;
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut rng = Rng::new(nanos ^ n.rotate_left(32) ^ (std::process::id() as u64) << 16);
    action_id(at, &mut rng)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_the_shape_and_sort_by_time() {
        let mut rng = Rng::new(1);
        let a = action_id("2026-01-01T00:00:00Z".parse().unwrap(), &mut rng);
        let b = action_id("2026-01-02T00:00:00Z".parse().unwrap(), &mut rng);
        assert_eq!(a.len(), 30);
        assert!(a.starts_with("act_01"));
        assert!(a < b);
        assert_ne!(fresh_action_id(Utc::now()), fresh_action_id(Utc::now()));
    }

    #[test]
    fn the_generator_is_deterministic() {
        let (mut x, mut y) = (Rng::new(7), Rng::new(7));
        assert_eq!(x.next_u64(), y.next_u64());
        assert!(x.below(10) < 10);
    }
}
