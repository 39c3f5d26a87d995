//! ledger (to be written).
