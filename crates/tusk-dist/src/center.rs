//! The center weights `C` the server holds, and how a delta is applied to them.
//!
//! Locked store (every mode but hogwild): a read/write lock, many pulls at once, one
//! commit at a time. Lock-free store (hogwild): one `AtomicU32` per weight, read and
//! written with relaxed loads and stores, so concurrent commits may overwrite each other's
//! additions (racy by design, as in Hogwild!) without undefined behaviour.
//!
//! With a driver optimizer (older Elephas), a delta is applied as the gradient `−Δ` of a
//! Keras optimizer step on the trainable weights; non-trainable weights (batch-norm
//! statistics) take the delta as it is.

use crate::protocol::Delta;
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};
use std::sync::{Mutex, RwLock};
use tusk_core::model::VarInfo;
use tusk_core::Optimizer;

enum Store {
    Locked(RwLock<Vec<f32>>),
    LockFree(Box<[AtomicU32]>),
}

struct Driver {
    optimizer: Optimizer,
    vars: Vec<VarInfo>,
    grads: Vec<f32>,
    scratch: Vec<f32>,
}

pub struct Center {
    store: Store,
    driver: Option<Mutex<Driver>>,
}

impl Center {
    /// `driver`: the optimizer and the model's variables (which weights are trainable).
    pub fn new(init: Vec<f32>, lock_free: bool, driver: Option<(Optimizer, Vec<VarInfo>)>) -> Center {
        let n = init.len();
        let store = if lock_free { Store::LockFree(init.into_iter().map(|v| AtomicU32::new(v.to_bits())).collect()) } else { Store::Locked(RwLock::new(init)) };
        let driver = driver.map(|(optimizer, vars)| Mutex::new(Driver { optimizer, vars, grads: vec![0.0; n], scratch: vec![0.0; n] }));
        Center { store, driver }
    }

    pub fn len(&self) -> usize {
        match &self.store {
            Store::Locked(v) => v.read().expect("center lock").len(),
            Store::LockFree(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Copies the weights into `out`.
    pub fn read_into(&self, out: &mut Vec<f32>) {
        out.clear();
        match &self.store {
            Store::Locked(v) => out.extend_from_slice(&v.read().expect("center lock")),
            Store::LockFree(v) => out.extend(v.iter().map(|a| f32::from_bits(a.load(Relaxed)))),
        }
    }

    pub fn snapshot(&self) -> Vec<f32> {
        let mut out = Vec::with_capacity(self.len());
        self.read_into(&mut out);
        out
    }

    /// `C ← C + scale Δ`, or through the driver optimizer with gradient `−scale Δ`.
    pub fn apply(&self, delta: &Delta, scale: f32) {
        let Some(driver) = &self.driver else {
            match &self.store {
                Store::Locked(v) => delta.add_to(&mut v.write().expect("center lock"), scale),
                Store::LockFree(v) => add_racy(v, delta, scale),
            }
            return;
        };
        let mut d = driver.lock().expect("driver optimizer lock");
        let Driver { optimizer, vars, grads, scratch } = &mut *d;
        grads.iter_mut().for_each(|g| *g = 0.0);
        delta.add_to(grads, -scale);
        match &self.store {
            Store::Locked(v) => {
                let mut c = v.write().expect("center lock");
                optimizer.step(&mut c, grads, vars);
                add_untrainable(&mut c, grads, vars);
            }
            Store::LockFree(v) => {
                self.read_into(scratch);
                let before = scratch.clone();
                optimizer.step(scratch, grads, vars);
                add_untrainable(scratch, grads, vars);
                let step: Vec<f32> = scratch.iter().zip(&before).map(|(a, b)| a - b).collect();
                add_racy(v, &Delta::Dense(step), 1.0);
            }
        }
    }

    /// The driver optimizer's state (for checkpoints), if there is one.
    pub fn driver_state(&self) -> Option<Vec<(String, Vec<f32>)>> {
        self.driver.as_ref().map(|d| d.lock().expect("driver optimizer lock").optimizer.state())
    }

    pub fn set_driver_state(&self, state: &[(String, Vec<f32>)]) -> tusk_core::Result<()> {
        let n = self.len();
        match &self.driver {
            Some(d) => d.lock().expect("driver optimizer lock").optimizer.set_state(state, n),
            None => Ok(()),
        }
    }
}

/// Non-trainable weights get `C ← C − grads` (that is, `+ scale Δ`): the optimizer skips them.
fn add_untrainable(c: &mut [f32], grads: &[f32], vars: &[VarInfo]) {
    for v in vars.iter().filter(|v| !v.trainable) {
        let r = v.offset..v.offset + v.len;
        c[r.clone()].iter_mut().zip(&grads[r]).for_each(|(c, g)| *c -= g);
    }
}

fn add_racy(v: &[AtomicU32], delta: &Delta, scale: f32) {
    let add = |a: &AtomicU32, x: f32| a.store((f32::from_bits(a.load(Relaxed)) + scale * x).to_bits(), Relaxed);
    match delta {
        Delta::TopK { indices, values, .. } => indices.iter().zip(values).for_each(|(&i, &x)| add(&v[i as usize], x)),
        Delta::Dense(d) => v.iter().zip(d).for_each(|(a, &x)| add(a, x)),
        other => v.iter().zip(other.to_dense()).for_each(|(a, x)| add(a, x)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn plain_addition_in_both_stores() {
        for lock_free in [false, true] {
            let c = Center::new(vec![1.0, 2.0, 3.0], lock_free, None);
            c.apply(&Delta::Dense(vec![0.5, -1.0, 0.0]), 2.0);
            c.apply(&Delta::TopK { len: 3, indices: vec![2], values: vec![1.0] }, 1.0);
            assert_eq!(c.snapshot(), [2.0, 0.0, 4.0], "lock_free = {lock_free}");
        }
    }

    #[test]
    fn a_driver_sgd_applies_the_delta_as_a_negative_gradient() {
        // SGD(lr = 0.5) with g = −Δ: C ← C + 0.5 Δ; the non-trainable weight takes Δ as it is.
        let vars = vec![
            VarInfo { name: "d/kernel".into(), layer: 0, shape: vec![2], offset: 0, len: 2, trainable: true },
            VarInfo { name: "bn/moving_mean".into(), layer: 1, shape: vec![1], offset: 2, len: 1, trainable: false },
        ];
        for lock_free in [false, true] {
            let opt = Optimizer::from_config(&json!({"class_name": "SGD", "config": {"learning_rate": 0.5}})).unwrap();
            let c = Center::new(vec![1.0, 1.0, 1.0], lock_free, Some((opt, vars.clone())));
            c.apply(&Delta::Dense(vec![2.0, -2.0, 4.0]), 1.0);
            assert_eq!(c.snapshot(), [2.0, 0.0, 5.0], "lock_free = {lock_free}");
            assert!(c.driver_state().is_some());
        }
    }
}
