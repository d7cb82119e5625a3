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

mod ec2;
mod elb;
mod scaling;

use serde_json::{Map, Value};
use std::fmt::Write as _;

/// One JSON file: the name errors and comments give it, and its text.
#[derive(Clone, Copy, Debug)]
pub struct JsonFile<'a> {
    pub name: &'a str,
    pub text: &'a str,
}

/// What to import. Every file is optional but a task definition and a service.
#[derive(Clone, Debug, Default)]
pub struct Request<'a> {
    /// `describe-task-definition` outputs, or `register-task-definition --cli-input-json` objects.
    pub task_definitions: Vec<JsonFile<'a>>,
    /// `describe-services` outputs (or single service objects).
    pub services: Vec<JsonFile<'a>>,
    /// `describe-scaling-policies` output.
    pub scaling_policies: Option<JsonFile<'a>>,
    /// `describe-scalable-targets` output.
    pub scalable_targets: Option<JsonFile<'a>>,
    /// `application-autoscaling describe-scheduled-actions` output.
    pub scheduled_actions: Option<JsonFile<'a>>,
    /// `cloudwatch describe-alarms` output: step policies' and deployments' alarms.
    pub alarms: Option<JsonFile<'a>>,
    /// `elbv2 describe-target-groups` output.
    pub target_groups: Option<JsonFile<'a>>,
    /// `elbv2 describe-target-group-attributes` outputs, each for the target
    /// group named (ARN, target group name or service name; none: the only one).
    pub target_group_attributes: Vec<(Option<&'a str>, JsonFile<'a>)>,
    /// `elbv2 describe-rules` output (the listener's rules).
    pub rules: Option<JsonFile<'a>>,
    /// `ecs describe-capacity-providers` output.
    pub capacity_providers: Option<JsonFile<'a>>,
    /// `autoscaling describe-auto-scaling-groups` output.
    pub auto_scaling_groups: Option<JsonFile<'a>>,
    /// The services to import (default: every service the files hold).
    pub service_names: Vec<&'a str>,
    /// ALB access logs (folders or files, as the scenario should name them):
    /// the traffic, replayed down the imported listener rules (§11).
    pub access_logs: Vec<&'a str>,
}

impl Request<'_> {
    fn files(&self) -> Vec<&str> {
        let mut files: Vec<&str> = self.task_definitions.iter().chain(&self.services).map(|f| f.name).collect();
        for f in [
            &self.scaling_policies,
            &self.scalable_targets,
            &self.scheduled_actions,
            &self.alarms,
            &self.target_groups,
            &self.rules,
            &self.capacity_providers,
            &self.auto_scaling_groups,
        ]
        .into_iter()
        .flatten()
        {
            files.push(f.name);
        }
        files.extend(self.target_group_attributes.iter().map(|(_, f)| f.name));
        files
    }
}

/// The scenario text and what the user should know about it.
#[derive(Clone, Debug)]
pub struct Imported {
    pub toml: String,
    /// Fields that would change behaviour but fleetsim cannot honour (each names file and field).
    pub not_modelled: Vec<String>,
    /// Values fleetsim had to choose, each as written in the scenario.
    pub assumed: Vec<String>,
    /// The input files' names, in the order given.
    files: Vec<String>,
    /// Where each table and value of `toml` came from.
    origins: Vec<Origin>,
}

impl Imported {
    /// The scenario's validation failed: its first problem, told as a
    /// problem with the JSON field the value came from, for one line on
    /// stderr. The scenario was never written, so its file and lines are
    /// not named; a field with no single JSON source (an assumption, or a
    /// table of several files' values) names every input file and the
    /// scenario's field.
    pub fn blame(&self, error: &super::Error) -> Error {
        let problems = match error {
            super::Error::Invalid { problems, .. } if !problems.is_empty() => problems.as_slice(),
            other => return Error { file: self.files.join(", "), path: String::new(), message: other.to_string() },
        };
        let problem = &problems[0];
        let more = match problems.len() - 1 {
            0 => String::new(),
            1 => " (and 1 more problem)".to_string(),
            n => format!(" (and {n} more problems)"),
        };
        let message = format!("{}{more}", problem.message);
        let field = if problem.field.is_empty() {
            // Only a line (TOML the importer should not write): the field on that line.
            problem.line.and_then(|l| self.origins.iter().find(|o| o.line == l)).map(|o| o.field.clone())
        } else {
            Some(problem.field.clone())
        };
        let Some(field) = field else {
            return Error { file: self.files.join(", "), path: "the imported scenario".into(), message };
        };
        match self.source_of(&field) {
            Some(source) => {
                Error { file: source.file, path: format!("{} (imported as {field})", source.path), message }
            }
            None => Error { file: self.files.join(", "), path: format!("the imported scenario's {field}"), message },
        }
    }

    /// The JSON field a field of the scenario came from: its own source; else,
    /// for a table or array, the JSON every value in it came from (an array
    /// of tables from one JSON array); else the nearest enclosing field's
    /// (an item of an inline array). None for an assumption or a mix.
    fn source_of(&self, field: &str) -> Option<Source> {
        if let Some(o) = self.origins.iter().find(|o| o.field == field) {
            if o.source.is_some() {
                return o.source.clone();
            }
        }
        let inside: Vec<&Origin> = self
            .origins
            .iter()
            .filter(|o| o.field.strip_prefix(field).is_some_and(|rest| rest.starts_with(['.', '['])))
            .collect();
        if !inside.is_empty() {
            let sources: Option<Vec<&Source>> = inside.iter().map(|o| o.source.as_ref()).collect();
            return sources.and_then(|s| common_source(&s));
        }
        if self.origins.iter().any(|o| o.field == field) {
            return None;
        }
        // The nearest enclosing field that the importer wrote.
        let mut at = field;
        while let Some(cut) = at.rfind(['.', '[']) {
            at = &at[..cut];
            if let Some(o) = self.origins.iter().find(|o| o.field == at) {
                return o.source.clone();
            }
        }
        None
    }
}

/// A field path's keys and indices: `a.b[0]` is `a`, `b`, `[0]`.
fn segments(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (key, indices) = part.split_at(part.find('[').unwrap_or(part.len()));
        out.push(key.to_string());
        out.extend(indices.split_inclusive(']').map(str::to_string));
    }
    out
}

/// The JSON field holding every one of `sources`: one file, their longest
/// common path (`services[0].capacityProviderStrategy` of its items' fields).
fn common_source(sources: &[&Source]) -> Option<Source> {
    let first = sources.first()?;
    if sources.iter().any(|s| s.file != first.file) {
        return None;
    }
    let mut common = segments(&first.path);
    for s in &sources[1..] {
        let other = segments(&s.path);
        let same = common.iter().zip(&other).take_while(|(a, b)| a == b).count();
        common.truncate(same);
    }
    if common.is_empty() || common == [""] {
        return None;
    }
    let mut path = String::new();
    for (i, seg) in common.iter().enumerate() {
        if i > 0 && !seg.starts_with('[') {
            path.push('.');
        }
        path.push_str(seg);
    }
    Some(Source { file: first.file.clone(), path })
}

/// A JSON file that cannot be imported: the file, the field path, what is wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {}{message}", if path.is_empty() { String::new() } else { format!("{path}: ") })]
pub struct Error {
    pub file: String,
    pub path: String,
    pub message: String,
}

/// Where a value came from: a JSON file and the field's path in it; shown
/// as `file path` in comments and notes.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Source {
    pub file: String,
    pub path: String,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.file, self.path)
    }
}

impl Source {
    /// A comment that says more than the source but still came from it.
    fn with(self, more: impl std::fmt::Display) -> Comment {
        Comment { text: format!("{self}{more}"), source: Some(self) }
    }
}

/// A value's or table's comment, and the JSON field it came from (none for
/// an assumption or a value of several fields), so that a problem with the
/// scenario can be told as a problem with the JSON.
#[derive(Clone, Debug, Default)]
struct Comment {
    text: String,
    source: Option<Source>,
}

impl From<Source> for Comment {
    fn from(source: Source) -> Comment {
        Comment { text: source.to_string(), source: Some(source) }
    }
}

impl From<String> for Comment {
    fn from(text: String) -> Comment {
        Comment { text, source: None }
    }
}

impl From<&str> for Comment {
    fn from(text: &str) -> Comment {
        Comment { text: text.to_string(), source: None }
    }
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
        // The document itself has no field path: say so rather than name nothing (found by fuzzing).
        let path = if self.path.is_empty() { "the top level".to_string() } else { self.path.clone() };
        Error { file: self.file.to_string(), path, message: message.into() }
    }

    fn expected(&self, what: &str) -> Error {
        self.error(format!("expected {what}, found {}", describe(self.value)))
    }

    /// The field's file and path, for comments and notes.
    fn source(&self) -> Source {
        Source { file: self.file.to_string(), path: self.path.clone() }
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
        self.size("a string or number of CPU units (\"512\" or \"0.5 vCPU\")", |lower| {
            lower.strip_suffix("vcpu").and_then(|v| v.trim().parse::<f64>().ok()).and_then(whole_1024)
        })
    }

    /// Task memory: `"2048"`, `2048` or `"2 GB"` (MiB; 1 GB = 1024 MiB as ECS counts).
    fn memory_mib(&self) -> Result<u32, Error> {
        self.size("a string or number of MiB (\"2048\" or \"2 GB\")", |lower| {
            if let Some(gb) = lower.strip_suffix("gib").or_else(|| lower.strip_suffix("gb")) {
                gb.trim().parse::<f64>().ok().and_then(whole_1024)
            } else {
                lower
                    .strip_suffix("mib")
                    .or_else(|| lower.strip_suffix("mb"))
                    .and_then(|mb| mb.trim().parse::<u32>().ok())
            }
        })
    }

    /// A task size as a number, a numeric string, or a string with a unit
    /// that `with_unit` reads (given in lower case).
    fn size(&self, what: &str, with_unit: impl Fn(&str) -> Option<u32>) -> Result<u32, Error> {
        let value = match self.value {
            Value::Number(n) => n.as_u64().and_then(|v| u32::try_from(v).ok()),
            Value::String(s) => {
                let s = s.trim();
                s.parse::<u32>().ok().or_else(|| with_unit(&s.to_ascii_lowercase()))
            }
            _ => None,
        };
        value.ok_or_else(|| self.expected(what))
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
    comment: Comment,
}

/// A TOML table: `[header]` (or `[[header]]`) and its entries.
#[derive(Clone, Debug)]
struct Table {
    header: String,
    array: bool,
    comment: Comment,
    entries: Vec<Entry>,
}

impl Table {
    fn new(header: &str, array: bool, comment: impl Into<Comment>) -> Table {
        Table { header: header.to_string(), array, comment: comment.into(), entries: Vec::new() }
    }

    fn set(&mut self, key: &str, value: String, comment: impl Into<Comment>) {
        self.entries.push(Entry { key: key.to_string(), value, comment: comment.into() });
    }

    /// Writes the table as the element `field` of the scenario (its path as
    /// validation names it, `services[1].auto_scaling`), recording where each
    /// line came from.
    fn render(&self, out: &mut String, field: &str, origins: &mut Vec<Origin>) {
        let header = if self.array { format!("[[{}]]", self.header) } else { format!("[{}]", self.header) };
        record(out, origins, field.to_string(), &self.comment);
        write_line(out, &header, &self.comment.text);
        self.render_entries(out, field, origins);
    }

    fn render_entries(&self, out: &mut String, field: &str, origins: &mut Vec<Origin>) {
        for e in &self.entries {
            let at = if field.is_empty() { e.key.clone() } else { format!("{field}.{}", e.key) };
            record(out, origins, at, &e.comment);
            write_line(out, &format!("{} = {}", e.key, e.value), &e.comment.text);
        }
    }
}

/// Where one field of the imported scenario came from.
#[derive(Clone, Debug)]
struct Origin {
    /// Its path as validation names it: `services[1].auto_scaling.min_capacity`.
    field: String,
    /// Its line in the scenario (1-based), for problems that have only a line.
    line: usize,
    /// The JSON field it came from; none for an assumption.
    source: Option<Source>,
}

/// Records that the next line of `out` is `field`, from `comment`'s source.
fn record(out: &str, origins: &mut Vec<Origin>, field: String, comment: &Comment) {
    let line = out.matches('\n').count() + 1;
    origins.push(Origin { field, line, source: comment.source.clone() });
}

/// A table header's path as validation names it: each array of tables on
/// the way with its current element's index (`services[1].auto_scaling.target_tracking[0]`).
/// `elements` holds, for each array of tables seen, the number of its elements so far.
fn table_field(header: &str, elements: &[(String, usize)]) -> String {
    let mut field = String::new();
    let mut prefix = String::new();
    for (i, part) in header.split('.').enumerate() {
        if i > 0 {
            prefix.push('.');
            field.push('.');
        }
        prefix.push_str(part);
        field.push_str(part);
        if let Some((_, n)) = elements.iter().find(|(h, _)| *h == prefix) {
            let _ = write!(field, "[{}]", n.saturating_sub(1));
        }
    }
    field
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
    /// `service` (one service) or `services` (`[[services]]`).
    prefix: &'static str,
    /// What scheduled actions need of the scenario's clock (set while mapping them).
    clock: scaling::Clock,
}

impl Builder {
    fn not_modelled(&mut self, node: &Node, what: impl std::fmt::Display) {
        self.not_modelled.push(format!("{}: {what}", node.source()));
    }

    /// An assumption, listed once however many services make it.
    fn assume(&mut self, what: impl Into<String>) {
        let what = what.into();
        if !self.assumed.contains(&what) {
            self.assumed.push(what);
        }
    }

    /// A service's sub-table header: `service.auto_scaling` or `services.auto_scaling`.
    fn header(&self, table: &str) -> String {
        format!("{}.{table}", self.prefix)
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

fn root_of<'d>(doc: &'d Option<Value>, file: &Option<JsonFile<'d>>) -> Option<Node<'d>> {
    doc.as_ref().zip(file.as_ref()).map(|(v, f)| Node::root(f.name, v))
}

/// One service as mapped: what the load balancer, the traffic and the
/// capacity providers need of it.
struct ServiceOut<'a> {
    name: String,
    desired: u32,
    /// Its `loadBalancers` (the first is the target group fleetsim registers it with).
    load_balancers: Vec<Node<'a>>,
    cpu_units: u32,
    memory_mib: u32,
    arm64: bool,
    /// The EC2 capacity providers it runs on: names with their source, or
    /// `launchType` EC2 (the cluster's one provider, name unknown).
    ec2: ec2::Use<'a>,
}

/// The optional inputs, parsed.
struct Inputs<'a> {
    policies: Option<Node<'a>>,
    targets: Option<Node<'a>>,
    scheduled: Option<Node<'a>>,
    alarms: Option<Node<'a>>,
    target_groups: Option<Node<'a>>,
    attributes: Vec<(Option<&'a str>, Node<'a>)>,
    rules: Option<Node<'a>>,
    capacity_providers: Option<Node<'a>>,
    asgs: Option<Node<'a>>,
}

/// Turns the AWS CLI's JSON into scenario TOML.
pub fn import<'a>(request: &Request<'a>) -> Result<Imported, Error> {
    if request.task_definitions.is_empty() || request.services.is_empty() {
        return Err(Error {
            file: String::new(),
            path: String::new(),
            message: "expected at least one task definition and one describe-services file".into(),
        });
    }
    let parse_all = |files: &[JsonFile]| files.iter().map(parse_json).collect::<Result<Vec<_>, _>>();
    let td_docs = parse_all(&request.task_definitions)?;
    let svc_docs = parse_all(&request.services)?;
    let parse_opt = |f: &Option<JsonFile>| f.as_ref().map(parse_json).transpose();
    let docs = [
        parse_opt(&request.scaling_policies)?,
        parse_opt(&request.scalable_targets)?,
        parse_opt(&request.scheduled_actions)?,
        parse_opt(&request.alarms)?,
        parse_opt(&request.target_groups)?,
        parse_opt(&request.rules)?,
        parse_opt(&request.capacity_providers)?,
        parse_opt(&request.auto_scaling_groups)?,
    ];
    let attribute_docs =
        request.target_group_attributes.iter().map(|(_, f)| parse_json(f)).collect::<Result<Vec<_>, _>>()?;
    let root = |i: usize, f: &Option<JsonFile<'a>>| root_of(&docs[i], f);
    let inputs = Inputs {
        policies: root(0, &request.scaling_policies),
        targets: root(1, &request.scalable_targets),
        scheduled: root(2, &request.scheduled_actions),
        alarms: root(3, &request.alarms),
        target_groups: root(4, &request.target_groups),
        rules: root(5, &request.rules),
        capacity_providers: root(6, &request.capacity_providers),
        asgs: root(7, &request.auto_scaling_groups),
        attributes: request
            .target_group_attributes
            .iter()
            .zip(&attribute_docs)
            .map(|((key, f), v)| (*key, Node::root(f.name, v)))
            .collect(),
    };

    // Every file given has its command's shape, used or not.
    for (root, key, command) in [
        (&inputs.policies, "ScalingPolicies", "describe-scaling-policies"),
        (&inputs.targets, "ScalableTargets", "describe-scalable-targets"),
        (&inputs.scheduled, "ScheduledActions", "describe-scheduled-actions"),
        (&inputs.alarms, "MetricAlarms", "describe-alarms"),
        (&inputs.target_groups, "TargetGroups", "describe-target-groups"),
        (&inputs.rules, "Rules", "describe-rules"),
        (&inputs.capacity_providers, "capacityProviders", "describe-capacity-providers"),
        (&inputs.asgs, "AutoScalingGroups", "describe-auto-scaling-groups"),
    ] {
        if let Some(root) = root {
            root.require(key, &format!("{command} output holds `{key}`"))?.items()?;
        }
    }
    for (_, root) in &inputs.attributes {
        root.require("Attributes", "describe-target-group-attributes output holds `Attributes`")?.items()?;
    }

    let mut tds = Vec::new();
    for (v, f) in td_docs.iter().zip(&request.task_definitions) {
        tds.push(task_definition_root(Node::root(f.name, v))?);
    }
    let mut services = Vec::new();
    for (v, f) in svc_docs.iter().zip(&request.services) {
        services.extend(service_nodes(Node::root(f.name, v))?);
    }
    let services = pick_services(services, &request.service_names, request)?;

    let array = services.len() > 1;
    let mut b = Builder {
        top: Table::new("", false, ""),
        tables: Vec::new(),
        not_modelled: Vec::new(),
        assumed: Vec::new(),
        prefix: if array { "services" } else { "service" },
        clock: scaling::Clock::default(),
    };
    // The clock's zone comes from the scheduled actions imported: those of a
    // DAEMON service on EC2 are reported, not imported, so they must not move
    // the clock (a DAEMON on Fargate runs as a replica, its actions imported).
    let mut names: Vec<String> = Vec::new();
    for (name, svc) in &services {
        let daemon = svc.opt_str("schedulingStrategy")?.is_some_and(|(s, _)| s == "DAEMON");
        if !(daemon && on_ec2(svc)?) {
            names.push(name.to_string());
        }
    }
    b.clock = scaling::clock(&inputs, &names)?;

    let mut outs = Vec::new();
    for (name, svc) in &services {
        let td = match_task_definition(&tds, svc, services.len())?;
        outs.push(map_one_service(&mut b, svc, name, &td, &inputs)?);
    }
    let service_tables = std::mem::take(&mut b.tables);
    let (lb_tables, routes) = elb::map(&mut b, &outs, &inputs)?;
    let ec2_tables = ec2::map(&mut b, &outs, &inputs)?;

    // The scenario's own keys, now that the services say what they need.
    let (first_name, first) = &services[0];
    match (array, first.get("clusterArn")?) {
        (false, _) | (true, None) => {
            let node = first.require("serviceName", "the service's name")?;
            b.top.set("name", quote(first_name), node.source());
        }
        (true, Some(cluster)) => {
            let arn = cluster.str()?;
            let name = arn.rsplit('/').next().unwrap_or(arn);
            b.top.set("name", quote(name), cluster.source().with(" (the cluster's name)"));
        }
    }
    b.top.set("seed", "1".into(), ASSUMED);
    b.assume("seed = 1 (any seed; `fleetsim run --seed N` changes it)");
    scaling::clock_keys(&mut b)?;
    region(&mut b, &tds[0], first)?;

    let mut tables = Vec::new();
    let load_balanced: Vec<&ServiceOut> = outs.iter().filter(|o| !o.load_balancers.is_empty()).collect();
    if !request.access_logs.is_empty() {
        // The logged requests go down the imported listener rules by their own request lines.
        let mut traffic = Table::new("traffic", false, "the load balancer's access logs (--access-logs)");
        traffic.set("kind", quote("alb_access_logs"), "--access-logs");
        let files = match request.access_logs.as_slice() {
            [one] => quote(one),
            many => format!("[{}]", many.iter().map(|f| quote(f)).collect::<Vec<_>>().join(", ")),
        };
        traffic.set("files", files, "--access-logs");
        tables.push(traffic);
    } else if !load_balanced.is_empty() {
        // AWS's configuration says nothing of the traffic.
        let tasks: u32 = load_balanced.iter().map(|o| o.desired.max(1)).sum();
        let rate = f64::from(tasks) * 10.0;
        let mut traffic = Table::new("traffic", false, format!("{ASSUMED}: a placeholder; replace with your traffic"));
        traffic.set("kind", quote("constant"), ASSUMED);
        traffic.set("rate_per_second", float(rate), ASSUMED);
        b.assume(format!(
            "[traffic] kind = \"constant\", rate_per_second = {} (10 per task: a placeholder for your traffic)",
            float(rate)
        ));
        if !routes.is_empty() {
            let items: Vec<String> = routes.iter().map(elb::Route::inline).collect();
            traffic.set("routes", format!("[{}]", items.join(", ")), ASSUMED);
            b.assume(
                "[traffic] routes: one request line per listener rule, shared by the services' desired counts \
                 (the rest: GET /, the default rule)",
            );
        }
        tables.push(traffic);
    }
    tables.extend(service_tables);
    tables.extend(lb_tables);
    tables.extend(ec2_tables);
    b.tables = tables;
    scaling::check_windows(&mut b);
    Ok(render(b, request))
}

/// One service: its table, then its sub-tables, pushed onto `b.tables`.
fn map_one_service<'a>(
    b: &mut Builder,
    svc: &Node<'a>,
    name: &str,
    td: &Node<'a>,
    inputs: &Inputs<'a>,
) -> Result<ServiceOut<'a>, Error> {
    let name_node = svc.require("serviceName", "the service's name")?;
    let load_balancers = svc.list("loadBalancers")?;
    let mut service = Table::new(b.prefix, b.prefix == "services", svc.source());
    service.set("name", quote(name), name_node.source());
    let start = b.tables.len();
    let daemon = svc.opt_str("schedulingStrategy")?.filter(|(s, _)| *s == "DAEMON").map(|(_, node)| node);
    // A DAEMON service has no desired count of its own (one task per
    // instance, aws-semantics §13.3): no count, bounds or policies to import.
    let (desired, scaling) = match daemon {
        None => map_scaling(b, &mut service, svc, name, inputs)?,
        Some(_) => (svc.opt_u32("desiredCount")?.map_or(0, |(count, _)| count), Vec::new()),
    };
    let (ec2, code_deploy) = map_service(b, &mut service, svc, &load_balancers)?;
    let (desired, scaling) = match &daemon {
        Some(node) if ec2.is_some() => {
            service.set("scheduling_strategy", quote("DAEMON"), node.source());
            scaling::daemon_scaling_left_out(b, name, inputs)?;
            (desired, scaling)
        }
        Some(node) => {
            // ECS refuses DAEMON on Fargate; a file that says so is run as a replica service.
            b.not_modelled(node, "DAEMON on Fargate (ECS places daemons on EC2 instances only): simulated as a REPLICA service at desiredCount");
            map_scaling(b, &mut service, svc, name, inputs)?
        }
        None => (desired, scaling),
    };
    let main_container = map_task_definition(b, &mut service, td, &load_balancers, ec2.is_some())?;
    let (cpu_units, memory_mib, arm64) = map_assumed_service(b, &mut service, name, td)?;
    map_placement(b, &mut service, svc, ec2.is_some(), daemon.is_some())?;
    // The service's own keys first, then the tables its strategy pushed.
    b.tables.insert(start, service);
    if let Some(container) = main_container {
        map_container_health_check(b, &container)?;
    }
    map_deployment_configuration(b, svc, code_deploy, inputs.alarms.as_ref())?;
    b.tables.extend(scaling);
    Ok(ServiceOut { name: name.to_string(), desired, load_balancers, cpu_units, memory_mib, arm64, ec2 })
}

/// The task definition object of a file: describe-task-definition's
/// `taskDefinition`, or the register-task-definition input object itself.
fn task_definition_root(root: Node) -> Result<Node, Error> {
    let td = match root.get("taskDefinition")? {
        Some(inner) => inner,
        None => root,
    };
    td.object().map_err(|_| {
        td.error(format!(
            "expected describe-task-definition output ({{\"taskDefinition\": {{…}}}}) or a task definition object, found {}",
            describe(td.value)
        ))
    })?;
    Ok(td)
}

/// `family:revision` of a task definition (`family` alone for a
/// register-task-definition object, which has no revision yet).
fn family_revision(td: &Node) -> Result<String, Error> {
    let family = td.opt_str("family")?.map(|(f, _)| f).unwrap_or("");
    Ok(match td.opt_u32("revision")? {
        Some((r, _)) => format!("{family}:{r}"),
        None => family.to_string(),
    })
}

/// The task definition a service runs (`taskDefinition`: an ARN, `family:revision` or
/// `family`), matched by ARN, then by family and revision, then by family alone.
/// With one task definition and one service, that one.
fn match_task_definition<'a>(tds: &[Node<'a>], svc: &Node, service_count: usize) -> Result<Node<'a>, Error> {
    if tds.len() == 1 && service_count == 1 {
        return Ok(tds[0].clone());
    }
    let wanted_node = svc.require("taskDefinition", "the service's task definition (ARN or family:revision)")?;
    let wanted = wanted_node.str()?;
    let short = wanted.rsplit("task-definition/").next().unwrap_or(wanted);
    let family_of = |s: &str| s.split(':').next().unwrap_or(s).to_string();
    let mut found = Vec::new();
    for td in tds {
        let arn = td.opt_str("taskDefinitionArn")?.map(|(a, _)| a);
        let fr = family_revision(td)?;
        if arn == Some(wanted) || fr == short {
            return Ok(td.clone());
        }
        found.push(fr);
    }
    // A register-task-definition object has no revision: its family is enough.
    for td in tds {
        if td.opt_u32("revision")?.is_none() && family_revision(td)? == family_of(short) {
            return Ok(td.clone());
        }
    }
    Err(wanted_node.error(format!(
        "no --task-definition file holds {short} (found: {})",
        list_or_none(&found.iter().map(String::as_str).collect::<Vec<_>>())
    )))
}

/// The services of a describe-services file (or a single service object).
fn service_nodes(root: Node) -> Result<Vec<Node>, Error> {
    root.object().map_err(|_| {
        root.error(format!(
            "expected describe-services output ({{\"services\": […]}}) or a service object, found {}",
            describe(root.value)
        ))
    })?;
    let Some(services) = root.get("services")? else {
        if root.get("serviceName")?.is_some() {
            return Ok(vec![root]);
        }
        return Err(root.error("expected describe-services output: no `services` array and no `serviceName`"));
    };
    let services = services.items()?;
    if services.is_empty() {
        let reason = root
            .list("failures")?
            .first()
            .and_then(|f| f.value.get("reason").and_then(Value::as_str).map(|r| format!(" (failures[0].reason: {r})")))
            .unwrap_or_default();
        return Err(Error {
            file: root.file.to_string(),
            path: "services".into(),
            message: format!("empty: describe-services found no service{reason}"),
        });
    }
    Ok(services)
}

/// The services to import, with their names: the ones named, or all; each name once.
/// Whether the service runs on EC2, as `map_service` decides it: a capacity
/// provider strategy naming an Auto Scaling group provider, or launchType EC2.
fn on_ec2(svc: &Node) -> Result<bool, Error> {
    let strategy = svc.list("capacityProviderStrategy")?;
    if !strategy.is_empty() {
        for item in &strategy {
            if item.opt_str("capacityProvider")?.is_some_and(|(p, _)| p != "FARGATE" && p != "FARGATE_SPOT") {
                return Ok(true);
            }
        }
        return Ok(false);
    }
    Ok(svc.opt_str("launchType")?.is_some_and(|(launch, _)| launch == "EC2"))
}

fn pick_services<'a>(
    services: Vec<Node<'a>>,
    wanted: &[&str],
    request: &Request,
) -> Result<Vec<(&'a str, Node<'a>)>, Error> {
    let mut named = Vec::new();
    for s in services {
        let name = s.require("serviceName", "the service's name")?.str()?;
        named.push((name, s));
    }
    let mut picked: Vec<(&str, Node)> = Vec::new();
    if wanted.is_empty() {
        picked = named;
    } else {
        for w in wanted {
            match named.iter().find(|(n, _)| n == w) {
                Some(found) => picked.push(found.clone()),
                None => {
                    let names: Vec<&str> = named.iter().map(|(n, _)| *n).collect();
                    let files: Vec<&str> = request.services.iter().map(|f| f.name).collect();
                    return Err(Error {
                        file: files.join(", "),
                        path: "services".into(),
                        message: format!("no service named {w:?} (found: {})", list_or_none(&names)),
                    });
                }
            }
        }
    }
    for (i, (name, node)) in picked.iter().enumerate() {
        if let Some((_, first)) = picked[..i].iter().find(|(n, _)| n == name) {
            return Err(node.require("serviceName", "")?.error(format!(
                "{name:?} is also {}'s name: a service is imported once (describe each service once, or pick with --service-name)",
                first.source()
            )));
        }
    }
    Ok(picked)
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
                b.top.set("region", quote(region), n.source().with(" (the ARN's region)"));
                return Ok(());
            }
        }
    }
    b.top.set("region", quote("us-east-1"), ASSUMED);
    b.assume("region = \"us-east-1\" (no ARN names one)");
    Ok(())
}

/// The service's own fields: launch type or strategy, grace period, public IP,
/// load balancers, scheduling. Returns the EC2 capacity it uses and whether it
/// has the CODE_DEPLOY controller.
fn map_service<'a>(
    b: &mut Builder,
    service: &mut Table,
    svc: &Node<'a>,
    lbs: &[Node],
) -> Result<(ec2::Use<'a>, bool), Error> {
    let mut code_deploy = false;
    if let Some(controller) = svc.get("deploymentController")? {
        if let Some((kind, node)) = controller.opt_str("type")? {
            match kind {
                "ECS" => {}
                "CODE_DEPLOY" if !lbs.is_empty() => code_deploy = true,
                "CODE_DEPLOY" => b.not_modelled(
                    &node,
                    "CODE_DEPLOY without a load balancer: fleetsim shifts blue/green traffic at the ALB; simulated as rolling",
                ),
                other => b.not_modelled(
                    &node,
                    format!(
                        "{other} (task sets managed by a third-party controller): simulated as the ECS rolling controller"
                    ),
                ),
            }
        }
    }

    let mut ec2 = ec2::Use::None;
    let strategy = svc.list("capacityProviderStrategy")?;
    if !strategy.is_empty() {
        let mut tables = Vec::new();
        let mut providers = Vec::new();
        for item in &strategy {
            let (provider, provider_node) = item.opt_str("capacityProvider")?.ok_or_else(|| Error {
                file: item.file.to_string(),
                path: item.child_path("capacityProvider"),
                message: "missing: the capacity provider's name".into(),
            })?;
            if provider != "FARGATE" && provider != "FARGATE_SPOT" {
                // An Auto Scaling group provider: [[capacity_providers]] (aws-semantics §5.1).
                providers.push((provider.to_string(), provider_node.clone()));
            }
            let mut t = Table::new(&b.header("capacity_provider_strategy"), true, item.source());
            t.set("capacity_provider", quote(provider), provider_node.source());
            if let Some((base, n)) = item.opt_u32("base")? {
                t.set("base", base.to_string(), n.source());
            }
            if let Some((weight, n)) = item.opt_u32("weight")? {
                t.set("weight", weight.to_string(), n.source());
            }
            tables.push(t);
        }
        if !providers.is_empty() && providers.len() < strategy.len() {
            return Err(svc.get("capacityProviderStrategy")?.unwrap_or_else(|| svc.clone()).error(
                "mixes FARGATE providers and Auto Scaling group providers, which ECS refuses (aws-semantics §4.4)",
            ));
        }
        if !providers.is_empty() {
            ec2 = ec2::Use::Providers(providers);
        }
        // Arrays of tables go after the service's own keys: kept aside, appended last.
        b.tables.extend(tables);
    } else if let Some((launch, node)) = svc.opt_str("launchType")? {
        match launch {
            "FARGATE" => service.set("launch_type", quote("FARGATE"), node.source()),
            "EC2" => {
                service.set(
                    "launch_type",
                    quote("EC2"),
                    node.source().with(" (the cluster's one [[capacity_providers]])"),
                );
                ec2 = ec2::Use::LaunchType(node);
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
            service.set("load_balanced", "false".into(), node.source().with(" is empty"));
        }
        [first, rest @ ..] => {
            let node = Node { file: svc.file, path: svc.child_path("loadBalancers"), value: first.value };
            service.set("load_balanced", "true".into(), node.source());
            for extra in rest {
                b.not_modelled(extra, "a second target group: fleetsim registers a service with one");
            }
        }
    }
    Ok((ec2, code_deploy))
}

/// Task size, platform and the main container; returns the container whose health check applies.
fn map_task_definition<'a>(
    b: &mut Builder,
    service: &mut Table,
    td: &Node<'a>,
    lbs: &[Node],
    on_ec2: bool,
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
        let why = if on_ec2 { "memberOf: every instance of a provider is alike in fleetsim" } else { "EC2 only" };
        b.not_modelled(&constraint, format!("a task definition's placement constraint ({why})"));
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
    inputs: &Inputs,
) -> Result<(u32, Vec<Table>), Error> {
    let (targets, policies) = (&inputs.targets, &inputs.policies);
    let (mut count, count_node) = svc.opt_u32("desiredCount")?.ok_or_else(|| Error {
        file: svc.file.to_string(),
        path: svc.child_path("desiredCount"),
        message: "missing: the service's desired count".into(),
    })?;
    let for_service = |node: &Node| scaling::is_for(node, name);

    let mut bounds = None;
    if let Some(root) = targets {
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
    let mut step_tables = Vec::new();
    if let Some(root) = policies {
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
                "StepScaling" => step_tables.extend(scaling::step_scaling(b, &p, inputs.alarms.as_ref(), name)?),
                other => b.not_modelled(&kind, format!("{other}: not modelled")),
            }
        }
        if policy_tables.is_empty() && step_tables.is_empty() && b.not_modelled.iter().all(|n| !n.starts_with(all.file))
        {
            b.assume(format!("no scaling policy in {} is for service {name}: none imported", all.file));
        }
    }

    let scheduled_tables = scaling::scheduled_actions(b, name, inputs.scheduled.as_ref())?;
    policy_tables.extend(step_tables);
    policy_tables.extend(scheduled_tables);
    let mut tables = Vec::new();
    if bounds.is_some() || !policy_tables.is_empty() {
        let mut t = Table::new(&b.header("auto_scaling"), false, "");
        let (min, max) = match bounds {
            Some((min, min_source, max, max_source)) => {
                t.comment = format!("{} and its policies", targets.as_ref().map_or("", |n| n.file)).into();
                t.set("min_capacity", min.to_string(), min_source);
                t.set("max_capacity", max.to_string(), max_source);
                (min, max)
            }
            None => {
                let (min, max) = (count.max(1), count.max(1) * 2);
                t.comment = format!("{ASSUMED}: no --scalable-targets").into();
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
                count_node
                    .source()
                    .with(format!(" = {count}, moved into [{min}, {max}] as Application Auto Scaling does")),
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
    let mut t = Table::new(&b.header("auto_scaling.target_tracking"), true, policy.source());
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
fn map_assumed_service(b: &mut Builder, service: &mut Table, name: &str, td: &Node) -> Result<(u32, u32, bool), Error> {
    let cpu_units = td.require("cpu", "task cpu")?.cpu_units()?;
    let memory_mib = td.require("memory", "task memory")?.memory_mib()?;
    let arm64 = match td.get("runtimePlatform")? {
        Some(p) => p.opt_str("cpuArchitecture")?.is_some_and(|(a, _)| a == "ARM64"),
        None => false,
    };
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
    // It differs by service (their tasks' sizes differ): say whose it is.
    b.assume(format!(
        "vcpu_per_request = {} for service {name} (the task's vCPU over its concurrency: CPU reaches 100 % with every slot busy)",
        float(vcpu_per_request)
    ));
    service.set("startup_time", "{ distribution = \"uniform\", min = \"30s\", max = \"60s\" }".into(), ASSUMED);
    b.assume("startup_time = uniform 30–60 s (launch to RUNNING, aws-semantics §4.5)");
    service.set("warm_start", "true".into(), ASSUMED);
    b.assume("warm_start = true (the service is running when the simulation starts)");
    Ok((cpu_units, memory_mib, arm64))
}

/// The main container's `healthCheck` as `[service.container_health_check]`.
fn map_container_health_check(b: &mut Builder, container: &Node) -> Result<(), Error> {
    let Some(hc) = container.get("healthCheck")? else {
        return Ok(());
    };
    let mut t = Table::new(&b.header("container_health_check"), false, hc.source());
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
fn map_deployment_configuration(
    b: &mut Builder,
    svc: &Node,
    code_deploy: bool,
    alarms_doc: Option<&Node>,
) -> Result<(), Error> {
    let dc = svc.get("deploymentConfiguration")?;
    let Some(dc) = dc.or_else(|| code_deploy.then(|| svc.clone())) else {
        return Ok(());
    };
    let mut t = Table::new(&b.header("deployment_configuration"), false, dc.source());
    if let Some((v, n)) = dc.opt_u32("minimumHealthyPercent")? {
        t.set("minimum_healthy_percent", v.to_string(), n.source());
    }
    let daemon = svc.opt_str("schedulingStrategy")?.is_some_and(|(s, _)| s == "DAEMON");
    match dc.opt_u32("maximumPercent")? {
        // ECS's daemon deployments never exceed one task per instance (§13.3).
        Some((v, n)) if daemon && v != 100 => {
            b.not_modelled(&n, format!("maximumPercent {v} of a DAEMON service: simulated at 100"))
        }
        Some((v, n)) => t.set("maximum_percent", v.to_string(), n.source()),
        None => {}
    }
    let mut traffic_shifting = code_deploy;
    if code_deploy {
        // describe-services does not hold the CodeDeploy deployment group; its
        // default configuration is CodeDeployDefault.ECSAllAtOnce (aws-semantics §2.7).
        t.set("code_deploy", "{ deployment_config = \"CodeDeployDefault.ECSAllAtOnce\" }".into(), ASSUMED);
        b.assume(format!(
            "{}.deployment_configuration.code_deploy = CodeDeployDefault.ECSAllAtOnce ({} has the CODE_DEPLOY \
             controller; its deployment group's configuration is in `aws deploy get-deployment-group`)",
            b.prefix,
            svc.source()
        ));
    } else if let Some((strategy, n)) = dc.opt_str("strategy")? {
        match strategy {
            "ROLLING" | "BLUE_GREEN" | "LINEAR" | "CANARY" => {
                traffic_shifting = strategy != "ROLLING";
                t.set("strategy", quote(strategy), n.source());
            }
            other => b.not_modelled(&n, format!("{other}: simulated as ROLLING")),
        }
    }
    if let Some((v, n)) = dc.opt_u32("bakeTimeInMinutes")? {
        t.set("bake_time_in_minutes", v.to_string(), n.source());
    }
    if let Some(alarms) = dc.get("alarms")? {
        if alarms.opt_bool("enable")?.is_some_and(|(e, _)| e) {
            if let Some((value, source)) = scaling::deployment_alarm(b, &alarms, alarms_doc, traffic_shifting)? {
                t.set("rollback_alarm", value, source);
            }
        }
    }
    for hook in dc.list("lifecycleHooks")? {
        b.not_modelled(&hook, "a deployment lifecycle hook (a Lambda function): not run");
    }
    let mut tables = vec![t];
    if let (false, Some(cb)) = (code_deploy, dc.get("deploymentCircuitBreaker")?) {
        let mut t = Table::new(&b.header("deployment_configuration.deployment_circuit_breaker"), false, cb.source());
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
            let mut t = Table::new(&b.header(&format!("deployment_configuration.{header}")), false, c.source());
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

/// Placement strategies and constraints (aws-semantics §5.2): on EC2 as the
/// scenario's `placement_strategy` and `placement_constraints`; on Fargate
/// they do nothing in AWS either, but a user who set them is told.
fn map_placement(b: &mut Builder, service: &mut Table, svc: &Node, on_ec2: bool, daemon: bool) -> Result<(), Error> {
    let mut strategies = svc.list("placementStrategy")?;
    if daemon && on_ec2 {
        // A daemon goes on every instance: there is nothing to choose (§13.3).
        for item in strategies.drain(..) {
            b.not_modelled(&item, "a placement strategy of a DAEMON service (one task per instance): ignored");
        }
    }
    let constraints = svc.list("placementConstraints")?;
    if !on_ec2 {
        for item in strategies.iter().chain(constraints.iter()) {
            b.not_modelled(item, "placement applies on EC2 only; this service runs on Fargate");
        }
        return Ok(());
    }
    let mut items = Vec::new();
    for s in &strategies {
        let kind = s.require("type", "the strategy's type")?;
        let field = s.opt_str("field")?.map(|(f, _)| f);
        // ECS accepts the fields in any case ("CPU", "MEMORY"); the scenario writes ECS's lower case.
        let item = match (kind.str()?, field.map(str::to_ascii_lowercase).as_deref()) {
            ("binpack", Some(f @ ("cpu" | "memory"))) => format!("{{ type = \"binpack\", field = {} }}", quote(f)),
            ("spread", Some("instanceid")) => "{ type = \"spread\", field = \"instanceId\" }".to_string(),
            ("spread", Some("host")) => "{ type = \"spread\", field = \"host\" }".to_string(),
            ("spread", Some("attribute:ecs.availability-zone")) => {
                "{ type = \"spread\", field = \"attribute:ecs.availability-zone\" }".to_string()
            }
            ("random", _) => "{ type = \"random\" }".to_string(),
            (other, f) => {
                b.not_modelled(s, format!("placement strategy {other} on {f:?}: not modelled, left out"));
                continue;
            }
        };
        items.push(item);
    }
    if !items.is_empty() {
        let node = svc.get("placementStrategy")?.unwrap_or_else(|| svc.clone());
        service.set("placement_strategy", format!("[{}]", items.join(", ")), node.source());
    }
    let mut kept = Vec::new();
    for c in &constraints {
        match c.require("type", "the constraint's type")?.str()? {
            "distinctInstance" => kept.push("{ type = \"distinctInstance\" }"),
            other => b.not_modelled(c, format!("{other}: every instance of a provider is alike in fleetsim; left out")),
        }
    }
    if !kept.is_empty() {
        let node = svc.get("placementConstraints")?.unwrap_or_else(|| svc.clone());
        service.set("placement_constraints", format!("[{}]", kept.join(", ")), node.source());
    }
    Ok(())
}

fn render(b: Builder, request: &Request) -> Imported {
    let mut out = String::new();
    let files = request.files();
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
    let mut origins = Vec::new();
    b.top.render_entries(&mut out, "", &mut origins);
    let mut elements: Vec<(String, usize)> = Vec::new();
    for t in &b.tables {
        if t.array {
            // A new element: the arrays of tables inside it start again.
            let inside = format!("{}.", t.header);
            elements.retain(|(h, _)| !h.starts_with(&inside));
            match elements.iter_mut().find(|(h, _)| *h == t.header) {
                Some((_, n)) => *n += 1,
                None => elements.push((t.header.clone(), 1)),
            }
        }
        let _ = writeln!(out);
        t.render(&mut out, &table_field(&t.header, &elements), &mut origins);
    }
    Imported {
        toml: out,
        not_modelled: b.not_modelled,
        assumed: b.assumed,
        files: files.into_iter().map(str::to_string).collect(),
        origins,
    }
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

    /// Every cluster fixture, as `fleetsim import` is given them in the README.
    fn cluster() -> Request<'static> {
        macro_rules! file {
            ($name:literal) => {
                JsonFile { name: $name, text: include_str!(concat!("../../tests/scenarios/import/", $name)) }
            };
        }
        Request {
            task_definitions: vec![file!("td.json"), file!("td-api-input.json")],
            services: vec![file!("svc-cluster.json")],
            scaling_policies: Some(file!("policies-cluster.json")),
            scalable_targets: Some(file!("targets.json")),
            scheduled_actions: Some(file!("scheduled.json")),
            alarms: Some(file!("alarms.json")),
            target_groups: Some(file!("target-groups.json")),
            target_group_attributes: vec![
                (Some("web"), file!("tg-attributes-web.json")),
                (Some("api"), file!("tg-attributes-api.json")),
            ],
            rules: Some(file!("rules.json")),
            capacity_providers: Some(file!("capacity-providers.json")),
            auto_scaling_groups: Some(file!("auto-scaling-groups.json")),
            ..Request::default()
        }
    }

    /// Goal: the map from the scenario's fields to the JSON's is right, or a
    /// problem would be blamed on the wrong field. Method: import every
    /// cluster fixture; each recorded field must be in the TOML (its path
    /// as validation spells it, arrays of tables indexed within their
    /// element) on its recorded line, and each source in its JSON file.
    #[test]
    fn every_origin_is_a_field_written_and_a_field_read() {
        let request = cluster();
        let imported = import(&request).unwrap();
        let doc: toml::Value = toml::from_str(&imported.toml).unwrap();
        let lines: Vec<&str> = imported.toml.lines().collect();
        let mut from_json = 0;
        for o in &imported.origins {
            let mut at = &doc;
            for seg in segments(&o.field) {
                at = match seg.strip_prefix('[').and_then(|i| i.strip_suffix(']')) {
                    Some(i) => at.get(i.parse::<usize>().unwrap()),
                    None => at.get(seg.as_str()),
                }
                .unwrap_or_else(|| panic!("{} is not in the scenario:\n{}", o.field, imported.toml));
            }
            let line = lines[o.line - 1];
            let key = segments(&o.field).pop().unwrap();
            assert!(line.starts_with('[') || line.starts_with(&format!("{key} = ")), "{}: line {line:?}", o.field);
            let Some(source) = &o.source else { continue };
            let file = request.files().into_iter().position(|f| f == source.file).unwrap();
            let json = [request.task_definitions.clone(), request.services.clone()]
                .concat()
                .into_iter()
                .chain(
                    [
                        request.scaling_policies,
                        request.scalable_targets,
                        request.scheduled_actions,
                        request.alarms,
                        request.target_groups,
                        request.rules,
                        request.capacity_providers,
                        request.auto_scaling_groups,
                    ]
                    .into_iter()
                    .flatten(),
                )
                .chain(request.target_group_attributes.iter().map(|(_, f)| *f))
                .nth(file)
                .unwrap();
            let mut value: Value = serde_json::from_str(json.text).unwrap();
            for seg in segments(&source.path) {
                value = match seg.strip_prefix('[').and_then(|i| i.strip_suffix(']')) {
                    Some(i) => value.get(i.parse::<usize>().unwrap()),
                    None => value.get(seg.as_str()),
                }
                .unwrap_or_else(|| panic!("{} is not in {}", source.path, source.file))
                .clone();
            }
            from_json += 1;
        }
        assert!(from_json > 100, "{from_json} fields from the JSON");
    }

    /// Goal: a problem validation finds in the imported scenario is told as a
    /// problem of the JSON field its value came from, in one line that never
    /// names the unwritten scenario; with no single source, every input file
    /// and the scenario's field. Method: the cluster's import, problems as
    /// validation would give them.
    #[test]
    fn problems_are_blamed_on_the_json_field() {
        let imported = import(&cluster()).unwrap();
        let problem = |field: &str, line: Option<usize>| super::super::Problem {
            field: field.to_string(),
            line,
            message: "expected better".into(),
        };
        let blame = |problems: Vec<super::super::Problem>| {
            let e = super::super::Error::Invalid { path: "out/prod.toml".into(), problems };
            let text = imported.blame(&e).to_string();
            assert!(!text.contains("prod.toml") && !text.contains('\n'), "{text}");
            text
        };
        let all = imported.files.join(", ");
        let line_of = |text: &str| imported.toml.lines().position(|l| l.starts_with(text)).unwrap() + 1;
        for (field, line, expected) in [
            (
                "services[1].deployment_configuration.maximum_percent",
                None,
                "svc-cluster.json: services[1].deploymentConfiguration.maximumPercent \
                 (imported as services[1].deployment_configuration.maximum_percent): expected better"
                    .to_string(),
            ),
            (
                "services[1].auto_scaling.step_scaling[1].alarm.threshold",
                None,
                "alarms.json: MetricAlarms[3].Threshold (imported as \
                 services[1].auto_scaling.step_scaling[1].alarm.threshold): expected better"
                    .to_string(),
            ),
            // An item of an inline array: the array's field.
            (
                "services[1].placement_strategy[1].field",
                None,
                "svc-cluster.json: services[1].placementStrategy (imported as \
                 services[1].placement_strategy[1].field): expected better"
                    .to_string(),
            ),
            // An array of tables: the JSON array its items came from.
            (
                "services[0].capacity_provider_strategy",
                None,
                "svc-cluster.json: services[0].capacityProviderStrategy (imported as \
                 services[0].capacity_provider_strategy): expected better"
                    .to_string(),
            ),
            // A TOML error has only a line: the field on it.
            (
                "",
                Some(line_of("target_value = 60.0")),
                "policies-cluster.json: ScalingPolicies[0].TargetTrackingScalingPolicyConfiguration.TargetValue \
                 (imported as services[0].auto_scaling.target_tracking[0].target_value): expected better"
                    .to_string(),
            ),
            // An assumption, a table of two files' values, an assumption's item: no one JSON field.
            (
                "services[0].queue_limit",
                None,
                format!("{all}: the imported scenario's services[0].queue_limit: expected better"),
            ),
            (
                "services[0].auto_scaling",
                None,
                format!("{all}: the imported scenario's services[0].auto_scaling: expected better"),
            ),
            (
                "traffic.routes[0].share",
                None,
                format!("{all}: the imported scenario's traffic.routes[0].share: expected better"),
            ),
        ] {
            assert_eq!(blame(vec![problem(field, line)]), expected, "{field}");
        }
        assert_eq!(
            blame(vec![problem("name", None), problem("seed", None), problem("region", None)]),
            "svc-cluster.json: services[0].clusterArn (imported as name): expected better (and 2 more problems)"
        );
    }

    #[test]
    fn toml_strings_are_escaped() {
        assert_eq!(quote("a\"b\\c\n"), "\"a\\\"b\\\\c\\u000A\"");
        assert_eq!(float(60.0), "60.0");
        assert_eq!(float(0.1), "0.1");
    }
}
