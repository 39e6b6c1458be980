//! Dense matrix product `C = A·B` (or `C += A·B`) on row-major `f32` matrices, with
//! either operand optionally read transposed. Backed by the `gemm` crate, which picks
//! AVX-512/AVX2/FMA code at run time.

use super::team::{parallel, share, SyncPtr};
use super::threads::num_threads;
use gemm::Parallelism;
use std::ops::Range;
use std::cell::Cell;

/// A read-only row-major matrix view: `rows x cols` logical shape, optionally the
/// transpose of the stored `cols x rows` buffer.
#[derive(Clone, Copy)]
pub struct Mat<'a> {
    pub data: &'a [f32],
    pub rows: usize,
    pub cols: usize,
    pub transposed: bool,
}

impl<'a> Mat<'a> {
    /// A `rows x cols` matrix stored row-major.
    pub fn new(data: &'a [f32], rows: usize, cols: usize) -> Self {
        Mat { data, rows, cols, transposed: false }
    }
    /// The transpose of a `cols x rows` row-major buffer, seen as `rows x cols`.
    pub fn t(data: &'a [f32], rows: usize, cols: usize) -> Self {
        Mat { data, rows, cols, transposed: true }
    }
    fn strides(&self) -> (isize, isize) {
        // (column stride, row stride) of the logical matrix.
        if self.transposed {
            (self.rows as isize, 1)
        } else {
            (1, self.cols as isize)
        }
    }
}

thread_local! {
    static IN_GEMM: Cell<bool> = const { Cell::new(false) };
}

/// Whether this thread is inside a `gemm` call. The `gemm` crate allocates its packing
/// buffers on every call; allocation audits use this to tell those apart from tusk's own.
pub fn inside_gemm() -> bool {
    IN_GEMM.with(Cell::get)
}

/// Work (multiply-adds) below which a product runs on one thread. Measured on the 2-core
/// machines this project runs on: the `mlp` preset's products at batch 32 (3.2M) lose a
/// little when split, at batch 128 (12.8M) they gain ~1.4x, the `cnn`'s (200M) nearly 2x.
const PARALLEL_MIN_WORK: usize = 1 << 23;

/// `c[m x n] = a[m x k] · b[k x n]`, or `c += a·b` when `accumulate`.
/// Large products are split by columns (or rows, when narrow) across the kernel team.
///
/// Panics if the buffers are smaller than the shapes say (a bug in the caller, not user input).
pub fn matmul(c: &mut [f32], a: Mat, b: Mat, accumulate: bool) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    assert_eq!(b.rows, k, "matmul inner dimensions");
    assert!(a.data.len() >= m * k && b.data.len() >= k * n && c.len() >= m * n);
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !accumulate {
            c[..m * n].fill(0.0);
        }
        return;
    }
    let parts = if m * n * k >= PARALLEL_MIN_WORK { num_threads() } else { 1 };
    if parts < 2 {
        return gemm_block(c.as_mut_ptr(), a, b, (0..m, 0..n), accumulate);
    }
    let cp = SyncPtr::new(c);
    let by_cols = n >= 64;
    parallel(parts, &|t, np| {
        let range = if by_cols { share(n, t, np, 16) } else { share(m, t, np, 8) };
        if !range.is_empty() {
            let block = if by_cols { (0..m, range) } else { (range, 0..n) };
            gemm_block(cp.ptr(), a, b, block, accumulate);
        }
    });
}

/// `c[rows, cols] (+)= a[rows, :] · b[:, cols]` for one block of the output, on this thread.
fn gemm_block(c: *mut f32, a: Mat, b: Mat, (rows, cols): (Range<usize>, Range<usize>), accumulate: bool) {
    let (k, n) = (a.cols, b.cols);
    let (a_cs, a_rs) = a.strides();
    let (b_cs, b_rs) = b.strides();
    IN_GEMM.with(|f| f.set(true));
    // SAFETY: `matmul` checked that the buffers hold the full shapes; the block lies inside
    // them, and blocks given to different threads do not overlap in `c`.
    unsafe {
        gemm::gemm(
            rows.len(),
            cols.len(),
            k,
            c.add(rows.start * n + cols.start),
            1,
            n as isize,
            accumulate,
            a.data.as_ptr().offset(rows.start as isize * a_rs),
            a_cs,
            a_rs,
            b.data.as_ptr().offset(cols.start as isize * b_cs),
            b_cs,
            b_rs,
            1.0,
            1.0,
            false,
            false,
            false,
            Parallelism::None,
        );
    }
    IN_GEMM.with(|f| f.set(false));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(a: &[f32], b: &[f32], m: usize, k: usize, n: usize) -> Vec<f32> {
        let mut c = vec![0.0; m * n];
        for i in 0..m {
            for j in 0..n {
                c[i * n + j] = (0..k).map(|p| a[i * k + p] * b[p * n + j]).sum();
            }
        }
        c
    }

    fn transpose(x: &[f32], r: usize, c: usize) -> Vec<f32> {
        let mut t = vec![0.0; r * c];
        for i in 0..r {
            for j in 0..c {
                t[j * r + i] = x[i * c + j];
            }
        }
        t
    }

    #[test]
    fn all_transpose_combinations_match_naive() {
        for (m, k, n) in [(5, 7, 3), (300, 70, 130), (130, 80, 20)] {
            check(m, k, n);
        }
    }

    fn check(m: usize, k: usize, n: usize) {
        let a: Vec<f32> = (0..m * k).map(|i| (i as f32 * 0.37).sin()).collect();
        let b: Vec<f32> = (0..k * n).map(|i| (i as f32 * 0.11).cos()).collect();
        let want = naive(&a, &b, m, k, n);
        let at = transpose(&a, m, k);
        let bt = transpose(&b, k, n);
        for (am, bm) in [
            (Mat::new(&a, m, k), Mat::new(&b, k, n)),
            (Mat::t(&at, m, k), Mat::new(&b, k, n)),
            (Mat::new(&a, m, k), Mat::t(&bt, k, n)),
            (Mat::t(&at, m, k), Mat::t(&bt, k, n)),
        ] {
            let mut c = vec![1.0; m * n];
            matmul(&mut c, am, bm, false);
            for (x, y) in c.iter().zip(&want) {
                assert!((x - y).abs() < 1e-3 * (1.0 + y.abs()));
            }
            matmul(&mut c, am, bm, true);
            for (x, y) in c.iter().zip(&want) {
                assert!((x - 2.0 * y).abs() < 1e-3 * (1.0 + y.abs()));
            }
        }
    }
}
