//! context (to be written).
