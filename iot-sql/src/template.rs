//! Substitution templates `${expression}` for action parameters (spec §13):
//! parsed once per rule, rendered per message.

use alloc::string::String;
use alloc::vec::Vec;
use core::cell::Cell;

use crate::ast::TemplatePart;
use crate::compile::{Compiler, Node};
use crate::error::{Error, EvalError};
use crate::eval::{Env, eval, eval_sets};
use crate::message::Message;
use crate::rule::Rule;
use crate::value::Value;

/// A compiled substitution template, bound to the rule it was made from
/// (its expressions may use the rule's SET variables, never SELECT aliases).
///
/// ```
/// use iot_sql::{Message, Rule, SqlVersion};
///
/// let rule = Rule::parse("SELECT * FROM 'things/+/telemetry'", SqlVersion::V2016_03_23)?;
/// let t = rule.template("out/${topic(2)}/${upper(kind)}")?;
/// let msg = Message::new("things/t1/telemetry", br#"{"kind": "temp"}"#);
/// assert_eq!(rule.render(&t, &msg)?, "out/t1/TEMP");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Template {
    parts: Vec<Part>,
    /// Top-level payload members the holes read (`None`: the whole payload).
    fields: Option<Vec<Box<str>>>,
}

#[derive(Clone, Debug)]
enum Part {
    Text(String),
    Expr(Node),
}

impl Template {
    pub(crate) fn compile(text: &str, rule: &Rule) -> Result<Self, Error> {
        let parts = crate::parse::parse_template(text)?;
        let compiler = Compiler {
            src: text,
            version: rule.plan.version,
            vars: rule.plan.var_names.clone(),
        };
        let parts = parts
            .into_iter()
            .map(|p| match p {
                TemplatePart::Text(t) => Ok(Part::Text(t)),
                TemplatePart::Hole(e) => compiler.expr(&e).map(Part::Expr),
            })
            .collect::<Result<Vec<_>, Error>>()?;
        let mut fields = Vec::new();
        let whole = parts.iter().any(|p| {
            matches!(p, Part::Expr(node) if crate::compile::collect(node, &mut fields).is_none())
        });
        Ok(Self {
            parts,
            fields: (!whole).then_some(fields),
        })
    }

    /// Renders against a message: strings as their text, Undefined as
    /// nothing, other values as compact JSON.
    pub(crate) fn render(&self, rule: &Rule, msg: &Message<'_>) -> Result<String, EvalError> {
        // A message built for the rule alone lacks the members only the
        // template reads: build the whole payload for it then.
        let covered = match (&msg.selected, &self.fields) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(have), Some(need)) => need.iter().all(|f| have.contains(f)),
        };
        if !covered {
            return self.render(rule, &msg.complete());
        }
        let flag = Cell::new(false);
        let vars = if self.parts.iter().any(|p| matches!(p, Part::Expr(_)))
            && !rule.plan.sets.is_empty()
        {
            eval_sets(&rule.plan, msg, &flag)?
        } else {
            Vec::new()
        };
        let env = Env {
            msg,
            version: rule.plan.version,
            vars: &vars,
            dynamo_called: &flag,
        };
        let mut out = String::new();
        for p in &self.parts {
            match p {
                Part::Text(t) => out.push_str(t),
                Part::Expr(node) => match &*eval(node, &msg.payload, &env)? {
                    Value::String(s) => out.push_str(s),
                    Value::Undefined => {}
                    other => out.push_str(&other.to_json_for(rule.plan.version)),
                },
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use crate::{Message, Outcome, Rule, SqlVersion};

    #[test]
    fn a_template_reads_members_the_rule_alone_does_not() {
        let rule = Rule::parse(
            "SELECT t FROM 'things/+/telemetry' WHERE t > 1",
            SqlVersion::V2016_03_23,
        )
        .unwrap();
        let t = rule.template("alerts/${topic(2)}/${device}/${t}").unwrap();
        let payload = br#"{"t": 2, "device": "d-9", "skipped": [1, 2]}"#;
        let msg = Message::for_rule(&rule, "things/x/telemetry", payload);
        assert!(matches!(rule.evaluate(&msg).unwrap(), Outcome::Emit(_)));
        assert_eq!(rule.render(&t, &msg).unwrap(), "alerts/x/d-9/2");
        // A template that reads the whole payload gets all of it.
        let all = rule.template("${encode(*, 'base64')}").unwrap();
        let full = Message::new("things/x/telemetry", payload);
        assert_eq!(
            rule.render(&all, &msg).unwrap(),
            rule.render(&all, &full).unwrap()
        );
    }
}
