//! End-to-end: files written by the crate's writers (or by hand) loaded through `source::load`,
//! then split, sharded, one-hot encoded and batched as the CLI will do.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::Result;
use tusk_core::Tensor;
use tusk_data::{
    gather_into, load, load_npz_split, to_categorical, write_csv, write_idx, write_npy, write_npz,
    Batcher, Column, DataSpec, Error, Format, IdxType,
};

/// A fresh temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("tusk-data-it-{}-{n}-{tag}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }
    fn file(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tensor(n: usize, shape: &[usize]) -> Tensor {
    Tensor::new((0..n).map(|v| (v % 7) as f32).collect(), shape.to_vec()).unwrap()
}

fn err_text(r: tusk_data::Result<tusk_data::Dataset>) -> String {
    r.expect_err("expected an error").to_string()
}

#[test]
fn idx_and_npy_with_separate_labels() -> Result<()> {
    let dir = TempDir::new("idx");
    let (x, y) = (tensor(24, &[6, 2, 2]), tensor(6, &[6]));
    write_idx(dir.file("x.idx3-ubyte.gz"), &x, IdxType::U8)?;
    write_idx(dir.file("y.idx1-ubyte"), &y, IdxType::U8)?;
    let spec = DataSpec {
        labels: Some(dir.file("y.idx1-ubyte")),
        ..DataSpec::new(dir.file("x.idx3-ubyte.gz"))
    };
    let d = load(&spec)?;
    assert_eq!((d.x, d.y), (x.clone(), Some(y.clone())));

    write_npy(dir.file("x.npy"), &x)?;
    write_csv(dir.file("y.csv"), &y, Some(&["label".to_string()]))?;
    let spec = DataSpec { labels: Some(dir.file("y.csv")), ..DataSpec::new(dir.file("x.npy")) };
    let d = load(&spec)?;
    assert_eq!((d.x, d.y), (x.clone(), Some(y)));

    write_npy(dir.file("short.npy"), &tensor(5, &[5]))?;
    let spec = DataSpec { labels: Some(dir.file("short.npy")), ..DataSpec::new(dir.file("x.npy")) };
    let msg = err_text(load(&spec));
    assert!(
        msg.contains("x.npy") && msg.contains("short.npy") && msg.contains("have 6 samples"),
        "{msg}"
    );
    Ok(())
}

#[test]
fn csv_label_column_default_and_explicit() -> Result<()> {
    let dir = TempDir::new("csv");
    std::fs::write(dir.file("a.csv"), "f1,Label,f2\n1,0,2\n3,1,4\n5,0,6\n")?;
    let d = load(&DataSpec::new(dir.file("a.csv")))?;
    assert_eq!(d.x.data(), &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    assert_eq!(d.y.unwrap().data(), &[0.0, 1.0, 0.0]);

    let spec =
        DataSpec { label_column: Some(Column::parse("f2")), ..DataSpec::new(dir.file("a.csv")) };
    assert_eq!(load(&spec)?.y.unwrap().data(), &[2.0, 4.0, 6.0]);

    let spec = DataSpec {
        label_column: Some(Column::parse("target")),
        ..DataSpec::new(dir.file("a.csv"))
    };
    let msg = err_text(load(&spec));
    assert!(
        msg.contains("a.csv") && msg.contains("'target'") && msg.contains("f1, Label, f2"),
        "{msg}"
    );

    std::fs::write(dir.file("b.tsv"), "1\t2\n3\t4\n")?;
    let d = load(&DataSpec::new(dir.file("b.tsv")))?;
    assert_eq!((d.x.shape(), d.y.is_none()), (&[2, 2][..], true));

    std::fs::write(dir.file("ragged.csv"), "1,2\n3,4\n5\n")?;
    let msg = err_text(load(&DataSpec::new(dir.file("ragged.csv"))));
    assert!(msg.contains("ragged.csv") && msg.contains("line 3"), "{msg}");
    Ok(())
}

#[test]
fn libsvm_and_option_mismatches() -> Result<()> {
    let dir = TempDir::new("svm");
    std::fs::write(dir.file("a.txt"), "1 1:0.5 4:1\n0 2:2\n")?;
    let d = load(&DataSpec::new(dir.file("a.txt")))?;
    assert_eq!(d.x.shape(), &[2, 4]);
    assert_eq!(d.y.as_ref().unwrap().data(), &[1.0, 0.0]);

    let spec = DataSpec { format: Some(Format::LibSvm), ..DataSpec::new(dir.file("a.txt")) };
    assert_eq!(load(&spec)?, d);
    let spec =
        DataSpec { label_column: Some(Column::Index(0)), ..DataSpec::new(dir.file("a.txt")) };
    assert!(matches!(load(&spec), Err(Error::Config(_))));
    let spec = DataSpec { labels: Some(dir.file("y.npy")), ..DataSpec::new(dir.file("a.txt")) };
    assert!(matches!(load(&spec), Err(Error::Config(_))));

    std::fs::write(dir.file("bad.svm"), "1 1:0.5 4:1\n0 2\n")?;
    let msg = err_text(load(&DataSpec::new(dir.file("bad.svm"))));
    assert!(msg.contains("bad.svm") && msg.contains("line 2") && msg.contains("'2'"), "{msg}");
    Ok(())
}

#[test]
fn npz_keys_and_split() -> Result<()> {
    let dir = TempDir::new("npz");
    let (x, y) = (tensor(12, &[4, 3]), tensor(4, &[4]));
    let (xt, yt) = (tensor(6, &[2, 3]), tensor(2, &[2]));
    let p = dir.file("mnist.npz");
    write_npz(&p, &[("x_test", &xt), ("x_train", &x), ("y_train", &y), ("y_test", &yt)])?;
    let (train, test) = load_npz_split(&p)?;
    assert_eq!((train.x, train.y), (x.clone(), Some(y.clone())));
    let test = test.expect("test split");
    assert_eq!((test.x, test.y), (xt, Some(yt)));
    assert_eq!(load(&DataSpec::new(&p))?.len(), 4);

    let p = dir.file("plain.npz");
    write_npz(&p, &[("features", &x), ("labels", &y)])?;
    let (train, test) = load_npz_split(&p)?;
    assert_eq!((train.len(), test.is_none()), (4, true));

    let p = dir.file("odd.npz");
    write_npz(&p, &[("a", &x), ("b", &y)])?;
    let msg = err_text(load(&DataSpec::new(&p)));
    assert!(msg.contains("odd.npz") && msg.contains("archive has: a, b"), "{msg}");

    let p = dir.file("mismatch.npz");
    write_npz(&p, &[("x", &x), ("y", &tensor(3, &[3]))])?;
    let msg = err_text(load(&DataSpec::new(&p)));
    assert!(msg.contains("mismatch.npz:x") && msg.contains("mismatch.npz:y"), "{msg}");
    Ok(())
}

#[test]
fn truncated_files_through_load_are_format_errors() -> Result<()> {
    let dir = TempDir::new("trunc");
    let x = tensor(100, &[10, 10]);
    for name in ["x.npy", "x.idx"] {
        let p = dir.file(name);
        if name.ends_with("npy") {
            write_npy(&p, &x)?;
        } else {
            write_idx(&p, &x, IdxType::F32)?;
        }
        let bytes = std::fs::read(&p)?;
        std::fs::write(&p, &bytes[..bytes.len() - 1])?;
        let e = load(&DataSpec::new(&p)).unwrap_err();
        assert!(matches!(e, Error::Format { .. }), "{e}");
        assert!(e.to_string().contains(name) && e.to_string().contains("truncated"), "{e}");
    }
    let msg = err_text(load(&DataSpec::new(dir.file("missing.csv"))));
    assert!(msg.contains("missing.csv"), "{msg}");
    Ok(())
}

#[test]
fn pipeline_split_shard_encode_batch() -> Result<()> {
    let dir = TempDir::new("pipe");
    let n = 50;
    let rows: Vec<String> = (0..n).map(|i| format!("{},{},{}", i, i * 2, i % 3)).collect();
    std::fs::write(dir.file("d.csv"), format!("a,b,label\n{}\n", rows.join("\n")))?;
    let data = load(&DataSpec::new(dir.file("d.csv")))?;
    data.check()?;
    let (train, val) = data.split_tail(0.2)?;
    assert_eq!((train.len(), val.len()), (40, 10));
    assert_eq!(val.x.row(0), &[40.0, 80.0]);
    let shards: Vec<_> = (0..3).map(|i| train.shard(i, 3)).collect::<Result<_, _>>()?;
    assert_eq!(shards.iter().map(|s| s.len()).collect::<Vec<_>>(), vec![14, 13, 13]);

    let y = to_categorical(train.y.as_ref().unwrap(), None)?;
    assert_eq!(y.shape(), &[40, 3]);
    let mut batcher = Batcher::new(train.len(), 16, true, 7)?;
    let order = batcher.epoch(0).to_vec();
    let mut xb = vec![0.0f32; 16 * train.x.row_len()];
    let mut seen = Vec::new();
    for r in batcher.batches() {
        let idx = &order[r];
        let buf = &mut xb[..idx.len() * train.x.row_len()];
        gather_into(&train.x, idx, buf)?;
        for (k, &i) in idx.iter().enumerate() {
            assert_eq!(&buf[k * 2..k * 2 + 2], train.x.row(i));
        }
        seen.extend_from_slice(idx);
    }
    seen.sort_unstable();
    assert_eq!(seen, (0..40).collect::<Vec<_>>());
    Ok(())
}
