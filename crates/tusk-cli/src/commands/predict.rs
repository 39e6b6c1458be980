//! `tusk predict`: a saved model's outputs (or predicted classes) for data, as CSV or NPY.

use crate::args::PredictArgs;
use crate::{data, model_source};
use anyhow::{bail, Result};
use tusk_core::Tensor;

pub fn run(a: PredictArgs) -> Result<()> {
    let mut model = model_source::load_saved(&a.model)?;
    let loaded = data::load(&a.data, None)?;
    let ds = loaded.test.filter(|_| a.data.data == data::FASHION_MNIST).unwrap_or(loaded.train);
    let x = data::features_for(&model, ds.x)?;
    let mut out = model.predict(&[x], a.batch_size)?.remove(0);
    if a.classes {
        let classes: Vec<f32> = out.argmax_rows().into_iter().map(|c| c as f32).collect();
        let n = classes.len();
        out = Tensor::new(classes, vec![n, 1])?;
    }
    let n = out.rows();
    let flat = out.clone().reshape(vec![n, out.row_len()])?;
    match a.output.extension().and_then(|e| e.to_str()) {
        Some("npy") => tusk_data::write_npy(&a.output, &out)?,
        Some("csv") => {
            let header: Vec<String> = if a.classes { vec!["class".into()] } else { (0..flat.row_len()).map(|i| format!("output_{i}")).collect() };
            tusk_data::write_csv(&a.output, &flat, Some(&header))?
        }
        _ => bail!("--output {} must end in .csv or .npy", a.output.display()),
    }
    eprintln!("Wrote {n} predictions to {}", a.output.display());
    Ok(())
}
