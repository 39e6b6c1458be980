//! The compute kernels every layer is written against: matrix products (on the `gemm`
//! crate), image/sequence patch extraction for convolutions, and vectorised elementwise
//! loops. Layers never call `gemm` directly, so another backend can replace this module.

mod aligned;
mod elementwise;
mod matmul;
mod patches;
mod team;
mod threads;

pub use aligned::AlignedBuf;
pub use elementwise::{add_assign, add_row_bias, axpy, col_sums_into, max_with_index, scale, sum_sq};
pub use matmul::{inside_gemm, matmul, Mat};
pub use patches::{col2im, im2col, PatchGeometry};
pub use team::{parallel, share};
pub(crate) use team::SyncPtr;
pub use threads::{num_threads, set_num_threads};
