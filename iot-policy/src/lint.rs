//! Static checks on a policy document: the Device Defender
//! `IOT_POLICY_OVERLY_PERMISSIVE_CHECK` heuristics and common mistakes.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::action::{Action, ResourceKind};
use crate::arn::split_arn;
use crate::ast::{Effect, ListKind, OperatorKind, PolicyDocument, SetQualifier, Statement};
use crate::compile::ActionMatcher;
use crate::variables::{NameRules, Part, Variable, parse_template};

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// Probably intended, but worth a look.
    Warning,
    /// Device Defender would report the policy as non-compliant.
    Critical,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Warning => "warning",
            Self::Critical => "critical",
        })
    }
}

/// One lint finding.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Finding {
    /// How serious it is.
    pub severity: Severity,
    /// A stable code: `ALLOWS_BROAD_ACCESS_TO_IOT_DATA_PLANE_ACTIONS` (the
    /// Device Defender reason code), `FOR_ALL_VALUES_MAY_BE_EMPTY`,
    /// `UNKNOWN_ACTION`, `RESOURCE_KIND_MISMATCH`, `UNKNOWN_VARIABLE`,
    /// `UNREACHABLE_STATEMENT`.
    pub code: &'static str,
    /// JSON path of the element concerned (statements are indexed even
    /// when `Statement` is a single object).
    pub path: String,
    /// What is wrong, in one sentence.
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {}: {}",
            self.severity, self.code, self.path, self.message
        )
    }
}

const BROAD: &str = "ALLOWS_BROAD_ACCESS_TO_IOT_DATA_PLANE_ACTIONS";
const THINGS: &str = "$aws/things/";
const RULES: NameRules = NameRules {
    case_insensitive: true,
};

/// Where the first wildcard (`*`, `?`, or MQTT `+`/`#`) of a resource
/// text is, relative to its first variable; returns the literal text before it.
fn literal_before_wildcard(text: &str) -> Option<&str> {
    let var = text.find("${").unwrap_or(text.len());
    let wild = text.find(['*', '?', '+', '#'])?;
    if wild < var { text.get(..wild) } else { None }
}

/// Whether a topic or topic-filter pattern reaches the reserved topics of
/// more than one thing.
fn spans_things(rest: &str) -> bool {
    let Some(lit) = literal_before_wildcard(rest) else {
        return false;
    };
    THINGS.starts_with(lit)
        || lit
            .strip_prefix(THINGS)
            .is_some_and(|name| !name.contains('/'))
}

fn has_is_attached(st: &Statement) -> bool {
    st.conditions.iter().any(|c| {
        c.operator.kind == OperatorKind::Bool
            && c.operator.qualifier.is_none()
            && Variable::parse(&c.key, RULES) == Variable::IsAttached
            && c.values.iter().all(|v| v.eq_ignore_ascii_case("true"))
    })
}

/// Resource part of a pattern (after the fifth colon), or the whole text.
fn resource_part(r: &str) -> &str {
    split_arn(r).map_or(r, |(_, rest)| rest)
}

impl PolicyDocument {
    /// Lints the document. Findings come in statement order.
    ///
    /// ```
    /// use iot_policy::{PolicyDocument, Severity};
    /// let doc = PolicyDocument::parse(r#"{"Version": "2012-10-17", "Statement": {
    ///   "Effect": "Allow", "Action": "iot:Connect",
    ///   "Resource": "arn:aws:iot:us-east-1:123456789012:client/*"}}"#)?;
    /// let findings = doc.lint();
    /// assert_eq!(findings[0].severity, Severity::Critical);
    /// assert_eq!(findings[0].code, "ALLOWS_BROAD_ACCESS_TO_IOT_DATA_PLANE_ACTIONS");
    /// # Ok::<(), iot_policy::ParseError>(())
    /// ```
    pub fn lint(&self) -> Vec<Finding> {
        let mut out = Vec::new();
        for (i, st) in self.statements.iter().enumerate() {
            lint_statement(self, i, st, &mut out);
        }
        out
    }
}

fn push(
    out: &mut Vec<Finding>,
    severity: Severity,
    code: &'static str,
    path: String,
    message: String,
) {
    out.push(Finding {
        severity,
        code,
        path,
        message,
    });
}

fn lint_statement(doc: &PolicyDocument, i: usize, st: &Statement, out: &mut Vec<Finding>) {
    let base = format!("$.Statement[{i}]");
    let amatch = ActionMatcher::compile(st.actions.kind, &st.actions.patterns);
    let covered: Vec<Action> = Action::ALL
        .into_iter()
        .filter(|a| amatch.covers(*a))
        .collect();
    let res_el = match st.resources.kind {
        ListKind::Include => "Resource",
        ListKind::Exclude => "NotResource",
    };
    let act_el = match st.actions.kind {
        ListKind::Include => "Action",
        ListKind::Exclude => "NotAction",
    };

    // Unknown actions.
    if st.actions.kind == ListKind::Include {
        for (j, a) in st.actions.patterns.iter().enumerate() {
            let one = ActionMatcher::compile(ListKind::Include, core::slice::from_ref(a));
            if one.mask == 0 {
                push(
                    out,
                    Severity::Warning,
                    "UNKNOWN_ACTION",
                    format!("{base}.{act_el}[{j}]"),
                    format!("{a:?} matches no AWS IoT data-plane action; it never applies"),
                );
            }
        }
    }

    // Unknown variables: the entry can never match.
    let substitute = doc.version.substitutes_variables();
    for (j, r) in st.resources.patterns.iter().enumerate() {
        if let Ok(parts) = parse_template(r, substitute, RULES)
            && parts
                .iter()
                .any(|p| matches!(p, Part::Var(Variable::Unknown)))
        {
            push(
                out,
                Severity::Warning,
                "UNKNOWN_VARIABLE",
                format!("{base}.{res_el}[{j}]"),
                String::from("unknown policy variable: this entry matches nothing"),
            );
        }
    }

    if st.effect == Effect::Allow {
        for c in &st.conditions {
            if c.operator.qualifier == Some(SetQualifier::ForAllValues) && !c.operator.if_exists {
                push(
                    out,
                    Severity::Warning,
                    "FOR_ALL_VALUES_MAY_BE_EMPTY",
                    format!("{base}.Condition.{}.{}", c.operator, c.key),
                    String::from(
                        "ForAllValues is true when the key is absent or empty; add a Null \"false\" check",
                    ),
                );
            }
        }
        overly_permissive(&base, res_el, st, &covered, out);
    }

    // Resource kind mismatch: a typed entry that no covered action can use.
    if st.actions.kind == ListKind::Include
        && st.resources.kind == ListKind::Include
        && !covered.is_empty()
    {
        for (j, r) in st.resources.patterns.iter().enumerate() {
            let part = resource_part(r);
            let Some((ty, _)) = part.split_once('/') else {
                continue;
            };
            if ty.contains(['*', '?', '$']) {
                continue;
            }
            let fits = covered.iter().any(|a| {
                a.resource_kind()
                    .arn_prefix()
                    .is_some_and(|p| p.strip_suffix('/') == Some(ty))
            });
            if !fits {
                push(
                    out,
                    Severity::Warning,
                    "RESOURCE_KIND_MISMATCH",
                    format!("{base}.{res_el}[{j}]"),
                    format!("no action of this statement is checked against {ty}/ resources"),
                );
            }
        }
    }

    // Unreachable: an Allow fully covered by an unconditional Deny on `*`.
    if st.effect == Effect::Allow {
        let shadow = doc.statements.iter().enumerate().find(|(_, d)| {
            d.effect == Effect::Deny
                && d.conditions.is_empty()
                && d.resources.kind == ListKind::Include
                && d.resources.patterns.iter().any(|r| r == "*")
                && {
                    let dm = ActionMatcher::compile(d.actions.kind, &d.actions.patterns);
                    !covered.is_empty() && covered.iter().all(|a| dm.covers(*a))
                }
        });
        if let Some((k, _)) = shadow {
            push(
                out,
                Severity::Warning,
                "UNREACHABLE_STATEMENT",
                base.clone(),
                format!("every action it allows is denied on every resource by $.Statement[{k}]"),
            );
        }
    }
}

fn overly_permissive(
    base: &str,
    res_el: &str,
    st: &Statement,
    covered: &[Action],
    out: &mut Vec<Finding>,
) {
    let mut flag = |j: usize, msg: String| {
        push(
            out,
            Severity::Critical,
            BROAD,
            format!("{base}.{res_el}[{j}]"),
            msg,
        );
    };
    for (j, r) in st.resources.patterns.iter().enumerate() {
        let part = resource_part(r);
        if st.resources.kind == ListKind::Exclude {
            if covered.iter().any(|a| *a != Action::Receive) {
                flag(
                    j,
                    String::from("NotResource grants data-plane actions on almost every resource"),
                );
            }
            break;
        }
        let everything = literal_before_wildcard(part) == Some("");
        for a in covered {
            let broad = match a.resource_kind() {
                ResourceKind::Client => {
                    everything
                        || part.strip_prefix("client/").is_some_and(|id| {
                            literal_before_wildcard(id) == Some("")
                                || (id.eq_ignore_ascii_case("${iot:ClientId}")
                                    && !has_is_attached(st))
                        })
                }
                ResourceKind::Topic if *a == Action::Receive => false,
                ResourceKind::Topic => {
                    everything || part.strip_prefix("topic/").is_some_and(spans_things)
                }
                ResourceKind::TopicFilter => {
                    everything || part.strip_prefix("topicfilter/").is_some_and(spans_things)
                }
                ResourceKind::Thing => {
                    everything
                        || part.strip_prefix("thing/").is_some_and(|t| {
                            literal_before_wildcard(t).is_some_and(|l| !l.contains('/'))
                        })
                }
                ResourceKind::RoleAlias | ResourceKind::Any => false,
            };
            if broad {
                flag(
                    j,
                    format!("{} on {r:?} is not scoped to one device", a.name()),
                );
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(json_statement: &str) -> Vec<&'static str> {
        let doc = PolicyDocument::parse(&format!(
            r#"{{"Version":"2012-10-17","Statement":[{json_statement}]}}"#
        ))
        .unwrap();
        doc.lint().into_iter().map(|f| f.code).collect()
    }

    const A: &str = "arn:aws:iot:us-east-1:123456789012";

    // Examples from the audit-chk-iot-policy-permissive page (spec §7).
    #[test]
    fn device_defender_noncompliant_examples() {
        for (action, res) in [
            ("iot:Connect", "client/*"),
            ("iot:Connect", "client/${iot:ClientId}"),
            ("iot:Publish", "topic/$aws/things/*/shadow/update"),
            ("iot:Publish", "topic/$aws/things/*"),
            ("iot:Subscribe", "topicfilter/$aws/things/*"),
            ("iot:Subscribe", "topicfilter/$aws/things/#"),
            ("iot:Subscribe", "topicfilter/$aws/things/+/shadow/update"),
            ("iot:GetThingShadow", "thing/*"),
            ("iotjobsdata:DescribeJobExecution", "thing/*"),
        ] {
            let st = format!(r#"{{"Effect":"Allow","Action":"{action}","Resource":"{A}:{res}"}}"#);
            assert!(codes(&st).contains(&BROAD), "{action} {res}");
        }
    }

    #[test]
    fn device_defender_compliant_examples() {
        let attached = r#""Condition":{"Bool":{"iot:Connection.Thing.IsAttached":"true"}}"#;
        for (action, res, extra) in [
            (
                "iot:Connect",
                "client/${iot:Connection.Thing.ThingName}",
                attached,
            ),
            ("iot:Connect", "client/${iot:ClientId}", attached),
            (
                "iot:Publish",
                "topic/$aws/things/${iot:Connection.Thing.ThingName}/shadow/*",
                "",
            ),
            (
                "iot:Subscribe",
                "topicfilter/$aws/things/${iot:Connection.Thing.ThingName}/jobs/*",
                "",
            ),
            ("iot:Receive", "topic/$aws/things/*", ""),
            ("iot:GetThingShadow", "thing/thingOne", ""),
        ] {
            let sep = if extra.is_empty() { "" } else { "," };
            let st = format!(
                r#"{{"Effect":"Allow","Action":"{action}","Resource":"{A}:{res}"{sep}{extra}}}"#
            );
            assert!(!codes(&st).contains(&BROAD), "{action} {res}");
        }
    }

    #[test]
    fn warnings() {
        assert!(
            codes(r#"{"Effect":"Allow","Action":"iot:Pubish","Resource":"*"}"#)
                .contains(&"UNKNOWN_ACTION")
        );
        assert!(
            codes(&format!(
                r#"{{"Effect":"Allow","Action":"iot:Subscribe","Resource":"{A}:topic/x"}}"#
            ))
            .contains(&"RESOURCE_KIND_MISMATCH")
        );
        assert!(codes(&format!(r#"{{"Effect":"Allow","Action":"iot:Publish","Resource":"{A}:topic/${{iot:Nope}}"}}"#))
            .contains(&"UNKNOWN_VARIABLE"));
        assert!(codes(&format!(
            r#"{{"Effect":"Allow","Action":"iot:Publish","Resource":"{A}:topic/x","Condition":{{"ForAllValues:StringEquals":{{"iot:Certificate.Subject.Organization.List":"o"}}}}}}"#
        ))
        .contains(&"FOR_ALL_VALUES_MAY_BE_EMPTY"));
        let doc = PolicyDocument::parse(&format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"iot:Publish","Resource":"{A}:topic/x"}},{{"Effect":"Deny","Action":"iot:*","Resource":"*"}}]}}"#
        ))
        .unwrap();
        assert!(
            doc.lint()
                .iter()
                .any(|f| f.code == "UNREACHABLE_STATEMENT" && f.path == "$.Statement[0]")
        );
        assert!(
            codes(&format!(
                r#"{{"Effect":"Allow","Action":"iot:Publish","Resource":"{A}:topic/dev1/x"}}"#
            ))
            .is_empty()
        );
    }
}
