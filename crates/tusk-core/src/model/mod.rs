//! Models: descriptions ([`spec`]), the built graph, buffers and passes, and the
//! [`Model`] API (compile, predict, evaluate, train_on_batch, weights).

mod compiled;
mod exec;
mod graph;
pub(crate) mod model;
mod spec;
mod weights;

pub use compiled::{Compiled, Logs};
pub use graph::VarInfo;
pub use model::Model;
pub use spec::{GraphSpec, LayerSpec, ModelKind, NodeSpec, Sequential};
pub(crate) use spec::sequential_spec as spec_sequential;
