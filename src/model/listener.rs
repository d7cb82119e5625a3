//! An ALB listener's rules (aws-semantics §10): conditions on a request line,
//! evaluation by priority, and the weighted split of a forward action.
//! Pure functions of validated config and one request: no I/O, no RNG of its
//! own (the caller hands in a uniform draw), and evaluation never allocates.
//!
//! AWS's limits (§10.2, §10.3), checked by scenario validation, not here:
//! priorities 1–50,000 and unique per listener; per rule at most one
//! `host-header`, `path-pattern`, `http-request-method` condition, ≤ 3 values
//! per condition, ≤ 5 condition values, ≤ 5 match evaluations and ≤ 5
//! wildcards; values ≤ 128 characters; an `http-header` condition never names
//! `Host`; a forward action names ≤ 5 target groups with weights 0–999.
//!
//! Out of scope (model choices, §10.2, §10.3): `source-ip` conditions (a trace
//! carries no peer address), `RegexValues`, rule transforms, `redirect`
//! actions, authentication actions and group stickiness.

use super::ids::{RouteId, TargetGroupId};

/// The parts of one HTTP request that listener rules read, borrowed from the
/// trace so matching needs no allocation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RequestLine<'a> {
    /// The method as sent, e.g. `GET` (matched case-sensitively, §10.2).
    pub method: &'a str,
    /// The `Host` header's value as sent (a port, if any, is part of it).
    pub host: &'a str,
    /// The path of the request target, without `?` and the query string.
    pub path: &'a str,
    /// The raw query string after `?` (empty when there is none), still
    /// percent-encoded: conditions match the encoded text (model choice).
    pub query: &'a str,
    /// Headers other than `Host` as (name, value), in the order sent; a
    /// repeated header appears once per occurrence.
    pub headers: &'a [(&'a str, &'a str)],
}

impl<'a> RequestLine<'a> {
    /// A request line from a method, host and request target (`/path?query`),
    /// with no other headers. The target is split at its first `?`.
    pub fn from_target(method: &'a str, host: &'a str, target: &'a str) -> RequestLine<'a> {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        RequestLine { method, host, path, query, headers: &[] }
    }

    /// The same request with these headers (other than `Host`).
    pub fn with_headers(self, headers: &'a [(&'a str, &'a str)]) -> RequestLine<'a> {
        RequestLine { headers, ..self }
    }

    /// The query string's parameters as (key, value), in order; a parameter
    /// with no `=` has an empty value, and empty pieces (`a=1&&b=2`) are skipped.
    fn query_parameters(&self) -> impl Iterator<Item = (&'a str, &'a str)> {
        self.query
            .split('&')
            .filter(|piece| !piece.is_empty())
            .map(|piece| piece.split_once('=').unwrap_or((piece, "")))
    }
}

/// How a pattern compares letters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Case {
    Sensitive,
    /// ASCII letters fold (`A` = `a`); other characters compare exactly, which
    /// is enough for hosts, header names and percent-encoded query strings.
    AsciiInsensitive,
}

impl Case {
    fn bytes_equal(self, a: u8, b: u8) -> bool {
        match self {
            Case::Sensitive => a == b,
            Case::AsciiInsensitive => a.eq_ignore_ascii_case(&b),
        }
    }

    fn strs_equal(self, a: &str, b: &str) -> bool {
        match self {
            Case::Sensitive => a == b,
            Case::AsciiInsensitive => a.eq_ignore_ascii_case(b),
        }
    }
}

/// A condition value: a glob where `*` matches zero or more characters and `?`
/// exactly one (§10.2). It must match the whole text, and `*` also matches `/`
/// (model choice §10.2: AWS never states the anchoring; `/api` matches only
/// `/api`, so services list `/api` and `/api/*`). There is no escape for a
/// literal `*` or `?`. Whether letters fold is the condition's business.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pattern {
    text: String,
    /// Whether `text` holds `*` or `?`; without them a match is a plain comparison.
    has_wildcard: bool,
}

impl Pattern {
    pub fn new(text: impl Into<String>) -> Pattern {
        let text = text.into();
        let has_wildcard = text.bytes().any(|b| b == b'*' || b == b'?');
        Pattern { text, has_wildcard }
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the whole of `text` matches, letters compared exactly.
    pub fn matches(&self, text: &str) -> bool {
        self.matches_with(text, Case::Sensitive)
    }

    /// Whether the whole of `text` matches, ASCII letters folded.
    pub fn matches_ignore_ascii_case(&self, text: &str) -> bool {
        self.matches_with(text, Case::AsciiInsensitive)
    }

    fn matches_with(&self, text: &str, case: Case) -> bool {
        if self.has_wildcard {
            glob_match(self.text.as_bytes(), text.as_bytes(), case)
        } else {
            case.strs_equal(&self.text, text)
        }
    }
}

/// Anchored glob match by two pointers, backtracking only to the last `*`:
/// O(pattern × text) at worst, linear when the pattern has one `*` or none.
/// Works on UTF-8 bytes; `?` and a `*`'s growth step over one whole character,
/// so every text position stays on a character boundary and literal bytes only
/// ever meet the start of a character.
fn glob_match(pattern: &[u8], text: &[u8], case: Case) -> bool {
    let (mut p, mut t) = (0, 0);
    // After a `*`: the pattern position just past it and the text position it
    // currently stops at. A later mismatch lets the star swallow one more character.
    let mut last_star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                p += 1;
                last_star = Some((p, t));
                continue;
            }
            Some(b'?') => {
                p += 1;
                t += utf8_width(text[t]);
                continue;
            }
            Some(&literal) if case.bytes_equal(literal, text[t]) => {
                p += 1;
                t += 1;
                continue;
            }
            _ => {}
        }
        let Some((after_star, star_end)) = last_star else { return false };
        let grown = star_end + utf8_width(text[star_end]);
        last_star = Some((after_star, grown));
        p = after_star;
        t = grown;
    }
    // The text is used up: only stars (matching nothing) may remain.
    pattern[p..].iter().all(|&b| b == b'*')
}

/// The length in bytes of the UTF-8 character whose first byte is `lead`.
fn utf8_width(lead: u8) -> usize {
    match lead {
        0x00..=0x7F => 1,
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        _ => 2,
    }
}

/// One (key, value) of a `query-string` condition (§10.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryStringPair {
    /// The key to match; `None` matches any key (§10.2).
    pub key: Option<Pattern>,
    pub value: Pattern,
}

/// One condition of a rule (§10.2). Its values are ORed: it holds when any
/// value matches. A condition with no values never holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Condition {
    /// The path only, never the query string; case-sensitive (§10.2).
    PathPattern(Vec<Pattern>),
    /// The `Host` header; case-insensitive (§10.2).
    HostHeader(Vec<Pattern>),
    /// A header other than `Host`, name and values case-insensitive; each
    /// occurrence of a repeated header is tried (§10.2).
    HttpHeader { name: String, values: Vec<Pattern> },
    /// The method, exact and case-sensitive, no wildcards (§10.2).
    HttpRequestMethod(Vec<String>),
    /// Query parameters, keys and values case-insensitive (§10.2).
    QueryString(Vec<QueryStringPair>),
}

impl Condition {
    /// Whether `request` satisfies this condition.
    pub fn matches(&self, request: &RequestLine<'_>) -> bool {
        match self {
            Condition::PathPattern(patterns) => patterns.iter().any(|p| p.matches(request.path)),
            Condition::HostHeader(patterns) => patterns.iter().any(|p| p.matches_ignore_ascii_case(request.host)),
            Condition::HttpHeader { name, values } => request
                .headers
                .iter()
                .filter(|(header, _)| header.eq_ignore_ascii_case(name))
                .any(|(_, value)| values.iter().any(|p| p.matches_ignore_ascii_case(value))),
            Condition::HttpRequestMethod(methods) => methods.iter().any(|m| m == request.method),
            Condition::QueryString(pairs) => pairs.iter().any(|pair| {
                request.query_parameters().any(|(key, value)| {
                    pair.key.as_ref().is_none_or(|k| k.matches_ignore_ascii_case(key))
                        && pair.value.matches_ignore_ascii_case(value)
                })
            }),
        }
    }
}

/// A target group of a forward action and its relative share (§10.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WeightedTargetGroup {
    pub target_group: TargetGroupId,
    /// 0–999 in AWS; 0 gets no requests (§10.3).
    pub weight: u32,
}

/// What a rule does with a request it matches (§10.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Forward to one of these groups, split in proportion to their weights.
    Forward(Vec<WeightedTargetGroup>),
    /// Answer at the load balancer with this status; no target is chosen, so
    /// it counts in neither `RequestCount` nor `RequestCountPerTarget` (model choice §10.3).
    FixedResponse { status: u16 },
}

impl Action {
    /// Forward everything to one group (a rule's plain `TargetGroupArn`).
    pub fn forward(target_group: TargetGroupId) -> Action {
        Action::Forward(vec![WeightedTargetGroup { target_group, weight: 1 }])
    }
}

/// A non-default rule: its conditions are ANDed (§10.1). AWS requires at
/// least one condition; with none, a rule matches every request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    /// 1–50,000, unique per listener; lower is evaluated first (§10.1).
    pub priority: u32,
    pub conditions: Vec<Condition>,
    pub action: Action,
}

impl Rule {
    /// Whether every condition holds for `request`.
    pub fn matches(&self, request: &RequestLine<'_>) -> bool {
        self.conditions.iter().all(|c| c.matches(request))
    }
}

/// A listener: its rules in ascending priority, then the default rule, which
/// has no conditions and is evaluated last (§10.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listener {
    /// Sorted by ascending priority.
    rules: Vec<Rule>,
    default_action: Action,
}

impl Listener {
    /// A listener of these rules in any order; they are sorted by priority.
    /// Priorities must be unique (§10.1; validation checks it).
    pub fn new(mut rules: Vec<Rule>, default_action: Action) -> Listener {
        rules.sort_by_key(|rule| rule.priority);
        if let Some(pair) = rules.windows(2).find(|pair| pair[0].priority == pair[1].priority) {
            panic!("invariant: listener has two rules of priority {}", pair[0].priority);
        }
        Listener { rules, default_action }
    }

    /// The non-default rules, in ascending priority.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn default_action(&self) -> &Action {
        &self.default_action
    }

    /// The non-default rules: what every request is billed as processing
    /// (model choice §10.5; the default rule does not count).
    pub fn rule_count(&self) -> u32 {
        self.rules.len() as u32
    }

    /// The action of the first rule, by ascending priority, whose conditions
    /// all hold, else the default action (§10.1); and the rules processed for
    /// the LCU bill, which is every non-default rule (model choice §10.5).
    pub fn evaluate(&self, request: &RequestLine<'_>) -> (&Action, u32) {
        let action = match self.first_match(request) {
            Some(index) => &self.rules[index].action,
            None => &self.default_action,
        };
        (action, self.rule_count())
    }

    /// As [`evaluate`](Self::evaluate), but the rules processed are those
    /// tried up to and including the match, or all of them when the default
    /// answers: §10.5's option "up to the first match".
    pub fn evaluate_up_to_match(&self, request: &RequestLine<'_>) -> (&Action, u32) {
        match self.first_match(request) {
            Some(index) => (&self.rules[index].action, index as u32 + 1),
            None => (&self.default_action, self.rule_count()),
        }
    }

    /// The route a request takes: the index of the rule that matches, by
    /// ascending priority, or `rules().len()` for the default action. Traffic
    /// resolves each request to its route once, as it is read.
    pub fn route(&self, request: &RequestLine<'_>) -> RouteId {
        RouteId(self.first_match(request).unwrap_or(self.rules.len()) as u32)
    }

    /// Routes: one per rule, then the default action.
    pub fn route_count(&self) -> usize {
        self.rules.len() + 1
    }

    /// What the listener does with a request on `route`.
    pub fn action(&self, route: RouteId) -> &Action {
        self.rules.get(route.index()).map_or(&self.default_action, |rule| &rule.action)
    }

    fn first_match(&self, request: &RequestLine<'_>) -> Option<usize> {
        self.rules.iter().position(|rule| rule.matches(request))
    }
}

/// The group a forward action sends one request to, from a uniform draw in
/// [0, 1) that the caller takes from its seeded stream: groups take shares of
/// [0, 1) in proportion to their weights, in listed order, so weights 10 and 20
/// split 1 : 2 and weight 0 is never chosen (§10.3; per-request weighted random
/// is the model choice). `None` when every weight is 0: the caller answers 503
/// (model choice §10.3). The draw is scaled to an integer in [0, Σ weights)
/// once, so the choice is exact integer arithmetic from there.
pub fn pick_weighted(targets: &[WeightedTargetGroup], uniform: f64) -> Option<TargetGroupId> {
    let total: u64 = targets.iter().map(|t| u64::from(t.weight)).sum();
    if total == 0 {
        return None;
    }
    // `as` saturates (and maps NaN to 0); the clamp keeps a draw of 1.0 in range.
    let ticket = ((uniform * total as f64) as u64).min(total - 1);
    let mut cumulative = 0;
    targets.iter().find_map(|t| {
        cumulative += u64::from(t.weight);
        (ticket < cumulative).then_some(t.target_group)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patterns(values: &[&str]) -> Vec<Pattern> {
        values.iter().map(|v| Pattern::new(*v)).collect()
    }

    fn path(values: &[&str]) -> Condition {
        Condition::PathPattern(patterns(values))
    }

    fn host(values: &[&str]) -> Condition {
        Condition::HostHeader(patterns(values))
    }

    fn get(target: &str) -> RequestLine<'_> {
        RequestLine::from_target("GET", "shop.example.com", target)
    }

    fn rule(priority: u32, conditions: Vec<Condition>, group: u32) -> Rule {
        Rule { priority, conditions, action: Action::forward(TargetGroupId(group)) }
    }

    const NOT_FOUND: Action = Action::FixedResponse { status: 404 };

    fn weighted(weights: &[u32]) -> Vec<WeightedTargetGroup> {
        weights
            .iter()
            .enumerate()
            .map(|(i, &weight)| WeightedTargetGroup { target_group: TargetGroupId(i as u32), weight })
            .collect()
    }

    /// How many of `draws` evenly spaced uniforms (cell midpoints) each group gets.
    fn sweep(targets: &[WeightedTargetGroup], draws: u32) -> Vec<u32> {
        let mut counts = vec![0; targets.len()];
        for i in 0..draws {
            let uniform = (f64::from(i) + 0.5) / f64::from(draws);
            let group = pick_weighted(targets, uniform).expect("some weight is positive");
            counts[group.index()] += 1;
        }
        counts
    }

    #[test]
    fn star_matches_any_run_including_slashes_and_nothing() {
        // Goal: `*` is zero or more characters of any kind (§10.2, model choice:
        // `/` included). Method: match one pattern against several paths.
        let api = Pattern::new("/api/*");
        assert!(api.matches("/api/"));
        assert!(api.matches("/api/users"));
        assert!(api.matches("/api/users/42/orders"));
        assert!(!api.matches("/apis/users"));
        assert!(Pattern::new("*").matches(""));
        assert!(Pattern::new("*").matches("/any/thing"));
        assert!(Pattern::new("/img/*.png").matches("/img/a/b/c.png"));
        assert!(!Pattern::new("/img/*.png").matches("/img/a.png.bak"));
        assert!(Pattern::new("*a*b*c*").matches("xxaxxbxxcxx"));
        assert!(!Pattern::new("*a*b*c*").matches("xxcxxbxxaxx"));
        // Backtracking: the first `b` after the star is not the one that ends the match.
        assert!(Pattern::new("*ab").matches("aab"));
        assert!(Pattern::new("/*/v1/*").matches("/x/y/v1/z"));
    }

    #[test]
    fn question_mark_matches_exactly_one_character() {
        // Goal: `?` is one character, never zero or two (§10.2), and one
        // whole character of a non-ASCII path. Method: vary the length.
        let version = Pattern::new("/v?/items");
        assert!(version.matches("/v1/items"));
        assert!(version.matches("/v//items"));
        assert!(!version.matches("/v/items"));
        assert!(!version.matches("/v10/items"));
        assert!(Pattern::new("/caf?").matches("/café"));
        assert!(!Pattern::new("/caf??").matches("/café"));
        assert!(Pattern::new("/*é").matches("/crème brûlé"));
        assert!(!Pattern::new("/*é").matches("/crème brûlée"));
    }

    #[test]
    fn patterns_are_anchored_at_both_ends() {
        // Goal: a pattern matches the whole path (model choice §10.2), so
        // `/api` is not a prefix match. Method: the field report's two values.
        let exact = Pattern::new("/api");
        assert!(exact.matches("/api"));
        assert!(!exact.matches("/api/users"));
        assert!(!exact.matches("/v2/api"));
        let subtree = Pattern::new("/api/*");
        assert!(!subtree.matches("/api"));
        assert!(subtree.matches("/api/users"));
        let request = get("/api");
        assert!(!path(&["/api/*"]).matches(&request));
        assert!(path(&["/api", "/api/*"]).matches(&request));
    }

    #[test]
    fn path_is_case_sensitive_and_host_is_not() {
        // Goal: §10.2's case column. Method: the same letters in both cases.
        assert!(path(&["/API/*"]).matches(&get("/API/x")));
        assert!(!path(&["/API/*"]).matches(&get("/api/x")));
        let mixed_case = RequestLine::from_target("GET", "Shop.EXAMPLE.com", "/");
        assert!(host(&["shop.example.com"]).matches(&mixed_case));
        assert!(host(&["*.Example.COM"]).matches(&mixed_case));
        assert!(!host(&["shop.example.org"]).matches(&mixed_case));
    }

    #[test]
    fn a_host_wildcard_needs_a_label_before_the_dot() {
        // Goal: §10.2's example: `*.example.com` matches `a.example.com`, not
        // `example.com`. Method: match both hosts.
        let wildcard = host(&["*.example.com"]);
        assert!(wildcard.matches(&RequestLine::from_target("GET", "a.example.com", "/")));
        assert!(wildcard.matches(&RequestLine::from_target("GET", "a.b.example.com", "/")));
        assert!(!wildcard.matches(&RequestLine::from_target("GET", "example.com", "/")));
        assert!(!wildcard.matches(&RequestLine::from_target("GET", "a.example.com.evil", "/")));
    }

    #[test]
    fn path_patterns_never_see_the_query_string() {
        // Goal: a path pattern reads the path only (§10.2). Method: a query
        // that would match if it were part of the path, and one that would break
        // an exact match.
        let request = get("/search?q=/admin/x");
        assert_eq!((request.path, request.query), ("/search", "q=/admin/x"));
        assert!(path(&["/search"]).matches(&request));
        assert!(!path(&["*admin*"]).matches(&request));
        assert!(!path(&["/search?q=*"]).matches(&request));
        assert_eq!(get("/plain").query, "");
    }

    #[test]
    fn header_conditions_fold_case_and_try_each_occurrence() {
        // Goal: `http-header` compares name and value case-insensitively and
        // tries every occurrence of a repeated header (§10.2). Method: the
        // matching value sits in the second of two `X-Tenant` headers.
        let tenant = Condition::HttpHeader { name: "x-tenant".into(), values: patterns(&["beta-*", "gamma"]) };
        let headers = [("User-Agent", "curl/8"), ("X-Tenant", "alpha"), ("x-TENANT", "BETA-7")];
        assert!(tenant.matches(&get("/").with_headers(&headers)));
        assert!(!tenant.matches(&get("/").with_headers(&headers[..2])));
        assert!(!tenant.matches(&get("/")));
        // A header of another name with a matching value does not count.
        assert!(!tenant.matches(&get("/").with_headers(&[("X-Other", "gamma")])));
    }

    #[test]
    fn methods_match_exactly() {
        // Goal: `http-request-method` is exact and case-sensitive, values
        // ORed (§10.2). Method: nearby spellings.
        let writes = Condition::HttpRequestMethod(vec!["POST".into(), "PUT".into()]);
        assert!(writes.matches(&RequestLine::from_target("POST", "h", "/")));
        assert!(writes.matches(&RequestLine::from_target("PUT", "h", "/")));
        assert!(!writes.matches(&RequestLine::from_target("post", "h", "/")));
        assert!(!writes.matches(&RequestLine::from_target("GET", "h", "/")));
        assert!(!writes.matches(&RequestLine::from_target("POSTS", "h", "/")));
    }

    #[test]
    fn query_string_pairs_with_and_without_a_key() {
        // Goal: `query-string` matches a parameter by key and value, or by
        // value under any key when the key is absent, case-insensitively
        // (§10.2). Method: one request, several pairs.
        let keyed =
            |key: &str, value: &str| QueryStringPair { key: Some(Pattern::new(key)), value: Pattern::new(value) };
        let request = get("/items?page=2&Version=BETA&flag");
        let version = Condition::QueryString(vec![keyed("version", "beta")]);
        assert!(version.matches(&request));
        assert!(!Condition::QueryString(vec![keyed("page", "beta")]).matches(&request));
        assert!(Condition::QueryString(vec![keyed("p?ge", "*")]).matches(&request));
        let any_key = Condition::QueryString(vec![QueryStringPair { key: None, value: Pattern::new("b*") }]);
        assert!(any_key.matches(&request));
        assert!(!any_key.matches(&get("/items?page=2")));
        // A key without `=` has an empty value.
        assert!(Condition::QueryString(vec![keyed("flag", "")]).matches(&request));
        // The pairs of one condition are ORed.
        assert!(Condition::QueryString(vec![keyed("absent", "*"), keyed("page", "2")]).matches(&request));
        // No query string: nothing to match.
        assert!(!Condition::QueryString(vec![QueryStringPair { key: None, value: Pattern::new("*") }])
            .matches(&get("/items")));
    }

    #[test]
    fn conditions_of_a_rule_are_anded() {
        // Goal: every condition of a rule must hold (§10.1). Method: a rule on
        // host and path, with each of them failing in turn.
        let both = rule(1, vec![host(&["api.example.com"]), path(&["/v1/*"])], 0);
        assert!(both.matches(&RequestLine::from_target("GET", "api.example.com", "/v1/x")));
        assert!(!both.matches(&RequestLine::from_target("GET", "www.example.com", "/v1/x")));
        assert!(!both.matches(&RequestLine::from_target("GET", "api.example.com", "/v2/x")));
    }

    #[test]
    fn the_lowest_priority_number_wins_whatever_the_listed_order() {
        // Goal: rules run in ascending priority and the first match wins
        // (§10.1). Method: list a broad rule of priority 20 before a narrow one
        // of priority 5 that also matches; the narrow one must answer.
        let listener = Listener::new(
            vec![rule(20, vec![path(&["/api/*"])], 1), rule(5, vec![path(&["/api/admin/*"])], 2)],
            NOT_FOUND,
        );
        assert_eq!(listener.rules().iter().map(|r| r.priority).collect::<Vec<_>>(), [5, 20]);
        let (action, _) = listener.evaluate(&get("/api/admin/users"));
        assert_eq!(action, &Action::forward(TargetGroupId(2)));
        let (action, _) = listener.evaluate(&get("/api/users"));
        assert_eq!(action, &Action::forward(TargetGroupId(1)));
    }

    #[test]
    fn an_unmatched_request_gets_the_default_action() {
        // Goal: the default rule answers when no rule matches (§10.1), here a
        // fixed response (§10.3); with no rules at all it answers everything.
        // Method: a request outside every rule.
        let listener = Listener::new(vec![rule(1, vec![path(&["/api/*"])], 1)], NOT_FOUND);
        assert_eq!(listener.evaluate(&get("/static/app.js")).0, &NOT_FOUND);
        assert_eq!(listener.default_action(), &NOT_FOUND);
        let forward_all = Listener::new(Vec::new(), Action::forward(TargetGroupId(0)));
        assert_eq!(forward_all.evaluate(&get("/anything")), (&Action::forward(TargetGroupId(0)), 0));
    }

    #[test]
    fn rules_processed_for_the_bill() {
        // Goal: §10.5's model choice bills every non-default rule whatever
        // matched; its option counts rules up to the match. Method: three
        // rules; requests matching the first, the third and none.
        let listener = Listener::new(
            vec![rule(10, vec![path(&["/a"])], 0), rule(20, vec![path(&["/b"])], 1), rule(30, vec![path(&["/c"])], 2)],
            NOT_FOUND,
        );
        assert_eq!(listener.rule_count(), 3);
        for target in ["/a", "/c", "/none"] {
            assert_eq!(listener.evaluate(&get(target)).1, 3, "{target}");
        }
        assert_eq!(listener.evaluate_up_to_match(&get("/a")), (&Action::forward(TargetGroupId(0)), 1));
        assert_eq!(listener.evaluate_up_to_match(&get("/c")), (&Action::forward(TargetGroupId(2)), 3));
        assert_eq!(listener.evaluate_up_to_match(&get("/none")), (&NOT_FOUND, 3));
    }

    #[test]
    fn weights_split_exactly_in_proportion() {
        // Goal: forward weights split requests in proportion (§10.3). Method:
        // 10,000 evenly spaced uniforms give exactly 8,000 / 2,000 for 80/20,
        // and 10/20 split 1 : 2.
        assert_eq!(sweep(&weighted(&[80, 20]), 10_000), [8_000, 2_000]);
        assert_eq!(sweep(&weighted(&[10, 20]), 3_000), [1_000, 2_000]);
        assert_eq!(sweep(&weighted(&[1, 1, 1, 1, 1]), 5_000), [1_000; 5]);
    }

    #[test]
    fn weight_zero_is_never_chosen() {
        // Goal: a group of weight 0 gets nothing (§10.3), as CodeDeploy leaves
        // the old group. Method: sweep uniforms including both ends of [0, 1].
        let targets = weighted(&[0, 999, 0]);
        assert_eq!(sweep(&targets, 10_000), [0, 10_000, 0]);
        for uniform in [0.0, 0.5, 0.999_999_999, 1.0] {
            assert_eq!(pick_weighted(&targets, uniform), Some(TargetGroupId(1)), "{uniform}");
        }
        assert_eq!(pick_weighted(&weighted(&[0, 1]), 0.0), Some(TargetGroupId(1)));
        assert_eq!(pick_weighted(&weighted(&[1, 0]), 1.0), Some(TargetGroupId(0)));
    }

    #[test]
    fn all_weights_zero_choose_nothing() {
        // Goal: with every weight 0 there is no group (model choice §10.3:
        // the caller answers 503). Method: zero weights and no groups.
        assert_eq!(pick_weighted(&weighted(&[0, 0]), 0.3), None);
        assert_eq!(pick_weighted(&[], 0.3), None);
    }
}
