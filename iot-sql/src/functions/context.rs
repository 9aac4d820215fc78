//! Context functions (spec §10.4): values from the message environment
//! ([`crate::Context`]), never from a clock or random source.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

use super::{Func, arg, text};
use crate::decimal::{Decimal, Rounding};
use crate::eval::Env;
use crate::message::Transport;
use crate::value::{Map, Value, to_int_rounded};

pub(super) fn call(func: Func, args: &[Cow<'_, Value>], env: &Env<'_>) -> Value {
    let ctx = env.msg.context;
    let opt = |s: &Option<String>| s.as_ref().map_or(Value::Undefined, |s| text(s.clone()));
    match func {
        Func::Accountid => opt(&ctx.accountid),
        Func::Clientid => match (&ctx.clientid, ctx.transport) {
            (Some(c), _) => text(c.clone()),
            (None, Transport::Mqtt) => Value::Undefined,
            (None, _) => text(String::from("n/a")),
        },
        Func::Principal => opt(&ctx.principal),
        Func::Sourceip => opt(&ctx.sourceip),
        Func::Traceid => match ctx.transport {
            Transport::Mqtt => opt(&ctx.traceid),
            _ => Value::Undefined,
        },
        Func::Newuuid => opt(&ctx.newuuid),
        Func::Timestamp => ctx.timestamp.map_or(Value::Undefined, Value::Int),
        Func::Rand => ctx
            .rand
            .and_then(Decimal::from_f64)
            .map_or(Value::Undefined, Value::Decimal),
        Func::SqlVersion => text(String::from(env.version.as_str())),
        Func::Topic => topic(env.msg.topic, args),
        Func::GetMqttProperty => mqtt_property(env, arg(args, 0)),
        Func::GetUserProperties => user_properties(env, args),
        _ => Value::Undefined,
    }
}

/// `topic()` or `topic(n)` with a 1-based segment number.
fn topic(t: &str, args: &[Cow<'_, Value>]) -> Value {
    let Some(n) = args.first().map(|c| &**c) else {
        return text(String::from(t));
    };
    if matches!(n, Value::Bool(_)) {
        return Value::Undefined;
    }
    match to_int_rounded(n, Rounding::Down) {
        Some(n) if n >= 1 => usize::try_from(n - 1)
            .ok()
            .and_then(|i| t.split('/').nth(i))
            .map_or(Value::Undefined, |s| text(String::from(s))),
        _ => Value::Undefined,
    }
}

fn mqtt_property(env: &Env<'_>, name: &Value) -> Value {
    let Value::String(name) = name else {
        return Value::Undefined;
    };
    let p = &env.msg.context.mqtt;
    let s = |v: &Option<String>| v.as_ref().map_or(Value::Undefined, |s| text(s.clone()));
    match name.as_str() {
        "format_indicator" => p.format_indicator.map_or(Value::Undefined, |utf8| {
            text(String::from(if utf8 {
                "UTF8_DATA"
            } else {
                "UNSPECIFIED_BYTES"
            }))
        }),
        "content_type" => s(&p.content_type),
        "response_topic" => s(&p.response_topic),
        "correlation_data" => p
            .correlation_data
            .as_ref()
            .map_or(Value::Undefined, |d| text(super::base64_encode(d))),
        _ => Value::Undefined,
    }
}

fn user_properties(env: &Env<'_>, args: &[Cow<'_, Value>]) -> Value {
    let props = &env.msg.context.user_properties;
    if props.is_empty() {
        return Value::Undefined;
    }
    match args.first().map(|c| &**c) {
        None => Value::Array(
            props
                .iter()
                .map(|(k, v)| {
                    let mut m = Map::with_capacity(1);
                    m.push_unique(k.clone(), text(v.clone()));
                    Value::Object(m)
                })
                .collect(),
        ),
        Some(Value::String(key)) => {
            let vals: Vec<Value> = props
                .iter()
                .filter(|(k, _)| k == key)
                .map(|(_, v)| text(v.clone()))
                .collect();
            if vals.is_empty() {
                Value::Undefined
            } else {
                Value::Array(vals)
            }
        }
        Some(_) => Value::Undefined,
    }
}
