//! [`Asha`]: asynchronous successive halving (Li et al., 2020), the pruner Optuna calls
//! `SuccessiveHalvingPruner`. Rung `k` is reached after `min_epochs · ηᵏ` epochs; a trial that
//! reaches a rung goes on only if its value there is among the best `⌊n/η⌋` (at least one) of
//! the `n` trials that have reached that rung so far. Decisions are made as results arrive —
//! no trial waits for a rung to fill — so workers are never left idle.

use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Continue,
    Prune,
}

#[derive(Clone, Debug)]
pub struct Asha {
    /// Epochs of the first rung.
    pub min_epochs: u32,
    /// η: the fraction `1/η` of each rung goes on.
    pub reduction_factor: u32,
    /// Per rung, the value each trial had there.
    rungs: BTreeMap<u32, Vec<(u64, f64)>>,
}

impl Asha {
    /// Optuna's defaults are `min_epochs` 1 and η 4; Li et al. use η 3.
    pub fn new(min_epochs: u32, reduction_factor: u32) -> Self {
        Asha { min_epochs: min_epochs.max(1), reduction_factor: reduction_factor.max(2), rungs: BTreeMap::new() }
    }

    /// The rung at `epoch` (1-based epochs done), if `epoch` is one.
    fn rung(&self, epoch: u32) -> Option<u32> {
        let mut at = self.min_epochs as u64;
        for k in 0..32 {
            if at == epoch as u64 {
                return Some(k);
            }
            if at > epoch as u64 {
                return None;
            }
            at *= self.reduction_factor as u64;
        }
        None
    }

    /// `trial` has finished `epoch` epochs with `value` (lower is better; NaN is worst).
    pub fn report(&mut self, trial: u64, epoch: u32, value: f64) -> Decision {
        let Some(k) = self.rung(epoch) else { return Decision::Continue };
        let value = if value.is_nan() { f64::INFINITY } else { value };
        let rung = self.rungs.entry(k).or_default();
        if !rung.iter().any(|(t, _)| *t == trial) {
            rung.push((trial, value));
        }
        let keep = (rung.len() / self.reduction_factor as usize).max(1);
        let better = rung.iter().filter(|(t, v)| *t != trial && *v < value).count();
        if better < keep {
            Decision::Continue
        } else {
            Decision::Prune
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rungs_are_geometric_and_the_best_go_on() {
        let mut a = Asha::new(1, 3);
        assert_eq!((a.rung(1), a.rung(2), a.rung(3), a.rung(9), a.rung(10)), (Some(0), None, Some(1), Some(2), None));
        // The first trial at a rung always goes on; later ones only if among the best n/3.
        assert_eq!(a.report(0, 1, 0.5), Decision::Continue);
        assert_eq!(a.report(1, 1, 0.9), Decision::Prune);
        assert_eq!(a.report(2, 1, 0.4), Decision::Continue);
        assert_eq!(a.report(3, 2, 10.0), Decision::Continue, "epoch 2 is no rung");
        assert_eq!(a.report(4, 1, f64::NAN), Decision::Prune, "a diverged trial is the worst");
        for t in 5..9 {
            a.report(t, 1, 1.0 + t as f64);
        }
        // 9 trials at rung 0: the best 3 go on (0.4, 0.5 and this one).
        assert_eq!(a.report(9, 1, 0.45), Decision::Continue);
        assert_eq!(a.report(10, 1, 0.6), Decision::Prune);
    }
}
