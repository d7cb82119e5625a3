//! What a run's schedules of standalone tasks did (issue 9, §13.1, §13.2).

use crate::model::StopReason;

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
    /// The longest any of its tasks waited in PROVISIONING (for an
    /// instance), from the run's firing; a task still waiting when the
    /// simulation ends counts its wait up to the end.
    pub longest_provisioning_wait_s: f64,
    /// Its tasks whose job completed, and when the last one stopped.
    pub jobs_completed: u32,
    pub last_stopped_at_s: Option<f64>,
    /// Per reason (`SpotInterruption`, `OutOfMemory`, …): its tasks stopped
    /// before their job completed. Nothing reruns them (§13.2).
    pub jobs_stopped_early: Vec<(String, u32)>,
}

impl ScheduledRunSummary {
    /// `missed` (no task placed), `partly_missed` (some not placed),
    /// `jobs_failed` (all placed, but a job's task stopped before its job
    /// completed) or `ran`. The first that applies: a partly missed run may
    /// also have lost jobs, which `jobs_stopped_early` shows.
    pub fn outcome(&self) -> &'static str {
        match (self.tasks_started, self.failures.is_empty(), self.jobs_stopped_early.is_empty()) {
            (0, false, _) => "missed",
            (_, false, _) => "partly_missed",
            (_, true, false) => "jobs_failed",
            (_, true, true) => "ran",
        }
    }

    /// A job's task stopped for `reason` before its job completed.
    pub(crate) fn job_stopped_early(&mut self, reason: StopReason) {
        let label = stop_label(reason);
        match self.jobs_stopped_early.iter_mut().find(|(r, _)| r == label) {
            Some((_, n)) => *n += 1,
            None => self.jobs_stopped_early.push((label.to_string(), 1)),
        }
    }
}

/// Why a job's task stopped, in a word: the stop code where it says enough,
/// the cause where one code covers several (an OOM kill is
/// `EssentialContainerExited` to ECS, §14.2).
fn stop_label(reason: StopReason) -> &'static str {
    match reason {
        StopReason::OutOfMemory => "OutOfMemory",
        StopReason::InstanceTerminated => "InstanceTerminated",
        StopReason::ContainerInstanceDraining => "ContainerInstanceDraining",
        other => other.stop_code(),
    }
}
