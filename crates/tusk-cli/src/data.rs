//! Loading data for the CLI and fitting it to a model: `fashion-mnist` or a file
//! (tusk-data readers), features reshaped to the model's input when the sizes agree,
//! class-index labels one-hot encoded for `categorical_crossentropy`.

use crate::args::DataArgs;
use anyhow::{bail, Context, Result};
use std::path::PathBuf;
use tusk_core::{Model, Tensor};
use tusk_data::{Column, DataSpec, Dataset, Format};

pub const FASHION_MNIST: &str = "fashion-mnist";

/// Training data and, when there is one, the test set that goes with it.
pub struct Loaded {
    pub train: Dataset,
    pub test: Option<Dataset>,
}

fn spec(path: &str, labels: Option<PathBuf>, args: &DataArgs) -> Result<DataSpec> {
    Ok(DataSpec {
        path: PathBuf::from(path),
        labels,
        label_column: args.label_column.as_deref().map(Column::parse),
        format: args.format.as_deref().map(Format::parse).transpose()?,
    })
}

impl Loaded {
    /// The test set (`fashion-mnist`'s, or the NPZ file's), else the data itself.
    pub fn test_or_train(self) -> Option<Dataset> {
        Some(self.test.unwrap_or(self.train))
    }
}

/// The data named by `args`; with `test` (a path and labels) the test set too.
pub fn load(args: &DataArgs, test: Option<(&str, Option<PathBuf>)>) -> Result<Loaded> {
    if args.data == FASHION_MNIST {
        let (train, test_set) = tusk_data::fashion_mnist::load_default()?;
        return Ok(Loaded { train, test: Some(test_set) });
    }
    let spec_train = spec(&args.data, args.labels.clone(), args)?;
    let (train, npz_test) = if spec_train.format.unwrap_or(Format::from_path(&spec_train.path)?) == Format::Npz {
        tusk_data::load_npz_split(&spec_train.path)?
    } else {
        (tusk_data::load(&spec_train)?, None)
    };
    let test = match test {
        Some((path, labels)) => Some(tusk_data::load(&spec(path, labels, args)?).with_context(|| format!("loading test data {path}"))?),
        None => npz_test,
    };
    Ok(Loaded { train, test })
}

/// Features shaped as the model's (single) input (see [`tusk_data::conform`]).
pub fn features_for(model: &Model, x: Tensor) -> Result<Tensor> {
    Ok(tusk_data::features_for(model, x)?)
}

/// Features and labels of a labelled dataset, as they are (a distributed worker conforms
/// them to the job's model itself).
pub fn labelled(ds: Dataset, what: &str) -> Result<(Tensor, Tensor)> {
    match ds.y {
        Some(y) => Ok((ds.x, y)),
        None => bail!("{what} has no labels (give --labels, or --label-column for CSV)"),
    }
}

/// Features and targets of a labelled dataset, moved into the model's input and loss layout.
pub fn fit_to_model(model: &Model, ds: Dataset, what: &str) -> Result<(Tensor, Tensor)> {
    let (x, y) = labelled(ds, what)?;
    Ok(tusk_data::fit_to_model(model, Dataset { x, y: Some(y) }, what)?)
}
