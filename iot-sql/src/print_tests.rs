//! The printer's law: `parse(print(ast)) == ast`, spans aside, over
//! generated trees and every SQL statement of the conformance file.

use alloc::boxed::Box;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use proptest::prelude::*;

use super::*;
use crate::ast::{Assignment, TemplatePart};
use crate::parse::parse_statement;
use crate::span::Span;

// ---- span erasure -------------------------------------------------------

fn clear_statement(st: &mut Statement) {
    for (span, list) in &mut st.sets {
        *span = Span::default();
        for a in list {
            a.span = Span::default();
            clear_expr(&mut a.value);
        }
    }
    clear_select(&mut st.select);
    if let Some((_, span)) = &mut st.from {
        *span = Span::default();
    }
    if let Some(w) = &mut st.where_ {
        clear_expr(w);
    }
}

fn clear_select(s: &mut Select) {
    s.span = Span::default();
    for item in &mut s.items {
        match item {
            SelectItem::Star(span) => *span = Span::default(),
            SelectItem::Expr { expr, .. } => clear_expr(expr),
        }
    }
}

fn clear_expr(e: &mut Expr) {
    e.span = Span::default();
    match &mut e.kind {
        ExprKind::Literal(_) | ExprKind::Ident(_) | ExprKind::Variable(_) | ExprKind::Star => {}
        ExprKind::Member(x, _) | ExprKind::Not(x) | ExprKind::Neg(x) => clear_expr(x),
        ExprKind::Binary(_, a, b) => {
            clear_expr(a);
            clear_expr(b);
        }
        ExprKind::Call { args, .. } | ExprKind::Array(args) => args.iter_mut().for_each(clear_expr),
        ExprKind::Cast { value, ty_span, .. } => {
            *ty_span = Span::default();
            clear_expr(value);
        }
        ExprKind::Case {
            subject,
            whens,
            else_,
        } => {
            clear_expr(subject);
            for (w, t) in whens {
                clear_expr(w);
                clear_expr(t);
            }
            if let Some(x) = else_ {
                clear_expr(x);
            }
        }
        ExprKind::Object(members) => members.iter_mut().for_each(|(_, v)| clear_expr(v)),
        ExprKind::Subquery(q) => {
            clear_select(&mut q.select);
            clear_expr(&mut q.from);
            if let Some(w) = &mut q.where_ {
                clear_expr(w);
            }
        }
    }
}

fn parsed(sql: &str) -> Statement {
    let mut st = parse_statement(sql).unwrap_or_else(|e| panic!("{sql:?}: {e}"));
    clear_statement(&mut st);
    st
}

/// The law, for one statement: its printed form parses to the same tree,
/// and printing is idempotent.
fn check_round_trip(st: &Statement) {
    let text = statement(st);
    let again = parsed(&text);
    assert_eq!(&again, st, "printed as {text:?}");
    assert_eq!(statement(&again), text);
}

// ---- examples -----------------------------------------------------------

fn canonical(sql: &str) -> String {
    statement(&parsed(sql))
}

#[test]
fn canonical_forms() {
    for (sql, want) in [
        (
            "select a,b as c from 'x/#' where a>1 and not b",
            "SELECT a, b AS c FROM 'x/#' WHERE a > 1 AND NOT b",
        ),
        ("SELECT (a + b) * c FROM 't'", "SELECT (a + b) * c FROM 't'"),
        ("SELECT a + (b * c) FROM 't'", "SELECT a + b * c FROM 't'"),
        ("SELECT a - (b - c) FROM 't'", "SELECT a - (b - c) FROM 't'"),
        ("SELECT (a - b) - c FROM 't'", "SELECT a - b - c FROM 't'"),
        ("SELECT - -a, -(-1) FROM 't'", "SELECT - -a, - -1 FROM 't'"),
        (
            "SELECT NOT (a AND b) FROM 't'",
            "SELECT NOT (a AND b) FROM 't'",
        ),
        (
            "SELECT (-a).b, (a).b FROM 't'",
            "SELECT (-a).b, a.b FROM 't'",
        ),
        ("SELECT 3 in arr FROM 't'", "SELECT 3 IN arr FROM 't'"),
        (
            "SELECT VALUE (select value v from e where v in [1,2]) FROM 't'",
            "SELECT VALUE (SELECT VALUE v FROM e WHERE v IN [1, 2]) FROM 't'",
        ),
        (
            r#"SELECT "it's" AS "my key", 'a\d' AS k, {"k": 1} FROM 't'"#,
            r#"SELECT 'it\'s' AS 'my key', 'a\d' AS k, {'k': 1} FROM 't'"#,
        ),
        (
            "set @a = 1, @b = @a set @c = 2 select cast(x as Int) from 't'",
            "SET @a = 1, @b = @a SET @c = 2 SELECT CAST(x AS Int) FROM 't'",
        ),
        (
            "SELECT case a when 1 then 'x' else null end FROM 't'",
            "SELECT CASE a WHEN 1 THEN 'x' ELSE NULL END FROM 't'",
        ),
        // A leading name `value` is kept from becoming the VALUE keyword.
        ("SELECT value FROM 't'", "SELECT value FROM 't'"),
        ("SELECT (value).x FROM 't'", "SELECT (value).x FROM 't'"),
        ("SELECT (value) WHERE a", "SELECT (value) WHERE a"),
        ("SELECT (value(1)) FROM 't'", "SELECT (value(1)) FROM 't'"),
        (
            "SELECT VALUE value.x FROM 't'",
            "SELECT VALUE value.x FROM 't'",
        ),
    ] {
        assert_eq!(canonical(sql), want, "{sql}");
        check_round_trip(&parsed(sql));
    }
}

#[test]
fn string_escapes_are_exact() {
    for s in [
        "", "'", "\\", "\\\\", "a\\", "\\'", "\\\"", "\"", "a\\d+", "''\\", "é\\n",
    ] {
        let mut lit = String::new();
        string(&mut lit, s);
        let st = parsed(&alloc::format!("SELECT VALUE {lit}"));
        let Some(SelectItem::Expr { expr, .. }) = st.select.items.first() else {
            panic!("{lit}")
        };
        assert_eq!(
            expr.kind,
            ExprKind::Literal(Literal::String(s.to_string())),
            "{lit}"
        );
    }
}

#[test]
fn every_conformance_statement_round_trips() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../conformance/iot-sql.json");
    let text = std::fs::read_to_string(path).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let cases = doc["cases"].as_array().unwrap();
    let mut n = 0;
    for case in cases {
        let Some(sql) = case["sql"].as_str() else {
            continue;
        };
        // Some cases are statements the parser must refuse.
        let Ok(mut st) = parse_statement(sql) else {
            continue;
        };
        clear_statement(&mut st);
        check_round_trip(&st);
        n += 1;
    }
    assert!(n > 150, "only {n} statements parsed");
}

#[test]
fn template_holes_print_as_expressions() {
    let parts = crate::parse::parse_template("a/${topic(2) + 'x'}/${b.c}").unwrap();
    let holes: Vec<String> = parts
        .iter()
        .filter_map(|p| match p {
            TemplatePart::Hole(e) => {
                let mut s = String::new();
                expr(&mut s, e, OR, false).unwrap();
                Some(s)
            }
            TemplatePart::Text(_) => None,
        })
        .collect();
    assert_eq!(holes, ["topic(2) + 'x'", "b.c"]);
}

// ---- generated trees ----------------------------------------------------

fn at(kind: ExprKind) -> Expr {
    Expr {
        kind,
        span: Span::default(),
    }
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z_][a-zA-Z0-9_]{0,5}",
        Just("value".to_string()),
        Just("VALUE".to_string()),
        Just("in".to_string()),
        Just("e5".to_string()),
    ]
    .prop_filter("reserved", |s| is_plain_name(s))
}

fn member_name() -> impl Strategy<Value = String> {
    prop_oneof!["[a-zA-Z_][a-zA-Z0-9_]{0,5}", Just("select".to_string())]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z ]{0,4}",
        "[\\\\'\"a-z/#+\\-*]{0,6}",
        any::<String>().prop_map(|s| s.chars().take(6).collect()),
    ]
}

fn number() -> impl Strategy<Value = String> {
    "[0-9]{1,4}(\\.[0-9]{1,3})?([eE]-?[0-9]{1,2})?"
}

fn leaf() -> impl Strategy<Value = Expr> {
    prop_oneof![
        number().prop_map(|n| at(ExprKind::Literal(Literal::Number(n)))),
        text().prop_map(|s| at(ExprKind::Literal(Literal::String(s)))),
        any::<bool>().prop_map(|b| at(ExprKind::Literal(Literal::Bool(b)))),
        Just(at(ExprKind::Literal(Literal::Null))),
        name().prop_map(|n| at(ExprKind::Ident(n))),
        "@[a-z_][a-z0-9_]{0,4}".prop_map(|v| at(ExprKind::Variable(v))),
    ]
}

fn bin_op() -> impl Strategy<Value = BinOp> {
    proptest::sample::select(alloc::vec![
        BinOp::Or,
        BinOp::And,
        BinOp::Eq,
        BinOp::Ne,
        BinOp::Lt,
        BinOp::Le,
        BinOp::Gt,
        BinOp::Ge,
        BinOp::In,
        BinOp::Add,
        BinOp::Sub,
        BinOp::Mul,
        BinOp::Div,
        BinOp::Rem,
    ])
}

fn select_of(e: BoxedStrategy<Expr>) -> impl Strategy<Value = Select> {
    let item = prop_oneof![
        1 => Just(SelectItem::Star(Span::default())),
        6 => (e, proptest::option::of(prop_oneof![name(), text()]))
            .prop_map(|(expr, alias)| SelectItem::Expr { expr, alias }),
    ];
    (any::<bool>(), proptest::collection::vec(item, 1..3)).prop_map(|(value, items)| Select {
        value,
        items,
        span: Span::default(),
    })
}

fn expr_tree() -> BoxedStrategy<Expr> {
    leaf()
        .prop_recursive(4, 24, 3, |inner| {
            let args = proptest::collection::vec(
                prop_oneof![4 => inner.clone(), 1 => Just(at(ExprKind::Star))],
                0..3,
            );
            prop_oneof![
                (inner.clone(), member_name())
                    .prop_map(|(b, n)| at(ExprKind::Member(Box::new(b), n))),
                inner.clone().prop_map(|x| at(ExprKind::Not(Box::new(x)))),
                inner.clone().prop_map(|x| at(ExprKind::Neg(Box::new(x)))),
                (bin_op(), inner.clone(), inner.clone())
                    .prop_map(|(op, a, b)| at(ExprKind::Binary(op, Box::new(a), Box::new(b)))),
                (name(), args).prop_map(|(name, args)| at(ExprKind::Call { name, args })),
                (inner.clone(), name()).prop_map(|(v, ty)| at(ExprKind::Cast {
                    value: Box::new(v),
                    ty,
                    ty_span: Span::default(),
                })),
                (
                    inner.clone(),
                    proptest::collection::vec((inner.clone(), inner.clone()), 0..3),
                    proptest::option::of(inner.clone()),
                )
                    .prop_map(|(s, whens, e)| at(ExprKind::Case {
                        subject: Box::new(s),
                        whens,
                        else_: e.map(Box::new),
                    })),
                proptest::collection::vec((text(), inner.clone()), 0..3)
                    .prop_map(|m| at(ExprKind::Object(m))),
                proptest::collection::vec(inner.clone(), 0..3).prop_map(|a| at(ExprKind::Array(a))),
                (
                    select_of(inner.clone()),
                    inner.clone(),
                    proptest::option::of(inner)
                )
                    .prop_map(|(select, from, where_)| at(ExprKind::Subquery(
                        Box::new(Subquery {
                            select,
                            from,
                            where_,
                        })
                    ))),
            ]
        })
        .boxed()
}

fn statement_tree() -> impl Strategy<Value = Statement> {
    let assignment = ("@[a-z_][a-z0-9_]{0,4}", expr_tree()).prop_map(|(name, value)| Assignment {
        name,
        span: Span::default(),
        value,
    });
    let set = proptest::collection::vec(assignment, 1..3).prop_map(|l| (Span::default(), l));
    (
        proptest::collection::vec(set, 0..2),
        select_of(expr_tree()),
        proptest::option::of("[a-z0-9/#+$ ]{0,8}"),
        proptest::option::of(expr_tree()),
    )
        .prop_map(|(sets, select, from, where_)| Statement {
            sets,
            select,
            from: from.map(|f| (f, Span::default())),
            where_,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn printed_trees_parse_back_to_themselves(st in statement_tree()) {
        check_round_trip(&st);
    }
}
