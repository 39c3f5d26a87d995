//! Triggers read from the event.
