//! AST → plan: resolves functions (name, arity, SQL version), variables and
//! cast types, checks the version gates and CASE/SET rules, validates the
//! FROM filter with `topic-match`, precompiles constant regular expressions
//! and folds constant sub-expressions.

use alloc::boxed::Box;
use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::SqlVersion;
use crate::ast::{self, BinOp, Expr, ExprKind, Literal};
use crate::decimal::Decimal;
use crate::error::{Error, ErrorKind};
use crate::functions::{self, Func, Kind};
use crate::span::Span;
use crate::value::Value;

/// Longest variable name, `@` excluded (spec §9).
const MAX_VAR_NAME: usize = 64;

/// Target types of `cast` (spec §10.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CastType {
    String,
    Int,
    Double,
    Decimal,
    Bool,
}

/// A compiled expression.
#[derive(Clone, Debug)]
pub(crate) enum Node {
    Const(Value),
    /// A member of the current row (payload or subquery element).
    Field(Box<str>),
    /// `*` as a value: the current row.
    Star,
    /// The raw payload bytes (`encode(*, ...)`).
    RawPayload,
    Var(usize),
    Member(Box<Node>, Box<str>),
    Not(Box<Node>),
    Neg(Box<Node>),
    Binary(BinOp, Box<Node>, Box<Node>),
    Call(Box<Call>),
    Cast(Box<Node>, CastType),
    Case(Box<Case>),
    Object(Vec<(Box<str>, Node)>),
    Array(Vec<Node>),
    Subquery(Box<SubPlan>),
}

#[derive(Clone, Debug)]
pub(crate) struct Call {
    pub(crate) func: Func,
    pub(crate) kind: Kind,
    pub(crate) args: Vec<Node>,
    pub(crate) regex: Option<Arc<regex::Regex>>,
    pub(crate) span: Span,
}

#[derive(Clone, Debug)]
pub(crate) struct Case {
    pub(crate) subject: Node,
    pub(crate) whens: Vec<(Node, Node)>,
    pub(crate) else_: Option<Node>,
}

/// A SELECT list, compiled.
#[derive(Clone, Debug)]
pub(crate) struct Projection {
    pub(crate) value: bool,
    pub(crate) items: Vec<Item>,
}

#[derive(Clone, Debug)]
pub(crate) enum Item {
    Star,
    Expr { key: Box<str>, node: Node },
}

#[derive(Clone, Debug)]
pub(crate) struct SubPlan {
    pub(crate) projection: Projection,
    pub(crate) from: Node,
    pub(crate) where_: Option<Node>,
}

/// A compiled statement.
#[derive(Clone, Debug)]
pub(crate) struct Plan {
    pub(crate) version: SqlVersion,
    pub(crate) from: Option<topic_match::TopicFilter>,
    pub(crate) sets: Vec<Node>,
    pub(crate) var_names: Vec<String>,
    pub(crate) projection: Projection,
    pub(crate) where_: Option<Node>,
    /// The top-level payload members the statement reads, or `None` when it
    /// needs the whole payload (`*`).
    pub(crate) payload_fields: Option<Arc<[Box<str>]>>,
}

pub(crate) struct Compiler<'s> {
    pub(crate) src: &'s str,
    pub(crate) version: SqlVersion,
    pub(crate) vars: Vec<String>,
}

type Result<T> = core::result::Result<T, Error>;

impl Compiler<'_> {
    fn err(&self, kind: ErrorKind, span: Span) -> Error {
        Error::new(kind, span, self.src)
    }

    fn require_2016(&self, feature: &str, span: Span) -> Result<()> {
        if self.version.is_2016_or_later() {
            Ok(())
        } else {
            Err(self.err(
                ErrorKind::RequiresVersion {
                    feature: feature.to_string(),
                },
                span,
            ))
        }
    }

    pub(crate) fn statement(&mut self, st: ast::Statement) -> Result<Plan> {
        if let Some((span, _)) = st.sets.get(1) {
            return Err(self.err(ErrorKind::SetTwice, *span));
        }
        let mut sets = Vec::new();
        for (_, list) in st.sets {
            for a in list {
                let bare = a.name.trim_start_matches('@');
                if bare.chars().count() > MAX_VAR_NAME {
                    return Err(self.err(ErrorKind::VariableNameTooLong { name: a.name }, a.span));
                }
                if self.vars.contains(&a.name) {
                    return Err(self.err(ErrorKind::DuplicateVariable { name: a.name }, a.span));
                }
                // Each assignment sees only the earlier ones.
                let node = self.expr(&a.value)?;
                sets.push(node);
                self.vars.push(a.name);
            }
        }
        let from = match st.from {
            Some((text, span)) => Some(topic_match::TopicFilter::new(&text).map_err(|e| {
                self.err(
                    ErrorKind::InvalidTopicFilter {
                        filter: text.clone(),
                        reason: e.to_string(),
                    },
                    span,
                )
            })?),
            None => None,
        };
        let where_ = st.where_.as_ref().map(|w| self.expr(w)).transpose()?;
        let projection = self.projection(&st.select)?;
        let payload_fields = payload_fields(&sets, where_.as_ref(), &projection).map(Arc::from);
        Ok(Plan {
            version: self.version,
            from,
            sets,
            var_names: core::mem::take(&mut self.vars),
            projection,
            where_,
            payload_fields,
        })
    }

    fn projection(&self, sel: &ast::Select) -> Result<Projection> {
        if sel.value && sel.items.len() != 1 {
            return Err(self.err(ErrorKind::ValueTakesOneItem, sel.span));
        }
        let mut items = Vec::with_capacity(sel.items.len());
        for (i, item) in sel.items.iter().enumerate() {
            match item {
                ast::SelectItem::Star(span) => {
                    if sel.value {
                        return Err(self.err(ErrorKind::MisplacedStar, *span));
                    }
                    items.push(Item::Star);
                }
                ast::SelectItem::Expr { expr, alias } => {
                    let key = alias.clone().unwrap_or_else(|| default_key(expr, i));
                    items.push(Item::Expr {
                        key: key.into_boxed_str(),
                        node: self.expr(expr)?,
                    });
                }
            }
        }
        Ok(Projection {
            value: sel.value,
            items,
        })
    }

    pub(crate) fn expr(&self, e: &Expr) -> Result<Node> {
        let node = match &e.kind {
            ExprKind::Literal(l) => Node::Const(self.literal(l, e.span)?),
            ExprKind::Ident(name) => Node::Field(name.as_str().into()),
            ExprKind::Variable(name) => match self.vars.iter().position(|v| v == name) {
                Some(i) => Node::Var(i),
                None => {
                    return Err(self.err(ErrorKind::UnknownVariable { name: name.clone() }, e.span));
                }
            },
            ExprKind::Star => Node::Star,
            ExprKind::Member(base, name) => {
                Node::Member(Box::new(self.expr(base)?), name.as_str().into())
            }
            ExprKind::Not(x) => Node::Not(Box::new(self.expr(x)?)),
            ExprKind::Neg(x) => Node::Neg(Box::new(self.expr(x)?)),
            ExprKind::Binary(op, a, b) => {
                Node::Binary(*op, Box::new(self.expr(a)?), Box::new(self.expr(b)?))
            }
            ExprKind::Call { name, args } => self.call(name, args, e.span)?,
            ExprKind::Cast { value, ty, ty_span } => {
                let t = self.cast_type(ty, *ty_span)?;
                Node::Cast(Box::new(self.expr(value)?), t)
            }
            ExprKind::Case {
                subject,
                whens,
                else_,
            } => {
                if whens.is_empty() {
                    return Err(self.err(ErrorKind::CaseWithoutWhen, e.span));
                }
                let whens = whens
                    .iter()
                    .map(|(w, t)| Ok((self.expr(w)?, self.expr(t)?)))
                    .collect::<Result<Vec<_>>>()?;
                Node::Case(Box::new(Case {
                    subject: self.expr(subject)?,
                    whens,
                    else_: else_.as_ref().map(|x| self.expr(x)).transpose()?,
                }))
            }
            ExprKind::Object(members) => {
                self.require_2016("object literal", e.span)?;
                let members = members
                    .iter()
                    .map(|(k, v)| Ok((k.as_str().into(), self.expr(v)?)))
                    .collect::<Result<Vec<_>>>()?;
                Node::Object(members)
            }
            ExprKind::Array(items) => {
                self.require_2016("array literal", e.span)?;
                Node::Array(
                    items
                        .iter()
                        .map(|x| self.expr(x))
                        .collect::<Result<Vec<_>>>()?,
                )
            }
            ExprKind::Subquery(q) => {
                self.require_2016("nested query", e.span)?;
                Node::Subquery(Box::new(SubPlan {
                    projection: self.projection(&q.select)?,
                    from: self.expr(&q.from)?,
                    where_: q.where_.as_ref().map(|w| self.expr(w)).transpose()?,
                }))
            }
        };
        Ok(fold(node, self.version))
    }

    fn literal(&self, l: &Literal, span: Span) -> Result<Value> {
        Ok(match l {
            Literal::Null => Value::Null,
            Literal::Bool(b) => Value::Bool(*b),
            Literal::String(s) => Value::String(s.clone()),
            Literal::Number(text) => {
                let integral = !text.contains(['.', 'e', 'E']);
                if integral && let Ok(i) = text.parse::<i64>() {
                    Value::Int(i)
                } else {
                    match Decimal::parse(text, false) {
                        Some(d) => {
                            Value::Decimal(d).normalized(self.version.whole_decimals_are_ints())
                        }
                        None => {
                            return Err(
                                self.err(ErrorKind::NumberOutOfRange { text: text.clone() }, span)
                            );
                        }
                    }
                }
            }
        })
    }

    fn cast_type(&self, ty: &str, span: Span) -> Result<CastType> {
        let lower = ty.to_ascii_lowercase();
        Ok(match lower.as_str() {
            "string" | "nvarchar" | "text" | "ntext" | "varchar" => CastType::String,
            "int" | "integer" => CastType::Int,
            "double" => CastType::Double,
            "decimal" => {
                self.require_2016("cast to Decimal", span)?;
                CastType::Decimal
            }
            "bool" | "boolean" => {
                self.require_2016("cast to Boolean", span)?;
                CastType::Bool
            }
            _ => {
                return Err(self.err(
                    ErrorKind::UnknownCastType {
                        name: ty.to_string(),
                    },
                    span,
                ));
            }
        })
    }

    fn call(&self, name: &str, args: &[Expr], span: Span) -> Result<Node> {
        let Some(spec) = functions::lookup(name) else {
            return Err(self.err(
                ErrorKind::UnknownFunction {
                    name: name.to_string(),
                },
                span,
            ));
        };
        if args.len() < spec.min_args || args.len() > spec.max_args {
            return Err(self.err(
                ErrorKind::Arity {
                    name: spec.name,
                    expected: spec.arity_text,
                    found: args.len(),
                },
                span,
            ));
        }
        // get_dynamodb has 4 or 6 arguments, never 5.
        if spec.func == Func::GetDynamodb && args.len() == 5 {
            return Err(self.err(
                ErrorKind::Arity {
                    name: spec.name,
                    expected: spec.arity_text,
                    found: 5,
                },
                span,
            ));
        }
        if spec.v2016 {
            self.require_2016(spec.name, span)?;
        }
        if spec.func == Func::Decode {
            let proto = matches!(
                args.get(1).map(|a| &a.kind),
                Some(ExprKind::Literal(Literal::String(m))) if m.eq_ignore_ascii_case("proto")
            );
            match args.len() {
                2 if !proto => {}
                6 => return self.decode_proto(args, span),
                found => {
                    let expected = if proto { "6" } else { spec.arity_text };
                    return Err(self.err(
                        ErrorKind::Arity {
                            name: spec.name,
                            expected,
                            found,
                        },
                        span,
                    ));
                }
            }
        }
        if spec.func == Func::Transform
            && !matches!(
                args.first().map(|a| &a.kind),
                Some(ExprKind::Literal(Literal::String(_)))
            )
        {
            return Err(self.err(ErrorKind::ModeNotLiteral { name: spec.name }, span));
        }
        let mut nodes = Vec::with_capacity(args.len());
        for (i, a) in args.iter().enumerate() {
            if matches!(a.kind, ExprKind::Star) {
                // `*` is an argument of encode (raw bytes) and of the
                // external functions (the payload value) only.
                match (spec.func, i) {
                    (Func::Encode, 0) => nodes.push(Node::RawPayload),
                    _ if spec.kind == Kind::External => nodes.push(Node::Star),
                    _ => return Err(self.err(ErrorKind::MisplacedStar, a.span)),
                }
            } else {
                nodes.push(self.expr(a)?);
            }
        }
        let regex = match (spec.func, nodes.get(1)) {
            (
                Func::RegexpMatches | Func::RegexpReplace | Func::RegexpSubstr,
                Some(Node::Const(Value::String(p))),
            ) => functions::compile_regex(p).map(Arc::new),
            _ => None,
        };
        Ok(Node::Call(Box::new(Call {
            func: spec.func,
            kind: spec.kind,
            args: nodes,
            regex,
            span,
        })))
    }
}

impl Compiler<'_> {
    /// `decode(*, 'proto', bucket, key, file, message)`: the raw payload
    /// and five string literals, handed to the embedder's
    /// [`crate::External::decode_protobuf`] at evaluation time.
    fn decode_proto(&self, args: &[Expr], span: Span) -> Result<Node> {
        let mut nodes = Vec::with_capacity(args.len());
        for (i, a) in args.iter().enumerate() {
            let fault = |expected| {
                self.err(
                    ErrorKind::ProtobufDecodeArgument {
                        position: i + 1,
                        expected,
                    },
                    a.span,
                )
            };
            match (i, &a.kind) {
                (0, ExprKind::Star) => nodes.push(Node::RawPayload),
                (0, _) => return Err(fault("*")),
                (1, ExprKind::Literal(Literal::String(m))) if m.eq_ignore_ascii_case("proto") => {
                    nodes.push(Node::Const(Value::String(m.clone())));
                }
                (1, _) => return Err(fault("the string literal 'proto'")),
                (_, ExprKind::Literal(Literal::String(text))) => {
                    nodes.push(Node::Const(Value::String(text.clone())));
                }
                _ => return Err(fault("a string literal")),
            }
        }
        Ok(Node::Call(Box::new(Call {
            func: Func::DecodeProto,
            kind: Kind::External,
            args: nodes,
            regex: None,
            span,
        })))
    }
}

/// The output key of an un-aliased item: a path's last segment, a
/// variable's name, a function's name; otherwise `_N` (1-based position).
fn default_key(e: &Expr, index: usize) -> String {
    match &e.kind {
        ExprKind::Ident(n) | ExprKind::Member(_, n) => n.clone(),
        ExprKind::Variable(v) => v.trim_start_matches('@').to_string(),
        ExprKind::Call { name, .. } => name.clone(),
        _ => {
            let mut s = String::from("_");
            s.push_str(&(index + 1).to_string());
            s
        }
    }
}

/// Replaces a pure node whose inputs are all constants by its value.
fn fold(node: Node, version: SqlVersion) -> Node {
    let foldable = match &node {
        Node::Not(x) | Node::Neg(x) | Node::Cast(x, _) | Node::Member(x, _) => is_const(x),
        Node::Binary(_, a, b) => is_const(a) && is_const(b),
        Node::Call(c) => c.kind == Kind::Pure && c.args.iter().all(is_const),
        Node::Case(c) => {
            is_const(&c.subject)
                && c.whens.iter().all(|(w, t)| is_const(w) && is_const(t))
                && c.else_.as_ref().is_none_or(is_const)
        }
        Node::Object(m) => m.iter().all(|(_, v)| is_const(v)),
        Node::Array(items) => items.iter().all(is_const),
        _ => false,
    };
    if !foldable {
        return node;
    }
    match crate::eval::eval_constant(&node, version) {
        Some(v) => Node::Const(v),
        None => node,
    }
}

/// The payload members a statement reads at the top level (names evaluated
/// against the payload row), or `None` if it uses the payload as a whole.
fn payload_fields(sets: &[Node], where_: Option<&Node>, p: &Projection) -> Option<Vec<Box<str>>> {
    let mut out = Vec::new();
    for n in sets.iter().chain(where_) {
        collect(n, &mut out)?;
    }
    for item in &p.items {
        match item {
            Item::Star => return None,
            Item::Expr { node, .. } => collect(node, &mut out)?,
        }
    }
    Some(out)
}

/// Adds the payload members `n` reads; `None` when it needs the whole payload.
pub(crate) fn collect(n: &Node, out: &mut Vec<Box<str>>) -> Option<()> {
    match n {
        Node::Const(_) | Node::Var(_) => {}
        Node::Star | Node::RawPayload => return None,
        Node::Field(name) => {
            if !out.contains(name) {
                out.push(name.clone());
            }
        }
        Node::Member(x, _) | Node::Not(x) | Node::Neg(x) | Node::Cast(x, _) => collect(x, out)?,
        Node::Binary(_, a, b) => {
            collect(a, out)?;
            collect(b, out)?;
        }
        Node::Call(c) => {
            for a in &c.args {
                collect(a, out)?;
            }
        }
        Node::Case(c) => {
            collect(&c.subject, out)?;
            for (w, t) in &c.whens {
                collect(w, out)?;
                collect(t, out)?;
            }
            if let Some(e) = &c.else_ {
                collect(e, out)?;
            }
        }
        Node::Object(m) => {
            for (_, v) in m {
                collect(v, out)?;
            }
        }
        Node::Array(items) => {
            for v in items {
                collect(v, out)?;
            }
        }
        // Only the FROM of a nested query reads the outer row; its other
        // parts read the elements.
        Node::Subquery(q) => collect(&q.from, out)?,
    }
    Some(())
}

fn is_const(n: &Node) -> bool {
    matches!(n, Node::Const(_))
}
