//! Tests for ledger (to be written).
