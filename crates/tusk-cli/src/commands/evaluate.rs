//! `tusk evaluate`: loss and metrics of a saved model on labelled data.

use crate::args::EvalArgs;
use crate::{data, model_source, progress, report};
use anyhow::{bail, Result};
use serde_json::{json, Map, Value};

pub fn run(a: EvalArgs) -> Result<()> {
    let mut model = model_source::load_saved(&a.model)?;
    if model.compiled().is_none() {
        bail!("the model in {} was saved without a loss; train it with `tusk train --save`", a.model);
    }
    let loaded = data::load(&a.data, None)?;
    let ds = loaded.test.filter(|_| a.data.data == data::FASHION_MNIST).unwrap_or(loaded.train);
    let samples = ds.len();
    let (x, y) = data::fit_to_model(&model, ds, "evaluation data")?;
    let logs = model.evaluate(&[x], &[y], a.batch_size)?;
    println!("{}", progress::format_logs(&logs));
    if let Some(path) = &a.report_json {
        let m: Map<String, Value> = logs.iter().map(|(k, v)| (k.clone(), report::num(*v))).collect();
        report::write(path, &json!({ "samples": samples, "metrics": m }))?;
    }
    Ok(())
}
