//! The typed, spanned syntax tree produced by [`crate::parse`]. Nothing here
//! knows about pest.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

use crate::span::Span;

/// A whole statement: `[SET ...] SELECT [VALUE] ... [FROM '...'] [WHERE ...]`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Statement {
    /// Each `SET` clause (more than one is a compile error), with its span.
    pub(crate) sets: Vec<(Span, Vec<Assignment>)>,
    pub(crate) select: Select,
    /// The topic filter text and its span.
    pub(crate) from: Option<(String, Span)>,
    pub(crate) where_: Option<Expr>,
}

/// `@name = expr`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Assignment {
    pub(crate) name: String,
    pub(crate) span: Span,
    pub(crate) value: Expr,
}

/// A SELECT list.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Select {
    pub(crate) value: bool,
    pub(crate) items: Vec<SelectItem>,
    pub(crate) span: Span,
}

/// One item of a SELECT list.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum SelectItem {
    Star(Span),
    Expr { expr: Expr, alias: Option<String> },
}

/// A nested query `(SELECT ... FROM expr [WHERE ...])`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Subquery {
    pub(crate) select: Select,
    pub(crate) from: Expr,
    pub(crate) where_: Option<Expr>,
}

/// An expression and where it is.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Expr {
    pub(crate) kind: ExprKind,
    pub(crate) span: Span,
}

/// Binary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// `x IN array`: membership with the equality of `=`.
    In,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

/// Literal constants.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Literal {
    /// Number text as written (kept exact until compile).
    Number(String),
    String(String),
    Bool(bool),
    Null,
}

/// Expression forms.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum ExprKind {
    Literal(Literal),
    /// A bare name: a member of the current row.
    Ident(String),
    /// `@name`.
    Variable(String),
    /// `*` (only as a function argument; SELECT `*` is a [`SelectItem`]).
    Star,
    Member(Box<Expr>, String),
    Not(Box<Expr>),
    Neg(Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    Call {
        name: String,
        args: Vec<Expr>,
    },
    Cast {
        value: Box<Expr>,
        ty: String,
        ty_span: Span,
    },
    Case {
        subject: Box<Expr>,
        whens: Vec<(Expr, Expr)>,
        else_: Option<Box<Expr>>,
    },
    Object(Vec<(String, Expr)>),
    Array(Vec<Expr>),
    Subquery(Box<Subquery>),
}

/// A substitution template: text and `${expr}` holes.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum TemplatePart {
    Text(String),
    Hole(Expr),
}
