//! The `tusk` binary end to end: train, save, evaluate and predict on Fashion-MNIST and on
//! files in each supported format, the report and plot files, and clear errors for bad input.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn tusk(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tusk")).args(args).output().expect("run tusk")
}

fn ok(args: &[&str]) -> String {
    let out = tusk(args);
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "tusk {args:?} failed:\n{text}");
    text
}

fn fails(args: &[&str]) -> String {
    let out = tusk(args);
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(!out.status.success(), "tusk {args:?} should fail");
    assert!(!err.contains("panicked"), "tusk {args:?} panicked:\n{err}");
    err
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tusk-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn have_fashion_mnist() -> bool {
    Path::new("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz").exists()
}

fn report(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn mlp_reaches_the_issue_accuracy_on_fashion_mnist() {
    assert!(have_fashion_mnist(), "install dataset-fashion-mnist (scripts/setup.sh does)");
    let dir = tmp("mlp");
    let rep = dir.join("report.json");
    let plot = dir.join("plot.svg");
    let saved = dir.join("model");
    let s = |p: &Path| p.to_str().unwrap().to_string();
    let out = ok(&[
        "train", "--model", "mlp", "--data", "fashion-mnist", "--epochs", "5", "--batch-size", "32", "--optimizer", "adam",
        "--validation-split", "0.1", "--report-json", &s(&rep), "--plot", &s(&plot), "--save", &s(&saved),
    ]);
    assert!(out.contains("Epoch 5"), "{out}");
    assert!(out.contains("Test accuracy"), "{out}");
    let r = report(&rep);
    let acc = r["test_accuracy"].as_f64().unwrap();
    assert!(acc >= 0.86, "mlp test accuracy {acc} < 0.86");
    for key in ["test_loss", "train_samples_per_sec", "total_seconds", "peak_rss_mib"] {
        assert!(r[key].as_f64().unwrap() > 0.0, "{key} in {r}");
    }
    let epochs = r["epochs"].as_array().unwrap();
    assert_eq!(epochs.len(), 5);
    for key in ["epoch", "loss", "accuracy", "val_loss", "val_accuracy", "seconds", "samples_per_sec"] {
        assert!(epochs[4][key].is_number(), "{key} missing in {}", epochs[4]);
    }
    let svg = std::fs::read_to_string(&plot).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("polyline"));

    // The saved model evaluates to the same test accuracy and predicts in both formats.
    let eval = dir.join("eval.json");
    ok(&["evaluate", "--model", &s(&saved), "--data", "fashion-mnist", "--report-json", &s(&eval)]);
    let e = report(&eval);
    assert!((e["metrics"]["accuracy"].as_f64().unwrap() - acc).abs() < 1e-9, "{e}");
    let csv = dir.join("pred.csv");
    ok(&["predict", "--model", &s(&saved), "--data", "fashion-mnist", "--output", &s(&csv), "--classes"]);
    let lines = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(lines.lines().count(), 10_001, "header + 10k rows");
    let npy = dir.join("pred.npy");
    ok(&["predict", "--model", &s(&saved), "--data", "fashion-mnist", "--output", &s(&npy)]);
    assert!(std::fs::metadata(&npy).unwrap().len() > 10_000 * 10 * 4);
}

#[test]
fn cnn_reaches_the_issue_accuracy_on_fashion_mnist() {
    assert!(have_fashion_mnist(), "install dataset-fashion-mnist (scripts/setup.sh does)");
    let dir = tmp("cnn");
    let rep = dir.join("report.json");
    ok(&["train", "--model", "cnn", "--data", "fashion-mnist", "--epochs", "2", "--batch-size", "128", "--optimizer", "adam", "--report-json", rep.to_str().unwrap()]);
    let acc = report(&rep)["test_accuracy"].as_f64().unwrap();
    assert!(acc >= 0.88, "cnn test accuracy {acc} < 0.88");
}

/// A small separable 3-class problem written as CSV, LibSVM, NPY+labels and NPZ.
fn write_toy(dir: &Path) -> (usize, Vec<[f32; 4]>, Vec<usize>) {
    let n = 300;
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    for i in 0..n {
        let c = i % 3;
        let j = (i * 7 % 11) as f32 / 11.0;
        let mut x = [j * 0.3, (1.0 - j) * 0.3, 0.1 * j, 0.2];
        x[c] += 1.0;
        xs.push(x);
        ys.push(c);
    }
    let mut csv = String::from("a,b,c,d,label\n");
    let mut svm = String::new();
    for (x, y) in xs.iter().zip(&ys) {
        csv += &format!("{},{},{},{},{y}\n", x[0], x[1], x[2], x[3]);
        svm += &format!("{y} 1:{} 2:{} 3:{} 4:{}\n", x[0], x[1], x[2], x[3]);
    }
    std::fs::write(dir.join("toy.csv"), csv).unwrap();
    std::fs::write(dir.join("toy.svm"), svm).unwrap();
    let xt = tusk_core::Tensor::new(xs.iter().flatten().copied().collect(), vec![n, 4]).unwrap();
    let yt = tusk_core::Tensor::new(ys.iter().map(|&c| c as f32).collect(), vec![n]).unwrap();
    tusk_data_write(dir, &xt, &yt);
    (n, xs, ys)
}

fn tusk_data_write(dir: &Path, x: &tusk_core::Tensor, y: &tusk_core::Tensor) {
    // Through the binary's own readers' counterpart: tusk-data writers are not a
    // dependency of this test crate, so write NPY by hand (format 1.0, <f4, C order).
    let npy = |t: &tusk_core::Tensor| {
        let shape = t.shape().iter().map(|d| format!("{d},")).collect::<String>();
        let mut header = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': ({shape}), }}");
        while (10 + header.len() + 1) % 64 != 0 {
            header.push(' ');
        }
        header.push('\n');
        let mut b = b"\x93NUMPY\x01\x00".to_vec();
        b.extend((header.len() as u16).to_le_bytes());
        b.extend(header.as_bytes());
        b.extend(t.data().iter().flat_map(|v| v.to_le_bytes()));
        b
    };
    std::fs::write(dir.join("toy_x.npy"), npy(x)).unwrap();
    std::fs::write(dir.join("toy_y.npy"), npy(y)).unwrap();
}

fn toy_model(dir: &Path) -> PathBuf {
    let json = r#"{"class_name": "Sequential", "config": {"name": "toy", "layers": [
        {"class_name": "InputLayer", "config": {"batch_shape": [null, 4], "name": "in"}},
        {"class_name": "Dense", "config": {"units": 16, "activation": "relu", "name": "hidden"}},
        {"class_name": "Dense", "config": {"units": 3, "activation": "softmax", "name": "out"}}]}}"#;
    let p = dir.join("toy.json");
    std::fs::write(&p, json).unwrap();
    p
}

#[test]
fn trains_from_csv_libsvm_and_npy_files() {
    let dir = tmp("formats");
    write_toy(&dir);
    let model = toy_model(&dir);
    let m = model.to_str().unwrap();
    let d = |f: &str| dir.join(f).to_str().unwrap().to_string();
    for args in [
        vec!["--data".to_string(), d("toy.csv"), "--label-column".into(), "label".into(), "--test-data".into(), d("toy.csv")],
        vec!["--data".into(), d("toy.svm"), "--test-data".into(), d("toy.svm")],
        vec!["--data".into(), d("toy_x.npy"), "--labels".into(), d("toy_y.npy"), "--test-data".into(), d("toy_x.npy"), "--test-labels".into(), d("toy_y.npy")],
    ] {
        let rep = dir.join("r.json");
        let mut full: Vec<String> = ["train", "--model", m, "--epochs", "20", "--batch-size", "16", "--lr", "0.01"].iter().map(|s| s.to_string()).collect();
        full.extend(args.clone());
        full.extend(["--report-json".to_string(), rep.to_str().unwrap().to_string()]);
        let refs: Vec<&str> = full.iter().map(String::as_str).collect();
        ok(&refs);
        let acc = report(&rep)["test_accuracy"].as_f64().unwrap();
        assert!(acc > 0.95, "{args:?}: accuracy {acc}");
    }
}

#[test]
fn bad_input_gets_a_clear_error() {
    let dir = tmp("errors");
    write_toy(&dir);
    let d = |f: &str| dir.join(f).to_str().unwrap().to_string();
    let e = fails(&["train", "--model", "resnet", "--data", "fashion-mnist"]);
    assert!(e.contains("resnet") && e.contains("mlp"), "{e}");
    std::fs::write(dir.join("bad.json"), "{\"class_name\": \"Sequential\", \"config\": {\"layers\": [").unwrap();
    let e = fails(&["train", "--model", &d("bad.json"), "--data", &d("toy.csv")]);
    assert!(e.contains("bad.json") && e.contains("JSON"), "{e}");
    // A model whose input does not fit the data.
    let e = fails(&["train", "--model", "mlp", "--data", &d("toy.csv"), "--label-column", "label"]);
    assert!(e.contains("784") && e.contains("[4]"), "{e}");
    // Unknown label column, missing file, truncated NPY, unknown layer option.
    let e = fails(&["train", "--model", &toy_model(&dir).to_string_lossy(), "--data", &d("toy.csv"), "--label-column", "klass"]);
    assert!(e.contains("klass"), "{e}");
    let e = fails(&["train", "--model", "mlp", "--data", &d("nope.npy"), "--labels", &d("toy_y.npy")]);
    assert!(e.contains("nope.npy"), "{e}");
    let bytes = std::fs::read(dir.join("toy_x.npy")).unwrap();
    std::fs::write(dir.join("cut.npy"), &bytes[..bytes.len() / 2]).unwrap();
    let e = fails(&["train", "--model", &toy_model(&dir).to_string_lossy(), "--data", &d("cut.npy"), "--labels", &d("toy_y.npy")]);
    assert!(e.contains("cut.npy"), "{e}");
    std::fs::write(dir.join("opt.json"), r#"{"class_name": "Sequential", "config": {"layers": [
        {"class_name": "InputLayer", "config": {"batch_shape": [null, 4]}},
        {"class_name": "Dense", "config": {"units": 3, "kernel_regularizer": {"class_name": "L2", "config": {"l2": 0.01}}}}]}}"#).unwrap();
    let e = fails(&["train", "--model", &d("opt.json"), "--data", &d("toy.csv")]);
    assert!(e.contains("Dense") && e.contains("kernel_regularizer"), "{e}");
    // NaN in the data.
    std::fs::write(dir.join("nan.csv"), "a,b,c,d,label\n1,2,3,4,0\n1,nan,3,4,1\n").unwrap();
    let e = fails(&["train", "--model", &toy_model(&dir).to_string_lossy(), "--data", &d("nan.csv")]);
    assert!(e.to_lowercase().contains("nan") || e.contains("non-finite"), "{e}");
    // Evaluate a directory that is not a saved model.
    let e = fails(&["evaluate", "--model", &d(""), "--data", &d("toy.csv")]);
    assert!(e.contains("model.json"), "{e}");
}

/// Each input that once reached a panic, a crash or a silently bad run (issue 11's list).
#[test]
fn hostile_settings_are_refused_before_training() {
    let dir = tmp("hostile");
    write_toy(&dir);
    let d = |f: &str| dir.join(f).to_str().unwrap().to_string();
    let model = toy_model(&dir).to_string_lossy().into_owned();
    let csv = d("toy.csv");
    let train = |extra: &[&str]| {
        let mut args = vec!["train", "--model", &model, "--data", &csv];
        args.extend_from_slice(extra);
        if !extra.contains(&"--epochs") {
            args.extend(["--epochs", "1"]);
        }
        fails(&args)
    };
    for flag in ["--limit", "--epochs", "--batch-size", "--workers", "--window"] {
        let e = train(&[flag, "0"]);
        assert!(e.contains(flag) && e.contains("must be at least 1"), "{flag}: {e}");
    }
    let e = train(&["--workers", "20000"]);
    assert!(e.contains("workers must be between 1 and 1024, got 20000"), "{e}");
    for lr in ["NaN", "inf"] {
        let e = train(&["--lr", lr]);
        assert!(e.contains("learning_rate must be a finite non-negative number"), "--lr {lr}: {e}");
    }
    let e = train(&["--trainer", "aeasgd", "--workers", "2", "--rho", "NaN"]);
    assert!(e.contains("rho must be a finite number"), "{e}");
    // A learning rate that makes the loss diverge stops the run; nothing is saved.
    let saved = dir.join("diverged");
    let e = train(&["--optimizer", "sgd", "--lr", "1e30", "--save", &saved.to_string_lossy()]);
    assert!(e.contains("training diverged") && e.contains("epoch 1"), "{e}");
    assert!(!saved.exists(), "a diverged model was saved");
    // Output paths are checked before training: under a regular file nothing can be written.
    let file = d("toy.csv");
    for flag in ["--save", "--report-json", "--plot", "--checkpoint-dir"] {
        let bad = format!("{file}/out");
        let mut extra = vec![flag, bad.as_str()];
        if flag == "--checkpoint-dir" {
            extra.extend(["--checkpoint-every", "1", "--workers", "2"]);
        }
        let e = train(&extra);
        assert!(e.contains(flag) && e.contains(&bad), "{flag}: {e}");
        assert!(!e.contains("Epoch 1"), "{flag}: trained before checking: {e}");
    }
    // Dense(0) and a model too large to allocate are errors naming the layer.
    for (units, what) in [("0", "empty axis"), ("1000000000000", "values per sample")] {
        let json = std::fs::read_to_string(toy_model(&dir)).unwrap().replace("\"units\": 16", &format!("\"units\": {units}"));
        std::fs::write(dir.join("big.json"), json).unwrap();
        let e = fails(&["train", "--model", &d("big.json"), "--data", &d("toy.csv")]);
        assert!(e.contains("hidden") && e.contains(what), "units {units}: {e}");
    }
}

#[test]
fn a_save_over_an_existing_model_replaces_it_whole() {
    let dir = tmp("resave");
    write_toy(&dir);
    let d = |f: &str| dir.join(f).to_str().unwrap().to_string();
    let model = toy_model(&dir).to_string_lossy().into_owned();
    let saved = d("model");
    for epochs in ["1", "2"] {
        ok(&["train", "--model", &model, "--data", &d("toy.csv"), "--epochs", epochs, "--save", &saved]);
    }
    let mut names: Vec<String> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    assert!(!names.iter().any(|n| n.contains(".tmp")), "a temporary directory was left: {names:?}");
    let mut files: Vec<String> = std::fs::read_dir(&saved).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    files.sort();
    assert_eq!(files, ["model.json", "model.safetensors", "optimizer.safetensors", "training.json"]);
    ok(&["evaluate", "--model", &saved, "--data", &d("toy.csv")]);
}
