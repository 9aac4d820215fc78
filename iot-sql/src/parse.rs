//! Text → [`ast`](crate::ast). The only module that sees pest.
//!
//! Before pest runs, a linear pre-scan bounds the nesting of brackets and
//! `CASE` (pest's recursive descent would otherwise follow hostile input as
//! deep as it goes) and finds comment markers for a precise error. While the
//! tree is built, every node's depth is tracked, so operator chains cannot
//! produce a tree deeper than [`MAX_DEPTH`] either.

use alloc::boxed::Box;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use pest::Parser as _;
use pest::iterators::Pair;

use crate::ast::{
    Assignment, BinOp, Expr, ExprKind, Literal, Select, SelectItem, Statement, Subquery,
    TemplatePart,
};
use crate::error::{Error, ErrorKind};
use crate::span::Span;

/// Deepest nesting of brackets (`(`, `[`, `{`) and `CASE` accepted. Checked
/// before the grammar runs, so hostile input cannot exhaust the stack.
pub const MAX_DEPTH: usize = 48;
/// Deepest expression tree accepted (nesting plus operator chains); a
/// tree never gets deeper than this, so evaluation recursion is bounded.
pub const MAX_TREE_DEPTH: usize = 4 * MAX_DEPTH;
/// Longest statement accepted, in bytes.
pub const MAX_SQL_LEN: usize = 128 * 1024;

#[derive(pest_derive::Parser)]
#[grammar = "grammar.pest"]
struct SqlParser;

type Result<T> = core::result::Result<T, Error>;

/// What the pre-scan found.
struct Scan {
    comment: Option<usize>,
}

/// Bounds nesting before pest sees the text; notes the first comment marker.
fn prescan(src: &str) -> Result<Scan> {
    if src.len() > MAX_SQL_LEN {
        return Err(Error::new(
            ErrorKind::TooLong { limit: MAX_SQL_LEN },
            Span::new(0, 0),
            src,
        ));
    }
    let b = src.as_bytes();
    let mut depth = 0usize;
    let mut cases = 0usize;
    let mut quote: Option<u8> = None;
    let mut comment = None;
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if let Some(q) = quote {
            if c == b'\\' {
                i += 1;
            } else if c == q {
                quote = None;
            }
        } else {
            match c {
                b'\'' | b'"' => quote = Some(c),
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => depth = depth.saturating_sub(1),
                b'-' if b.get(i + 1) == Some(&b'-') && comment.is_none() => comment = Some(i),
                b'/' if b.get(i + 1) == Some(&b'*') && comment.is_none() => comment = Some(i),
                b'c' | b'C' => {
                    let word_start = i == 0
                        || !b
                            .get(i - 1)
                            .is_some_and(|p| p.is_ascii_alphanumeric() || *p == b'_');
                    if word_start
                        && b.get(i..i + 4)
                            .is_some_and(|w| w.eq_ignore_ascii_case(b"case"))
                        && !b
                            .get(i + 4)
                            .is_some_and(|p| p.is_ascii_alphanumeric() || *p == b'_')
                    {
                        cases += 1;
                    }
                }
                _ => {}
            }
            if depth + cases > MAX_DEPTH {
                return Err(Error::new(
                    ErrorKind::TooDeep { limit: MAX_DEPTH },
                    Span::new(i, i + 1),
                    src,
                ));
            }
        }
        i += 1;
    }
    Ok(Scan { comment })
}

fn syntax_error(err: &pest::error::Error<Rule>, src: &str, scan: &Scan) -> Error {
    let pos = match err.location {
        pest::error::InputLocation::Pos(p) | pest::error::InputLocation::Span((p, _)) => p,
    };
    if let Some(c) = scan.comment
        && c <= pos
    {
        return Error::new(ErrorKind::Comment, Span::new(c, c + 2), src);
    }
    if let Some(from_end) = unquoted_from(src, pos) {
        return Error::new(
            ErrorKind::UnquotedTopicFilter,
            Span::new(from_end, from_end + 1),
            src,
        );
    }
    let expected = match &err.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => describe(positives),
        pest::error::ErrorVariant::CustomError { message } => message.clone(),
    };
    Error::new(ErrorKind::Syntax { expected }, Span::new(pos, pos), src)
}

/// If the failure is right after a top-level `FROM` not followed by a quote,
/// the byte where the filter starts.
fn unquoted_from(src: &str, pos: usize) -> Option<usize> {
    let lower = src.get(..pos.min(src.len()))?.to_ascii_lowercase();
    let at = lower.rfind("from")?;
    let rest = src.get(at + 4..)?;
    let trimmed = rest.trim_start();
    let start = at + 4 + (rest.len() - trimmed.len());
    let first = trimmed.chars().next()?;
    (start >= pos
        && first != '\''
        && first != '"'
        && first != '('
        && rest.starts_with(char::is_whitespace))
    .then_some(start)
}

fn describe(rules: &[Rule]) -> String {
    let mut names: Vec<&str> = rules.iter().map(|r| rule_name(*r)).collect();
    names.sort_unstable();
    names.dedup();
    if names.is_empty() {
        return "end of statement".to_string();
    }
    names.join(", ")
}

fn rule_name(r: Rule) -> &'static str {
    match r {
        Rule::EOI => "end of statement",
        Rule::kw_select | Rule::select_clause => "SELECT",
        Rule::kw_from | Rule::from_clause => "FROM",
        Rule::kw_where | Rule::where_clause => "WHERE",
        Rule::kw_as => "AS",
        Rule::kw_and => "AND",
        Rule::kw_or => "OR",
        Rule::kw_then => "THEN",
        Rule::kw_when | Rule::when_arm => "WHEN",
        Rule::kw_else | Rule::else_arm => "ELSE",
        Rule::kw_end => "END",
        Rule::kw_set | Rule::set_clause => "SET",
        Rule::topic_filter => "quoted topic filter",
        Rule::cmp_op | Rule::add_op | Rule::mul_op => "operator",
        Rule::member => "'.'",
        Rule::ident | Rule::alias | Rule::member_name => "name",
        Rule::variable => "@variable",
        Rule::string => "string",
        Rule::number => "number",
        Rule::star => "'*'",
        _ => "expression",
    }
}

/// Parses a statement.
pub(crate) fn parse_statement(src: &str) -> Result<Statement> {
    let scan = prescan(src)?;
    let mut pairs =
        SqlParser::parse(Rule::statement, src).map_err(|e| syntax_error(&e, src, &scan))?;
    let b = Builder { src };
    let top = pairs.next().ok_or_else(|| b.internal(0))?;
    b.statement(top)
}

/// Parses a substitution template.
pub(crate) fn parse_template(src: &str) -> Result<Vec<TemplatePart>> {
    let scan = prescan(src)?;
    let mut pairs =
        SqlParser::parse(Rule::template, src).map_err(|e| syntax_error(&e, src, &scan))?;
    let b = Builder { src };
    let top = pairs.next().ok_or_else(|| b.internal(0))?;
    let mut parts = Vec::new();
    for p in top.into_inner() {
        match p.as_rule() {
            Rule::template_text => parts.push(TemplatePart::Text(p.as_str().to_string())),
            Rule::template_hole => {
                let inner = b.first(p)?;
                parts.push(TemplatePart::Hole(b.expr(inner)?.0));
            }
            _ => {}
        }
    }
    Ok(parts)
}

struct Builder<'s> {
    src: &'s str,
}

fn span_of(p: &Pair<'_, Rule>) -> Span {
    let s = p.as_span();
    Span::new(s.start(), s.end())
}

impl Builder<'_> {
    /// A grammar/builder mismatch: reported, never a panic.
    fn internal(&self, at: usize) -> Error {
        Error::new(
            ErrorKind::Syntax {
                expected: "a construct this parser understands".to_string(),
            },
            Span::new(at, at),
            self.src,
        )
    }

    fn first<'i>(&self, p: Pair<'i, Rule>) -> Result<Pair<'i, Rule>> {
        let at = p.as_span().start();
        p.into_inner().next().ok_or_else(|| self.internal(at))
    }

    fn too_deep(&self, span: Span) -> Error {
        Error::new(
            ErrorKind::TooDeep {
                limit: MAX_TREE_DEPTH,
            },
            span,
            self.src,
        )
    }

    fn node(&self, kind: ExprKind, span: Span, depth: usize) -> Result<(Expr, usize)> {
        if depth > MAX_TREE_DEPTH {
            return Err(self.too_deep(span));
        }
        Ok((Expr { kind, span }, depth))
    }

    fn statement(&self, top: Pair<'_, Rule>) -> Result<Statement> {
        let mut sets = Vec::new();
        let mut select = None;
        let mut from = None;
        let mut where_ = None;
        for p in top.into_inner() {
            match p.as_rule() {
                Rule::set_clause => {
                    let span = span_of(&p);
                    let mut list = Vec::new();
                    for a in p.into_inner().filter(|a| a.as_rule() == Rule::assignment) {
                        let mut it = a.into_inner();
                        let var = it.next().ok_or_else(|| self.internal(span.start))?;
                        let value = it.next().ok_or_else(|| self.internal(span.start))?;
                        list.push(Assignment {
                            name: var.as_str().to_string(),
                            span: span_of(&var),
                            value: self.expr(value)?.0,
                        });
                    }
                    sets.push((span, list));
                }
                Rule::select_clause => select = Some(self.select(p.into_inner())?.0),
                Rule::from_clause => {
                    let f = p.into_inner().find(|x| x.as_rule() == Rule::topic_filter);
                    if let Some(f) = f {
                        let chars = self.first(f.clone())?;
                        from = Some((chars.as_str().to_string(), span_of(&f)));
                    }
                }
                Rule::where_clause => {
                    let e = p.into_inner().find(|x| x.as_rule() == Rule::expr);
                    if let Some(e) = e {
                        where_ = Some(self.expr(e)?.0);
                    }
                }
                _ => {}
            }
        }
        let select = select.ok_or_else(|| self.internal(0))?;
        Ok(Statement {
            sets,
            select,
            from,
            where_,
        })
    }

    /// SELECT list from the pairs after the SELECT keyword; returns the
    /// select and the remaining pairs' start (for subqueries).
    fn select<'i>(&self, pairs: impl Iterator<Item = Pair<'i, Rule>>) -> Result<(Select, usize)> {
        let mut value = false;
        let mut items = Vec::new();
        let mut span = Span::default();
        let mut depth = 0;
        for p in pairs {
            match p.as_rule() {
                Rule::value_kw => value = true,
                Rule::select_list => {
                    span = span_of(&p);
                    for item in p.into_inner() {
                        let mut it = item.into_inner();
                        let Some(first) = it.next() else { continue };
                        if first.as_rule() == Rule::star {
                            items.push(SelectItem::Star(span_of(&first)));
                            continue;
                        }
                        let (expr, d) = self.expr(first)?;
                        depth = depth.max(d);
                        let alias = it
                            .find(|x| x.as_rule() == Rule::alias)
                            .map(|a| self.first(a))
                            .transpose()?
                            .map(|a| match a.as_rule() {
                                Rule::string => self.string_value(a),
                                _ => Ok(a.as_str().to_string()),
                            })
                            .transpose()?;
                        items.push(SelectItem::Expr { expr, alias });
                    }
                }
                _ => {}
            }
        }
        Ok((Select { value, items, span }, depth))
    }

    fn subquery(&self, p: Pair<'_, Rule>) -> Result<(Subquery, usize)> {
        let at = p.as_span().start();
        let inner: Vec<Pair<'_, Rule>> = p.into_inner().collect();
        let (select, mut depth) = self.select(inner.iter().cloned())?;
        let mut exprs = inner.into_iter().filter(|x| x.as_rule() == Rule::expr);
        let (from, d) = self.expr(exprs.next().ok_or_else(|| self.internal(at))?)?;
        depth = depth.max(d);
        let where_ = match exprs.next() {
            Some(w) => {
                let (w, d) = self.expr(w)?;
                depth = depth.max(d);
                Some(w)
            }
            None => None,
        };
        Ok((
            Subquery {
                select,
                from,
                where_,
            },
            depth,
        ))
    }

    fn string_value(&self, p: Pair<'_, Rule>) -> Result<String> {
        let inner = self.first(p)?;
        Ok(unescape(inner.as_str()))
    }

    /// Builds any expression rule; returns the node and its depth.
    fn expr(&self, p: Pair<'_, Rule>) -> Result<(Expr, usize)> {
        // Skip the precedence wrappers that hold a single operand, so one
        // bracket level costs a few stack frames rather than one per rule.
        let mut p = p;
        while matches!(
            p.as_rule(),
            Rule::expr
                | Rule::or_expr
                | Rule::and_expr
                | Rule::not_expr
                | Rule::cmp_expr
                | Rule::add_expr
                | Rule::mul_expr
                | Rule::neg_expr
                | Rule::postfix
        ) {
            let mut inner = p.clone().into_inner();
            match (inner.next(), inner.next()) {
                (Some(only), None) => p = only,
                _ => break,
            }
        }
        let span = span_of(&p);
        match p.as_rule() {
            Rule::expr => self.expr(self.first(p)?),
            Rule::or_expr | Rule::and_expr | Rule::cmp_expr | Rule::add_expr | Rule::mul_expr => {
                self.binary_chain(p)
            }
            Rule::not_expr | Rule::neg_expr => self.prefix_chain(p),
            Rule::postfix => {
                let mut it = p.into_inner();
                let (mut e, mut depth) =
                    self.expr(it.next().ok_or_else(|| self.internal(span.start))?)?;
                for m in it {
                    let name = self.first(m.clone())?.as_str().to_string();
                    let s = Span::new(span.start, m.as_span().end());
                    depth += 1;
                    (e, depth) = self.node(ExprKind::Member(Box::new(e), name), s, depth)?;
                }
                Ok((e, depth))
            }
            Rule::number => self.node(
                ExprKind::Literal(Literal::Number(p.as_str().to_string())),
                span,
                1,
            ),
            Rule::string => {
                let s = self.string_value(p)?;
                self.node(ExprKind::Literal(Literal::String(s)), span, 1)
            }
            Rule::kw_true => self.node(ExprKind::Literal(Literal::Bool(true)), span, 1),
            Rule::kw_false => self.node(ExprKind::Literal(Literal::Bool(false)), span, 1),
            Rule::kw_null => self.node(ExprKind::Literal(Literal::Null), span, 1),
            Rule::ident => self.node(ExprKind::Ident(p.as_str().to_string()), span, 1),
            Rule::variable => self.node(ExprKind::Variable(p.as_str().to_string()), span, 1),
            Rule::star => self.node(ExprKind::Star, span, 1),
            Rule::call => {
                let mut it = p.into_inner();
                let name = it
                    .next()
                    .ok_or_else(|| self.internal(span.start))?
                    .as_str()
                    .to_string();
                let mut args = Vec::new();
                let mut depth = 0;
                for a in it {
                    let (e, d) = self.expr(a)?;
                    depth = depth.max(d);
                    args.push(e);
                }
                self.node(ExprKind::Call { name, args }, span, depth + 1)
            }
            Rule::cast_expr => {
                let mut it = p
                    .into_inner()
                    .filter(|x| matches!(x.as_rule(), Rule::expr | Rule::ident));
                let (value, d) = self.expr(it.next().ok_or_else(|| self.internal(span.start))?)?;
                let ty = it.next().ok_or_else(|| self.internal(span.start))?;
                let kind = ExprKind::Cast {
                    value: Box::new(value),
                    ty: ty.as_str().to_string(),
                    ty_span: span_of(&ty),
                };
                self.node(kind, span, d + 1)
            }
            Rule::case_expr => {
                let mut subject = None;
                let mut whens = Vec::new();
                let mut else_ = None;
                let mut depth = 0;
                for part in p.into_inner() {
                    match part.as_rule() {
                        Rule::expr => {
                            let (e, d) = self.expr(part)?;
                            depth = depth.max(d);
                            subject = Some(e);
                        }
                        Rule::when_arm => {
                            let mut it = part.into_inner().filter(|x| x.as_rule() == Rule::expr);
                            let (w, d1) =
                                self.expr(it.next().ok_or_else(|| self.internal(span.start))?)?;
                            let (t, d2) =
                                self.expr(it.next().ok_or_else(|| self.internal(span.start))?)?;
                            depth = depth.max(d1).max(d2);
                            whens.push((w, t));
                        }
                        Rule::else_arm => {
                            let e = part.into_inner().find(|x| x.as_rule() == Rule::expr);
                            let (e, d) = self.expr(e.ok_or_else(|| self.internal(span.start))?)?;
                            depth = depth.max(d);
                            else_ = Some(Box::new(e));
                        }
                        _ => {}
                    }
                }
                let subject = Box::new(subject.ok_or_else(|| self.internal(span.start))?);
                self.node(
                    ExprKind::Case {
                        subject,
                        whens,
                        else_,
                    },
                    span,
                    depth + 1,
                )
            }
            Rule::object => {
                let mut members = Vec::new();
                let mut depth = 0;
                for pair in p.into_inner() {
                    let mut it = pair.into_inner();
                    let k =
                        self.string_value(it.next().ok_or_else(|| self.internal(span.start))?)?;
                    let (v, d) = self.expr(it.next().ok_or_else(|| self.internal(span.start))?)?;
                    depth = depth.max(d);
                    members.push((k, v));
                }
                self.node(ExprKind::Object(members), span, depth + 1)
            }
            Rule::array => {
                let mut items = Vec::new();
                let mut depth = 0;
                for e in p.into_inner() {
                    let (v, d) = self.expr(e)?;
                    depth = depth.max(d);
                    items.push(v);
                }
                self.node(ExprKind::Array(items), span, depth + 1)
            }
            Rule::subquery => {
                let (q, d) = self.subquery(p)?;
                self.node(ExprKind::Subquery(Box::new(q)), span, d + 1)
            }
            _ => Err(self.internal(span.start)),
        }
    }

    /// `a op b op c ...`, folded left.
    fn binary_chain(&self, p: Pair<'_, Rule>) -> Result<(Expr, usize)> {
        let span = span_of(&p);
        let mut it = p.into_inner();
        let (mut acc, mut depth) =
            self.expr(it.next().ok_or_else(|| self.internal(span.start))?)?;
        while let Some(op) = it.next() {
            let bin = match op.as_rule() {
                Rule::kw_or => BinOp::Or,
                Rule::kw_and => BinOp::And,
                _ => match op.as_str() {
                    "=" => BinOp::Eq,
                    "<>" => BinOp::Ne,
                    "<" => BinOp::Lt,
                    "<=" => BinOp::Le,
                    ">" => BinOp::Gt,
                    ">=" => BinOp::Ge,
                    "+" => BinOp::Add,
                    "-" => BinOp::Sub,
                    "*" => BinOp::Mul,
                    "/" => BinOp::Div,
                    "%" => BinOp::Rem,
                    _ => BinOp::In,
                },
            };
            let (rhs, d) = self.expr(it.next().ok_or_else(|| self.internal(span.start))?)?;
            let s = Span::new(acc.span.start, rhs.span.end);
            let nd = depth.max(d) + 1;
            (acc, depth) = self.node(ExprKind::Binary(bin, Box::new(acc), Box::new(rhs)), s, nd)?;
        }
        Ok((acc, depth))
    }

    /// `NOT NOT x` / `- - x`, applied right to left.
    fn prefix_chain(&self, p: Pair<'_, Rule>) -> Result<(Expr, usize)> {
        let span = span_of(&p);
        let parts: Vec<Pair<'_, Rule>> = p.into_inner().collect();
        let (ops, operand) = parts.split_at(parts.len().saturating_sub(1));
        let operand = operand
            .first()
            .cloned()
            .ok_or_else(|| self.internal(span.start))?;
        if ops.len() > MAX_TREE_DEPTH {
            return Err(self.too_deep(span));
        }
        let (mut e, mut depth) = self.expr(operand)?;
        for op in ops.iter().rev() {
            let s = Span::new(op.as_span().start(), e.span.end);
            let kind = if op.as_rule() == Rule::kw_not {
                ExprKind::Not(Box::new(e))
            } else {
                ExprKind::Neg(Box::new(e))
            };
            (e, depth) = self.node(kind, s, depth + 1)?;
        }
        Ok((e, depth))
    }
}

/// String literal escapes: a backslash before the quote character or another
/// backslash stands for that character; every other backslash is kept as is
/// (so regular expressions such as `'\d+'` need no doubling).
fn unescape(s: &str) -> String {
    if !s.contains('\\') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\'
            && let Some(&n) = chars.peek()
            && matches!(n, '\\' | '\'' | '"')
        {
            out.push(n);
            chars.next();
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_are_case_insensitive() {
        let s = parse_statement("select VALUE a FrOm 'x' wHeRe b").unwrap();
        assert!(s.select.value);
        assert_eq!(s.from.unwrap().0, "x");
        assert!(s.where_.is_some());
    }

    #[test]
    fn value_is_a_name_when_not_a_keyword() {
        let s = parse_statement("SELECT value FROM 'x'").unwrap();
        assert!(!s.select.value);
        assert_eq!(s.select.items.len(), 1);
    }

    #[test]
    fn escapes() {
        assert_eq!(unescape(r"a\'b\\c\d"), r"a'b\c\d");
    }

    #[test]
    fn deep_brackets_are_refused_before_pest() {
        let sql = alloc::format!(
            "SELECT {}1{} FROM 'x'",
            "(".repeat(50_000),
            ")".repeat(50_000)
        );
        let e = parse_statement(&sql).unwrap_err();
        assert_eq!(e.kind(), &ErrorKind::TooDeep { limit: MAX_DEPTH });
    }

    #[test]
    fn long_operator_chains_are_refused() {
        let limit = MAX_TREE_DEPTH;
        let sql = alloc::format!("SELECT 1{} FROM 'x'", "+1".repeat(1000));
        assert_eq!(
            parse_statement(&sql).unwrap_err().kind(),
            &ErrorKind::TooDeep { limit }
        );
        let sql = alloc::format!("SELECT {}1 FROM 'x'", "NOT ".repeat(20_000));
        assert_eq!(
            parse_statement(&sql).unwrap_err().kind(),
            &ErrorKind::TooDeep { limit }
        );
        let sql = alloc::format!("SELECT {}1 FROM 'x'", "- ".repeat(20_000));
        assert_eq!(
            parse_statement(&sql).unwrap_err().kind(),
            &ErrorKind::TooDeep { limit }
        );
        // Chains below the limit are fine.
        let sql = alloc::format!("SELECT 1{} FROM 'x'", "+1".repeat(150));
        assert!(parse_statement(&sql).is_ok());
    }

    #[test]
    fn nesting_up_to_the_limit_is_fine() {
        let n = MAX_DEPTH - 1;
        for (open, close) in [
            ("(", ")"),
            ("abs(", ")"),
            ("[", "]"),
            ("-(NOT ", ")"),
            ("CASE 1 WHEN 1 THEN ", " END"),
            ("{'a': ", "}"),
        ] {
            let sql = alloc::format!(
                "SELECT {}1{} AS r FROM 'x'",
                open.repeat(n),
                close.repeat(n)
            );
            assert!(parse_statement(&sql).is_ok(), "{open}");
            let sql = alloc::format!(
                "SELECT {}1{} AS r FROM 'x'",
                open.repeat(n + 2),
                close.repeat(n + 2)
            );
            assert!(
                matches!(
                    parse_statement(&sql).unwrap_err().kind(),
                    ErrorKind::TooDeep { .. }
                ),
                "{open}"
            );
        }
    }
}
