//! Words an operator reads in several views, written once: counts with their plural, and the
//! password rules as a sentence ("1 digit", never "1 digits"; no "≥0 symbol of").

/// `1 day`, `30 days`.
pub(crate) fn counted(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The password rules: `48 characters, at least 1 digit, 1 lowercase and 1 uppercase`,
/// with `and 2 symbols from -_.~!*` only when symbols are required.
pub(crate) fn password_rules(
    length: u64,
    digits: u64,
    lowercase: u64,
    uppercase: u64,
    symbols: u64,
    allowed: &str,
) -> String {
    let mut parts = Vec::new();
    if digits > 0 {
        parts.push(counted(digits, "digit", "digits"));
    }
    if lowercase > 0 {
        parts.push(counted(lowercase, "lowercase", "lowercase"));
    }
    if uppercase > 0 {
        parts.push(counted(uppercase, "uppercase", "uppercase"));
    }
    if symbols > 0 {
        let from = if allowed.is_empty() {
            String::new()
        } else {
            format!(" from {allowed}")
        };
        parts.push(format!("{}{from}", counted(symbols, "symbol", "symbols")));
    }
    let head = counted(length, "character", "characters");
    match parts.len() {
        0 => head,
        1 => format!("{head}, at least {}", parts[0]),
        n => format!(
            "{head}, at least {} and {}",
            parts[..n - 1].join(", "),
            parts[n - 1]
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_agree_with_their_nouns_and_zero_rules_are_left_out() {
        assert_eq!(counted(1, "day", "days"), "1 day");
        assert_eq!(counted(30, "day", "days"), "30 days");
        assert_eq!(
            password_rules(48, 1, 1, 1, 0, "-_.~!*"),
            "48 characters, at least 1 digit, 1 lowercase and 1 uppercase"
        );
        assert_eq!(
            password_rules(32, 2, 0, 0, 3, "-_"),
            "32 characters, at least 2 digits and 3 symbols from -_"
        );
        assert_eq!(
            password_rules(16, 0, 0, 0, 1, ""),
            "16 characters, at least 1 symbol"
        );
    }
}
