//! User text made inert for the places it is printed.
//!
//! A contract is hostile input. Text from it that reaches a terminal must not move the
//! cursor, colour the screen, add lines or reorder what is printed around it; text that
//! reaches HTML must not reorder the page around it. Control characters (but the tab), the
//! line and paragraph separators, and the bidirectional formatting characters (the
//! embeddings, overrides and isolates of Unicode's bidirectional algorithm, and the marks)
//! are what can; they are written as escapes such as `\u{202e}`, which a reader can see and
//! an editor can search for. HTML also isolates right-to-left text (`emit::html::writer`).

use std::fmt::Write;

/// A character that changes the order in which text around it is shown: the
/// bidirectional embeddings, overrides, isolates and their terminators, and the
/// left-to-right, right-to-left and Arabic letter marks.
pub fn is_bidi_control(ch: char) -> bool {
    matches!(
        ch,
        '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
    )
}

/// A character that is written as an escape: a control character other than the tab, the
/// line and paragraph separators, or a bidirectional formatting character.
pub fn needs_escape(ch: char) -> bool {
    (ch.is_control() && ch != '\t') || matches!(ch, '\u{2028}' | '\u{2029}') || is_bidi_control(ch)
}

/// Whether no character of `text` `needs_escape`. Printable ASCII, most of any text, is
/// passed over 32 bytes at a time (a test of every byte of a block, with no branch, which
/// the compiler turns into vector instructions); from the first block with another byte on,
/// character by character.
pub fn is_inert(text: &str) -> bool {
    let plain = |b: u8| (b.wrapping_sub(b' ') < 0x5f) | (b == b'\t');
    let plain_blocks = text
        .as_bytes()
        .chunks(32)
        .take_while(|block| block.iter().fold(true, |all, &b| all & plain(b)))
        .count();
    // Blocks of ASCII end on a character boundary.
    let rest = text.get(plain_blocks * 32..).unwrap_or("");
    !rest.chars().any(needs_escape)
}

/// `text` with each character that `needs_escape` written as `\u{…}` (lowercase hex).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(&mut out, text);
    out
}

/// `escape`, appended to `out`.
pub fn escape_into(out: &mut String, text: &str) {
    for ch in text.chars() {
        if needs_escape(ch) {
            // Writing to a String cannot fail.
            let _ = write!(out, "\\u{{{:x}}}", u32::from(ch));
        } else {
            out.push(ch);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_overrides_become_escapes() {
        assert_eq!(
            escape("a\u{202e}b\x1b[2Jc\nd\te\u{2066}"),
            "a\\u{202e}b\\u{1b}[2Jc\\u{a}d\te\\u{2066}"
        );
        assert_eq!(escape("£1,075 é 😀"), "£1,075 é 😀");
        assert_eq!(
            escape("\u{85}\u{7f}\r\u{2029}"),
            "\\u{85}\\u{7f}\\u{d}\\u{2029}"
        );
    }

    #[test]
    fn long_plain_text_is_inert_to_its_end() {
        let plain = "pay £1 for done within 3 months of `m1`\t".repeat(3);
        assert!(is_inert(&plain) && is_inert(&plain[..64]) && is_inert(&plain[..32]));
        for at in [0, 31, 32, 33, 64, 65] {
            let mut text = "a".repeat(70);
            text.insert(at, '\u{202e}');
            assert!(!is_inert(&text), "{at}");
            text.replace_range(at..at + 3, "é\n");
            assert!(!is_inert(&text), "{at}");
        }
    }

    proptest::proptest! {
        /// The byte-at-a-time pass agrees with asking every character.
        #[test]
        fn is_inert_asks_what_every_character_would(
            text in "[ -~\t\n\r\u{7f}-\u{a0}é£😀\u{2028}\u{202a}-\u{202e}\u{2066}-\u{2069}]{0,80}"
        ) {
            proptest::prop_assert_eq!(is_inert(&text), !text.chars().any(needs_escape));
        }
    }
}
