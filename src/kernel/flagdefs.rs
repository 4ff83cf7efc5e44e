//! Reading `#define KF_*` flag lines as the preprocessor would, as far as kernel headers need:
//! lines joined at a trailing `\`, comments dropped, `#if`/`#ifdef`/`#ifndef`/`#elif`/`#else`/
//! `#endif` nesting tracked (each define knows its conditions and which arm of which `#if`
//! chain it is in; `#if 0` arms are dropped; an `#ifndef X` followed at once by `#define X` is a
//! guard and adds no condition), and values computed from `(1 << N)`, `1U << N`, `BIT(N)`,
//! `BIT_U32(N)`, `BIT_ULL(N)`, hex, octal and decimal numbers, combined with `| & ^ ~ << >> + - *`
//! and the file's other object-like macros (`(KF_FOO << 3)`, `KF_A | KF_B`). Which files hold the
//! kfunc family is decided in `flagstate`; this module only reads one file's defines.

use serde::Serialize;
use std::cell::Cell;
use std::collections::HashMap;

/// The value a define gives, as written and as understood.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlagDefine {
    pub name: String,
    /// 1-based line in its file (of the `#define`, when continued over several lines).
    pub line: usize,
    /// The value text as written, comments dropped (`(1 << 17)`).
    pub raw: String,
    /// The numeric value, when the text is one of the forms we read.
    pub value: Option<u64>,
    /// The whole line (continuation lines joined), for messages.
    pub text: String,
    /// The `#if` conditions it is under, outermost first (`CONFIG_X`, `!CONFIG_Y`); none when
    /// it is unconditional.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<String>,
    /// The arm of each enclosing `#if` chain, outermost first.
    #[serde(skip)]
    pub arms: Vec<Arm>,
}

/// One arm (`#if`, `#elif`… or `#else` part) of one `#if … #endif` chain of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arm {
    /// The chain's number in its file.
    pub chain: u32,
    /// 0 for the `#if` arm, 1 for the next `#elif` or `#else`, and so on.
    pub arm: u32,
}

impl FlagDefine {
    /// The bit number when the value is exactly one bit.
    pub fn bit(&self) -> Option<u32> {
        self.value.filter(|v| v.count_ones() == 1).map(|v| v.trailing_zeros())
    }

    /// A string or nothing: text that holds no bit, whatever it is for.
    pub fn is_text(&self) -> bool {
        self.raw.is_empty() || self.raw.starts_with('"')
    }

    /// A value kfpatch cannot compute that is not text: it may hold any bit.
    pub fn is_unreadable(&self) -> bool {
        self.value.is_none() && !self.is_text()
    }

    /// Whether this define and `other` (of the same file) are in different arms of one `#if`
    /// chain, so that no configuration has both.
    pub fn exclusive_with(&self, other: &FlagDefine) -> bool {
        exclusive(&self.arms, &other.arms)
    }

    /// Its conditions as one text (`CONFIG_X && !CONFIG_Y`), empty when unconditional.
    pub fn condition(&self) -> String {
        self.conditions.join(" && ")
    }
}

fn exclusive(a: &[Arm], b: &[Arm]) -> bool {
    a.iter().any(|x| b.iter().any(|y| x.chain == y.chain && x.arm != y.arm))
}

/// Parse a flag value on its own (no other macro known): `(1 << 3)`, `1U << 3`, `BIT(3)`,
/// `BIT_ULL(3)`, `0x8`, `8`, `(1 << 2) | (1 << 3)`.
pub fn parse_value(raw: &str) -> Option<u64> {
    eval(raw, &mut |_| None)
}

/// Every `#define KF_NAME value` in `text` (names in `KF_[A-Z0-9_]+`, not function-like, not
/// in an `#if 0` arm), in file order, with its conditions and its value.
pub fn defines(text: &str) -> Vec<FlagDefine> {
    // Cheap pre-filter: most files name no KF_* at all.
    if !text.contains("KF_") {
        return vec![];
    }
    let macros = read_macros(text);
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, m) in macros.iter().enumerate() {
        by_name.entry(m.name.as_str()).or_default().push(i);
    }
    let file = Macros {
        all: &macros,
        by_name,
        budget: Cell::new(LOOKUP_BUDGET),
    };
    macros
        .iter()
        .filter(|m| is_flag_name(&m.name))
        .map(|m| FlagDefine {
            name: m.name.clone(),
            line: m.line,
            value: file.value_of(&m.raw, &m.arms, 0),
            raw: m.raw.clone(),
            text: m.text.clone(),
            conditions: m.conditions.clone(),
            arms: m.arms.clone(),
        })
        .collect()
}

fn is_flag_name(name: &str) -> bool {
    name.len() > 3
        && name.starts_with("KF_")
        && name[3..]
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

/// An object-like macro of the file, in a live arm.
struct Macro {
    name: String,
    raw: String,
    line: usize,
    text: String,
    conditions: Vec<String>,
    arms: Vec<Arm>,
}

/// Macro expansions one file may cost before the rest of its values count as unreadable (real
/// headers need a few dozen; this bounds what a pathological file can cost).
const LOOKUP_BUDGET: u32 = 100_000;

/// A file's macros, for expanding one in another.
struct Macros<'m> {
    all: &'m [Macro],
    by_name: HashMap<&'m str, Vec<usize>>,
    budget: Cell<u32>,
}

impl Macros<'_> {
    /// The value of `raw` in the configurations of `arms`: other macros are expanded from the
    /// file's definitions that can hold together with it, and only when those agree on one value.
    fn value_of(&self, raw: &str, arms: &[Arm], depth: u32) -> Option<u64> {
        if depth > 8 {
            return None;
        }
        eval(raw, &mut |ident| {
            let mut values = self
                .by_name
                .get(ident)?
                .iter()
                .map(|&i| &self.all[i])
                .filter(|m| !exclusive(&m.arms, arms))
                .map(|m| {
                    let left = self.budget.get().checked_sub(1)?;
                    self.budget.set(left);
                    self.value_of(&m.raw, arms, depth + 1)
                });
            let first = values.next()??;
            values.all(|v| v == Some(first)).then_some(first)
        })
    }
}

/// One `#if` chain being read.
struct Frame {
    chain: u32,
    arm: u32,
    /// The conditions of the chain's earlier arms (negated in the later ones).
    earlier: Vec<Cond>,
    /// This arm's own condition (`None` for `#else`).
    own: Option<Cond>,
    /// `#ifndef X` not yet known to be a guard: the next directive tells.
    guard: Option<String>,
    /// `#ifndef X` followed by `#define X`: its condition is not shown.
    hide_own: bool,
    /// The enclosing region is never compiled.
    outer_dead: bool,
    /// This arm is never compiled (`#if 0`, or the enclosing region is not).
    dead: bool,
    /// This arm's conditions as shown: constants and a guard's left out.
    shown: Vec<String>,
}

impl Frame {
    fn recompute(&mut self) {
        let own = self.own.iter().filter(|_| !(self.hide_own && self.arm == 0)).cloned();
        let conds: Vec<Cond> = self.earlier.iter().map(Cond::negate).chain(own).collect();
        self.dead = self.outer_dead
            || self.earlier.iter().any(|c| c.truth == Some(true))
            || self.own.as_ref().is_some_and(|c| c.truth == Some(false));
        self.shown = conds
            .into_iter()
            .filter(|c| c.truth.is_none())
            .map(|c| c.text)
            .collect();
    }
}

/// Open a new `#if` chain with its first arm's condition.
fn open(stack: &mut Vec<Frame>, chains: &mut u32, own: Cond, guard: Option<String>) {
    *chains += 1;
    let mut f = Frame {
        chain: *chains,
        arm: 0,
        earlier: vec![],
        own: Some(own),
        guard,
        hide_own: false,
        outer_dead: stack.last().is_some_and(|f| f.dead),
        dead: false,
        shown: vec![],
    };
    f.recompute();
    stack.push(f);
}

/// One `#if` condition: its text and, when it is a constant, its truth.
#[derive(Clone)]
struct Cond {
    text: String,
    truth: Option<bool>,
}

impl Cond {
    fn new(expr: &str) -> Cond {
        let text = normalize_cond(expr);
        let truth = parse_value(&text).map(|v| v != 0);
        Cond { text, truth }
    }

    fn negate(&self) -> Cond {
        let t = &self.text;
        let text = match t.strip_prefix('!') {
            Some(rest) if is_ident(rest) => rest.to_string(),
            _ if is_ident(t) => format!("!{t}"),
            _ => format!("!({t})"),
        };
        Cond {
            text,
            truth: self.truth.map(|b| !b),
        }
    }
}

fn is_ident(s: &str) -> bool {
    let mut b = s.bytes();
    b.next().is_some_and(|c| c.is_ascii_alphabetic() || c == b'_') && b.all(|c| c.is_ascii_alphanumeric() || c == b'_')
}

/// Whitespace collapsed; `defined(X)`, `defined X` and their negations read as `X` and `!X`.
fn normalize_cond(expr: &str) -> String {
    let s = expr.split_whitespace().collect::<Vec<_>>().join(" ");
    let (neg, body) = match s.strip_prefix('!') {
        Some(rest) => ("!", rest.trim()),
        None => ("", s.as_str()),
    };
    let name = body.strip_prefix("defined").map(|r| {
        let r = r.trim();
        r.strip_prefix('(')
            .and_then(|r| r.strip_suffix(')'))
            .unwrap_or(r)
            .trim()
    });
    match name {
        Some(n) if is_ident(n) => format!("{neg}{n}"),
        _ => s,
    }
}

/// Every object-like `#define` of `text` in a live arm, with its conditions.
fn read_macros(text: &str) -> Vec<Macro> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut chains = 0u32;
    let mut in_comment = false;
    let mut i = 0;
    while i < lines.len() {
        let start = i;
        // Join continued lines first, then drop comments (the preprocessor's order).
        let mut logical = lines[i].to_string();
        let mut shown = lines[i].to_string();
        while logical.trim_end().ends_with('\\') && i + 1 < lines.len() {
            let cut = logical.trim_end().len() - 1;
            logical.truncate(cut);
            i += 1;
            logical.push_str(lines[i]);
            let cut = shown.trim_end().len() - 1;
            shown.truncate(cut);
            shown.truncate(shown.trim_end().len());
            shown.push(' ');
            shown.push_str(lines[i].trim());
        }
        i += 1;
        let code = strip_comments(&logical, &mut in_comment);
        let code = code.trim();
        if code.is_empty() {
            continue;
        }
        let directive = code.strip_prefix('#').map(|d| {
            let d = d.trim_start();
            let end = d
                .find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                .unwrap_or(d.len());
            (&d[..end], d[end..].trim())
        });
        // An `#ifndef X` whose next line is `#define X` is a guard.
        if let Some(top) = stack.last_mut() {
            if let Some(guard) = top.guard.take() {
                if let Some(("define", rest)) = directive {
                    if rest.split(|c: char| !c.is_ascii_alphanumeric() && c != '_').next() == Some(guard.as_str()) {
                        top.hide_own = true;
                        top.recompute();
                    }
                }
            }
        }
        let Some((keyword, rest)) = directive else { continue };
        match keyword {
            "if" => open(&mut stack, &mut chains, Cond::new(rest), None),
            "ifdef" => open(&mut stack, &mut chains, Cond::new(first_word(rest)), None),
            "ifndef" => {
                let name = first_word(rest);
                let guard = Some(name.to_string());
                open(&mut stack, &mut chains, Cond::new(&format!("!{name}")), guard)
            }
            "elif" | "elifdef" | "elifndef" | "else" => {
                let Some(f) = stack.last_mut() else { continue };
                f.earlier.extend(f.own.take());
                f.arm += 1;
                f.own = match keyword {
                    "elif" => Some(Cond::new(rest)),
                    "elifdef" => Some(Cond::new(first_word(rest))),
                    "elifndef" => Some(Cond::new(&format!("!{}", first_word(rest)))),
                    _ => None,
                };
                f.recompute();
            }
            "endif" => {
                stack.pop();
            }
            "define" if !stack.last().is_some_and(|f| f.dead) => {
                let end = rest
                    .find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                    .unwrap_or(rest.len());
                let (name, value) = rest.split_at(end);
                if name.is_empty() || value.starts_with('(') {
                    continue; // function-like
                }
                out.push(Macro {
                    name: name.to_string(),
                    raw: value.trim().to_string(),
                    line: start + 1,
                    text: if start + 1 == i {
                        lines[start].to_string()
                    } else {
                        shown
                    },
                    conditions: stack.iter().flat_map(|f| f.shown.iter().cloned()).collect(),
                    arms: stack
                        .iter()
                        .map(|f| Arm {
                            chain: f.chain,
                            arm: f.arm,
                        })
                        .collect(),
                });
            }
            _ => {}
        }
    }
    out
}

fn first_word(s: &str) -> &str {
    s.split_whitespace().next().unwrap_or("")
}

/// `line` without its comments; `in_comment` carries an open `/* …` over to the next line.
fn strip_comments(line: &str, in_comment: &mut bool) -> String {
    let b = line.as_bytes();
    if !*in_comment && !b.iter().any(|c| matches!(c, b'/' | b'"' | b'\'')) {
        return line.to_string();
    }
    let mut out = String::with_capacity(line.len());
    let (mut i, mut from) = (0, 0);
    while i < b.len() {
        if *in_comment {
            if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                *in_comment = false;
                i += 2;
                from = i;
                out.push(' ');
            } else {
                i += 1;
            }
            continue;
        }
        match (b[i], b.get(i + 1)) {
            (b'/', Some(b'*')) => {
                out.push_str(&line[from..i]);
                *in_comment = true;
                i += 2;
            }
            (b'/', Some(b'/')) => {
                out.push_str(&line[from..i]);
                return out;
            }
            (q @ (b'"' | b'\''), _) => {
                // Copy the literal whole: comment markers in it are text.
                i += 1;
                while i < b.len() && b[i] != q {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i = (i + 1).min(b.len());
            }
            _ => i += 1,
        }
    }
    if !*in_comment {
        out.push_str(&line[from..]);
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Tok<'s> {
    Num(u64),
    Ident(&'s str),
    Op(&'static str),
}

const OPS: [&str; 15] = [
    "<<", ">>", "(", ")", "|", "&", "^", "~", "+", "-", "*", "!", ",", "/", "%",
];

fn tokens(s: &str) -> Option<Vec<Tok<'_>>> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() {
            let start = i;
            while i < b.len() && b[i].is_ascii_alphanumeric() {
                i += 1;
            }
            let lit = s[start..i].trim_end_matches(['u', 'U', 'l', 'L']);
            let n = if let Some(hex) = lit.strip_prefix("0x").or_else(|| lit.strip_prefix("0X")) {
                u64::from_str_radix(hex, 16).ok()?
            } else if lit.len() > 1 && lit.starts_with('0') {
                u64::from_str_radix(&lit[1..], 8).ok()?
            } else {
                lit.parse().ok()?
            };
            out.push(Tok::Num(n));
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            out.push(Tok::Ident(&s[start..i]));
        } else {
            let op = OPS.iter().find(|op| s[i..].starts_with(**op))?;
            // `||`, `&&`, `<=`, `>=`, `==`, `!=` are not flag arithmetic.
            if matches!(b.get(i + op.len()), Some(n) if *n == c && matches!(c, b'|' | b'&'))
                || b.get(i + 1) == Some(&b'=')
            {
                return None;
            }
            out.push(Tok::Op(op));
            i += op.len();
        }
    }
    Some(out)
}

/// `expr` computed with C's operator precedence; `lookup` gives other macros' values.
fn eval(expr: &str, lookup: &mut dyn FnMut(&str) -> Option<u64>) -> Option<u64> {
    let toks = tokens(expr)?;
    let mut p = Parser {
        toks: &toks,
        pos: 0,
        depth: 0,
        lookup,
    };
    let v = p.binary(0)?;
    (p.pos == toks.len()).then_some(v)
}

struct Parser<'t, 's, 'l> {
    toks: &'t [Tok<'s>],
    pos: usize,
    depth: u32,
    lookup: &'l mut dyn FnMut(&str) -> Option<u64>,
}

/// Binary operators from the loosest to the tightest binding.
const LEVELS: [&[&str]; 6] = [&["|"], &["^"], &["&"], &["<<", ">>"], &["+", "-"], &["*", "/", "%"]];

impl<'s> Parser<'_, 's, '_> {
    fn peek(&self) -> Option<Tok<'s>> {
        self.toks.get(self.pos).copied()
    }

    fn eat(&mut self, op: &str) -> bool {
        let hit = matches!(self.peek(), Some(Tok::Op(o)) if o == op);
        self.pos += usize::from(hit);
        hit
    }

    fn binary(&mut self, level: usize) -> Option<u64> {
        if level == LEVELS.len() {
            return self.unary();
        }
        let mut v = self.binary(level + 1)?;
        while let Some(Tok::Op(op)) = self
            .peek()
            .filter(|t| matches!(t, Tok::Op(o) if LEVELS[level].contains(o)))
        {
            self.pos += 1;
            let r = self.binary(level + 1)?;
            v = match op {
                "|" => v | r,
                "^" => v ^ r,
                "&" => v & r,
                // Bits shifted out of 64 are a value kfpatch cannot hold: unreadable.
                "<<" => (r < 64 && v.leading_zeros() >= r as u32).then(|| v << r)?,
                ">>" => v.checked_shr(u32::try_from(r).ok()?)?,
                "+" => v.checked_add(r)?,
                "-" => v.checked_sub(r)?,
                "*" => v.checked_mul(r)?,
                "/" => v.checked_div(r)?,
                _ => v.checked_rem(r)?,
            };
        }
        Some(v)
    }

    fn unary(&mut self) -> Option<u64> {
        self.depth += 1;
        if self.depth > 64 {
            return None;
        }
        let v = if self.eat("~") {
            !self.unary()?
        } else if self.eat("!") {
            u64::from(self.unary()? == 0)
        } else if self.eat("-") {
            self.unary()?.wrapping_neg()
        } else if self.eat("+") {
            self.unary()?
        } else {
            self.primary()?
        };
        self.depth -= 1;
        Some(v)
    }

    fn primary(&mut self) -> Option<u64> {
        let tok = self.peek()?;
        self.pos += 1;
        match tok {
            Tok::Num(n) => Some(n),
            Tok::Op("(") => {
                let v = self.binary(0)?;
                self.eat(")").then_some(v)
            }
            Tok::Ident(name) => {
                if !self.eat("(") {
                    return (self.lookup)(name);
                }
                // BIT(n) and its sized forms; any other function-like macro is unreadable.
                let sized = [
                    "BIT", "BIT_U8", "BIT_U16", "BIT_U32", "BIT_U64", "BIT_ULL", "_BITUL", "_BITULL",
                ];
                if !sized.contains(&name) {
                    return None;
                }
                let n = self.binary(0)?;
                (self.eat(")") && n < 64).then(|| 1u64 << n)
            }
            Tok::Op(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_forms() {
        assert_eq!(parse_value("(1 << 17)"), Some(1 << 17));
        assert_eq!(parse_value("(1U << 3)"), Some(8));
        assert_eq!(parse_value("1UL<<3"), Some(8));
        assert_eq!(parse_value("BIT(4)"), Some(16));
        assert_eq!(parse_value("BIT_U32(5)"), Some(32));
        assert_eq!(parse_value("BIT_ULL(40)"), Some(1 << 40));
        assert_eq!(parse_value("0x20"), Some(32));
        assert_eq!(parse_value("0X20u"), Some(32));
        assert_eq!(parse_value("010"), Some(8));
        assert_eq!(parse_value("(6)"), Some(6));
        assert_eq!(parse_value("((1 << 2) | (1 << 3))"), Some(12));
        assert_eq!(parse_value("~0U & 0xff"), Some(255));
        assert_eq!(parse_value("\"_impl\""), None);
        assert_eq!(parse_value("KF_OTHER"), None);
        assert_eq!(parse_value("(1 << 64)"), None);
        assert_eq!(parse_value("(3ULL << 63)"), None);
        assert_eq!(parse_value("FOO(3)"), None);
        assert_eq!(parse_value("1 || 2"), None);
        assert_eq!(parse_value("(1 << 2"), None);
        assert_eq!(parse_value(&"(".repeat(10_000)), None);
    }

    #[test]
    fn define_lines_with_comments_and_tabs() {
        let t = "#define KF_ACQUIRE\t(1 << 0) /* acquire */\n#define KF_IMPL_SUFFIX \"_impl\"\nint x;\n#define KF_BIG    BIT(31) // big\n";
        let d = defines(t);
        assert_eq!(d.len(), 3);
        assert_eq!((d[0].name.as_str(), d[0].line, d[0].bit()), ("KF_ACQUIRE", 1, Some(0)));
        assert_eq!(d[0].raw, "(1 << 0)");
        assert_eq!(d[0].text, "#define KF_ACQUIRE\t(1 << 0) /* acquire */");
        assert_eq!(d[1].value, None);
        assert!(d[1].is_text() && !d[1].is_unreadable());
        assert_eq!(d[2].bit(), Some(31));
        assert!(d.iter().all(|d| d.conditions.is_empty() && d.arms.is_empty()));
    }

    #[test]
    fn continued_lines_are_one_define() {
        let t = "#define KF_A (1 << 3)\n#define KF_X \\\n\t(1 << 4) /* split */\n#define KF_Y\t\\\n  BIT( \\\n 5)\nint x;\n";
        let d = defines(t);
        assert_eq!(d.len(), 3);
        assert_eq!((d[1].name.as_str(), d[1].line, d[1].bit()), ("KF_X", 2, Some(4)));
        assert_eq!(d[1].raw, "(1 << 4)");
        assert_eq!(d[1].text, "#define KF_X (1 << 4) /* split */");
        assert_eq!((d[2].line, d[2].bit()), (4, Some(5)));
    }

    #[test]
    fn comments_hide_defines_and_directives() {
        let t =
            "/*\n#define KF_GONE (1 << 1)\n#if 0\n*/\n#define KF_A /* x */ (1 << 2)\n/* a */ #define KF_B (1 << 3)\n";
        let d = defines(t);
        assert_eq!(
            d.iter().map(|d| (d.name.as_str(), d.bit())).collect::<Vec<_>>(),
            [("KF_A", Some(2)), ("KF_B", Some(3))]
        );
        assert!(d.iter().all(|d| d.conditions.is_empty()));
    }

    #[test]
    fn conditions_and_arms() {
        let t = "#ifdef CONFIG_X\n#define KF_A (1 << 4)\n#else\n#define KF_A 0\n#endif\n\
                 #if defined(CONFIG_Y) && IS_ENABLED(CONFIG_Z)\n#define KF_B (1 << 5)\n#elif !defined(CONFIG_W)\n\
                 #ifndef CONFIG_V\n#define KF_C (1 << 6)\n#endif\n#else\n#define KF_D (1 << 7)\n#endif\n#define KF_E (1 << 8)\n";
        let d = defines(t);
        let conds: Vec<(&str, String)> = d.iter().map(|d| (d.name.as_str(), d.condition())).collect();
        assert_eq!(
            conds,
            [
                ("KF_A", "CONFIG_X".to_string()),
                ("KF_A", "!CONFIG_X".to_string()),
                ("KF_B", "defined(CONFIG_Y) && IS_ENABLED(CONFIG_Z)".to_string()),
                (
                    "KF_C",
                    "!(defined(CONFIG_Y) && IS_ENABLED(CONFIG_Z)) && !CONFIG_W && !CONFIG_V".to_string()
                ),
                (
                    "KF_D",
                    "!(defined(CONFIG_Y) && IS_ENABLED(CONFIG_Z)) && CONFIG_W".to_string()
                ),
                ("KF_E", String::new()),
            ]
        );
        assert!(d[0].exclusive_with(&d[1]));
        assert!(d[2].exclusive_with(&d[3]) && d[2].exclusive_with(&d[4]) && d[3].exclusive_with(&d[4]));
        assert!(!d[0].exclusive_with(&d[2]) && !d[5].exclusive_with(&d[0]));
        assert_eq!(d[1].value, Some(0));
    }

    #[test]
    fn guards_add_no_condition_and_if_0_is_dropped() {
        let t = "#ifndef _LINUX_BTF_H\n#define _LINUX_BTF_H\n#ifndef KF_A\n#define KF_A (1 << 1)\n#endif\n\
                 #if 0\n#define KF_OLD (1 << 2)\n#ifdef CONFIG_X\n#define KF_OLDER (1 << 3)\n#endif\n#else\n#define KF_NEW (1 << 2)\n#endif\n\
                 #ifndef KF_B\n#define KF_C (1 << 5)\n#else\n#define KF_D (1 << 6)\n#endif\n#endif\n";
        let d = defines(t);
        let conds: Vec<(&str, String)> = d.iter().map(|d| (d.name.as_str(), d.condition())).collect();
        assert_eq!(
            conds,
            [
                ("KF_A", String::new()),
                ("KF_NEW", String::new()),
                ("KF_C", "!KF_B".to_string()),
                ("KF_D", "KF_B".to_string()),
            ]
        );
    }

    #[test]
    fn stray_directives_are_ignored() {
        let d = defines("#else\n#endif\n#define KF_A (1 << 1)\n#elif X\n#if A\n");
        assert_eq!((d.len(), d[0].bit(), d[0].conditions.is_empty()), (1, Some(1), true));
    }

    #[test]
    fn values_from_other_macros_of_the_file() {
        let t = "#define KF_FOO (1 << 2)\n#define KF_BAR (KF_FOO << 3)\n#define KF_BOTH (KF_FOO | KF_BAR)\n\
                 #define __KF_SHIFT 9\n#define KF_SHIFTED BIT(__KF_SHIFT)\n#define KF_LOOP (KF_LOOP | 1)\n\
                 #define KF_ELSEWHERE (1 << SOME_ENUM)\n#define KF_LATER KF_DEFINED_BELOW\n#define KF_DEFINED_BELOW BIT_U32(11)\n";
        let d = defines(t);
        let v: Vec<(&str, Option<u64>)> = d.iter().map(|d| (d.name.as_str(), d.value)).collect();
        assert_eq!(
            v,
            [
                ("KF_FOO", Some(4)),
                ("KF_BAR", Some(32)),
                ("KF_BOTH", Some(36)),
                ("KF_SHIFTED", Some(512)),
                ("KF_LOOP", None),
                ("KF_ELSEWHERE", None),
                ("KF_LATER", Some(2048)),
                ("KF_DEFINED_BELOW", Some(2048)),
            ]
        );
        assert!(d[5].is_unreadable());
    }

    #[test]
    fn a_macro_with_values_per_arm_is_read_in_each_arm() {
        let t = "#ifdef CONFIG_X\n#define KF_BASE (1 << 2)\n#define KF_UP (KF_BASE << 1)\n#else\n#define KF_BASE (1 << 6)\n#endif\n\
                 #define KF_ANY (KF_BASE << 1)\n";
        let d = defines(t);
        let v: Vec<Option<u64>> = d.iter().map(|d| d.value).collect();
        // KF_UP sees only its arm's KF_BASE; KF_ANY sees both values and cannot tell.
        assert_eq!(v, [Some(4), Some(8), Some(64), None]);
    }

    #[test]
    fn long_continuations_stay_linear() {
        let t = format!("#define KF_X \\\n{}(1 << 4)\n", " \\\n".repeat(200_000));
        let started = std::time::Instant::now();
        assert_eq!(defines(&t)[0].bit(), Some(4));
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn expansion_is_bounded() {
        // Each level names the one below 40 times, 8 levels deep: 40^8 expansions unbounded.
        let mut t = String::from("#define KF_L0 1\n");
        for level in 1..9 {
            let refs = vec![format!("KF_L{}", level - 1); 40].join(" | ");
            t.push_str(&format!("#define KF_L{level} ({refs})\n"));
        }
        let started = std::time::Instant::now();
        let d = defines(&t);
        assert_eq!((d[1].value, d.len()), (Some(1), 9));
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn function_like_and_lowercase_names_are_not_flags() {
        let d = defines("#define KF_F(x) (1 << (x))\n#define KF_bpf_thing 3\n#define KF_OK 0x1\n");
        assert_eq!(d.iter().map(|d| d.name.as_str()).collect::<Vec<_>>(), ["KF_OK"]);
    }
}
