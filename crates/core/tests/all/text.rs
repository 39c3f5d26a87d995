//! Property tests of the untrusted-text helpers: whatever a commit subject or PR title holds,
//! no control or spoofing character and no live mention comes out, and nothing panics.

use proptest::prelude::*;
use shipline_core::text::{
    cell, code, inline, is_hidden, live_mentions, plain, plain_lines, quiet_mentions,
};

/// Text with the characters that matter here much more often than chance would give them.
fn hostile() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "\\PC{0,6}",
        "[\\x00-\\x1f\\x7f\\u{80}-\\u{9f}]{1,3}",
        "[\\u{200b}-\\u{200f}\\u{202a}-\\u{202e}\\u{2060}-\\u{2069}\\u{feff}]",
        "@[a-z0-9_./-]{0,10}",
        "[a-z]{1,4}@[a-z]{1,4}\\.com",
        "https?://[a-z@_*|/.]{0,12}",
        "[\\\\`*_~\\[\\]|<>&#!=+.)-]{1,3}",
        "[0-9]{1,3}[.)]",
        " ",
    ];
    proptest::collection::vec(piece, 0..12).prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn nothing_hidden_survives_and_plain_is_idempotent(text in hostile()) {
        let one = plain(&text);
        prop_assert!(!one.chars().any(is_hidden), "{one:?}");
        prop_assert_eq!(plain(&one), one.clone());
        let lines = plain_lines(&text);
        prop_assert!(!lines.chars().any(|c| is_hidden(c) && c != '\n' && c != '\t'), "{lines:?}");
        prop_assert_eq!(plain_lines(&lines), lines.clone());
    }

    #[test]
    fn markdown_has_no_hidden_character_no_line_break_and_no_live_mention(text in hostile()) {
        for out in [inline(&text), code(&text), cell(&text)] {
            prop_assert!(!out.chars().any(is_hidden), "{out:?}");
            prop_assert!(live_mentions(&out).is_empty(), "{text:?} -> {out:?}");
        }
        // Escaping twice escapes the escapes, but still leaves nothing live.
        prop_assert!(live_mentions(&inline(&inline(&text))).is_empty());
        // Our own Markdown quoting anyone's words: whatever backticks it holds, paired or
        // not, no mention stays live.
        let quiet = quiet_mentions(&text);
        prop_assert!(live_mentions(&quiet).is_empty(), "{text:?} -> {quiet:?}");
        prop_assert!(!cell(&text).contains('\n'));
    }

    #[test]
    fn any_text_goes_through_without_panic(text in "\\PC{0,200}|(?s).{0,200}") {
        let _ = (plain(&text), plain_lines(&text), inline(&text), code(&text), live_mentions(&text));
        let _ = (cell(&text), quiet_mentions(&text));
    }

    #[test]
    fn words_and_emails_read_as_written(text in "[A-Za-z0-9 ,:]{0,40}( [a-z]{1,8}@[a-z]{1,8}\\.com)?") {
        prop_assert_eq!(inline(&text), text.clone());
    }
}
