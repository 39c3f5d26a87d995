//! Checks requests and responses against GitHub's official OpenAPI description.
//!
//! The description of the operations shipline calls is extracted from `@octokit/openapi` by
//! `scripts/openapi-subset.mjs` into `fixtures/github-openapi.json` (the package version is in
//! its `source` field). [`check_request`] asks: does the path under `/api/v3` match an
//! operation's template and method, are the query parameters declared, does the JSON body
//! validate against the request schema, are GitHub's recommended headers there.
//! [`check_response`] asks: is the status declared (401/403/404/429/5xx, which GitHub may send
//! for any operation, must be `basic-error`s), does the body validate. [`assert_github_conformance`]
//! runs both over a fake forge's whole request log.
//!
//! OpenAPI 3.0 marks nullable values with `nullable: true`, which JSON Schema does not know: a
//! validator would reject every valid `null`. Schemas are rewritten before they are compiled
//! (`type: T` becomes `type: [T, "null"]`, an enum gains `null`, anything else becomes
//! `anyOf: [schema, {type: null}]`).

mod description;

pub use description::{fixture, source};

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::{Map, Value, json};

use crate::forge::{FakeForge, RecordedRequest};

/// Rewrites OpenAPI 3.0 `nullable: true` into JSON Schema, recursively.
pub fn rewrite_nullable(schema: &Value) -> Value {
    match schema {
        Value::Array(items) => Value::Array(items.iter().map(rewrite_nullable).collect()),
        Value::Object(map) => {
            let mut out: Map<String, Value> = map
                .iter()
                .filter(|(k, _)| k.as_str() != "nullable")
                .map(|(k, v)| {
                    // Property names and examples are data, not schemas.
                    let v = if k == "example" || k == "examples" {
                        v.clone()
                    } else {
                        rewrite_nullable(v)
                    };
                    (k.clone(), v)
                })
                .collect();
            if map.get("nullable") != Some(&Value::Bool(true)) {
                return Value::Object(out);
            }
            if let Some(Value::Array(values)) = out.get_mut("enum")
                && !values.contains(&Value::Null)
            {
                values.push(Value::Null);
            }
            match out.get("type").cloned() {
                Some(Value::String(t)) => {
                    out.insert("type".into(), json!([t, "null"]));
                    Value::Object(out)
                }
                Some(Value::Array(mut types)) => {
                    if !types.contains(&json!("null")) {
                        types.push(json!("null"));
                    }
                    out.insert("type".into(), Value::Array(types));
                    Value::Object(out)
                }
                _ => json!({ "anyOf": [Value::Object(out), { "type": "null" }] }),
            }
        }
        other => other.clone(),
    }
}

fn components() -> &'static Value {
    static COMPONENTS: OnceLock<Value> = OnceLock::new();
    COMPONENTS.get_or_init(|| rewrite_nullable(&fixture()["components"]))
}

/// Compiles `schema` (with `$ref`s into the fixture's components), cached by `key`.
fn validator(key: &str, schema: &Value) -> Result<Arc<jsonschema::Validator>, String> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<jsonschema::Validator>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(v) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(key) {
        return Ok(v.clone());
    }
    let mut root = rewrite_nullable(schema);
    let root_map = match &mut root {
        Value::Object(map) => map,
        _ => return Err(format!("{key}: schema is not an object")),
    };
    root_map.insert("components".into(), components().clone());
    let compiled = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .build(&root)
        .map_err(|e| format!("{key}: schema does not compile: {e}"))?;
    let compiled = Arc::new(compiled);
    cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(key.to_string(), compiled.clone());
    Ok(compiled)
}

fn validate(key: &str, schema: &Value, instance: &Value) -> Vec<String> {
    match validator(key, schema) {
        Ok(v) => v
            .iter_errors(instance)
            .take(20)
            .map(|e| format!("at `{}`: {e}", e.instance_path()))
            .collect(),
        Err(e) => vec![e],
    }
}

/// The operation whose template matches `path` (under `/api/v3`) with `method`, and its
/// path parameters. Templates with more literal segments win.
/// An operation of the fixture and the path parameters a request gave it.
type Matched<'a> = (&'a Value, Vec<(String, String)>);

fn operation<'a>(method: &str, path: &str) -> Result<Matched<'a>, String> {
    let Some(rest) = path.strip_prefix("/api/v3") else {
        return Err(format!("{path} is not under /api/v3"));
    };
    let segments: Vec<&str> = rest.trim_matches('/').split('/').collect();
    let mut best: Option<(usize, Matched<'a>)> = None;
    let mut methods = Vec::new();
    for op in fixture()["operations"].as_array().into_iter().flatten() {
        let template = op["path"].as_str().unwrap_or_default();
        let parts: Vec<&str> = template.trim_matches('/').split('/').collect();
        if parts.len() != segments.len() {
            continue;
        }
        let mut params = Vec::new();
        let mut literal = 0;
        let matched = parts.iter().zip(&segments).all(|(t, s)| {
            if t.starts_with('{') && t.ends_with('}') {
                params.push((t[1..t.len() - 1].to_string(), s.to_string()));
                !s.is_empty()
            } else {
                literal += 1;
                t == s
            }
        });
        if !matched {
            continue;
        }
        let op_method = op["method"].as_str().unwrap_or_default();
        if !op_method.eq_ignore_ascii_case(method) {
            methods.push(format!("{op_method} {template}"));
            continue;
        }
        if best.as_ref().is_none_or(|(l, _)| literal > *l) {
            best = Some((literal, (op, params)));
        }
    }
    match best {
        Some((_, matched)) => Ok(matched),
        None if methods.is_empty() => Err(format!(
            "{method} {path}: no GitHub operation in {} has this path",
            source()
        )),
        None => Err(format!(
            "{method} {path}: the path exists only as {}",
            methods.join(", ")
        )),
    }
}

fn label(r: &RecordedRequest) -> String {
    format!("{} {}", r.method, r.path)
}

/// Violations of GitHub's description by a request (empty when it conforms).
pub fn check_request(r: &RecordedRequest) -> Vec<String> {
    let mut out = Vec::new();
    let mut header = |name: &str, want: Option<&str>| match (r.header(name), want) {
        (None, _) => out.push(format!("{}: request lacks the `{name}` header", label(r))),
        (Some(have), Some(want)) if have != want => out.push(format!(
            "{}: request header `{name}: {have}`, GitHub expects `{want}`",
            label(r)
        )),
        _ => {}
    };
    header("accept", Some("application/vnd.github+json"));
    header("x-github-api-version", Some("2022-11-28"));
    header("user-agent", None);
    if r.path == "/api/graphql" {
        match r.json() {
            Some(body) if body["query"].is_string() => {}
            _ => out.push(format!(
                "{}: a GraphQL request needs a JSON body with `query`",
                label(r)
            )),
        }
        return out;
    }
    let (op, params) = match operation(&r.method, &r.path) {
        Ok(found) => found,
        Err(e) => {
            out.push(e);
            return out;
        }
    };
    let declared = op["parameters"].as_array().cloned().unwrap_or_default();
    for (name, value) in &params {
        let schema = declared
            .iter()
            .find(|p| p["in"] == "path" && p["name"] == name.as_str())
            .map(|p| p["schema"].clone())
            .unwrap_or(Value::Null);
        if schema["type"] == "integer" && value.parse::<i64>().is_err() {
            out.push(format!(
                "{}: path parameter {name}=`{value}` is not an integer",
                label(r)
            ));
        }
    }
    let query = r.query.clone().unwrap_or_default();
    for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
        let Some(param) = declared
            .iter()
            .find(|p| p["in"] == "query" && p["name"] == name.as_ref())
        else {
            out.push(format!(
                "{}: query parameter `{name}` is not declared for {} {}",
                label(r),
                op["method"].as_str().unwrap_or_default(),
                op["path"].as_str().unwrap_or_default()
            ));
            continue;
        };
        let schema = &param["schema"];
        let typed = match schema["type"].as_str() {
            Some("integer") => value.parse::<i64>().map(Value::from).ok(),
            Some("boolean") => value.parse::<bool>().map(Value::from).ok(),
            _ => Some(Value::String(value.to_string())),
        };
        let key = format!("{} {} query {name}", op["method"], op["path"]);
        match typed {
            Some(v) => out.extend(
                validate(&key, schema, &v)
                    .into_iter()
                    .map(|e| format!("{}: query parameter `{name}`: {e}", label(r))),
            ),
            None => out.push(format!(
                "{}: query parameter `{name}`=`{value}` has the wrong type",
                label(r)
            )),
        }
    }
    let schema = &op["requestBody"];
    if schema.is_null() {
        if !r.body.is_empty() {
            out.push(format!("{}: the operation takes no request body", label(r)));
        }
    } else {
        match r.json() {
            None => out.push(format!("{}: the request body is not JSON", label(r))),
            Some(body) => {
                let key = format!("{} {} request", op["method"], op["path"]);
                out.extend(
                    validate(&key, schema, &body)
                        .into_iter()
                        .map(|e| format!("{}: request body {e}", label(r))),
                );
            }
        }
    }
    out
}

/// Violations of GitHub's description by the answer to a request (empty when it conforms).
pub fn check_response(r: &RecordedRequest) -> Vec<String> {
    if r.path == "/api/graphql" {
        return match r.response_json() {
            Some(body)
                if body.get("data").is_some()
                    || body.get("errors").is_some()
                    || r.status >= 400 =>
            {
                Vec::new()
            }
            _ => vec![format!(
                "{}: a GraphQL answer needs `data` or `errors`",
                label(r)
            )],
        };
    }
    let op = match operation(&r.method, &r.path) {
        Ok((op, _)) => op,
        Err(e) => return vec![e],
    };
    let status = r.status.to_string();
    let (key, schema) = match op["responses"].get(&status) {
        Some(declared) => (
            format!("{} {} {status}", op["method"], op["path"]),
            declared["schema"].clone(),
        ),
        // GitHub may answer these to any operation, always with its basic error body.
        None if matches!(r.status, 401 | 403 | 404 | 429 | 500..=599) => (
            "basic-error".to_string(),
            json!({ "$ref": "#/components/schemas/basic-error" }),
        ),
        None => {
            return vec![format!(
                "{}: status {status} is not declared for {} {} (declared: {})",
                label(r),
                op["method"].as_str().unwrap_or_default(),
                op["path"].as_str().unwrap_or_default(),
                op["responses"]
                    .as_object()
                    .map(|m| m.keys().cloned().collect::<Vec<_>>().join(", "))
                    .unwrap_or_default()
            )];
        }
    };
    if schema.is_null() || r.response_body.is_empty() {
        return Vec::new();
    }
    match r.response_json() {
        None => vec![format!("{}: response {status} is not JSON", label(r))],
        Some(body) => validate(&key, &schema, &body)
            .into_iter()
            .map(|e| format!("{}: response {status} {e}", label(r)))
            .collect(),
    }
}

/// Every violation in a request log's GitHub requests (REST under `/api/v3`, GraphQL at
/// `/api/graphql`). Answers replaced by an injected fault are not GitHub's, so only their
/// requests are checked.
pub fn github_violations(requests: &[RecordedRequest]) -> Vec<String> {
    let mut out = Vec::new();
    for r in requests {
        if !(r.path.starts_with("/api/v3/") || r.path == "/api/graphql") {
            continue;
        }
        out.extend(check_request(r));
        // A fault injected before the handler leaves no handler answer in the log (the
        // fake's own status, no headers); one injected after keeps the handler's answer.
        let injected = r.faulted && r.response_headers.is_empty();
        if !injected && r.status != 0 {
            out.extend(check_response(r));
        }
    }
    out
}

/// Panics listing every violation of GitHub's description in `forge`'s request log.
pub fn assert_github_conformance(forge: &FakeForge) {
    let requests = forge.requests();
    let violations = github_violations(&requests);
    assert!(
        violations.is_empty(),
        "{} violation(s) of GitHub's OpenAPI description ({}) in {} requests:\n  {}",
        violations.len(),
        source(),
        requests.len(),
        violations.join("\n  ")
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Bytes;

    fn recorded(method: &str, path: &str, query: Option<&str>, body: Value) -> RecordedRequest {
        RecordedRequest {
            method: method.into(),
            path: path.into(),
            query: query.map(str::to_string),
            headers: vec![
                ("accept".into(), "application/vnd.github+json".into()),
                ("x-github-api-version".into(), "2022-11-28".into()),
                ("user-agent".into(), "shipline/test".into()),
            ],
            body: if body.is_null() {
                Bytes::new()
            } else {
                Bytes::from(body.to_string())
            },
            status: 0,
            response_headers: vec![("content-type".into(), "application/json".into())],
            response_body: Bytes::new(),
            faulted: false,
        }
    }

    #[test]
    fn nullable_becomes_json_schema() {
        let rewritten = rewrite_nullable(&json!({
            "type": "object",
            "properties": {
                "a": { "type": "string", "nullable": true },
                "b": { "type": "string", "enum": ["x"], "nullable": true },
                "c": { "allOf": [{ "type": "integer" }], "nullable": true },
                "example": { "nullable": true }
            }
        }));
        assert_eq!(
            rewritten["properties"]["a"]["type"],
            json!(["string", "null"])
        );
        assert_eq!(rewritten["properties"]["b"]["enum"], json!(["x", null]));
        assert_eq!(
            rewritten["properties"]["c"]["anyOf"][1],
            json!({ "type": "null" })
        );
    }

    #[test]
    fn a_conforming_request_and_answer_pass() {
        let mut r = recorded(
            "POST",
            "/api/v3/repos/o/r/deployments/5/statuses",
            None,
            json!({ "state": "success", "auto_inactive": true }),
        );
        r.status = 201;
        let mut example = crate::forge::github::example(
            "POST",
            "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses",
            201,
        );
        // `creator` is a `nullable-simple-user`: null is valid.
        example["creator"] = Value::Null;
        r.response_body = Bytes::from(example.to_string());
        assert_eq!(github_violations(&[r]), Vec::<String>::new());
    }

    #[test]
    fn a_wrong_request_fails() {
        let mut r = recorded(
            "POST",
            "/api/v3/repos/o/r/deployments/5/statuses",
            Some("bogus=1"),
            json!({ "state": "exploded", "description": 7 }),
        );
        r.headers.retain(|(k, _)| k != "x-github-api-version");
        let violations = check_request(&r);
        let text = violations.join("\n");
        assert!(text.contains("x-github-api-version"), "{text}");
        assert!(text.contains("`bogus` is not declared"), "{text}");
        assert!(text.contains("/state"), "{text}");
        assert!(text.contains("/description"), "{text}");

        let unknown = recorded(
            "DELETE",
            "/api/v3/repos/o/r/deployments/5/statuses",
            None,
            Value::Null,
        );
        assert!(check_request(&unknown)[0].contains("exists only as"));
        let bad_id = recorded("GET", "/api/v3/repos/o/r/pulls/abc", None, Value::Null);
        assert!(check_request(&bad_id)[0].contains("not an integer"));
    }

    #[test]
    fn a_wrong_answer_fails() {
        let mut r = recorded("GET", "/api/v3/repos/o/r/pulls/1", None, Value::Null);
        r.status = 200;
        r.response_body = Bytes::from(json!({ "number": "one" }).to_string());
        let text = check_response(&r).join("\n");
        assert!(text.contains("\"base\" is a required property"), "{text}");

        let mut example =
            crate::forge::github::example("GET", "/repos/{owner}/{repo}/pulls/{pull_number}", 200);
        example["requested_teams"] = json!([]);
        example["number"] = json!("one");
        r.response_body = Bytes::from(example.to_string());
        let violations = check_response(&r);
        assert_eq!(violations.len(), 1, "{violations:?}");
        assert!(violations[0].contains("at `/number`"), "{violations:?}");

        r.status = 418;
        assert!(check_response(&r)[0].contains("status 418 is not declared"));

        // A valid `null` where the description says `nullable: true` passes.
        let mut example =
            crate::forge::github::example("GET", "/repos/{owner}/{repo}/pulls/{pull_number}", 200);
        example["requested_teams"] = json!([]);
        example["merged_at"] = Value::Null;
        example["milestone"] = Value::Null;
        r.status = 200;
        r.response_body = Bytes::from(example.to_string());
        assert_eq!(check_response(&r), Vec::<String>::new());
    }
}
