//! EC2 instance types as a scenario names them: vCPU, memory and
//! architecture from the catalog shipped in `prices/ec2_instance_types.csv`,
//! and how many awsvpc tasks fit by ENIs (aws-semantics §5.3).

use crate::model::config::CpuArchitecture;
use std::collections::BTreeMap;
use std::sync::OnceLock;

const CATALOG: &str = include_str!("../../prices/ec2_instance_types.csv");

/// A type's nominal size, as `DescribeInstanceTypes` gives it.
#[derive(Clone, Debug, PartialEq)]
pub struct CatalogEntry {
    pub vcpu: u32,
    pub memory_mib: u32,
    pub architecture: CpuArchitecture,
}

/// The catalog's row for `name`, if it has one.
pub fn lookup(name: &str) -> Option<CatalogEntry> {
    catalog().get(name).cloned()
}

/// The catalog by type name, read once per process: validation, lowering and
/// import look types up many times per scenario, and scanning 1,400 lines
/// each time was a tenth of checking an imported scenario.
fn catalog() -> &'static BTreeMap<&'static str, CatalogEntry> {
    static CATALOG_BY_NAME: OnceLock<BTreeMap<&'static str, CatalogEntry>> = OnceLock::new();
    CATALOG_BY_NAME.get_or_init(|| {
        let mut by_name = BTreeMap::new();
        for (name, entry) in CATALOG.lines().skip(1).filter_map(row) {
            by_name.entry(name).or_insert(entry); // the first row of a name, as a scan finds it
        }
        by_name
    })
}

/// A catalog line: `instance_type,family,generation,vcpu,memory_mib,arch,…`.
fn row(line: &'static str) -> Option<(&'static str, CatalogEntry)> {
    let mut fields = line.split(',');
    let name = fields.next()?;
    let (_family, _generation) = (fields.next()?, fields.next()?);
    let vcpu = fields.next()?.parse().ok()?;
    let memory_mib = fields.next()?.parse().ok()?;
    let architecture = match fields.next()? {
        "arm64" => CpuArchitecture::Arm64,
        _ => CpuArchitecture::X86_64,
    };
    Some((name, CatalogEntry { vcpu, memory_mib, architecture }))
}

/// Families whose sizes follow the 2023 guide's common ENI table (§5.3).
const COMMON_FAMILIES: [&str; 9] = ["m5", "m6i", "m6a", "m6g", "m7g", "c5", "c6i", "c6g", "r5"];

/// awsvpc tasks per instance without and with trunking (§5.3), where the
/// guide lists the type; None otherwise (the scenario must say).
pub fn awsvpc_tasks(name: &str) -> Option<(u32, u32)> {
    let (family, size) = name.split_once('.')?;
    let m5_large_sizes = match (family, size) {
        ("m5", "4xlarge" | "8xlarge" | "12xlarge") => Some((7, 60)),
        ("m5", "16xlarge" | "24xlarge") => Some((14, 120)),
        // Not in the 2023 trunking list: two tasks (ENIs 3, one for the host).
        ("t3", "medium") => Some((2, 2)),
        ("m6g" | "m7g" | "c6g" | "c7g", "medium") => Some((1, 4)),
        _ => None,
    };
    if m5_large_sizes.is_some() {
        return m5_large_sizes;
    }
    if !COMMON_FAMILIES.contains(&family) {
        return None;
    }
    match size {
        "large" => Some((2, 10)),
        "xlarge" => Some((3, 20)),
        "2xlarge" => Some((3, 40)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalog_knows_m6i_large_and_graviton() {
        assert_eq!(
            lookup("m6i.large"),
            Some(CatalogEntry { vcpu: 2, memory_mib: 8192, architecture: CpuArchitecture::X86_64 })
        );
        assert_eq!(lookup("m7g.large").map(|e| e.architecture), Some(CpuArchitecture::Arm64));
        assert_eq!(lookup("m6i.huge"), None);
    }

    #[test]
    fn eni_limits_follow_the_guide() {
        assert_eq!(awsvpc_tasks("m6i.large"), Some((2, 10)));
        assert_eq!(awsvpc_tasks("c5.2xlarge"), Some((3, 40)));
        assert_eq!(awsvpc_tasks("m5.4xlarge"), Some((7, 60)));
        assert_eq!(awsvpc_tasks("t3.medium"), Some((2, 2)));
        assert_eq!(awsvpc_tasks("m7i.large"), None);
    }
}
