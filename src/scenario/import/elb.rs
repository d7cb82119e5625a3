//! The ALB: `elbv2 describe-target-groups` (health checks, aws-semantics
//! §3.2), `describe-target-group-attributes` (deregistration delay, slow
//! start, algorithm, §3.1–§3.4) and `describe-rules` (the listener's rules,
//! §10) as `[load_balancer]`; and request lines for the placeholder traffic
//! that reach each rule. Pure, like its parent.

use super::{list_or_none, quote, seconds, Builder, Error, Inputs, Node, ServiceOut, Source, Table, ASSUMED};

/// A share of the placeholder traffic and the request line that reaches one rule.
#[derive(Clone, Debug)]
pub(super) struct Route {
    path: String,
    share: f64,
    method: Option<String>,
    host: Option<String>,
}

impl Route {
    pub(super) fn inline(&self) -> String {
        let mut parts = vec![format!("path = {}", quote(&self.path)), format!("share = {}", super::float(self.share))];
        if let Some(m) = &self.method {
            parts.push(format!("method = {}", quote(m)));
        }
        if let Some(h) = &self.host {
            parts.push(format!("host = {}", quote(h)));
        }
        format!("{{ {} }}", parts.join(", "))
    }
}

/// A target group's name, from its ARN (`…:targetgroup/<name>/<id>`).
fn target_group_name(arn: &str) -> &str {
    arn.split(":targetgroup/").nth(1).and_then(|rest| rest.split('/').next()).unwrap_or(arn)
}

/// `[load_balancer]` and its tables, and the routes of the placeholder traffic.
pub(super) fn map(
    b: &mut Builder,
    services: &[ServiceOut],
    inputs: &Inputs,
) -> Result<(Vec<Table>, Vec<Route>), Error> {
    let behind: Vec<&ServiceOut> = services.iter().filter(|s| !s.load_balancers.is_empty()).collect();
    if behind.is_empty() {
        for file in [&inputs.target_groups, &inputs.rules].into_iter().flatten() {
            b.assume(format!("{}: no imported service has a load balancer; not used", file.file));
        }
        return Ok((Vec::new(), Vec::new()));
    }
    // Each service's first target group (fleetsim registers a service with one).
    let mut owners: Vec<(String, String, u32)> = Vec::new();
    for s in &behind {
        let arn = s.load_balancers[0].opt_str("targetGroupArn")?.map(|(a, _)| a.to_string()).unwrap_or_default();
        owners.push((arn, s.name.clone(), s.desired.max(1)));
    }

    let mut lb = Table::new("load_balancer", false, "the services' target groups and the listener's rules");
    let mut health = Table::new("load_balancer.health_check", false, "");
    target_groups(b, &mut health, &owners, inputs)?;
    attributes(b, &mut lb, &owners, inputs)?;
    let mut tables = Vec::new();
    let mut routes = Vec::new();
    let mut default_action = None;
    match &inputs.rules {
        Some(root) => rules(b, root, &owners, &mut tables, &mut routes, &mut default_action)?,
        None if owners.len() > 1 => {
            let mut t = Table::new("load_balancer.default_action", false, "");
            t.set("forward", quote(&owners[0].1), ASSUMED);
            b.assume(format!(
                "load_balancer.default_action forwards to {:?} (no --rules: the listener's rules are in \
                 `aws elbv2 describe-rules`); the other services get no requests",
                owners[0].1
            ));
            default_action = Some(t);
        }
        None => {}
    }
    let mut out = Vec::new();
    if !lb.entries.is_empty() || !health.entries.is_empty() || default_action.is_some() || !tables.is_empty() {
        out.push(lb);
    }
    if !health.entries.is_empty() {
        out.push(health);
    }
    out.extend(default_action);
    out.extend(tables);
    Ok((out, routes))
}

const HEALTH: [(&str, &str, bool); 4] = [
    ("HealthCheckIntervalSeconds", "interval", true),
    ("HealthCheckTimeoutSeconds", "timeout", true),
    ("HealthyThresholdCount", "healthy_threshold_count", false),
    ("UnhealthyThresholdCount", "unhealthy_threshold_count", false),
];

/// The first service's target group's health check; the others', where they differ, noted.
fn target_groups(
    b: &mut Builder,
    health: &mut Table,
    owners: &[(String, String, u32)],
    inputs: &Inputs,
) -> Result<(), Error> {
    let Some(root) = &inputs.target_groups else {
        b.assume("[load_balancer.health_check]: AWS's defaults (the target groups are in `aws elbv2 describe-target-groups`: give --target-groups)");
        return Ok(());
    };
    let all = root.require("TargetGroups", "describe-target-groups output holds `TargetGroups`")?.items()?;
    let mut found: Vec<Option<Node>> = Vec::new();
    for (arn, _, _) in owners {
        let mut hit = None;
        for tg in &all {
            if tg.opt_str("TargetGroupArn")?.is_some_and(|(a, _)| a == arn) {
                hit = Some(tg.clone());
            }
        }
        found.push(hit);
    }
    let Some(main) = &found[0] else {
        b.assume(format!(
            "[load_balancer.health_check]: AWS's defaults ({} holds no target group {})",
            root.file, owners[0].0
        ));
        return Ok(());
    };
    health.comment = main.source().into();
    let mut main_values = Vec::new();
    for (json, toml, is_duration) in HEALTH {
        let value = main.opt_u32(json)?;
        if let Some((v, n)) = &value {
            health.set(toml, if is_duration { seconds(*v) } else { v.to_string() }, n.source());
        }
        main_values.push(value.map(|(v, _)| v));
    }
    for tg in found.iter().flatten() {
        if let Some((false, n)) = tg.opt_bool("HealthCheckEnabled")? {
            b.not_modelled(
                &n,
                "health checks off: fleetsim always checks its targets (ip targets cannot turn them off)",
            );
        }
    }
    for (i, tg) in found.iter().enumerate().skip(1) {
        let Some(tg) = tg else {
            b.assume(format!(
                "{}'s target group {} is not in {}: checked as {}'s",
                owners[i].1, owners[i].0, root.file, owners[0].1
            ));
            continue;
        };
        for ((json, _, _), main_value) in HEALTH.iter().zip(&main_values) {
            if let Some((v, n)) = tg.opt_u32(json)? {
                if Some(v) != *main_value {
                    b.not_modelled(
                        &n,
                        format!(
                            "{v} differs from {:?}'s target group: fleetsim gives every target group one health check",
                            owners[0].1
                        ),
                    );
                }
            }
        }
    }
    Ok(())
}

/// Attribute keys that change behaviour, with ELB's defaults (§3.1, §3.4).
const BEHAVIOUR: [(&str, &str); 3] = [
    ("deregistration_delay.timeout_seconds", "300"),
    ("slow_start.duration_seconds", "0"),
    ("load_balancing.algorithm.type", "round_robin"),
];

/// `describe-target-group-attributes`: the first service's target group's
/// deregistration delay, slow start and algorithm; the rest noted.
fn attributes(b: &mut Builder, lb: &mut Table, owners: &[(String, String, u32)], inputs: &Inputs) -> Result<(), Error> {
    if inputs.attributes.is_empty() {
        b.assume("[load_balancer] deregistration delay 300 s, round robin, no slow start: AWS's defaults (give --target-group-attributes)");
        return Ok(());
    }
    let mut per_group: Vec<Option<Vec<(String, String, Node)>>> = vec![None; owners.len()];
    for (key, root) in &inputs.attributes {
        let index = match key {
            None if owners.len() == 1 => 0,
            None => {
                return Err(root.error(format!(
                    "describe-target-group-attributes does not say whose attributes these are, and {} services have \
                     target groups: name it, --target-group-attributes <service or target group>={}",
                    owners.len(),
                    root.file
                )))
            }
            Some(k) => owners
                .iter()
                .position(|(arn, service, _)| arn == k || target_group_name(arn) == *k || service == k)
                .ok_or_else(|| {
                    let known: Vec<&str> = owners.iter().map(|(_, s, _)| s.as_str()).collect();
                    root.error(format!(
                        "{k:?} names no imported service's target group (services: {})",
                        list_or_none(&known)
                    ))
                })?,
        };
        let mut list = Vec::new();
        for a in root.require("Attributes", "describe-target-group-attributes output holds `Attributes`")?.items()? {
            let key = a.require("Key", "the attribute's Key")?.str()?.to_string();
            // Every value is a string (§15); a number is taken as one.
            let value_node = a.require("Value", "the attribute's Value")?;
            let value = match value_node.value {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::Bool(v) => v.to_string(),
                _ => return Err(value_node.expected("a string")),
            };
            list.push((key, value, value_node));
        }
        per_group[index] = Some(list);
    }
    for (i, group) in per_group.iter().enumerate() {
        let Some(list) = group else {
            b.assume(format!("{:?}'s target group has no attributes file: taken as {:?}'s", owners[i].1, owners[0].1));
            continue;
        };
        for (key, value, node) in list {
            match (key.as_str(), value.as_str()) {
                ("load_balancing.algorithm.anomaly_mitigation", "on") => {
                    b.not_modelled(node, "automatic target weights (anomaly mitigation): not modelled")
                }
                ("stickiness.enabled", "true") => {
                    b.not_modelled(node, "sticky sessions: fleetsim's requests carry no client (§10.3)")
                }
                ("deregistration_delay.connection_termination.enabled", "true") => b.not_modelled(
                    node,
                    "connections closed at the end of the deregistration delay: fleetsim lets requests in flight finish",
                ),
                (
                    "target_group_health.dns_failover.minimum_healthy_targets.count"
                    | "target_group_health.unhealthy_state_routing.minimum_healthy_targets.count",
                    v,
                ) if v != "1" => b.not_modelled(node, format!("{v}: fleetsim fails open only with no healthy target (§3.3)")),
                (
                    "target_group_health.dns_failover.minimum_healthy_targets.percentage"
                    | "target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage",
                    v,
                ) if v != "off" => b.not_modelled(node, format!("{v}: fleetsim fails open only with no healthy target (§3.3)")),
                _ => {}
            }
        }
    }
    if let Some(main) = &per_group[0] {
        for (key, default) in BEHAVIOUR {
            let Some((value, node)) = value_of(main, key) else { continue };
            match key {
                "load_balancing.algorithm.type" => match value.as_str() {
                    v @ ("round_robin" | "least_outstanding_requests" | "weighted_random") => {
                        lb.set("algorithm", quote(v), node.source())
                    }
                    other => {
                        return Err(node.expected(&format!(
                            "round_robin, least_outstanding_requests or weighted_random (not {other:?})"
                        )))
                    }
                },
                _ => {
                    let secs = node.u32()?;
                    let toml =
                        if key.starts_with("slow_start") { "slow_start_duration" } else { "deregistration_delay" };
                    lb.set(toml, seconds(secs), node.source());
                }
            }
            let _ = default;
        }
        for (i, group) in per_group.iter().enumerate().skip(1) {
            let Some(list) = group else { continue };
            for (key, default) in BEHAVIOUR {
                let main_value = value_of(main, key).map_or(default.to_string(), |(v, _)| v);
                if let Some((v, n)) = value_of(list, key) {
                    if v != main_value {
                        b.not_modelled(
                            &n,
                            format!(
                                "{key} = {v} differs from {:?}'s {main_value}: fleetsim gives every target group the load balancer's one setting ({})",
                                owners[0].1, owners[i].1
                            ),
                        );
                    }
                }
            }
        }
    }
    Ok(())
}

/// A routing action: the scenario's key (`forward`, `fixed_response`), its
/// value, the services it forwards to, and its source.
type Action = (String, String, Vec<String>, Source);

/// An attribute's value and its node.
fn value_of<'a>(list: &[(String, String, Node<'a>)], key: &str) -> Option<(String, Node<'a>)> {
    list.iter().find(|(k, _, _)| k == key).map(|(_, v, n)| (v.clone(), n.clone()))
}

/// A rule's routing action as `(key, value)` of the scenario's action table,
/// and the services it forwards to; None (noted) when it cannot be expressed.
fn action(b: &mut Builder, rule: &Node, owners: &[(String, String, u32)]) -> Result<Option<Action>, Error> {
    let mut actions = rule.list("Actions")?;
    let mut keyed = Vec::new();
    for (i, a) in actions.drain(..).enumerate() {
        let order = a.opt_u32("Order")?.map_or(i as u32, |(o, _)| o);
        keyed.push((order, i, a));
    }
    keyed.sort_by_key(|(order, i, _)| (*order, *i));
    for (_, _, a) in keyed {
        let kind = a.require("Type", "the action's Type")?;
        match kind.str()? {
            "authenticate-oidc" | "authenticate-cognito" => {
                b.not_modelled(&a, "authentication before routing: not simulated; the routing action applies")
            }
            "forward" => {
                let mut groups = Vec::new();
                match a.get("ForwardConfig")? {
                    Some(fc) => {
                        for g in fc.require("TargetGroups", "the forward's target groups")?.items()? {
                            let arn = g.require("TargetGroupArn", "the target group's ARN")?;
                            // Model choice §15: a group without a weight weighs 1.
                            let weight = g.opt_u32("Weight")?.map_or(1, |(w, _)| w);
                            groups.push((arn, weight));
                        }
                        if let Some(sticky) = fc.get("TargetGroupStickinessConfig")? {
                            if let Some((true, n)) = sticky.opt_bool("Enabled")? {
                                b.not_modelled(
                                    &n,
                                    "target group stickiness: fleetsim's requests carry no client (§10.3)",
                                );
                            }
                        }
                    }
                    None => {
                        groups.push((a.require("TargetGroupArn", "the forward's TargetGroupArn or ForwardConfig")?, 1))
                    }
                }
                let mut named = Vec::new();
                for (arn_node, weight) in &groups {
                    let arn = arn_node.str()?;
                    match owners.iter().find(|(a, _, _)| a == arn) {
                        Some((_, service, _)) => named.push((service.clone(), *weight)),
                        None => {
                            b.not_modelled(
                                arn_node,
                                format!("forwards to target group {:?}, which no imported service registers with: rule left out", target_group_name(arn)),
                            );
                            return Ok(None);
                        }
                    }
                }
                let services: Vec<String> = named.iter().filter(|(_, w)| *w > 0).map(|(s, _)| s.clone()).collect();
                let value = if let [(service, _)] = named.as_slice() {
                    quote(service)
                } else {
                    let items: Vec<String> =
                        named.iter().map(|(s, w)| format!("{{ target_group = {}, weight = {w} }}", quote(s))).collect();
                    format!("[{}]", items.join(", "))
                };
                return Ok(Some(("forward".into(), value, services, a.source())));
            }
            "fixed-response" => {
                let cfg = a.require("FixedResponseConfig", "the fixed response")?;
                let code = cfg.require("StatusCode", "the fixed response's StatusCode")?.u32()?;
                return Ok(Some((
                    "fixed_response".into(),
                    format!("{{ status_code = {code} }}"),
                    Vec::new(),
                    a.source(),
                )));
            }
            "redirect" => {
                let cfg = a.require("RedirectConfig", "the redirect")?;
                let code_node = cfg.require("StatusCode", "the redirect's StatusCode")?;
                let code = match code_node.str()? {
                    "HTTP_301" => 301,
                    "HTTP_302" => 302,
                    other => return Err(code_node.expected(&format!("HTTP_301 or HTTP_302 (not {other:?})"))),
                };
                b.not_modelled(
                    &a,
                    format!("a redirect: answered {code} by the ALB; the client's next request is not simulated"),
                );
                return Ok(Some((
                    "fixed_response".into(),
                    format!("{{ status_code = {code} }}"),
                    Vec::new(),
                    a.source(),
                )));
            }
            other => {
                b.not_modelled(&kind, format!("{other}: not an action fleetsim knows; rule left out"));
                return Ok(None);
            }
        }
    }
    b.not_modelled(rule, "no routing action: rule left out");
    Ok(None)
}

/// A sample value matching a glob: `*` → `x`, `?` → `x`.
fn sample(glob: &str) -> String {
    glob.replace(['*', '?'], "x")
}

/// The rule's conditions as the scenario's inline array and a request line
/// that meets them (None for the line when a header must be sent); None
/// (noted) when a condition cannot be expressed.
fn conditions(b: &mut Builder, rule: &Node) -> Result<Option<(String, Option<Route>)>, Error> {
    let mut items = Vec::new();
    let mut route = Some(Route { path: "/".into(), share: 0.0, method: None, host: None });
    let mut query = Vec::new();
    for c in rule.list("Conditions")? {
        let field = c.require("Field", "the condition's Field")?.str()?;
        let config_key = match field {
            "path-pattern" => "PathPatternConfig",
            "host-header" => "HostHeaderConfig",
            "http-header" => "HttpHeaderConfig",
            "http-request-method" => "HttpRequestMethodConfig",
            "query-string" => "QueryStringConfig",
            "source-ip" => {
                b.not_modelled(&c, "source-ip: fleetsim's requests carry no client address; rule left out");
                return Ok(None);
            }
            other => {
                b.not_modelled(&c, format!("{other}: not a condition fleetsim knows; rule left out"));
                return Ok(None);
            }
        };
        // Model choice §15: the *Config form when present, else the legacy Values.
        let config = c.get(config_key)?;
        if let Some(cfg) = &config {
            if !cfg.list("RegexValues")?.is_empty() {
                b.not_modelled(cfg, "RegexValues: not modelled (§10.2); rule left out");
                return Ok(None);
            }
        }
        if field == "query-string" {
            let Some(cfg) = config else {
                b.not_modelled(&c, "query-string without QueryStringConfig: rule left out");
                return Ok(None);
            };
            let mut pairs = Vec::new();
            for pair in cfg.list("Values")? {
                let key = pair.opt_str("Key")?.map(|(k, _)| k);
                let value = pair.require("Value", "the query string pair's Value")?.str()?;
                pairs.push(match key {
                    Some(k) => format!("{{ key = {}, value = {} }}", quote(k), quote(value)),
                    None => format!("{{ value = {} }}", quote(value)),
                });
                query.push(format!("{}={}", sample(key.unwrap_or("q")), sample(value)));
            }
            items.push(format!("{{ field = \"query-string\", query_string = [{}] }}", pairs.join(", ")));
            continue;
        }
        let values = match &config {
            Some(cfg) => cfg.list("Values")?,
            None => c.list("Values")?,
        };
        let values: Vec<&str> = values.iter().map(Node::str).collect::<Result<_, _>>()?;
        let quoted: Vec<String> = values.iter().map(|v| quote(v)).collect();
        let first = values.first().copied().unwrap_or("");
        match field {
            "http-header" => {
                let name = config
                    .as_ref()
                    .map(|cfg| cfg.require("HttpHeaderName", "the header's name"))
                    .transpose()?
                    .map(|n| n.str())
                    .transpose()?;
                let Some(name) = name else {
                    b.not_modelled(&c, "http-header without HttpHeaderConfig: rule left out");
                    return Ok(None);
                };
                items.push(format!(
                    "{{ field = \"http-header\", http_header_name = {}, values = [{}] }}",
                    quote(name),
                    quoted.join(", ")
                ));
                route = None; // the placeholder traffic sends no headers
            }
            _ => {
                items.push(format!("{{ field = {}, values = [{}] }}", quote(field), quoted.join(", ")));
                if let Some(r) = &mut route {
                    match field {
                        "path-pattern" => {
                            let p = sample(first);
                            r.path = if p.starts_with('/') { p } else { format!("/{p}") };
                        }
                        "host-header" => r.host = Some(first.replace('*', "www").replace('?', "x")),
                        _ => r.method = Some(first.to_string()),
                    }
                }
            }
        }
    }
    if let Some(r) = &mut route {
        if !query.is_empty() {
            r.path = format!("{}?{}", r.path, query.join("&"));
        }
    }
    Ok(Some((format!("[{}]", items.join(", ")), route)))
}

/// `describe-rules`: the non-default rules as `[[load_balancer.rules]]`,
/// the default rule as `[load_balancer.default_action]` (§10.1).
fn rules(
    b: &mut Builder,
    root: &Node,
    owners: &[(String, String, u32)],
    tables: &mut Vec<Table>,
    routes: &mut Vec<Route>,
    default_action: &mut Option<Table>,
) -> Result<(), Error> {
    let mut kept: Vec<(Route, String)> = Vec::new();
    let mut default_service: Option<String> = None;
    for rule in root.require("Rules", "describe-rules output holds `Rules`")?.items()? {
        // Model choice §10.1: the default rule is the one marked IsDefault.
        let is_default = rule.opt_bool("IsDefault")?.is_some_and(|(d, _)| d)
            || rule.opt_str("Priority").ok().flatten().is_some_and(|(p, _)| p == "default");
        if let Some(transforms) = rule.get("Transforms")? {
            if !transforms.items()?.is_empty() {
                b.not_modelled(
                    &transforms,
                    "rule transforms (rewrites): not modelled (§10.2); the rule routes unchanged",
                );
            }
        }
        let priority = match is_default {
            true => None,
            false => {
                let node = rule.require("Priority", "the rule's Priority")?;
                Some((node.u32()?, node))
            }
        };
        let Some((key, value, services, source)) = action(b, &rule, owners)? else { continue };
        if is_default {
            default_service = services.first().cloned();
            let mut t = Table::new("load_balancer.default_action", false, rule.source());
            t.set(&key, value, source);
            *default_action = Some(t);
            continue;
        }
        let Some((priority, priority_node)) = priority else { continue };
        let Some((conditions, route)) = conditions(b, &rule)? else { continue };
        let mut t = Table::new("load_balancer.rules", true, rule.source());
        t.set("priority", priority.to_string(), priority_node.source());
        let conditions_node = rule.get("Conditions")?.unwrap_or_else(|| rule.clone());
        t.set("conditions", conditions, conditions_node.source());
        t.set("action", format!("{{ {key} = {value} }}"), source);
        tables.push(t);
        match (route, services.first()) {
            (Some(r), Some(service)) => kept.push((r, service.clone())),
            (None, Some(_)) => b.assume(format!(
                "{}: no placeholder traffic (it sends no headers for an http-header condition)",
                rule.source()
            )),
            _ => {}
        }
    }
    // Each service's share of the placeholder traffic follows its desired count,
    // split among the rules that forward to it.
    let total: u32 = owners.iter().map(|(_, _, d)| d).sum();
    for (mut r, service) in kept.iter().cloned() {
        let desired = owners.iter().find(|(_, s, _)| *s == service).map_or(0, |(_, _, d)| *d);
        // The default rule takes its service's share too, as GET /.
        let is_default = default_service.as_deref() == Some(service.as_str());
        let rules_to_it = (kept.iter().filter(|(_, s)| *s == service).count() + usize::from(is_default)) as f64;
        let share = f64::from(desired) / f64::from(total.max(1)) / rules_to_it;
        r.share = (share * 1000.0).floor() / 1000.0;
        if r.share > 0.0 {
            routes.push(r);
        }
    }
    Ok(())
}
