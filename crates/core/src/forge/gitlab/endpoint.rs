//! Where GitLab serves GraphQL, given where it serves REST (`.../api/v4` → `.../api/graphql`).
//! The forge configuration needs it before any client exists.

/// The GraphQL endpoint that belongs with a REST base URL (`.../api/v4` → `.../api/graphql`).
pub fn graphql_url_for(api_url: &str) -> String {
    let base = api_url.trim().trim_end_matches('/');
    match base.strip_suffix("/v4") {
        Some(api) => format!("{api}/graphql"),
        None => format!("{base}/graphql"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graphql_next_to_rest() {
        assert_eq!(
            graphql_url_for("https://gitlab.com/api/v4/"),
            "https://gitlab.com/api/graphql"
        );
        assert_eq!(
            graphql_url_for("https://git.example/gitlab/api/v4"),
            "https://git.example/gitlab/api/graphql"
        );
    }
}
