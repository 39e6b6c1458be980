//! GFLOP/s of the matrix products the `cnn` preset runs, per sample and batched, on one thread
//! and on all: `cargo run --release -p tusk-core --example gemm_shapes`.

use std::time::Instant;
use tusk_core::kernels::{matmul, set_num_threads, Mat};

fn rate(label: &str, reps: usize, m: usize, k: usize, n: usize, ta: bool, tb: bool) {
    let a: Vec<f32> = (0..m * k).map(|i| (i % 7) as f32 * 0.1).collect();
    let b: Vec<f32> = (0..k * n).map(|i| (i % 5) as f32 * 0.1).collect();
    let mut c = vec![0.0; m * n];
    let am = if ta { Mat::t(&a, m, k) } else { Mat::new(&a, m, k) };
    let bm = if tb { Mat::t(&b, k, n) } else { Mat::new(&b, k, n) };
    matmul(&mut c, am, bm, false);
    let t = Instant::now();
    for _ in 0..reps {
        matmul(&mut c, am, bm, true);
    }
    let s = t.elapsed().as_secs_f64();
    println!("{label:<40} {m:>6}x{k:>5}x{n:>4}  {:>7.1} GFLOP/s", 2.0 * (m * k * n * reps) as f64 / s / 1e9);
}

fn main() {
    for threads in [1, 2] {
        set_num_threads(threads);
        println!("threads = {threads}");
        rate("conv2 fwd, one sample", 200, 196, 800, 64, false, false);
        rate("conv2 fwd, 8 samples", 25, 8 * 196, 800, 64, false, false);
        rate("conv2 fwd, 128 samples", 2, 128 * 196, 800, 64, false, false);
        rate("conv2 dkernel, one sample", 200, 800, 196, 64, true, false);
        rate("conv2 dkernel, 128 samples", 2, 800, 128 * 196, 64, true, false);
        rate("conv2 dcols, one sample", 200, 196, 64, 800, false, true);
        rate("conv1 fwd, one sample", 200, 784, 25, 32, false, false);
        rate("dense 3136x512, batch 128", 20, 128, 3136, 512, false, false);
        rate("dense dW, batch 128", 20, 3136, 128, 512, true, false);
        rate("mlp dense 784x128, batch 32", 2000, 32, 784, 128, false, false);
        rate("mlp dW 784x128, batch 32", 2000, 784, 32, 128, true, false);
    }
}
