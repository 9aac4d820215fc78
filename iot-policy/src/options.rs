//! Evaluation options: the places where AWS IoT's behaviour is derived
//! rather than documented. Defaults follow IAM.

/// Semantics switches for [`PolicySet::compile_with`](crate::PolicySet::compile_with).
///
/// Each default follows the IAM rule that the AWS IoT documentation says it
/// adopts; each switch exists because AWS IoT does not confirm that rule
/// separately (the `derived-low` conformance cases).
///
/// ```
/// use iot_policy::EvalOptions;
/// let strict = EvalOptions { question_mark_crosses_slash: false, ..EvalOptions::default() };
/// assert!(EvalOptions::default().question_mark_crosses_slash);
/// assert!(!strict.question_mark_crosses_slash);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvalOptions {
    /// `?` in a resource pattern also matches `/` (IAM: any one character).
    /// Default `true`. Conformance case `qm-003`.
    pub question_mark_crosses_slash: bool,
    /// `ForAllValues:` over an absent or empty key is true (IAM). Default
    /// `true`; the linter warns about it on Allow statements. Case `cert-014`.
    pub for_all_values_empty_is_true: bool,
    /// Condition-key and variable names are matched ASCII case-insensitively
    /// (IAM). Default `true`. Case `cond-014`.
    pub case_insensitive_keys: bool,
    /// Names documented only as variables (`iot:ClientId`, `iot:DomainName`,
    /// `iot:CertificateId`, `iot:Certificate.AvailableKeys`) also work as
    /// condition keys. Default `true`. Case `cond-015`.
    pub variables_as_condition_keys: bool,
}

impl Default for EvalOptions {
    fn default() -> Self {
        Self {
            question_mark_crosses_slash: true,
            for_all_values_empty_is_true: true,
            case_insensitive_keys: true,
            variables_as_condition_keys: true,
        }
    }
}
