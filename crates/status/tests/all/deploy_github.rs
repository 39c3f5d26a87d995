//! `start` / `finish` / `deactivate` on GitHub Deployments (the fake), in jobs built from real
//! webhook payloads; every request is checked against GitHub's OpenAPI description.
