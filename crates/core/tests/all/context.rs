//! Tests for context (to be written).
