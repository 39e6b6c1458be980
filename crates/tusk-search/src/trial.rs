//! A [`Trial`]: one evaluated (or running, pruned, failed) set of parameters.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrialState {
    Running,
    Complete,
    /// Stopped early by the pruner; its value is the last one reported.
    Pruned,
    /// Raised, diverged (a non-finite loss) or was lost; never a candidate for the best.
    Failed,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Trial {
    pub number: u64,
    pub params: Map<String, Value>,
    pub state: TrialState,
    /// The loss to minimise (complete or pruned trials).
    pub value: Option<f64>,
}

impl Trial {
    /// A finished trial whose value may guide the sampler: complete or pruned, finite.
    pub fn scored(&self) -> Option<f64> {
        match self.state {
            TrialState::Complete | TrialState::Pruned => self.value.filter(|v| v.is_finite()),
            _ => None,
        }
    }
}
