//! Several services behind one ALB (issue 8, aws-semantics §10): listener
//! rules by priority with anchored wildcards, host conditions, fixed
//! responses and the default action, weighted forwards, traffic split by
//! route shares, and rule evaluations on the LCU bill.

use crate::support;

/// Three services behind one listener: `/api/*` → api (priority 10),
/// host `admin.*` → admin (priority 5), `/private*` → 404 (priority 20),
/// anything else → web (the default action).
const THREE_SERVICES: &str = r#"
duration = "5m"
[[services]]
name = "web"
warm_start = true
service_time = { distribution = "constant", value = "10ms" }
[[services]]
name = "api"
warm_start = true
service_time = { distribution = "constant", value = "10ms" }
[[services]]
name = "admin"
warm_start = true
service_time = { distribution = "constant", value = "10ms" }

[[load_balancer.rules]]
priority = 10
name = "api"
conditions = [{ field = "path-pattern", values = ["/api/*"] }]
action = { forward = "api" }
[[load_balancer.rules]]
priority = 20
name = "private"
conditions = [{ field = "path-pattern", values = ["/private*"] }]
action = { fixed_response = { status_code = 404 } }
[[load_balancer.rules]]
priority = 5
name = "admin"
conditions = [{ field = "host-header", values = ["admin.*"] }]
action = { forward = "admin" }
"#;

fn requests_by_service(figures: &fleetsim::observe::RunFigures) -> Vec<(String, u64)> {
    figures.services.iter().map(|s| (s.name.clone(), s.requests.total)).collect()
}

/// Goal: rule matching on a per-request trace's own request lines. The trace
/// repeats six requests 100 times each: `GET /api/orders?id=7` → api (the
/// query is not part of the path); `GET /` → web; `POST /admin/users` on host
/// admin.example.com → admin (priority 5 wins); `/private/keys` → 404;
/// `/API/orders` → web (paths are case-sensitive); `/api` → web (`/api/*`
/// is anchored: it needs the slash).
#[test]
fn rules_route_a_request_trace_by_priority_wildcards_and_host() {
    let text = format!(
        "{THREE_SERVICES}\n{}",
        r#"[traffic]
kind = "request_trace"
file = "routes.csv"
path_column = "path"
method_column = "method"
host_column = "host"
"#
    );
    let figures = support::run(&text);
    assert_eq!(
        requests_by_service(&figures),
        [("web".to_string(), 300), ("api".to_string(), 100), ("admin".to_string(), 100)]
    );
    let routes: Vec<(String, u64, u64)> =
        figures.routes.iter().map(|r| (r.name.clone(), r.requests.total, r.fixed_responses)).collect();
    assert_eq!(
        routes,
        [
            ("admin".to_string(), 100, 0),
            ("api".to_string(), 100, 0),
            ("private".to_string(), 0, 100),
            ("default".to_string(), 300, 0),
        ]
    );
    assert_eq!(figures.routes[2].fixed_status, Some(404));
    // Fixed responses reach no service: the cluster's requests are the forwarded ones.
    assert_eq!(figures.requests.total, 500);
}

/// Goal: a count or synthetic source split by route shares: 50 % `/api/x`,
/// 20 % on host admin.example.com, 10 % `/private/y`, and the rest (20 %)
/// `GET /` → web. Each share within four standard deviations.
#[test]
fn route_shares_split_synthetic_traffic() {
    let text = format!(
        "{THREE_SERVICES}\n{}",
        r#"[traffic]
kind = "constant"
rate_per_second = 100.0
routes = [
  { path = "/api/x", share = 0.5 },
  { path = "/index.html", host = "admin.example.com", share = 0.2 },
  { path = "/private/y", share = 0.1 },
]
"#
    );
    let figures = support::run(&text);
    let by_service = requests_by_service(&figures);
    let fixed = figures.routes[2].fixed_responses;
    let total = (by_service.iter().map(|(_, n)| n).sum::<u64>() + fixed) as f64;
    for (count, share) in [(by_service[1].1, 0.5), (by_service[2].1, 0.2), (fixed, 0.1), (by_service[0].1, 0.2)] {
        let sigma = (share * (1.0 - share) / total).sqrt();
        let seen = count as f64 / total;
        assert!((seen - share).abs() < 4.0 * sigma, "{count} of {total}: {seen} against {share}");
    }
}

/// Goal: a weighted forward (§10.3) splits 80/20 within sampling error.
#[test]
fn a_weighted_forward_splits_eighty_twenty() {
    let text = r#"
duration = "10m"
[traffic]
kind = "constant"
rate_per_second = 50.0
[[services]]
name = "stable"
warm_start = true
service_time = { distribution = "constant", value = "10ms" }
[[services]]
name = "canary"
warm_start = true
service_time = { distribution = "constant", value = "10ms" }
[load_balancer]
default_action = { forward = [{ target_group = "stable", weight = 80 }, { target_group = "canary", weight = 20 }] }
"#;
    let figures = support::run(text);
    let (stable, canary) = (figures.services[0].requests.total as f64, figures.services[1].requests.total as f64);
    let total = stable + canary;
    let sigma = (0.2 * 0.8 / total).sqrt();
    assert!((canary / total - 0.2).abs() < 4.0 * sigma, "canary {canary} of {total}");
    assert!(total > 29_000.0, "ten minutes at 50 req/s: {total}");
}

/// Goal: rule evaluations on the LCU bill (§10.5 model choice): with 12
/// rules every request is billed for 12 − 10 = 2 evaluations.
#[test]
fn rules_beyond_ten_are_billed_per_request() {
    let mut text = String::from(
        r#"
duration = "10m"
[traffic]
kind = "constant"
rate_per_second = 20.0
[service]
warm_start = true
service_time = { distribution = "constant", value = "10ms" }
"#,
    );
    for priority in 1..=12 {
        text.push_str(&format!(
            "[[load_balancer.rules]]\npriority = {priority}\nconditions = [{{ field = \"path-pattern\", values = [\"/never-{priority}\"] }}]\naction = {{ forward = \"web\" }}\n"
        ));
    }
    let figures = support::run(&text);
    let evaluations: u64 = figures.usage.alb_hours.iter().map(|h| h.billable_rule_evaluations).sum();
    assert_eq!(evaluations, 2 * figures.requests.total);
    assert!(figures.requests.total > 11_000);
}
