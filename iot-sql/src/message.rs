//! What a rule is evaluated against: the message (topic and payload), the
//! environment that context functions read, and the provider of functions
//! that call other services.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::value::Value;

/// The environment of a message, read by the context functions
/// (`clientid()`, `timestamp()`, ...). Every field is optional: a function
/// whose field is unset returns Undefined, so evaluation is deterministic.
/// Fill `timestamp`, `newuuid` and `rand` yourself for live use.
///
/// ```
/// use iot_sql::{Context, Message, Outcome, Rule, SqlVersion};
///
/// let mut ctx = Context::default();
/// ctx.clientid = Some("sensor-7".into());
/// ctx.timestamp = Some(1_700_000_000_000);
/// let rule = Rule::parse("SELECT clientid() AS c, timestamp() AS t FROM '#'", SqlVersion::V2016_03_23)?;
/// let msg = Message::new("a/b", b"{}").with_context(&ctx);
/// let Outcome::Emit(out) = rule.evaluate(&msg)? else { panic!() };
/// assert_eq!(out.to_json_string(), r#"{"c":"sensor-7","t":1700000000000}"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct Context {
    /// `accountid()`: the account that owns the rule.
    pub accountid: Option<String>,
    /// `clientid()`: the publisher's MQTT client id. When unset and the
    /// message did not arrive over MQTT, `clientid()` is `"n/a"`.
    pub clientid: Option<String>,
    /// `principal()`: certificate thumbprint, IAM user id, ...
    pub principal: Option<String>,
    /// `sourceip()`: the publisher's address.
    pub sourceip: Option<String>,
    /// `timestamp()`: epoch milliseconds.
    pub timestamp: Option<i64>,
    /// `traceid()`: only for messages that arrived over MQTT.
    pub traceid: Option<String>,
    /// `newuuid()`.
    pub newuuid: Option<String>,
    /// `rand()`: a double in `[0, 1)`.
    pub rand: Option<f64>,
    /// How the message arrived.
    pub transport: Transport,
    /// MQTT 5 publish properties for `get_mqtt_property()`.
    pub mqtt: MqttProperties,
    /// MQTT 5 user properties for `get_user_properties()`, in order.
    pub user_properties: Vec<(String, String)>,
}

/// How a message reached the broker.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Transport {
    /// MQTT (the default).
    #[default]
    Mqtt,
    /// HTTPS publish.
    Http,
}

/// MQTT 5 publish properties readable with `get_mqtt_property(name)`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MqttProperties {
    /// Payload format indicator: `Some(true)` for UTF-8 data.
    pub format_indicator: Option<bool>,
    /// Content type.
    pub content_type: Option<String>,
    /// Response topic.
    pub response_topic: Option<String>,
    /// Correlation data (returned base64-encoded).
    pub correlation_data: Option<Vec<u8>>,
}

/// The functions that call other AWS services (spec §10.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ExternalFunction {
    /// `aws_lambda(functionArn, inputJson)`.
    AwsLambda,
    /// `get_dynamodb(table, pkName, pkValue[, skName, skValue], roleArn)`.
    GetDynamoDb,
    /// `get_secret(secretId, secretType, [key,] roleArn)`.
    GetSecret,
    /// `get_thing_shadow(thing[, shadowName], roleArn)`.
    GetThingShadow,
    /// `get_registry_data(registryAPI, thingName, roleArn)`.
    GetRegistryData,
    /// `machinelearning_predict(modelId, roleArn, record)`.
    MachineLearningPredict,
}

impl ExternalFunction {
    /// The SQL name.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::AwsLambda => "aws_lambda",
            Self::GetDynamoDb => "get_dynamodb",
            Self::GetSecret => "get_secret",
            Self::GetThingShadow => "get_thing_shadow",
            Self::GetRegistryData => "get_registry_data",
            Self::MachineLearningPredict => "machinelearning_predict",
        }
    }
}

/// The embedder's bridge to other services. Without one, a rule that calls
/// an external function stops with [`crate::EvalError::NoProvider`].
///
/// ```
/// use iot_sql::{External, ExternalFunction, Message, Outcome, Rule, SqlVersion, Value};
///
/// struct Echo;
/// impl External for Echo {
///     fn call(&self, f: ExternalFunction, args: &[Value]) -> Result<Value, String> {
///         match f {
///             ExternalFunction::AwsLambda => Ok(args[1].clone()),
///             _ => Err("not available".into()),
///         }
///     }
/// }
/// let rule = Rule::parse("SELECT aws_lambda('arn:x', {'v': v}) AS r FROM 't'", SqlVersion::V2016_03_23)?;
/// let msg = Message::new("t", br#"{"v": 1}"#).with_external(&Echo);
/// let Outcome::Emit(out) = rule.evaluate(&msg)? else { panic!() };
/// assert_eq!(out.to_json_string(), r#"{"r":{"v":1}}"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait External {
    /// Runs `function` with its evaluated arguments (`*` arrives as the
    /// payload value). An `Err` stops the rule with
    /// [`crate::EvalError::External`].
    ///
    /// # Errors
    /// Whatever the service reports.
    fn call(&self, function: ExternalFunction, args: &[Value]) -> Result<Value, String>;

    /// Decodes a Protobuf payload for `decode(*, 'proto', bucket, key,
    /// file, message)`: AWS reads the compiled descriptor set (`.desc`)
    /// from the S3 object `bucket`/`key`, finds the `.proto` file `file` in
    /// it and decodes `payload` as its message type `message_type`,
    /// returning the message as a JSON value. Return the value (an Object,
    /// normally); an `Err` stops the rule with [`crate::EvalError::External`].
    ///
    /// The default refuses, so providers written before this method existed
    /// keep compiling; without any provider the rule stops with
    /// [`crate::EvalError::NoProvider`].
    ///
    /// ```
    /// use iot_sql::{External, ExternalFunction, Message, Outcome, ProtobufRequest, Rule, SqlVersion, Value};
    ///
    /// /// A stand-in for a real decoder: reports what it was asked.
    /// struct Probe;
    /// impl External for Probe {
    ///     fn call(&self, _: ExternalFunction, _: &[Value]) -> Result<Value, String> {
    ///         Err("unused".into())
    ///     }
    ///     fn decode_protobuf(&self, r: &ProtobufRequest<'_>) -> Result<Value, String> {
    ///         let json = format!(
    ///             r#"{{"type":"{}","from":"{}/{}","file":"{}","bytes":{}}}"#,
    ///             r.message_type, r.bucket, r.key, r.file, r.payload.len()
    ///         );
    ///         Value::from_json(json.as_bytes()).ok_or_else(|| "bad JSON".to_string())
    ///     }
    /// }
    /// let rule = Rule::parse(
    ///     "SELECT VALUE decode(*, 'proto', 'my-bucket', 'schemas/telemetry.desc', \
    ///      'telemetry.proto', 'Reading') FROM 'dev/+'",
    ///     SqlVersion::V2016_03_23,
    /// )?;
    /// let msg = Message::new("dev/7", &[0x08, 0x96, 0x01]).with_external(&Probe);
    /// let Outcome::Emit(out) = rule.evaluate(&msg)? else { panic!() };
    /// assert_eq!(
    ///     out.to_json_string(),
    ///     r#"{"type":"Reading","from":"my-bucket/schemas/telemetry.desc","file":"telemetry.proto","bytes":3}"#
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// Whatever the decoder reports (missing descriptor, unknown message
    /// type, malformed payload, ...).
    fn decode_protobuf(&self, request: &ProtobufRequest<'_>) -> Result<Value, String> {
        let _ = request;
        Err(String::from(
            "this provider does not implement decode(*, 'proto', ...)",
        ))
    }
}

/// What `decode(*, 'proto', bucket, key, file, message)` asks of
/// [`External::decode_protobuf`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProtobufRequest<'a> {
    /// The S3 bucket that holds the descriptor set.
    pub bucket: &'a str,
    /// The S3 key of the descriptor set (`.desc`, from `protoc --descriptor_set_out`).
    pub key: &'a str,
    /// The `.proto` file, within the descriptor set, that defines the message.
    pub file: &'a str,
    /// The message type to decode the payload as.
    pub message_type: &'a str,
    /// The raw payload bytes.
    pub payload: &'a [u8],
}

static EMPTY_CONTEXT: Context = Context {
    accountid: None,
    clientid: None,
    principal: None,
    sourceip: None,
    timestamp: None,
    traceid: None,
    newuuid: None,
    rand: None,
    transport: Transport::Mqtt,
    mqtt: MqttProperties {
        format_indicator: None,
        content_type: None,
        response_topic: None,
        correlation_data: None,
    },
    user_properties: Vec::new(),
};

/// A message to evaluate: topic, payload and environment. The payload is
/// parsed once, when the message is built: JSON text becomes a [`Value`],
/// anything else (including an empty payload) is binary.
///
/// Messages published to the Basic Ingest topic `$aws/rules/<rule>/<rest>`
/// are delivered to the rule whatever its FROM, and `topic()` sees `<rest>`.
#[derive(Clone)]
pub struct Message<'a> {
    pub(crate) topic: &'a str,
    pub(crate) basic_ingest: bool,
    pub(crate) raw: Cow<'a, [u8]>,
    pub(crate) payload: Value,
    /// Set by [`Message::for_rule`] when only these top-level members were
    /// built (`None`: the whole payload was).
    pub(crate) selected: Option<Arc<[Box<str>]>>,
    pub(crate) context: &'a Context,
    pub(crate) external: Option<&'a dyn External>,
}

impl<'a> Message<'a> {
    /// A message with a raw payload.
    #[must_use]
    pub fn new(topic: &'a str, payload: &'a [u8]) -> Self {
        let value = Value::from_json(payload).unwrap_or_else(|| Value::Binary(Arc::from(payload)));
        Self::build(topic, Cow::Borrowed(payload), value)
    }

    /// A message prepared for evaluation by `rule` alone: when the rule
    /// reads only named payload members (no `*`), only those are built and
    /// the rest of the payload is validated and skipped, which is faster.
    /// Whether the payload is JSON or binary is decided exactly as by
    /// [`Message::new`]. Use [`Message::new`] for a message that several
    /// rules or templates will read.
    ///
    /// ```
    /// use iot_sql::{Message, Outcome, Rule, SqlVersion};
    ///
    /// let rule = Rule::parse("SELECT t FROM '#' WHERE t > 1", SqlVersion::V2016_03_23)?;
    /// let payload = br#"{"t": 2, "big": [1, 2, 3], "other": {"x": "y"}}"#;
    /// let msg = Message::for_rule(&rule, "a", payload);
    /// let Outcome::Emit(out) = rule.evaluate(&msg)? else { panic!() };
    /// assert_eq!(out.to_json_string(), r#"{"t":2}"#);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn for_rule(rule: &crate::Rule, topic: &'a str, payload: &'a [u8]) -> Self {
        let parsed = match &rule.plan.payload_fields {
            Some(fields) => crate::json::parse_selected(payload, fields),
            None => Value::from_json(payload),
        };
        let value = parsed.unwrap_or_else(|| Value::Binary(Arc::from(payload)));
        let mut msg = Self::build(topic, Cow::Borrowed(payload), value);
        if matches!(msg.payload, Value::Object(_)) {
            msg.selected.clone_from(&rule.plan.payload_fields);
        }
        msg
    }

    /// The same message with its whole payload built, for an expression that
    /// reads members a selective [`Message::for_rule`] skipped.
    pub(crate) fn complete(&self) -> Message<'_> {
        let value =
            Value::from_json(&self.raw).unwrap_or_else(|| Value::Binary(Arc::from(&*self.raw)));
        Message {
            topic: self.topic,
            basic_ingest: self.basic_ingest,
            raw: Cow::Borrowed(&self.raw),
            payload: value,
            selected: None,
            context: self.context,
            external: self.external,
        }
    }

    /// A message whose payload is already a JSON value (its raw bytes, for
    /// `encode(*, 'base64')`, are its compact JSON text).
    #[must_use]
    pub fn from_value(topic: &'a str, payload: Value) -> Self {
        let raw = match &payload {
            Value::Binary(b) => b.to_vec(),
            other => other.to_json().into_bytes(),
        };
        Self::build(topic, Cow::Owned(raw), payload)
    }

    fn build(topic: &'a str, raw: Cow<'a, [u8]>, payload: Value) -> Self {
        let (topic, basic_ingest) = strip_basic_ingest(topic);
        Self {
            topic,
            basic_ingest,
            raw,
            payload,
            selected: None,
            context: &EMPTY_CONTEXT,
            external: None,
        }
    }

    /// Sets the environment read by context functions.
    #[must_use]
    pub fn with_context(mut self, context: &'a Context) -> Self {
        self.context = context;
        self
    }

    /// Sets the provider of external functions.
    #[must_use]
    pub fn with_external(mut self, external: &'a dyn External) -> Self {
        self.external = Some(external);
        self
    }

    /// The topic as `topic()` sees it.
    #[must_use]
    pub fn topic(&self) -> &str {
        self.topic
    }

    /// The parsed payload.
    #[must_use]
    pub fn payload(&self) -> &Value {
        &self.payload
    }

    /// Is the payload binary (not JSON)?
    #[must_use]
    pub fn is_binary(&self) -> bool {
        matches!(self.payload, Value::Binary(_))
    }
}

fn strip_basic_ingest(topic: &str) -> (&str, bool) {
    if let Some(rest) = topic.strip_prefix("$aws/rules/")
        && let Some((_, tail)) = rest.split_once('/')
    {
        return (tail, true);
    }
    (topic, false)
}

impl core::fmt::Debug for Message<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Message")
            .field("topic", &self.topic)
            .field("payload", &self.payload)
            .field("context", self.context)
            .field("external", &self.external.is_some())
            .finish()
    }
}
