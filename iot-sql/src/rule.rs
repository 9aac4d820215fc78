//! The public entry point: a compiled rule.

use alloc::string::String;

use crate::SqlVersion;
use crate::compile::{Compiler, Plan};
use crate::error::{Error, EvalError};
use crate::message::Message;
use crate::output::Outcome;
use crate::template::Template;

/// A compiled AWS IoT SQL statement: parse once, evaluate many times. A
/// `Rule` is immutable, `Send` and `Sync`.
///
/// ```
/// use iot_sql::{Message, Outcome, Rule, SqlVersion};
///
/// let rule = Rule::parse(
///     "SELECT temp, upper(unit) AS unit FROM 'sensors/+/data' WHERE temp > 30",
///     SqlVersion::V2016_03_23,
/// )?;
/// let hot = Message::new("sensors/s1/data", br#"{"temp": 31.5, "unit": "c"}"#);
/// match rule.evaluate(&hot)? {
///     Outcome::Emit(out) => assert_eq!(out.to_json_string(), r#"{"temp":31.5,"unit":"C"}"#),
///     other => panic!("{other:?}"),
/// }
/// let cold = Message::new("sensors/s1/data", br#"{"temp": 12}"#);
/// assert_eq!(rule.evaluate(&cold)?, Outcome::NoMatch);
/// assert_eq!(rule.evaluate(&Message::new("other", b"{}"))?, Outcome::NotTriggered);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Rule {
    pub(crate) plan: Plan,
    sql: String,
}

impl Rule {
    /// Parses and compiles a statement for the given SQL version.
    ///
    /// # Errors
    /// [`Error`] with the position of the first fault: syntax, unknown
    /// function or wrong argument count, a feature newer than `version`,
    /// an invalid FROM filter, nesting deeper than [`crate::MAX_DEPTH`], ...
    pub fn parse(sql: &str, version: SqlVersion) -> Result<Self, Error> {
        let ast = crate::parse::parse_statement(sql)?;
        let mut compiler = Compiler {
            src: sql,
            version,
            vars: alloc::vec::Vec::new(),
        };
        let plan = compiler.statement(ast)?;
        Ok(Self {
            plan,
            sql: String::from(sql),
        })
    }

    /// The statement text.
    #[must_use]
    pub fn sql(&self) -> &str {
        &self.sql
    }

    /// The statement in canonical form: upper-case keywords, spaced
    /// operators, single-quoted strings, and parentheses only where
    /// precedence needs them. Names, numbers and string contents are kept
    /// exactly, so the text parses back to the same statement; printing it
    /// again gives the same text.
    ///
    /// ```
    /// use iot_sql::{Rule, SqlVersion};
    ///
    /// let rule = Rule::parse(
    ///     "select (a+b)*2 as \"x y\", c in [1,2] from 'dev/+' where not (d or e)",
    ///     SqlVersion::V2016_03_23,
    /// )?;
    /// let canonical = rule.to_sql();
    /// assert_eq!(
    ///     canonical,
    ///     "SELECT (a + b) * 2 AS 'x y', c IN [1, 2] FROM 'dev/+' WHERE NOT (d OR e)"
    /// );
    /// assert_eq!(Rule::parse(&canonical, SqlVersion::V2016_03_23)?.to_sql(), canonical);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// A statement close to [`crate::MAX_SQL_LEN`] may print longer than
    /// the limit (spaces and escapes are added).
    #[must_use]
    pub fn to_sql(&self) -> String {
        // The text was accepted by `Rule::parse`, so it parses again; the
        // tree is rebuilt here rather than kept in every rule.
        crate::parse::parse_statement(&self.sql)
            .map_or_else(|_| self.sql.clone(), |st| crate::print::statement(&st))
    }

    /// The SQL version the rule was compiled for.
    #[must_use]
    pub fn version(&self) -> SqlVersion {
        self.plan.version
    }

    /// The FROM topic filter, if any.
    #[must_use]
    pub fn topic_filter(&self) -> Option<&str> {
        self.plan
            .from
            .as_ref()
            .map(topic_match::TopicFilter::as_str)
    }

    /// Evaluates the rule against one message.
    ///
    /// # Errors
    /// [`EvalError`] for the conditions that stop a rule (an external
    /// function without provider or failing, a second `get_dynamodb`, ...).
    /// Type mismatches and missing fields are not errors: they are Undefined.
    pub fn evaluate(&self, message: &Message<'_>) -> Result<Outcome, EvalError> {
        crate::eval::run(&self.plan, message)
    }

    /// Compiles a substitution template (`"prefix/${topic(2)}"`) against
    /// this rule (same SQL version, SET variables visible).
    ///
    /// # Errors
    /// As [`Rule::parse`], with positions inside `text`.
    pub fn template(&self, text: &str) -> Result<Template, Error> {
        Template::compile(text, self)
    }

    /// Renders a template made by [`Rule::template`] for a message.
    ///
    /// # Errors
    /// As [`Rule::evaluate`].
    pub fn render(&self, template: &Template, message: &Message<'_>) -> Result<String, EvalError> {
        template.render(self, message)
    }
}

/// Writes [`Rule::to_sql`], the canonical statement.
impl core::fmt::Display for Rule {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.to_sql())
    }
}
