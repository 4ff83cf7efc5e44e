//! Reading `#define KF_*` flag lines: `(1 << N)`, `(1U << N)`, `BIT(N)`, hex and decimal
//! values, with their line numbers. Which files hold the kfunc family is decided in
//! the check operation; this module only reads a file's defines.

use regex::Regex;
use serde::Serialize;
use std::sync::OnceLock;

/// The value a define gives, as written and as understood.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlagDefine {
    pub name: String,
    /// 1-based line in its file.
    pub line: usize,
    /// The value text as written (`(1 << 17)`).
    pub raw: String,
    /// The numeric value, when the text is one of the forms we read.
    pub value: Option<u64>,
    /// The whole line, for messages.
    pub text: String,
}

impl FlagDefine {
    /// The bit number when the value is exactly one bit.
    pub fn bit(&self) -> Option<u32> {
        self.value.filter(|v| v.count_ones() == 1).map(|v| v.trailing_zeros())
    }
}

/// Parse a flag value: `(1 << 3)`, `1U << 3`, `BIT(3)`, `BIT_ULL(3)`, `0x8`, `8`.
pub fn parse_value(raw: &str) -> Option<u64> {
    static SHIFT: OnceLock<Regex> = OnceLock::new();
    static BIT: OnceLock<Regex> = OnceLock::new();
    let s = raw.trim();
    let s = strip_outer_parens(s);
    let shift = SHIFT.get_or_init(|| Regex::new(r"^(\d+)[uUlL]*\s*<<\s*(\d+)$").expect("static regex"));
    let bit = BIT.get_or_init(|| Regex::new(r"^BIT(?:_ULL)?\s*\(\s*(\d+)\s*\)$").expect("static regex"));
    if let Some(c) = shift.captures(s) {
        let base: u64 = c[1].parse().ok()?;
        let n: u32 = c[2].parse().ok()?;
        return base.checked_shl(n).filter(|_| n < 64);
    }
    if let Some(c) = bit.captures(s) {
        let n: u32 = c[1].parse().ok()?;
        return 1u64.checked_shl(n).filter(|_| n < 64);
    }
    let digits = s.trim_end_matches(['u', 'U', 'l', 'L']);
    if let Some(hex) = digits.strip_prefix("0x").or_else(|| digits.strip_prefix("0X")) {
        return u64::from_str_radix(hex, 16).ok();
    }
    digits.parse().ok()
}

fn strip_outer_parens(mut s: &str) -> &str {
    while s.starts_with('(') && s.ends_with(')') {
        // Only strip when the parentheses enclose everything.
        let inner = &s[1..s.len() - 1];
        let mut depth = 0i32;
        let balanced = inner.chars().all(|c| {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                _ => {}
            }
            depth >= 0
        });
        if !balanced || depth != 0 {
            break;
        }
        s = inner.trim();
    }
    s
}

/// Every `#define KF_NAME value` line in `text` (names in `KF_[A-Z0-9_]+`, not function-like).
pub fn defines(text: &str) -> Vec<FlagDefine> {
    static DEFINE: OnceLock<Regex> = OnceLock::new();
    let re = DEFINE.get_or_init(|| {
        Regex::new(r"^\s*#\s*define\s+(KF_[A-Z0-9_]+)(?:[ \t]+(.*?))?\s*(?:/\*.*)?$").expect("static regex")
    });
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        // Cheap pre-filter: most lines are not defines.
        if !line.contains("KF_") || !line.contains("define") {
            continue;
        }
        if let Some(c) = re.captures(line) {
            let raw = c.get(2).map(|m| m.as_str().trim().to_string()).unwrap_or_default();
            out.push(FlagDefine {
                name: c[1].to_string(),
                line: i + 1,
                value: parse_value(&raw),
                raw,
                text: line.to_string(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_forms() {
        assert_eq!(parse_value("(1 << 17)"), Some(1 << 17));
        assert_eq!(parse_value("(1U << 3)"), Some(8));
        assert_eq!(parse_value("BIT(4)"), Some(16));
        assert_eq!(parse_value("0x20"), Some(32));
        assert_eq!(parse_value("(6)"), Some(6));
        assert_eq!(parse_value("\"_impl\""), None);
    }

    #[test]
    fn define_lines_with_comments_and_tabs() {
        let t = "#define KF_ACQUIRE\t(1 << 0) /* acquire */\n#define KF_IMPL_SUFFIX \"_impl\"\nint x;\n#define KF_BIG    BIT(31)\n";
        let d = defines(t);
        assert_eq!(d.len(), 3);
        assert_eq!((d[0].name.as_str(), d[0].line, d[0].bit()), ("KF_ACQUIRE", 1, Some(0)));
        assert_eq!(d[1].value, None);
        assert_eq!(d[2].bit(), Some(31));
    }
}
