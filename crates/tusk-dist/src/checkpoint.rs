//! Server checkpoints. A checkpoint directory holds numbered snapshots `ckpt-<commits>/`,
//! each a saved tusk model (`model.json`, `model.safetensors`: the center weights, and
//! `training.json`: the job's loss, metrics and optimizer; loadable
//! with `tusk evaluate --model DIR/ckpt-N`) plus `server.json` (counters, epochs done) and
//! `driver.safetensors` (the driver optimizer's state, if any). The file `latest` names the
//! newest complete snapshot; it is replaced by rename, and each snapshot is written into a
//! temporary directory, fsynced and renamed into place, so a server killed while writing
//! leaves the previous checkpoint intact.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use tusk_core::atomic_dir::write_dir;
use tusk_core::io::{read_safetensors, write_safetensors, MODEL_JSON, OPTIMIZER_STATE, TRAINING_JSON, WEIGHTS};
use tusk_core::keras::model_from_json;

const LATEST: &str = "latest";
const SERVER_JSON: &str = "server.json";
const DRIVER_STATE: &str = "driver.safetensors";

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Counters {
    pub algorithm: String,
    /// Updates applied to the center.
    pub t: u64,
    pub commits: u64,
    /// Epochs every worker had finished (training resumes at this epoch).
    pub epochs_done: u32,
}

#[derive(Clone, Debug)]
pub struct Checkpoint {
    pub counters: Counters,
    pub weights: Vec<f32>,
    pub driver_state: Option<Vec<(String, Vec<f32>)>>,
}

fn io_err(path: &Path, e: std::io::Error) -> Error {
    Error::io(format!("checkpoint {}", path.display()), e)
}

/// Writes `cp` under `dir` and points `latest` at it; older snapshots are removed.
/// `training` is the job's training config (`Model::training_config`; null: none).
pub fn write(dir: &Path, model_json: &str, training: &serde_json::Value, cp: &Checkpoint) -> Result<PathBuf> {
    std::fs::create_dir_all(dir).map_err(|e| io_err(dir, e))?;
    let name = format!("ckpt-{}", cp.counters.commits);
    let snap = dir.join(&name);
    let mut model = model_from_json(model_json, 0)?;
    model.set_params(&cp.weights)?;
    let owned = [MODEL_JSON, WEIGHTS, TRAINING_JSON, OPTIMIZER_STATE, SERVER_JSON, DRIVER_STATE];
    write_dir(&snap, &owned, |tmp| {
        model.write_files(tmp)?;
        if !training.is_null() {
            let path = tmp.join(TRAINING_JSON);
            std::fs::write(&path, serde_json::to_string_pretty(training).expect("JSON")).map_err(|e| tusk_core::Error::io(&path, e))?;
        }
        let counters = serde_json::to_string_pretty(&cp.counters).expect("counters serialise");
        let path = tmp.join(SERVER_JSON);
        std::fs::write(&path, counters).map_err(|e| tusk_core::Error::io(&path, e))?;
        if let Some(state) = &cp.driver_state {
            let arrays: Vec<_> = state.iter().map(|(n, v)| (n.clone(), vec![v.len()], v.as_slice())).collect();
            write_safetensors(&tmp.join(DRIVER_STATE), &arrays)?;
        }
        Ok(())
    })?;
    let tmp = dir.join(format!("{LATEST}.tmp"));
    std::fs::write(&tmp, &name).map_err(|e| io_err(&tmp, e))?;
    std::fs::rename(&tmp, dir.join(LATEST)).map_err(|e| io_err(dir, e))?;
    for entry in std::fs::read_dir(dir).map_err(|e| io_err(dir, e))?.flatten() {
        let n = entry.file_name().to_string_lossy().into_owned();
        if n.starts_with("ckpt-") && n != name {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
    Ok(snap)
}

/// Reads the newest checkpoint under `dir`.
pub fn read(dir: &Path) -> Result<Checkpoint> {
    let latest = dir.join(LATEST);
    let name = std::fs::read_to_string(&latest).map_err(|e| Error::config(format!("--resume {}: no checkpoint there ({}: {e})", dir.display(), latest.display())))?;
    let snap = dir.join(name.trim());
    let text = std::fs::read_to_string(snap.join(SERVER_JSON)).map_err(|e| io_err(&snap.join(SERVER_JSON), e))?;
    let counters: Counters = serde_json::from_str(&text).map_err(|e| Error::config(format!("{}: {e}", snap.join(SERVER_JSON).display())))?;
    let model = tusk_core::Model::load(&snap)?;
    let driver = snap.join(DRIVER_STATE);
    let driver_state = if driver.exists() { Some(read_safetensors(&driver)?.into_iter().map(|(n, _, v)| (n, v)).collect()) } else { None };
    Ok(Checkpoint { counters, weights: model.params().to_vec(), driver_state })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tusk_core::keras::model_to_json;
    use tusk_core::{presets, Model};

    #[test]
    fn a_checkpoint_reads_back_and_replaces_the_previous_one() {
        let dir = std::env::temp_dir().join(format!("tusk-ckpt-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let model = Model::from_spec(&presets::by_name("mlp").unwrap(), 1).unwrap();
        let json = model_to_json(&model);
        let mut cp = Checkpoint {
            counters: Counters { algorithm: "downpour".into(), t: 7, commits: 7, epochs_done: 1 },
            weights: model.params().to_vec(),
            driver_state: Some(vec![("iterations".into(), vec![7.0, 0.0])]),
        };
        write(&dir, &json, &serde_json::Value::Null, &cp).unwrap();
        cp.counters.commits = 9;
        cp.weights[0] = 42.0;
        let training = serde_json::json!({"loss": ["categorical_crossentropy"], "metrics": ["accuracy"], "optimizer": tusk_core::Optimizer::from_name("adam").unwrap().to_config()});
        write(&dir, &json, &training, &cp).unwrap();
        let back = read(&dir).unwrap();
        assert_eq!(back.counters, cp.counters);
        assert_eq!(back.weights, cp.weights);
        assert_eq!(back.driver_state, cp.driver_state);
        assert!(!dir.join("ckpt-7").exists(), "older snapshots are removed");
        assert!(Model::load(dir.join("ckpt-9")).unwrap().compiled().is_some(), "a snapshot loads compiled (tusk evaluate)");
        let err = read(&dir.join("nothing")).unwrap_err().to_string();
        assert!(err.contains("no checkpoint there"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
