//! DAEMON services (aws-semantics §13.3): one task on each ACTIVE instance,
//! placed before any replica when an instance registers, counted by managed
//! scaling's estimate, stopped after the replicas when an instance drains,
//! billed by its reservation, deployed instance by instance; on timelines
//! worked by hand.

use crate::support;
use fleetsim::engine::{SimDuration, SimTime};
use fleetsim::model::observation::RolloutState;
use fleetsim::model::{InstanceId, InstanceState, Observation, ServiceId, StopReason, TaskId, TaskState};

fn at(seconds: u64) -> SimTime {
    SimTime::ZERO + SimDuration::from_secs(seconds)
}

const AGENT: ServiceId = ServiceId(0);
const WEB: ServiceId = ServiceId(1);

/// An `agent` DAEMON (0.5 vCPU, 512 MiB) and a `web` service of `desired`
/// 1 vCPU / 2 GiB tasks on one m6i.large group (2048 CPU units, 7987 MiB,
/// 10 awsvpc tasks with trunking). With the agent an instance holds one web
/// task (1536 units left); without, two. Instances register 120 s after launch.
fn cluster(duration: &str, desired: u32, agent_extra: &str, web_extra: &str, provider_extra: &str) -> String {
    format!(
        r#"
duration = "{duration}"
[traffic]
kind = "constant"
rate_per_second = 2.0
[[services]]
name = "agent"
scheduling_strategy = "DAEMON"
launch_type = "EC2"
cpu = 512
memory = 512
startup_time = {{ distribution = "constant", value = "10s" }}
service_time = {{ distribution = "constant", value = "10ms" }}
{agent_extra}
[[services]]
name = "web"
desired_count = {desired}
cpu = 1024
memory = 2048
startup_time = {{ distribution = "constant", value = "30s" }}
service_time = {{ distribution = "constant", value = "10ms" }}
launch_type = "EC2"
{web_extra}
[[capacity_providers]]
name = "m6i"
instance_type = "m6i.large"
max_size = 10
awsvpc_trunking = true
registration_time = {{ distribution = "constant", value = "120s" }}
{provider_extra}
"#
    )
}

/// The same cluster without its daemon: `web` becomes services[0].
fn without_agent(text: &str) -> String {
    let start = text.find("[[services]]\nname = \"agent\"").expect("agent");
    let end = text.find("[[services]]\nname = \"web\"").expect("web");
    format!("{}{}", &text[..start], &text[end..])
}

fn launched_at(observations: &[Observation]) -> Vec<SimTime> {
    observations
        .iter()
        .filter_map(|o| match *o {
            Observation::InstanceStateChanged { at, to: InstanceState::Launching, .. } => Some(at),
            _ => None,
        })
        .collect()
}

/// (time, service, instance) of every placement, in the order ECS made them.
fn placements(observations: &[Observation]) -> Vec<(SimTime, ServiceId, InstanceId)> {
    observations
        .iter()
        .filter_map(|o| match *o {
            Observation::TaskPlaced { at, service, instance, .. } => Some((at, service, instance)),
            _ => None,
        })
        .collect()
}

fn desired_counts(observations: &[Observation], of: ServiceId) -> Vec<(SimTime, u32)> {
    observations
        .iter()
        .filter_map(|o| match *o {
            Observation::DesiredCountChanged { at, service, desired_count } if service == of => {
                Some((at, desired_count))
            }
            _ => None,
        })
        .collect()
}

/// Goal: the must-show of issue 9: a new instance gets its daemon task before
/// any replica, replica placement sees the reserved capacity, and managed
/// scaling's estimate counts it (§13.3, §5.1). Worked:
///
/// | t | what happens |
/// |---|---|
/// | 0 s | 3 web tasks PROVISIONING; no instance |
/// | 60 s | CPR 200 %: two instances launch |
/// | 180 s | instance 0 registers: agent placed, then web #1 (512 units left: web #2 does not fit); instance 1 the same with web #2 |
/// | 240 s | CPR = (2 busy + 1 new instance for web #3, 1536 units free on a new one) / 2 = 150 %; warm-up holds it |
/// | 360 s | both instances 300 s old: one more launches |
/// | 480 s | instance 2 registers: agent, then web #3 |
///
/// Without the daemon two instances hold the three tasks (two, then one).
#[test]
fn a_new_instance_gets_its_daemon_before_any_replica() {
    let text = cluster("12m", 3, "", "", "managed_scaling = { target_capacity = 100 }");
    let (figures, observations) = support::run_observed(&text);
    assert_eq!(launched_at(&observations), [at(60), at(60), at(360)]);
    let (i0, i1, i2) = (InstanceId(0), InstanceId(1), InstanceId(2));
    assert_eq!(
        placements(&observations),
        [
            (at(180), AGENT, i0),
            (at(180), WEB, i0),
            (at(180), AGENT, i1),
            (at(180), WEB, i1),
            (at(480), AGENT, i2),
            (at(480), WEB, i2),
        ]
    );
    // The estimate counted the agent on the new instance: M = 3, not 2.
    let cpr: Vec<(SimTime, u32, f64)> = observations
        .iter()
        .filter_map(|o| match *o {
            Observation::CapacityProviderReservation { at, instances_needed, reservation_percent, .. } => {
                Some((at, instances_needed, reservation_percent))
            }
            _ => None,
        })
        .collect();
    assert!(cpr.contains(&(at(240), 3, 150.0)), "{cpr:?}");
    // The daemon's desired count is its ACTIVE instances; it runs on each.
    assert_eq!(desired_counts(&observations, AGENT), [(at(180), 1), (at(180), 2), (at(480), 3)]);
    let agent = &figures.services[AGENT.index()];
    let web = &figures.services[WEB.index()];
    assert!(agent.name == "agent" && web.name == "web");
    // Three agents ran, one per instance; requests go to web only.
    assert_eq!((agent.tasks_launched, agent.requests.total), (3, 0));

    // The counterfactual: without the daemon's reservation, web #2 shares instance 0.
    let (_, observations) = support::run_observed(&without_agent(&text));
    assert_eq!(launched_at(&observations), [at(60), at(60)]);
    let web = ServiceId(0);
    let (i0, i1) = (InstanceId(0), InstanceId(1));
    assert_eq!(placements(&observations), [(at(180), web, i0), (at(180), web, i0), (at(180), web, i1)]);
}

/// Goal: an instance holding only its daemon is empty to managed scaling
/// (§5.1: daemon tasks do not count as use) and to managed termination
/// protection; the instance drains, its daemon stops (the last task there),
/// and the instance ends after it has STOPPED. Worked: two instances at the
/// start hold an agent and a web task each; at 5 min web goes to 0 tasks, so
/// M = 0 and CPR = 0 %; after 15 low minutes the group scales in one
/// instance a minute (max(1, ⌊2 / 2⌋), then 1).
#[test]
fn instances_holding_only_daemons_scale_in_and_the_daemon_stops_last() {
    let text = cluster(
        "40m",
        2,
        "",
        "desired_count_changes = [{ at = \"5m\", desired_count = 0 }]",
        "desired_capacity = 2\nmanaged_scaling = { target_capacity = 100 }\nmanaged_termination_protection = true\nmanaged_draining = true",
    );
    let (_, observations) = support::run_observed(&text);
    let terminated: Vec<(SimTime, InstanceId)> = observations
        .iter()
        .filter_map(|o| match *o {
            Observation::InstanceStateChanged { at, instance, to: InstanceState::Terminated, .. } => {
                Some((at, instance))
            }
            _ => None,
        })
        .collect();
    assert_eq!(terminated.len(), 2, "both instances end: {terminated:?}");
    let agent_stops: Vec<(SimTime, Option<StopReason>)> = observations
        .iter()
        .filter_map(|o| match *o {
            Observation::TaskStateChanged { at, service: AGENT, to: TaskState::Stopped, stop_reason, .. } => {
                Some((at, stop_reason))
            }
            _ => None,
        })
        .collect();
    assert_eq!(agent_stops.len(), 2, "{agent_stops:?}");
    for (stop, end) in agent_stops.iter().zip(&terminated) {
        assert_eq!(stop.1, Some(StopReason::ContainerInstanceDraining));
        assert!(stop.0 <= end.0 && end.0 > at(20 * 60), "{agent_stops:?} {terminated:?}");
    }
    assert_drains_stop_daemons_last(&observations);
    assert_eq!(desired_counts(&observations, AGENT).last().map(|d| d.1), Some(0));
}

/// Checks §13.3's "last to stop" on every instance: each replica there began
/// stopping before any daemon there; on an instance that drained, each
/// replica had STOPPED before the daemon began to stop. Returns how many
/// drained instances held a replica when they began to drain.
fn assert_drains_stop_daemons_last(observations: &[Observation]) -> usize {
    let mut on: Vec<(TaskId, ServiceId, InstanceId)> = Vec::new();
    let mut first_stop: Vec<(TaskId, usize)> = Vec::new();
    let mut stopped: Vec<(TaskId, usize)> = Vec::new();
    let mut drained: Vec<(InstanceId, usize)> = Vec::new();
    for (i, o) in observations.iter().enumerate() {
        match *o {
            Observation::TaskPlaced { task, service, instance, .. } => on.push((task, service, instance)),
            Observation::TaskStateChanged { task, to, .. } if to >= TaskState::Deactivating => {
                if !first_stop.iter().any(|f| f.0 == task) {
                    first_stop.push((task, i));
                }
                if to == TaskState::Stopped {
                    stopped.push((task, i));
                }
            }
            Observation::InstanceStateChanged { instance, to: InstanceState::Draining, .. } => {
                drained.push((instance, i))
            }
            _ => {}
        }
    }
    let index_of = |list: &[(TaskId, usize)], task: TaskId| list.iter().find(|f| f.0 == task).map(|f| f.1);
    let mut busy_drains = 0;
    for &(instance, drained_at) in &drained {
        let here: Vec<&(TaskId, ServiceId, InstanceId)> = on.iter().filter(|p| p.2 == instance).collect();
        let replicas: Vec<TaskId> = here.iter().filter(|p| p.1 != AGENT).map(|p| p.0).collect();
        let daemons: Vec<TaskId> = here.iter().filter(|p| p.1 == AGENT).map(|p| p.0).collect();
        let live_replica = replicas.iter().any(|&r| index_of(&stopped, r).is_none_or(|s| s > drained_at));
        busy_drains += usize::from(live_replica);
        for &d in &daemons {
            let Some(d_stop) = index_of(&first_stop, d) else { continue };
            for &r in &replicas {
                let r_stop = index_of(&first_stop, r).expect("a replica on a drained instance stops");
                assert!(r_stop < d_stop, "replica {r:?} began to stop after daemon {d:?} on {instance:?}");
                if let Some(r_stopped) = index_of(&stopped, r) {
                    let killed = observations[d_stop..].iter().any(|o| {
                        matches!(*o, Observation::TaskStateChanged { task, stop_reason: Some(StopReason::InstanceTerminated), .. } if task == d)
                    });
                    assert!(killed || r_stopped < d_stop, "daemon {d:?} stopped before replica {r:?} on {instance:?}");
                }
            }
        }
    }
    busy_drains
}

/// Goal: when EC2 Spot's notice drains an instance (§5.5 with
/// ECS_ENABLE_SPOT_INSTANCE_DRAINING), its web tasks stop first and the
/// daemon only once they have STOPPED; the replacement instance gets a daemon
/// before its replica. Method: frequent reclaims on a fixed group of two,
/// a 30 s deregistration delay so that drains finish within the two minutes;
/// the order is checked on every drained instance.
#[test]
fn spot_draining_stops_the_daemon_after_the_replicas() {
    let text = cluster(
        "90m",
        2,
        "",
        "",
        "desired_capacity = 2\nspot = { interruptions_per_instance_hour = 4.0, spot_instance_draining = true }",
    ) + "[load_balancer]\nderegistration_delay = \"30s\"\n";
    let (_, observations) = support::run_observed(&text);
    let busy_drains = assert_drains_stop_daemons_last(&observations);
    assert!(busy_drains >= 2, "the scenario should drain instances holding web tasks ({busy_drains})");
    // On every instance the first placement is the daemon's.
    let placed = placements(&observations);
    let instances = placed.iter().map(|p| p.2.index()).max().unwrap_or(0) + 1;
    assert!(instances >= 4, "replacements should have launched");
    for i in 0..instances {
        let first = placed.iter().find(|p| p.2 == InstanceId(i as u32));
        assert!(first.is_none_or(|p| p.1 == AGENT), "instance {i}: {first:?}");
    }
}

/// Goal: the daemon pays for what it reserves (§5.4 with the split by
/// reserved CPU and memory): the EC2 bill is split between agent and web to
/// the cent. Worked: two m6i.large for 2 h at 0.096 USD = 0.384 USD; per
/// instance the agent reserves 512 of the 1536 reserved CPU units (1/3) and
/// 512 of 2560 MiB (1/5); CPU's share of the price is 18 / (18 + 7987 / 1024)
/// = 0.697680, so the agent's share is 0.697680 / 3 + 0.302320 / 5 = 0.293024,
/// 0.112521 USD.
#[test]
fn the_daemon_pays_its_share_of_the_instances() {
    let text = cluster("2h", 2, "", "", "desired_capacity = 2");
    let output = fleetsim::run::simulate_scenario(&support::scenario(&text), None).expect("runs");
    let a = &output.bill.allocation;
    let p = &a.providers[2];
    assert!((p.instance_usd - 0.384).abs() < 1e-9, "{p:?}");
    let cpu_share: f64 = 18.0 / (18.0 + 7987.0 / 1024.0);
    let agent_share = cpu_share / 3.0 + (1.0 - cpu_share) / 5.0;
    let (agent, web) = (&a.services[AGENT.index()], &a.services[WEB.index()]);
    assert!((agent.ec2_allocated_usd - 0.384 * agent_share).abs() < 1e-9, "{agent:?}");
    assert_eq!(agent.ec2_allocated_cents + web.ec2_allocated_cents, p.instance_cents);
    assert_eq!((agent.ec2_allocated_cents, web.ec2_allocated_cents, p.unallocated_cents), (11, 27, 0));
    // Not load-balanced: the agent pays none of the ALB.
    assert_eq!(agent.shared_cents, 0);
    crate::cost::assert_allocation_sums(&output.bill);
}

/// Goal: a daemon's rolling deployment (§13.3: maximumPercent 100,
/// minimumHealthyPercent here 50 of its two instances): one old task stops
/// at a time, each instance gets the new revision only once its old task has
/// STOPPED (never two agents on an instance), and the deployment COMPLETES.
/// With the default minimum of 0 both old tasks stop at once.
#[test]
fn a_daemon_deploys_one_instance_at_a_time_within_its_minimum() {
    let deploy =
        "[[services.deployments]]\nat = \"5m\"\nstartup_time = { distribution = \"constant\", value = \"20s\" }";
    let minimum = "deployment_configuration = { minimum_healthy_percent = 50 }";
    for (extra, one_at_a_time) in [(format!("{minimum}\n{deploy}"), true), (deploy.to_string(), false)] {
        let text = cluster("20m", 2, &extra, "", "desired_capacity = 2");
        let (_, observations) = support::run_observed(&text);
        let states: Vec<(SimTime, RolloutState)> = observations
            .iter()
            .filter_map(|o| match *o {
                Observation::DeploymentStateChanged { at, service: AGENT, state, .. } => Some((at, state)),
                _ => None,
            })
            .collect();
        assert_eq!(states.len(), 2, "{states:?}");
        assert_eq!(states[1].1, RolloutState::Completed, "{states:?}");
        let old_stops: Vec<SimTime> = observations
            .iter()
            .filter_map(|o| match *o {
                Observation::TaskStateChanged { at, service: AGENT, revision: 0, to: TaskState::Stopping, .. } => {
                    Some(at)
                }
                _ => None,
            })
            .collect();
        assert_eq!(old_stops.len(), 2);
        assert_eq!(old_stops[0] != old_stops[1], one_at_a_time, "{old_stops:?}");
        // Never two agents at once on one instance.
        let mut on: Vec<(TaskId, InstanceId)> = Vec::new();
        let mut live: Vec<TaskId> = Vec::new();
        for o in &observations {
            match *o {
                Observation::TaskPlaced { task, service: AGENT, instance, .. } => {
                    assert!(
                        !live.iter().any(|t| on.iter().any(|p| p.0 == *t && p.1 == instance)),
                        "two agents on {instance:?}"
                    );
                    on.push((task, instance));
                    live.push(task);
                }
                Observation::TaskStateChanged { task, to: TaskState::Stopped, .. } => live.retain(|&t| t != task),
                _ => {}
            }
        }
        assert_eq!(on.len(), 4);
    }
}
