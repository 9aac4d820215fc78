//! The data-plane actions AWS IoT authorizes, and the resource each one names.

use core::fmt;

/// The kind of resource ARN an action is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ResourceKind {
    /// `client/<clientId>`
    Client,
    /// `topic/<topic name>`
    Topic,
    /// `topicfilter/<filter as sent>`
    TopicFilter,
    /// `thing/<thing>` or `thing/<thing>/<shadowName>`
    Thing,
    /// `rolealias/<alias>`
    RoleAlias,
    /// The resource must be `*` (list APIs).
    Any,
}

impl ResourceKind {
    /// The ARN resource-type prefix (`client/`, `topic/`, ...), or `None` for [`ResourceKind::Any`].
    pub fn arn_prefix(self) -> Option<&'static str> {
        match self {
            Self::Client => Some("client/"),
            Self::Topic => Some("topic/"),
            Self::TopicFilter => Some("topicfilter/"),
            Self::Thing => Some("thing/"),
            Self::RoleAlias => Some("rolealias/"),
            Self::Any => None,
        }
    }
}

/// A data-plane action.
///
/// ```
/// use iot_policy::{Action, ResourceKind};
/// let a = Action::from_name("IOT:subscribe").unwrap(); // names are case-insensitive
/// assert_eq!(a, Action::Subscribe);
/// assert_eq!(a.resource_kind(), ResourceKind::TopicFilter);
/// assert_eq!(Action::from_name("iot:DescribeJobExecution"), Action::from_name("iotjobsdata:DescribeJobExecution"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[allow(missing_docs, reason = "variant names are the AWS action names")]
pub enum Action {
    Connect,
    Publish,
    Subscribe,
    Receive,
    RetainPublish,
    DeleteRetainedMessage,
    GetRetainedMessage,
    ListRetainedMessages,
    DeleteConnection,
    GetThingShadow,
    UpdateThingShadow,
    DeleteThingShadow,
    ListNamedShadowsForThing,
    DescribeJobExecution,
    GetPendingJobExecutions,
    StartNextPendingJobExecution,
    UpdateJobExecution,
    AssumeRoleWithCertificate,
}

/// Every spelling we accept, with its action. Jobs actions have two.
pub(crate) const SPELLINGS: [(&str, Action); 22] = [
    ("iot:Connect", Action::Connect),
    ("iot:Publish", Action::Publish),
    ("iot:Subscribe", Action::Subscribe),
    ("iot:Receive", Action::Receive),
    ("iot:RetainPublish", Action::RetainPublish),
    ("iot:DeleteRetainedMessage", Action::DeleteRetainedMessage),
    ("iot:GetRetainedMessage", Action::GetRetainedMessage),
    ("iot:ListRetainedMessages", Action::ListRetainedMessages),
    ("iot:DeleteConnection", Action::DeleteConnection),
    ("iot:GetThingShadow", Action::GetThingShadow),
    ("iot:UpdateThingShadow", Action::UpdateThingShadow),
    ("iot:DeleteThingShadow", Action::DeleteThingShadow),
    (
        "iot:ListNamedShadowsForThing",
        Action::ListNamedShadowsForThing,
    ),
    (
        "iotjobsdata:DescribeJobExecution",
        Action::DescribeJobExecution,
    ),
    (
        "iotjobsdata:GetPendingJobExecutions",
        Action::GetPendingJobExecutions,
    ),
    (
        "iotjobsdata:StartNextPendingJobExecution",
        Action::StartNextPendingJobExecution,
    ),
    ("iotjobsdata:UpdateJobExecution", Action::UpdateJobExecution),
    ("iot:DescribeJobExecution", Action::DescribeJobExecution),
    (
        "iot:GetPendingJobExecutions",
        Action::GetPendingJobExecutions,
    ),
    (
        "iot:StartNextPendingJobExecution",
        Action::StartNextPendingJobExecution,
    ),
    ("iot:UpdateJobExecution", Action::UpdateJobExecution),
    (
        "iot:AssumeRoleWithCertificate",
        Action::AssumeRoleWithCertificate,
    ),
];

impl Action {
    /// Every action.
    pub const ALL: [Self; 18] = [
        Self::Connect,
        Self::Publish,
        Self::Subscribe,
        Self::Receive,
        Self::RetainPublish,
        Self::DeleteRetainedMessage,
        Self::GetRetainedMessage,
        Self::ListRetainedMessages,
        Self::DeleteConnection,
        Self::GetThingShadow,
        Self::UpdateThingShadow,
        Self::DeleteThingShadow,
        Self::ListNamedShadowsForThing,
        Self::DescribeJobExecution,
        Self::GetPendingJobExecutions,
        Self::StartNextPendingJobExecution,
        Self::UpdateJobExecution,
        Self::AssumeRoleWithCertificate,
    ];

    /// Looks an action up by name, ASCII case-insensitively (`iot:publish`).
    pub fn from_name(name: &str) -> Option<Self> {
        SPELLINGS
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, a)| *a)
    }

    /// The canonical name (`iot:Publish`; jobs actions use `iotjobsdata:`).
    pub fn name(self) -> &'static str {
        SPELLINGS
            .iter()
            .find(|(_, a)| *a == self)
            .map_or("", |(n, _)| n)
    }

    /// The resource kind requests for this action name.
    pub fn resource_kind(self) -> ResourceKind {
        match self {
            Self::Connect | Self::DeleteConnection => ResourceKind::Client,
            Self::Publish
            | Self::Receive
            | Self::RetainPublish
            | Self::DeleteRetainedMessage
            | Self::GetRetainedMessage => ResourceKind::Topic,
            Self::Subscribe => ResourceKind::TopicFilter,
            Self::ListRetainedMessages | Self::ListNamedShadowsForThing => ResourceKind::Any,
            Self::GetThingShadow
            | Self::UpdateThingShadow
            | Self::DeleteThingShadow
            | Self::DescribeJobExecution
            | Self::GetPendingJobExecutions
            | Self::StartNextPendingJobExecution
            | Self::UpdateJobExecution => ResourceKind::Thing,
            Self::AssumeRoleWithCertificate => ResourceKind::RoleAlias,
        }
    }

    /// Bit of this action in a statement's action mask.
    pub(crate) fn bit(self) -> u32 {
        1u32 << (self as u32)
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
