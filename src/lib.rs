//! fleetsim: a deterministic discrete-event simulator of an AWS ECS fleet behind
//! an Application Load Balancer.
//!
//! Data flows one way: a scenario file is parsed and lowered into
//! [`model::config`], traffic streams in from [`traffic`], [`run`] steps the
//! [`model::World`] on the [`engine`], [`observe`] turns observations into
//! figures, and [`report`] writes them.
//!
//! ```
//! let text = r#"
//!     duration = "10m"
//!     seed = 7
//!     [traffic]
//!     kind = "constant"
//!     rate_per_second = 20.0
//!     [service]
//!     desired_count = 2
//!     service_time = { distribution = "exponential", mean = "50ms" }
//! "#;
//! let scenario = fleetsim::scenario::parse(text, "example.toml".as_ref()).unwrap();
//! let output = fleetsim::run::simulate_scenario(&scenario, None).unwrap();
//! assert!(output.figures.requests.total > 10_000);
//! ```

pub mod calibration;
pub mod check;
pub mod cli;
pub mod cost;
pub mod elasticity;
pub mod engine;
pub mod model;
pub mod observe;
pub mod queueing;
pub mod report;
pub mod run;
pub mod scenario;
pub mod sweep;
pub mod traffic;
