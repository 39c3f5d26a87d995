//! History reader (to be written).
