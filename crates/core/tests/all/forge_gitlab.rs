//! Tests for forge_gitlab (to be written).
