//! Capacity provider strategies (aws-semantics §4.4): how a service's tasks
//! split across providers. Pure arithmetic; the scheduler reconciles each
//! provider's tasks to the split of the desired count.

use super::ids::CapacityProviderId;

/// One `capacityProviderStrategy` item (§4.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StrategyItem {
    pub provider: CapacityProviderId,
    /// Tasks this provider runs before any weight applies; at most one item sets it.
    pub base: u32,
    /// Relative share of the tasks beyond the base; 0 gets none.
    pub weight: u32,
}

/// Where the shortfall of a provider is measured (model choice §4.4).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SplitShortfall {
    /// After placing: the (k+1)-th task beyond the base goes to the largest
    /// `w_i / W × (k + 1) − n_i` (default).
    #[default]
    After,
    /// Before placing: the largest `w_i / W × k − n_i`.
    Before,
}

/// Tasks per strategy item for `total` tasks: the base first, then each
/// further task to the item whose count is furthest below its weight's share,
/// ties to the item listed first (model choice §4.4). Each count grows with
/// `total`, so scaling in from a matching split gives the smaller total's split.
pub fn split(strategy: &[StrategyItem], total: u32, shortfall: SplitShortfall) -> Vec<u32> {
    let mut counts = vec![0u32; strategy.len()];
    let mut left = total;
    if let Some(i) = strategy.iter().position(|item| item.base > 0) {
        counts[i] = strategy[i].base.min(left);
        left -= counts[i];
    }
    let weight_sum: u64 = strategy.iter().map(|item| u64::from(item.weight)).sum();
    if weight_sum == 0 || left == 0 {
        return counts;
    }
    // Integer comparison of w_i × m − n_i × W (m = k + 1 or k): exact, no rounding.
    let mut beyond = vec![0u64; strategy.len()];
    for k in 0..u64::from(left) {
        let m = match shortfall {
            SplitShortfall::After => k + 1,
            SplitShortfall::Before => k,
        };
        let best = (0..strategy.len()).filter(|&i| strategy[i].weight > 0).max_by_key(|&i| {
            let gap = i128::from(u64::from(strategy[i].weight) * m) - i128::from(beyond[i] * weight_sum);
            (gap, std::cmp::Reverse(i))
        });
        if let Some(i) = best {
            beyond[i] += 1;
            counts[i] += 1;
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(provider: u32, base: u32, weight: u32) -> StrategyItem {
        StrategyItem { provider: CapacityProviderId(provider), base, weight }
    }

    #[test]
    fn weights_alone_split_in_proportion() {
        let one_to_four = [item(0, 0, 1), item(1, 0, 4)];
        assert_eq!(split(&one_to_four, 1, SplitShortfall::After), [0, 1]);
        assert_eq!(split(&one_to_four, 5, SplitShortfall::After), [1, 4]);
        assert_eq!(split(&one_to_four, 10, SplitShortfall::After), [2, 8]);
        let even = [item(0, 0, 1), item(1, 0, 1)];
        assert_eq!(split(&even, 4, SplitShortfall::After), [2, 2]);
        assert_eq!(split(&even, 3, SplitShortfall::After), [2, 1]);
    }

    #[test]
    fn a_zero_weight_gets_nothing_beyond_its_base() {
        let strategy = [item(0, 2, 0), item(1, 0, 1)];
        assert_eq!(split(&strategy, 1, SplitShortfall::After), [1, 0]);
        assert_eq!(split(&strategy, 7, SplitShortfall::After), [2, 5]);
    }

    #[test]
    fn counts_never_fall_as_the_total_grows() {
        let strategy = [item(0, 3, 2), item(1, 0, 5), item(2, 0, 3)];
        let mut previous = vec![0; 3];
        for total in 0..200 {
            let counts = split(&strategy, total, SplitShortfall::After);
            assert_eq!(counts.iter().sum::<u32>(), total);
            assert!(counts.iter().zip(&previous).all(|(now, before)| now >= before), "{total}: {counts:?}");
            previous = counts;
        }
    }
}
