//! [`Model`]: a built graph, its flat parameter and gradient buffers, and the Keras
//! calls `compile`, `predict`, `evaluate` and `train_on_batch` (`fit` is in `train`).
//!
//! Data: one [`Tensor`] per model input, `[n, *input_shape]`, and one per output for
//! targets, `[n, *output_shape]` (or class indices `[n]`/`[n, 1]` for a sparse loss).

use super::compiled::{Accumulator, Compiled, Logs};
use super::exec::Buffers;
use super::graph::Graph;
use super::spec::{GraphSpec, ModelKind};
use crate::error::{Error, Result};
use crate::kernels::AlignedBuf;
use crate::losses::Loss;
use crate::metrics::Metric;
use crate::optimizers::Optimizer;
use crate::tensor::Tensor;
use rand::rngs::SmallRng;
use rand::SeedableRng;

pub struct Model {
    pub name: String,
    pub kind: ModelKind,
    pub(crate) graph: Graph,
    pub(crate) params: AlignedBuf,
    pub(crate) grads: AlignedBuf,
    bufs: Buffers,
    rng: SmallRng,
    pub(crate) compiled: Option<Compiled>,
    /// Per output: the current batch's targets.
    targets: Vec<Vec<f32>>,
}

impl Model {
    /// Builds the model described by `spec` with weights drawn from its initialisers.
    pub fn from_spec(spec: &GraphSpec, seed: u64) -> Result<Model> {
        let graph = Graph::build(spec)?;
        let mut model = Model {
            name: spec.name.clone(),
            kind: spec.kind,
            params: AlignedBuf::zeros(graph.n_params),
            grads: AlignedBuf::zeros(graph.n_params),
            targets: vec![Vec::new(); graph.outputs.len()],
            graph,
            bufs: Buffers::default(),
            rng: SmallRng::seed_from_u64(seed),
            compiled: None,
        };
        model.initialize(seed);
        Ok(model)
    }

    /// Redraws every weight from its initialiser with `seed`, and reseeds dropout.
    pub fn initialize(&mut self, seed: u64) {
        let mut rng = SmallRng::seed_from_u64(seed);
        for (node, v) in self.graph.vars.iter().map(|v| (&self.graph.nodes[v.layer], v)) {
            let spec = node.layer.params().iter().find(|p| v.name.ends_with(&format!("/{}", p.name))).expect("var of its layer");
            spec.init.fill(&mut self.params[v.offset..v.offset + v.len], &v.shape, &mut rng);
        }
        self.rng = SmallRng::seed_from_u64(seed ^ 0x9e37_79b9_7f4a_7c15);
    }

    /// Sets the loss (one for all outputs, or one per output), optimizer and metrics.
    pub fn compile(&mut self, losses: Vec<Loss>, optimizer: Optimizer, metrics: &[&str]) -> Result<()> {
        optimizer.validate()?;
        let n_out = self.graph.outputs.len();
        let losses = match losses.len() {
            1 => vec![losses[0].clone(); n_out],
            n if n == n_out => losses,
            n => return Err(Error::config(format!("compile: {n} losses for a model with {n_out} outputs"))),
        };
        let per_output = self.resolve_metrics(&losses, metrics)?;
        // Softmax/sigmoid outputs read by no other layer hand their activation to the loss.
        let mut fused = Vec::with_capacity(n_out);
        for (&node, loss) in self.graph.outputs.iter().zip(&losses) {
            let consumed = self.graph.nodes.iter().any(|n| n.inputs.contains(&node));
            let which = if consumed { None } else { loss.fusable_activation() };
            fused.push(self.graph.nodes[node].layer.hand_activation_to_loss(which));
        }
        self.compiled = Some(Compiled {
            losses,
            loss_weights: vec![1.0; n_out],
            optimizer,
            metrics: per_output,
            metric_names: metrics.iter().map(|m| m.to_string()).collect(),
            fused,
        });
        Ok(())
    }

    /// Keras' `loss_weights`: the total loss is `sum_o weight_o * loss_o` over the outputs.
    pub fn set_loss_weights(&mut self, weights: &[f32]) -> Result<()> {
        let n_out = self.graph.outputs.len();
        let compiled = self.compiled.as_mut().ok_or_else(|| Error::state("set_loss_weights: the model must be compiled first (call compile)"))?;
        if weights.len() != n_out || weights.iter().any(|w| !w.is_finite() || *w < 0.0) {
            return Err(Error::config(format!("loss_weights: need {n_out} finite, non-negative weight(s), got {weights:?}")));
        }
        compiled.loss_weights = weights.to_vec();
        Ok(())
    }

    /// Each output's metrics, resolved by name against its shape and loss.
    fn resolve_metrics(&self, losses: &[Loss], metrics: &[&str]) -> Result<Vec<Vec<Metric>>> {
        let resolve = |(o, loss): (&Vec<usize>, &Loss)| {
            let k = *o.last().unwrap_or(&1);
            metrics.iter().map(|m| Metric::resolve(m, k, loss.target_len(k))).collect::<Result<Vec<_>>>()
        };
        self.output_shapes().iter().zip(losses).map(resolve).collect()
    }

    /// Replaces the compiled metrics, keeping the losses and the optimizer with its state
    /// (Keras 1's `show_accuracy=True` adds `accuracy` to a compiled model).
    pub fn set_metrics(&mut self, metrics: &[&str]) -> Result<()> {
        let losses = self.require_compiled("set_metrics")?.losses.clone();
        let per_output = self.resolve_metrics(&losses, metrics)?;
        let compiled = self.compiled.as_mut().expect("checked above");
        compiled.metrics = per_output;
        compiled.metric_names = metrics.iter().map(|m| m.to_string()).collect();
        Ok(())
    }

    pub fn compiled(&self) -> Option<&Compiled> {
        self.compiled.as_ref()
    }
    pub fn optimizer_mut(&mut self) -> Option<&mut Optimizer> {
        self.compiled.as_mut().map(|c| &mut c.optimizer)
    }
    pub(crate) fn require_compiled(&self, what: &str) -> Result<&Compiled> {
        self.compiled.as_ref().ok_or_else(|| Error::state(format!("{what}: the model must be compiled first (call compile)")))
    }

    pub fn input_shapes(&self) -> Vec<Vec<usize>> {
        self.graph.inputs.iter().map(|&i| self.graph.nodes[i].layer.output_shape().to_vec()).collect()
    }
    pub fn output_shapes(&self) -> Vec<Vec<usize>> {
        self.graph.outputs.iter().map(|&i| self.graph.nodes[i].layer.output_shape().to_vec()).collect()
    }
    pub fn input_names(&self) -> Vec<&str> {
        self.graph.inputs.iter().map(|&i| self.graph.nodes[i].layer.name()).collect()
    }
    pub fn output_names(&self) -> Vec<&str> {
        self.graph.outputs.iter().map(|&i| self.graph.nodes[i].layer.name()).collect()
    }

    /// Checks one tensor per input with the right per-sample shape; returns the sample count.
    pub fn check_inputs(&self, x: &[Tensor]) -> Result<usize> {
        let shapes = self.input_shapes();
        if x.len() != shapes.len() {
            return Err(Error::shape(format!("model '{}' has {} input(s), got {} array(s)", self.name, shapes.len(), x.len())));
        }
        for ((t, want), name) in x.iter().zip(&shapes).zip(self.input_names()) {
            if t.sample_shape() != want.as_slice() {
                return Err(Error::shape(format!("input '{name}' expects samples of shape {want:?}, got data of shape {:?}", t.shape())));
            }
            if t.rows() != x[0].rows() {
                return Err(Error::shape(format!("inputs have different sample counts: {} and {}", x[0].rows(), t.rows())));
            }
        }
        // Layers that read a model input directly validate its values (Embedding ids).
        for node in &self.graph.nodes {
            for (arg, j) in node.inputs.iter().enumerate() {
                if let Some(k) = self.graph.inputs.iter().position(|i| i == j) {
                    node.layer.check_input(arg, x[k].data())?;
                }
            }
        }
        Ok(x[0].rows())
    }

    /// Checks one target tensor per output, `rows` samples each, that fits its loss.
    pub fn check_targets(&self, y: &[Tensor], rows: usize) -> Result<()> {
        let compiled = self.require_compiled("targets")?;
        let outs = self.output_shapes();
        if y.len() != outs.len() {
            return Err(Error::shape(format!("model '{}' has {} output(s), got {} target array(s)", self.name, outs.len(), y.len())));
        }
        for (((t, o), loss), name) in y.iter().zip(&outs).zip(&compiled.losses).zip(self.output_names()) {
            if t.rows() != rows {
                return Err(Error::shape(format!("targets for '{name}' have {} samples but the inputs have {rows}", t.rows())));
            }
            loss.check_targets(name, o, t.sample_shape())?;
        }
        Ok(())
    }

    /// Makes buffers hold batches of up to `batch` samples (allocates only when growing).
    pub(crate) fn reserve(&mut self, batch: usize) {
        self.bufs.ensure(&mut self.graph, batch);
    }

    /// Copies samples `idx` of `x` into the input buffers (no allocation).
    pub(crate) fn load_inputs(&mut self, x: &[Tensor], idx: impl Iterator<Item = usize> + Clone) {
        for (t, &node) in x.iter().zip(&self.graph.inputs) {
            gather(t, idx.clone(), &mut self.bufs.acts[node]);
        }
    }

    /// Copies samples `idx` of `y` into the target buffers (no allocation once sized).
    pub(crate) fn load_targets(&mut self, y: &[Tensor], idx: impl Iterator<Item = usize> + Clone) {
        let cap = self.bufs.capacity;
        for (t, buf) in y.iter().zip(&mut self.targets) {
            if buf.len() < cap * t.row_len() {
                buf.resize(cap * t.row_len(), 0.0);
            }
            gather(t, idx.clone(), buf);
        }
    }

    /// A fresh accumulator for this model's loss and metrics.
    pub(crate) fn accumulator(&self) -> Accumulator {
        Accumulator::new(self.log_names())
    }

    /// Names the accumulator reports: `loss`, then each output's metrics.
    fn log_names(&self) -> Vec<String> {
        let multi = self.graph.outputs.len() > 1;
        let mut names = vec!["loss".to_string()];
        if let Some(c) = &self.compiled {
            for (ms, out) in c.metrics.iter().zip(self.output_names()) {
                names.extend(ms.iter().map(|m| if multi { format!("{out}_{}", m.name) } else { m.name.clone() }));
            }
        }
        names
    }

    /// Forward (and, when training, backward and an optimizer step) on the loaded batch;
    /// adds loss and metrics to `acc`.
    pub(crate) fn run_batch(&mut self, batch: usize, pass: Pass, acc: &mut Accumulator) -> Result<()> {
        let train = pass != Pass::Inference;
        self.bufs.forward(&mut self.graph, &mut self.params, batch, train, &mut self.rng);
        let compiled = self.compiled.as_ref().ok_or_else(|| Error::state("the model must be compiled first"))?;
        let mut total = 0.0;
        let mut slot = 1;
        for (o, &node) in self.graph.outputs.iter().enumerate() {
            let len = batch * self.graph.nodes[node].out_len();
            let k = *self.graph.nodes[node].layer.output_shape().last().unwrap_or(&1);
            let pred = &self.bufs.acts[node][..len];
            let tlen = len / k * compiled.losses[o].target_len(k);
            let target = &self.targets[o][..tlen];
            let w = compiled.loss_weights[o];
            let value = if compiled.fused[o] {
                compiled.losses[o].compute_fused(pred, target, k, &mut self.bufs.grads[node][..len])?
            } else {
                compiled.losses[o].compute(pred, target, k, if train { Some(&mut self.bufs.grads[node][..len]) } else { None })?
            };
            if train && w != 1.0 {
                crate::kernels::scale(&mut self.bufs.grads[node][..len], w);
            }
            total += w as f64 * value;
            for m in &compiled.metrics[o] {
                m.update(&self.bufs.acts[node][..len], target, k, &mut acc.sums[slot]);
                slot += 1;
            }
        }
        acc.sums[0].0 += total * batch as f64;
        acc.sums[0].1 += batch as f64;
        if train {
            self.bufs.backward(&mut self.graph, &self.params, &mut self.grads, batch);
        }
        if pass == Pass::Train {
            let compiled = self.compiled.as_mut().expect("checked above");
            compiled.optimizer.step(&mut self.params, &mut self.grads, &self.graph.vars);
        }
        Ok(())
    }

    /// Model outputs for `x`, computed `batch_size` samples at a time in inference mode.
    pub fn predict(&mut self, x: &[Tensor], batch_size: usize) -> Result<Vec<Tensor>> {
        let n = self.check_inputs(x)?;
        let bs = batch_size.max(1).min(n.max(1));
        self.reserve(bs);
        let outs = self.output_shapes();
        let mut results: Vec<Vec<f32>> = outs.iter().map(|s| Vec::with_capacity(n * s.iter().product::<usize>())).collect();
        for start in (0..n).step_by(bs) {
            let batch = bs.min(n - start);
            self.load_inputs(x, start..start + batch);
            self.bufs.forward(&mut self.graph, &mut self.params, batch, false, &mut self.rng);
            for (r, &node) in results.iter_mut().zip(&self.graph.outputs) {
                r.extend_from_slice(&self.bufs.acts[node][..batch * self.graph.nodes[node].out_len()]);
            }
        }
        results.into_iter().zip(outs).map(|(data, s)| Tensor::new(data, [vec![n], s].concat())).collect()
    }

    /// Loss and metrics on `(x, y)` in inference mode.
    pub fn evaluate(&mut self, x: &[Tensor], y: &[Tensor], batch_size: usize) -> Result<Logs> {
        let n = self.check_inputs(x)?;
        self.check_targets(y, n)?;
        let mut acc = self.accumulator();
        self.run_passes(x, y, batch_size, Pass::Inference, &mut acc)?;
        Ok(acc.logs(""))
    }

    /// One optimizer step on the whole of `(x, y)`; returns that batch's loss and metrics.
    pub fn train_on_batch(&mut self, x: &[Tensor], y: &[Tensor]) -> Result<Logs> {
        let n = self.check_inputs(x)?;
        self.check_targets(y, n)?;
        let mut acc = self.accumulator();
        self.run_passes(x, y, n, Pass::Train, &mut acc)?;
        Ok(acc.logs(""))
    }

    /// The loss on `(x, y)` (one batch, training mode) and its gradient with respect to
    /// the flat parameter buffer, without changing the weights.
    pub fn gradients(&mut self, x: &[Tensor], y: &[Tensor]) -> Result<(f64, &[f32])> {
        let n = self.check_inputs(x)?;
        self.check_targets(y, n)?;
        self.reserve(n);
        self.load_inputs(x, 0..n);
        self.load_targets(y, 0..n);
        let mut acc = self.accumulator();
        self.run_batch(n, Pass::Gradients, &mut acc)?;
        Ok((acc.sums[0].0 / n.max(1) as f64, &self.grads))
    }

    /// Runs all samples of `(x, y)` in order, `batch_size` at a time.
    pub(crate) fn run_passes(&mut self, x: &[Tensor], y: &[Tensor], batch_size: usize, pass: Pass, acc: &mut Accumulator) -> Result<()> {
        let n = x[0].rows();
        let bs = batch_size.max(1).min(n.max(1));
        self.reserve(bs);
        for start in (0..n).step_by(bs) {
            let batch = bs.min(n - start);
            self.load_inputs(x, start..start + batch);
            self.load_targets(y, start..start + batch);
            self.run_batch(batch, pass, acc)?;
        }
        Ok(())
    }
}

/// What a pass over a batch does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Pass {
    /// Forward in inference mode.
    Inference,
    /// Forward and backward in training mode; gradients left in the gradient buffer.
    Gradients,
    /// Forward, backward and an optimizer step.
    Train,
}

/// Copies rows `idx` of `t` back to back into the front of `dst`.
fn gather(t: &Tensor, idx: impl Iterator<Item = usize>, dst: &mut [f32]) {
    let len = t.row_len();
    for (k, i) in idx.enumerate() {
        dst[k * len..(k + 1) * len].copy_from_slice(t.row(i));
    }
}
