//! Steady-state training allocates nothing per step: after a warm-up step, further
//! `fit` steps (forward, loss, backward, optimizer) make no heap allocation. Counted with a
//! global allocator wrapper; one test per process so other tests' allocations don't count.
//!
//! Known exception, not counted: the `gemm` crate allocates its packing buffers inside every
//! matrix product (a few small blocks per call); `kernels::inside_gemm` tells those apart.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use tusk_core::train::{BatchProgress, Callback};
use tusk_core::{presets, FitOptions, Loss, Model, Optimizer, Tensor};

struct Counting;
static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        count();
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        count();
        unsafe { System.realloc(p, l, n) }
    }
}

fn count() {
    if COUNTING.load(Ordering::Relaxed) && !tusk_core::kernels::inside_gemm() {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Starts counting after the first steps of the first epoch, stops at the last step.
struct Window {
    per_epoch_steps: Vec<usize>,
}

impl Callback for Window {
    fn on_batch_end(&mut self, p: &BatchProgress) {
        if p.epoch == 0 && p.step == 2 {
            COUNTING.store(true, Ordering::SeqCst);
        }
        if p.step == p.steps - 1 {
            // The last step of an epoch may be a partial batch; the epoch end allocates logs.
            COUNTING.store(false, Ordering::SeqCst);
            self.per_epoch_steps.push(p.steps);
        }
    }
    fn on_epoch_begin(&mut self, epoch: usize, _m: &mut Model) {
        if epoch > 0 {
            COUNTING.store(true, Ordering::SeqCst);
        }
    }
}

fn check(spec: tusk_core::GraphSpec, input: &[usize], optimizer: &str) -> usize {
    let n = 96;
    let len: usize = input.iter().product();
    let x = Tensor::new((0..n * len).map(|i| ((i * 37 % 101) as f32) / 101.0).collect(), [vec![n], input.to_vec()].concat()).unwrap();
    let mut y = vec![0.0; n * 10];
    (0..n).for_each(|i| y[i * 10 + i % 10] = 1.0);
    let y = Tensor::new(y, vec![n, 10]).unwrap();
    let mut model = Model::from_spec(&spec, 1).unwrap();
    model.compile(vec![Loss::CategoricalCrossentropy { from_logits: false }], Optimizer::from_name(optimizer).unwrap(), &["accuracy"]).unwrap();
    ALLOCS.store(0, Ordering::SeqCst);
    let mut w = Window { per_epoch_steps: vec![] };
    model.fit(&[x], &[y], &FitOptions { epochs: 2, batch_size: 8, ..FitOptions::default() }, &mut [&mut w]).unwrap();
    COUNTING.store(false, Ordering::SeqCst);
    assert_eq!(w.per_epoch_steps.len(), 2);
    ALLOCS.load(Ordering::SeqCst)
}

/// The fewest allocations over up to three runs: the allocator counts every thread of the
/// process, so a stray allocation elsewhere (seen once in CI, 4 during one run) must not fail
/// the test, while one made by the steps themselves shows up in every run.
fn fewest_allocs(spec: impl Fn() -> tusk_core::GraphSpec, input: &[usize], optimizer: &str) -> usize {
    let mut fewest = usize::MAX;
    for _ in 0..3 {
        fewest = fewest.min(check(spec(), input, optimizer));
        if fewest == 0 {
            break;
        }
    }
    fewest
}

#[test]
fn training_steps_do_not_allocate() {
    for threads in [1, 2] {
        tusk_core::kernels::set_num_threads(threads);
        for opt in ["sgd", "adam", "rmsprop", "nadam"] {
            assert_eq!(fewest_allocs(presets::mlp, &[784], opt), 0, "mlp with {opt} on {threads} thread(s) allocated during steady-state steps");
        }
        assert_eq!(fewest_allocs(presets::cnn, &[28, 28, 1], "adam"), 0, "cnn on {threads} thread(s) allocated during steady-state steps");
    }
}
