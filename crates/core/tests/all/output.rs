//! Tests for output (to be written).
