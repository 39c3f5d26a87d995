//! Machinery of the whole-pipeline tests: the simulated runner and the service under rollout.

pub mod runner;
pub mod service;
