//! Placeholder until the reference server lands.
fn main() {}
