//! Where GitHub serves GraphQL, given where it serves REST: GitHub.com and GitHub Enterprise
//! Server differ. The forge configuration needs it before any client exists.

/// The GraphQL endpoint that belongs with a REST base URL: GitHub Enterprise Server serves REST
/// at `https://HOST/api/v3` and GraphQL at `https://HOST/api/graphql`; GitHub.com at
/// `https://api.github.com` and `https://api.github.com/graphql`.
pub fn graphql_url_for(api_url: &str) -> String {
    let api_url = api_url.trim().trim_end_matches('/');
    match api_url.strip_suffix("/api/v3") {
        Some(host) => format!("{host}/api/graphql"),
        None => format!("{api_url}/graphql"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graphql_url_for_github_and_ghes() {
        assert_eq!(
            graphql_url_for("https://api.github.com"),
            "https://api.github.com/graphql"
        );
        assert_eq!(
            graphql_url_for("https://ghe.example/api/v3/"),
            "https://ghe.example/api/graphql"
        );
    }
}
