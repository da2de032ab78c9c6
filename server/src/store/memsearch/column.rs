//! A text column the list sorts on (asset, entity, investigation, decider): each distinct value
//! once, numbered, with an order label — a number that sorts as the value does — so that a
//! search orders its matches by two array reads instead of string comparisons.
//!
//! Labels are kept as values arrive (order maintenance): a new value takes a label between its
//! neighbours'; when no number is free between them, every label is spread out again. New
//! values mostly arrive past the last one (ids and names are often made in order), which takes
//! a fixed step instead of half the space, so appends never exhaust it.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::Arc;

/// The gap left between labels when they are spread out, and the step past the last one.
const SPACING: u64 = 1 << 32;

/// A slot's value number when it has no value (SQL NULL).
pub const NONE: u32 = u32::MAX;

#[derive(Debug, Default)]
pub struct Column {
    numbers: BTreeMap<Arc<str>, u32>,
    names: Vec<Arc<str>>,
    labels: Vec<u64>,
}

impl Column {
    /// The number of `value`, adding it if it is new.
    pub fn number(&mut self, value: &str) -> u32 {
        if let Some(n) = self.numbers.get(value) {
            return *n;
        }
        let n = self.names.len() as u32;
        let name: Arc<str> = Arc::from(value);
        let label = self.free_label(value);
        self.names.push(Arc::clone(&name));
        self.numbers.insert(name, n);
        match label {
            Some(label) => self.labels.push(label),
            None => {
                self.labels.push(0);
                self.spread();
            }
        }
        n
    }

    /// The number of an optional value ([`NONE`] for none).
    pub fn number_of(&mut self, value: Option<&str>) -> u32 {
        value.map_or(NONE, |v| self.number(v))
    }

    /// A label between the neighbours of a value not held yet, if one is free.
    fn free_label(&self, value: &str) -> Option<u64> {
        let below = self
            .numbers
            .range::<str, _>((Bound::Unbounded, Bound::Excluded(value)))
            .next_back()
            .map(|(_, n)| self.labels[*n as usize]);
        let above = self
            .numbers
            .range::<str, _>((Bound::Excluded(value), Bound::Unbounded))
            .next()
            .map(|(_, n)| self.labels[*n as usize]);
        match (below, above) {
            (None, None) => Some(SPACING),
            (Some(b), None) => b.checked_add(SPACING),
            (below, Some(a)) => {
                // Labels start above 0, which stands for no value.
                let b = below.unwrap_or(0);
                (a - b >= 2).then(|| b + (a - b) / 2)
            }
        }
    }

    /// Every label again, evenly spaced in value order.
    fn spread(&mut self) {
        let step = (u64::MAX / (self.names.len() as u64 + 2)).min(SPACING);
        for (i, n) in self.numbers.values().enumerate() {
            self.labels[*n as usize] = step * (i as u64 + 1);
        }
    }

    /// The value of number `n` (`None` for [`NONE`]).
    pub fn name(&self, n: u32) -> Option<&str> {
        self.names.get(n as usize).map(|s| &**s)
    }

    /// A number that sorts as the value does, above 0 (0 for none, which sorts first).
    pub fn label(&self, n: u32) -> u64 {
        self.labels.get(n as usize).copied().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_sort_as_the_values_do_whatever_the_order_they_arrive_in() {
        let mut c = Column::default();
        let mut values: Vec<String> = Vec::new();
        // Appends, values before the first, and many into one gap (forcing a spread).
        for i in 0..200 {
            values.push(format!("m{i:04}"));
        }
        for i in 0..100 {
            values.push(format!("a{}", 100 - i));
        }
        for i in 0..80 {
            values.push(format!("m0000{}", "z".repeat(i)));
        }
        for v in &values {
            c.number(v);
        }
        let mut sorted = values.clone();
        sorted.sort();
        sorted.dedup();
        let labels: Vec<u64> = sorted
            .iter()
            .map(|v| {
                let n = c.number(v);
                c.label(n)
            })
            .collect();
        assert!(labels.windows(2).all(|w| w[0] < w[1]), "{labels:?}");
        assert!(labels[0] > 0);
        assert_eq!(c.label(NONE), 0);
        let n = c.number("m0007");
        assert_eq!(c.name(n), Some("m0007"));
    }
}
