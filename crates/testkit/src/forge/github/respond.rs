//! Building GitHub-shaped answers: bodies seeded from the OpenAPI description's own examples,
//! GitHub's error bodies, and `Link`-header pagination.

use std::collections::HashMap;
use std::sync::OnceLock;

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, Uri};
use serde_json::{Value, json};

/// The example GitHub's description gives for `method path` answering `status`: the starting
/// point of every body, so the fields the fake does not model are still present and well typed.
/// For list answers the first element is returned.
pub fn example(method: &str, path: &str, status: u16) -> Value {
    static EXAMPLES: OnceLock<HashMap<String, Value>> = OnceLock::new();
    let examples = EXAMPLES.get_or_init(|| {
        let mut map = HashMap::new();
        for op in crate::openapi::fixture()["operations"]
            .as_array()
            .into_iter()
            .flatten()
        {
            for (code, response) in op["responses"].as_object().into_iter().flatten() {
                let key = format!(
                    "{} {} {code}",
                    op["method"].as_str().unwrap_or_default(),
                    op["path"].as_str().unwrap_or_default()
                );
                map.insert(key, response["example"].clone());
            }
        }
        map
    });
    let value = examples
        .get(&format!("{method} {path} {status}"))
        .cloned()
        .unwrap_or_else(|| panic!("no example for {method} {path} {status} in the fixture"));
    match value {
        Value::Array(items) => items.into_iter().next().unwrap_or(Value::Null),
        other => other,
    }
}

/// A JSON answer.
pub fn json_response(status: u16, body: Value) -> Response {
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        axum::Json(body),
    )
        .into_response()
}

/// GitHub's `basic-error` body.
pub fn error(status: u16, message: &str) -> Response {
    json_response(
        status,
        json!({
            "message": message,
            "documentation_url": "https://docs.github.com/rest",
            "status": status.to_string(),
        }),
    )
}

/// 404 the way GitHub says it (also for resources the token may not see).
pub fn not_found() -> Response {
    error(404, "Not Found")
}

/// GitHub's `validation-error` body (422) with one field error. An empty `field` is left out, as
/// GitHub does for `custom` errors that belong to no one field ("A pull request already exists
/// for owner:branch.").
pub fn validation(resource: &str, field: &str, code: &str, message: Option<&str>) -> Response {
    let mut item = json!({ "resource": resource, "code": code });
    if !field.is_empty() {
        item["field"] = json!(field);
    }
    if let Some(m) = message {
        item["message"] = json!(m);
    }
    json_response(
        422,
        json!({
            "message": "Validation Failed",
            "documentation_url": "https://docs.github.com/rest",
            "errors": [item],
        }),
    )
}

/// One page of `items` per `per_page` (default 30, at most 100) and `page`, with GitHub's
/// `Link` header (`next`, `last`, `first`, `prev`) built from the request URI.
pub fn paginate(
    uri: &Uri,
    base_url: &str,
    query: &HashMap<String, String>,
    items: Vec<Value>,
) -> (Vec<Value>, Option<HeaderValue>) {
    let per_page = query
        .get("per_page")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(30)
        .clamp(1, 100);
    let page = query
        .get("page")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1);
    let last = items.len().div_ceil(per_page).max(1);
    let slice: Vec<Value> = items
        .into_iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .collect();
    let link_to = |p: usize| {
        let mut pairs: Vec<(String, String)> =
            url::form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
                .into_owned()
                .filter(|(k, _)| k != "page")
                .collect();
        pairs.push(("page".into(), p.to_string()));
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        format!("<{base_url}{}?{query}>", uri.path())
    };
    let mut links = Vec::new();
    if page < last {
        links.push(format!("{}; rel=\"next\"", link_to(page + 1)));
        links.push(format!("{}; rel=\"last\"", link_to(last)));
    }
    if page > 1 {
        links.push(format!("{}; rel=\"first\"", link_to(1)));
        links.push(format!("{}; rel=\"prev\"", link_to(page - 1)));
    }
    let header = (!links.is_empty())
        .then(|| HeaderValue::from_str(&links.join(", ")).ok())
        .flatten();
    (slice, header)
}

/// A `200` list answer, paginated.
pub fn list(
    uri: &Uri,
    base_url: &str,
    query: &HashMap<String, String>,
    items: Vec<Value>,
) -> Response {
    let (page, link) = paginate(uri, base_url, query, items);
    let mut response = json_response(200, Value::Array(page));
    if let Some(link) = link {
        response.headers_mut().insert(http::header::LINK, link);
    }
    response
}

/// Now, as GitHub writes times (`2024-05-01T12:00:00Z`).
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
