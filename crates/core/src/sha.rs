//! Short commit ids, at the two lengths shipline prints them.
//!
//! People read seven hex digits, as git and the forges show them; names that must stay unique
//! for the life of a repository (revert branches, dedup keys) use twelve, as
//! `shipline/revert-<sha12>` does.

/// The length of a commit id in tables, summaries and messages.
pub const DISPLAY: usize = 7;
/// The length of a commit id in branch names and other keys that must not collide.
pub const UNIQUE: usize = 12;

/// The first `len` characters of `sha` (all of it when shorter, or when `len` is not at a
/// character boundary, which a hex id never hits).
pub fn prefix(sha: &str, len: usize) -> &str {
    sha.get(..len).unwrap_or(sha)
}

/// `sha` at the [`DISPLAY`] length.
pub fn short(sha: &str) -> &str {
    prefix(sha, DISPLAY)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_long_ids_and_keeps_short_ones() {
        let sha = "9fceb02d0ae598e95dc970b74767f19372d61af8";
        assert_eq!(short(sha), "9fceb02");
        assert_eq!(prefix(sha, UNIQUE), "9fceb02d0ae5");
        assert_eq!(short("abc"), "abc");
        assert_eq!(prefix("", UNIQUE), "");
    }
}
