//! The event queue: a binary min-heap ordered by (time, sequence number), with
//! O(1) cancellation through slot tombstones. Never reorders same-instant events.

use super::time::SimTime;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

const ORDINARY_LANE: u128 = 1 << 63;
const SEQ_MASK: u128 = (1 << 63) - 1;

/// A handle to a scheduled event, for cancelling it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventId {
    slot: u32,
    seq: u64,
}

/// Pending events of type `E` in (time, sequence) order.
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry>,
    slots: Vec<Slot<E>>,
    free_slots: Vec<u32>,
    next_seq: u64,
    now: SimTime,
}

struct Slot<E> {
    seq: u64,
    event: Option<E>,
}

/// Heap entry: the key packs (time, lane, seq) into one integer, so one
/// compare orders them: time in the high 64 bits, then the lane bit (0 for
/// `schedule_first`), then the 63-bit sequence number.
#[derive(PartialEq, Eq)]
struct Entry {
    key: u128,
    slot: u32,
}

impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed: BinaryHeap is a max-heap and we want the earliest first.
        other.key.cmp(&self.key)
    }
}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    pub fn new() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            slots: Vec::new(),
            free_slots: Vec::new(),
            next_seq: 0,
            now: SimTime::ZERO,
        }
    }

    /// The time of the event popped last (the simulation's present).
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Moves the present forward without an event (the caller handled an
    /// external input, such as an arrival from a trace, at `at`).
    pub fn advance_to(&mut self, at: SimTime) {
        assert!(at >= self.now, "invariant: advance_to({at}) before now ({})", self.now);
        self.now = at;
    }

    /// Schedules `event` at `at`, which must not be in the past.
    pub fn schedule(&mut self, at: SimTime, event: E) -> EventId {
        self.push(at, ORDINARY_LANE, event)
    }

    /// Schedules `event` at `at` ahead of every ordinary event at that instant
    /// (for period boundaries: a minute closes before the next one's events).
    pub fn schedule_first(&mut self, at: SimTime, event: E) -> EventId {
        self.push(at, 0, event)
    }

    fn push(&mut self, at: SimTime, lane: u128, event: E) -> EventId {
        assert!(at >= self.now, "invariant: event scheduled at {at}, before now ({})", self.now);
        let seq = self.next_seq;
        self.next_seq += 1;
        let slot = match self.free_slots.pop() {
            Some(slot) => {
                self.slots[slot as usize] = Slot { seq, event: Some(event) };
                slot
            }
            None => {
                self.slots.push(Slot { seq, event: Some(event) });
                (self.slots.len() - 1) as u32
            }
        };
        let key = (u128::from(at.as_nanos()) << 64) | lane | u128::from(seq);
        self.heap.push(Entry { key, slot });
        EventId { slot, seq }
    }

    /// Cancels a scheduled event; returns false if it already ran or was cancelled.
    pub fn cancel(&mut self, id: EventId) -> bool {
        let slot = &mut self.slots[id.slot as usize];
        if slot.seq != id.seq || slot.event.is_none() {
            return false;
        }
        slot.event = None;
        self.free_slots.push(id.slot);
        true
    }

    /// The time of the next live event, discarding tombstones on the way.
    pub fn peek_time(&mut self) -> Option<SimTime> {
        while let Some(top) = self.heap.peek() {
            let slot = &self.slots[top.slot as usize];
            if slot.event.is_some() && u128::from(slot.seq) == top.key & SEQ_MASK {
                return Some(SimTime::from_nanos((top.key >> 64) as u64));
            }
            self.heap.pop();
        }
        None
    }

    /// Removes and returns the next event, advancing the present to its time.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        while let Some(top) = self.heap.pop() {
            let seq = (top.key & SEQ_MASK) as u64;
            let slot = &mut self.slots[top.slot as usize];
            if slot.seq != seq {
                continue; // tombstone of a cancelled event whose slot was reused
            }
            let Some(event) = slot.event.take() else { continue };
            self.free_slots.push(top.slot);
            let at = SimTime::from_nanos((top.key >> 64) as u64);
            self.now = at;
            return Some((at, event));
        }
        None
    }

    /// Number of live scheduled events.
    pub fn len(&self) -> usize {
        self.slots.len() - self.free_slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_instant_events_run_in_scheduling_order() {
        let mut q = EventQueue::new();
        let t = SimTime::from_secs(5);
        for i in 0..100 {
            q.schedule(t, i);
        }
        q.schedule(SimTime::from_secs(1), -1);
        let order: Vec<i32> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        let mut expected = vec![-1];
        expected.extend(0..100);
        assert_eq!(order, expected);
    }

    #[test]
    fn first_lane_runs_before_ordinary_events_at_the_same_instant() {
        let mut q = EventQueue::new();
        let t = SimTime::from_secs(60);
        q.schedule(t, "ordinary 1");
        q.schedule_first(t, "boundary");
        q.schedule(t, "ordinary 2");
        q.schedule_first(SimTime::from_secs(61), "next boundary");
        let order: Vec<&str> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, ["boundary", "ordinary 1", "ordinary 2", "next boundary"]);
    }

    #[test]
    fn cancelled_events_never_run_and_reused_slots_stay_valid() {
        let mut q = EventQueue::new();
        let a = q.schedule(SimTime::from_secs(2), "a");
        assert!(q.cancel(a));
        assert!(!q.cancel(a), "a second cancel is a no-op");
        // Reuses a's slot; a's tombstone must not resurrect or hide it.
        q.schedule(SimTime::from_secs(3), "b");
        q.schedule(SimTime::from_secs(1), "c");
        assert_eq!(q.peek_time(), Some(SimTime::from_secs(1)));
        assert_eq!(q.pop(), Some((SimTime::from_secs(1), "c")));
        assert_eq!(q.pop(), Some((SimTime::from_secs(3), "b")));
        assert_eq!(q.pop(), None);
        assert!(q.is_empty());
    }

    /// Goal: with cancels anywhere in the heap, events still come out in
    /// (time, scheduling order), checked against a sorted reference.
    #[test]
    fn random_schedules_and_cancels_match_a_sorted_reference() {
        let mut q = EventQueue::new();
        let mut reference: std::collections::BTreeMap<(u64, u64), u32> = Default::default();
        let mut handles: Vec<(EventId, (u64, u64))> = Vec::new();
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut seq = 0;
        let mut popped = Vec::new();
        let mut expected = Vec::new();
        for round in 0..20_000u32 {
            let now = q.now().as_nanos();
            match next() % 4 {
                0 | 1 => {
                    let at = now + next() % 50;
                    let id = q.schedule(SimTime::from_nanos(at), round);
                    reference.insert((at, seq), round);
                    handles.push((id, (at, seq)));
                    seq += 1;
                }
                2 if !handles.is_empty() => {
                    let (id, key) = handles.swap_remove((next() % handles.len() as u64) as usize);
                    assert_eq!(q.cancel(id), reference.remove(&key).is_some());
                }
                _ => {
                    if let Some((at, event)) = q.pop() {
                        popped.push((at.as_nanos(), event));
                        let (&key, &e) = reference.iter().next().unwrap();
                        reference.remove(&key);
                        expected.push((key.0, e));
                    }
                }
            }
            assert_eq!(q.len(), reference.len());
        }
        assert_eq!(popped, expected);
        assert!(popped.len() > 1000);
    }

    #[test]
    fn cancel_after_run_returns_false() {
        let mut q = EventQueue::new();
        let a = q.schedule(SimTime::from_secs(1), 1);
        q.pop();
        let b = q.schedule(SimTime::from_secs(2), 2); // same slot, new seq
        assert!(!q.cancel(a));
        assert!(q.cancel(b));
        assert_eq!(q.pop(), None);
    }
}
