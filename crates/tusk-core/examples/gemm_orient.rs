//! Which orientation of the conv products `gemm` runs fastest (one thread):
//! `cargo run --release -p tusk-core --example gemm_orient`.

use std::time::Instant;

unsafe fn run(m: usize, n: usize, k: usize, dst: &mut [f32], dcs: isize, drs: isize, a: &[f32], acs: isize, ars: isize, b: &[f32], bcs: isize, brs: isize) {
    unsafe {
        gemm::gemm(m, n, k, dst.as_mut_ptr(), dcs, drs, true, a.as_ptr(), acs, ars, b.as_ptr(), bcs, brs, 1.0, 1.0, false, false, false, gemm::Parallelism::None)
    }
}

fn time(label: &str, flops: f64, mut f: impl FnMut()) {
    f();
    let reps = 100;
    let t = Instant::now();
    for _ in 0..reps {
        f();
    }
    println!("{label:<50} {:>7.1} GFLOP/s", flops * reps as f64 / t.elapsed().as_secs_f64() / 1e9);
}

fn main() {
    let (p, k, f) = (196usize, 800usize, 64usize); // pixels, patch length, filters
    let cols: Vec<f32> = (0..p * k).map(|i| (i % 7) as f32).collect();
    let w: Vec<f32> = (0..k * f).map(|i| (i % 5) as f32).collect();
    let mut y = vec![0.0f32; p * f];
    let fl = 2.0 * (p * k * f) as f64;
    unsafe {
        time("fwd  C[p,f]=cols[p,k]W[k,f] (m=p)", fl, || run(p, f, k, &mut y, 1, f as isize, &cols, 1, k as isize, &w, 1, f as isize));
        time("fwd  C^T[f,p]=W^T cols^T (m=f, dst col-major)", fl, || run(f, p, k, &mut y, f as isize, 1, &w, f as isize, 1, &cols, k as isize, 1));
        let mut dk = vec![0.0f32; k * f];
        time("dK[k,f]=cols^T dY (m=k)", fl, || run(k, f, p, &mut dk, 1, f as isize, &cols, k as isize, 1, &y, 1, f as isize));
        time("dK^T[f,k]=dY^T cols (m=f)", fl, || run(f, k, p, &mut dk, k as isize, 1, &y, f as isize, 1, &cols, 1, k as isize));
        let mut dc = vec![0.0f32; p * k];
        time("dcols[p,k]=dY W^T (m=p)", fl, || run(p, k, f, &mut dc, 1, k as isize, &y, 1, f as isize, &w, f as isize, 1));
        time("dcols^T[k,p]=W dY^T (m=k)", fl, || run(k, p, f, &mut dc, k as isize, 1, &w, 1, f as isize, &y, f as isize, 1));
        let n = 1024;
        let a: Vec<f32> = vec![1.0; n * n];
        let mut c = vec![0.0f32; n * n];
        time("square 1024", 2.0 * (n * n * n) as f64 / 10.0, || run(n, n, n / 10, &mut c, 1, n as isize, &a, 1, (n / 10) as isize, &a, 1, n as isize));
    }
}
