//! The snapshot bus between actors and the render thread.
//!
//! * [`Latest<T>`]: the current value of something (the telemetry snapshot,
//!   the performance settings…), an `Arc<T>` replaced whole. Reading it is a
//!   wait-free load.
//! * [`Deltas<T>`]: a bounded queue of changes the render thread drains each
//!   frame within a budget of items or time, into a buffer it reuses.
//!
//! Nothing on the render side of either can block or allocate: no locks, no
//! waiting, no growth. A full `Deltas` never loses data: its producer either
//! coalesces by key ([`CoalescingSender`]) or waits ([`WaitingSender`]), and both
//! are counted.

mod deltas;
mod latest;

pub use deltas::{
    CoalescingSender, DeltaStats, Deltas, DrainBudget, DrainStop, Drained, Keyed, PendingFull,
    Pushed, WaitingSender,
};
pub use latest::{Latest, LatestGuard};
