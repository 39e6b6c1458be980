//! The algorithms of a distributed job: Elephas' modes and dist-keras' trainers
//! ([`Algorithm`]), Elephas' commit [`Frequency`], and the bound on workers. Each enum parses
//! from and displays as the name users write (`FromStr`/`Display`, from one `name` mapping
//! each); the lists of names ([`Algorithm::modes`], [`Algorithm::trainers`],
//! [`Frequency::ALL`]) are the only ones in tusk: the CLI and Python take them from here.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The most workers one job may have: each is a thread (and a connection) on the server's
/// side, and a number past this is a typo, not a cluster.
pub const MAX_WORKERS: usize = 1024;

/// `workers` is in `1..=MAX_WORKERS`.
pub fn check_workers(workers: usize) -> Result<()> {
    if (1..=MAX_WORKERS).contains(&workers) {
        Ok(())
    } else {
        Err(Error::config(format!("workers must be between 1 and {MAX_WORKERS}, got {workers}")))
    }
}

/// Elephas' modes and dist-keras' trainers (`ALGORITHMS.md`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Algorithm {
    /// Elephas `synchronous`: sample-weighted mean of the workers' deltas each round.
    Synchronous,
    /// Elephas `asynchronous`: deltas applied as they come, under a lock.
    Asynchronous,
    /// Elephas `hogwild`: deltas applied as they come, without a lock.
    Hogwild,
    /// dist-keras `SingleTrainer`: one model, all data, no server.
    Single,
    /// dist-keras `AveragingTrainer`: each epoch `C ← mean(W_i)`.
    Averaging,
    /// dist-keras `EnsembleTrainer`: independent models, no server.
    Ensemble,
    Downpour,
    Adag,
    DynSgd,
    Aeasgd,
    Eamsgd,
}

/// When Elephas' modes commit: after every epoch, or every λ batches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Frequency {
    Epoch,
    Batch,
}

impl Algorithm {
    pub const ALL: [Algorithm; 11] = [
        Algorithm::Synchronous,
        Algorithm::Asynchronous,
        Algorithm::Hogwild,
        Algorithm::Single,
        Algorithm::Averaging,
        Algorithm::Ensemble,
        Algorithm::Downpour,
        Algorithm::Adag,
        Algorithm::DynSgd,
        Algorithm::Aeasgd,
        Algorithm::Eamsgd,
    ];

    /// Elephas' mode names, in order.
    pub fn modes() -> Vec<&'static str> {
        Self::ALL.iter().filter(|a| a.is_mode()).map(|a| a.name()).collect()
    }

    /// dist-keras' trainer names (without the `Trainer` suffix), in order.
    pub fn trainers() -> Vec<&'static str> {
        Self::ALL.iter().filter(|a| !a.is_mode()).map(|a| a.name()).collect()
    }

    /// An Elephas mode name (`--mode`), any case.
    pub fn mode(name: &str) -> Result<Algorithm> {
        let lower = name.to_ascii_lowercase();
        Self::ALL.into_iter().find(|a| a.is_mode() && a.name() == lower).ok_or_else(|| Error::config(format!("unknown mode '{name}' (expected one of {})", Self::modes().join(", "))))
    }

    /// A dist-keras trainer name (`--trainer`), any case, with or without the `Trainer` suffix.
    pub fn trainer(name: &str) -> Result<Algorithm> {
        let lower = name.to_ascii_lowercase();
        let base = lower.strip_suffix("trainer").unwrap_or(&lower);
        Self::ALL.into_iter().find(|a| !a.is_mode() && a.name() == base).ok_or_else(|| Error::config(format!("unknown trainer '{name}' (expected one of {})", Self::trainers().join(", "))))
    }

    /// The name users write; the one mapping from algorithms to names.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Synchronous => "synchronous",
            Algorithm::Asynchronous => "asynchronous",
            Algorithm::Hogwild => "hogwild",
            Algorithm::Single => "single",
            Algorithm::Averaging => "averaging",
            Algorithm::Ensemble => "ensemble",
            Algorithm::Downpour => "downpour",
            Algorithm::Adag => "adag",
            Algorithm::DynSgd => "dynsgd",
            Algorithm::Aeasgd => "aeasgd",
            Algorithm::Eamsgd => "eamsgd",
        }
    }

    /// Elephas modes (as opposed to dist-keras trainers).
    pub fn is_mode(self) -> bool {
        matches!(self, Algorithm::Synchronous | Algorithm::Asynchronous | Algorithm::Hogwild)
    }

    /// Rounds in lockstep: every worker commits once per round and waits for the others.
    pub fn is_synchronous(self) -> bool {
        matches!(self, Algorithm::Synchronous | Algorithm::Averaging)
    }

    /// Trains without a parameter server.
    pub fn is_serverless(self) -> bool {
        matches!(self, Algorithm::Single | Algorithm::Ensemble)
    }

    /// Elastic averaging: workers keep their own weights and exchange `α (W − C)`.
    pub fn is_elastic(self) -> bool {
        matches!(self, Algorithm::Aeasgd | Algorithm::Eamsgd)
    }

    /// λ when the user gives none (dist-keras' defaults; 1 for Elephas' per-batch mode).
    pub fn default_window(self) -> usize {
        match self {
            Algorithm::Adag => 12,
            Algorithm::Aeasgd | Algorithm::Eamsgd => 32,
            Algorithm::Downpour | Algorithm::DynSgd => 5,
            _ => 1,
        }
    }
}

/// Any algorithm by name: an Elephas mode or a dist-keras trainer (`"downpour"`, `"ADAG"`,
/// `"EnsembleTrainer"`).
impl FromStr for Algorithm {
    type Err = Error;

    fn from_str(name: &str) -> Result<Algorithm> {
        Algorithm::mode(name).or_else(|_| Algorithm::trainer(name)).map_err(|_| {
            Error::config(format!("unknown mode or trainer '{name}' (modes: {}; trainers: {})", Algorithm::modes().join(", "), Algorithm::trainers().join(", ")))
        })
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Frequency {
    pub const ALL: [Frequency; 2] = [Frequency::Epoch, Frequency::Batch];

    /// The name users write.
    pub fn name(self) -> &'static str {
        match self {
            Frequency::Epoch => "epoch",
            Frequency::Batch => "batch",
        }
    }
}

impl FromStr for Frequency {
    type Err = Error;

    fn from_str(name: &str) -> Result<Frequency> {
        let lower = name.to_ascii_lowercase();
        Self::ALL.into_iter().find(|f| f.name() == lower).ok_or_else(|| Error::config(format!("frequency must be 'epoch' or 'batch', got '{name}'")))
    }
}

impl fmt::Display for Frequency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_parses_back_to_its_algorithm() {
        assert_eq!(Algorithm::modes(), ["synchronous", "asynchronous", "hogwild"]);
        assert_eq!(Algorithm::trainers(), ["single", "averaging", "ensemble", "downpour", "adag", "dynsgd", "aeasgd", "eamsgd"]);
        for name in Algorithm::modes().into_iter().chain(Algorithm::trainers()) {
            let a: Algorithm = name.parse().unwrap();
            assert_eq!(a.to_string(), name);
            assert_eq!(a.is_mode(), Algorithm::modes().contains(&name));
            assert_eq!(Algorithm::trainer(&format!("{}Trainer", name.to_uppercase())).is_ok(), !a.is_mode());
        }
        assert!(Algorithm::mode("downpour").unwrap_err().to_string().contains("expected one of synchronous, asynchronous, hogwild"));
        assert_eq!("ADAGTrainer".parse::<Algorithm>().unwrap(), Algorithm::Adag);
        let e = "sgd".parse::<Algorithm>().unwrap_err().to_string();
        assert!(e.contains("'sgd'") && e.contains("hogwild") && e.contains("eamsgd"), "{e}");
        assert_eq!("Batch".parse::<Frequency>().unwrap().to_string(), "batch");
        assert!("hourly".parse::<Frequency>().unwrap_err().to_string().contains("'hourly'"));
    }
}
