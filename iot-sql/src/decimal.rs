//! A 34-significant-digit decimal number, the precision AWS IoT SQL documents
//! for its `Decimal` type (IEEE 754 decimal128 precision).
//!
//! The value is `mantissa × 10^exponent` with `|mantissa| < 10^34`, kept in a
//! canonical form (no trailing zeros in the mantissa, zero is `0 × 10^0`), so
//! two equal numbers have equal fields. Results of arithmetic are rounded to
//! 34 significant digits, half to even. The exponent is bounded to the
//! documented range (`1E-999` … `9.999…E999`): results above it are `None`
//! (the operator yields Undefined), results below it become zero.

use alloc::string::String;
use core::cmp::Ordering;
use core::fmt::{self, Write as _};

/// Number of significant digits kept.
pub(crate) const PRECISION: u32 = 34;
const MAX_ADJUSTED_EXP: i64 = 999;
const MIN_ADJUSTED_EXP: i64 = -999;

/// `10^n` for `n <= 38`.
const fn pow10(n: u32) -> u128 {
    let mut v: u128 = 1;
    let mut i = 0;
    while i < n {
        v *= 10;
        i += 1;
    }
    v
}

const P17: u128 = pow10(17);
const P34: u128 = pow10(PRECISION);

fn digits(mut v: u128) -> u32 {
    let mut n = 1;
    while v >= 10 {
        v /= 10;
        n += 1;
    }
    n
}

/// A decimal number with 34 significant digits. See the module docs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Decimal {
    mantissa: i128,
    exponent: i32,
}

impl Decimal {
    /// Zero.
    pub const ZERO: Self = Self {
        mantissa: 0,
        exponent: 0,
    };

    /// Builds `sign × magnitude × 10^exponent`, rounding the magnitude to 34
    /// digits (half to even, `sticky` telling that non-zero digits were
    /// already dropped below `magnitude`). `None` when the exponent overflows.
    fn from_parts(negative: bool, mut mag: u128, exp: i64, sticky: bool) -> Option<Self> {
        if mag == 0 {
            return Some(Self::ZERO);
        }
        // Far outside the range either way; keeps the arithmetic below exact.
        let mut exp = exp.clamp(-(1 << 40), 1 << 40);
        let d = digits(mag);
        if d > PRECISION {
            let drop = d - PRECISION;
            let div = pow10(drop);
            let rem = mag % div;
            mag /= div;
            exp += i64::from(drop);
            let half = div / 2;
            let round_up = rem > half || (rem == half && (sticky || mag % 2 == 1));
            if round_up {
                mag += 1;
                if mag == P34 {
                    mag /= 10;
                    exp += 1;
                }
            }
        }
        while mag.is_multiple_of(10) {
            mag /= 10;
            exp += 1;
        }
        let adjusted = exp + i64::from(digits(mag)) - 1;
        if adjusted > MAX_ADJUSTED_EXP {
            return None;
        }
        if adjusted < MIN_ADJUSTED_EXP {
            return Some(Self::ZERO);
        }
        let exponent = i32::try_from(exp).ok()?;
        let m = i128::try_from(mag).ok()?;
        Some(Self {
            mantissa: if negative { -m } else { m },
            exponent,
        })
    }

    /// The decimal value of an integer.
    #[must_use]
    pub fn from_i64(v: i64) -> Self {
        Self::from_parts(v < 0, u128::from(v.unsigned_abs()), 0, false).unwrap_or(Self::ZERO)
    }

    /// Parses decimal text: `-?digits[.digits][(e|E)[+|-]digits]`. With
    /// `strict` (the SQL string-to-number rule) a `+` in the exponent is
    /// refused. Leading zeros are accepted. `None` for anything else or for an
    /// exponent out of range.
    pub(crate) fn parse(s: &str, strict: bool) -> Option<Self> {
        let b = s.as_bytes();
        let mut i = 0;
        let negative = b.first() == Some(&b'-');
        if negative {
            i += 1;
        }
        let mut mag: u128 = 0;
        let mut exp: i64 = 0;
        let mut sticky = false;
        let mut int_digits = 0;
        while let Some(&c) = b.get(i) {
            if !c.is_ascii_digit() {
                break;
            }
            push_digit(&mut mag, &mut exp, &mut sticky, c, false);
            int_digits += 1;
            i += 1;
        }
        if int_digits == 0 {
            return None;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            let mut frac = 0;
            while let Some(&c) = b.get(i) {
                if !c.is_ascii_digit() {
                    break;
                }
                push_digit(&mut mag, &mut exp, &mut sticky, c, true);
                frac += 1;
                i += 1;
            }
            if frac == 0 {
                return None;
            }
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            let mut exp_neg = false;
            match b.get(i) {
                Some(b'-') => {
                    exp_neg = true;
                    i += 1;
                }
                Some(b'+') if !strict => i += 1,
                _ => {}
            }
            let mut e: i64 = 0;
            let mut n = 0;
            while let Some(&c) = b.get(i) {
                if !c.is_ascii_digit() {
                    break;
                }
                e = e.saturating_mul(10).saturating_add(i64::from(c - b'0'));
                n += 1;
                i += 1;
            }
            if n == 0 {
                return None;
            }
            exp = exp.saturating_add(if exp_neg { -e } else { e });
        }
        if i != b.len() {
            return None;
        }
        Self::from_parts(negative, mag, exp, sticky)
    }

    /// The nearest decimal to a finite double (shortest round-trip digits);
    /// `None` for NaN and infinities.
    #[must_use]
    pub fn from_f64(v: f64) -> Option<Self> {
        if !v.is_finite() {
            return None;
        }
        let mut s = String::new();
        write!(s, "{v:e}").ok()?;
        Self::parse(&s, false)
    }

    /// The nearest double.
    #[must_use]
    pub fn to_f64(self) -> f64 {
        const EXACT: [f64; 23] = [
            1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
            1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
        ];
        if self.mantissa.unsigned_abs() < (1u128 << 53)
            && let Some(&p) = EXACT.get(self.exponent.unsigned_abs() as usize)
        {
            #[expect(clippy::cast_precision_loss, reason = "mantissa < 2^53 is exact")]
            let m = self.mantissa as f64;
            return if self.exponent >= 0 { m * p } else { m / p };
        }
        let mut s = String::new();
        if write!(s, "{}E{}", self.mantissa, self.exponent).is_err() {
            return f64::NAN;
        }
        s.parse().unwrap_or(f64::NAN)
    }

    /// `Some(i)` when the value is a whole number that fits an `i64`.
    #[must_use]
    pub fn to_i64_exact(self) -> Option<i64> {
        if self.exponent < 0 {
            return None;
        }
        let scale = i128::try_from(pow10(u32::try_from(self.exponent).ok()?.min(38))).ok()?;
        i64::try_from(self.mantissa.checked_mul(scale)?).ok()
    }

    /// Is this a whole number?
    #[must_use]
    pub fn is_integer(self) -> bool {
        self.exponent >= 0
    }

    /// Is this negative?
    #[must_use]
    pub fn is_negative(self) -> bool {
        self.mantissa < 0
    }

    /// Is this zero?
    #[must_use]
    pub fn is_zero(self) -> bool {
        self.mantissa == 0
    }

    /// `-self`.
    #[must_use]
    pub fn negated(self) -> Self {
        Self {
            mantissa: -self.mantissa,
            exponent: self.exponent,
        }
    }

    /// `|self|`.
    #[must_use]
    pub fn abs(self) -> Self {
        Self {
            mantissa: self.mantissa.abs(),
            exponent: self.exponent,
        }
    }

    /// Sign: -1, 0 or 1.
    #[must_use]
    pub fn signum(self) -> i64 {
        match self.mantissa.cmp(&0) {
            Ordering::Less => -1,
            Ordering::Equal => 0,
            Ordering::Greater => 1,
        }
    }

    /// Sum, rounded to 34 digits; `None` on overflow.
    #[must_use]
    pub fn checked_add(self, other: Self) -> Option<Self> {
        if self.mantissa == 0 {
            return Some(other);
        }
        if other.mantissa == 0 {
            return Some(self);
        }
        let (hi, lo) = if self.exponent >= other.exponent {
            (self, other)
        } else {
            (other, self)
        };
        let diff = i64::from(hi.exponent) - i64::from(lo.exponent);
        let hi_digits = digits(hi.mantissa.unsigned_abs());
        // Scale the operand with the larger exponent up to at most 37 digits.
        let shift = u32::try_from(diff).unwrap_or(u32::MAX).min(37 - hi_digits);
        let hi_m = hi.mantissa * i128::try_from(pow10(shift)).ok()?;
        let exp = i64::from(hi.exponent) - i64::from(shift);
        // Shift the other right by what is left, remembering dropped digits.
        let right = u32::try_from(diff - i64::from(shift)).unwrap_or(u32::MAX);
        let (lo_m, sticky) = if right == 0 {
            (lo.mantissa, false)
        } else if right > 38 {
            (0, true)
        } else {
            let div = i128::try_from(pow10(right)).ok()?;
            (lo.mantissa / div, lo.mantissa % div != 0)
        };
        let mut sum = hi_m + lo_m;
        if sticky && lo_m == 0 {
            // Below every kept digit: nudge one guard unit so a tie rounds right.
            sum = sum * 10 + lo.mantissa.signum();
            return Self::from_parts(sum < 0, sum.unsigned_abs(), exp - 1, true);
        }
        Self::from_parts(sum < 0, sum.unsigned_abs(), exp, sticky)
    }

    /// Difference, rounded to 34 digits; `None` on overflow.
    #[must_use]
    pub fn checked_sub(self, other: Self) -> Option<Self> {
        self.checked_add(other.negated())
    }

    /// Product, rounded to 34 digits; `None` on overflow.
    #[must_use]
    pub fn checked_mul(self, other: Self) -> Option<Self> {
        let negative = (self.mantissa < 0) != (other.mantissa < 0);
        let a = self.mantissa.unsigned_abs();
        let b = other.mantissa.unsigned_abs();
        let exp = i64::from(self.exponent) + i64::from(other.exponent);
        if let Some(p) = a.checked_mul(b) {
            return Self::from_parts(negative, p, exp, false);
        }
        // Both below 10^34: split at 10^17 so every partial product fits.
        let (ah, al) = (a / P17, a % P17);
        let (bh, bl) = (b / P17, b % P17);
        let mid = ah * bl + al * bh;
        let mut low = al * bl + (mid % P17) * P17;
        let high = ah * bh + mid / P17 + low / P34;
        low %= P34;
        // value = high × 10^34 + low; keep 34 digits of it.
        let hd = digits(high);
        let keep_low = PRECISION - hd.min(PRECISION);
        let div = pow10(PRECISION - keep_low);
        let top = high * pow10(keep_low) + low / div;
        let rem = low % div;
        let half = div / 2;
        let mut mag = top;
        let mut e = exp + i64::from(PRECISION - keep_low);
        if rem > half || (rem == half && mag % 2 == 1) {
            mag += 1;
            if mag == P34 {
                mag /= 10;
                e += 1;
            }
        }
        Self::from_parts(negative, mag, e, false)
    }

    /// Quotient, rounded to 34 digits; `None` for division by zero or overflow.
    #[must_use]
    pub fn checked_div(self, other: Self) -> Option<Self> {
        if other.mantissa == 0 {
            return None;
        }
        let negative = (self.mantissa < 0) != (other.mantissa < 0);
        let a = self.mantissa.unsigned_abs();
        let b = other.mantissa.unsigned_abs();
        let mut exp = i64::from(self.exponent) - i64::from(other.exponent);
        let mut q = a / b;
        let mut r = a % b;
        while r != 0 && q < pow10(PRECISION + 1) {
            r *= 10;
            q = q * 10 + r / b;
            r %= b;
            exp -= 1;
        }
        Self::from_parts(negative, q, exp, r != 0)
    }

    /// Remainder of truncating division (sign of the dividend); `None` for a
    /// zero divisor or operands too far apart in scale.
    #[must_use]
    pub fn checked_rem(self, other: Self) -> Option<Self> {
        if other.mantissa == 0 {
            return None;
        }
        let exp = self.exponent.min(other.exponent);
        let scale = |d: Decimal| -> Option<i128> {
            let shift = u32::try_from(d.exponent - exp).ok()?;
            d.mantissa
                .checked_mul(i128::try_from(10u128.checked_pow(shift)?).ok()?)
        };
        let (a, b) = (scale(self)?, scale(other)?);
        let r = a % b;
        Self::from_parts(r < 0, r.unsigned_abs(), i64::from(exp), false)
    }

    /// Numeric comparison.
    #[must_use]
    pub fn compare(self, other: Self) -> Ordering {
        match self.checked_sub(other) {
            Some(d) => d.mantissa.cmp(&0),
            // Overflow: the operands have opposite signs and huge magnitudes.
            None => self.mantissa.cmp(&other.mantissa),
        }
    }

    /// Drops the digits after `places` decimal places (toward zero).
    #[must_use]
    pub fn trunc_places(self, places: u32) -> Self {
        let places = i64::from(places);
        let exp = i64::from(self.exponent);
        if exp >= -places {
            return self;
        }
        let drop = u32::try_from(-places - exp).unwrap_or(u32::MAX);
        if drop > 38 {
            return Self::ZERO;
        }
        let m = self.mantissa / i128::try_from(pow10(drop)).unwrap_or(i128::MAX);
        Self::from_parts(m < 0, m.unsigned_abs(), -places, false).unwrap_or(Self::ZERO)
    }

    /// Rounds to a whole number with the given rule.
    #[must_use]
    pub fn round_with(self, mode: Rounding) -> Self {
        if self.exponent >= 0 {
            return self;
        }
        let drop = self.exponent.unsigned_abs();
        if drop > 38 {
            // |self| < 1.
            let up = match mode {
                Rounding::Floor => self.mantissa < 0,
                Rounding::Ceil => self.mantissa > 0,
                Rounding::Down | Rounding::HalfAwayFromZero => false,
            };
            return if up {
                Self::from_i64(self.mantissa.signum() as i64)
            } else {
                Self::ZERO
            };
        }
        let div = i128::try_from(pow10(drop)).unwrap_or(i128::MAX);
        let q = self.mantissa / div;
        let r = self.mantissa % div;
        let adj = match mode {
            Rounding::Down => 0,
            Rounding::Floor => i128::from(r < 0).wrapping_neg(),
            Rounding::Ceil => i128::from(r > 0),
            Rounding::HalfAwayFromZero => {
                if r.unsigned_abs() * 2 >= div.unsigned_abs() {
                    r.signum()
                } else {
                    0
                }
            }
        };
        let m = q + adj;
        Self::from_parts(m < 0, m.unsigned_abs(), 0, false).unwrap_or(Self::ZERO)
    }

    /// Writes the number as JSON text. Whole numbers print as integers when
    /// `whole_as_int` (SQL 2016-03-23), else with a `.0` (2015-10-08).
    pub(crate) fn write_json(self, out: &mut String, whole_as_int: bool) {
        let neg = self.mantissa < 0;
        let mut ds = String::new();
        let _ = write!(ds, "{}", self.mantissa.unsigned_abs());
        let n = i64::try_from(ds.len()).unwrap_or(0);
        let exp = i64::from(self.exponent);
        let adjusted = exp + n - 1;
        if neg {
            out.push('-');
        }
        if exp >= 0 && adjusted < 34 {
            out.push_str(&ds);
            for _ in 0..exp {
                out.push('0');
            }
            if !whole_as_int {
                out.push_str(".0");
            }
        } else if exp < 0 && adjusted >= -7 {
            let point = n + exp;
            if point <= 0 {
                out.push_str("0.");
                for _ in 0..-point {
                    out.push('0');
                }
                out.push_str(&ds);
            } else {
                let (a, b) = ds.split_at(usize::try_from(point).unwrap_or(0));
                out.push_str(a);
                out.push('.');
                out.push_str(b);
            }
        } else {
            let (a, b) = ds.split_at(1);
            out.push_str(a);
            if !b.is_empty() {
                out.push('.');
                out.push_str(b);
            }
            let _ = write!(out, "E{adjusted}");
        }
    }
}

/// How [`Decimal::round_with`] rounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rounding {
    /// Toward zero.
    Down,
    /// Toward negative infinity.
    Floor,
    /// Toward positive infinity.
    Ceil,
    /// To nearest, halves away from zero.
    HalfAwayFromZero,
}

fn push_digit(mag: &mut u128, exp: &mut i64, sticky: &mut bool, c: u8, fraction: bool) {
    let d = u128::from(c - b'0');
    if *mag < pow10(PRECISION + 2) {
        *mag = *mag * 10 + d;
        if fraction {
            *exp -= 1;
        }
    } else {
        // Beyond the guard digits: only remember that something was dropped.
        *sticky |= d != 0;
        if !fraction {
            *exp += 1;
        }
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        self.write_json(&mut s, false);
        f.write_str(&s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    fn d(s: &str) -> Decimal {
        Decimal::parse(s, false).unwrap()
    }

    #[test]
    fn parse_and_print() {
        assert_eq!(d("54.98").to_string(), "54.98");
        assert_eq!(d("10.0").to_string(), "10.0");
        assert_eq!(d("-0.001").to_string(), "-0.001");
        assert_eq!(d("5E-12").to_string(), "5E-12");
        assert_eq!(d("-2.411E247").to_string(), "-2.411E247");
        assert!(Decimal::parse("1e+5", true).is_none());
        assert!(Decimal::parse("1.", false).is_none());
        assert!(Decimal::parse(".5", false).is_none());
        assert!(Decimal::parse("1E1000", false).is_none());
        assert_eq!(d("1E-1001"), Decimal::ZERO);
        // Exponents far beyond i64 saturate instead of overflowing.
        assert!(Decimal::parse("1E99999999999999999999999", false).is_none());
        assert_eq!(d("1E-99999999999999999999999"), Decimal::ZERO);
    }

    #[test]
    fn thirty_four_digits_are_kept() {
        let a = d("1234567890123456789012345678901234");
        assert_eq!(a.to_string(), "1234567890123456789012345678901234.0");
        // The 35th digit rounds half to even.
        assert_eq!(
            d("12345678901234567890123456789012345").to_string(),
            "1.234567890123456789012345678901234E34"
        );
        assert_eq!(d("0.1").checked_add(d("0.2")).unwrap(), d("0.3"));
    }

    #[test]
    fn arithmetic() {
        assert_eq!(d("1.5").checked_mul(d("2.5")).unwrap(), d("3.75"));
        assert_eq!(
            d("1").checked_div(d("3")).unwrap().to_string(),
            "0.3333333333333333333333333333333333"
        );
        assert_eq!(d("8.5").checked_rem(d("3")).unwrap(), d("2.5"));
        assert_eq!(d("-8.5").checked_rem(d("3")).unwrap(), d("-2.5"));
        // Operands too far apart in scale: no answer rather than an overflow.
        assert!(d("1E60").checked_rem(d("0.3")).is_none());
        assert_eq!(d("1E30").checked_rem(d("7")).unwrap(), d("1"));
        let big = d("9999999999999999999999999999999999");
        assert_eq!(
            big.checked_mul(big).unwrap().to_string(),
            "9.999999999999999999999999999999998E67"
        );
        assert_eq!(big.checked_add(d("1E-40")).unwrap(), big);
        assert!(d("9E999").checked_mul(d("10")).is_none());
        assert!(d("1").checked_div(Decimal::ZERO).is_none());
    }

    #[test]
    fn rounding() {
        assert_eq!(d("1.5").round_with(Rounding::HalfAwayFromZero), d("2"));
        assert_eq!(d("-1.5").round_with(Rounding::HalfAwayFromZero), d("-2"));
        assert_eq!(d("-1.1").round_with(Rounding::HalfAwayFromZero), d("-1"));
        assert_eq!(d("-1.1").round_with(Rounding::Floor), d("-2"));
        assert_eq!(d("1.1").round_with(Rounding::Ceil), d("2"));
        assert_eq!(d("2.745").round_with(Rounding::Down), d("2"));
        assert_eq!(d("2.3123").trunc_places(2), d("2.31"));
    }

    #[test]
    fn doubles() {
        assert_eq!(Decimal::from_f64(0.1).unwrap(), d("0.1"));
        assert!((d("1.5707963267948966").to_f64() - core::f64::consts::FRAC_PI_2).abs() < 1e-15);
        assert!(Decimal::from_f64(f64::NAN).is_none());
    }
}
