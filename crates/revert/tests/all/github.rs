//! Against the fake GitHub: the PR, dedup, request budget, faults.
