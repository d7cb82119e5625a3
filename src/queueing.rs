//! Closed forms of queueing theory that the model is checked against: Erlang C
//! for M/M/c. Pure functions; used by tests and the peer-benchmark adapter.

/// P(an arrival waits) in M/M/c with offered load a = λ/μ (Erlang C); requires a < c.
pub fn erlang_c(arrival_rate: f64, service_rate: f64, servers: u32) -> f64 {
    let a = arrival_rate / service_rate;
    let c = f64::from(servers);
    let rho = a / c;
    assert!(rho > 0.0 && rho < 1.0, "invariant: Erlang C needs 0 < ρ < 1, got {rho}");
    let (mut term, mut total) = (1.0, 1.0);
    for k in 1..servers {
        term *= a / f64::from(k);
        total += term;
    }
    let top = term * a / c / (1.0 - rho);
    top / (total + top)
}

/// Mean wait in queue, Wq = C(c, a) / (cμ − λ).
pub fn mean_wait(arrival_rate: f64, service_rate: f64, servers: u32) -> f64 {
    erlang_c(arrival_rate, service_rate, servers) / (f64::from(servers) * service_rate - arrival_rate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        // M/M/1: P(wait) = ρ; Wq = ρ / (μ − λ).
        assert!((erlang_c(0.5, 1.0, 1) - 0.5).abs() < 1e-12);
        assert!((mean_wait(0.5, 1.0, 1) - 1.0).abs() < 1e-12);
        // M/M/2 at a = 1: C = 1/3 (textbook value).
        assert!((erlang_c(1.0, 1.0, 2) - 1.0 / 3.0).abs() < 1e-12);
    }
}
