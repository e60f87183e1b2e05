//! Placeholder while being written (h10).
fn main() {}
