//! Tests for config (to be written).
