//! [`ActorName`]: the name an actor is registered, configured and reported under.

use std::fmt;
use std::sync::Arc;

use serde::{Serialize, Serializer};

/// The unique name of a supervised actor ("circuit", "scene", "plugin:sky"…).
///
/// Names key the configuration (`[actors.NAME]`), the fault-injection
/// switches (`KESTREL_FAULTS=NAME:…`) and the telemetry rows. Cheap to clone.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ActorName(Arc<str>);

impl ActorName {
    /// Make a name.
    pub fn new(name: impl AsRef<str>) -> Self {
        Self(Arc::from(name.as_ref()))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ActorName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for ActorName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for ActorName {
    fn from(s: &str) -> Self {
        Self::new(s)
    }
}

impl From<String> for ActorName {
    fn from(s: String) -> Self {
        Self(Arc::from(s))
    }
}

impl Serialize for ActorName {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}
