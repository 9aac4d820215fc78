//! Validation profiles: plain MQTT, or MQTT plus the AWS IoT Core limits.

use crate::TopicError;

/// Which rules topic names and filters are checked against, beyond MQTT's.
///
/// The default, [`Profile::Mqtt`], applies the MQTT 3.1.1 / 5.0 rules only.
/// [`Profile::AwsIotCore`] adds what AWS IoT Core enforces on its message
/// broker:
///
/// - at most 256 bytes of UTF-8;
/// - at most 7 forward slashes (8 levels), not counting the Basic Ingest
///   prefix `$aws/rules/{rule-name}/`;
/// - topics that begin with `$` are reserved: only the documented `$aws/`
///   families may be used (`things`, `events`, `rules`, `certificates`,
///   `provisioning-templates`, `sitewise`, `device_location`, `commands`;
///   below `$aws/things/{thing}/`: `shadow`, `jobs`, `tunnels`,
///   `defender`, `streams`);
/// - Basic Ingest topics (`$aws/rules/...`) can be published to but not
///   subscribed to.
///
/// A filter with a wildcard where a reserved level is expected (for example
/// `$aws/+/...`) is accepted, because it can match documented topics.
/// Policy decisions (which client may use which reserved topic) are not a
/// syntax matter and stay with `iot-policy`.
///
/// ```
/// use topic_match::{Profile, TopicError, TopicName};
///
/// // The Basic Ingest prefix does not count towards the 7 slashes.
/// let ingest = "$aws/rules/my_rule/a/b/c/d/e/f/g/h";
/// assert!(TopicName::with_profile(ingest, Profile::AwsIotCore).is_ok());
/// assert_eq!(
///     TopicName::with_profile("a/b/c/d/e/f/g/h/i", Profile::AwsIotCore),
///     Err(TopicError::AwsTooManyLevels { slashes: 8 })
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Profile {
    /// The MQTT 3.1.1 / 5.0 rules only.
    #[default]
    Mqtt,
    /// MQTT plus the AWS IoT Core message broker limits (see the type docs).
    AwsIotCore,
}

/// AWS IoT Core: topic and filter size limit in bytes.
pub const AWS_MAX_TOPIC_LEN: usize = 256;
/// AWS IoT Core: most forward slashes in a topic or filter (8 levels).
pub const AWS_MAX_SLASHES: usize = 7;

/// Second levels of the documented reserved `$aws/` topic families.
const AWS_FAMILIES: [&str; 8] = [
    "things",
    "events",
    "rules",
    "certificates",
    "provisioning-templates",
    "sitewise",
    "device_location",
    "commands",
];
/// Fourth levels of the documented `$aws/things/{thing}/...` topics.
const AWS_THING_FAMILIES: [&str; 5] = ["shadow", "jobs", "tunnels", "defender", "streams"];

impl Profile {
    /// Applies the profile's extra rules to a string that already passed
    /// the MQTT rules.
    pub(crate) fn check(self, s: &str, is_filter: bool) -> Result<(), TopicError> {
        match self {
            Self::Mqtt => Ok(()),
            Self::AwsIotCore => check_aws(s, is_filter),
        }
    }
}

fn check_aws(s: &str, is_filter: bool) -> Result<(), TopicError> {
    if s.len() > AWS_MAX_TOPIC_LEN {
        return Err(TopicError::AwsTooLong { len: s.len() });
    }
    let mut levels = s.split('/');
    let first = levels.next().unwrap_or_default();
    let mut counted = s;
    if first.starts_with('$') {
        if first != "$aws" {
            return Err(TopicError::AwsReservedTopic);
        }
        let family = levels.next();
        match family {
            None => return Err(TopicError::AwsReservedTopic),
            Some("+" | "#") => {}
            Some(f) if !AWS_FAMILIES.contains(&f) => return Err(TopicError::AwsReservedTopic),
            Some("rules") => {
                if is_filter {
                    return Err(TopicError::AwsBasicIngestFilter);
                }
                // `$aws/rules/{rule}/` is not counted; a rule name is required.
                let rule = levels.next().unwrap_or_default();
                let prefix_len = "$aws/rules/".len() + rule.len() + 1;
                if rule.is_empty() {
                    return Err(TopicError::AwsReservedTopic);
                }
                counted = s.get(prefix_len..).unwrap_or_default();
            }
            Some("things") => {
                let _thing = levels.next();
                match levels.next() {
                    None | Some("+" | "#") => {}
                    Some(f) if AWS_THING_FAMILIES.contains(&f) => {}
                    Some(_) => return Err(TopicError::AwsReservedTopic),
                }
            }
            Some(_) => {}
        }
    }
    let slashes = counted.bytes().filter(|&b| b == b'/').count();
    if slashes > AWS_MAX_SLASHES {
        return Err(TopicError::AwsTooManyLevels { slashes });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{TopicFilter, TopicName};

    const AWS: Profile = Profile::AwsIotCore;

    #[test]
    fn aws_quota_256_bytes() {
        let ok = "a".repeat(256);
        assert!(TopicName::with_profile(&ok, AWS).is_ok());
        let long = "a".repeat(257);
        assert_eq!(
            TopicName::with_profile(&long, AWS),
            Err(TopicError::AwsTooLong { len: 257 })
        );
        assert!(
            TopicName::new(&long).is_ok(),
            "plain MQTT has no such limit"
        );
    }

    #[test]
    fn aws_quota_seven_slashes_excluding_basic_ingest_prefix() {
        assert!(TopicName::with_profile("a/b/c/d/e/f/g/h", AWS).is_ok());
        assert!(TopicName::with_profile("$aws/rules/r/a/b/c/d/e/f/g/h", AWS).is_ok());
        assert_eq!(
            TopicName::with_profile("$aws/rules/r/a/b/c/d/e/f/g/h/i", AWS),
            Err(TopicError::AwsTooManyLevels { slashes: 8 })
        );
        // Shadow topics are counted in full: 7 slashes with a named shadow.
        assert!(
            TopicName::with_profile("$aws/things/t/shadow/name/n/update/accepted", AWS).is_ok()
        );
    }

    #[test]
    fn aws_reserved_topics() {
        assert_eq!(
            TopicName::with_profile("$SYS/x", AWS),
            Err(TopicError::AwsReservedTopic)
        );
        assert_eq!(
            TopicName::with_profile("$aws/unknown/x", AWS),
            Err(TopicError::AwsReservedTopic)
        );
        assert_eq!(
            TopicName::with_profile("$aws/things/t/secrets", AWS),
            Err(TopicError::AwsReservedTopic)
        );
        assert!(TopicName::with_profile("$aws/events/presence/connected/c1", AWS).is_ok());
        assert!(TopicFilter::with_profile("$aws/things/+/shadow/#", AWS).is_ok());
        assert!(TopicFilter::with_profile("$aws/#", AWS).is_ok());
        assert!(TopicName::new("$SYS/x").is_ok(), "plain MQTT allows it");
    }

    #[test]
    fn aws_basic_ingest_cannot_be_subscribed() {
        assert_eq!(
            TopicFilter::with_profile("$aws/rules/r/a", AWS),
            Err(TopicError::AwsBasicIngestFilter)
        );
        assert!(TopicName::with_profile("$aws/rules/r/a", AWS).is_ok());
        assert!(TopicName::with_profile("$aws/rules/r", AWS).is_ok());
        assert_eq!(
            TopicName::with_profile("$aws/rules/", AWS),
            Err(TopicError::AwsReservedTopic)
        );
    }
}
