//! Tests for forge_github (to be written).
