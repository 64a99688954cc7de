//! Limits on the size and nesting of a rule's `when`, checked on the source text before the CEL
//! parser sees it.
//!
//! The `cel` crate parses, walks and evaluates expressions recursively, and a long operator chain
//! (`1 + 1 + …`, `a.b.c…`, `x[0][0]…`) is as deep as it is long, so a few thousand terms overflow
//! a thread's stack: an abort, not an error. The scan below is a small lexer (no recursion) that
//! bounds the depth of the tree the parser would build; a `when` over the bound is refused with an
//! error naming the limit. The tests (`depth_limit_fits_the_stacks`) load twice the limit on a
//! 2 MiB stack and evaluate it on the evaluation pool (see `eval::EVAL_STACK_BYTES`).

/// Longest `when` accepted, in bytes. Built-in rules are under 200.
pub const MAX_EXPRESSION_BYTES: usize = 4096;

/// Largest accepted nesting estimate: an upper bound on the depth of the expression tree (every
/// operator, selector, call, index and bracket on the way down counts one). Built-in rules are
/// under 20.
pub const MAX_NESTING: usize = 100;

/// Added per bracket group: macros such as `all()` expand to a few nested nodes around their body.
const GROUP_COST: usize = 3;

/// Why a `when` is refused, with the byte offset in the expression where the limit was crossed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitError {
    pub offset: usize,
    pub message: String,
}

/// Checks `expression` against [`MAX_EXPRESSION_BYTES`] and [`MAX_NESTING`].
pub fn check(expression: &str) -> Result<(), LimitError> {
    if expression.len() > MAX_EXPRESSION_BYTES {
        return Err(LimitError {
            offset: 0,
            message: format!(
                "`when` is {} bytes long, over the limit of {MAX_EXPRESSION_BYTES}",
                expression.len()
            ),
        });
    }
    let (depth, offset) = nesting(expression);
    if depth > MAX_NESTING {
        return Err(LimitError {
            offset,
            message: format!(
                "`when` nests too deeply: its operators, selectors and brackets reach depth {depth}, over the limit of {MAX_NESTING}; split it into several rules"
            ),
        });
    }
    Ok(())
}

/// One bracket group being scanned.
struct Group {
    /// Operators at this level (each adds at most one level to any path through it).
    operators: usize,
    /// The deepest completed child group.
    deepest_child: usize,
}

impl Group {
    fn new() -> Group {
        Group {
            operators: 0,
            deepest_child: 0,
        }
    }

    fn depth(&self) -> usize {
        self.operators + self.deepest_child + GROUP_COST
    }
}

/// An upper bound on the depth of the parse tree of `source`, and the byte offset where it was
/// reached.
///
/// Operators of one level are added up, not maxed over commas: a stray comma inside a string the
/// lexer below got wrong must not lower the bound. Where the lexer meets something it does not
/// know (an invalid escape, an unterminated string), the rest of the text is counted as if it were
/// all code: the CEL lexer's error recovery may see code there, and counting quotes as nothing
/// only raises the bound.
pub fn nesting(source: &str) -> (usize, usize) {
    let bytes = source.as_bytes();
    let mut stack: Vec<Group> = vec![Group::new()];
    // (bound so far, offset where it first went over MAX_NESTING, else where it peaked)
    let mut worst = (0usize, 0usize);
    let mut recovering = false;
    let mut i = 0usize;
    let note = |stack: &[Group], at: usize, worst: &mut (usize, usize)| {
        // Every open group's operators and constant, plus the deepest group closed anywhere on
        // the open path: never below what the finished groups will add up to.
        let open: usize = stack.iter().map(|g| g.operators + GROUP_COST).sum();
        let closed = stack.iter().map(|g| g.deepest_child).max().unwrap_or(0);
        let bound = open + closed;
        if bound > worst.0 {
            let first_over = worst.0 > MAX_NESTING;
            *worst = (bound, if first_over { worst.1 } else { at });
        }
    };
    while i < bytes.len() {
        let c = bytes[i];
        if !recovering {
            match c {
                b' ' | b'\t' | b'\r' | b'\n' | 0x0c => {
                    i += 1;
                    continue;
                }
                b'/' if bytes.get(i + 1) == Some(&b'/') => {
                    while i < bytes.len() && bytes[i] != b'\n' {
                        i += 1;
                    }
                    continue;
                }
                b'\'' | b'"' => {
                    match string_end(bytes, i, false) {
                        Some(end) => i = end,
                        None => recovering = true,
                    }
                    continue;
                }
                b'`' => {
                    // ESC_IDENTIFIER: '`' (LETTER | DIGIT | '_' | '.' | '-' | '/' | ' ')+ '`'
                    let mut j = i + 1;
                    while j < bytes.len()
                        && (bytes[j].is_ascii_alphanumeric()
                            || matches!(bytes[j], b'_' | b'.' | b'-' | b'/' | b' '))
                    {
                        j += 1;
                    }
                    if j < bytes.len() && bytes[j] == b'`' && j > i + 1 {
                        i = j + 1;
                    } else {
                        recovering = true;
                    }
                    continue;
                }
                b'0'..=b'9' => {
                    i = number_end(bytes, i);
                    continue;
                }
                b'.' if bytes.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                    i = number_end(bytes, i);
                    continue;
                }
                c if c == b'_' || c.is_ascii_alphabetic() => {
                    // A string prefix starts a token only where an identifier would start.
                    let next = bytes.get(i + 1).copied();
                    let after = bytes.get(i + 2).copied();
                    let quote = |b: Option<u8>| matches!(b, Some(b'\'' | b'"'));
                    let (raw, start) = match c {
                        b'r' | b'R' if quote(next) => (true, Some(i + 1)),
                        b'b' | b'B' if quote(next) => (false, Some(i + 1)),
                        b'b' | b'B' if matches!(next, Some(b'r' | b'R')) && quote(after) => {
                            (true, Some(i + 2))
                        }
                        _ => (false, None),
                    };
                    if let Some(start) = start {
                        match string_end(bytes, start, raw) {
                            Some(end) => i = end,
                            None => {
                                recovering = true;
                                i = start;
                            }
                        }
                        continue;
                    }
                    let mut j = i;
                    while j < bytes.len() && (bytes[j] == b'_' || bytes[j].is_ascii_alphanumeric())
                    {
                        j += 1;
                    }
                    if &bytes[i..j] == b"in" {
                        if let Some(group) = stack.last_mut() {
                            group.operators += 1;
                        }
                        note(&stack, i, &mut worst);
                    }
                    i = j;
                    continue;
                }
                _ => {}
            }
        }
        match c {
            b'(' | b'[' | b'{' => {
                // The call, index or literal is itself a node of the enclosing level.
                if let Some(group) = stack.last_mut() {
                    group.operators += 1;
                }
                stack.push(Group::new());
                note(&stack, i, &mut worst);
            }
            b')' | b']' | b'}' => {
                if stack.len() > 1 {
                    if let Some(closed) = stack.pop() {
                        let depth = closed.depth();
                        if let Some(parent) = stack.last_mut() {
                            parent.deepest_child = parent.deepest_child.max(depth);
                        }
                    }
                }
                note(&stack, i, &mut worst);
            }
            b'+' | b'-' | b'*' | b'/' | b'%' | b'<' | b'>' | b'=' | b'!' | b'&' | b'|' | b'?'
            | b'.' => {
                // Two-character operators (`==`, `&&`, …) count twice: an over-estimate only.
                // `?` counts for its `:` too (a `:` alone, in a map literal, nests nothing): the
                // CEL parser has its own limit of 96 on nested conditionals, met first otherwise.
                if let Some(group) = stack.last_mut() {
                    group.operators += if c == b'?' { 2 } else { 1 };
                }
                note(&stack, i, &mut worst);
            }
            // In recovery every other byte is nothing, identifiers and quotes alike.
            _ => {}
        }
        i += 1;
    }
    note(&stack, bytes.len(), &mut worst);
    worst
}

/// The end (exclusive) of the numeric literal starting at `start`: NUM_FLOAT, NUM_INT or
/// NUM_UINT, longest match as the CEL lexer takes it.
fn number_end(bytes: &[u8], start: usize) -> usize {
    let digits = |mut j: usize, hex: bool| {
        while j < bytes.len()
            && (bytes[j].is_ascii_digit() || (hex && bytes[j].is_ascii_hexdigit()))
        {
            j += 1;
        }
        j
    };
    if bytes.get(start) == Some(&b'0')
        && bytes.get(start + 1) == Some(&b'x')
        && bytes.get(start + 2).is_some_and(u8::is_ascii_hexdigit)
    {
        let j = digits(start + 2, true);
        return if matches!(bytes.get(j), Some(b'u' | b'U')) {
            j + 1
        } else {
            j
        };
    }
    let mut j = digits(start, false);
    let mut float = false;
    if bytes.get(j) == Some(&b'.') && bytes.get(j + 1).is_some_and(u8::is_ascii_digit) {
        j = digits(j + 1, false);
        float = true;
    }
    if matches!(bytes.get(j), Some(b'e' | b'E')) {
        let mut k = j + 1;
        if matches!(bytes.get(k), Some(b'+' | b'-')) {
            k += 1;
        }
        if bytes.get(k).is_some_and(u8::is_ascii_digit) {
            j = digits(k, false);
            float = true;
        }
    }
    if !float && matches!(bytes.get(j), Some(b'u' | b'U')) {
        j += 1;
    }
    j
}

/// The end (exclusive) of the string literal whose opening quote is at `start`, or `None` when
/// the CEL lexer would not accept it as one (so the caller stops trusting its own tokenising).
fn string_end(bytes: &[u8], start: usize, raw: bool) -> Option<usize> {
    let quote = *bytes.get(start)?;
    let triple = bytes.get(start + 1) == Some(&quote) && bytes.get(start + 2) == Some(&quote);
    let mut i = if triple { start + 3 } else { start + 1 };
    while i < bytes.len() {
        let c = bytes[i];
        if triple {
            if c == quote && bytes.get(i + 1) == Some(&quote) && bytes.get(i + 2) == Some(&quote) {
                return Some(i + 3);
            }
        } else if c == quote {
            return Some(i + 1);
        } else if c == b'\n' || c == b'\r' {
            return None;
        }
        if c == b'\\' && !raw {
            i += escape_len(bytes, i)?;
        } else {
            i += 1;
        }
    }
    None
}

/// Length of the escape sequence at `at` (a backslash), per the CEL grammar's ESC_SEQ.
fn escape_len(bytes: &[u8], at: usize) -> Option<usize> {
    let hex = |from: usize, count: usize| {
        (from..from + count).all(|j| bytes.get(j).is_some_and(u8::is_ascii_hexdigit))
    };
    match bytes.get(at + 1)? {
        b'a' | b'b' | b'f' | b'n' | b'r' | b't' | b'v' | b'"' | b'\'' | b'\\' | b'?' | b'`' => {
            Some(2)
        }
        b'x' | b'X' if hex(at + 2, 2) => Some(4),
        b'u' if hex(at + 2, 4) => Some(6),
        b'U' if hex(at + 2, 8) => Some(10),
        b'0'..=b'3'
            if bytes.get(at + 2).is_some_and(|b| (b'0'..=b'7').contains(b))
                && bytes.get(at + 3).is_some_and(|b| (b'0'..=b'7').contains(b)) =>
        {
            Some(4)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth(source: &str) -> usize {
        nesting(source).0
    }

    #[test]
    fn chains_and_brackets_count() {
        let flat = depth("a");
        assert_eq!(flat, GROUP_COST);
        assert_eq!(depth("1 + 1 + 1"), GROUP_COST + 2);
        assert_eq!(depth("a.b.c"), GROUP_COST + 2);
        assert_eq!(depth("((a))"), 3 * GROUP_COST + 2);
        assert!(depth("x[0][0][0]") >= 6);
        assert!(depth("a in b in c") >= 2 + GROUP_COST);
        assert!(depth("!!!!a") >= 4 + GROUP_COST);
    }

    #[test]
    fn strings_do_not_count_unless_malformed() {
        let plain = depth("a == 'x'");
        assert_eq!(depth("a == '+++...((([[[ \\' \\u00e9'"), plain);
        assert_eq!(depth("a == r'+++\\'"), plain);
        assert_eq!(depth("a == br'+++\\'"), plain);
        assert_eq!(depth("a == b'+\\x41+'"), plain);
        assert_eq!(depth("a == '''+\n+'''"), plain);
        assert_eq!(depth("a == \"+\" // + + +"), plain);
        // An identifier ending in `r` is no raw prefix: the escape is real, the string goes on.
        assert_eq!(depth("xr == 'a\\'+' "), plain);
        // A hex literal eats `b`; the `r` after it starts a raw string.
        assert_eq!(depth("0x1br'\\' == a"), plain);
        // An invalid escape: the lexer's recovery may see code after it, so it is counted.
        assert!(depth("'\\q + 1 + 1 + 1 + 1'") >= GROUP_COST + 4);
        assert!(depth("'unterminated + 1 + 1 + 1") >= GROUP_COST + 3);
    }

    #[test]
    fn limits_name_themselves() {
        let long = "a".repeat(MAX_EXPRESSION_BYTES + 1);
        assert!(check(&long)
            .unwrap_err()
            .message
            .contains(&MAX_EXPRESSION_BYTES.to_string()));
        let deep = vec!["1"; 200].join(" + ");
        let error = check(&deep).unwrap_err();
        assert!(error.message.contains("limit of 100"), "{}", error.message);
        assert!(error.offset > 0);
    }
}
