//! Tests for git (to be written).
