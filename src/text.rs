//! Cutting text to a size, the one place that does it (results, prompts, logs).
//!
//! Every function counts characters, not bytes, and never splits a UTF-8 character.

/// At most `max` characters of `text`, with an ellipsis when cut.
pub fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((index, _)) => format!("{}…", &text[..index]),
        None => text.to_string(),
    }
}

/// The first `max` characters of `text`, without a mark (for logs).
pub fn prefix(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((index, _)) => &text[..index],
        None => text,
    }
}

/// The first `max` characters, with an ellipsis after them when cut.
pub fn head(text: &str, max: usize) -> String {
    shorten(text, max)
}

/// The last `max` characters, with an ellipsis before them when cut (a command's output:
/// the end holds the errors and summaries).
pub fn tail(text: &str, max: usize) -> String {
    let count = text.chars().count();
    if count <= max {
        return text.to_string();
    }
    let cut: String = text.chars().skip(count - max).collect();
    format!("…{cut}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cutting_is_char_safe() {
        assert_eq!(shorten("ééé", 2), "éé…");
        assert_eq!(shorten("ab", 5), "ab");
        assert_eq!(prefix("héllo", 2), "hé");
        assert_eq!(prefix("hi", 10), "hi");
        assert_eq!(head("ééé", 2), "éé…");
    }

    #[test]
    fn tail_keeps_the_end() {
        let long = "x".repeat(10) + &"y".repeat(20);
        let cut = tail(&long, 20);
        assert!(cut.starts_with('…'));
        assert!(cut.ends_with('y'));
        assert_eq!(cut.chars().count(), 21);
        assert_eq!(tail("short", 20), "short");
    }
}
