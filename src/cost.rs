//! The bill: AWS's published prices (dated CSV snapshots shipped in
//! `prices/`, or the scenario's own files) applied to what a run used, line by
//! line as AWS itemises it (aws-semantics §3.6, §4.2, §4.3). Pure: the text of
//! the price files comes in, figures go out.

use crate::model::config::{ClusterConfig, CpuArchitecture};
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The price snapshots shipped with fleetsim (sources in `prices/README.md`).
/// Statics, not consts: one address each, by which `PriceSheet::load`
/// knows the shipped text and takes its rows parsed once per process.
pub static BUILTIN_FARGATE: &str = include_str!("../prices/fargate_hourly.csv");
pub static BUILTIN_ALB: &str = include_str!("../prices/alb_hourly.csv");
pub static BUILTIN_OTHER: &str = include_str!("../prices/other_hourly.csv");
pub static BUILTIN_EC2: &str = include_str!("../prices/ec2_ondemand_linux_hourly.csv");

/// Fargate Spot's price as a share of On-Demand where the table has no Spot
/// row: "up to 70 % less" (aws-semantics §4.3 model choice).
pub const DEFAULT_SPOT_SHARE: f64 = 0.3;

/// A price file that does not parse: which file, which line, what was expected.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{file}: {message}")]
pub struct PriceError {
    pub file: String,
    pub message: String,
}

#[derive(Clone, Debug, Deserialize)]
struct FargateRow {
    region: String,
    os: String,
    arch: String,
    purchase_option: String,
    usd_per_vcpu_hour: f64,
    usd_per_gb_hour: f64,
    as_of: String,
}

#[derive(Clone, Debug, Deserialize)]
struct AlbRow {
    region: String,
    usd_per_alb_hour: Option<f64>,
    usd_per_lcu_hour: Option<f64>,
    as_of: String,
}

#[derive(Clone, Debug, Deserialize)]
struct Ec2Row {
    region: String,
    instance_type: String,
    currency: String,
    price_per_hour: f64,
    generated_at: String,
}

#[derive(Clone, Debug, Deserialize)]
struct OtherRow {
    item: String,
    region: String,
    usd: f64,
    as_of: String,
}

fn parse_rows<T: for<'de> Deserialize<'de>>(file: &str, text: &str) -> Result<Vec<T>, PriceError> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.deserialize::<T>() {
        rows.push(record.map_err(|e| PriceError { file: file.to_string(), message: describe_csv_error(&e) })?);
    }
    Ok(rows)
}

/// The shipped tables, parsed once per process. Every scenario parse loads
/// its prices (each variant of a sweep, the check of an imported scenario),
/// and parsing the 3,000 rows of the EC2 table again each time, then copying
/// a region's 1,400 of them, was most of that work.
struct BuiltinRows {
    fargate: Vec<FargateRow>,
    alb: Vec<AlbRow>,
    other: Vec<OtherRow>,
    /// The EC2 table as `PriceSheet::ec2_usd_per_hour`, by region.
    ec2_by_region: BTreeMap<String, Arc<BTreeMap<String, Dated>>>,
}

fn builtin_rows() -> &'static BuiltinRows {
    static ROWS: std::sync::OnceLock<BuiltinRows> = std::sync::OnceLock::new();
    ROWS.get_or_init(|| {
        let ec2: Vec<Ec2Row> = shipped("prices/ec2_ondemand_linux_hourly.csv", BUILTIN_EC2);
        let regions: std::collections::BTreeSet<&str> = ec2.iter().map(|r| r.region.as_str()).collect();
        BuiltinRows {
            fargate: shipped("prices/fargate_hourly.csv", BUILTIN_FARGATE),
            alb: shipped("prices/alb_hourly.csv", BUILTIN_ALB),
            other: shipped("prices/other_hourly.csv", BUILTIN_OTHER),
            ec2_by_region: regions.into_iter().map(|region| (region.to_string(), ec2_prices(&ec2, region))).collect(),
        }
    })
}

/// A shipped table's rows. Its text is not input, and a unit test parses
/// it, so this cannot fail.
fn shipped<T: for<'de> Deserialize<'de>>(file: &str, text: &str) -> Vec<T> {
    parse_rows(file, text).unwrap_or_else(|e| panic!("invariant: the shipped prices parse: {e}"))
}

/// A file's rows: the shipped table's parsed rows when `text` is that very
/// text (the same static), else parsed now.
fn rows_of<'a, T: Clone + for<'de> Deserialize<'de>>(
    (file, text): (&str, &str),
    shipped_text: &'static str,
    shipped_rows: &'a [T],
) -> Result<Cow<'a, [T]>, PriceError> {
    if std::ptr::eq(text, shipped_text) {
        return Ok(Cow::Borrowed(shipped_rows));
    }
    parse_rows(file, text).map(Cow::Owned)
}

/// A region's EC2 Linux On-Demand prices by instance type (USD rows only).
fn ec2_prices(rows: &[Ec2Row], region: &str) -> Arc<BTreeMap<String, Dated>> {
    Arc::new(
        rows.iter()
            .filter(|r| r.region == region && r.currency == "USD")
            .map(|r| (r.instance_type.clone(), Dated { usd: r.price_per_hour, as_of: r.generated_at.clone() }))
            .collect(),
    )
}

fn describe_csv_error(e: &csv::Error) -> String {
    match e.position() {
        Some(p) => format!("line {}: {}", p.line(), e.kind_message()),
        None => e.to_string(),
    }
}

trait KindMessage {
    fn kind_message(&self) -> String;
}

impl KindMessage for csv::Error {
    fn kind_message(&self) -> String {
        match self.kind() {
            csv::ErrorKind::Deserialize { err, .. } => match err.field() {
                Some(field) => format!("field {}: {}", field + 1, err.kind()),
                None => err.kind().to_string(),
            },
            _ => self.to_string(),
        }
    }
}

/// One region's prices, as a run needs them; each with the date it was taken.
#[derive(Clone, Debug, PartialEq)]
pub struct PriceSheet {
    pub region: String,
    /// On-Demand Fargate (Linux): x86_64 and ARM64, where the table has them.
    pub fargate: [Option<FargateRate>; 2],
    /// Fargate Spot, x86_64 and ARM64: the table's row, else a share of On-Demand.
    pub fargate_spot: [Option<FargateRate>; 2],
    pub ephemeral_storage_usd_per_gb_hour: Option<Dated>,
    pub public_ipv4_usd_per_hour: Option<Dated>,
    pub alb_usd_per_hour: Option<Dated>,
    pub lcu_usd_per_hour: Option<Dated>,
    /// EC2 Linux On-Demand per instance-hour, by instance type (USD rows
    /// only). Shared: the shipped table's are built once per region.
    pub ec2_usd_per_hour: Arc<BTreeMap<String, Dated>>,
    /// EC2 Spot as a share of On-Demand (§5.5: "up to 90 % less"; no table).
    pub ec2_spot_share: f64,
    /// Per line item key, a Savings Plans / Reserved discount in percent.
    pub discount_percent: BTreeMap<String, f64>,
}

/// A price and where it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Dated {
    pub usd: f64,
    /// The snapshot's date, or how the figure was derived.
    pub as_of: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FargateRate {
    pub usd_per_vcpu_hour: f64,
    pub usd_per_gb_hour: f64,
    pub as_of: String,
}

fn arch_index(architecture: CpuArchitecture) -> usize {
    match architecture {
        CpuArchitecture::X86_64 => 0,
        CpuArchitecture::Arm64 => 1,
    }
}

/// The price files' text, by name (for errors), and what the scenario overrides.
pub struct PriceFiles<'a> {
    pub fargate: (&'a str, &'a str),
    pub alb: (&'a str, &'a str),
    pub other: (&'a str, &'a str),
    pub ec2: (&'a str, &'a str),
    /// Spot as a share of On-Demand, instead of the table's Spot rows.
    pub spot_share: Option<f64>,
    pub discount_percent: BTreeMap<String, f64>,
}

impl PriceFiles<'static> {
    pub fn builtin() -> Self {
        PriceFiles {
            fargate: ("prices/fargate_hourly.csv", BUILTIN_FARGATE),
            alb: ("prices/alb_hourly.csv", BUILTIN_ALB),
            other: ("prices/other_hourly.csv", BUILTIN_OTHER),
            ec2: ("prices/ec2_ondemand_linux_hourly.csv", BUILTIN_EC2),
            spot_share: None,
            discount_percent: BTreeMap::new(),
        }
    }
}

impl PriceSheet {
    /// The region's prices from the files. A price the region lacks stays
    /// None; [`bill`] refuses a run that needs it.
    pub fn load(region: &str, files: &PriceFiles) -> Result<PriceSheet, PriceError> {
        let shipped = builtin_rows();
        let fargate = rows_of(files.fargate, BUILTIN_FARGATE, &shipped.fargate)?;
        let alb = rows_of(files.alb, BUILTIN_ALB, &shipped.alb)?;
        let other = rows_of(files.other, BUILTIN_OTHER, &shipped.other)?;
        let ec2_usd_per_hour = if std::ptr::eq(files.ec2.1, BUILTIN_EC2) {
            shipped.ec2_by_region.get(region).cloned().unwrap_or_default()
        } else {
            ec2_prices(&parse_rows::<Ec2Row>(files.ec2.0, files.ec2.1)?, region)
        };
        let find = |arch: &str, purchase: &str| {
            fargate
                .iter()
                .find(|r| r.region == region && r.os == "linux" && r.arch == arch && r.purchase_option == purchase)
                .map(|r| FargateRate {
                    usd_per_vcpu_hour: r.usd_per_vcpu_hour,
                    usd_per_gb_hour: r.usd_per_gb_hour,
                    as_of: r.as_of.clone(),
                })
        };
        let on_demand = [find("x86_64", "on_demand"), find("arm64", "on_demand")];
        let spot_from_table = [find("x86_64", "spot"), find("arm64", "spot")];
        let fargate_spot: [Option<FargateRate>; 2] = std::array::from_fn(|i| {
            let share_of = |share: f64, how: String| {
                on_demand[i].as_ref().map(|od| FargateRate {
                    usd_per_vcpu_hour: od.usd_per_vcpu_hour * share,
                    usd_per_gb_hour: od.usd_per_gb_hour * share,
                    as_of: how,
                })
            };
            match (files.spot_share, &spot_from_table[i]) {
                (Some(share), _) => share_of(share, format!("{share} × On-Demand (the scenario's spot_price_share)")),
                (None, Some(row)) => Some(row.clone()),
                (None, None) => share_of(
                    DEFAULT_SPOT_SHARE,
                    format!("{DEFAULT_SPOT_SHARE} × On-Demand (no Spot price for {region} in the table)"),
                ),
            }
        });
        let other_item = |item: &str| {
            other
                .iter()
                .find(|r| r.region == region && r.item == item)
                .map(|r| Dated { usd: r.usd, as_of: r.as_of.clone() })
        };
        let alb_row = alb.iter().find(|r| r.region == region);
        Ok(PriceSheet {
            region: region.to_string(),
            fargate: on_demand,
            fargate_spot,
            ephemeral_storage_usd_per_gb_hour: other_item("fargate_ephemeral_storage_above_20gb"),
            public_ipv4_usd_per_hour: other_item("public_ipv4_address"),
            alb_usd_per_hour: alb_row.and_then(|r| r.usd_per_alb_hour.map(|usd| Dated { usd, as_of: r.as_of.clone() })),
            lcu_usd_per_hour: alb_row.and_then(|r| r.usd_per_lcu_hour.map(|usd| Dated { usd, as_of: r.as_of.clone() })),
            ec2_usd_per_hour,
            ec2_spot_share: files.spot_share.unwrap_or(DEFAULT_SPOT_SHARE),
            discount_percent: files.discount_percent.clone(),
        })
    }
}

/// One ALB hour's load, for its LCUs (aws-semantics §3.6).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AlbHour {
    pub new_connections: f64,
    /// Σ over the hour's minutes of the connections open in that minute.
    pub active_connection_minutes: f64,
    pub processed_bytes: u128,
    /// Σ over requests of max(0, rules processed − 10) (§10.5).
    pub billable_rule_evaluations: u64,
}

/// Bytes in the GB of the LCU's processed-bytes dimension (model choice:
/// AWS bills data in binary gigabytes).
const BYTES_PER_GB: f64 = 1_073_741_824.0;

impl AlbHour {
    /// LCUs of the hour: the largest of the four dimensions, each averaged
    /// over the hour (§3.6): 25 new connections/s, 3,000 active connections
    /// per minute, 1 GB processed per hour, 1,000 rule evaluations/s.
    pub fn lcus(&self) -> f64 {
        let new_connections = self.new_connections / 3600.0 / 25.0;
        let active_connections = self.active_connection_minutes / 60.0 / 3000.0;
        let processed = self.processed_bytes as f64 / BYTES_PER_GB;
        let rules = self.billable_rule_evaluations as f64 / 3600.0 / 1000.0;
        new_connections.max(active_connections).max(processed).max(rules)
    }
}

/// Resources a service's tasks reserved on a provider's instances, integrated
/// over time: CPU units × nanoseconds and MiB × nanoseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Reserved {
    pub cpu_unit_nanos: u128,
    pub memory_mib_nanos: u128,
}

impl Reserved {
    pub fn is_zero(&self) -> bool {
        self.cpu_unit_nanos == 0 && self.memory_mib_nanos == 0
    }
}

/// What a run used: billed task time per service and provider, and the ALB's hours.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Usage {
    /// Per service, per capacity provider (cluster order): billed task-seconds,
    /// each task's rounded up to the second and at least 60 (§4.2). Tasks on
    /// EC2 are not billed: their instances are.
    pub task_seconds: Vec<Vec<u64>>,
    /// Per capacity provider: billed instance-seconds of its ASG, each
    /// instance's from launch to termination, per second, at least 60 (§5.4).
    pub instance_seconds: Vec<u64>,
    /// The ALB's load in each hour of the run; one per started hour.
    pub alb_hours: Vec<AlbHour>,
    /// Per capacity provider, per hour of the run: billed instance-nanoseconds
    /// of its ASG (each instance's rounding and minimum in the hour it ends).
    /// Sums to `instance_seconds` × 10⁹ (all zero for Fargate).
    pub instance_nanos_by_hour: Vec<Vec<u128>>,
    /// Per capacity provider, per service, per hour of the run: what the
    /// service's tasks reserved on the provider's instances while placed there
    /// (from placement until STOPPED or the instance's end; all zero for Fargate).
    pub reserved_by_hour: Vec<Vec<Vec<Reserved>>>,
    /// Per service: requests the ALB forwarded to it, for the shared line items.
    pub requests_by_service: Vec<u64>,
}

/// One line of the bill, as AWS itemises it.
#[derive(Clone, Debug, PartialEq)]
pub struct LineItem {
    /// Stable key (`fargate_vcpu_hours_x86_64`, `alb_lcu_hours`, …): discounts name it.
    pub key: String,
    pub description: String,
    pub quantity: f64,
    pub unit: &'static str,
    pub usd_per_unit: f64,
    pub discount_percent: f64,
    pub usd: f64,
    /// Where the price came from (its snapshot date, or how it was derived).
    pub price_as_of: String,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Bill {
    pub lines: Vec<LineItem>,
    pub total_usd: f64,
    /// The same bill by service, in whole cents (see [`allocate`]).
    pub allocation: Allocation,
}

/// The bill split over services, in whole cents, so that every sum is exact:
/// the services and `unallocated` sum to `total_cents` (the bill's total
/// rounded to the cent), and each ASG provider's allocations sum to its
/// `instance_cents`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Allocation {
    pub total_cents: i64,
    /// Per service, in cluster order.
    pub services: Vec<ServiceCost>,
    /// Instance cost of hours in which no task reserved anything on its
    /// provider, and the shared line items when no service received a request.
    pub unallocated_cents: i64,
    /// Per capacity provider, in cluster order: how its instance bill was split
    /// (all zero for Fargate providers).
    pub providers: Vec<ProviderAllocation>,
}

/// What one service cost: exact, and in the whole cents that sum exactly.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ServiceCost {
    /// Its own Fargate and Fargate Spot tasks: vCPU, GB, ephemeral storage
    /// and public IPv4 line items at the bill's prices.
    pub fargate_usd: f64,
    pub fargate_cents: i64,
    /// Its share of the EC2 instance bill of every ASG provider it ran on.
    pub ec2_allocated_usd: f64,
    pub ec2_allocated_cents: i64,
    /// Its share of the ALB's line items, by requests.
    pub shared_usd: f64,
    pub shared_cents: i64,
}

impl ServiceCost {
    pub fn total_cents(&self) -> i64 {
        self.fargate_cents + self.ec2_allocated_cents + self.shared_cents
    }
}

/// One ASG provider's instance bill and its split over services.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProviderAllocation {
    /// The provider's instance-hours at its price (exact, then in cents).
    pub instance_usd: f64,
    pub instance_cents: i64,
    /// Per service, in cluster order; with `unallocated_cents` they sum to `instance_cents`.
    pub by_service_cents: Vec<i64>,
    pub unallocated_cents: i64,
}

/// Every line item key a bill can have, for validating discounts.
pub fn line_item_keys() -> Vec<String> {
    let mut keys = Vec::new();
    for arch in ["x86_64", "arm64"] {
        for purchase in ["fargate", "fargate_spot"] {
            keys.push(format!("{purchase}_vcpu_hours_{arch}"));
            keys.push(format!("{purchase}_gb_hours_{arch}"));
        }
    }
    keys.extend(
        [
            "fargate_ephemeral_storage_gb_hours",
            "public_ipv4_hours",
            "alb_hours",
            "alb_lcu_hours",
            "alb_public_ipv4_hours",
        ]
        .map(String::from),
    );
    keys
}

/// Instance-hour line items are keyed by type: `ec2_instance_hours_m6i.large`,
/// `ec2_spot_instance_hours_m6i.large`.
pub const INSTANCE_KEY_PREFIXES: [&str; 2] = ["ec2_instance_hours_", "ec2_spot_instance_hours_"];

/// USD per instance-hour of an ASG provider, with its line item: key,
/// description and where the price came from.
pub fn instance_rate(
    cluster: &ClusterConfig,
    provider: usize,
    sheet: &PriceSheet,
) -> Result<Option<(String, String, f64, String)>, MissingPrice> {
    let config = &cluster.capacity_providers[provider];
    let Some(asg) = config.auto_scaling_group() else { return Ok(None) };
    let name = &asg.instance_type.name;
    let on_demand = sheet
        .ec2_usd_per_hour
        .get(name)
        .ok_or_else(|| MissingPrice { what: format!("EC2 {name} Linux On-Demand"), region: sheet.region.clone() })?;
    Ok(Some(if asg.spot.is_some() {
        (
            format!("ec2_spot_instance_hours_{name}"),
            format!("EC2 Spot {name} instance-hours ({})", config.name),
            on_demand.usd * sheet.ec2_spot_share,
            format!("{} × On-Demand of {}", sheet.ec2_spot_share, on_demand.as_of),
        )
    } else {
        (
            format!("ec2_instance_hours_{name}"),
            format!("EC2 {name} instance-hours, Linux On-Demand ({})", config.name),
            on_demand.usd,
            on_demand.as_of.clone(),
        )
    }))
}

/// USD per billed instance-second of each provider (0 for Fargate), for cost over time.
pub fn instance_usd_per_second(cluster: &ClusterConfig, sheet: &PriceSheet) -> Result<Vec<f64>, MissingPrice> {
    (0..cluster.capacity_providers.len())
        .map(|p| {
            Ok(instance_rate(cluster, p, sheet)?
                .map_or(0.0, |(key, _, usd, _)| usd * (1.0 - discount(sheet, &key) / 100.0) / 3600.0))
        })
        .collect()
}

/// A price the run needs that the sheet lacks.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("no {what} price for region {region} in the price files; give one with [pricing] (see README, Cost)")]
pub struct MissingPrice {
    pub what: String,
    pub region: String,
}

/// A line item before it has a quantity: one task's share of it per hour.
struct Rate {
    key: String,
    description: String,
    /// Units per task-hour (vCPU, GB, GB of storage, addresses).
    per_task: f64,
    unit: &'static str,
    usd_per_unit: f64,
    as_of: String,
}

/// Rates of one task of a service on a provider, per task-hour, by line item.
fn task_lines(
    cluster: &ClusterConfig,
    service: usize,
    provider: usize,
    sheet: &PriceSheet,
) -> Result<Vec<Rate>, MissingPrice> {
    let definition = &cluster.services[service].task;
    if cluster.capacity_providers[provider].auto_scaling_group().is_some() {
        return Ok(Vec::new()); // the instance is billed, not the task (§5.4)
    }
    let spot = cluster.capacity_providers[provider].is_spot();
    let arch = definition.architecture;
    let arch_key = match arch {
        CpuArchitecture::X86_64 => "x86_64",
        CpuArchitecture::Arm64 => "arm64",
    };
    let (table, purchase, label) = if spot {
        (&sheet.fargate_spot, "fargate_spot", "Fargate Spot")
    } else {
        (&sheet.fargate, "fargate", "Fargate")
    };
    let missing = |what: String| MissingPrice { what, region: sheet.region.clone() };
    let rate = table[arch_index(arch)].as_ref().ok_or_else(|| missing(format!("{label} Linux/{arch_key}")))?;
    let vcpu = f64::from(definition.cpu_units) / 1024.0;
    // Fargate bills memory per GB of the task's size: 1024 MiB = 1 GB (§4.2).
    let memory_gb = f64::from(definition.memory_mib) / 1024.0;
    let mut lines = vec![
        Rate {
            key: format!("{purchase}_vcpu_hours_{arch_key}"),
            description: format!("{label} vCPU-hours, Linux/{arch_key}"),
            per_task: vcpu,
            unit: "vCPU-hour",
            usd_per_unit: rate.usd_per_vcpu_hour,
            as_of: rate.as_of.clone(),
        },
        Rate {
            key: format!("{purchase}_gb_hours_{arch_key}"),
            description: format!("{label} GB-hours, Linux/{arch_key}"),
            per_task: memory_gb,
            unit: "GB-hour",
            usd_per_unit: rate.usd_per_gb_hour,
            as_of: rate.as_of.clone(),
        },
    ];
    // 20 GiB of ephemeral storage are included (§4.2).
    let extra_storage = definition.ephemeral_storage_gib.saturating_sub(20);
    if extra_storage > 0 {
        let price =
            sheet.ephemeral_storage_usd_per_gb_hour.as_ref().ok_or_else(|| missing("ephemeral storage".into()))?;
        lines.push(Rate {
            key: "fargate_ephemeral_storage_gb_hours".into(),
            description: "Fargate ephemeral storage above 20 GB, GB-hours".into(),
            per_task: f64::from(extra_storage),
            unit: "GB-hour",
            usd_per_unit: price.usd,
            as_of: price.as_of.clone(),
        });
    }
    if definition.assign_public_ip {
        let price = sheet.public_ipv4_usd_per_hour.as_ref().ok_or_else(|| missing("public IPv4".into()))?;
        lines.push(Rate {
            key: "public_ipv4_hours".into(),
            description: "Public IPv4 address-hours (tasks)".into(),
            per_task: 1.0,
            unit: "address-hour",
            usd_per_unit: price.usd,
            as_of: price.as_of.clone(),
        });
    }
    Ok(lines)
}

/// USD per billed task-second of each (service, provider): what a task's
/// time costs as it runs, for cumulative cost over time.
pub fn task_usd_per_second(cluster: &ClusterConfig, sheet: &PriceSheet) -> Result<Vec<Vec<f64>>, MissingPrice> {
    let mut rates = Vec::new();
    for s in 0..cluster.services.len() {
        let mut per_provider = Vec::new();
        for p in 0..cluster.capacity_providers.len() {
            let used = cluster.services[s].capacity_provider_strategy.iter().any(|i| i.provider.index() == p);
            let usd_per_hour = if used {
                task_lines(cluster, s, p, sheet)?
                    .iter()
                    .map(|r| r.per_task * r.usd_per_unit * (1.0 - discount(sheet, &r.key) / 100.0))
                    .sum()
            } else {
                0.0
            };
            per_provider.push(usd_per_hour / 3600.0);
        }
        rates.push(per_provider);
    }
    Ok(rates)
}

fn discount(sheet: &PriceSheet, key: &str) -> f64 {
    sheet.discount_percent.get(key).copied().unwrap_or(0.0)
}

/// The bill for `usage`: Fargate by purchase option and architecture, storage
/// and public IPs, the ALB's hours (a partial hour bills as a whole one) and
/// LCU-hours. Line items in a fixed order; quantities summed over services.
pub fn bill(cluster: &ClusterConfig, usage: &Usage, sheet: &PriceSheet) -> Result<Bill, MissingPrice> {
    // Line items in first-seen order, quantities summed.
    let mut lines: Vec<(Rate, f64)> = Vec::new();
    let mut add = |rate: Rate, quantity: f64| match lines.iter_mut().find(|l| l.0.key == rate.key) {
        Some(line) => line.1 += quantity,
        None => lines.push((rate, quantity)),
    };
    for (s, per_provider) in usage.task_seconds.iter().enumerate() {
        for (p, &seconds) in per_provider.iter().enumerate() {
            if seconds == 0 {
                continue;
            }
            let hours = seconds as f64 / 3600.0;
            for rate in task_lines(cluster, s, p, sheet)? {
                let quantity = rate.per_task * hours;
                add(rate, quantity);
            }
        }
    }
    for (p, &seconds) in usage.instance_seconds.iter().enumerate() {
        if seconds == 0 {
            continue;
        }
        if let Some((key, description, usd_per_hour, as_of)) = instance_rate(cluster, p, sheet)? {
            let rate =
                Rate { key, description, per_task: 1.0, unit: "instance-hour", usd_per_unit: usd_per_hour, as_of };
            add(rate, seconds as f64 / 3600.0);
        }
    }
    if !usage.alb_hours.is_empty() {
        let missing = |what: &str| MissingPrice { what: what.into(), region: sheet.region.clone() };
        let alb = sheet.alb_usd_per_hour.as_ref().ok_or_else(|| missing("ALB-hour"))?;
        let lcu = sheet.lcu_usd_per_hour.as_ref().ok_or_else(|| missing("LCU-hour"))?;
        let hourly = |key: &str, description: &str, unit: &'static str, price: &Dated| Rate {
            key: key.into(),
            description: description.into(),
            per_task: 1.0,
            unit,
            usd_per_unit: price.usd,
            as_of: price.as_of.clone(),
        };
        add(hourly("alb_hours", "ALB-hours (a partial hour bills whole)", "hour", alb), usage.alb_hours.len() as f64);
        let lcu_hours: f64 = usage.alb_hours.iter().map(AlbHour::lcus).sum();
        add(hourly("alb_lcu_hours", "ALB LCU-hours", "LCU-hour", lcu), lcu_hours);
        let addresses = cluster.load_balancer.public_ipv4_addresses;
        if addresses > 0 {
            let ipv4 = sheet.public_ipv4_usd_per_hour.as_ref().ok_or_else(|| missing("public IPv4"))?;
            add(
                hourly(
                    "alb_public_ipv4_hours",
                    "Public IPv4 address-hours (ALB, one per AZ: a model choice)",
                    "address-hour",
                    ipv4,
                ),
                f64::from(addresses) * usage.alb_hours.len() as f64,
            );
        }
    }
    let mut bill = Bill::default();
    for (rate, quantity) in lines {
        let discount_percent = discount(sheet, &rate.key);
        let usd = quantity * rate.usd_per_unit * (1.0 - discount_percent / 100.0);
        bill.total_usd += usd;
        bill.lines.push(LineItem {
            key: rate.key,
            description: rate.description,
            quantity,
            unit: rate.unit,
            usd_per_unit: rate.usd_per_unit,
            discount_percent,
            usd,
            price_as_of: rate.as_of,
        });
    }
    bill.allocation = allocate(cluster, usage, sheet, &bill)?;
    Ok(bill)
}

/// The line items that no one task or instance incurs: the ALB's hours,
/// LCU-hours and public IPv4s.
const SHARED_KEYS: [&str; 3] = ["alb_hours", "alb_lcu_hours", "alb_public_ipv4_hours"];

/// CPU's weight against memory's per unit in split cost allocation data:
/// "relative unit weights for CPU and memory based on a 9:1 ratio", derived
/// from Fargate's per vCPU-hour and per GB-hour prices (AWS Data Exports
/// guide, "Example of split cost allocation data").
const CPU_WEIGHT_PER_VCPU: f64 = 9.0;
const MEMORY_WEIGHT_PER_GB: f64 = 1.0;

/// The bill by service, in whole cents. The rule (README, "Cost by service"):
///
/// 1. **Fargate and Fargate Spot** (vCPU, GB, ephemeral storage, public IPv4):
///    each service pays its own tasks' line items at the bill's prices and
///    discounts.
/// 2. **EC2 instances** of an ASG provider, shared by several services: the
///    instance cost of each hour of the run is split between CPU and memory as
///    AWS's split cost allocation data for ECS does, by the instance type's
///    weights (9 per vCPU, 1 per GB: CPU's share of the price is
///    9·vCPU / (9·vCPU + GiB), with the memory the instance registers, §5.6),
///    and each part goes to the services by their share of the CPU units, or
///    the MiB, their tasks reserved on the provider's instances in that hour.
///    Idle (unreserved) capacity is spread over the services in the same
///    proportion, so **the allocations sum to the bill**. Model choices: the
///    hour's split is per provider, not per instance; unused capacity is
///    re-spread per resource (AWS itemises it as the instance's unused cost).
///    An hour in which no task reserved anything on the provider goes to
///    `unallocated`.
/// 3. **ALB** (hours, LCU-hours, public IPv4s): model choice: split by each
///    service's share of the requests the ALB forwarded (fixed responses
///    belong to no service); with no request at all, evenly over the
///    load-balanced services, else `unallocated`.
///
/// Rounding: the bill's total is rounded to the cent; the parts above (each
/// service's Fargate cost, each provider's instance cost, the ALB's) get whole
/// cents summing to it by largest remainder (ties to the earlier part); then
/// each provider's and the ALB's cents are split over services by largest
/// remainder, ties to the lower service index, `unallocated` last. Every sum
/// is exact in cents; each part is within a cent of its exact value, a
/// service's share of a part within two.
pub fn allocate(
    cluster: &ClusterConfig,
    usage: &Usage,
    sheet: &PriceSheet,
    bill: &Bill,
) -> Result<Allocation, MissingPrice> {
    let services = cluster.services.len();
    let providers = cluster.capacity_providers.len();
    // Exact USD of each part, in a fixed order: services' Fargate, providers' instances, the ALB.
    let mut fargate_usd = vec![0.0; services];
    for (s, per_provider) in usage.task_seconds.iter().enumerate() {
        for (p, &seconds) in per_provider.iter().enumerate() {
            if seconds == 0 {
                continue;
            }
            let hours = seconds as f64 / 3600.0;
            for rate in task_lines(cluster, s, p, sheet)? {
                fargate_usd[s] +=
                    rate.per_task * hours * rate.usd_per_unit * (1.0 - discount(sheet, &rate.key) / 100.0);
            }
        }
    }
    let mut instance_usd = vec![0.0; providers];
    for (p, &seconds) in usage.instance_seconds.iter().enumerate() {
        if seconds == 0 {
            continue;
        }
        if let Some((key, _, usd_per_hour, _)) = instance_rate(cluster, p, sheet)? {
            instance_usd[p] = seconds as f64 / 3600.0 * usd_per_hour * (1.0 - discount(sheet, &key) / 100.0);
        }
    }
    let shared_usd: f64 = bill.lines.iter().filter(|l| SHARED_KEYS.contains(&l.key.as_str())).map(|l| l.usd).sum();
    let parts: Vec<f64> =
        fargate_usd.iter().chain(&instance_usd).chain(std::iter::once(&shared_usd)).map(|usd| usd * 100.0).collect();
    let total_cents = (bill.total_usd * 100.0).round() as i64;
    let part_cents = largest_remainder(total_cents, &parts);
    let (fargate_cents, rest) = part_cents.split_at(services);
    let (instance_cents, shared_cents) = rest.split_at(providers);

    let mut allocation = Allocation {
        total_cents,
        services: (0..services)
            .map(|s| ServiceCost { fargate_usd: fargate_usd[s], fargate_cents: fargate_cents[s], ..Default::default() })
            .collect(),
        unallocated_cents: 0,
        providers: Vec::with_capacity(providers),
    };
    for p in 0..providers {
        let weights = instance_weights(cluster, usage, p, services);
        let split = split_cents(instance_cents[p], &weights);
        let weight_total: f64 = weights.iter().sum();
        for ((service, &cents), &weight) in allocation.services.iter_mut().zip(&split).zip(&weights) {
            service.ec2_allocated_cents += cents;
            if weight_total > 0.0 {
                service.ec2_allocated_usd += instance_usd[p] * weight / weight_total;
            }
        }
        allocation.unallocated_cents += split[services];
        allocation.providers.push(ProviderAllocation {
            instance_usd: instance_usd[p],
            instance_cents: instance_cents[p],
            by_service_cents: split[..services].to_vec(),
            unallocated_cents: split[services],
        });
    }
    let weights = shared_weights(cluster, usage);
    let split = split_cents(shared_cents[0], &weights);
    let weight_total: f64 = weights.iter().sum();
    for ((service, &cents), &weight) in allocation.services.iter_mut().zip(&split).zip(&weights) {
        service.shared_cents = cents;
        if weight_total > 0.0 {
            service.shared_usd = shared_usd * weight / weight_total;
        }
    }
    allocation.unallocated_cents += split[services];
    Ok(allocation)
}

/// Per service, then `unallocated` last: each one's part of provider `p`'s
/// instance cost, in billed instance-nanoseconds (see [`allocate`], rule 2).
fn instance_weights(cluster: &ClusterConfig, usage: &Usage, p: usize, services: usize) -> Vec<f64> {
    let mut weights = vec![0.0; services + 1];
    let Some(asg) = cluster.capacity_providers[p].auto_scaling_group() else { return weights };
    let instance = &asg.instance_type;
    let cpu_weight = CPU_WEIGHT_PER_VCPU * f64::from(instance.cpu_units) / 1024.0;
    let memory_weight = MEMORY_WEIGHT_PER_GB * f64::from(instance.memory_mib) / 1024.0;
    let cpu_share = cpu_weight / (cpu_weight + memory_weight);
    let hours = usage.instance_nanos_by_hour.get(p).map_or(&[][..], Vec::as_slice);
    let reserved = usage.reserved_by_hour.get(p);
    let at = |s: usize, h: usize| reserved.and_then(|r| r.get(s)).and_then(|r| r.get(h)).copied().unwrap_or_default();
    for (h, &nanos) in hours.iter().enumerate() {
        let cost = nanos as f64;
        let cpu_total: u128 = (0..services).map(|s| at(s, h).cpu_unit_nanos).sum();
        let memory_total: u128 = (0..services).map(|s| at(s, h).memory_mib_nanos).sum();
        // A resource nobody reserved passes its part to the other one.
        let cpu_part = match (cpu_total, memory_total) {
            (0, 0) => {
                weights[services] += cost;
                continue;
            }
            (0, _) => 0.0,
            (_, 0) => 1.0,
            _ => cpu_share,
        };
        for (s, weight) in weights.iter_mut().take(services).enumerate() {
            let r = at(s, h);
            let mut part = 0.0;
            if cpu_total > 0 {
                part += cpu_part * r.cpu_unit_nanos as f64 / cpu_total as f64;
            }
            if memory_total > 0 {
                part += (1.0 - cpu_part) * r.memory_mib_nanos as f64 / memory_total as f64;
            }
            *weight += cost * part;
        }
    }
    weights
}

/// Per service, then `unallocated` last: each one's part of the ALB's line
/// items (see [`allocate`], rule 3).
fn shared_weights(cluster: &ClusterConfig, usage: &Usage) -> Vec<f64> {
    let services = cluster.services.len();
    let mut weights: Vec<f64> =
        (0..services).map(|s| usage.requests_by_service.get(s).copied().unwrap_or(0) as f64).collect();
    if weights.iter().all(|&w| w == 0.0) {
        for (weight, service) in weights.iter_mut().zip(&cluster.services) {
            *weight = if service.load_balanced { 1.0 } else { 0.0 };
        }
    }
    let nobody = if weights.iter().all(|&w| w == 0.0) { 1.0 } else { 0.0 };
    weights.push(nobody);
    weights
}

/// `cents` split in proportion to `weights` by largest remainder, ties to
/// the lower index; all to the last entry when every weight is 0.
fn split_cents(cents: i64, weights: &[f64]) -> Vec<i64> {
    let total: f64 = weights.iter().sum();
    if total <= 0.0 {
        let mut out = vec![0; weights.len()];
        if let Some(last) = out.last_mut() {
            *last = cents;
        }
        return out;
    }
    let exact: Vec<f64> = weights.iter().map(|w| cents as f64 * w / total).collect();
    largest_remainder(cents, &exact)
}

/// Whole numbers summing to `target`, each the floor or the ceiling of its
/// `exact` value (Hamilton's largest remainder method): every value is
/// rounded down, then the units still missing go one each to the largest
/// fractional parts, ties to the lower index. (If floating-point error leaves
/// more or fewer units than values, they go round again, or come back from
/// the smallest fractions.)
pub fn largest_remainder(target: i64, exact: &[f64]) -> Vec<i64> {
    let mut out: Vec<i64> = exact.iter().map(|x| x.floor() as i64).collect();
    if out.is_empty() {
        return out;
    }
    let fraction = |i: usize| exact[i] - exact[i].floor();
    let mut order: Vec<usize> = (0..exact.len()).collect();
    order.sort_by(|&a, &b| fraction(b).total_cmp(&fraction(a)).then(a.cmp(&b)));
    let mut left = target - out.iter().sum::<i64>();
    while left > 0 {
        for &i in order.iter().take(left as usize) {
            out[i] += 1;
        }
        left -= (left as usize).min(order.len()) as i64;
    }
    while left < 0 {
        let before = left;
        for &i in order.iter().rev() {
            if left < 0 && out[i] > 0 {
                out[i] -= 1;
                left += 1;
            }
        }
        if left == before {
            break; // nothing left to take back (a negative target)
        }
    }
    out
}

/// Billed seconds of a task that billed for `nanos`: rounded up to the
/// second, at least one minute (Fargate §4.2, EC2 Linux §5.4).
pub fn billed_seconds(nanos: u64) -> u64 {
    nanos.div_ceil(1_000_000_000).max(60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn billing_rounds_up_to_the_second_with_a_one_minute_minimum() {
        assert_eq!(billed_seconds(40_000_000_000), 60);
        assert_eq!(billed_seconds(60_000_000_001), 61);
        assert_eq!(billed_seconds(3_600_000_000_000), 3600);
    }

    #[test]
    fn the_builtin_sheet_has_us_east_1() {
        let sheet = PriceSheet::load("us-east-1", &PriceFiles::builtin()).expect("builtin prices parse");
        let x86 = sheet.fargate[0].as_ref().expect("x86 price");
        assert_eq!((x86.usd_per_vcpu_hour, x86.usd_per_gb_hour), (0.04048, 0.004445));
        let spot = sheet.fargate_spot[0].as_ref().expect("spot price");
        assert_eq!(spot.usd_per_vcpu_hour, 0.01288871);
        assert_eq!(sheet.lcu_usd_per_hour.as_ref().map(|p| p.usd), Some(0.008));
    }

    #[test]
    fn a_region_without_a_spot_row_takes_thirty_percent() {
        let sheet = PriceSheet::load("eu-central-1", &PriceFiles::builtin()).expect("parse");
        let spot = sheet.fargate_spot[0].as_ref().expect("derived spot price");
        assert!((spot.usd_per_vcpu_hour - 0.04656 * 0.3).abs() < 1e-12);
        assert!(spot.as_of.contains("0.3 × On-Demand"), "{}", spot.as_of);
        assert!(sheet.alb_usd_per_hour.is_none());
    }

    /// Goal: Hamilton's method. 10 cents over exact shares 3.4, 3.3, 3.3
    /// floor to 3 + 3 + 3 and the one left goes to the largest fraction;
    /// with equal fractions (3⅓ each) the first index wins; the result always
    /// sums to the target, even when float error leaves a unit too many or few.
    #[test]
    fn largest_remainder_sums_to_the_target_with_ties_to_the_lower_index() {
        assert_eq!(largest_remainder(10, &[3.4, 3.3, 3.3]), [4, 3, 3]);
        assert_eq!(largest_remainder(10, &[3.3, 3.4, 3.3]), [3, 4, 3]);
        let third = 10.0 / 3.0;
        assert_eq!(largest_remainder(10, &[third, third, third]), [4, 3, 3]);
        assert_eq!(largest_remainder(11, &[third, third, third]), [4, 4, 3]);
        assert_eq!(largest_remainder(9, &[3.0, 3.0, 3.000_000_000_1]), [3, 3, 3]);
        assert_eq!(largest_remainder(8, &[3.0, 3.0, 3.0]), [3, 3, 2]);
        assert_eq!(largest_remainder(5, &[]), Vec::<i64>::new());
        assert_eq!(split_cents(7, &[0.0, 0.0, 0.0]), [0, 0, 7]);
        assert_eq!(split_cents(96, &[3.0, 1.0, 0.0]), [72, 24, 0]);
    }

    #[test]
    fn a_malformed_price_file_names_its_line() {
        let files = PriceFiles {
            fargate: ("mine.csv", "region,os,arch,purchase_option,usd_per_vcpu_hour,usd_per_gb_hour,as_of\nus-east-1,linux,x86_64,on_demand,cheap,0.1,2026\n"),
            ..PriceFiles::builtin()
        };
        let err = PriceSheet::load("us-east-1", &files).expect_err("bad number");
        assert_eq!(err.file, "mine.csv");
        assert!(err.message.starts_with("line 2"), "{}", err.message);
    }
}
