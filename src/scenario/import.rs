//! `fleetsim import`: the JSON the AWS CLI prints (`ecs describe-task-definition`,
//! `describe-services`, `application-autoscaling describe-scaling-policies` and
//! `describe-scalable-targets`, aws-semantics §15) turned into scenario TOML.
//! Pure: takes the files' text, returns the TOML and its notes; reads and writes nothing.
//!
//! Every value written carries a comment naming the JSON field it came from;
//! every value AWS's configuration does not hold (concurrency, service time,
//! traffic, …) is listed at the top under `# ASSUMED — review:`; every field
//! that would change behaviour but fleetsim cannot honour is listed under
//! `# NOT MODELLED:`. Fields that change nothing (IAM roles, images, logs,
//! secrets, tags, …) and unknown fields are ignored (model choice §15: AWS adds fields).

use serde_json::{Map, Value};
use std::fmt::Write as _;

/// One JSON file: the name errors and comments give it, and its text.
#[derive(Clone, Copy, Debug)]
pub struct JsonFile<'a> {
    pub name: &'a str,
    pub text: &'a str,
}

/// What to import.
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    /// `describe-task-definition` output, or the `register-task-definition --cli-input-json` object.
    pub task_definition: JsonFile<'a>,
    /// `describe-services` output (or one service object).
    pub service: JsonFile<'a>,
    /// `describe-scaling-policies` output.
    pub scaling_policies: Option<JsonFile<'a>>,
    /// `describe-scalable-targets` output.
    pub scalable_targets: Option<JsonFile<'a>>,
    /// Which service, when `describe-services` printed several.
    pub service_name: Option<&'a str>,
}

/// The scenario text and what the user should know about it.
#[derive(Clone, Debug)]
pub struct Imported {
    pub toml: String,
    /// Fields that would change behaviour but fleetsim cannot honour (each names file and field).
    pub not_modelled: Vec<String>,
    /// Values fleetsim had to choose, each as written in the scenario.
    pub assumed: Vec<String>,
}

/// A JSON file that cannot be imported: the file, the field path, what is wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {}{message}", if path.is_empty() { String::new() } else { format!("{path}: ") })]
pub struct Error {
    pub file: String,
    pub path: String,
    pub message: String,
}

/// A value inside a JSON file, with its field path for errors and comments.
#[derive(Clone, Debug)]
struct Node<'a> {
    file: &'a str,
    path: String,
    value: &'a Value,
}

fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("the string {}", Value::String(s.clone())),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

impl<'a> Node<'a> {
    fn root(file: &'a str, value: &'a Value) -> Node<'a> {
        Node { file, path: String::new(), value }
    }

    fn error(&self, message: impl Into<String>) -> Error {
        Error { file: self.file.to_string(), path: self.path.clone(), message: message.into() }
    }

    fn expected(&self, what: &str) -> Error {
        self.error(format!("expected {what}, found {}", describe(self.value)))
    }

    /// `file path`, for comments and notes.
    fn source(&self) -> String {
        format!("{} {}", self.file, self.path)
    }

    fn child_path(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    fn object(&self) -> Result<&'a Map<String, Value>, Error> {
        self.value.as_object().ok_or_else(|| self.expected("an object"))
    }

    /// The field `key`, absent when missing or null.
    fn get(&self, key: &str) -> Result<Option<Node<'a>>, Error> {
        Ok(self.object()?.get(key).filter(|v| !v.is_null()).map(|value| Node {
            file: self.file,
            path: self.child_path(key),
            value,
        }))
    }

    fn require(&self, key: &str, why: &str) -> Result<Node<'a>, Error> {
        self.get(key)?.ok_or_else(|| Error {
            file: self.file.to_string(),
            path: self.child_path(key),
            message: format!("missing: {why}"),
        })
    }

    fn items(&self) -> Result<Vec<Node<'a>>, Error> {
        let items = self.value.as_array().ok_or_else(|| self.expected("an array"))?;
        Ok(items
            .iter()
            .enumerate()
            .map(|(i, value)| Node { file: self.file, path: format!("{}[{i}]", self.path), value })
            .collect())
    }

    /// The array at `key`, empty when missing.
    fn list(&self, key: &str) -> Result<Vec<Node<'a>>, Error> {
        self.get(key)?.map_or(Ok(Vec::new()), |n| n.items())
    }

    fn str(&self) -> Result<&'a str, Error> {
        self.value.as_str().ok_or_else(|| self.expected("a string"))
    }

    fn bool(&self) -> Result<bool, Error> {
        self.value.as_bool().ok_or_else(|| self.expected("true or false"))
    }

    /// A whole number, written as a number or a numeric string (model choice §15).
    fn u32(&self) -> Result<u32, Error> {
        let parsed = match self.value {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.trim().parse::<u64>().ok(),
            _ => None,
        };
        parsed.and_then(|v| u32::try_from(v).ok()).ok_or_else(|| self.expected("a whole number"))
    }

    fn f64(&self) -> Result<f64, Error> {
        let parsed = match self.value {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse::<f64>().ok(),
            _ => None,
        };
        parsed.filter(|v| v.is_finite()).ok_or_else(|| self.expected("a number"))
    }

    fn opt_str(&self, key: &str) -> Result<Option<(&'a str, Node<'a>)>, Error> {
        self.get(key)?.map(|n| Ok((n.str()?, n))).transpose()
    }

    fn opt_u32(&self, key: &str) -> Result<Option<(u32, Node<'a>)>, Error> {
        self.get(key)?.map(|n| Ok((n.u32()?, n))).transpose()
    }

    fn opt_bool(&self, key: &str) -> Result<Option<(bool, Node<'a>)>, Error> {
        self.get(key)?.map(|n| Ok((n.bool()?, n))).transpose()
    }

    /// Task CPU: `"512"`, `512` or `"0.5 vCPU"`.
    fn cpu_units(&self) -> Result<u32, Error> {
        const WHAT: &str = "a string or number of CPU units (\"512\" or \"0.5 vCPU\")";
        let units = match self.value {
            Value::Number(n) => n.as_u64().and_then(|v| u32::try_from(v).ok()),
            Value::String(s) => {
                let s = s.trim();
                match s.parse::<u32>() {
                    Ok(v) => Some(v),
                    Err(_) => {
                        let lower = s.to_ascii_lowercase();
                        lower.strip_suffix("vcpu").and_then(|v| v.trim().parse::<f64>().ok()).and_then(whole_1024)
                    }
                }
            }
            _ => None,
        };
        units.ok_or_else(|| self.expected(WHAT))
    }

    /// Task memory: `"2048"`, `2048` or `"2 GB"` (MiB; 1 GB = 1024 MiB as ECS counts).
    fn memory_mib(&self) -> Result<u32, Error> {
        const WHAT: &str = "a string or number of MiB (\"2048\" or \"2 GB\")";
        let mib = match self.value {
            Value::Number(n) => n.as_u64().and_then(|v| u32::try_from(v).ok()),
            Value::String(s) => {
                let s = s.trim();
                match s.parse::<u32>() {
                    Ok(v) => Some(v),
                    Err(_) => {
                        let lower = s.to_ascii_lowercase();
                        if let Some(gb) = lower.strip_suffix("gib").or_else(|| lower.strip_suffix("gb")) {
                            gb.trim().parse::<f64>().ok().and_then(whole_1024)
                        } else {
                            lower
                                .strip_suffix("mib")
                                .or_else(|| lower.strip_suffix("mb"))
                                .and_then(|mb| mb.trim().parse::<u32>().ok())
                        }
                    }
                }
            }
            _ => None,
        };
        mib.ok_or_else(|| self.expected(WHAT))
    }
}

/// `x × 1024` when that is a whole number that fits.
fn whole_1024(x: f64) -> Option<u32> {
    let v = x * 1024.0;
    (v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v <= f64::from(u32::MAX)).then_some(v as u32)
}

/// A TOML basic string.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn seconds(s: u32) -> String {
    quote(&format!("{s}s"))
}

/// A float as TOML writes it (always with a point).
fn float(v: f64) -> String {
    let s = format!("{v}");
    if s.contains('.') || s.contains('e') || s.contains("inf") || s.contains("NaN") {
        s
    } else {
        format!("{s}.0")
    }
}

/// `key = value   # comment`.
#[derive(Clone, Debug)]
struct Entry {
    key: String,
    value: String,
    comment: String,
}

/// A TOML table: `[header]` (or `[[header]]`) and its entries.
#[derive(Clone, Debug)]
struct Table {
    header: String,
    array: bool,
    comment: String,
    entries: Vec<Entry>,
}

impl Table {
    fn new(header: &str, array: bool, comment: impl Into<String>) -> Table {
        Table { header: header.to_string(), array, comment: comment.into(), entries: Vec::new() }
    }

    fn set(&mut self, key: &str, value: String, comment: impl Into<String>) {
        self.entries.push(Entry { key: key.to_string(), value, comment: comment.into() });
    }

    fn render(&self, out: &mut String) {
        let header = if self.array { format!("[[{}]]", self.header) } else { format!("[{}]", self.header) };
        write_line(out, &header, &self.comment);
        for e in &self.entries {
            write_line(out, &format!("{} = {}", e.key, e.value), &e.comment);
        }
    }
}

const COMMENT_COLUMN: usize = 40;

fn write_line(out: &mut String, code: &str, comment: &str) {
    if comment.is_empty() {
        let _ = writeln!(out, "{code}");
    } else {
        let pad = COMMENT_COLUMN.saturating_sub(code.chars().count()).max(1);
        let _ = writeln!(out, "{code}{:pad$}# {}", "", comment_text(comment));
    }
}

/// Text for a TOML comment: a JSON value or a file name with a line break
/// in it must not end the comment and write TOML of its own.
fn comment_text(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { '?' } else { c }).collect()
}

/// Whatever builds up while mapping: tables in output order, notes.
struct Builder {
    top: Table,
    tables: Vec<Table>,
    not_modelled: Vec<String>,
    assumed: Vec<String>,
}

impl Builder {
    fn not_modelled(&mut self, node: &Node, what: impl std::fmt::Display) {
        self.not_modelled.push(format!("{}: {what}", node.source()));
    }

    fn assume(&mut self, what: impl Into<String>) {
        self.assumed.push(what.into());
    }
}

const ASSUMED: &str = "ASSUMED — review";

fn parse_json<'a>(file: &JsonFile<'a>) -> Result<Value, Error> {
    serde_json::from_str(file.text).map_err(|e| Error {
        file: file.name.to_string(),
        path: String::new(),
        message: format!("not JSON: {e}"),
    })
}

/// Turns the AWS CLI's JSON into scenario TOML.
pub fn import(request: &Request) -> Result<Imported, Error> {
    let td_doc = parse_json(&request.task_definition)?;
    let svc_doc = parse_json(&request.service)?;
    let policies_doc = request.scaling_policies.as_ref().map(parse_json).transpose()?;
    let targets_doc = request.scalable_targets.as_ref().map(parse_json).transpose()?;

    let td_root = Node::root(request.task_definition.name, &td_doc);
    let td = match td_root.get("taskDefinition")? {
        Some(inner) => inner,
        None => td_root,
    };
    td.object().map_err(|_| {
        td.error(format!(
            "expected describe-task-definition output ({{\"taskDefinition\": {{…}}}}) or a task definition object, found {}",
            describe(td.value)
        ))
    })?;
    let svc = pick_service(Node::root(request.service.name, &svc_doc), request.service_name)?;

    let mut b =
        Builder { top: Table::new("", false, ""), tables: Vec::new(), not_modelled: Vec::new(), assumed: Vec::new() };

    let (name, name_node) = svc.opt_str("serviceName")?.ok_or_else(|| Error {
        file: svc.file.to_string(),
        path: svc.child_path("serviceName"),
        message: "missing: the service's name".into(),
    })?;
    b.top.set("name", quote(name), name_node.source());
    b.top.set("seed", "1".into(), ASSUMED);
    b.assume("seed = 1 (any seed; `fleetsim run --seed N` changes it)");
    b.top.set("duration", quote("6h"), ASSUMED);
    b.assume("duration = \"6h\" (simulated time)");
    region(&mut b, &td, &svc)?;

    let load_balancers = svc.list("loadBalancers")?;
    let mut service = Table::new("service", false, svc.source());
    service.set("name", quote(name), name_node.source());
    let targets = targets_doc.as_ref().zip(request.scalable_targets).map(|(v, f)| Node::root(f.name, v));
    let policies = policies_doc.as_ref().zip(request.scaling_policies).map(|(v, f)| Node::root(f.name, v));
    let (desired, scaling) = map_scaling(&mut b, &mut service, &svc, name, targets, policies)?;
    map_service(&mut b, &mut service, &svc, &load_balancers)?;
    let main_container = map_task_definition(&mut b, &mut service, &td, &load_balancers)?;
    map_assumed_service(&mut b, &mut service, &td)?;

    let mut head = Vec::new();
    if !load_balancers.is_empty() {
        // AWS's configuration says nothing of the traffic.
        let rate = f64::from(desired.max(1)) * 10.0;
        let mut traffic = Table::new("traffic", false, format!("{ASSUMED}: a placeholder; replace with your traffic"));
        traffic.set("kind", quote("constant"), ASSUMED);
        traffic.set("rate_per_second", float(rate), ASSUMED);
        b.assume(format!(
            "[traffic] kind = \"constant\", rate_per_second = {} (10 per task: a placeholder for your traffic)",
            float(rate)
        ));
        b.assume(
            "[load_balancer]: AWS's defaults (health check, deregistration delay, idle timeout): target groups are not imported yet",
        );
        head.push(traffic);
    }
    head.push(service);
    // Sub-tables after the service's own keys.
    head.append(&mut b.tables);
    b.tables = head;
    if let Some(container) = main_container {
        map_container_health_check(&mut b, &container)?;
    }
    map_deployment_configuration(&mut b, &svc)?;
    map_placement(&mut b, &svc)?;
    b.tables.extend(scaling);
    Ok(render(b, request))
}

/// The one service of `describe-services`, or the one named.
fn pick_service<'a>(root: Node<'a>, wanted: Option<&str>) -> Result<Node<'a>, Error> {
    root.object().map_err(|_| {
        root.error(format!(
            "expected describe-services output ({{\"services\": […]}}) or a service object, found {}",
            describe(root.value)
        ))
    })?;
    let Some(services) = root.get("services")? else {
        if root.get("serviceName")?.is_some() {
            return Ok(root);
        }
        return Err(root.error("expected describe-services output: no `services` array and no `serviceName`"));
    };
    let services = services.items()?;
    let mut names = Vec::new();
    for s in &services {
        names.push(s.require("serviceName", "the service's name")?.str()?);
    }
    match wanted {
        Some(wanted) => match names.iter().position(|n| *n == wanted) {
            Some(i) => Ok(services[i].clone()),
            None => Err(Error {
                file: root.file.to_string(),
                path: "services".into(),
                message: format!("no service named {wanted:?} (found: {})", list_or_none(&names)),
            }),
        },
        None => match services.len() {
            1 => Ok(services[0].clone()),
            0 => {
                let reason = root
                    .list("failures")?
                    .first()
                    .and_then(|f| {
                        f.value.get("reason").and_then(Value::as_str).map(|r| format!(" (failures[0].reason: {r})"))
                    })
                    .unwrap_or_default();
                Err(Error {
                    file: root.file.to_string(),
                    path: "services".into(),
                    message: format!("empty: describe-services found no service{reason}"),
                })
            }
            n => Err(Error {
                file: root.file.to_string(),
                path: "services".into(),
                message: format!("{n} services ({}); choose one with --service-name", names.join(", ")),
            }),
        },
    }
}

fn list_or_none(names: &[&str]) -> String {
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

/// The region from an ARN (`arn:aws:ecs:us-east-1:…`).
fn region(b: &mut Builder, td: &Node, svc: &Node) -> Result<(), Error> {
    for (node, key) in [(svc, "serviceArn"), (td, "taskDefinitionArn")] {
        if let Some((arn, n)) = node.opt_str(key)? {
            if let Some(region) = arn.split(':').nth(3).filter(|r| !r.is_empty()) {
                b.top.set("region", quote(region), format!("{} (the ARN's region)", n.source()));
                return Ok(());
            }
        }
    }
    b.top.set("region", quote("us-east-1"), ASSUMED);
    b.assume("region = \"us-east-1\" (no ARN names one)");
    Ok(())
}

/// The service's own fields: launch type or strategy, grace period, public IP, load balancers, scheduling.
fn map_service(b: &mut Builder, service: &mut Table, svc: &Node, lbs: &[Node]) -> Result<(), Error> {
    if let Some((strategy, node)) = svc.opt_str("schedulingStrategy")? {
        if strategy == "DAEMON" {
            b.not_modelled(
                &node,
                "DAEMON (one task per EC2 instance, aws-semantics §13.3): simulated as a REPLICA service at desiredCount",
            );
        }
    }
    if let Some(controller) = svc.get("deploymentController")? {
        if let Some((kind, node)) = controller.opt_str("type")? {
            match kind {
                "ECS" => {}
                "EXTERNAL" => b.not_modelled(
                    &node,
                    "EXTERNAL (task sets managed by a third-party controller): simulated as the ECS rolling controller",
                ),
                other => b.not_modelled(
                    &node,
                    format!(
                        "{other}: the CodeDeploy deployment group's configuration is not in describe-services; \
                         simulated as the ECS rolling controller (set deployment_configuration.code_deploy by hand)"
                    ),
                ),
            }
        }
    }

    let strategy = svc.list("capacityProviderStrategy")?;
    if !strategy.is_empty() {
        let mut tables = Vec::new();
        for item in &strategy {
            let (provider, provider_node) = item.opt_str("capacityProvider")?.ok_or_else(|| Error {
                file: item.file.to_string(),
                path: item.child_path("capacityProvider"),
                message: "missing: the capacity provider's name".into(),
            })?;
            if provider != "FARGATE" && provider != "FARGATE_SPOT" {
                return Err(provider_node.error(format!(
                    "capacity provider {provider:?}: only FARGATE and FARGATE_SPOT can be imported yet \
                     (an Auto Scaling group provider needs its instance type: write [[capacity_providers]] by hand)"
                )));
            }
            let mut t = Table::new("service.capacity_provider_strategy", true, item.source());
            t.set("capacity_provider", quote(provider), provider_node.source());
            if let Some((base, n)) = item.opt_u32("base")? {
                t.set("base", base.to_string(), n.source());
            }
            if let Some((weight, n)) = item.opt_u32("weight")? {
                t.set("weight", weight.to_string(), n.source());
            }
            tables.push(t);
        }
        // Arrays of tables go after the service's own keys: kept aside, appended last.
        b.tables.extend(tables);
    } else if let Some((launch, node)) = svc.opt_str("launchType")? {
        match launch {
            "FARGATE" => service.set("launch_type", quote("FARGATE"), node.source()),
            "EC2" => {
                return Err(node.error(
                    "EC2: importing an EC2 service needs its Auto Scaling group's instance type, not in describe-services; \
                     not supported yet (write [[capacity_providers]] by hand)",
                ))
            }
            other => {
                b.not_modelled(&node, format!("{other}: simulated on FARGATE"));
                service.set("launch_type", quote("FARGATE"), format!("{ASSUMED} ({} is {other})", node.source()));
            }
        }
    } else {
        service.set("launch_type", quote("FARGATE"), ASSUMED);
        b.assume("launch_type = \"FARGATE\" (the service names neither launchType nor capacityProviderStrategy: the cluster's default strategy is not imported)");
    }

    if let Some((grace, node)) = svc.opt_u32("healthCheckGracePeriodSeconds")? {
        service.set("health_check_grace_period", seconds(grace), node.source());
    }
    if let Some(net) = svc.get("networkConfiguration")? {
        if let Some(vpc) = net.get("awsvpcConfiguration")? {
            if let Some((assign, node)) = vpc.opt_str("assignPublicIp")? {
                service.set("assign_public_ip", (assign == "ENABLED").to_string(), node.source());
            }
        }
    }
    match lbs {
        [] => {
            let node = Node { file: svc.file, path: svc.child_path("loadBalancers"), value: &Value::Null };
            service.set("load_balanced", "false".into(), format!("{} is empty", node.source()));
        }
        [first, rest @ ..] => {
            let node = Node { file: svc.file, path: svc.child_path("loadBalancers"), value: first.value };
            service.set("load_balanced", "true".into(), node.source());
            for extra in rest {
                b.not_modelled(extra, "a second target group: fleetsim registers a service with one");
            }
        }
    }
    Ok(())
}

/// Task size, platform and the main container; returns the container whose health check applies.
fn map_task_definition<'a>(
    b: &mut Builder,
    service: &mut Table,
    td: &Node<'a>,
    lbs: &[Node],
) -> Result<Option<Node<'a>>, Error> {
    let fargate = "a Fargate task needs task-level cpu and memory (aws-semantics §4.1)";
    let cpu = td.require("cpu", fargate)?;
    service.set("cpu", cpu.cpu_units()?.to_string(), cpu.source());
    let memory = td.require("memory", fargate)?;
    service.set("memory", memory.memory_mib()?.to_string(), memory.source());
    if let Some(platform) = td.get("runtimePlatform")? {
        if let Some((arch, node)) = platform.opt_str("cpuArchitecture")? {
            match arch {
                "X86_64" | "ARM64" => service.set("cpu_architecture", quote(arch), node.source()),
                _ => return Err(node.error(format!("expected \"X86_64\" or \"ARM64\", found {arch:?}"))),
            }
        }
        if let Some((os, node)) = platform.opt_str("operatingSystemFamily")? {
            if os != "LINUX" {
                b.not_modelled(&node, format!("{os}: fleetsim prices and starts tasks as Linux"));
            }
        }
    }
    if let Some(storage) = td.get("ephemeralStorage")? {
        if let Some((gib, node)) = storage.opt_u32("sizeInGiB")? {
            service.set("ephemeral_storage_gib", gib.to_string(), node.source());
        }
    }
    for constraint in td.list("placementConstraints")? {
        b.not_modelled(&constraint, "a task placement constraint (EC2 only; fleetsim imports Fargate services)");
    }

    let containers = td.list("containerDefinitions")?;
    let lb_container = match lbs.first() {
        Some(lb) => lb.opt_str("containerName")?.map(|(n, _)| n),
        None => None,
    };
    let mut main = None;
    let mut essentials = Vec::new();
    for c in &containers {
        let essential = c.opt_bool("essential")?.is_none_or(|(e, _)| e); // AWS's default: essential
        let name = c.opt_str("name")?.map(|(n, _)| n);
        if lb_container.is_some() && name == lb_container {
            main = Some(c.clone());
        }
        if essential {
            essentials.push(c.clone());
        }
        for dep in c.list("dependsOn")? {
            b.not_modelled(&dep, "container start order: fleetsim starts a task's containers together");
        }
    }
    let main = main.or_else(|| essentials.first().cloned());
    if let Some(m) = &main {
        if let Some((stop, node)) = m.opt_u32("stopTimeout")? {
            service.set("stop_timeout", seconds(stop), node.source());
        }
        for other in essentials.iter().filter(|c| c.path != m.path) {
            if let Some(hc) = other.get("healthCheck")? {
                b.not_modelled(
                    &hc,
                    "the health check of a second essential container: fleetsim checks one container per task",
                );
            }
        }
    }
    Ok(main)
}

/// `desiredCount`, moved into the scalable target's bounds as Application Auto
/// Scaling does (aws-semantics §1.1), and the service's scaling tables.
fn map_scaling(
    b: &mut Builder,
    service: &mut Table,
    svc: &Node,
    name: &str,
    targets: Option<Node>,
    policies: Option<Node>,
) -> Result<(u32, Vec<Table>), Error> {
    let (mut count, count_node) = svc.opt_u32("desiredCount")?.ok_or_else(|| Error {
        file: svc.file.to_string(),
        path: svc.child_path("desiredCount"),
        message: "missing: the service's desired count".into(),
    })?;
    let resource_suffix = format!("/{name}");
    let for_service = |node: &Node| -> Result<bool, Error> {
        let resource = node.opt_str("ResourceId")?.map(|(r, _)| r);
        let dimension = node.opt_str("ScalableDimension")?.map(|(d, _)| d);
        Ok(resource.is_some_and(|r| r.starts_with("service/") && r.ends_with(&resource_suffix))
            && dimension.is_none_or(|d| d == "ecs:service:DesiredCount"))
    };

    let mut bounds = None;
    if let Some(root) = &targets {
        let all = root.require("ScalableTargets", "describe-scalable-targets output holds `ScalableTargets`")?;
        let mut found = None;
        let mut seen = Vec::new();
        for t in all.items()? {
            if for_service(&t)? {
                found = Some(t);
                break;
            }
            seen.extend(t.opt_str("ResourceId")?.map(|(r, _)| r));
        }
        let t = found.ok_or_else(|| Error {
            file: all.file.to_string(),
            path: all.path.clone(),
            message: format!(
                "no scalable target ecs:service:DesiredCount of service/…/{name} (found: {})",
                list_or_none(&seen)
            ),
        })?;
        let min = t.require("MinCapacity", "the scalable target's MinCapacity")?;
        let max = t.require("MaxCapacity", "the scalable target's MaxCapacity")?;
        if let Some(suspended) = t.get("SuspendedState")? {
            for key in ["DynamicScalingInSuspended", "DynamicScalingOutSuspended", "ScheduledScalingSuspended"] {
                if let Some((true, n)) = suspended.opt_bool(key)? {
                    b.not_modelled(&n, "suspended scaling: simulated as not suspended");
                }
            }
        }
        bounds = Some((min.u32()?, min.source(), max.u32()?, max.source()));
    }

    let mut policy_tables = Vec::new();
    if let Some(root) = &policies {
        let all = root.require("ScalingPolicies", "describe-scaling-policies output holds `ScalingPolicies`")?;
        for p in all.items()? {
            if !for_service(&p)? {
                continue;
            }
            let kind = p.require("PolicyType", "the policy's type")?;
            match kind.str()? {
                "TargetTrackingScaling" => {
                    if let Some(t) = target_tracking(b, &p)? {
                        policy_tables.push(t);
                    }
                }
                "StepScaling" => b.not_modelled(
                    &p,
                    "a StepScaling policy: its alarm's metric, threshold and periods are in cloudwatch describe-alarms, \
                     not imported yet (write [[service.auto_scaling.step_scaling]] by hand)",
                ),
                other => b.not_modelled(&kind, format!("{other}: not modelled")),
            }
        }
        if policy_tables.is_empty() && b.not_modelled.iter().all(|n| !n.starts_with(all.file)) {
            b.assume(format!("no scaling policy in {} is for service {name}: none imported", all.file));
        }
    }

    let mut tables = Vec::new();
    if bounds.is_some() || !policy_tables.is_empty() {
        let mut t = Table::new("service.auto_scaling", false, "");
        let (min, max) = match bounds {
            Some((min, min_source, max, max_source)) => {
                t.comment =
                    format!("{} and its policies", targets.as_ref().map_or(String::new(), |n| n.file.to_string()));
                t.set("min_capacity", min.to_string(), min_source);
                t.set("max_capacity", max.to_string(), max_source);
                (min, max)
            }
            None => {
                let (min, max) = (count.max(1), count.max(1) * 2);
                t.comment = format!("{ASSUMED}: no --scalable-targets");
                t.set("min_capacity", min.to_string(), ASSUMED);
                t.set("max_capacity", max.to_string(), ASSUMED);
                b.assume(format!(
                    "auto_scaling min_capacity = {min}, max_capacity = {max} (desiredCount and twice it: give --scalable-targets)"
                ));
                (min, max)
            }
        };
        tables.push(t);
        tables.extend(policy_tables);
        if min <= max && !(min..=max).contains(&count) {
            let clamped = count.clamp(min, max);
            service.set(
                "desired_count",
                clamped.to_string(),
                format!(
                    "{} = {count}, moved into [{min}, {max}] as Application Auto Scaling does",
                    count_node.source()
                ),
            );
            count = clamped;
            return Ok((count, tables));
        }
    }
    service.set("desired_count", count.to_string(), count_node.source());
    Ok((count, tables))
}

/// One `TargetTrackingScaling` policy, or a note when its metric is not one fleetsim publishes.
fn target_tracking(b: &mut Builder, policy: &Node) -> Result<Option<Table>, Error> {
    let cfg =
        policy.require("TargetTrackingScalingPolicyConfiguration", "a TargetTrackingScaling policy's configuration")?;
    let Some(predefined) = cfg.get("PredefinedMetricSpecification")? else {
        let custom = cfg.get("CustomizedMetricSpecification")?;
        b.not_modelled(
            custom.as_ref().unwrap_or(&cfg),
            "a target tracking policy on a custom metric: fleetsim publishes only ECS's and the ALB's predefined metrics",
        );
        return Ok(None);
    };
    let metric = predefined.require("PredefinedMetricType", "the predefined metric")?;
    let metric_name = metric.str()?;
    const KNOWN: [&str; 5] = [
        "ECSServiceAverageCPUUtilization",
        "ECSServiceAverageMemoryUtilization",
        "ALBRequestCountPerTarget",
        "ECSServiceAverageCPUUtilizationHighResolution",
        "ECSServiceAverageMemoryUtilizationHighResolution",
    ];
    if !KNOWN.contains(&metric_name) {
        b.not_modelled(&metric, format!("{metric_name}: not a metric fleetsim publishes"));
        return Ok(None);
    }
    let mut t = Table::new("service.auto_scaling.target_tracking", true, policy.source());
    if let Some((name, n)) = policy.opt_str("PolicyName")? {
        t.set("name", quote(name), n.source());
    }
    t.set("predefined_metric_type", quote(metric_name), metric.source());
    let target = cfg.require("TargetValue", "the policy's target value")?;
    t.set("target_value", float(target.f64()?), target.source());
    for (json, toml) in [("ScaleOutCooldown", "scale_out_cooldown"), ("ScaleInCooldown", "scale_in_cooldown")] {
        if let Some((s, n)) = cfg.opt_u32(json)? {
            t.set(toml, seconds(s), n.source());
        }
    }
    if let Some((disable, n)) = cfg.opt_bool("DisableScaleIn")? {
        t.set("disable_scale_in", disable.to_string(), n.source());
    }
    Ok(Some(t))
}

/// What AWS's configuration does not hold, each listed under ASSUMED.
fn map_assumed_service(b: &mut Builder, service: &mut Table, td: &Node) -> Result<(), Error> {
    let cpu_units = td.require("cpu", "task cpu")?.cpu_units()?;
    let concurrency = 10u32;
    service.set("concurrency", concurrency.to_string(), ASSUMED);
    b.assume(format!("concurrency = {concurrency} (requests a task serves at once)"));
    service.set("queue_limit", "100".into(), ASSUMED);
    b.assume("queue_limit = 100 (requests that may wait in a task; more get 502)");
    let median = "50ms";
    let p99 = "500ms";
    service.set(
        "service_time",
        format!("{{ distribution = \"lognormal\", median = {}, p99 = {} }}", quote(median), quote(p99)),
        ASSUMED,
    );
    b.assume(format!(
        "service_time = lognormal, median {median}, p99 {p99} (a request's time in service; fit it from your access logs)"
    ));
    let vcpu_per_request = f64::from(cpu_units) / 1024.0 / f64::from(concurrency);
    service.set("vcpu_per_request", float(vcpu_per_request), ASSUMED);
    b.assume(format!(
        "vcpu_per_request = {} (the task's vCPU over its concurrency: CPU reaches 100 % with every slot busy)",
        float(vcpu_per_request)
    ));
    service.set("startup_time", "{ distribution = \"uniform\", min = \"30s\", max = \"60s\" }".into(), ASSUMED);
    b.assume("startup_time = uniform 30–60 s (launch to RUNNING, aws-semantics §4.5)");
    service.set("warm_start", "true".into(), ASSUMED);
    b.assume("warm_start = true (the service is running when the simulation starts)");
    Ok(())
}

/// The main container's `healthCheck` as `[service.container_health_check]`.
fn map_container_health_check(b: &mut Builder, container: &Node) -> Result<(), Error> {
    let Some(hc) = container.get("healthCheck")? else {
        return Ok(());
    };
    let mut t = Table::new("service.container_health_check", false, hc.source());
    for (json, toml) in [("interval", "interval"), ("timeout", "timeout"), ("startPeriod", "start_period")] {
        if let Some((s, n)) = hc.opt_u32(json)? {
            t.set(toml, seconds(s), n.source());
        }
    }
    if let Some((retries, n)) = hc.opt_u32("retries")? {
        t.set("retries", retries.to_string(), n.source());
    }
    b.tables.push(t);
    Ok(())
}

/// `deploymentConfiguration`: rolling percentages, circuit breaker, ECS's own strategies.
fn map_deployment_configuration(b: &mut Builder, svc: &Node) -> Result<(), Error> {
    let Some(dc) = svc.get("deploymentConfiguration")? else {
        return Ok(());
    };
    let mut t = Table::new("service.deployment_configuration", false, dc.source());
    if let Some((v, n)) = dc.opt_u32("minimumHealthyPercent")? {
        t.set("minimum_healthy_percent", v.to_string(), n.source());
    }
    if let Some((v, n)) = dc.opt_u32("maximumPercent")? {
        t.set("maximum_percent", v.to_string(), n.source());
    }
    if let Some((strategy, n)) = dc.opt_str("strategy")? {
        match strategy {
            "ROLLING" | "BLUE_GREEN" | "LINEAR" | "CANARY" => t.set("strategy", quote(strategy), n.source()),
            other => b.not_modelled(&n, format!("{other}: simulated as ROLLING")),
        }
    }
    if let Some((v, n)) = dc.opt_u32("bakeTimeInMinutes")? {
        t.set("bake_time_in_minutes", v.to_string(), n.source());
    }
    if let Some(alarms) = dc.get("alarms")? {
        if alarms.opt_bool("enable")?.is_some_and(|(e, _)| e) {
            b.not_modelled(&alarms, "deployment alarms (CloudWatch alarms are not imported): no alarm-based rollback");
        }
    }
    for hook in dc.list("lifecycleHooks")? {
        b.not_modelled(&hook, "a deployment lifecycle hook (a Lambda function): not run");
    }
    let mut tables = vec![t];
    if let Some(cb) = dc.get("deploymentCircuitBreaker")? {
        let mut t = Table::new("service.deployment_configuration.deployment_circuit_breaker", false, cb.source());
        let enable = cb.require("enable", "deploymentCircuitBreaker.enable")?;
        t.set("enable", enable.bool()?.to_string(), enable.source());
        let rollback = cb.require("rollback", "deploymentCircuitBreaker.rollback")?;
        t.set("rollback", rollback.bool()?.to_string(), rollback.source());
        tables.push(t);
    }
    for (json, header, fields) in [
        (
            "linearConfiguration",
            "linear_configuration",
            [("stepPercent", "step_percent", true), ("stepBakeTimeInMinutes", "step_bake_time_in_minutes", false)],
        ),
        (
            "canaryConfiguration",
            "canary_configuration",
            [
                ("canaryPercent", "canary_percent", true),
                ("canaryBakeTimeInMinutes", "canary_bake_time_in_minutes", false),
            ],
        ),
    ] {
        if let Some(c) = dc.get(json)? {
            let mut t = Table::new(&format!("service.deployment_configuration.{header}"), false, c.source());
            for (key, toml, is_float) in fields {
                if let Some(n) = c.get(key)? {
                    let value = if is_float { float(n.f64()?) } else { n.u32()?.to_string() };
                    t.set(toml, value, n.source());
                }
            }
            tables.push(t);
        }
    }
    b.tables.extend(tables);
    Ok(())
}

/// Placement strategies and constraints: EC2 only, so a Fargate import notes them.
fn map_placement(b: &mut Builder, svc: &Node) -> Result<(), Error> {
    for item in svc.list("placementStrategy")?.iter().chain(svc.list("placementConstraints")?.iter()) {
        b.not_modelled(item, "placement applies on EC2 only; fleetsim imports Fargate services");
    }
    Ok(())
}

fn render(b: Builder, request: &Request) -> Imported {
    let mut out = String::new();
    let mut files = vec![request.task_definition.name, request.service.name];
    files.extend(request.scaling_policies.map(|f| f.name));
    files.extend(request.scalable_targets.map(|f| f.name));
    let _ = writeln!(out, "# Imported by `fleetsim import` from {}.", comment_text(&files.join(", ")));
    let _ = writeln!(out, "# Each value's comment names the JSON field it came from.");
    if !b.not_modelled.is_empty() {
        let _ = writeln!(out, "#");
        let _ = writeln!(out, "# NOT MODELLED: (these would change behaviour; fleetsim cannot honour them)");
        for note in &b.not_modelled {
            let _ = writeln!(out, "#   - {}", comment_text(note));
        }
    }
    let _ = writeln!(out, "#");
    let _ = writeln!(out, "# {ASSUMED}: (AWS's configuration does not hold these; each is set below)");
    for note in &b.assumed {
        let _ = writeln!(out, "#   - {}", comment_text(note));
    }
    let _ = writeln!(out);
    for e in &b.top.entries {
        write_line(&mut out, &format!("{} = {}", e.key, e.value), &e.comment);
    }
    for t in &b.tables {
        let _ = writeln!(out);
        t.render(&mut out);
    }
    Imported { toml: out, not_modelled: b.not_modelled, assumed: b.assumed }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(value: &Value) -> Node<'_> {
        Node { file: "td.json", path: "taskDefinition.cpu".into(), value }
    }

    #[test]
    fn task_sizes_as_aws_writes_them() {
        for (json, units) in [("\"512\"", 512), ("512", 512), ("\"1 vCPU\"", 1024), ("\"0.25 vcpu\"", 256)] {
            let v: Value = serde_json::from_str(json).unwrap();
            assert_eq!(node(&v).cpu_units(), Ok(units), "{json}");
        }
        for (json, mib) in [("\"2048\"", 2048), ("\"2 GB\"", 2048), ("\"0.5GB\"", 512), ("\"512 MiB\"", 512)] {
            let v: Value = serde_json::from_str(json).unwrap();
            assert_eq!(node(&v).memory_mib(), Ok(mib), "{json}");
        }
        let v = Value::Bool(true);
        assert_eq!(
            node(&v).cpu_units().unwrap_err().to_string(),
            "td.json: taskDefinition.cpu: expected a string or number of CPU units (\"512\" or \"0.5 vCPU\"), found true"
        );
        let v: Value = serde_json::from_str("\"0.1 vCPU\"").unwrap();
        assert!(node(&v).cpu_units().is_err(), "102.4 units is not a whole number");
    }

    #[test]
    fn comments_cannot_break_out() {
        let mut out = String::new();
        write_line(&mut out, "x = 1", "from \"WINDOWS\nstart_time = 1\n#\"");
        assert_eq!(out.lines().count(), 1, "{out}");
    }

    #[test]
    fn toml_strings_are_escaped() {
        assert_eq!(quote("a\"b\\c\n"), "\"a\\\"b\\\\c\\u000A\"");
        assert_eq!(float(60.0), "60.0");
        assert_eq!(float(0.1), "0.1");
    }
}
