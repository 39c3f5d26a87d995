//! Reading a git remote URL: which host, which repository, which forge.
//!
//! Outside CI the only hint of where a repository lives is its `origin` URL, written in any of
//! git's accepted forms (https, ssh with or without a port, scp-like `git@host:path`). This is a
//! pure function so every form is unit-tested; user names and passwords in the URL are dropped
//! on the spot so no credential travels further.

use crate::forge::{ForgeKind, RepoId};

/// A parsed remote URL, without credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteUrl {
    /// Host name, lower-cased (`github.com`, `gitlab.example.com`).
    pub host: String,
    /// The port of an http(s) remote, when not the default. An ssh port says nothing about the
    /// web server, so it is not kept.
    pub web_port: Option<u16>,
    /// Whether the remote was plain `http://` (the web URL keeps that scheme).
    pub insecure_http: bool,
    /// The repository path without leading `/` or trailing `.git` (`group/sub/repo`).
    pub path: String,
}

impl RemoteUrl {
    /// The repository (`owner` holds every group segment; the last segment is the name).
    pub fn repo(&self) -> Option<RepoId> {
        RepoId::parse(&self.path)
    }

    /// The web base URL of the host (`https://gitlab.example.com:8443`).
    pub fn web_url(&self) -> String {
        let scheme = if self.insecure_http { "http" } else { "https" };
        match self.web_port {
            Some(port) => format!("{scheme}://{}:{port}", self.host),
            None => format!("{scheme}://{}", self.host),
        }
    }

    /// The forge guessed from the host name (see [`guess_forge`]).
    pub fn forge(&self) -> Option<ForgeKind> {
        guess_forge(&self.host)
    }
}

/// Guesses the forge from a host: `github.com` or a host containing `github` is GitHub,
/// `gitlab.com` or a host containing `gitlab` is GitLab, anything else is unknown.
pub fn guess_forge(host: &str) -> Option<ForgeKind> {
    let host = host.to_ascii_lowercase();
    if host.contains("github") {
        Some(ForgeKind::GitHub)
    } else if host.contains("gitlab") {
        Some(ForgeKind::GitLab)
    } else {
        None
    }
}

/// Parses a remote URL in any form git accepts for network remotes. Local paths and `file://`
/// URLs are not network remotes: `None`.
pub fn parse_remote_url(raw: &str) -> Option<RemoteUrl> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    if let Some((scheme, _)) = raw.split_once("://") {
        return parse_scheme_url(raw, &scheme.to_ascii_lowercase());
    }
    parse_scp_like(raw)
}

fn parse_scheme_url(raw: &str, scheme: &str) -> Option<RemoteUrl> {
    let (insecure_http, keep_port) = match scheme {
        "https" => (false, true),
        "http" => (true, true),
        "ssh" | "git+ssh" | "ssh+git" | "git" => (false, false),
        _ => return None,
    };
    let url = url::Url::parse(raw).ok()?;
    let host = url
        .host_str()?
        .trim_matches(['[', ']'])
        .to_ascii_lowercase();
    if host.is_empty() {
        return None;
    }
    let path = clean_path(url.path())?;
    Some(RemoteUrl {
        host,
        web_port: if keep_port { url.port() } else { None },
        insecure_http,
        path,
    })
}

/// `[user@]host:path` (git's scp-like syntax). A colon after the first slash means a local path.
fn parse_scp_like(raw: &str) -> Option<RemoteUrl> {
    let colon = raw.find(':')?;
    if raw[..colon].contains('/') || raw.starts_with('/') || raw.starts_with('.') {
        return None;
    }
    let authority = &raw[..colon];
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    // A single letter before the colon is a Windows drive (`C:\repo`), not a host.
    if host.len() <= 1 {
        return None;
    }
    let path = clean_path(&raw[colon + 1..])?;
    Some(RemoteUrl {
        host: host.to_ascii_lowercase(),
        web_port: None,
        insecure_http: false,
        path,
    })
}

fn clean_path(path: &str) -> Option<String> {
    let path = path.trim().trim_matches('/');
    let path = path
        .strip_suffix(".git")
        .unwrap_or(path)
        .trim_end_matches('/');
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    if segments.len() < 2 {
        return None;
    }
    Some(segments.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(url: &str) -> RemoteUrl {
        parse_remote_url(url).unwrap_or_else(|| panic!("{url} did not parse"))
    }

    #[test]
    fn github_https_with_and_without_dot_git() {
        for url in [
            "https://github.com/owner/repo.git",
            "https://github.com/owner/repo",
            "https://github.com/owner/repo/",
            "https://GitHub.com/owner/repo.git\n",
        ] {
            let remote = parsed(url);
            assert_eq!(remote.host, "github.com", "{url}");
            assert_eq!(remote.path, "owner/repo", "{url}");
            assert_eq!(remote.forge(), Some(ForgeKind::GitHub));
            assert_eq!(remote.web_url(), "https://github.com");
        }
    }

    #[test]
    fn scp_like_ssh() {
        let remote = parsed("git@github.com:owner/repo.git");
        assert_eq!(remote.host, "github.com");
        assert_eq!(remote.repo().unwrap().full_name(), "owner/repo");
        let remote = parsed("github.com:owner/repo");
        assert_eq!(remote.path, "owner/repo");
    }

    #[test]
    fn ssh_url_with_port_and_nested_groups() {
        let remote = parsed("ssh://git@gitlab.example.com:2222/group/sub/repo.git");
        assert_eq!(remote.host, "gitlab.example.com");
        assert_eq!(remote.path, "group/sub/repo");
        assert_eq!(remote.web_port, None, "the ssh port is not the web port");
        assert_eq!(remote.web_url(), "https://gitlab.example.com");
        let repo = remote.repo().unwrap();
        assert_eq!(repo.owner, "group/sub");
        assert_eq!(repo.name, "repo");
        assert_eq!(remote.forge(), Some(ForgeKind::GitLab));
    }

    #[test]
    fn credentials_are_never_kept() {
        for url in [
            "https://user@github.com/owner/repo",
            "https://x-access-token:ghs_secret123@github.com/owner/repo.git",
            "https://gitlab-ci-token:glcbt-secret@gitlab.com/a/b/c.git",
            "ssh://user:pw@host.example/owner/repo",
        ] {
            let remote = parsed(url);
            let debug = format!("{remote:?} {}", remote.web_url());
            for secret in ["user", "ghs_secret123", "glcbt-secret", "pw@", "x-access"] {
                assert!(!debug.contains(secret), "{url} kept {secret}: {debug}");
            }
        }
        assert_eq!(
            parsed("https://gitlab-ci-token:glcbt-secret@gitlab.com/a/b/c.git").path,
            "a/b/c"
        );
    }

    #[test]
    fn https_port_is_kept_for_the_web_url() {
        let remote = parsed("https://gitlab.internal:8443/platform/api.git");
        assert_eq!(remote.web_url(), "https://gitlab.internal:8443");
        let remote = parsed("http://localhost:3000/owner/repo");
        assert_eq!(remote.web_url(), "http://localhost:3000");
    }

    #[test]
    fn enterprise_and_self_managed_hosts() {
        assert_eq!(
            parsed("https://github.acme.corp/team/svc").forge(),
            Some(ForgeKind::GitHub)
        );
        assert_eq!(
            parsed("git@gitlab.acme.corp:team/svc.git").forge(),
            Some(ForgeKind::GitLab)
        );
        assert_eq!(parsed("git@code.acme.corp:team/svc.git").forge(), None);
        assert_eq!(
            parsed("https://gitlab.com/gitlab-org/ci-cd/runner.git")
                .repo()
                .unwrap()
                .owner,
            "gitlab-org/ci-cd"
        );
    }

    #[test]
    fn git_protocol_and_ssh_variants() {
        assert_eq!(parsed("git://github.com/owner/repo.git").path, "owner/repo");
        assert_eq!(
            parsed("git+ssh://git@github.com/owner/repo.git").path,
            "owner/repo"
        );
        assert_eq!(parsed("ssh://[::1]:22/owner/repo").host, "::1");
    }

    #[test]
    fn local_paths_and_incomplete_urls_are_not_remotes() {
        for url in [
            "",
            "/srv/git/repo.git",
            "./repo",
            "../other/repo.git",
            "file:///srv/git/repo.git",
            "C:\\repos\\thing",
            "https://github.com/owner",
            "https://github.com/",
            "git@github.com:repo.git",
            "dir/with:colon/repo",
        ] {
            assert_eq!(parse_remote_url(url), None, "{url}");
        }
    }
}
