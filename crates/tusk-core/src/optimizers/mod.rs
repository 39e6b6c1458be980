//! Keras 3's optimizers (SGD, RMSprop, Adagrad, Adadelta, Adam, AdamW, Nadam) with their
//! defaults, gradient clipping (`clipvalue`, per-variable `clipnorm`, `global_clipnorm`) and
//! decoupled weight decay, stepping the trainable variables of a flat parameter buffer.
//!
//! State: slot buffers the size of the parameter buffer (e.g. Adam's `m`, `v`) and the step
//! counter `iterations`; [`Optimizer::state`] and [`Optimizer::set_state`] save and restore them.

mod config;
mod rules;

use crate::error::{Error, Result};
use crate::kernels::{num_threads, parallel, scale, share, sum_sq, AlignedBuf, SyncPtr};
use smallvec::SmallVec;
use crate::model::VarInfo;

/// Values shared by all variables in one step.
struct Scalars {
    lr: f32,
    /// Adam's bias-corrected step size.
    alpha: f32,
    /// Nadam's momentum and gradient coefficients and second-moment correction.
    c_m: f32,
    c_g: f32,
    v_corr: f32,
}

/// Variables smaller than this are updated on one thread. (Splitting the `mlp` preset's
/// 100k-weight kernel gained 25% in some runs and lost 60% in others on 2-core VMs.)
const PARALLEL_MIN_LEN: usize = 1 << 18;

/// Applies `rule` to one variable, split into contiguous parts run on the kernel team
/// (the rules are elementwise, so any split gives the same result).
fn update_split(rule: &Rule, sc: &Scalars, p: &mut [f32], g: &[f32], slots: &mut [&mut [f32]]) {
    let len = p.len();
    if len < PARALLEL_MIN_LEN {
        return update(rule, sc, p, g, slots);
    }
    let pp = SyncPtr::new(p);
    let sp: SmallVec<[SyncPtr<f32>; 3]> = slots.iter_mut().map(|s| SyncPtr::new(s)).collect();
    parallel(num_threads(), &|t, n| {
        let r = share(len, t, n, 16);
        // SAFETY: parts cover disjoint ranges of each buffer, all of length `len`.
        let mut parts: SmallVec<[&mut [f32]; 3]> = sp.iter().map(|s| unsafe { s.slice(r.start, r.len()) }).collect();
        update(rule, sc, unsafe { pp.slice(r.start, r.len()) }, &g[r.clone()], &mut parts);
    });
}

fn update(rule: &Rule, sc: &Scalars, p: &mut [f32], g: &[f32], slots: &mut [&mut [f32]]) {
    let mut slots = slots.iter_mut().map(|s| &mut **s);
    let mut next = || slots.next().unwrap_or_default();
    match *rule {
        Rule::Sgd { momentum, nesterov } => rules::sgd(p, g, next(), sc.lr, momentum, nesterov),
        Rule::RmsProp { rho, momentum, epsilon, centered } => {
            let (v, m, mg) = (next(), next(), next());
            rules::rmsprop(p, g, v, m, mg, sc.lr, rho, momentum, epsilon, centered)
        }
        Rule::Adagrad { epsilon, .. } => rules::adagrad(p, g, next(), sc.lr, epsilon),
        Rule::Adadelta { rho, epsilon } => {
            let (a, b) = (next(), next());
            rules::adadelta(p, g, a, b, sc.lr, rho, epsilon)
        }
        Rule::Adam { beta_1, beta_2, epsilon, amsgrad } => {
            let (m, v, vhat) = (next(), next(), next());
            rules::adam(p, g, m, v, vhat, sc.alpha, beta_1, beta_2, epsilon, amsgrad)
        }
        Rule::Nadam { beta_1, beta_2, epsilon } => {
            let (m, v) = (next(), next());
            rules::nadam(p, g, m, v, sc.lr, beta_1, beta_2, epsilon, sc.c_m, sc.c_g, sc.v_corr)
        }
    }
}

/// The update rule and its hyper-parameters.
#[derive(Clone, Debug, PartialEq)]
pub enum Rule {
    Sgd { momentum: f32, nesterov: bool },
    RmsProp { rho: f32, momentum: f32, epsilon: f32, centered: bool },
    Adagrad { initial_accumulator_value: f32, epsilon: f32 },
    Adadelta { rho: f32, epsilon: f32 },
    Adam { beta_1: f32, beta_2: f32, epsilon: f32, amsgrad: bool },
    Nadam { beta_1: f32, beta_2: f32, epsilon: f32 },
}

#[derive(Clone, Debug)]
pub struct Optimizer {
    /// Keras class name: `SGD`, `RMSprop`, `Adagrad`, `Adadelta`, `Adam`, `AdamW`, `Nadam`.
    pub class: &'static str,
    pub rule: Rule,
    pub learning_rate: f32,
    pub weight_decay: Option<f32>,
    pub clipnorm: Option<f32>,
    pub clipvalue: Option<f32>,
    pub global_clipnorm: Option<f32>,
    /// Keras 2's inverse-time decay: step `t` (from 0) uses `learning_rate / (1 + decay * t)`.
    pub decay: f32,
    /// Steps taken so far.
    pub iterations: u64,
    slots: Vec<AlignedBuf>,
    /// Nadam's running product of momentum schedule values, kept at `f32` precision (as
    /// Keras' float32 variable is) so that the saved state restores it exactly.
    u_product: f64,
}

impl Optimizer {
    fn new(class: &'static str, rule: Rule, learning_rate: f32) -> Self {
        Optimizer {
            class,
            rule,
            learning_rate,
            weight_decay: None,
            clipnorm: None,
            clipvalue: None,
            global_clipnorm: None,
            decay: 0.0,
            iterations: 0,
            slots: Vec::new(),
            u_product: 1.0,
        }
    }

    fn slot_count(&self) -> usize {
        match self.rule {
            Rule::Sgd { momentum, .. } => (momentum != 0.0) as usize,
            Rule::RmsProp { .. } => 3,
            Rule::Adagrad { .. } => 1,
            Rule::Adadelta { .. } | Rule::Nadam { .. } => 2,
            Rule::Adam { amsgrad, .. } => 2 + amsgrad as usize,
        }
    }

    /// Applies one step: `grads` (clipped in place) to the trainable `vars` of `params`.
    pub fn step(&mut self, params: &mut [f32], grads: &mut [f32], vars: &[VarInfo]) {
        if self.slots.is_empty() || self.slots.first().is_some_and(|s| s.len() != params.len()) {
            let init = match self.rule {
                Rule::Adagrad { initial_accumulator_value, .. } => initial_accumulator_value,
                _ => 0.0,
            };
            self.slots = (0..self.slot_count())
                .map(|_| {
                    let mut s = AlignedBuf::zeros(params.len());
                    s.fill(init);
                    s
                })
                .collect();
        }
        self.clip(grads, vars);
        self.iterations += 1;
        let sc = self.step_scalars();
        for var in vars.iter().filter(|v| v.trainable) {
            let r = var.offset..var.offset + var.len;
            let p = &mut params[r.clone()];
            if let Some(wd) = self.weight_decay.filter(|&wd| wd > 0.0) {
                scale(p, 1.0 - wd * sc.lr);
            }
            let mut slots: SmallVec<[&mut [f32]; 3]> = self.slots.iter_mut().map(|s| &mut s[r.clone()]).collect();
            update_split(&self.rule, &sc, p, &grads[r.clone()], &mut slots);
        }
    }

    /// This step's learning rate and bias corrections (advances Nadam's running product).
    fn step_scalars(&mut self) -> Scalars {
        let t = self.iterations as f64;
        let lr = self.learning_rate / (1.0 + self.decay * (t - 1.0) as f32);
        let mut sc = Scalars { lr, alpha: lr, c_m: 0.0, c_g: 0.0, v_corr: 1.0 };
        match self.rule {
            Rule::Adam { beta_1, beta_2, .. } => {
                sc.alpha = (lr as f64 * (1.0 - (beta_2 as f64).powf(t)).sqrt() / (1.0 - (beta_1 as f64).powf(t))) as f32;
            }
            // Keras 3: `u_t = beta_1 (1 - 0.5 * 0.96^t)`; Keras 2's `0.96^(0.004 t)` schedule is gone.
            Rule::Nadam { beta_1, beta_2, .. } => {
                let b1 = beta_1 as f64;
                let u_t = b1 * (1.0 - 0.5 * 0.96f64.powf(t));
                let u_t1 = b1 * (1.0 - 0.5 * 0.96f64.powf(t + 1.0));
                let up_t = (self.u_product * u_t) as f32 as f64;
                let up_t1 = up_t * u_t1;
                self.u_product = up_t;
                sc.c_m = (u_t1 / (1.0 - up_t1)) as f32;
                sc.c_g = ((1.0 - u_t) / (1.0 - up_t)) as f32;
                sc.v_corr = (1.0 - (beta_2 as f64).powf(t)) as f32;
            }
            _ => {}
        }
        sc
    }

    fn clip(&self, grads: &mut [f32], vars: &[VarInfo]) {
        let trainable = || vars.iter().filter(|v| v.trainable);
        if let Some(c) = self.clipvalue {
            for v in trainable() {
                grads[v.offset..v.offset + v.len].iter_mut().for_each(|g| *g = g.clamp(-c, c));
            }
        }
        if let Some(c) = self.clipnorm {
            for v in trainable() {
                let g = &mut grads[v.offset..v.offset + v.len];
                let norm = sum_sq(g).sqrt() as f32;
                if norm > c {
                    scale(g, c / norm);
                }
            }
        }
        if let Some(c) = self.global_clipnorm {
            let norm = trainable().map(|v| sum_sq(&grads[v.offset..v.offset + v.len])).sum::<f64>().sqrt() as f32;
            if norm > c {
                for v in trainable() {
                    scale(&mut grads[v.offset..v.offset + v.len], c / norm);
                }
            }
        }
    }

    /// The optimizer's state: `iterations` (as `[low 24 bits, the rest]`, exact in `f32`),
    /// Nadam's `u_product`, and each slot buffer.
    pub fn state(&self) -> Vec<(String, Vec<f32>)> {
        let it = self.iterations;
        let mut out = vec![
            ("iterations".to_string(), vec![(it & 0xFF_FFFF) as f32, (it >> 24) as f32]),
            ("u_product".to_string(), vec![self.u_product as f32]),
        ];
        out.extend(self.slots.iter().enumerate().map(|(i, s)| (format!("slot_{i}"), s.to_vec())));
        out
    }

    /// Restores a state written by [`Self::state`] for a model with `n_params` parameters.
    pub fn set_state(&mut self, state: &[(String, Vec<f32>)], n_params: usize) -> Result<()> {
        let get = |name: &str| state.iter().find(|(n, _)| n == name).map(|(_, v)| v);
        self.iterations = match get("iterations").map(|v| v.as_slice()) {
            Some([lo, hi, ..]) => ((*hi as u64) << 24) + *lo as u64,
            Some([count]) => *count as u64,
            _ => 0,
        };
        self.u_product = get("u_product").and_then(|v| v.first()).map_or(1.0, |&x| x as f64);
        let slots: Vec<&Vec<f32>> = (0..self.slot_count()).filter_map(|i| get(&format!("slot_{i}"))).collect();
        if slots.is_empty() && self.iterations == 0 {
            // Saved before the first step: no slots yet; they are made on the first step.
            self.slots.clear();
            return Ok(());
        }
        if slots.len() != self.slot_count() || slots.iter().any(|s| s.len() != n_params) {
            return Err(Error::shape(format!(
                "optimizer state for {} does not fit: expected {} slot(s) of {n_params} values",
                self.class,
                self.slot_count()
            )));
        }
        self.slots = slots
            .into_iter()
            .map(|v| {
                let mut s = AlignedBuf::zeros(v.len());
                s.copy_from_slice(v);
                s
            })
            .collect();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_restores_every_step_counter_and_nadam_exactly() {
        let vars = [VarInfo { name: "l/w".into(), layer: 0, shape: vec![3], offset: 0, len: 3, trainable: true }];
        let mut a = Optimizer::from_name("nadam").unwrap();
        let (mut pa, mut g) = (vec![0.5f32, -0.2, 0.1], vec![0.3f32, -0.1, 0.05]);
        for _ in 0..5 {
            a.step(&mut pa, &mut g.clone(), &vars);
        }
        a.iterations += (1 << 30) + 12_345; // past f32's exact integers
        let mut b = Optimizer::from_name("nadam").unwrap();
        b.set_state(&a.state(), 3).unwrap();
        assert_eq!((b.iterations, b.u_product), (a.iterations, a.u_product));
        let mut pb = pa.clone();
        a.step(&mut pa, &mut g, &vars);
        b.step(&mut pb, &mut [0.3f32, -0.1, 0.05], &vars);
        assert_eq!(pa, pb);
    }
}
