//! fixtures (to be written).
