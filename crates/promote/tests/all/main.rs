//! Integration tests of shipline-promote through its binary, one module per concept.

mod analysis;
mod bad_input;
mod canary;
mod components;
mod forges;
mod freeze;
mod gates;
mod helpers;
mod mermaid;
mod prometheus;
mod range;
mod release;
mod revert;
mod rollout;
