//! Numeric functions (spec §10.1).

use alloc::borrow::Cow;

use super::{Func, arg};
use crate::decimal::{Decimal, Rounding};
use crate::value::{Arith, Conv, Num, Value, num_op, to_decimal, to_int_rounded, to_num};

pub(super) fn call(func: Func, args: &[Cow<'_, Value>]) -> Option<Value> {
    let a = arg(args, 0);
    let b = arg(args, 1);
    Some(match func {
        Func::Abs => match to_num(a) {
            Conv::Val(Num::Int(i)) => i
                .checked_abs()
                .map_or_else(|| Value::Decimal(Decimal::from_i64(i).abs()), Value::Int),
            Conv::Val(Num::Dec(d)) => Value::Decimal(d.abs()),
            _ => Value::Undefined,
        },
        Func::Acos => double(a, libm::acos),
        Func::Asin => double(a, libm::asin),
        Func::Atan => double(a, libm::atan),
        Func::Atan2 => double2(a, b, libm::atan2),
        Func::Cos => double(a, libm::cos),
        Func::Cosh => double(a, libm::cosh),
        Func::Sin => double(a, libm::sin),
        Func::Sinh => double(a, libm::sinh),
        Func::Tan => double(a, libm::tan),
        Func::Tanh => double(a, libm::tanh),
        Func::Exp => double(a, libm::exp),
        Func::Ln => double(a, |x| if x > 0.0 { libm::log(x) } else { f64::NAN }),
        Func::Log => double(a, |x| if x > 0.0 { libm::log10(x) } else { f64::NAN }),
        Func::Sqrt => double(a, libm::sqrt),
        Func::Power => double2(a, b, libm::pow),
        Func::Ceil => round(a, Rounding::Ceil),
        Func::Floor => round(a, Rounding::Floor),
        Func::Round => round(a, Rounding::HalfAwayFromZero),
        Func::Sign => match to_num(a) {
            Conv::Val(Num::Int(i)) => Value::Int(i.signum()),
            Conv::Val(Num::Dec(d)) => Value::Int(d.signum()),
            _ => Value::Undefined,
        },
        Func::Mod | Func::Remainder => match (to_num(a), to_num(b)) {
            (Conv::Val(x), Conv::Val(y)) => {
                num_op(Arith::Rem, x, y).map_or(Value::Undefined, Num::into_value)
            }
            _ => Value::Undefined,
        },
        Func::Trunc => trunc(a, b),
        Func::Nanvl => match a {
            // No NaN Decimal exists here (double functions return Undefined
            // instead), so only Undefined and Null select the fallback.
            Value::Undefined | Value::Null => b.clone(),
            other => other.clone(),
        },
        Func::Bitand => bits2(a, b, |x, y| x & y),
        Func::Bitor => bits2(a, b, |x, y| x | y),
        Func::Bitxor => bits2(a, b, |x, y| x ^ y),
        Func::Bitnot => {
            to_int_rounded(a, Rounding::Down).map_or(Value::Undefined, |x| Value::Int(!x))
        }
        _ => return None,
    })
}

/// Double-precision function of one argument; NaN and infinities (outside
/// the domain) are Undefined.
fn double(a: &Value, f: impl Fn(f64) -> f64) -> Value {
    to_decimal(a)
        .and_then(|d| Decimal::from_f64(f(d.to_f64())))
        .map_or(Value::Undefined, Value::Decimal)
}

fn double2(a: &Value, b: &Value, f: impl Fn(f64, f64) -> f64) -> Value {
    match (to_decimal(a), to_decimal(b)) {
        (Some(x), Some(y)) => {
            Decimal::from_f64(f(x.to_f64(), y.to_f64())).map_or(Value::Undefined, Value::Decimal)
        }
        _ => Value::Undefined,
    }
}

fn round(a: &Value, mode: Rounding) -> Value {
    match to_num(a) {
        Conv::Val(Num::Int(i)) => Value::Int(i),
        Conv::Val(Num::Dec(d)) => {
            let r = d.round_with(mode);
            r.to_i64_exact().map_or(Value::Decimal(r), Value::Int)
        }
        _ => Value::Undefined,
    }
}

fn trunc(a: &Value, b: &Value) -> Value {
    let Some(places) = to_int_rounded(b, Rounding::Down) else {
        return Value::Undefined;
    };
    let places = u32::try_from(places.clamp(0, 34)).unwrap_or(0);
    match to_num(a) {
        Conv::Val(Num::Int(i)) => Value::Int(i),
        Conv::Val(Num::Dec(d)) => Value::Decimal(d.trunc_places(places)),
        _ => Value::Undefined,
    }
}

fn bits2(a: &Value, b: &Value, f: impl Fn(i64, i64) -> i64) -> Value {
    match (
        to_int_rounded(a, Rounding::Down),
        to_int_rounded(b, Rounding::Down),
    ) {
        (Some(x), Some(y)) => Value::Int(f(x, y)),
        _ => Value::Undefined,
    }
}
