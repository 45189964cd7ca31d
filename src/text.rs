//! Small text helpers shared by error messages and results.

/// At most `max` characters of `text`, with an ellipsis when cut. Safe on any UTF-8.
pub fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((index, _)) => format!("{}…", &text[..index]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn shorten_is_char_safe() {
        assert_eq!(super::shorten("ééé", 2), "éé…");
        assert_eq!(super::shorten("ab", 5), "ab");
    }
}
