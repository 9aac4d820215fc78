//! Plan × message → outcome. Values read from the payload are borrowed
//! (`Cow`) until they have to be owned, so projections copy only what they
//! emit.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::cell::Cell;
use core::cmp::Ordering;

use crate::SqlVersion;
use crate::ast::BinOp;
use crate::compile::{CastType, Item, Node, Plan, Projection, SubPlan};
use crate::decimal::{Decimal, Rounding};
use crate::error::EvalError;
use crate::functions::{self, Func, Kind};
use crate::message::{ExternalFunction, Message, ProtobufRequest};
use crate::output::{Outcome, Output};
use crate::value::{
    Arith, Conv, Map, Num, Value, arith, negate, parse_bool_str, sql_cmp, sql_eq, to_logic, to_num,
    to_text,
};

type Result<T> = core::result::Result<T, EvalError>;

/// What evaluation needs besides the node and the current row.
pub(crate) struct Env<'a> {
    pub(crate) msg: &'a Message<'a>,
    pub(crate) version: SqlVersion,
    pub(crate) vars: &'a [Value],
    /// Set once `get_dynamodb` has been called for this message.
    pub(crate) dynamo_called: &'a Cell<bool>,
}

impl Env<'_> {
    fn whole_as_int(&self) -> bool {
        self.version.whole_decimals_are_ints()
    }
}

static UNDEFINED: Value = Value::Undefined;

/// Evaluates a constant node at compile time (no message involved).
pub(crate) fn eval_constant(node: &Node, version: SqlVersion) -> Option<Value> {
    let msg = Message::new("", b"");
    let flag = Cell::new(false);
    let env = Env {
        msg: &msg,
        version,
        vars: &[],
        dynamo_called: &flag,
    };
    eval(node, &UNDEFINED, &env).ok().map(Cow::into_owned)
}

/// Runs a statement against a message.
pub(crate) fn run(plan: &Plan, msg: &Message<'_>) -> Result<Outcome> {
    if let Some(filter) = &plan.from
        && !msg.basic_ingest
        && !topic_match::matches(filter.as_str(), msg.topic)
    {
        return Ok(Outcome::NotTriggered);
    }
    let flag = Cell::new(false);
    let vars = eval_sets(plan, msg, &flag)?;
    let env = Env {
        msg,
        version: plan.version,
        vars: &vars,
        dynamo_called: &flag,
    };
    if let Some(w) = &plan.where_ {
        let cond = eval(w, &msg.payload, &env)?;
        if !matches!(*cond, Value::Bool(true)) {
            return Ok(Outcome::NoMatch);
        }
    }
    let p = &plan.projection;
    if let [Item::Star] = p.items.as_slice() {
        return Ok(Outcome::Emit(match &msg.payload {
            Value::Binary(b) => Output::binary(b.clone(), plan.version),
            Value::Object(_) => Output::object(msg.payload.clone(), plan.version),
            other => Output::bare(other.clone(), plan.version),
        }));
    }
    let v = project(p, &msg.payload, &env, true)?;
    // Returning an array as the whole output came with 2016-03-23 (spec
    // §1.1, §2). Whether `SELECT VALUE x` is an array is known only now:
    // the expressions that are arrays by construction (literals, nested
    // queries) already need 2016-03-23 and are refused when compiled.
    if p.value && !plan.version.is_2016_or_later() && matches!(v, Value::Array(_)) {
        return Err(EvalError::ArrayOutputRequiresVersion);
    }
    Ok(Outcome::Emit(if p.value {
        Output::bare(v, plan.version)
    } else {
        Output::object(v, plan.version)
    }))
}

/// Evaluates the SET assignments in order, each seeing the earlier ones.
pub(crate) fn eval_sets(plan: &Plan, msg: &Message<'_>, flag: &Cell<bool>) -> Result<Vec<Value>> {
    let mut vars: Vec<Value> = Vec::with_capacity(plan.sets.len());
    for node in &plan.sets {
        let v = {
            let env = Env {
                msg,
                version: plan.version,
                vars: &vars,
                dynamo_called: flag,
            };
            eval(node, &msg.payload, &env)?.into_owned()
        };
        vars.push(v);
    }
    Ok(vars)
}

/// A SELECT list over one row: an object, or the bare value for VALUE.
fn project(p: &Projection, row: &Value, env: &Env<'_>, top: bool) -> Result<Value> {
    if p.value {
        let Some(Item::Expr { node, .. }) = p.items.first() else {
            return Ok(Value::Undefined);
        };
        return Ok(eval(node, row, env)?.into_owned());
    }
    let mut out = Map::with_capacity(p.items.len());
    for item in &p.items {
        match item {
            Item::Star => match row {
                Value::Object(m) => {
                    for (k, v) in m.iter() {
                        out.insert(String::from(k), v.clone());
                    }
                }
                Value::Binary(_) if top => return Err(EvalError::BinaryInObject),
                _ => {}
            },
            Item::Expr { key, node } => {
                let v = eval(node, row, env)?;
                if !v.is_undefined() {
                    out.insert(String::from(&**key), v.into_owned());
                }
            }
        }
    }
    Ok(Value::Object(out))
}

fn undefined<'r>() -> Cow<'r, Value> {
    Cow::Owned(Value::Undefined)
}

/// Evaluates one node against the current row.
pub(crate) fn eval<'r>(node: &'r Node, row: &'r Value, env: &Env<'r>) -> Result<Cow<'r, Value>> {
    Ok(match node {
        Node::Const(v) => Cow::Borrowed(v),
        Node::Field(name) => row.get(name).map_or_else(undefined, Cow::Borrowed),
        Node::Star => Cow::Borrowed(row),
        Node::RawPayload => Cow::Owned(Value::Binary(Arc::from(&*env.msg.raw))),
        Node::Var(i) => env.vars.get(*i).map_or_else(undefined, Cow::Borrowed),
        Node::Member(base, name) => match eval(base, row, env)? {
            Cow::Borrowed(v) => v.get(name).map_or_else(undefined, Cow::Borrowed),
            Cow::Owned(Value::Object(mut m)) => {
                Cow::Owned(m.take(name).unwrap_or(Value::Undefined))
            }
            Cow::Owned(_) => undefined(),
        },
        Node::Not(x) => {
            let v = eval(x, row, env)?;
            Cow::Owned(to_logic(&v).map_or(Value::Undefined, |b| Value::Bool(!b)))
        }
        Node::Neg(x) => {
            let v = eval(x, row, env)?;
            Cow::Owned(negate(&v))
        }
        Node::Binary(op, a, b) => {
            let a = eval(a, row, env)?;
            let b = eval(b, row, env)?;
            Cow::Owned(binary(*op, &a, &b, env.whole_as_int()))
        }
        Node::Call(call) => {
            let mut args: Vec<Cow<'r, Value>> = Vec::with_capacity(call.args.len());
            for a in &call.args {
                args.push(eval(a, row, env)?);
            }
            let v = match call.kind {
                Kind::Pure => functions::call_pure(call.func, &args, call.regex.as_deref()),
                Kind::Context => functions::call_context(call.func, &args, env),
                Kind::External => external(call.func, &args, call.span, env)?,
            };
            Cow::Owned(v.normalized(env.whole_as_int()))
        }
        Node::Cast(x, ty) => {
            let v = eval(x, row, env)?;
            Cow::Owned(cast(&v, *ty).normalized(env.whole_as_int()))
        }
        Node::Case(c) => {
            let subject = eval(&c.subject, row, env)?;
            if subject.is_undefined() {
                return Ok(undefined());
            }
            for (w, then) in &c.whens {
                let w = eval(w, row, env)?;
                if sql_eq(&subject, &w) == Some(true) {
                    return eval(then, row, env);
                }
            }
            match &c.else_ {
                Some(e) => eval(e, row, env)?,
                None => undefined(),
            }
        }
        Node::Object(members) => {
            let mut m = Map::with_capacity(members.len());
            for (k, v) in members {
                let v = eval(v, row, env)?;
                if !v.is_undefined() {
                    m.insert(String::from(&**k), v.into_owned());
                }
            }
            Cow::Owned(Value::Object(m))
        }
        Node::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for i in items {
                out.push(eval(i, row, env)?.into_owned());
            }
            Cow::Owned(Value::Array(out))
        }
        Node::Subquery(q) => Cow::Owned(subquery(q, row, env)?),
    })
}

/// A nested query: over an array, one result per element that passes the
/// inner WHERE; over an object, the single projected result.
fn subquery(q: &SubPlan, row: &Value, env: &Env<'_>) -> Result<Value> {
    let src = eval(&q.from, row, env)?;
    let keep = |elem: &Value| -> Result<bool> {
        Ok(match &q.where_ {
            Some(w) => matches!(*eval(w, elem, env)?, Value::Bool(true)),
            None => true,
        })
    };
    match &*src {
        Value::Array(items) => {
            let mut out = Vec::new();
            for elem in items {
                if keep(elem)? {
                    let v = project(&q.projection, elem, env, false)?;
                    if !v.is_undefined() {
                        out.push(v);
                    }
                }
            }
            Ok(Value::Array(out))
        }
        obj @ Value::Object(_) => {
            if keep(obj)? {
                project(&q.projection, obj, env, false)
            } else {
                Ok(Value::Undefined)
            }
        }
        _ => Ok(Value::Undefined),
    }
}

fn binary(op: BinOp, a: &Value, b: &Value, whole_as_int: bool) -> Value {
    let logic = |f: fn(bool, bool) -> bool| match (to_logic(a), to_logic(b)) {
        (Some(x), Some(y)) => Value::Bool(f(x, y)),
        _ => Value::Undefined,
    };
    let order =
        |f: fn(Ordering) -> bool| sql_cmp(a, b).map_or(Value::Undefined, |o| Value::Bool(f(o)));
    match op {
        BinOp::And => logic(|x, y| x && y),
        BinOp::Or => logic(|x, y| x || y),
        BinOp::Eq => sql_eq(a, b).map_or(Value::Undefined, Value::Bool),
        BinOp::Ne => sql_eq(a, b).map_or(Value::Undefined, |e| Value::Bool(!e)),
        BinOp::Lt => order(|o| o == Ordering::Less),
        BinOp::Le => order(|o| o != Ordering::Greater),
        BinOp::Gt => order(|o| o == Ordering::Greater),
        BinOp::Ge => order(|o| o != Ordering::Less),
        BinOp::In => membership(a, b),
        BinOp::Add => arith(Arith::Add, a, b).normalized(whole_as_int),
        BinOp::Sub => arith(Arith::Sub, a, b).normalized(whole_as_int),
        BinOp::Mul => arith(Arith::Mul, a, b).normalized(whole_as_int),
        BinOp::Div => arith(Arith::Div, a, b).normalized(whole_as_int),
        BinOp::Rem => arith(Arith::Rem, a, b).normalized(whole_as_int),
    }
}

/// `x IN arr`: true when some element of the Array `arr` equals `x` under
/// the `=` rules (elements of any type; an Undefined element matches
/// nothing); Undefined when `x` is Undefined or `arr` is not an Array.
fn membership(x: &Value, arr: &Value) -> Value {
    match (x, arr) {
        (Value::Undefined, _) => Value::Undefined,
        (_, Value::Array(items)) => Value::Bool(items.iter().any(|e| sql_eq(x, e) == Some(true))),
        _ => Value::Undefined,
    }
}

/// `cast(x AS T)` (spec §10.6): Booleans become 1/0 and numbers Booleans,
/// Decimal → Int rounds down, and Null gives Undefined for every target.
pub(crate) fn cast(v: &Value, ty: CastType) -> Value {
    if matches!(v, Value::Null | Value::Undefined | Value::Binary(_)) {
        return Value::Undefined;
    }
    match ty {
        CastType::String => to_text(v).map_or(Value::Undefined, Value::String),
        CastType::Int => match v {
            Value::Bool(b) => Value::Int(i64::from(*b)),
            _ => match to_num(v) {
                Conv::Val(Num::Int(i)) => Value::Int(i),
                Conv::Val(Num::Dec(d)) => {
                    let r = d.round_with(Rounding::Down);
                    r.to_i64_exact().map_or(Value::Decimal(r), Value::Int)
                }
                _ => Value::Undefined,
            },
        },
        CastType::Double | CastType::Decimal => match v {
            Value::Bool(b) => Value::Decimal(Decimal::from_i64(i64::from(*b))),
            _ => match to_num(v) {
                Conv::Val(n) => {
                    let d = n.to_decimal();
                    if ty == CastType::Double {
                        Decimal::from_f64(d.to_f64()).map_or(Value::Undefined, Value::Decimal)
                    } else {
                        Value::Decimal(d)
                    }
                }
                _ => Value::Undefined,
            },
        },
        CastType::Bool => match v {
            Value::Bool(b) => Value::Bool(*b),
            Value::String(s) => parse_bool_str(s).map_or(Value::Undefined, Value::Bool),
            Value::Int(i) => Value::Bool(*i != 0),
            Value::Decimal(d) => Value::Bool(!d.is_zero()),
            _ => Value::Undefined,
        },
    }
}

fn external(
    func: Func,
    args: &[Cow<'_, Value>],
    span: crate::Span,
    env: &Env<'_>,
) -> Result<Value> {
    if func == Func::DecodeProto {
        return decode_proto(args, span, env);
    }
    let which = match func {
        Func::AwsLambda => ExternalFunction::AwsLambda,
        Func::GetDynamodb => ExternalFunction::GetDynamoDb,
        Func::GetSecret => ExternalFunction::GetSecret,
        Func::GetThingShadow => ExternalFunction::GetThingShadow,
        Func::GetRegistryData => ExternalFunction::GetRegistryData,
        _ => ExternalFunction::MachineLearningPredict,
    };
    let Some(provider) = env.msg.external else {
        return Err(EvalError::NoProvider {
            function: which.name(),
            span,
        });
    };
    if which == ExternalFunction::GetDynamoDb && env.dynamo_called.replace(true) {
        return Err(EvalError::DynamoDbCalledTwice { span });
    }
    let owned: Vec<Value> = args.iter().map(|a| a.as_ref().clone()).collect();
    provider
        .call(which, &owned)
        .map_err(|message| EvalError::External {
            function: which.name(),
            message,
            span,
        })
}

/// `decode(*, 'proto', bucket, key, file, message)` through the provider.
fn decode_proto(args: &[Cow<'_, Value>], span: crate::Span, env: &Env<'_>) -> Result<Value> {
    let Some(provider) = env.msg.external else {
        return Err(EvalError::NoProvider {
            function: "decode",
            span,
        });
    };
    let text = |i: usize| match args.get(i).map(AsRef::as_ref) {
        Some(Value::String(s)) => s.as_str(),
        _ => "",
    };
    let payload: &[u8] = match args.first().map(AsRef::as_ref) {
        Some(Value::Binary(b)) => b,
        _ => &env.msg.raw,
    };
    let request = ProtobufRequest {
        bucket: text(2),
        key: text(3),
        file: text(4),
        message_type: text(5),
        payload,
    };
    provider
        .decode_protobuf(&request)
        .map_err(|message| EvalError::External {
            function: "decode",
            message,
            span,
        })
}
