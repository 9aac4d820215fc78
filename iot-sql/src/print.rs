//! [`ast`](crate::ast) → canonical SQL text.
//!
//! The printed text parses back to the same tree (spans aside): keywords are
//! upper case, operators are spaced, parentheses appear only where the
//! grammar's precedence needs them, names and numbers are kept as written and
//! strings are re-quoted with the minimal escapes of the lexer (`\'` and
//! `\\`, the latter only where a backslash would otherwise combine with the
//! next character).

use alloc::string::String;
use core::fmt::{self, Write};

use crate::ast::{BinOp, Expr, ExprKind, Literal, Select, SelectItem, Statement, Subquery};

/// Words the grammar never reads as a name.
const RESERVED: &[&str] = &[
    "select", "from", "where", "as", "and", "or", "not", "case", "when", "then", "else", "end",
    "set", "true", "false", "null", "cast",
];

/// Binding strength of each grammar level, loosest first.
const OR: u8 = 1;
const AND: u8 = 2;
const NOT: u8 = 3;
const CMP: u8 = 4;
const ADD: u8 = 5;
const MUL: u8 = 6;
const NEG: u8 = 7;
const POSTFIX: u8 = 8;
const PRIMARY: u8 = 9;

/// Prints a whole statement.
pub(crate) fn statement(st: &Statement) -> String {
    let mut out = String::new();
    // Writing into a String cannot fail.
    let _ = write_statement(&mut out, st);
    out
}

fn write_statement(out: &mut String, st: &Statement) -> fmt::Result {
    for (_, list) in &st.sets {
        out.push_str("SET ");
        for (i, a) in list.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str(&a.name);
            out.push_str(" = ");
            expr(out, &a.value, OR, false)?;
        }
        out.push(' ');
    }
    // What follows the SELECT list decides whether a leading `value` name
    // would be read as the VALUE keyword.
    let next_is_safe = st.from.is_some() || st.where_.is_none();
    select(out, &st.select, next_is_safe)?;
    if let Some((filter, _)) = &st.from {
        write!(out, " FROM '{filter}'")?;
    }
    if let Some(w) = &st.where_ {
        out.push_str(" WHERE ");
        expr(out, w, OR, false)?;
    }
    Ok(())
}

/// `SELECT [VALUE] items`. `next_is_safe`: the list is followed by FROM or
/// the end of the text, where a lone `value` item stays a name.
fn select(out: &mut String, sel: &Select, next_is_safe: bool) -> fmt::Result {
    out.push_str("SELECT ");
    if sel.value {
        out.push_str("VALUE ");
    }
    for (i, item) in sel.items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        match item {
            SelectItem::Star(_) => out.push('*'),
            SelectItem::Expr { expr: e, alias } => {
                // `SELECT value ...` is the VALUE keyword unless `value` is
                // followed by FROM, AS, a comma or the end of the text.
                let lone_name_ok = matches!(&e.kind, ExprKind::Ident(n) if is_value_word(n))
                    && (alias.is_some() || sel.items.len() > 1 || next_is_safe);
                let guard = i == 0 && !sel.value && !lone_name_ok;
                expr(out, e, OR, guard)?;
                if let Some(a) = alias {
                    out.push_str(" AS ");
                    name_or_string(out, a);
                }
            }
        }
    }
    Ok(())
}

fn subquery(out: &mut String, q: &Subquery) -> fmt::Result {
    out.push('(');
    select(out, &q.select, true)?;
    out.push_str(" FROM ");
    expr(out, &q.from, OR, false)?;
    if let Some(w) = &q.where_ {
        out.push_str(" WHERE ");
        expr(out, w, OR, false)?;
    }
    out.push(')');
    Ok(())
}

fn is_value_word(name: &str) -> bool {
    name.eq_ignore_ascii_case("value")
}

fn binding(op: BinOp) -> u8 {
    match op {
        BinOp::Or => OR,
        BinOp::And => AND,
        BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::In => CMP,
        BinOp::Add | BinOp::Sub => ADD,
        BinOp::Mul | BinOp::Div | BinOp::Rem => MUL,
    }
}

fn symbol(op: BinOp) -> &'static str {
    match op {
        BinOp::Or => "OR",
        BinOp::And => "AND",
        BinOp::Eq => "=",
        BinOp::Ne => "<>",
        BinOp::Lt => "<",
        BinOp::Le => "<=",
        BinOp::Gt => ">",
        BinOp::Ge => ">=",
        BinOp::In => "IN",
        BinOp::Add => "+",
        BinOp::Sub => "-",
        BinOp::Mul => "*",
        BinOp::Div => "/",
        BinOp::Rem => "%",
    }
}

fn level(e: &Expr) -> u8 {
    match &e.kind {
        ExprKind::Binary(op, ..) => binding(*op),
        ExprKind::Not(_) => NOT,
        ExprKind::Neg(_) => NEG,
        ExprKind::Member(..) => POSTFIX,
        _ => PRIMARY,
    }
}

/// Prints `e` where the grammar accepts level `min` or tighter; `guard`:
/// `e` starts a SELECT list, so a leading name `value` must be bracketed.
fn expr(out: &mut String, e: &Expr, min: u8, guard: bool) -> fmt::Result {
    if level(e) < min {
        out.push('(');
        expr(out, e, OR, false)?;
        out.push(')');
        return Ok(());
    }
    match &e.kind {
        ExprKind::Literal(l) => literal(out, l),
        ExprKind::Ident(n) => {
            if guard && is_value_word(n) {
                write!(out, "({n})")?;
            } else {
                out.push_str(n);
            }
        }
        ExprKind::Variable(v) => out.push_str(v),
        ExprKind::Star => out.push('*'),
        ExprKind::Member(base, name) => {
            expr(out, base, POSTFIX, guard)?;
            out.push('.');
            out.push_str(name);
        }
        ExprKind::Not(x) => {
            out.push_str("NOT ");
            expr(out, x, NOT, false)?;
        }
        ExprKind::Neg(x) => {
            out.push('-');
            // `--` would read as a comment marker.
            let start = out.len();
            expr(out, x, NEG, false)?;
            if out.get(start..).is_some_and(|s| s.starts_with('-')) {
                out.insert(start, ' ');
            }
        }
        ExprKind::Binary(op, a, b) => {
            let p = binding(*op);
            expr(out, a, p, guard)?;
            write!(out, " {} ", symbol(*op))?;
            expr(out, b, p + 1, false)?;
        }
        ExprKind::Call { name, args } => {
            let bracket = guard && is_value_word(name);
            if bracket {
                out.push('(');
            }
            out.push_str(name);
            out.push('(');
            list(out, args)?;
            out.push(')');
            if bracket {
                out.push(')');
            }
        }
        ExprKind::Cast { value, ty, .. } => {
            out.push_str("CAST(");
            expr(out, value, OR, false)?;
            write!(out, " AS {ty})")?;
        }
        ExprKind::Case {
            subject,
            whens,
            else_,
        } => {
            out.push_str("CASE ");
            expr(out, subject, OR, false)?;
            for (w, t) in whens {
                out.push_str(" WHEN ");
                expr(out, w, OR, false)?;
                out.push_str(" THEN ");
                expr(out, t, OR, false)?;
            }
            if let Some(x) = else_ {
                out.push_str(" ELSE ");
                expr(out, x, OR, false)?;
            }
            out.push_str(" END");
        }
        ExprKind::Object(members) => {
            out.push('{');
            for (i, (k, v)) in members.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                string(out, k);
                out.push_str(": ");
                expr(out, v, OR, false)?;
            }
            out.push('}');
        }
        ExprKind::Array(items) => {
            out.push('[');
            list(out, items)?;
            out.push(']');
        }
        ExprKind::Subquery(q) => subquery(out, q)?,
    }
    Ok(())
}

fn list(out: &mut String, items: &[Expr]) -> fmt::Result {
    for (i, x) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        expr(out, x, OR, false)?;
    }
    Ok(())
}

fn literal(out: &mut String, l: &Literal) {
    match l {
        Literal::Number(text) => out.push_str(text),
        Literal::String(s) => string(out, s),
        Literal::Bool(true) => out.push_str("true"),
        Literal::Bool(false) => out.push_str("false"),
        Literal::Null => out.push_str("NULL"),
    }
}

/// A single-quoted string literal whose unescaped value is `s`.
pub(crate) fn string(out: &mut String, s: &str) {
    out.push('\'');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => out.push_str("\\'"),
            // A backslash is literal unless it precedes `\`, `'`, `"` or
            // the closing quote; only then does it need doubling.
            '\\' => {
                if chars.peek().is_none_or(|n| matches!(n, '\\' | '\'' | '"')) {
                    out.push_str("\\\\");
                } else {
                    out.push('\\');
                }
            }
            _ => out.push(c),
        }
    }
    out.push('\'');
}

/// An alias: bare when it reads as a name, else a string literal.
fn name_or_string(out: &mut String, s: &str) {
    if is_plain_name(s) {
        out.push_str(s);
    } else {
        string(out, s);
    }
}

/// Would `s` lex as an (unreserved) identifier?
pub(crate) fn is_plain_name(s: &str) -> bool {
    let mut bytes = s.bytes();
    let Some(first) = bytes.next() else {
        return false;
    };
    (first.is_ascii_alphabetic() || first == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !RESERVED.iter().any(|r| r.eq_ignore_ascii_case(s))
}

#[cfg(test)]
#[path = "print_tests.rs"]
mod tests;
