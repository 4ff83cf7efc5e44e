//! Rebuilding the indentation of added C lines whose leading whitespace an archive stripped.
//!
//! The rules are the kernel's coding style, read off the surrounding tree lines (which keep
//! their real bytes): tabs for block depth, continuation lines aligned one column after the
//! innermost open parenthesis, a statement under an unbraced `if`/`for`/`while` one tab deeper,
//! `case` labels at the `switch`'s depth, goto labels in column 0, block-comment lines one column
//! after their `/*`, and a `#define` in an aligned block padded to its neighbours' value column
//! with their padding character. Only indentation is rebuilt; the text of a line is kept.

const TAB: usize = 8;

/// The column `text` reaches when it starts at column `from`, tabs going to the next 8-column
/// stop (how a terminal and the kernel's style guide count).
pub fn width(text: &str, from: usize) -> usize {
    text.chars()
        .fold(from, |col, c| if c == '\t' { (col / TAB + 1) * TAB } else { col + 1 })
}

/// A line's leading whitespace.
pub fn leading(s: &str) -> &str {
    &s[..s.len() - s.trim_start_matches([' ', '\t']).len()]
}

/// Visual width of a string's leading whitespace.
pub fn indent_width(s: &str) -> usize {
    width(leading(s), 0)
}

/// Padding from column `from` to column `to`: tabs (to the first tab stop at or past `to`) or
/// spaces.
pub fn pad(from: usize, to: usize, tabs: bool) -> String {
    if !tabs {
        return " ".repeat(to.saturating_sub(from));
    }
    let mut out = String::new();
    let mut col = from;
    while col < to {
        out.push('\t');
        col = (col / TAB + 1) * TAB;
    }
    out
}

/// Padding from column `from` to exactly column `to`: tabs as long as they do not pass it, then
/// spaces (how kernel code reaches a column that is not a tab stop); empty if `from` is there.
pub fn pad_exact(from: usize, to: usize) -> String {
    let mut out = String::new();
    let mut col = from;
    while (col / TAB + 1) * TAB <= to {
        out.push('\t');
        col = (col / TAB + 1) * TAB;
    }
    out.push_str(&" ".repeat(to.saturating_sub(col)));
    out
}

/// Kernel indentation for a column: as many tabs as fit, then spaces.
pub fn make_indent(col: usize) -> String {
    format!("{}{}", "\t".repeat(col / TAB), " ".repeat(col % TAB))
}

/// Per-line code with comments and literal contents blanked (same character positions), and
/// whether each line starts inside a block comment.
struct Lexed {
    code: Vec<String>,
    in_comment_before: Vec<bool>,
    /// The line continues a preprocessor directive (the line above ends with `\\`).
    in_macro: Vec<bool>,
}

fn lex(lines: &[String]) -> Lexed {
    let mut code = Vec::with_capacity(lines.len());
    let mut in_comment_before = Vec::with_capacity(lines.len());
    let mut in_macro = Vec::with_capacity(lines.len());
    let mut in_comment = false;
    let mut directive_continues = false;
    for line in lines {
        in_comment_before.push(in_comment);
        in_macro.push(directive_continues);
        let (c, after) = lex_line(line, in_comment);
        code.push(c);
        in_comment = after;
        let continued = line.trim_end().ends_with('\\');
        directive_continues = continued && (directive_continues || line.trim_start().starts_with('#'));
    }
    Lexed {
        code,
        in_comment_before,
        in_macro,
    }
}

/// One line's code (comments and literal contents blanked) and the comment state after it.
fn lex_line(line: &str, mut in_comment: bool) -> (String, bool) {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len());
    let mut i = 0;
    let mut quote: Option<char> = None;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if in_comment {
            if c == '*' && next == Some('/') {
                in_comment = false;
                out.push_str("  ");
                i += 2;
            } else {
                out.push(if c == '\t' { '\t' } else { ' ' });
                i += 1;
            }
            continue;
        }
        if let Some(q) = quote {
            if c == '\\' {
                out.push_str("  ");
                i += 2;
                continue;
            }
            if c == q {
                quote = None;
                out.push(c);
            } else {
                out.push(' ');
            }
            i += 1;
            continue;
        }
        match (c, next) {
            ('/', Some('*')) => {
                in_comment = true;
                out.push_str("  ");
                i += 2;
            }
            ('/', Some('/')) => break,
            ('"', _) | ('\'', _) => {
                quote = Some(c);
                out.push(c);
                i += 1;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    // A macro's line-continuing backslash is not code: the statement before it ends as usual.
    if out.trim_end().ends_with('\\') {
        let at = out.rfind('\\').expect("just seen");
        out.replace_range(at..at + 1, " ");
    }
    (out, in_comment)
}

fn ends_statement(code: &str, raw: &str) -> bool {
    let c = code.trim_end();
    let t = raw.trim_start();
    c.trim().is_empty()
        || t.starts_with('#')
        || c.ends_with(';')
        || c.ends_with('{')
        || c.ends_with('}')
        || (c.ends_with(':') && (is_case(t) || is_goto_label(t)))
}

/// The rule that placed a re-indented line, and whether kernel style leaves any doubt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    Blank,
    Define,
    CommentBody,
    GotoLabel,
    FirstLine,
    ContinuationParen,
    OpenBraceAlone,
    /// The body of an `if`/`for`/`while`/`else`/`do` without braces: one tab deeper.
    UnbracedBody,
    /// The first line of a macro's body: one tab in, or as the nearest macro's.
    MacroBody,
    /// Balanced parentheses but an unfinished statement: a plain continuation, one tab
    /// deeper; it may be aligned otherwise.
    Continuation,
    BlockBody,
    ClosingBrace,
    /// The brace closing a `case X: {` block: at the label's depth, or a tab deeper.
    CaseBlockEnd,
    /// A comment right above a `case` label.
    CaseComment,
    CaseBody,
    CaseLabel,
    SameAsStatement,
    /// `/* private: */` or `/* public: */`, where the file's own stand.
    KernelDocMarker,
    /// Outside any brace and macro: column 0, whatever the line above stands at.
    FileLevel,
}

impl Rule {
    /// Rules that kernel style makes certain (blocks, parentheses, labels) against those that
    /// only follow the usual habit.
    pub fn sure(self) -> bool {
        !matches!(self, Rule::Continuation | Rule::FirstLine | Rule::CaseBody)
    }
    /// Rules that place a line by the code's structure alone (a block's depth, a brace, a
    /// label, a comment's star, a `#define`'s padding). Measured on the heal benchmark (archive
    /// with `index` lines, 6.1→6.12 and 6.12→7.2): of the 28,720 doubts these rules raised
    /// (with their "all at once" habits) over the files whose author's lines were all among the
    /// alternatives, 13 had to take another way for the file to hash to its postimage, against
    /// 1 to 10 % of the doubts of each other kind.
    pub fn structural(self) -> bool {
        matches!(
            self,
            Rule::SameAsStatement
                | Rule::CommentBody
                | Rule::BlockBody
                | Rule::ClosingBrace
                | Rule::OpenBraceAlone
                | Rule::UnbracedBody
                | Rule::Define
                | Rule::CaseLabel
                | Rule::CaseBody
        )
    }
    pub fn describe(self) -> &'static str {
        match self {
            Rule::Blank => "blank",
            Rule::Define => "#define padded like its neighbours",
            Rule::CommentBody => "comment line under its /*",
            Rule::GotoLabel => "goto label in column 0",
            Rule::FirstLine => "no code above to measure from",
            Rule::ContinuationParen => "continuation aligned after the open parenthesis",
            Rule::OpenBraceAlone => "brace on its own line",
            Rule::UnbracedBody => "body of an unbraced if/for/while: one tab deeper",
            Rule::MacroBody => "first line of a macro's body: one tab in, or as the nearest macro's",
            Rule::Continuation => "continued statement: one tab deeper (it may be aligned otherwise)",
            Rule::BlockBody => "one tab inside the block",
            Rule::ClosingBrace => "closing brace at its block's depth",
            Rule::CaseBlockEnd => "closing brace of a case's block at the label's depth (or a tab deeper)",
            Rule::CaseComment => "comment above a case label at the label's depth",
            Rule::CaseBody => "statement after a case label",
            Rule::CaseLabel => "case label at the switch's depth",
            Rule::SameAsStatement => "same depth as the statement above",
            Rule::KernelDocMarker => "kernel-doc marker where the file's nearest one stands",
            Rule::FileLevel => "outside any brace: column 0",
        }
    }
}

/// Does line `j` end what it belongs to: a statement, a list item (`x = 1,` in an initializer
/// or an enum), or a macro invocation standing alone (`BTF_ID(func, f)`)?
fn ends(lines: &[String], lexed: &Lexed, j: usize) -> bool {
    let code = lexed.code[j].trim();
    ends_statement(&lexed.code[j], &lines[j]) || (code.ends_with(',') && in_brace_list(lexed, j)) || is_macro_line(code)
}

/// `NAME(...)` alone on a line, its parentheses balanced: an upper-case macro used as a
/// statement or declaration (`BTF_ID(func, f)`, `BTF_SET8_START(list)`).
fn is_macro_line(code: &str) -> bool {
    let name: String = code
        .chars()
        .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
        .collect();
    if name.len() < 2 || !code[name.len()..].starts_with('(') || !code.ends_with(')') {
        return false;
    }
    let mut depth = 0i32;
    for (i, c) in code.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 && i + 1 != code.len() {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}

/// Is the end of line `j` directly inside a brace list: an initializer (`= {`), an enum, or an
/// array of them, not inside parentheses? Its items end with `,`.
fn in_brace_list(lexed: &Lexed, j: usize) -> bool {
    let (mut braces, mut parens) = (0i32, 0i32);
    let lo = j.saturating_sub(3000);
    for k in (lo..=j).rev() {
        let code = &lexed.code[k];
        for (i, c) in code.char_indices().rev() {
            match c {
                '}' => braces += 1,
                ')' | ']' => parens += 1,
                '(' | '[' => {
                    if parens == 0 {
                        return false;
                    }
                    parens -= 1;
                }
                '{' if braces > 0 => braces -= 1,
                '{' => {
                    let head = code[..i].trim();
                    let head = if head.is_empty() && k > 0 {
                        lexed.code[k - 1].trim().to_string()
                    } else {
                        head.to_string()
                    };
                    let first = head.trim_start();
                    return head.ends_with('=')
                        || is_compound_literal_cast(&head)
                        || head.ends_with(',')
                        || head.ends_with('{')
                        || first.starts_with("enum")
                        || first.contains(" enum ");
                }
                _ => {}
            }
        }
    }
    false
}

/// Does `head` (the code before a `{`) end with a compound literal's cast, after something
/// that takes a value: `x = (struct s){`, `return (struct s){`, `f(a, (struct s){`?
fn is_compound_literal_cast(head: &str) -> bool {
    let Some(inner) = head.strip_suffix(')') else {
        return false;
    };
    let Some(open) = inner.rfind('(') else {
        return false;
    };
    let cast = inner[open + 1..].trim();
    let before = inner[..open].trim_end();
    let type_like = cast.starts_with("struct ") || cast.starts_with("union ") || cast.ends_with("_t");
    let takes_value = before.is_empty()
        || before.ends_with('=')
        || before.ends_with(',')
        || before.ends_with('(')
        || before.ends_with("return");
    type_like && !cast.contains(['(', ')']) && takes_value
}

/// Re-indent `targets` (indices into `lines`, ascending) in place.
pub fn reindent(lines: &mut [String], targets: &[usize]) {
    reindent_explained(lines, targets);
}

/// Re-indent `targets` in place; the rule that placed each one, in order.
pub fn reindent_explained(lines: &mut [String], targets: &[usize]) -> Vec<Rule> {
    reindent_styled(lines, targets, None)
}

/// Re-indent `targets` in place with every continuation under an open parenthesis in `style`
/// (`None`: the style of the tree's continuations around each line); the rule that placed each
/// line, in order. The forced styles are what the proof search tries when the first guess is
/// not the author's.
pub fn reindent_styled(lines: &mut [String], targets: &[usize], style: Option<Style>) -> Vec<Rule> {
    let mut rules = Vec::with_capacity(targets.len());
    for &t in targets {
        lines[t] = lines[t].trim().to_string();
    }
    let mut lexed = lex(lines);
    for &t in targets {
        let text = lines[t].clone();
        let (new, rule) = if text.is_empty() {
            (String::new(), Rule::Blank)
        } else if text.starts_with('#') {
            (align_define(lines, t, &text, targets), Rule::Define)
        } else if lexed.in_comment_before[t] {
            let open = comment_opening(&lexed, t);
            let col = open
                .map(|o| trailing_comment_star(&lines[o]).unwrap_or(indent_width(&lines[o]) + 1))
                .unwrap_or(1);
            (format!("{}{text}", make_indent(col)), Rule::CommentBody)
        } else if is_goto_label(&text) {
            (format!("{}{text}", label_indent(lines, t, targets)), Rule::GotoLabel)
        } else if let Some(lead) = kernel_doc_marker_indent(lines, t, &text, targets) {
            (format!("{lead}{text}"), Rule::KernelDocMarker)
        } else {
            let (col, rule) = column_for(lines, &lexed, t, &text, targets, style);
            (format!("{}{text}", make_indent(col)), rule)
        };
        lines[t] = new;
        rules.push(rule);
        // Later lines measure columns on this one: lex it again with its indentation.
        lexed.code[t] = lex_line(&lines[t], lexed.in_comment_before[t]).0;
    }
    rules
}

/// The code line above `before` that its indentation is measured from: preprocessor lines
/// are skipped, and so are a macro's continued lines, unless `before` is one of them itself
/// (then the macro's own lines count, its `#define` line included, but not its empty ones:
/// a lone `\` stands where the macro's backslashes stand, deep to the right).
fn previous_non_blank(lines: &[String], lexed: &Lexed, before: usize) -> Option<usize> {
    let inside = lexed.in_macro.get(before).copied().unwrap_or(false);
    for j in (0..before).rev() {
        let text = lines[j].trim();
        if text.is_empty() || (inside && text == "\\") {
            continue;
        }
        if inside {
            return Some(j);
        }
        if text.starts_with('#') || lexed.in_macro[j] {
            continue;
        }
        return Some(j);
    }
    None
}

/// The line of the innermost `{` still open above line `t`: within `t`'s macro when `t` is in
/// one, otherwise outside preprocessor lines (whose braces belong to their macros).
fn unmatched_open(lines: &[String], lexed: &Lexed, t: usize) -> Option<usize> {
    unmatched_open_within(lines, lexed, t, 5000)
}

/// [`unmatched_open`], looking up to `reach` lines back.
fn unmatched_open_within(lines: &[String], lexed: &Lexed, t: usize, reach: usize) -> Option<usize> {
    let inside_macro = lexed.in_macro[t];
    let mut depth = 0usize;
    for k in (t.saturating_sub(reach)..t).rev() {
        let directive = lines[k].trim_start().starts_with('#');
        if inside_macro {
            if !lexed.in_macro[k] && !directive {
                return None;
            }
        } else if lexed.in_macro[k] || directive {
            continue;
        }
        for c in lexed.code[k].chars().rev() {
            match c {
                '}' => depth += 1,
                '{' if depth == 0 => return Some(k),
                '{' => depth -= 1,
                _ => {}
            }
        }
        if inside_macro && directive {
            return None;
        }
    }
    None
}

/// Does this code start an `if`/`for`/`while`/`else`/`do`?
fn is_control_head(code: &str) -> bool {
    let c = code
        .trim_start()
        .strip_prefix('}')
        .unwrap_or(code.trim_start())
        .trim_start();
    let word: String = c
        .chars()
        .take_while(|ch| ch.is_ascii_alphanumeric() || *ch == '_')
        .collect();
    matches!(word.as_str(), "if" | "for" | "while" | "else" | "do")
}

/// First line of the (possibly multi-line) statement that line `j` ends or continues.
/// Walking back through unfinished lines also climbs from an unbraced body to its `if`.
fn statement_start(lines: &[String], lexed: &Lexed, j: usize) -> usize {
    let mut s = j;
    while s > 0 {
        let p = s - 1;
        // A directive starts a statement of its own; a macro's lines never reach above it.
        // A closing brace begins its line's statement (`};` after an enum's last member,
        // which has no comma to end it).
        if lines[p].trim().is_empty()
            || lexed.in_comment_before[s]
            || lines[s].trim_start().starts_with('#')
            || lexed.code[s].trim_start().starts_with('}')
        {
            break;
        }
        if lexed.in_macro[s] != lexed.in_macro[p] && !lines[p].trim_start().starts_with('#') {
            break;
        }
        if ends(lines, lexed, p) {
            // A comment between an unbraced `if` and its body does not end the `if`.
            let comment_only = lexed.code[p].trim().is_empty() && !lines[p].trim().is_empty();
            let above = (0..p)
                .rev()
                .find(|&q| !lines[q].trim().is_empty() && !lexed.code[q].trim().is_empty());
            match above {
                Some(q) if comment_only && is_control_head(&lexed.code[q]) && !ends(lines, lexed, q) => {
                    s = q;
                    continue;
                }
                _ => break,
            }
        }
        s = p;
    }
    s
}

/// Visual columns of the parentheses/brackets still open after lines `from..=to`.
fn open_parens(lexed: &Lexed, from: usize, to: usize) -> Vec<usize> {
    open_parens_each(lexed, from, to, |_, _| {})
}

/// [`open_parens`], telling `after_line` what is still open after each line of `from..=to`
/// (its index, the columns): one pass for callers that need every line's depth.
fn open_parens_each(lexed: &Lexed, from: usize, to: usize, mut after_line: impl FnMut(usize, &[usize])) -> Vec<usize> {
    let mut stack = Vec::new();
    for (k, code) in lexed.code[from..=to].iter().enumerate() {
        let mut col = 0;
        for c in code.chars() {
            match c {
                '(' | '[' => stack.push(col),
                ')' | ']' => {
                    stack.pop();
                }
                _ => {}
            }
            col = if c == '\t' { (col / TAB + 1) * TAB } else { col + 1 };
        }
        after_line(from + k, &stack);
    }
    stack
}

/// Whether a line of code leaves an operator hanging at its end: its statement goes on.
fn ends_hanging(code: &str) -> bool {
    const OPERATORS: [&str; 15] = [
        "=", "+", "-", "*", "/", "&&", "||", "?", ":", ",", "|", "&", "<<", ">>", "(",
    ];
    OPERATORS.iter().any(|op| code.trim_end().ends_with(op))
}

/// Past this column a continuation that fits in no style takes the narrowest one.
const RUNAWAY_COLUMN: usize = 60;

fn column_for(
    lines: &[String],
    lexed: &Lexed,
    t: usize,
    text: &str,
    targets: &[usize],
    style: Option<Style>,
) -> (usize, Rule) {
    let Some(mut prev) = previous_non_blank(lines, lexed, t) else {
        return (0, Rule::FirstLine);
    };
    // The first line of a macro's body, one tab in or where the tree's nearest macro starts
    // its body (`macro_body_column`); but a value left open on the `#define`
    // line (`#define MASK\t(A | \\`) goes on one column after its parenthesis, as 355 of
    // the 585 such lines of Debian 7.2's include/linux and kernel/bpf do (49 one tab in). A
    // statement expression's `({` opens a body, not a value.
    if lexed.in_macro[t] && lines[prev].trim_start().starts_with('#') {
        let opens_body = lexed.code[prev].trim_end().ends_with('{');
        if let Some(&col) = open_parens(lexed, prev, prev).last().filter(|_| !opens_body) {
            let column = style.unwrap_or(Style::Aligned).column(col + 1, 0);
            if column > 0 && width(text, column) <= MAX_COLUMNS {
                return (column, Rule::ContinuationParen);
            }
        }
        let column = macro_body_column(lines, t, targets, text).unwrap_or(TAB);
        return (column, Rule::MacroBody);
    }
    // Its further lines, while that parenthesis stays open: where the line above stands, or
    // after a parenthesis opened since (the `#define` line ends a statement, so the general
    // rules below would not look up to it).
    if let Some(open) = open_define_value(lines, lexed, prev) {
        let rule = Rule::ContinuationParen;
        return match open.last() {
            Some(&col) if open.len() > 1 => (col + 1, rule),
            _ => (indent_width(&lines[prev]), rule),
        };
    }
    // A string continued with a backslash outside any macro goes on in column 0.
    if t > 0 && !lexed.in_macro[t] && lines[t - 1].ends_with('\\') {
        return (0, Rule::Continuation);
    }
    // A closing brace stands where the statement its `{` opened stands, and a `case` where
    // its `switch` does: counted braces resynchronise after any misjudged line above.
    // A comment right above a `case` stands where the label does (82 of 87 such comments of
    // Debian 7.2's include/linux, kernel, mm, net/core, fs/ext4 and drivers/net/ethernet/intel).
    // The line after the comment is the first the lexer finds outside it, within a few dozen
    // lines (an unclosed `/*` is not read to the end of the file).
    let above_case = (text.starts_with("/*") || text.starts_with("//"))
        && (t + 1..lines.len().min(t + 41))
            .find(|&j| !lexed.in_comment_before[j])
            .is_some_and(|next| is_case(lines[next].trim_start()));
    if text.starts_with('}') || is_case(text) || above_case {
        if let Some(open) = unmatched_open(lines, lexed, t) {
            let start = statement_start(lines, lexed, open);
            let col = indent_width(&lines[start]);
            if text.starts_with('}') {
                // `case X: {`'s brace closes at the label's depth (81 of 104 in those trees).
                if is_case(lines[open].trim_start()) {
                    return (col, Rule::CaseBlockEnd);
                }
                return (col, Rule::ClosingBrace);
            }
            if lines[start].trim_start().starts_with("switch") {
                return (col, if above_case { Rule::CaseComment } else { Rule::CaseLabel });
            }
        }
    }
    // A goto label says nothing about depth, nor a kernel-doc marker (which may stand in
    // column 0 like one): look above it. A statement cannot run on past a label, so the line
    // above one ends its statement even without a `;` (offload.c's `XDP_METADATA_KFUNC_xxx`
    // macro, then `#undef`, then `out:`).
    let mut past_label = false;
    while is_goto_label(lines[prev].trim()) || is_kernel_doc_marker(&lines[prev]) {
        past_label |= is_goto_label(lines[prev].trim());
        match previous_non_blank(lines, lexed, prev) {
            Some(p) => prev = p,
            None => return (TAB, Rule::FirstLine),
        }
    }
    // A bare name before a ternary's `:` under `x = cond ?` reads as a label too: the
    // statement runs on there.
    past_label &= !ends_hanging(&lexed.code[prev]);
    // A comment above stands where its opening `/*` stands.
    if lexed.in_comment_before[prev] {
        prev = comment_opening(lexed, prev).unwrap_or(prev);
    }
    // A comment between an unbraced `if`/`for`/`while` and its body: the body is measured
    // from the head, as if the comment were not there.
    if lexed.code[prev].trim().is_empty() {
        if let Some(head) = previous_non_blank(lines, lexed, prev) {
            if is_control_head(&lexed.code[head]) && !ends(lines, lexed, head) {
                prev = head;
            }
        }
    }
    let start = statement_start(lines, lexed, prev);
    let base = indent_width(&lines[start]);
    if !ends(lines, lexed, prev) && !past_label {
        if text.starts_with('{') {
            return (base, Rule::OpenBraceAlone);
        }
        // A lock annotation between a function's head and its body is a tab in
        // (`\t__acquires(RCU)`), also under a head whose return type stands on the line
        // above (wake_q.h's `static inline` / `void raw_spin_unlock_wake(…)` / `\t__releases(lock)`;
        // 335 of the 373 such lines of Debian 7.2's include/linux and kernel are a tab in), and
        // after a declaration's head (ww_mutex.h's `\t__cond_acquires(0, lock) __must_hold(ctx);`:
        // of the 43 such lines in 7.2, 25 a tab in, 14 deeper, and the 4 in column 0 name a
        // function, `__bad_mask(void);`: one ending a declaration must be a known annotation).
        let annotation = text.starts_with("__")
            && (!text.ends_with(';') || DECLARATION_ANNOTATIONS.iter().any(|a| text.starts_with(a)))
            && text
                .chars()
                .take_while(|c| *c != '(')
                .all(|c| c.is_ascii_lowercase() || c == '_');
        let open = open_parens(lexed, start, prev);
        let head_done = open.is_empty() && !is_control_head(lines[start].trim_start());
        if base == 0 && annotation && head_done && !lexed.in_macro[t] && lexed.code[prev].trim_end().ends_with(')') {
            // Where the declarations around align their annotations in a column, it stands
            // there (rwlock_api_smp.h's `\t\t\t\t\t\t\t__acquires(lock);` under a long head).
            let column = text.ends_with(';').then(|| annotation_column(lines, t)).flatten();
            return (column.unwrap_or(TAB), Rule::Continuation);
        }
        // The body of an unbraced head that is itself an unbraced body (`for (…)` /
        // `\tif (…)` / `\t\tbreak;`, or under `list_for_each_entry(…)`) is a tab in from
        // the innermost head, not from the statement's first line: the nearest head above
        // that open parentheses hold together down to `prev`.
        if open.is_empty() {
            let mut closed_after = vec![false; prev + 1 - start];
            open_parens_each(lexed, start, prev, |j, still_open| {
                closed_after[j - start] = still_open.is_empty()
            });
            for k in (start + 1..=prev).rev() {
                if !closed_after[k - start - 1] {
                    continue;
                }
                if is_control_head(&lexed.code[k]) {
                    return (indent_width(&lines[k]) + TAB, Rule::UnbracedBody);
                }
                // A line at statement level that is not a head ends the search: a head above
                // it does not hold it together with `prev`.
                break;
            }
        }
        // A continuation under another continuation of its statement, inside the same
        // parentheses, stands where that one stands: whatever style the author continues in,
        // the line above shows it (`return a &&\n\t\tb &&\n\t\tc;`, map_in_map.c).
        if prev > start && !lexed.code[prev].trim().is_empty() {
            let above = previous_non_blank(lines, lexed, prev).filter(|&p| p >= start);
            if above.is_some_and(|p| open_parens(lexed, start, p) == open) {
                let rule = if open.is_empty() {
                    Rule::Continuation
                } else {
                    Rule::ContinuationParen
                };
                return (indent_width(&lines[prev]), rule);
            }
        }
        if let Some(col) = open.last() {
            let aligned = col + 1;
            let base = indent_width(&lines[continued_statement_start(lexed, start, prev)]);
            let column = |style: Style| style.column(aligned, base);
            // The likeliest style in which the line fits in the kernel's 100 columns.
            let style = style.unwrap_or_else(|| {
                let ranked = continuation_styles(lines, lexed, t, targets, base);
                let fits = |s: &Style| width(text, column(*s)) <= MAX_COLUMNS;
                // When none fits and the likeliest would start at column 60 or further, the
                // narrowest: nested calls each aligned under the last one's parenthesis run
                // away to the right (packing.h's 50 nested `__builtin_choose_expr(` reached
                // column 400, and the macro's backslashes with them). Heal benchmark: no
                // figure changes; the narrowest whenever none fits, near lines too: -1 / -3
                // added lines exact (authors do write past 100 columns).
                let narrowest = || ranked.iter().copied().min_by_key(|s| column(*s)).unwrap_or(ranked[0]);
                match ranked.iter().copied().find(fits) {
                    Some(style) => style,
                    None if column(ranked[0]) >= RUNAWAY_COLUMN => narrowest(),
                    None => ranked[0],
                }
            });
            return (column(style), Rule::ContinuationParen);
        }
        // Balanced parentheses but unfinished: an unbraced body or a plain continuation.
        let head = lines[start].trim_start();
        let control = is_control_head(head);
        // `return a &&` goes on under `a`, after `return `.
        if head.starts_with("return ") && !lexed.in_macro[t] {
            return (base + "return ".len(), Rule::Continuation);
        }
        // At file level, a line with no operator left hanging is a declaration's head (the
        // return type of a function whose name starts the next line in column 0).
        let hanging = ends_hanging(&lexed.code[prev]);
        // `static struct vm_area_struct *` alone at file level is a return type, not a product.
        let prev_code = lexed.code[prev].trim();
        let hanging = hanging
            && !(prev_code.ends_with('*')
                && !prev_code.contains(['=', '('])
                && unmatched_open(lines, lexed, t).is_none());
        if base == 0 && !control && !hanging && !lexed.in_macro[t] {
            // Anything but a lock annotation (above) continues the head in column 0.
            return (0, Rule::Continuation);
        }
        return (
            base + TAB,
            if control {
                Rule::UnbracedBody
            } else {
                Rule::Continuation
            },
        );
    }
    let prev_code = lexed.code[prev].trim_end();
    let prev_text = lines[prev].trim();
    if prev_code.ends_with('{') {
        let opens_switch = lines[start].trim_start().starts_with("switch");
        return if text.starts_with('}') {
            (base, Rule::ClosingBrace)
        } else if is_case(text) && opens_switch {
            (base, Rule::CaseLabel)
        } else {
            (base + TAB, Rule::BlockBody)
        };
    }
    if is_case(prev_text) && prev_code.ends_with(':') {
        return if is_case(text) {
            (base, Rule::CaseLabel)
        } else {
            (base + TAB, Rule::CaseBody)
        };
    }
    if text.starts_with('}') || is_case(text) {
        return (base.saturating_sub(TAB), Rule::ClosingBrace);
    }
    // Outside any brace and any macro a new statement starts in column 0, whatever the line
    // it is measured from: pid.h's `do_each_pid_task()` opens a brace in a macro that another
    // closes, so the comment between them stands three tabs in at file level, and every
    // function after it followed (127 lines). Tab-indented only: a file that indents its
    // `#ifdef` branches by spaces keeps them (irqflags.h). Heal benchmark, archive without
    // `index` lines: +147 / +45 added lines exact. (The file is read back to its start: a
    // block longer than `unmatched_open`'s reach is not file level.)
    let tabs_only = !leading(&lines[start]).contains(' ');
    if base > 0
        && tabs_only
        && !lexed.in_macro[t]
        && open_parens(lexed, start, prev).is_empty()
        && unmatched_open_within(lines, lexed, t, usize::MAX).is_none()
    {
        return (0, Rule::FileLevel);
    }
    (base, Rule::SameAsStatement)
}

mod annotation;
mod comment;
use annotation::annotation_column;
pub(crate) use annotation::DECLARATION_ANNOTATIONS;
use comment::comment_opening;
pub use comment::{star_lines, trailing_comment_star};
mod define;
use define::{align_define, open_define_value};
mod labels;
pub use define::{split_define, split_define_with_value};
use labels::{is_case, is_goto_label, is_kernel_doc_marker, kernel_doc_marker_indent, label_indent};
mod style;
pub use style::Style;
use style::{continuation_styles, continued_statement_start, macro_body_column, MAX_COLUMNS};

#[cfg(test)]
mod tests;
