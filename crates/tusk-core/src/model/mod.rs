//! Models: descriptions ([`spec`]), the built graph, buffers and passes, and the
//! [`Model`] API (compile, predict, evaluate, train_on_batch, weights).

mod compiled;
mod exec;
mod graph;
pub(crate) mod model;
mod spec;
mod weights;

pub(crate) use compiled::Accumulator;
pub use compiled::{Compiled, Logs};
pub use graph::VarInfo;
pub use model::Model;
pub use spec::{Functional, GraphSpec, LayerSpec, ModelKind, NodeId, NodeSpec, Sequential};
pub(crate) use spec::sequential_spec as spec_sequential;
