//! EC2 capacity: the Auto Scaling group capacity providers the services name,
//! from `ecs describe-capacity-providers` (managed scaling, termination
//! protection, draining: aws-semantics §5.1) and `autoscaling
//! describe-auto-scaling-groups` (instance type, sizes, zones, Spot: §5.5),
//! as `[[capacity_providers]]`. Pure, like its parent.

use super::{quote, seconds, Builder, Comment, Error, Inputs, Node, ServiceOut, Table, ASSUMED};
use crate::scenario::instance_types;

/// The EC2 capacity a service uses.
#[derive(Clone, Debug)]
pub(super) enum Use<'a> {
    None,
    /// `launchType` EC2: the cluster's instances, outside any capacity provider.
    LaunchType(Node<'a>),
    /// A strategy's Auto Scaling group providers, each with its source.
    Providers(Vec<(String, Node<'a>)>),
}

impl Use<'_> {
    pub(super) fn is_some(&self) -> bool {
        !matches!(self, Use::None)
    }
}

/// One provider to write and what the tasks on it need.
struct Wanted<'a> {
    name: String,
    source: Node<'a>,
    launch_type: bool,
    cpu_units: u32,
    memory_mib: u32,
    arm64: bool,
}

/// The ASG's name from its ARN (`…:autoScalingGroupName/<name>`).
fn asg_name(arn: &str) -> &str {
    arn.rsplit("autoScalingGroupName/").next().unwrap_or(arn)
}

/// `[[capacity_providers]]` for every EC2 provider a service uses, in order of first use.
pub(super) fn map(b: &mut Builder, services: &[ServiceOut], inputs: &Inputs) -> Result<Vec<Table>, Error> {
    let providers = match &inputs.capacity_providers {
        Some(root) => root
            .require("capacityProviders", "describe-capacity-providers output holds `capacityProviders`")?
            .items()?,
        None => Vec::new(),
    };
    let asgs = match &inputs.asgs {
        Some(root) => root
            .require("AutoScalingGroups", "describe-auto-scaling-groups output holds `AutoScalingGroups`")?
            .items()?,
        None => Vec::new(),
    };
    let mut wanted: Vec<Wanted> = Vec::new();
    for s in services {
        let names: Vec<(String, Node, bool)> = match &s.ec2 {
            Use::None => continue,
            Use::Providers(list) => list.iter().map(|(n, node)| (n.clone(), node.clone(), false)).collect(),
            Use::LaunchType(node) => {
                // The launch type names no provider: the one the files describe, if one.
                let name = match (providers.as_slice(), asgs.as_slice()) {
                    ([p], _) => p.require("name", "the capacity provider's name")?.str()?.to_string(),
                    ([], [g]) => g.require("AutoScalingGroupName", "the group's name")?.str()?.to_string(),
                    _ => "ec2".to_string(),
                };
                vec![(name, node.clone(), true)]
            }
        };
        for (name, source, launch_type) in names {
            match wanted.iter_mut().find(|w| w.name == name) {
                Some(w) => {
                    w.cpu_units = w.cpu_units.max(s.cpu_units);
                    w.memory_mib = w.memory_mib.max(s.memory_mib);
                    w.arm64 |= s.arm64;
                }
                None => wanted.push(Wanted {
                    name,
                    source,
                    launch_type,
                    cpu_units: s.cpu_units,
                    memory_mib: s.memory_mib,
                    arm64: s.arm64,
                }),
            }
        }
    }
    if wanted.is_empty() {
        for file in [&inputs.capacity_providers, &inputs.asgs].into_iter().flatten() {
            b.assume(format!("{}: no imported service runs on EC2; not used", file.file));
        }
        return Ok(Vec::new());
    }
    let mut tables = Vec::new();
    for w in &wanted {
        let mut cp = None;
        for p in &providers {
            if p.opt_str("name")?.is_some_and(|(n, _)| n == w.name) {
                cp = Some(p.clone());
            }
        }
        tables.extend(provider(b, w, cp, &asgs, wanted.len())?);
    }
    Ok(tables)
}

/// One provider's table and its managed scaling.
fn provider(b: &mut Builder, w: &Wanted, cp: Option<Node>, asgs: &[Node], count: usize) -> Result<Vec<Table>, Error> {
    let mut t =
        Table::new("capacity_providers", true, cp.as_ref().map_or_else(Comment::default, |cp| cp.source().into()));
    let name_source: Comment = match &cp {
        Some(cp) => cp.require("name", "")?.source().into(),
        None if w.launch_type && w.name == "ec2" => {
            b.assume(
                "[[capacity_providers]] name = \"ec2\" (the EC2 launch type's instances; no provider or group named)",
            );
            ASSUMED.into()
        }
        None => w.source.source().into(),
    };
    t.set("name", quote(&w.name), name_source);
    let asg_provider = cp.as_ref().map(|cp| cp.get("autoScalingGroupProvider")).transpose()?.flatten();
    let group_name = match &asg_provider {
        Some(p) => p.opt_str("autoScalingGroupArn")?.map(|(arn, _)| asg_name(arn).to_string()),
        None => Some(w.name.clone()),
    };
    let mut asg = None;
    for g in asgs {
        let name = g.opt_str("AutoScalingGroupName")?.map(|(n, _)| n);
        if group_name.is_some() && name == group_name.as_deref() {
            asg = Some(g.clone());
        }
    }
    if asg.is_none() && asgs.len() == 1 && count == 1 {
        asg = Some(asgs[0].clone());
    }

    instance_type(b, &mut t, w, asg.as_ref())?;
    match &asg {
        Some(g) => {
            let min = g.require("MinSize", "the group's MinSize")?;
            t.set("min_size", min.u32()?.to_string(), min.source());
            let max = g.require("MaxSize", "the group's MaxSize")?;
            t.set("max_size", max.u32()?.to_string(), max.source());
            if let Some((d, n)) = g.opt_u32("DesiredCapacity")? {
                t.set("desired_capacity", d.to_string(), n.source());
            }
            let zones = g.list("AvailabilityZones")?;
            if !zones.is_empty() {
                let names: Vec<String> = zones.iter().map(|z| z.str().map(quote)).collect::<Result<_, _>>()?;
                let node = g.require("AvailabilityZones", "")?;
                t.set("availability_zones", format!("[{}]", names.join(", ")), node.source());
            }
            spot(b, &mut t, g)?;
        }
        None => {
            t.set("min_size", "1".into(), ASSUMED);
            t.set("max_size", "10".into(), ASSUMED);
            b.assume(format!(
                "[[capacity_providers]] {:?}: min_size = 1, max_size = 10 (its Auto Scaling group is in \
                 `aws autoscaling describe-auto-scaling-groups`: give --auto-scaling-groups)",
                w.name
            ));
        }
    }

    let mut tables = vec![t];
    match &asg_provider {
        Some(p) => {
            let t = &mut tables[0];
            for (json, toml) in [
                ("managedTerminationProtection", "managed_termination_protection"),
                ("managedDraining", "managed_draining"),
            ] {
                if let Some((v, n)) = p.opt_str(json)? {
                    match v {
                        "ENABLED" | "DISABLED" => t.set(toml, (v == "ENABLED").to_string(), n.source()),
                        other => return Err(n.expected(&format!("ENABLED or DISABLED (not {other:?})"))),
                    }
                }
            }
            if let Some(ms) = p.get("managedScaling")? {
                let enabled = ms.opt_str("status")?.is_none_or(|(s, _)| s == "ENABLED");
                if enabled {
                    let mut m = Table::new("capacity_providers.managed_scaling", false, ms.source());
                    for (json, toml) in [
                        ("targetCapacity", "target_capacity"),
                        ("minimumScalingStepSize", "minimum_scaling_step_size"),
                        ("maximumScalingStepSize", "maximum_scaling_step_size"),
                    ] {
                        if let Some((v, n)) = ms.opt_u32(json)? {
                            m.set(toml, v.to_string(), n.source());
                        }
                    }
                    if let Some((v, n)) = ms.opt_u32("instanceWarmupPeriod")? {
                        m.set("instance_warmup_period", seconds(v), n.source());
                    }
                    tables.push(m);
                }
            }
        }
        None if w.launch_type => b.assume(format!(
            "[[capacity_providers]] {:?}: no managed scaling (the EC2 launch type does not scale instances)",
            w.name
        )),
        None => {
            let mut m =
                Table::new("capacity_providers.managed_scaling", false, format!("{ASSUMED}: no --capacity-providers"));
            m.set("target_capacity", "100".into(), ASSUMED);
            tables.push(m);
            b.assume(format!(
                "[[capacity_providers]] {:?}: managed scaling at target capacity 100 (the provider is in \
                 `aws ecs describe-capacity-providers`: give --capacity-providers)",
                w.name
            ));
        }
    }
    Ok(tables)
}

/// The group's instance type: its instances', or its mixed instances policy's
/// overrides; else (a launch template only) the smallest m6i (m6g on ARM64)
/// that holds the largest task, assumed.
fn instance_type(b: &mut Builder, t: &mut Table, w: &Wanted, asg: Option<&Node>) -> Result<(), Error> {
    let mut seen: Vec<(String, Node)> = Vec::new();
    if let Some(g) = asg {
        let overrides = match g.get("MixedInstancesPolicy")? {
            Some(mip) => match mip.get("LaunchTemplate")? {
                Some(lt) => lt.list("Overrides")?,
                None => Vec::new(),
            },
            None => Vec::new(),
        };
        for o in overrides.iter().chain(g.list("Instances")?.iter()) {
            if let Some((ty, n)) = o.opt_str("InstanceType")? {
                if !seen.iter().any(|(s, _)| s == ty) {
                    seen.push((ty.to_string(), n));
                }
            }
        }
    }
    if let Some((ty, n)) = seen.first() {
        if instance_types::lookup(ty).is_none() {
            return Err(n.error(format!("{ty:?} is not in fleetsim's EC2 catalog (prices/ec2_instance_types.csv)")));
        }
        t.set("instance_type", quote(ty), n.source());
        for (other, n) in &seen[1..] {
            b.not_modelled(n, format!("{other}: a group of several instance types is simulated as {ty} alone"));
        }
        return Ok(());
    }
    let family = if w.arm64 { "m6g" } else { "m6i" };
    let sizes = ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"];
    let fits = |name: &str| {
        instance_types::lookup(name).is_some_and(|e| {
            // ECS registers about 97.5 % of the memory (§5.6 model choice).
            e.vcpu * 1024 >= w.cpu_units && u64::from(e.memory_mib) * 975 / 1000 >= u64::from(w.memory_mib)
        })
    };
    let chosen =
        sizes.iter().map(|s| format!("{family}.{s}")).find(|n| fits(n)).unwrap_or_else(|| format!("{family}.16xlarge"));
    t.set("instance_type", quote(&chosen), ASSUMED);
    b.assume(format!(
        "[[capacity_providers]] {:?}: instance_type = {chosen:?}, the smallest {family} that holds the largest task \
         (the launch template holds the real one: `aws ec2 describe-launch-template-versions`)",
        w.name
    ));
    Ok(())
}

/// Spot from the mixed instances policy (§5.5): all Spot, all On-Demand, or noted.
fn spot(b: &mut Builder, t: &mut Table, g: &Node) -> Result<(), Error> {
    let Some(dist) = g.get("MixedInstancesPolicy")?.map(|m| m.get("InstancesDistribution")).transpose()?.flatten()
    else {
        return Ok(());
    };
    let base = dist.opt_u32("OnDemandBaseCapacity")?.map_or(0, |(v, _)| v);
    let above = dist.opt_u32("OnDemandPercentageAboveBaseCapacity")?;
    match (base, above.as_ref().map_or(100, |(v, _)| *v)) {
        (0, 0) => {
            let n = above.map_or_else(|| dist.source(), |(_, n)| n.source());
            t.set("spot", "{}".into(), n.with(" = 0: every instance is Spot"));
        }
        (_, 100) => {}
        (base, pct) => b.not_modelled(
            &dist,
            format!(
                "{base} On-Demand, then {pct} % On-Demand above: a mix fleetsim does not model; simulated as On-Demand"
            ),
        ),
    }
    Ok(())
}
