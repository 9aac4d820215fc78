use alloc::string::String;
use core::{fmt, str::FromStr};

/// The SQL versions AWS IoT rules accept (`awsIotSqlVersion`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum SqlVersion {
    /// `2015-10-08`, the default when a topic rule names none.
    #[default]
    V2015_10_08,
    /// `2016-03-23`, the recommended version.
    V2016_03_23,
    /// `beta`, the most recent beta version.
    Beta,
}

impl SqlVersion {
    /// The name AWS uses for this version.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::V2015_10_08 => "2015-10-08",
            Self::V2016_03_23 => "2016-03-23",
            Self::Beta => "beta",
        }
    }

    /// Does this version have the 2016-03-23 features (nested queries,
    /// literals, `decode`, ...)? True for 2016-03-23 and beta.
    #[must_use]
    pub fn is_2016_or_later(self) -> bool {
        !matches!(self, Self::V2015_10_08)
    }

    /// Are whole-number decimals handled as Ints (`10.0` → `10`)?
    #[must_use]
    pub(crate) fn whole_decimals_are_ints(self) -> bool {
        self.is_2016_or_later()
    }
}

/// A string that names no SQL version.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown SQL version {0:?}: expected 2015-10-08, 2016-03-23 or beta")]
pub struct UnknownSqlVersion(pub String);

impl FromStr for SqlVersion {
    type Err = UnknownSqlVersion;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "2015-10-08" => Ok(Self::V2015_10_08),
            "2016-03-23" => Ok(Self::V2016_03_23),
            "beta" => Ok(Self::Beta),
            other => Err(UnknownSqlVersion(String::from(other))),
        }
    }
}

impl fmt::Display for SqlVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
