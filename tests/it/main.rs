//! fleetsim's integration tests, one binary, organised by what a user relies on.

mod access_logs;
mod alb;
mod autoscaling;
mod bad_input;
mod browser;
mod calibrate;
mod capacity;
mod check;
mod cluster;
mod compare;
mod cost;
mod daemon;
mod deployments;
mod determinism;
mod ec2;
mod health;
mod import;
mod lifecycle;
mod memory;
mod queueing;
mod queues;
mod report;
mod support;
mod sweep;
mod tidy;
mod traffic;
