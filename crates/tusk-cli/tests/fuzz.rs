//! Bounded fuzzing of every decoder that reads untrusted bytes: the wire's frame reader and
//! message codec, the Keras-JSON model parser, and the data readers (NPY, NPZ, IDX, CSV,
//! LibSVM). A stand-in for `cargo fuzz` that runs in CI: each target starts from seeds built
//! here plus the files kept in `tests/fuzz_corpus/<target>/` (inputs that once broke
//! something), mutates them with a fixed seed for a fixed number of rounds, and requires that
//! every input gives `Ok` or an error, never a panic. `TUSK_FUZZ_ROUNDS` raises the rounds
//! for a longer run outside CI.

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use tusk_core::keras::{model_from_json, model_to_json};
use tusk_core::{presets, Model, Tensor};
use tusk_dist::protocol::{read_frame, write_frame, Commit, Delta, Request, Response};

fn rounds() -> usize {
    std::env::var("TUSK_FUZZ_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(400)
}

/// The seeds plus the kept corpus of `target`.
fn corpus(target: &str, mut seeds: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_corpus").join(target);
    if let Ok(entries) = std::fs::read_dir(&dir) {
        let mut files: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        files.sort();
        seeds.extend(files.iter().map(|f| std::fs::read(f).unwrap()));
    }
    seeds
}

/// One random change: flip, set, insert or delete bytes, truncate, or splice a boundary value.
fn mutate(input: &[u8], rng: &mut SmallRng) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..rng.gen_range(1..=4) {
        let at = if out.is_empty() { 0 } else { rng.gen_range(0..out.len()) };
        match rng.gen_range(0..7) {
            0 if !out.is_empty() => out[at] ^= 1 << rng.gen_range(0..8),
            1 if !out.is_empty() => out[at] = [0, 0xFF, 0x7F, 0x80, b'9', b'-', b'"'][rng.gen_range(0..7)],
            2 => out.insert(at, rng.gen()),
            3 if !out.is_empty() => {
                out.remove(at);
            }
            4 => out.truncate(at),
            5 if out.len() >= at + 4 => out[at..at + 4].copy_from_slice(&[u32::MAX, 0, 1 << 31, 0x7FFF_FFFF][rng.gen_range(0..4)].to_le_bytes()),
            _ => {
                let n = rng.gen_range(0..8).min(out.len().saturating_sub(at));
                let chunk: Vec<u8> = out[at..at + n].to_vec();
                out.splice(at..at, chunk);
            }
        }
    }
    out
}

/// Runs `check` on every seed and `rounds()` mutations of them; a panic fails with the input.
fn fuzz(target: &str, seeds: Vec<Vec<u8>>, check: impl Fn(&[u8])) {
    let inputs = corpus(target, seeds);
    let mut rng = SmallRng::seed_from_u64(0x7u64 ^ target.len() as u64);
    for i in 0..inputs.len() + rounds() {
        let input = if i < inputs.len() { inputs[i].clone() } else { mutate(&inputs[rng.gen_range(0..inputs.len())], &mut rng) };
        if catch_unwind(AssertUnwindSafe(|| check(&input))).is_err() {
            let kept = std::env::temp_dir().join(format!("tusk-fuzz-{target}-{i}"));
            let _ = std::fs::write(&kept, &input);
            panic!("{target}: input {i} panicked; it is in {} (add it to tests/fuzz_corpus/{target}/ once fixed)", kept.display());
        }
    }
}

fn frame(token: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut f = Vec::new();
    write_frame(&mut f, token, payload).unwrap();
    f
}

#[test]
fn frames_and_messages() {
    let token = b"0123456789abcdef";
    let messages: Vec<Vec<u8>> = vec![
        { let mut o = Vec::new(); Request::Hello { worker: 1, attempt: 0, samples: 600 }.encode(&mut o); o },
        { let mut o = Vec::new(); Request::Commit(Commit { worker: 0, attempt: 0, seq: 3, t_pull: 2, round: 0, samples: 32, delta: Delta::TopK { len: 8, indices: vec![1, 5], values: vec![0.5, -1.0] } }).encode(&mut o); o },
        { let mut o = Vec::new(); Request::Commit(Commit { worker: 0, attempt: 0, seq: 3, t_pull: 2, round: 0, samples: 32, delta: Delta::F16(vec![0x3C00; 6]) }).encode(&mut o); o },
        { let mut o = Vec::new(); Request::EpochEnd { worker: 2, epoch: 1, seconds: 0.5, samples: 300, logs: vec![("loss".into(), 0.25)] }.encode(&mut o); o },
        { let mut o = Vec::new(); Response::Weights { t: 4, round: 1, stop: false, weights: vec![1.0; 5] }.encode(&mut o); o },
        { let mut o = Vec::new(); Response::Welcome { job: "{}".into(), max_samples: 9, start_epoch: 0 }.encode(&mut o); o },
    ];
    let seeds = messages.iter().map(|m| frame(token, m)).collect();
    fuzz("frame", seeds, |bytes| {
        let mut payload = Vec::new();
        if read_frame(&mut &bytes[..], token, 1 << 16, &mut payload).is_ok() {
            let _ = Request::decode(&payload);
            let _ = Response::decode(&payload);
        }
        // The message decoders also see the bytes raw (past the frame layer's checks).
        let _ = Request::decode(bytes);
        let _ = Response::decode(bytes);
    });
}

/// A leaf of the JSON, chosen at random, replaced by a value a model must not trip over.
fn mutate_json(v: &mut Value, rng: &mut SmallRng) {
    let nasty = [json!(0), json!(-1), json!(1.5), json!(1u64 << 40), json!(1_000_000_000_000u64), json!(null), json!("x"), json!([]), json!({}), json!(true), json!([0, 0])];
    match v {
        Value::Object(m) if !m.is_empty() => {
            let k = m.keys().nth(rng.gen_range(0..m.len())).unwrap().clone();
            mutate_json(m.get_mut(&k).unwrap(), rng)
        }
        Value::Array(a) if !a.is_empty() => {
            let i = rng.gen_range(0..a.len());
            mutate_json(&mut a[i], rng)
        }
        leaf => *leaf = nasty[rng.gen_range(0..nasty.len())].clone(),
    }
}

#[test]
fn keras_model_json() {
    let seeds: Vec<Vec<u8>> = presets::NAMES.iter().map(|n| model_to_json(&Model::from_spec(&presets::by_name(n).unwrap(), 0).unwrap()).into_bytes()).collect();
    let parse = |bytes: &[u8]| {
        if let Ok(text) = std::str::from_utf8(bytes) {
            let _ = model_from_json(text, 0);
        }
    };
    fuzz("keras_json", seeds.clone(), parse);
    // Structured: valid JSON with one setting changed, so the parser's checks are reached.
    let mut rng = SmallRng::seed_from_u64(11);
    for round in 0..rounds() {
        let mut v: Value = serde_json::from_slice(&seeds[round % seeds.len()]).unwrap();
        mutate_json(&mut v, &mut rng);
        let text = v.to_string();
        if catch_unwind(AssertUnwindSafe(|| parse(text.as_bytes()))).is_err() {
            panic!("keras_json: structured input {round} panicked: {text}");
        }
    }
}

/// Writes `bytes` to a scratch file and reads it with `read`.
fn via_file(name: &str, read: impl Fn(&Path)) -> impl Fn(&[u8]) {
    let path = std::env::temp_dir().join(format!("tusk-fuzz-{}-{name}", std::process::id()));
    move |bytes: &[u8]| {
        std::fs::write(&path, bytes).unwrap();
        read(&path);
    }
}

fn file_bytes(name: &str, write: impl FnOnce(&Path)) -> Vec<u8> {
    let path = std::env::temp_dir().join(format!("tusk-fuzz-seed-{}-{name}", std::process::id()));
    write(&path);
    let bytes = std::fs::read(&path).unwrap();
    let _ = std::fs::remove_file(&path);
    bytes
}

#[test]
fn data_readers() {
    let t = Tensor::new((0..24).map(|v| v as f32).collect(), vec![2, 3, 4]).unwrap();
    let npy = file_bytes("a.npy", |p| tusk_data::write_npy(p, &t).unwrap());
    fuzz("npy", vec![npy], via_file("x.npy", |p| drop(tusk_data::read_npy(p))));
    let npz = file_bytes("a.npz", |p| tusk_data::write_npz(p, &[("x", &t), ("y", &t)]).unwrap());
    fuzz("npz", vec![npz], via_file("x.npz", |p| drop(tusk_data::read_npz(p))));
    let idx = file_bytes("a.idx", |p| tusk_data::write_idx(p, &t, tusk_data::IdxType::U8).unwrap());
    fuzz("idx", vec![idx], via_file("x.idx", |p| drop(tusk_data::read_idx(p))));
    let csv = b"label,a,b,c\n1,0.5,2,3\n0,1e3,-4,\"5\"\n2,7,8,9\n".to_vec();
    let opts = tusk_data::CsvOptions { label_column: Some(tusk_data::Column::Name("label".into())), ..Default::default() };
    fuzz("csv", vec![csv], via_file("x.csv", move |p| drop(tusk_data::read_csv(p, &opts))));
    let libsvm = b"1 1:0.5 3:2\n0 2:1e-3 4:7 # comment\n-1 10:3\n".to_vec();
    fuzz("libsvm", vec![libsvm], via_file("x.svm", |p| drop(tusk_data::read_libsvm(p, None))));
}
