//! Running a [`Graph`]: activation and gradient buffers sized once for a batch capacity,
//! the forward pass in node order and the backward pass in reverse order.
//!
//! Buffers: `acts[i]` holds node `i`'s output for up to `capacity` samples; the model's
//! input batches are written straight into the input nodes' `acts`. `grads[i]` holds
//! dLoss/d(output of node i) for nodes that need it; the losses write the output nodes'.
//! When several nodes read one node, their input gradients are summed (via `extra`).

use super::graph::Graph;
use crate::kernels::{add_assign, AlignedBuf};
use crate::layers::Ctx;
use rand::rngs::SmallRng;
use smallvec::SmallVec;

#[derive(Default)]
pub struct Buffers {
    pub capacity: usize,
    pub acts: Vec<AlignedBuf>,
    pub grads: Vec<AlignedBuf>,
    /// Second gradient buffer for nodes read by several nodes.
    extra: Vec<AlignedBuf>,
    /// Whether node `i`'s output gradient is needed (it leads to trainable weights).
    wants_grad: Vec<bool>,
    written: Vec<bool>,
    /// Values per sample of each node's output.
    out_lens: Vec<usize>,
}

impl Buffers {
    /// Sizes every buffer (and every layer's scratch) for batches of up to `capacity`.
    pub fn ensure(&mut self, graph: &mut Graph, capacity: usize) {
        if self.capacity >= capacity && self.acts.len() == graph.nodes.len() {
            return;
        }
        let n = graph.nodes.len();
        let mut consumers = vec![0usize; n];
        for node in &graph.nodes {
            node.inputs.iter().for_each(|&j| consumers[j] += 1);
        }
        self.wants_grad = vec![false; n];
        for i in 0..n {
            let node = &graph.nodes[i];
            let trainable = graph.vars.iter().any(|v| v.layer == i && v.trainable);
            let upstream = node.layer.differentiable_input() && node.inputs.iter().any(|&j| self.wants_grad[j]);
            self.wants_grad[i] = trainable || upstream;
        }
        self.out_lens = graph.nodes.iter().map(|n| n.out_len()).collect();
        let size = |i: usize| capacity * graph.nodes[i].out_len();
        self.acts = (0..n).map(|i| AlignedBuf::zeros(size(i))).collect();
        self.grads = (0..n).map(|i| if self.wants_grad[i] || graph.outputs.contains(&i) { AlignedBuf::zeros(size(i)) } else { AlignedBuf::default() }).collect();
        self.extra = (0..n).map(|i| if self.wants_grad[i] && consumers[i] > 1 { AlignedBuf::zeros(size(i)) } else { AlignedBuf::default() }).collect();
        self.written = vec![false; n];
        for node in &mut graph.nodes {
            node.layer.set_capacity(capacity);
        }
        self.capacity = capacity;
    }

    /// Runs every non-input node on the first `batch` samples of the input buffers.
    /// In training mode each layer then writes its state (moving statistics) into `params`.
    pub fn forward(&mut self, graph: &mut Graph, params: &mut [f32], batch: usize, training: bool, rng: &mut SmallRng) {
        let mut ctx = Ctx { batch, training, rng };
        for i in 0..graph.nodes.len() {
            let node = &mut graph.nodes[i];
            if node.inputs.is_empty() {
                continue;
            }
            let mut y = std::mem::take(&mut self.acts[i]);
            let len = batch * node.out_len();
            {
                let xs: SmallVec<[&[f32]; 4]> = node.inputs.iter().map(|&j| &self.acts[j][..batch * self.out_lens[j]]).collect();
                node.layer.forward(&mut ctx, &xs, &params[node.params.clone()], &mut y[..len]);
            }
            if training {
                node.layer.update_state(&mut params[node.params.clone()]);
            }
            self.acts[i] = y;
        }
    }

    /// Back-propagates from the output gradients (already in `grads[outputs]`) into
    /// `param_grads` (overwritten for every node reached).
    pub fn backward(&mut self, graph: &mut Graph, params: &[f32], param_grads: &mut [f32], batch: usize) {
        self.written.iter_mut().for_each(|w| *w = false);
        for &o in &graph.outputs {
            self.written[o] = true;
        }
        for i in (0..graph.nodes.len()).rev() {
            if !self.written[i] || graph.nodes[i].inputs.is_empty() || !self.wants_grad[i] {
                continue;
            }
            let node = &mut graph.nodes[i];
            let len = batch * node.out_len();
            let mut dy = std::mem::take(&mut self.grads[i]);
            // For each input: write straight into its gradient buffer the first time,
            // into its `extra` buffer (then add) when another node already wrote it.
            let mut outs: SmallVec<[(AlignedBuf, bool); 4]> = SmallVec::new();
            for &j in &node.inputs {
                let take = self.wants_grad[j] && node.layer.differentiable_input();
                let direct = !self.written[j];
                let buf = match (take, direct) {
                    (false, _) => AlignedBuf::default(),
                    (true, true) => std::mem::take(&mut self.grads[j]),
                    (true, false) => std::mem::take(&mut self.extra[j]),
                };
                outs.push((buf, direct));
            }
            {
                let xs: SmallVec<[&[f32]; 4]> = node.inputs.iter().map(|&j| &self.acts[j][..batch * self.out_lens[j]]).collect();
                let mut dxs: SmallVec<[&mut [f32]; 4]> = outs
                    .iter_mut()
                    .zip(&node.inputs)
                    .map(|((b, _), &j)| if b.is_empty() { &mut b[..] } else { &mut b[..batch * self.out_lens[j]] })
                    .collect();
                let range = node.params.clone();
                node.layer.backward(batch, &xs, &self.acts[i][..len], &mut dy[..len], &params[range.clone()], &mut param_grads[range], &mut dxs);
            }
            self.grads[i] = dy;
            for (&j, (buf, direct)) in node.inputs.iter().zip(outs) {
                if buf.is_empty() {
                    continue;
                }
                if direct {
                    self.grads[j] = buf;
                    self.written[j] = true;
                } else {
                    let l = batch * self.out_lens[j];
                    add_assign(&mut self.grads[j][..l], &buf[..l]);
                    self.extra[j] = buf;
                }
            }
        }
    }
}
