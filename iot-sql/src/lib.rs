#![doc = include_str!("../README.md")]
//!
//! # Layers
//!
//! | stage | module | type |
//! |---|---|---|
//! | text → syntax tree | `parse.rs` (the only user of pest), `grammar.pest`, `ast.rs` | spanned AST |
//! | syntax tree → plan | `compile.rs` | [`Rule`] (`Send + Sync`) |
//! | payload bytes → value | `json.rs`, `value.rs`, `decimal.rs` | [`Value`], [`Message`] |
//! | plan × message → output | `eval.rs`, `functions/` | [`Outcome`], [`Output`] |
//! | templates | `template.rs` | [`Template`] |
//! | syntax tree → canonical text | `print.rs` | [`Rule::to_sql`] |
//!
//! # Values and numbers
//!
//! Payloads are read by the crate's own JSON reader so numbers stay exact:
//! integers that fit an `i64` are `Int`, every other number is a `Decimal`
//! with 34 significant digits (rounded half to even; range `1E-999` to
//! `9.99…E999`), as the AWS data-types page documents. Functions the docs
//! describe as "double precision" (trigonometry, `exp`, `ln`, `log`,
//! `power`, `sqrt`, `cast(… AS Double)`) compute in IEEE doubles with
//! `libm`, identically on every platform. Int arithmetic that overflows
//! `i64` continues in Decimal.
//!
//! # Limits
//!
//! | limit | value |
//! |---|---|
//! | statement or template length | [`MAX_SQL_LEN`] bytes |
//! | bracket and CASE nesting | [`MAX_DEPTH`] |
//! | expression tree depth (nesting plus operator chains) | [`MAX_TREE_DEPTH`] |
//! | payload JSON nesting | [`MAX_JSON_DEPTH`] (deeper payloads are treated as binary) |
//! | `lpad`/`rpad` count | 0…1000 |
//! | `trunc` places | 0…34 |
//! | `transform` result | 128 KiB (larger is Undefined) |
//! | regular expressions | compiled program ≤ 1 MiB, nesting ≤ 64 (else Undefined) |
//!
//! # Choices and deviations
//!
//! Where the AWS documentation contradicts itself (spec §15) this crate
//! picks one reading; items 1–17 are tested in `tests/choices.rs`, items
//! 18–20 (where the docs are incomplete rather than contradictory) in
//! `tests/in_operator.rs`, `tests/value_arrays.rs` and `tests/protobuf.rs`.
//!
//! 1. **`NOT`** returns the negation (the page's "otherwise, returns true" is a typo).
//! 2. **Decimal → Int**: functions and `cast` round down (toward zero for
//!    `cast`, toward −∞ only where the docs say floor); `round()` rounds half
//!    away from zero, following its examples (`round(-1.5)` = −2).
//! 3. **`bitnot(13)`** is −14 (64-bit two's complement), not the documented 2
//!    (a 4-bit view no other function uses).
//! 4. **`get("abc", 1)`** is `"b"`: the table's 0-based index wins over the example.
//! 5. **`concat(x)`** with one argument returns `x` unchanged (the table), so
//!    `concat(1)` is `1`, not `"1"`.
//! 6. **`ltrim`/`rtrim`** remove whitespace at one end only (`ltrim(" h i ")` = `"h i "`).
//! 7. `bitxor(13, 5)` is 8 (the example's `bitor` label is a typo).
//! 8. `cast(x AS String)` of a String is the identity.
//! 9. (The array-literal example's 47.606 vs 47.696 needs no choice.)
//! 10. **`NULL = NULL`** is true and **Boolean = Boolean** compares values.
//! 11. **Int / Int** is an Int truncated toward zero (`7 / 2` = 3), following
//!     the operator table; the SET example's `23.89` cannot come from any
//!     documented rule.
//! 12. **AND / OR** evaluate both sides (no short circuit; `false AND 5` is
//!     Undefined); precedence is the usual SQL one: OR < AND < NOT <
//!     comparison (`= <> < <= > >= IN`) < `+ -` < `* / %` < unary minus <
//!     `.` member access.
//! 13. **Un-aliased items** are keyed by a path's last segment
//!     (`SELECT a.b` → `"b"`), a variable's name, or the function name;
//!     other expressions get `_N` (their 1-based position).
//! 14. `topic(n)` takes a whole segment number (1-based); out of range is Undefined.
//! 15. **`decode`** of undecodable input is Null, as documented.
//! 16. **Features newer than the rule's version** (literals, nested queries,
//!     `decode`, `cast(… AS Decimal)`, …) are rejected when the rule is
//!     compiled ([`ErrorKind::RequiresVersion`]), not evaluated to Undefined.
//! 17. **External functions** stop the rule with an [`EvalError`] when no
//!     provider is configured or the provider fails (AWS "fails with an
//!     exception"); they never silently become Undefined.
//! 18. **`IN`** (`x IN arr`, comparison precedence, any SQL version) is true
//!     when an element of the Array `arr` equals `x` under the `=` rules
//!     (Int/Decimal numerically, arrays in order, objects by key set), false
//!     when none does. The operand table read (the operators page's Chinese
//!     edition; the English table was not retrievable) lists Int, Decimal,
//!     String, Array and Object left operands with an Array right operand;
//!     **unconfirmed choices**: a right operand that is not an Array, or an
//!     Undefined left operand, gives Undefined; Boolean and Null left
//!     operands are compared like the others (`null IN [null]` is true).
//! 19. **`SELECT VALUE` of an array under 2015-10-08** stops the rule with
//!     [`EvalError::ArrayOutputRequiresVersion`]: an array as the whole
//!     output came with 2016-03-23. Whether the value is an array is known
//!     only at evaluation; array literals and nested queries are refused at
//!     compile time like every 2016 feature. Stopping the rule (rather than
//!     emitting nothing) is an unconfirmed choice; `SELECT *` of a JSON array
//!     payload is not affected.
//! 20. **`decode(*, 'proto', bucket, key, file, message)`** takes `*` and five
//!     string literals (checked at compile time: any other count is an
//!     arity error, any other argument [`ErrorKind::ProtobufDecodeArgument`])
//!     and calls [`External::decode_protobuf`] with the raw payload; the
//!     embedder reads the descriptor set and decodes. Requiring `*` as the
//!     value follows the documented form; whether AWS accepts other values
//!     is unconfirmed.
//!
//! Other readings where the docs are silent: `nanvl(a, b)` returns `a`
//! for every defined non-Null `a` (no NaN Decimal exists: double functions
//! return Undefined outside their domain, so `sqrt(-1)` is Undefined);
//! division or remainder by zero is Undefined; `regexp_substr` with no match
//! is Undefined; `indexof` with no match is −1; string escapes are only
//! `\'`, `\"` and `\\` (any other backslash is literal text, so regular
//! expressions need no doubling); `x.y` on a non-object is Undefined;
//! nested queries over an object project that one object; Undefined array
//! elements are dropped when serialised; `SELECT *` of a binary payload
//! combined with other items is [`EvalError::BinaryInObject`]; an
//! un-triggered rule (FROM) is checked with `topic-match`'s MQTT rules.
//!
//! # Not implemented
//!
//! Protobuf decoding itself (`decode(*, 'proto', …)` delegates it to the
//! embedder's [`External`]). `parse_time`/`time_to_epoch` support the
//! common pattern letters (see the `time` function family), not every
//! Joda/java.time letter; an unsupported letter gives Undefined.
//!
//! # Features
//!
//! - `std` (default): turns on `std` in `thiserror` and `topic-match`. The
//!   crate itself always links `std` today (through `regex` and the pest
//!   derive), so it is not `no_std`; the code uses `core`/`alloc` paths so
//!   that can change.

#![cfg_attr(docsrs, feature(doc_cfg))]

extern crate alloc;

mod ast;
pub mod cases;
mod compile;
mod decimal;
mod error;
mod eval;
mod functions;
mod json;
mod message;
mod output;
mod parse;
mod print;
mod rule;
mod span;
mod template;
mod value;
mod version;

pub use decimal::Decimal;
pub use error::{Error, ErrorKind, EvalError};
pub use functions::function_names;
pub use json::MAX_JSON_DEPTH;
pub use message::{
    Context, External, ExternalFunction, Message, MqttProperties, ProtobufRequest, Transport,
};
pub use output::{Outcome, Output, OutputKind};
pub use parse::{MAX_DEPTH, MAX_SQL_LEN, MAX_TREE_DEPTH};
pub use rule::Rule;
pub use span::Span;
pub use template::Template;
pub use value::{Map, Value};
pub use version::{SqlVersion, UnknownSqlVersion};
