//! Fashion-MNIST from the four IDX files of the Debian package `dataset-fashion-mnist`.
//!
//! Files (each either gzip-compressed with `.gz` or plain): `train-images-idx3-ubyte`,
//! `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`.
//!
//! Contract: [`load`] returns `(train, test)`; images are `[n, 28, 28, 1]` (channels last, as
//! Keras) scaled to `[0, 1]` by dividing by 255; labels are `[n]` class indices `0..10` as `f32`.
//! Train has 60 000 samples and test 10 000 in the real files, but any `n` is accepted.

use std::path::{Path, PathBuf};

use tusk_core::Tensor;

use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::idx::read_idx;

/// Where the Debian package `dataset-fashion-mnist` installs the files.
pub const DEFAULT_DIR: &str = "/usr/share/datasets/fashion-mnist";

/// The ten class names, in label order.
pub const CLASS_NAMES: [&str; 10] = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
];

const HINT: &str = "install the Debian package `dataset-fashion-mnist` \
                    (apt-get install dataset-fashion-mnist) or pass the directory holding the files";

/// Loads `(train, test)` from `dir` (see the module docs for shapes).
pub fn load(dir: impl AsRef<Path>) -> Result<(Dataset, Dataset)> {
    let dir = dir.as_ref();
    if !dir.is_dir() {
        return Err(Error::io(
            dir,
            std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("Fashion-MNIST directory not found; {HINT}"),
            ),
        ));
    }
    let train = load_split(dir, "train")?;
    let test = load_split(dir, "t10k")?;
    Ok((train, test))
}

/// Loads [`DEFAULT_DIR`].
pub fn load_default() -> Result<(Dataset, Dataset)> {
    load(DEFAULT_DIR)
}

/// `<dir>/<name>.gz` if it exists, else `<dir>/<name>`, else a not-found error with the hint.
fn find(dir: &Path, name: &str) -> Result<PathBuf> {
    let gz = dir.join(format!("{name}.gz"));
    if gz.is_file() {
        return Ok(gz);
    }
    let plain = dir.join(name);
    if plain.is_file() {
        return Ok(plain);
    }
    Err(Error::io(
        &plain,
        std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("Fashion-MNIST file {name}(.gz) not found; {HINT}"),
        ),
    ))
}

fn load_split(dir: &Path, prefix: &str) -> Result<Dataset> {
    let img_path = find(dir, &format!("{prefix}-images-idx3-ubyte"))?;
    let lab_path = find(dir, &format!("{prefix}-labels-idx1-ubyte"))?;
    let images = read_idx(&img_path)?;
    let labels = read_idx(&lab_path)?;
    let n = match images.shape() {
        [n, 28, 28] => *n,
        s => {
            return Err(Error::format(
                &img_path,
                format!("expected images of shape [n, 28, 28], header says {s:?}"),
            ))
        }
    };
    if labels.shape() != [n] {
        return Err(Error::format(
            &lab_path,
            format!(
                "expected labels of shape [{n}] to match {}, header says {:?}",
                img_path.display(),
                labels.shape()
            ),
        ));
    }
    if let Some(i) = labels.data().iter().position(|&v| !(0.0..10.0).contains(&v)) {
        return Err(Error::format(
            &lab_path,
            format!("label {} of sample {i} is not a class index in 0..10", labels.data()[i]),
        ));
    }
    let scaled: Vec<f32> = images.into_data().into_iter().map(|v| v / 255.0).collect();
    let x = Tensor::new(scaled, vec![n, 28, 28, 1])?;
    Dataset::new(x, Some(labels))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fileio::testutil::TempDir;
    use crate::idx::{write_idx, IdxType};

    fn write_split(dir: &Path, prefix: &str, n: usize, gz: bool) {
        let ext = if gz { ".gz" } else { "" };
        let img =
            Tensor::new((0..n * 784).map(|v| (v % 256) as f32).collect(), vec![n, 28, 28]).unwrap();
        let lab = Tensor::new((0..n).map(|v| (v % 10) as f32).collect(), vec![n]).unwrap();
        write_idx(dir.join(format!("{prefix}-images-idx3-ubyte{ext}")), &img, IdxType::U8).unwrap();
        write_idx(dir.join(format!("{prefix}-labels-idx1-ubyte{ext}")), &lab, IdxType::U8).unwrap();
    }

    #[test]
    fn loads_plain_and_gz_fixtures() {
        let dir = TempDir::new("fmnist");
        write_split(dir.path(), "train", 3, true);
        write_split(dir.path(), "t10k", 2, false);
        let (train, test) = load(dir.path()).unwrap();
        assert_eq!(train.x.shape(), &[3, 28, 28, 1]);
        assert_eq!(test.y.as_ref().unwrap().data(), &[0.0, 1.0]);
        assert_eq!(train.x.data()[255], 1.0);
        assert_eq!(train.x.data()[1], 1.0 / 255.0);
    }

    #[test]
    fn missing_files_say_which_package() {
        let dir = TempDir::new("fmnist-missing");
        write_split(dir.path(), "train", 1, true);
        let msg = load(dir.path()).unwrap_err().to_string();
        assert!(msg.contains("t10k-images-idx3-ubyte"), "{msg}");
        assert!(msg.contains("dataset-fashion-mnist"), "{msg}");
        let msg = load(dir.file("nope")).unwrap_err().to_string();
        assert!(msg.contains("nope") && msg.contains("dataset-fashion-mnist"), "{msg}");
    }

    #[test]
    fn mismatched_labels_are_reported() {
        let dir = TempDir::new("fmnist-mismatch");
        write_split(dir.path(), "train", 3, false);
        write_split(dir.path(), "t10k", 2, false);
        let lab = Tensor::new(vec![1.0; 4], vec![4]).unwrap();
        write_idx(dir.file("t10k-labels-idx1-ubyte"), &lab, IdxType::U8).unwrap();
        let msg = load(dir.path()).unwrap_err().to_string();
        assert!(msg.contains("t10k-labels-idx1-ubyte") && msg.contains("[2]"), "{msg}");
    }

    #[test]
    fn real_files_if_installed() {
        if !Path::new(DEFAULT_DIR).is_dir() {
            println!("skipping: {DEFAULT_DIR} is absent (package dataset-fashion-mnist)");
            return;
        }
        let (train, test) = load_default().unwrap();
        assert_eq!(train.x.shape(), &[60000, 28, 28, 1]);
        assert_eq!(test.x.shape(), &[10000, 28, 28, 1]);
        assert_eq!(train.y.as_ref().unwrap().shape(), &[60000]);
        assert!(train.x.data().iter().all(|v| (0.0..=1.0).contains(v)));
        // Every class appears 6000 times in the training set.
        let mut counts = [0usize; 10];
        for &v in train.y.as_ref().unwrap().data() {
            counts[v as usize] += 1;
        }
        assert_eq!(counts, [6000; 10]);
        // The first training label in the official files is 9 (ankle boot).
        assert_eq!(train.y.as_ref().unwrap().data()[0], 9.0);
    }
}
