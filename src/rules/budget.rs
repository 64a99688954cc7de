//! An evaluation budget for rule conditions.
//!
//! The `cel` crate has no cost control: eight nested `all()` over ten elements is 10⁸ steps, a
//! `map(x, x + x)` nested thirty deep builds a gigabyte, and `matches()` compiles its pattern on
//! every call. Before a rule is kept, its expression is rewritten so that the work which can grow
//! without the expression growing is charged against a per-evaluation budget of [`MAX_COST`]:
//!
//! - each comprehension charges, when its range is evaluated and before it iterates, the number
//!   of elements times the size of its body, plus the size of the elements it copies;
//! - each `+` and each element of a list or map literal charges the size of the value it makes
//!   (a string's length, a list's or map's elements, recursively);
//! - `matches()` goes to a function that uses patterns compiled once at load time (literal
//!   patterns, also checked there), compiles any other pattern under [`REGEX_SIZE_LIMIT`], and
//!   charges the subject's length.
//!
//! A rule over the budget on some resource is an error naming the rule and the resource. A rule
//! whose cost is over the budget even when every fact list has one element (literal ranges are
//! counted at their size) is refused at load time.

use cel::common::ast::{
    CallExpr, ComprehensionExpr, EntryExpr, Expr, IdedEntryExpr, IdedExpr, ListExpr, LiteralValue,
    MapEntryExpr, MapExpr, SelectExpr, StructExpr, StructFieldExpr,
};
use cel::common::types::{CelBytes, CelInt, CelList, CelMap, CelString};
use cel::common::value::{CowVal, Val};
use cel::{ExecutionError, FunctionContext};
use std::cell::Cell;
use std::collections::HashMap;
use std::sync::Arc;

/// Budget of one rule on one resource, in cost units (about one expression node or one element
/// or byte copied each).
pub const MAX_COST: u64 = 1_000_000;

/// Largest compiled form of a `matches()` pattern, in bytes (`regex::RegexBuilder::size_limit`).
pub const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// The functions the rewritten expression calls. `@` cannot start a CEL identifier, so no rule
/// can call them, or shadow them, by name.
const RANGE: &str = "@caguard_range";
const SIZED: &str = "@caguard_sized";
const MATCHES: &str = "@caguard_matches";

/// Units charged for compiling a pattern that is not a literal, per byte of pattern.
const COMPILE_COST_PER_BYTE: u64 = 100;

thread_local! {
    /// Units left for the evaluation running on this thread.
    static REMAINING: Cell<u64> = const { Cell::new(MAX_COST) };
    /// Set once the budget ran out, so an error absorbed by `||` or `&&` is still reported.
    static EXHAUSTED: Cell<bool> = const { Cell::new(false) };
}

/// Literal `matches()` patterns of the loaded rules, compiled once.
pub type RegexCache = HashMap<String, Arc<regex::Regex>>;

/// Compiles a `matches()` pattern the way every evaluation does: RE2 syntax, bounded size.
pub fn compile_pattern(pattern: &str) -> Result<regex::Regex, String> {
    regex::RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|error| match error {
            regex::Error::CompiledTooBig(limit) => format!(
                "pattern `{pattern}` compiles to more than {limit} bytes, over the limit for `matches()`"
            ),
            other => {
                // The syntax error is several lines (pattern, caret, message); keep the message.
                let text = other.to_string();
                let reason = text
                    .lines()
                    .map(str::trim)
                    .rfind(|line| !line.is_empty())
                    .unwrap_or("")
                    .trim_start_matches("error: ")
                    .to_string();
                format!("pattern `{pattern}` is not a valid regular expression: {reason}")
            }
        })
}

/// A literal pattern passed to `matches()`, with the id of the call (for its position).
pub struct LiteralPattern {
    pub pattern: String,
    pub call_id: u64,
}

/// The expression with the budget checks woven in, and the literal `matches()` patterns found.
pub fn instrument(expression: &IdedExpr) -> (IdedExpr, Vec<LiteralPattern>) {
    let mut patterns = Vec::new();
    let rewritten = rewrite(expression, &mut patterns);
    (rewritten, patterns)
}

fn call(function: &str, args: Vec<IdedExpr>) -> IdedExpr {
    IdedExpr {
        // Only positions are looked up by id, and these nodes have none of their own.
        id: 0,
        expr: Expr::Call(CallExpr {
            func_name: function.to_string(),
            target: None,
            args,
        }),
    }
}

/// `@caguard_sized(e)`, except around literals, whose size the source already bounds.
fn sized(expression: IdedExpr) -> IdedExpr {
    if matches!(expression.expr, Expr::Literal(_)) {
        expression
    } else {
        call(SIZED, vec![expression])
    }
}

/// Names of macro variables (`@result`, …), which rules cannot write.
fn is_internal(node: &IdedExpr) -> bool {
    matches!(&node.expr, Expr::Ident(name) if name.starts_with('@'))
}

fn rewrite(node: &IdedExpr, patterns: &mut Vec<LiteralPattern>) -> IdedExpr {
    let mut visit = |child: &IdedExpr| rewrite(child, patterns);
    let expr = match &node.expr {
        Expr::Call(_) if is_sum(node) => return rewrite_sum(node, patterns),
        Expr::Call(c) => {
            let target = c.target.as_deref().map(&mut visit);
            let args: Vec<IdedExpr> = c.args.iter().map(&mut visit).collect();
            if c.func_name == "matches" {
                let subject_and_pattern: Vec<IdedExpr> = target.into_iter().chain(args).collect();
                if let [_, pattern] = subject_and_pattern.as_slice() {
                    if let Expr::Literal(LiteralValue::String(text)) = &pattern.expr {
                        patterns.push(LiteralPattern {
                            pattern: text.inner().to_string(),
                            call_id: node.id,
                        });
                    }
                }
                return IdedExpr {
                    id: node.id,
                    ..call(MATCHES, subject_and_pattern)
                };
            }
            Expr::Call(CallExpr {
                func_name: c.func_name.clone(),
                target: target.map(Box::new),
                args,
            })
        }
        Expr::Comprehension(c) => {
            let loop_cond = visit(&c.loop_cond);
            let loop_step = visit(&c.loop_step);
            let body = 1 + nodes(&loop_cond).saturating_add(nodes(&loop_step));
            let range = visit(&c.iter_range);
            let body = int_literal(i64::try_from(body).unwrap_or(i64::MAX));
            Expr::Comprehension(Box::new(ComprehensionExpr {
                iter_range: call(RANGE, vec![range, body]),
                iter_var: c.iter_var.clone(),
                iter_var2: c.iter_var2.clone(),
                accu_var: c.accu_var.clone(),
                accu_init: visit(&c.accu_init),
                loop_cond,
                loop_step,
                result: visit(&c.result),
            }))
        }
        Expr::List(list) => Expr::List(ListExpr {
            elements: list.elements.iter().map(|e| sized(visit(e))).collect(),
            optional_indices: list.optional_indices.clone(),
        }),
        Expr::Map(map) => Expr::Map(MapExpr {
            entries: map
                .entries
                .iter()
                .map(|entry| IdedEntryExpr {
                    id: entry.id,
                    expr: match &entry.expr {
                        EntryExpr::MapEntry(e) => EntryExpr::MapEntry(MapEntryExpr {
                            key: visit(&e.key),
                            value: sized(visit(&e.value)),
                            optional: e.optional,
                        }),
                        EntryExpr::StructField(f) => EntryExpr::StructField(StructFieldExpr {
                            field: f.field.clone(),
                            value: sized(visit(&f.value)),
                            optional: f.optional,
                        }),
                    },
                })
                .collect(),
        }),
        Expr::Struct(s) => Expr::Struct(StructExpr {
            type_name: s.type_name.clone(),
            entries: s
                .entries
                .iter()
                .map(|entry| IdedEntryExpr {
                    id: entry.id,
                    expr: match &entry.expr {
                        EntryExpr::StructField(f) => EntryExpr::StructField(StructFieldExpr {
                            field: f.field.clone(),
                            value: sized(visit(&f.value)),
                            optional: f.optional,
                        }),
                        EntryExpr::MapEntry(e) => EntryExpr::MapEntry(MapEntryExpr {
                            key: visit(&e.key),
                            value: sized(visit(&e.value)),
                            optional: e.optional,
                        }),
                    },
                })
                .collect(),
        }),
        Expr::Select(s) => Expr::Select(SelectExpr {
            operand: Box::new(visit(&s.operand)),
            field: s.field.clone(),
            test: s.test,
        }),
        other @ (Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified) => other.clone(),
    };
    IdedExpr { id: node.id, expr }
}

/// A `+` a rule wrote. `@result + [x]` is how `map()` and `filter()` append: the interpreter
/// recognises that shape to append in place, and its element is charged inside the list.
fn is_sum(node: &IdedExpr) -> bool {
    matches!(&node.expr, Expr::Call(c)
        if c.func_name == "_+_" && c.target.is_none() && c.args.len() == 2
            && !c.args.first().is_some_and(is_internal))
}

/// `a + b + … + z` (left-associated) charged once, for its result times the number of `+`: each
/// intermediate result is no larger than the last, and one wrapper per chain keeps the tree
/// from getting deeper.
fn rewrite_sum(node: &IdedExpr, patterns: &mut Vec<LiteralPattern>) -> IdedExpr {
    // The left spine, outermost first, walked without recursion.
    let mut spine = Vec::new();
    let mut leftmost = node;
    while is_sum(leftmost) {
        let Expr::Call(c) = &leftmost.expr else { break };
        let (Some(left), Some(right)) = (c.args.first(), c.args.get(1)) else {
            break;
        };
        spine.push((leftmost.id, right));
        leftmost = left;
    }
    let terms = spine.len() as i64;
    let mut sum = rewrite(leftmost, patterns);
    for (id, right) in spine.into_iter().rev() {
        sum = IdedExpr {
            id,
            expr: Expr::Call(CallExpr {
                func_name: "_+_".to_string(),
                target: None,
                args: vec![sum, rewrite(right, patterns)],
            }),
        };
    }
    call(SIZED, vec![sum, int_literal(terms)])
}

fn int_literal(value: i64) -> IdedExpr {
    IdedExpr {
        id: 0,
        expr: Expr::Literal(LiteralValue::Int(CelInt::from(value))),
    }
}

/// Children of a node, for the counting walks below.
fn children(node: &IdedExpr) -> Vec<&IdedExpr> {
    match &node.expr {
        Expr::Call(c) => c.target.as_deref().into_iter().chain(&c.args).collect(),
        Expr::Comprehension(c) => vec![
            &c.iter_range,
            &c.accu_init,
            &c.loop_cond,
            &c.loop_step,
            &c.result,
        ],
        Expr::List(list) => list.elements.iter().collect(),
        Expr::Map(MapExpr { entries }) | Expr::Struct(StructExpr { entries, .. }) => entries
            .iter()
            .flat_map(|entry| match &entry.expr {
                EntryExpr::MapEntry(e) => vec![&e.key, &e.value],
                EntryExpr::StructField(f) => vec![&f.value],
            })
            .collect(),
        Expr::Select(s) => vec![&*s.operand],
        Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => Vec::new(),
    }
}

/// Number of nodes, without recursion (the depth is bounded, but this is cheap either way).
fn nodes(root: &IdedExpr) -> u64 {
    let mut count = 0u64;
    let mut pending = vec![root];
    while let Some(node) = pending.pop() {
        count += 1;
        pending.extend(children(node));
    }
    count
}

/// The cost of evaluating `node` with every list that is not a literal taken as one element, all
/// branches counted: what the rule costs on the smallest non-trivial facts.
pub fn static_cost(node: &IdedExpr) -> u64 {
    match &node.expr {
        Expr::Comprehension(c) => {
            let elements = match &c.iter_range.expr {
                Expr::List(list) => list.elements.len() as u64,
                Expr::Map(map) => map.entries.len() as u64,
                _ => 1,
            };
            let body = static_cost(&c.loop_cond).saturating_add(static_cost(&c.loop_step));
            static_cost(&c.iter_range)
                .saturating_add(static_cost(&c.accu_init))
                .saturating_add(elements.saturating_mul(body.saturating_add(1)))
                .saturating_add(static_cost(&c.result))
        }
        _ => children(node)
            .into_iter()
            .fold(1u64, |sum, child| sum.saturating_add(static_cost(child))),
    }
}

/// Resets the budget of this thread before an evaluation.
pub fn reset() {
    REMAINING.with(|r| r.set(MAX_COST));
    EXHAUSTED.with(|e| e.set(false));
}

/// Whether the last evaluation on this thread ran out of budget.
pub fn exhausted() -> bool {
    EXHAUSTED.with(Cell::get)
}

fn over_budget() -> ExecutionError {
    ExecutionError::function_error("budget", format!("over the limit of {MAX_COST} cost units"))
}

fn charge(units: u64) -> Result<(), ExecutionError> {
    REMAINING.with(|remaining| {
        let left = remaining.get();
        if units > left || EXHAUSTED.with(Cell::get) {
            remaining.set(0);
            EXHAUSTED.with(|e| e.set(true));
            Err(over_budget())
        } else {
            remaining.set(left - units);
            Ok(())
        }
    })
}

/// The size of a value in cost units: one per value, plus the bytes of strings. Stops counting
/// once past `limit`, so measuring never costs more than the budget it checks.
fn size_of(value: &dyn Val, limit: u64) -> u64 {
    let mut total = 0u64;
    let mut pending: Vec<&dyn Val> = vec![value];
    while let Some(value) = pending.pop() {
        total = total.saturating_add(1);
        if total > limit {
            break;
        }
        if let Some(text) = value.downcast_ref::<CelString>() {
            total = total.saturating_add(text.inner().len() as u64);
        } else if let Some(bytes) = value.downcast_ref::<CelBytes>() {
            total = total.saturating_add(bytes.inner().len() as u64);
        } else if let Some(list) = value.downcast_ref::<CelList>() {
            pending.extend(list.inner().iter().map(|v| &**v));
        } else if let Some(map) = value.downcast_ref::<CelMap>() {
            for (key, value) in map.inner() {
                pending.push(key.inner());
                pending.push(&**value);
            }
        } else if let Some(iterable) = value.as_iterable() {
            let mut items = iterable.iter();
            while let Some(item) = items.next() {
                pending.push(item);
            }
        }
    }
    total
}

fn remaining() -> u64 {
    REMAINING.with(Cell::get)
}

fn argument<'c, 'v>(
    ftx: &mut FunctionContext<'c, 'v>,
    index: usize,
) -> Result<CowVal<'c, 'v>, ExecutionError> {
    if index < ftx.args.len() {
        Ok(ftx.args.swap_remove(index))
    } else {
        Err(ExecutionError::invalid_argument_count(
            index + 1,
            ftx.args.len(),
        ))
    }
}

/// `@caguard_range(range, body)`: charges a comprehension's iterations before they run.
fn range<'c, 'v>(ftx: &mut FunctionContext<'c, 'v>) -> Result<CowVal<'c, 'v>, ExecutionError> {
    let body = int_argument(ftx, 1);
    let range = argument(ftx, 0)?;
    let elements = range
        .as_sizer()
        .map_or(0, |s| u64::try_from(*s.size().inner()).unwrap_or(0));
    let left = remaining();
    charge(elements.saturating_mul(body))?;
    charge(size_of(range.as_ref(), left))?;
    Ok(range)
}

/// `@caguard_sized(value[, times])`: charges the size of a value just made, `times` over.
fn sized_value<'c, 'v>(
    ftx: &mut FunctionContext<'c, 'v>,
) -> Result<CowVal<'c, 'v>, ExecutionError> {
    let times = int_argument(ftx, 1);
    let value = argument(ftx, 0)?;
    let size = size_of(value.as_ref(), remaining() / times);
    charge(size.saturating_mul(times))?;
    Ok(value)
}

/// A positive count passed by the rewrite as an int literal; 1 when absent.
fn int_argument(ftx: &FunctionContext<'_, '_>, index: usize) -> u64 {
    ftx.args
        .get(index)
        .and_then(|b| b.downcast_ref::<CelInt>().map(|i| *i.inner()))
        .and_then(|b| u64::try_from(b).ok())
        .unwrap_or(1)
        .max(1)
}

/// A function as the `cel` crate calls it, with its arguments already evaluated.
type Function = Box<
    dyn for<'c, 'v> Fn(&mut FunctionContext<'c, 'v>) -> Result<CowVal<'c, 'v>, ExecutionError>
        + Send
        + Sync,
>;

/// Declares the functions the rewritten expressions call; `cache` holds the literal patterns.
pub fn register(context: &mut cel::Context, cache: Arc<RegexCache>) {
    let functions: [(&str, Function); 3] = [
        (RANGE, Box::new(range)),
        (SIZED, Box::new(sized_value)),
        (MATCHES, Box::new(move |ftx| matches(ftx, &cache))),
    ];
    for (name, function) in functions {
        // Only a name the standard library declares can conflict, and `@…` names none.
        let _ = context.add_function(name, function);
    }
}

/// `matches()`: literal patterns from `cache`, any other compiled under the size limit and
/// charged for.
fn matches<'c, 'v>(
    ftx: &mut FunctionContext<'c, 'v>,
    cache: &RegexCache,
) -> Result<CowVal<'c, 'v>, ExecutionError> {
    let text = |value: Option<&CowVal<'c, 'v>>| {
        value
            .and_then(|v| v.downcast_ref::<CelString>())
            .map(|s| s.inner().to_string())
            .ok_or_else(|| ExecutionError::function_error("matches", "expects two strings"))
    };
    let subject = text(ftx.args.first())?;
    let pattern = text(ftx.args.get(1))?;
    charge(subject.len() as u64 + 1)?;
    let matched = match cache.get(&pattern) {
        Some(regex) => regex.is_match(&subject),
        None => {
            charge((pattern.len() as u64 + 1).saturating_mul(COMPILE_COST_PER_BYTE))?;
            compile_pattern(&pattern)
                .map_err(|message| ExecutionError::function_error("matches", message))?
                .is_match(&subject)
        }
    };
    Ok(CowVal::owned(cel::common::types::CelBool::from(matched)))
}
