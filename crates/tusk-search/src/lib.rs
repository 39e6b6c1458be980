//! tusk-search: the search half of hyper-parameter optimisation, apart from training.
//!
//! - [`space`]: a [`SearchSpace`] of named [`Distribution`]s — hyperas'/hyperopt's `choice`,
//!   `uniform`, `quniform`, `loguniform`, `qloguniform`, `normal`, `lognormal`, `randint` with
//!   their semantics (`loguniform(a, b)` is `exp(uniform(a, b))`), checked once, errors naming
//!   the parameter.
//! - [`random`]: independent draws ([`RandomSampler`]).
//! - [`tpe`]: the Tree-structured Parzen Estimator ([`TpeSampler`]), univariate, with Optuna's
//!   defaults.
//! - [`asha`]: asynchronous successive halving ([`Asha`]): whether a trial goes on to its next
//!   rung of epochs.
//!
//! Samplers see the finished trials ([`Trial`]) and propose parameters as JSON values, the
//! form a model function or a training config takes them in. Nothing here trains or stores.

pub mod asha;
pub mod error;
pub mod random;
pub mod space;
pub mod tpe;
pub mod trial;

pub use asha::Asha;
pub use error::{Error, Result};
pub use random::RandomSampler;
pub use space::{Distribution, SearchSpace};
pub use tpe::{TpeSampler, TpeSettings};
pub use trial::{Trial, TrialState};

/// Proposes the next trial's parameters from the space and the trials so far.
pub trait Sampler {
    fn sample(&mut self, space: &SearchSpace, history: &[Trial]) -> serde_json::Map<String, serde_json::Value>;
}
