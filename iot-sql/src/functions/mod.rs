//! The built-in function registry (names, arity, first SQL version, kind)
//! and dispatch to one module per family.

mod collection;
mod context;
mod encoding;
mod math;
mod string;
mod time;

use alloc::borrow::Cow;
use alloc::string::String;

use crate::eval::Env;
use crate::value::Value;

pub(crate) use encoding::base64_encode;
pub(crate) use string::compile_regex;

/// Every function the compiler resolves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs, reason = "one variant per SQL function of the same name")]
pub(crate) enum Func {
    // Numeric (math.rs)
    Abs,
    Acos,
    Asin,
    Atan,
    Atan2,
    Bitand,
    Bitnot,
    Bitor,
    Bitxor,
    Ceil,
    Cos,
    Cosh,
    Exp,
    Floor,
    Ln,
    Log,
    Mod,
    Nanvl,
    Power,
    Remainder,
    Round,
    Sign,
    Sin,
    Sinh,
    Sqrt,
    Tan,
    Tanh,
    Trunc,
    // String (string.rs)
    Chr,
    Concat,
    Endswith,
    Indexof,
    Length,
    Lower,
    Lpad,
    Ltrim,
    Numbytes,
    RegexpMatches,
    RegexpReplace,
    RegexpSubstr,
    Replace,
    Rpad,
    Rtrim,
    Startswith,
    Substring,
    Trim,
    Upper,
    // Time (time.rs)
    ParseTime,
    TimeToEpoch,
    // Encoding and hashing (encoding.rs)
    Decode,
    /// `decode(*, 'proto', bucket, key, file, message)`: resolved from
    /// `decode` by the compiler, evaluated through [`crate::External`].
    DecodeProto,
    Encode,
    Md2,
    Md5,
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
    // Collections and types (collection.rs)
    Get,
    IsNull,
    IsUndefined,
    Transform,
    // Context (context.rs)
    Accountid,
    Clientid,
    GetMqttProperty,
    GetUserProperties,
    Newuuid,
    Principal,
    Rand,
    Sourceip,
    SqlVersion,
    Timestamp,
    Topic,
    Traceid,
    // External services (context.rs, through crate::External)
    AwsLambda,
    GetDynamodb,
    GetRegistryData,
    GetSecret,
    GetThingShadow,
    MachinelearningPredict,
}

/// What a function depends on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Only its arguments: constant arguments fold at compile time.
    Pure,
    /// The message environment.
    Context,
    /// Another service, through [`crate::External`].
    External,
}

/// A registry row.
pub(crate) struct Spec {
    pub(crate) name: &'static str,
    pub(crate) func: Func,
    pub(crate) min_args: usize,
    pub(crate) max_args: usize,
    pub(crate) arity_text: &'static str,
    /// First available in 2016-03-23.
    pub(crate) v2016: bool,
    pub(crate) kind: Kind,
}

const fn spec(
    name: &'static str,
    func: Func,
    min_args: usize,
    max_args: usize,
    arity_text: &'static str,
    v2016: bool,
    kind: Kind,
) -> Spec {
    Spec {
        name,
        func,
        min_args,
        max_args,
        arity_text,
        v2016,
        kind,
    }
}

use Kind::{Context as C, External as X, Pure as P};

/// All functions, sorted by name.
pub(crate) const REGISTRY: &[Spec] = &[
    spec("abs", Func::Abs, 1, 1, "1", false, P),
    spec("accountid", Func::Accountid, 0, 0, "0", false, C),
    spec("acos", Func::Acos, 1, 1, "1", false, P),
    spec("asin", Func::Asin, 1, 1, "1", false, P),
    spec("atan", Func::Atan, 1, 1, "1", false, P),
    spec("atan2", Func::Atan2, 2, 2, "2", false, P),
    spec("aws_lambda", Func::AwsLambda, 2, 2, "2", false, X),
    spec("bitand", Func::Bitand, 2, 2, "2", false, P),
    spec("bitnot", Func::Bitnot, 1, 1, "1", false, P),
    spec("bitor", Func::Bitor, 2, 2, "2", false, P),
    spec("bitxor", Func::Bitxor, 2, 2, "2", false, P),
    spec("ceil", Func::Ceil, 1, 1, "1", false, P),
    spec("chr", Func::Chr, 1, 1, "1", false, P),
    spec("clientid", Func::Clientid, 0, 0, "0", false, C),
    spec(
        "concat",
        Func::Concat,
        0,
        usize::MAX,
        "any number of",
        false,
        P,
    ),
    spec("cos", Func::Cos, 1, 1, "1", false, P),
    spec("cosh", Func::Cosh, 1, 1, "1", false, P),
    spec("decode", Func::Decode, 2, 6, "2 or 6", true, P),
    spec("encode", Func::Encode, 2, 2, "2", true, P),
    spec("endswith", Func::Endswith, 2, 2, "2", false, P),
    spec("exp", Func::Exp, 1, 1, "1", false, P),
    spec("floor", Func::Floor, 1, 1, "1", false, P),
    spec("get", Func::Get, 2, 2, "2", false, P),
    spec("get_dynamodb", Func::GetDynamodb, 4, 6, "4 or 6", true, X),
    spec(
        "get_mqtt_property",
        Func::GetMqttProperty,
        1,
        1,
        "1",
        true,
        C,
    ),
    spec(
        "get_registry_data",
        Func::GetRegistryData,
        3,
        3,
        "3",
        true,
        X,
    ),
    spec("get_secret", Func::GetSecret, 3, 4, "3 or 4", false, X),
    spec(
        "get_thing_shadow",
        Func::GetThingShadow,
        2,
        3,
        "2 or 3",
        true,
        X,
    ),
    spec(
        "get_user_properties",
        Func::GetUserProperties,
        0,
        1,
        "0 or 1",
        true,
        C,
    ),
    spec("indexof", Func::Indexof, 2, 2, "2", true, P),
    spec("isnull", Func::IsNull, 1, 1, "1", false, P),
    spec("isundefined", Func::IsUndefined, 1, 1, "1", true, P),
    spec("length", Func::Length, 1, 1, "1", true, P),
    spec("ln", Func::Ln, 1, 1, "1", false, P),
    spec("log", Func::Log, 1, 1, "1", false, P),
    spec("lower", Func::Lower, 1, 1, "1", false, P),
    spec("lpad", Func::Lpad, 2, 2, "2", false, P),
    spec("ltrim", Func::Ltrim, 1, 1, "1", false, P),
    spec(
        "machinelearning_predict",
        Func::MachinelearningPredict,
        3,
        3,
        "3",
        false,
        X,
    ),
    spec("md2", Func::Md2, 1, 1, "1", false, P),
    spec("md5", Func::Md5, 1, 1, "1", false, P),
    spec("mod", Func::Mod, 2, 2, "2", false, P),
    spec("nanvl", Func::Nanvl, 2, 2, "2", false, P),
    spec("newuuid", Func::Newuuid, 0, 0, "0", false, C),
    spec("numbytes", Func::Numbytes, 1, 1, "1", true, P),
    spec("parse_time", Func::ParseTime, 2, 3, "2 or 3", true, P),
    spec("power", Func::Power, 2, 2, "2", false, P),
    spec("principal", Func::Principal, 0, 0, "0", false, C),
    spec("rand", Func::Rand, 0, 0, "0", false, C),
    spec("regexp_matches", Func::RegexpMatches, 2, 2, "2", false, P),
    spec("regexp_replace", Func::RegexpReplace, 3, 3, "3", false, P),
    spec("regexp_substr", Func::RegexpSubstr, 2, 2, "2", false, P),
    spec("remainder", Func::Remainder, 2, 2, "2", false, P),
    spec("replace", Func::Replace, 3, 3, "3", false, P),
    spec("round", Func::Round, 1, 1, "1", false, P),
    spec("rpad", Func::Rpad, 2, 2, "2", false, P),
    spec("rtrim", Func::Rtrim, 1, 1, "1", false, P),
    spec("sha1", Func::Sha1, 1, 1, "1", false, P),
    spec("sha224", Func::Sha224, 1, 1, "1", false, P),
    spec("sha256", Func::Sha256, 1, 1, "1", false, P),
    spec("sha384", Func::Sha384, 1, 1, "1", false, P),
    spec("sha512", Func::Sha512, 1, 1, "1", false, P),
    spec("sign", Func::Sign, 1, 1, "1", false, P),
    spec("sin", Func::Sin, 1, 1, "1", false, P),
    spec("sinh", Func::Sinh, 1, 1, "1", false, P),
    spec("sourceip", Func::Sourceip, 0, 0, "0", false, C),
    spec("sql_version", Func::SqlVersion, 0, 0, "0", false, C),
    spec("sqrt", Func::Sqrt, 1, 1, "1", false, P),
    spec("startswith", Func::Startswith, 2, 2, "2", false, P),
    spec("substring", Func::Substring, 2, 3, "2 or 3", false, P),
    spec("tan", Func::Tan, 1, 1, "1", false, P),
    spec("tanh", Func::Tanh, 1, 1, "1", false, P),
    spec("timestamp", Func::Timestamp, 0, 0, "0", false, C),
    spec("time_to_epoch", Func::TimeToEpoch, 2, 2, "2", true, P),
    spec("topic", Func::Topic, 0, 1, "0 or 1", false, C),
    spec("traceid", Func::Traceid, 0, 0, "0", false, C),
    spec("transform", Func::Transform, 3, 3, "3", true, P),
    spec("trim", Func::Trim, 1, 1, "1", false, P),
    spec("trunc", Func::Trunc, 2, 2, "2", false, P),
    spec("upper", Func::Upper, 1, 1, "1", false, P),
];

/// Looks a function up by name, ignoring ASCII case.
pub(crate) fn lookup(name: &str) -> Option<&'static Spec> {
    REGISTRY.iter().find(|s| s.name.eq_ignore_ascii_case(name))
}

/// Names of every supported function, in alphabetical order.
pub fn function_names() -> impl Iterator<Item = &'static str> {
    REGISTRY.iter().map(|s| s.name)
}

/// Calls a pure or context function on evaluated arguments. External
/// functions are dispatched by the evaluator (they can fail).
pub(crate) fn call_pure(
    func: Func,
    args: &[Cow<'_, Value>],
    regex: Option<&regex::Regex>,
) -> Value {
    math::call(func, args)
        .or_else(|| string::call(func, args, regex))
        .or_else(|| encoding::call(func, args))
        .or_else(|| collection::call(func, args))
        .or_else(|| time::call(func, args))
        .unwrap_or(Value::Undefined)
}

/// Calls a context function.
pub(crate) fn call_context(func: Func, args: &[Cow<'_, Value>], env: &Env<'_>) -> Value {
    context::call(func, args, env)
}

/// The `n`th argument, or Undefined.
fn arg<'v>(args: &'v [Cow<'_, Value>], n: usize) -> &'v Value {
    static UNDEFINED: Value = Value::Undefined;
    args.get(n).map_or(&UNDEFINED, |c| &**c)
}

/// Helper for string results.
fn text(s: String) -> Value {
    Value::String(s)
}
