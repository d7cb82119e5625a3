//! Plain, validated configuration of a cluster: what the model runs on.
//! No serde and no file names: the scenario module lowers files into these.

use super::ids::{ServiceId, TargetGroupId};
use crate::engine::sample::DurationDistribution;
use crate::engine::{SimDuration, SimTime};

/// A cluster: services behind one ALB.
#[derive(Clone, Debug)]
pub struct ClusterConfig {
    pub services: Vec<ServiceConfig>,
    pub load_balancer: LoadBalancerConfig,
}

/// One ECS service (REPLICA scheduling) and its task definition.
#[derive(Clone, Debug)]
pub struct ServiceConfig {
    pub name: String,
    pub desired_count: u32,
    /// Manual `UpdateService` calls: at each time, desiredCount becomes the value.
    pub desired_count_changes: Vec<(SimTime, u32)>,
    pub task: TaskDefinition,
    pub target_group: TargetGroupId,
    /// ECS ignores failing ELB health checks this long after a task starts
    /// (`healthCheckGracePeriodSeconds`, default 0, aws-semantics §2.3).
    pub health_check_grace_period: SimDuration,
}

/// What a task of the service is and how it behaves.
#[derive(Clone, Debug)]
pub struct TaskDefinition {
    /// Task-level CPU units (1024 = 1 vCPU).
    pub cpu_units: u32,
    pub memory_mib: u32,
    /// Requests served at once; more wait in the task's queue.
    pub concurrency: u32,
    /// Requests that may wait; beyond it the task refuses (502 at the ALB).
    pub queue_limit: u32,
    /// Service demand of a request that carries none of its own.
    pub service_time: DurationDistribution,
    /// vCPU a request uses while in service, in thousandths (500 = half a vCPU).
    pub vcpu_per_request_millis: u32,
    /// When false, requests never slow down for CPU (a pure M/M/c station).
    pub cpu_contention: bool,
    /// Launch to RUNNING (aws-semantics §4.5, model choice: a distribution).
    pub startup_time: DurationDistribution,
    /// PROVISIONING (ENI attachment) at the start of start-up; the rest is ACTIVATING.
    pub provisioning_time: SimDuration,
    /// RUNNING until the application accepts connections.
    pub app_ready_time: SimDuration,
    /// SIGTERM to SIGKILL (aws-semantics §2.5; Fargate default 30 s).
    pub stop_timeout: SimDuration,
    /// DEPROVISIONING (ENI detachment) before STOPPED.
    pub deprovisioning_time: SimDuration,
    /// Mean time between crashes of a RUNNING task (essential container exits); None = never.
    pub mean_time_between_crashes: Option<SimDuration>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    RoundRobin,
    LeastOutstandingRequests,
    Random,
}

/// The ALB, its target groups and what each route forwards to.
#[derive(Clone, Debug)]
pub struct LoadBalancerConfig {
    pub algorithm: Algorithm,
    /// A request open longer than this gets 504 (aws-semantics §3.3; default 60 s).
    pub idle_timeout: SimDuration,
    pub target_groups: Vec<TargetGroupConfig>,
    /// Route id → target group; traffic resolves its routes to these ids.
    pub routes: Vec<TargetGroupId>,
}

#[derive(Clone, Debug)]
pub struct TargetGroupConfig {
    pub service: ServiceId,
    pub health_check: HealthCheckConfig,
    /// Draining time before a deregistered target is cut (aws-semantics §3.4; default 300 s).
    pub deregistration_delay: SimDuration,
}

/// Target group health checks (aws-semantics §3.2).
#[derive(Clone, Debug)]
pub struct HealthCheckConfig {
    pub interval: SimDuration,
    pub timeout: SimDuration,
    pub healthy_threshold_count: u32,
    pub unhealthy_threshold_count: u32,
    /// Model choice (§3.2): a new target is healthy after one passed check, or
    /// after `healthy_threshold_count` of them when this is true.
    pub new_target_needs_threshold: bool,
}

impl Default for HealthCheckConfig {
    fn default() -> Self {
        HealthCheckConfig {
            interval: SimDuration::from_secs(30),
            timeout: SimDuration::from_secs(5),
            healthy_threshold_count: 5,
            unhealthy_threshold_count: 2,
            new_target_needs_threshold: false,
        }
    }
}
