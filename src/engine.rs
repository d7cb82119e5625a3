//! The discrete-event engine: virtual time, the event queue and keyed random streams.
//! It knows nothing of ECS, files or the wall clock; the model drives it.
//!
//! # Ordering contract
//!
//! Events run in order of (time, sequence number). The sequence number is given
//! when an event is scheduled, so two events due at the same instant run in the
//! order they were scheduled, on every machine and every run. One exception,
//! for period boundaries: events scheduled with [`EventQueue::schedule_first`]
//! run before the ordinary events of their instant (in their own scheduling
//! order). Time is an integer count of nanoseconds ([`SimTime`]); floats never
//! decide an order.
//!
//! Cancelling an event ([`EventQueue::cancel`]) frees its slot at once and leaves a
//! tombstone in the heap that is skipped when it surfaces; nothing is removed from
//! the middle of the heap.
//!
//! # Randomness
//!
//! Every independent source of randomness (arrivals, service times, start-up
//! delays, …) draws from its own ChaCha8 stream, keyed by the scenario seed and a
//! fixed hash of the purpose's name ([`RngStreams::stream`]). Adding a new source
//! never shifts the draws of another.

pub mod calendar;
mod queue;
mod rng;
pub mod sample;
mod time;

pub use queue::{EventId, EventQueue};
pub use rng::{RngStreams, Stream};
pub use time::{SimDuration, SimTime};
