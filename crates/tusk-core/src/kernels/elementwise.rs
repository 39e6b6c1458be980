//! Vectorised elementwise loops on `f32` slices, compiled for AVX-512, AVX2+FMA and
//! a portable baseline, with the best chosen at run time (`multiversion`).

use multiversion::multiversion;

/// `y += a * x`.
#[multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2+fma"))]
pub fn axpy(y: &mut [f32], a: f32, x: &[f32]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += a * *xi;
    }
}

/// `y += x`.
#[multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2+fma"))]
pub fn add_assign(y: &mut [f32], x: &[f32]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += *xi;
    }
}

/// `y *= a`.
#[multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2+fma"))]
pub fn scale(y: &mut [f32], a: f32) {
    for yi in y.iter_mut() {
        *yi *= a;
    }
}

/// Running max with its position: where `src[i] > max[i]`, `max[i] = src[i]` and
/// `idx[i] = base + i`.
#[multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2+fma"))]
pub fn max_with_index(max: &mut [f32], idx: &mut [u32], src: &[f32], base: u32) {
    for (i, ((m, ix), &v)) in max.iter_mut().zip(idx.iter_mut()).zip(src).enumerate() {
        let gt = v > *m;
        *m = if gt { v } else { *m };
        *ix = if gt { base + i as u32 } else { *ix };
    }
}

/// Adds `bias` (length `cols`) to every row of the row-major `x`.
#[multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2+fma"))]
pub fn add_row_bias(x: &mut [f32], bias: &[f32]) {
    for row in x.chunks_exact_mut(bias.len()) {
        for (v, b) in row.iter_mut().zip(bias) {
            *v += *b;
        }
    }
}

/// Sum of squares, accumulated in `f64` for stability.
pub fn sum_sq(x: &[f32]) -> f64 {
    x.chunks(1024)
        .map(|c| c.iter().map(|v| v * v).sum::<f32>() as f64)
        .sum()
}

/// `out[j] = sum_i x[i * cols + j]` for a `rows x cols` row-major `x`.
#[multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2+fma"))]
pub fn col_sums_into(out: &mut [f32], x: &[f32], cols: usize) {
    out[..cols].fill(0.0);
    for row in x.chunks_exact(cols) {
        for (o, v) in out.iter_mut().zip(row) {
            *o += *v;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loops_compute_what_they_say() {
        let mut y = vec![1.0, 2.0, 3.0];
        axpy(&mut y, 2.0, &[1.0, 1.0, 1.0]);
        assert_eq!(y, vec![3.0, 4.0, 5.0]);
        add_assign(&mut y, &[1.0, 0.0, -1.0]);
        assert_eq!(y, vec![4.0, 4.0, 4.0]);
        scale(&mut y, 0.5);
        assert_eq!(y, vec![2.0, 2.0, 2.0]);
        assert_eq!(sum_sq(&y), 12.0);
        let mut s = vec![9.0; 2];
        col_sums_into(&mut s, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 2);
        assert_eq!(s, vec![9.0, 12.0]);
    }
}
