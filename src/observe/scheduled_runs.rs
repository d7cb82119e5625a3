//! What a run's schedules of standalone tasks did (issue 9, §13.1, §13.2).

/// One run of a schedule (§13.1, §13.2): what RunTask started, what it
/// could not place, and how its tasks fared.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ScheduledRunSummary {
    pub service: String,
    pub run: u32,
    /// The minute it was scheduled for, and when it fired (within its window).
    pub scheduled_at_s: f64,
    pub fired_at_s: f64,
    pub tasks_started: u32,
    /// Per reason (`RESOURCE:MEMORY`, …): tasks RunTask could not place (not retried).
    pub failures: Vec<(String, u32)>,
    /// The longest any of its tasks waited in PROVISIONING (for an instance).
    pub longest_provisioning_wait_s: f64,
    /// Its tasks whose job completed, and when the last one stopped.
    pub jobs_completed: u32,
    pub last_stopped_at_s: Option<f64>,
}

impl ScheduledRunSummary {
    /// `ran`, `partly_missed` (some tasks not placed) or `missed`.
    pub fn outcome(&self) -> &'static str {
        match (self.tasks_started, self.failures.is_empty()) {
            (_, true) => "ran",
            (0, false) => "missed",
            (_, false) => "partly_missed",
        }
    }
}
