//! Functions beyond the conformance file, with expectations taken from the
//! AWS function reference (spec §10).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::{value, value_ctx};
use iot_sql::{Context, Transport};

#[test]
fn spec_10_1_numeric() {
    assert_eq!(value("abs(-2.5)"), "2.5");
    assert_eq!(value("ceil(1.2)"), "2");
    assert_eq!(value("ceil(-1.2)"), "-1");
    assert_eq!(value("floor(-1.2)"), "-2");
    assert_eq!(value("floor('2.9')"), "2");
    assert_eq!(value("sign(0)"), "0");
    assert_eq!(value("mod(8, 3)"), "2");
    assert_eq!(value("remainder(-8, 3)"), "-2");
    assert_eq!(value("8 % 0"), "");
    assert_eq!(value("trunc(5, 2)"), "5");
    assert_eq!(value("trunc('2.378', 1)"), "2.3");
    assert_eq!(value("nanvl(null, 'b')"), "\"b\"");
    assert_eq!(value("nanvl(8, 'b')"), "8");
    assert_eq!(value("bitor(12, 5)"), "13");
    assert_eq!(value("bitand('13', 5)"), "5");
    assert_eq!(value("bitand(true, 5)"), "");
    assert_eq!(value("sqrt(16)"), "4");
    assert_eq!(value("acos(2)"), "");
    assert_eq!(value("ln(0)"), "");
    assert_eq!(value("power(2, 0.5)"), "1.4142135623730951");
    assert_eq!(value("sin(0)"), "0");
    assert_eq!(value("atan(0)"), "0");
}

#[test]
fn spec_10_2_strings() {
    assert_eq!(value("trim('  h i  ')"), "\"h i\"");
    assert_eq!(value("lpad('hello', 2)"), "\"  hello\"");
    assert_eq!(value("rpad('hello', 2.9)"), "\"hello  \"");
    assert_eq!(value("length(rpad('', 5000))"), "1000");
    assert_eq!(value("length('€uro')"), "4");
    assert_eq!(value("numbytes('€uro')"), "6");
    assert_eq!(value("substring(123, 2)"), "\"3\"");
    assert_eq!(value("substring('012345', 1, 3)"), "\"12\"");
    assert_eq!(value("substring('012345', '1', 9)"), "\"12345\"");
    assert_eq!(value("indexof('abcd', 'x')"), "-1");
    assert_eq!(value("startswith('ranger', null)"), "");
    assert_eq!(value("chr(200)"), "");
    assert_eq!(value("chr('65')"), "\"A\"");
    assert_eq!(value("chr(true)"), "");
    assert_eq!(value("regexp_matches('abc', 'b')"), "true");
    assert_eq!(value("regexp_matches('abc', '^b')"), "false");
    assert_eq!(value("regexp_matches('abc', '(')"), "");
    assert_eq!(value("regexp_substr('hihihello', 'x')"), "");
    assert_eq!(value("regexp_replace('a1b22', '\\d+', '#')"), "\"a#b#\"");
    assert_eq!(value("concat(1, 2)"), "\"12\"");
    assert_eq!(value("concat()"), "");
    assert_eq!(value("upper({'a': 'b'})"), "\"{\\\"A\\\":\\\"B\\\"}\"");
    assert_eq!(value("'x' + null"), "");
}

#[test]
fn spec_10_2_hashes_and_base64() {
    // Digests of "hello" (RFC 1321, FIPS 180-4 test values).
    assert_eq!(
        value("md5('hello')"),
        "\"5d41402abc4b2a76b9719d911017c592\""
    );
    assert_eq!(
        value("sha1('hello')"),
        "\"aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d\""
    );
    assert_eq!(
        value("sha224('')"),
        "\"d14a028c2a3a2bc9476102bb288234c415a2b01f828ea62ac5b3e42f\""
    );
    assert_eq!(value("md2('')"), "\"8350e5a3e24c153df2275c9f80692773\"");
    assert_eq!(value("encode('hello', 'base64')"), "\"aGVsbG8=\"");
    assert_eq!(value("encode('hello', 'hex')"), "");
    assert_eq!(value("decode('eyJ0IjogMX0=', 'base64').t"), "1");
}

#[test]
fn spec_10_2_time() {
    assert_eq!(
        value("parse_time('yyyy-MM-dd HH:mm:ss', 0)"),
        "\"1970-01-01 00:00:00\""
    );
    assert_eq!(
        value("parse_time('EEE, d MMM yyyy', 1450396800000, 'UTC')"),
        "\"Fri, 18 Dec 2015\""
    );
    assert_eq!(value("parse_time('yyyy', 0, 'Nowhere/City')"), "");
    assert_eq!(
        value("time_to_epoch('2015-12-18', 'yyyy-MM-dd')"),
        "1450396800000"
    );
    assert_eq!(value("time_to_epoch('nonsense', 'yyyy-MM-dd')"), "");
}

#[test]
fn spec_10_3_collections() {
    assert_eq!(value("get([1, 2], -1)"), "");
    assert_eq!(value("get([1, 2], '1')"), "2");
    assert_eq!(value("get({'0': 'z'}, 0)"), "");
    assert_eq!(value("get({'0': 'z'}, '0')"), "\"z\"");
    assert_eq!(value("isNull(missing)"), "false");
    assert_eq!(value("isUndefined(missing)"), "true");
    assert_eq!(
        value("transform('enrichArray', {'k': 1}, [{'k': 2}, 3])"),
        "[{\"k\":2},3]"
    );
}

#[test]
fn spec_10_6_cast() {
    assert_eq!(value("cast(0 AS Boolean)"), "false");
    assert_eq!(value("cast(0.5 AS Bool)"), "true");
    assert_eq!(value("cast(false AS Decimal)"), "0");
    assert_eq!(value("cast('x' AS Int)"), "");
    assert_eq!(value("cast([1] AS Int)"), "");
    assert_eq!(value("cast(1 AS Double)"), "1");
    assert_eq!(value("cast(true AS Text)"), "\"true\"");
}

#[test]
fn spec_10_4_context() {
    let mut ctx = Context::default();
    assert_eq!(value_ctx("clientid()", &ctx), "");
    ctx.transport = Transport::Http;
    assert_eq!(value_ctx("clientid()", &ctx), "\"n/a\"");
    ctx.traceid = Some("t".into());
    assert_eq!(value_ctx("traceid()", &ctx), "");
    ctx.transport = Transport::Mqtt;
    assert_eq!(value_ctx("traceid()", &ctx), "\"t\"");
    assert_eq!(value_ctx("topic(3)", &ctx), "\"c\"");
    assert_eq!(value_ctx("sql_version()", &ctx), "\"2016-03-23\"");
    ctx.user_properties = vec![
        ("k".into(), "1".into()),
        ("k".into(), "2".into()),
        ("j".into(), "3".into()),
    ];
    assert_eq!(value_ctx("get_user_properties('k')", &ctx), "[\"1\",\"2\"]");
    assert_eq!(
        value_ctx("get_user_properties()", &ctx),
        "[{\"k\":\"1\"},{\"k\":\"2\"},{\"j\":\"3\"}]"
    );
    ctx.mqtt.content_type = Some("text/plain".into());
    ctx.mqtt.correlation_data = Some(b"hi".to_vec());
    assert_eq!(
        value_ctx("get_mqtt_property('content_type')", &ctx),
        "\"text/plain\""
    );
    assert_eq!(
        value_ctx("get_mqtt_property('correlation_data')", &ctx),
        "\"aGk=\""
    );
    assert_eq!(value_ctx("get_mqtt_property('response_topic')", &ctx), "");
}

#[test]
fn function_names_are_case_insensitive() {
    assert_eq!(value("Round(1.2)"), "1");
    assert_eq!(value("LTRIM(' a')"), "\"a\"");
    assert_eq!(value("isnull(null)"), "true");
}

#[test]
fn every_documented_function_is_registered() {
    let names: Vec<&str> = iot_sql::function_names().collect();
    for f in [
        "abs",
        "accountid",
        "acos",
        "asin",
        "atan",
        "atan2",
        "aws_lambda",
        "bitand",
        "bitnot",
        "bitor",
        "bitxor",
        "ceil",
        "chr",
        "clientid",
        "concat",
        "cos",
        "cosh",
        "decode",
        "encode",
        "endswith",
        "exp",
        "floor",
        "get",
        "get_dynamodb",
        "get_mqtt_property",
        "get_registry_data",
        "get_secret",
        "get_thing_shadow",
        "get_user_properties",
        "indexof",
        "isnull",
        "isundefined",
        "length",
        "ln",
        "log",
        "lower",
        "lpad",
        "ltrim",
        "machinelearning_predict",
        "md2",
        "md5",
        "mod",
        "nanvl",
        "newuuid",
        "numbytes",
        "parse_time",
        "power",
        "principal",
        "rand",
        "regexp_matches",
        "regexp_replace",
        "regexp_substr",
        "remainder",
        "replace",
        "round",
        "rpad",
        "rtrim",
        "sha1",
        "sha224",
        "sha256",
        "sha384",
        "sha512",
        "sign",
        "sin",
        "sinh",
        "sourceip",
        "sql_version",
        "sqrt",
        "startswith",
        "substring",
        "tan",
        "tanh",
        "time_to_epoch",
        "timestamp",
        "topic",
        "traceid",
        "transform",
        "trim",
        "trunc",
        "upper",
    ] {
        assert!(names.contains(&f), "{f}");
    }
    // 80 names + cast (an expression form) = the 81 of spec §10.7.
    assert_eq!(names.len(), 80);
}
