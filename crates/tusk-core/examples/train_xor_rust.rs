//! Using tusk-core from Rust, without the CLI: build a model in code, compile, fit,
//! evaluate, save and load it back.
//! `cargo run --release -p tusk-core --example train_xor_rust`

use tusk_core::{FitOptions, LayerSpec, Loss, Model, Optimizer, Sequential, Tensor};

fn main() -> tusk_core::Result<()> {
    // XOR with a little noise, 400 samples.
    let n = 400;
    let mut x = Vec::with_capacity(n * 2);
    let mut y = Vec::with_capacity(n);
    for i in 0..n {
        let (a, b) = (i % 2, (i / 2) % 2);
        let jitter = ((i * 37 % 17) as f32 - 8.0) * 0.01;
        x.extend([a as f32 + jitter, b as f32 - jitter]);
        y.push((a ^ b) as f32);
    }
    let x = Tensor::new(x, vec![n, 2])?;
    let y = Tensor::new(y, vec![n, 1])?;

    let spec = Sequential::new(&[2]).add(LayerSpec::dense(16, "tanh")).add(LayerSpec::dense(1, "sigmoid")).into_spec();
    let mut model = Model::from_spec(&spec, 42)?;
    model.compile(vec![Loss::BinaryCrossentropy { from_logits: false }], Optimizer::from_name("adam")?, &["accuracy"])?;
    let opts = FitOptions { epochs: 200, batch_size: 32, validation_split: 0.1, ..FitOptions::default() };
    let history = model.fit(&[x.clone()], &[y.clone()], &opts, &mut [])?;
    println!("last epoch: {:?}", history.last().map(|e| &e.logs));
    println!("evaluate: {:?}", model.evaluate(&[x.clone()], &[y], 100)?);

    let dir = std::env::temp_dir().join("tusk-xor-example");
    model.save(&dir)?;
    let mut back = Model::load(&dir)?;
    assert_eq!(back.predict(&[x.clone()], 64)?, model.predict(&[x], 64)?);
    println!("saved to and reloaded from {}", dir.display());
    Ok(())
}
