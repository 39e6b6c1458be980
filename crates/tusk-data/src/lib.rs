//! tusk-data: datasets and the readers that fill them.
//!
//! Every reader turns a file into [`tusk_core::Tensor`]s (sample axis first, `f32` values) or a
//! [`Dataset`] (features `x`, optional labels `y` with the same number of rows). Formats: IDX
//! ([`idx`]), Fashion-MNIST ([`fashion_mnist`]), CSV ([`csv`]), LibSVM ([`libsvm`]), NPY ([`npy`])
//! and NPZ ([`npz`]); [`source::load`] picks the reader from a [`DataSpec`]. [`encode`] turns class
//! indices into one-hot rows and [`batch`] orders samples into (shuffled) batches.
//!
//! Readers never panic on bad input: corrupt or truncated files give [`Error::Format`] naming the
//! file and where the problem is.

pub mod batch;
pub mod conform;
pub mod csv;
pub mod csv_line;
pub mod csv_write;
pub mod dataset;
pub mod encode;
pub mod error;
pub mod fashion_mnist;
pub mod fileio;
pub mod idx;
pub mod libsvm;
pub mod npy;
pub mod npy_header;
pub mod npz;
pub mod source;

pub use batch::{gather_into, Batcher};
pub use conform::{features_for, fit_to_model, inputs_for, target_for_output, targets_for};
pub use csv::{read_csv, Column, CsvOptions};
pub use csv_write::write_csv;
pub use dataset::Dataset;
pub use encode::{num_classes, to_categorical};
pub use error::{Error, Result};
pub use idx::{read_idx, write_idx, IdxType};
pub use libsvm::read_libsvm;
pub use npy::{read_npy, write_npy};
pub use npz::{read_npz, write_npz};
pub use source::{load, load_npz_split, DataSpec, Format};
