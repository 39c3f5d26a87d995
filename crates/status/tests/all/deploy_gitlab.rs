//! `start` / `finish` on GitLab deployments (the fake), in jobs with GitLab's documented
//! predefined variables.
