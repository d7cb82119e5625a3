//! The ECS world: services, tasks, the ALB and its target groups, as state
//! machines driven by engine events. It reads no files and prints nothing: it
//! takes validated [`config`] and reports past-tense facts as [`Observation`]s.

mod alb;
pub mod autoscaling;
pub mod capacity;
pub mod config;
mod event;
pub mod ids;
pub mod listener;
pub mod observation;
pub mod placement;
mod processor;
pub mod schedule;
mod task;
pub mod time_zone;
mod world;

pub use event::Event;
pub use ids::{CapacityProviderId, InstanceId, QueueId, RouteId, ServiceId, TargetGroupId, TaskId};
pub use observation::{
    FailureCause, InstanceState, Observation, Observer, Outcome, StopReason, TargetHealth, TaskState,
};
pub use time_zone::TimeZone;
pub use world::{Arrival, QueueAudit, World};
