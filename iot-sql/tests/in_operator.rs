//! The `IN` operator. Derived from the AWS "Operators" page as the reference
//! corpora show it: the English page's "IN operator" section (Boolean
//! result, usable in WHERE to check whether a value matches any value in an
//! array, true if found, false otherwise) and the operand table and example
//! of its Chinese edition (docs.amazonaws.cn, iot-sql-operators): left
//! operand Int/Decimal/String/Array/Object, right operand Array → true if
//! the element is found in the array, else false; `where 3 in arr` over
//! `{"arr":[1, 2, 3, "three", 5.7, null]}` is true. The remaining rows
//! (non-Array right operand, Boolean/Null/Undefined left operand) are this
//! crate's choices, listed in the crate docs. These cases are ours, not part
//! of `conformance/`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::{V2015, V2016, run, run_v, value};
use iot_sql::{Message, Outcome, Rule};

const ARR: &str = r#"{"arr":[1, 2, 3, "three", 5.7, null]}"#;

fn fires(version: iot_sql::SqlVersion, sql: &str, payload: &str) -> bool {
    let rule = Rule::parse(sql, version).unwrap();
    match rule
        .evaluate(&Message::new("a/b", payload.as_bytes()))
        .unwrap()
    {
        Outcome::Emit(_) => true,
        Outcome::NoMatch => false,
        Outcome::NotTriggered => panic!("{sql}: not triggered"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn documented_example_matches() {
    for v in [V2015, V2016] {
        assert!(fires(v, "select * from 'a/b' where 3 in arr", ARR));
        assert!(!fires(v, "select * from 'a/b' where 4 in arr", ARR));
    }
}

#[test]
fn every_documented_left_operand_type() {
    let sql = |x: &str| format!("SELECT VALUE {x} IN arr FROM 't'");
    let payload = r#"{"arr":[1, 5.7, "three", [1, 2], {"a": 1}, null, true]}"#;
    // Int, Decimal, String, Array, Object: found.
    for x in ["1", "5.7", "'three'", "[1, 2]", "{'a': 1}"] {
        assert_eq!(run(&sql(x), payload), "true", "{x}");
    }
    // ... and not found.
    for x in ["2", "5.8", "'Three'", "[2, 1]", "{'a': 2}"] {
        assert_eq!(run(&sql(x), payload), "false", "{x}");
    }
}

#[test]
fn membership_uses_the_equality_of_eq() {
    // Int and Decimal compare numerically; no string/number coercion.
    assert_eq!(value("1.0 IN [1]"), "true");
    assert_eq!(value("1 IN ['1']"), "false");
    assert_eq!(value("'1' IN [1]"), "false");
    // Objects ignore key order.
    assert_eq!(value("{'a': 1, 'b': 2} IN [{'b': 2, 'a': 1}]"), "true");
    assert_eq!(value("3 IN []"), "false");
}

#[test]
fn boolean_and_null_left_operands_use_eq_too() {
    // Not in the table; `=` treats Boolean = Boolean and NULL = NULL as
    // equal (choice 10), and IN follows it.
    assert_eq!(
        run("SELECT VALUE true IN arr FROM 't'", r#"{"arr":[1,true]}"#),
        "true"
    );
    assert_eq!(run("SELECT VALUE null IN arr FROM 't'", ARR), "true");
    assert_eq!(run("SELECT VALUE false IN arr FROM 't'", ARR), "false");
}

#[test]
fn non_array_right_operand_or_undefined_left_is_undefined() {
    for x in [
        "3 IN 3",
        "'a' IN 'abc'",
        "1 IN {'a': 1}",
        "1 IN NULL",
        "1 IN nosuch",
        "nosuch IN [1]",
    ] {
        assert_eq!(value(x), "", "{x}");
    }
    // Undefined is not false: NOT keeps it Undefined, so WHERE fails either way.
    assert_eq!(value("NOT (3 IN 3)"), "");
    assert!(!fires(
        V2016,
        "SELECT * FROM 'a/b' WHERE NOT (3 IN nosuch)",
        ARR
    ));
}

#[test]
fn precedence_is_that_of_comparison() {
    // + binds tighter than IN; IN tighter than NOT, AND, OR.
    assert_eq!(run("SELECT VALUE 1 + 2 IN arr FROM 't'", ARR), "true");
    assert_eq!(run("SELECT VALUE NOT 3 IN arr FROM 't'", ARR), "false");
    assert_eq!(
        run(
            "SELECT VALUE 3 IN arr AND 9 IN arr OR 2 IN arr FROM 't'",
            ARR
        ),
        "true"
    );
    // Left-associative with the other comparisons: (3 IN arr) = true.
    assert_eq!(run("SELECT VALUE 3 IN arr = true FROM 't'", ARR), "true");
}

#[test]
fn usable_in_select_set_and_templates_keyword_any_case() {
    assert_eq!(
        run("SELECT 3 in arr AS a, 'x' In arr AS b FROM 't'", ARR),
        r#"{"a":true,"b":false}"#
    );
    assert_eq!(
        run("SET @hit = 'three' IN arr SELECT @hit AS h FROM 't'", ARR),
        r#"{"h":true}"#
    );
    let rule = Rule::parse("SELECT * FROM 'a/b'", V2016).unwrap();
    let t = rule.template("${2 IN arr}").unwrap();
    assert_eq!(
        rule.render(&t, &Message::new("a/b", ARR.as_bytes()))
            .unwrap(),
        "true"
    );
}

#[test]
fn a_member_called_in_is_still_a_name() {
    assert_eq!(run(r#"SELECT in FROM 't'"#, r#"{"in": 4}"#), r#"{"in":4}"#);
    assert_eq!(
        run(
            "SELECT VALUE in IN arr FROM 't'",
            r#"{"in": 2, "arr": [2]}"#
        ),
        "true"
    );
    assert_eq!(
        run_v(V2015, "SELECT a.in AS x FROM 't'", r#"{"a":{"in":1}}"#),
        r#"{"x":1}"#
    );
}

#[test]
fn nested_query_elements_filtered_with_in() {
    assert_eq!(
        run(
            "SELECT VALUE (SELECT VALUE id FROM items WHERE kind IN ['a', 'c']) FROM 't'",
            r#"{"items":[{"id":1,"kind":"a"},{"id":2,"kind":"b"},{"id":3,"kind":"c"}]}"#
        ),
        "[1,3]"
    );
}
