//! A team of worker threads that wait actively between parallel regions, as OpenMP teams
//! do: a training step runs many short parallel regions (a few to a few hundred
//! microseconds each), and waking sleeping threads for each would cost more than it saves.
//! Workers spin for 200 microseconds after each region, then sleep until the next.
//!
//! [`parallel`] runs `f(t)` for `t in 0..threads` on the calling thread (t = 0) and the
//! workers, and returns when all are done. It runs serially when called from inside a
//! region or while another thread's region is running (e.g. several models training on
//! threads of their own). It allocates nothing per call.

use super::threads::num_threads;
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How long a worker keeps spinning for the next region before it sleeps.
const SPIN: Duration = Duration::from_micros(200);

type Job = *const (dyn Fn(usize) + Sync);

struct Shared {
    /// Incremented when a region starts; workers wait for it to change.
    generation: AtomicUsize,
    /// The current region's closure; valid while `remaining > 0`.
    job: Mutex<Option<SendJob>>,
    remaining: AtomicUsize,
    /// Number of workers taking part in the current region.
    active: AtomicUsize,
    panicked: AtomicBool,
    sleep: Mutex<()>,
    wake: Condvar,
    /// Held by the thread running a region.
    busy: Mutex<()>,
    workers: usize,
}

#[derive(Clone, Copy)]
struct SendJob(Job);
unsafe impl Send for SendJob {}

thread_local! {
    static IN_REGION: Cell<bool> = const { Cell::new(false) };
}

fn team() -> &'static Shared {
    static TEAM: OnceLock<&'static Shared> = OnceLock::new();
    TEAM.get_or_init(|| {
        let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).saturating_sub(1);
        let shared: &'static Shared = Box::leak(Box::new(Shared {
            generation: AtomicUsize::new(0),
            job: Mutex::new(None),
            remaining: AtomicUsize::new(0),
            active: AtomicUsize::new(0),
            panicked: AtomicBool::new(false),
            sleep: Mutex::new(()),
            wake: Condvar::new(),
            busy: Mutex::new(()),
            workers,
        }));
        for w in 0..workers {
            std::thread::Builder::new().name(format!("tusk-team-{}", w + 1)).spawn(move || worker(shared, w + 1)).expect("spawn team worker");
        }
        shared
    })
}

fn worker(s: &'static Shared, id: usize) {
    IN_REGION.with(|r| r.set(true));
    let mut seen = 0;
    loop {
        let started = Instant::now();
        let mut spins = 0u32;
        loop {
            let g = s.generation.load(Ordering::Acquire);
            if g != seen {
                seen = g;
                break;
            }
            spins = spins.wrapping_add(1);
            if !spins.is_multiple_of(1024) || started.elapsed() < SPIN {
                std::hint::spin_loop();
                continue;
            }
            let guard = s.sleep.lock().unwrap_or_else(|e| e.into_inner());
            if s.generation.load(Ordering::Acquire) == seen {
                let _ = s.wake.wait_timeout(guard, Duration::from_millis(100));
            }
        }
        if id >= s.active.load(Ordering::Acquire) {
            continue;
        }
        let job = s.job.lock().unwrap_or_else(|e| e.into_inner()).expect("job set before the region starts");
        // SAFETY: `parallel` keeps the closure alive until `remaining` reaches 0.
        let f = unsafe { &*job.0 };
        if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(id))).is_err() {
            s.panicked.store(true, Ordering::Release);
        }
        s.remaining.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Runs `f(t, n)` for every part `t in 0..n` in parallel, where `n <= threads` (and at most
/// [`num_threads`]) is the part count chosen; `f` splits its work by `(t, n)`.
pub fn parallel(threads: usize, f: &(dyn Fn(usize, usize) + Sync)) {
    let want = threads.min(num_threads());
    let serial = |n: usize| (0..n).for_each(|t| f(t, n));
    if want <= 1 || IN_REGION.with(Cell::get) {
        return serial(want.max(1));
    }
    let s = team();
    // Another thread's region is running: do this one serially. (A poisoned lock only means
    // an earlier region panicked; the team itself is intact.)
    let _busy = match s.busy.try_lock() {
        Ok(guard) => guard,
        Err(std::sync::TryLockError::Poisoned(e)) => e.into_inner(),
        Err(std::sync::TryLockError::WouldBlock) => return serial(want),
    };
    let n = want.min(s.workers + 1);
    if n <= 1 {
        return serial(1);
    }
    let job = move |t: usize| f(t, n);
    let dyn_job: &(dyn Fn(usize) + Sync) = &job;
    // SAFETY: the lifetime is erased only while this function waits for every worker.
    let ptr: Job = unsafe { std::mem::transmute::<&(dyn Fn(usize) + Sync), &'static (dyn Fn(usize) + Sync)>(dyn_job) };
    *s.job.lock().unwrap_or_else(|e| e.into_inner()) = Some(SendJob(ptr));
    s.active.store(n, Ordering::Release);
    s.remaining.store(n - 1, Ordering::Release);
    s.generation.fetch_add(1, Ordering::AcqRel);
    drop(s.sleep.lock().unwrap_or_else(|e| e.into_inner()));
    s.wake.notify_all();
    IN_REGION.with(|r| r.set(true));
    let mine = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(0, n)));
    IN_REGION.with(|r| r.set(false));
    while s.remaining.load(Ordering::Acquire) != 0 {
        std::hint::spin_loop();
    }
    *s.job.lock().unwrap_or_else(|e| e.into_inner()) = None;
    if let Err(p) = mine {
        std::panic::resume_unwind(p);
    }
    if s.panicked.swap(false, Ordering::AcqRel) {
        panic!("a tusk team worker panicked");
    }
}

/// A raw pointer that may cross threads; users guarantee that parts touch disjoint ranges.
#[derive(Clone, Copy)]
pub(crate) struct SyncPtr<T>(pub *mut T);
unsafe impl<T> Send for SyncPtr<T> {}
unsafe impl<T> Sync for SyncPtr<T> {}

impl<T> SyncPtr<T> {
    pub fn new(s: &mut [T]) -> Self {
        SyncPtr(s.as_mut_ptr())
    }
    /// The pointer (a method, so that closures capture the `Sync` wrapper, not the field).
    pub fn ptr(self) -> *mut T {
        self.0
    }
    /// `len` elements from `start`.
    ///
    /// # Safety
    /// The range must lie inside the original slice, which must outlive the use, and no
    /// two live slices obtained this way may overlap.
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn slice(&self, start: usize, len: usize) -> &mut [T] {
        unsafe { std::slice::from_raw_parts_mut(self.0.add(start), len) }
    }
}

/// The part `t` of `n` of `0..len`, in whole multiples of `align` (the last part takes the rest).
pub fn share(len: usize, t: usize, n: usize, align: usize) -> std::ops::Range<usize> {
    let chunk = len.div_ceil(n).div_ceil(align) * align;
    (t * chunk).min(len)..((t + 1) * chunk).min(len)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU64;

    #[test]
    fn every_part_runs_once_per_region() {
        for _ in 0..1000 {
            let hits = AtomicU64::new(0);
            parallel(4, &|t, n| {
                assert!(t < n);
                hits.fetch_add(1 << (8 * t), Ordering::Relaxed);
            });
            let h = hits.load(Ordering::Relaxed);
            let n = (0..4).filter(|t| (h >> (8 * t)) & 0xff == 1).count();
            assert!(n >= 1 && h.count_ones() as usize == n, "{h:x}");
        }
    }

    #[test]
    fn nested_and_concurrent_regions_run_every_part_once() {
        // Each outer call contributes exactly 4 whatever the part counts (1 or 2) chosen.
        let total = AtomicU64::new(0);
        std::thread::scope(|sc| {
            for _ in 0..3 {
                sc.spawn(|| {
                    for _ in 0..200 {
                        parallel(2, &|_, n| {
                            parallel(2, &|_, m| {
                                total.fetch_add(4 / (n * m) as u64, Ordering::Relaxed);
                            });
                        });
                    }
                });
            }
        });
        assert_eq!(total.load(Ordering::Relaxed), 4 * 600);
    }

    #[test]
    fn a_panicking_part_propagates_and_the_team_keeps_working() {
        for bad in 0..num_threads().min(2) {
            let r = std::panic::catch_unwind(|| parallel(2, &|t, _| assert!(t != bad, "part {t} fails")));
            assert!(r.is_err());
            let hits = AtomicU64::new(0);
            parallel(2, &|_, _| {
                hits.fetch_add(1, Ordering::Relaxed);
            });
            assert!(hits.load(Ordering::Relaxed) >= 1);
        }
    }

    #[test]
    fn shares_cover_the_range() {
        for (len, n, align) in [(100, 2, 16), (7, 3, 1), (0, 2, 16), (33, 2, 16)] {
            let covered: usize = (0..n).map(|t| share(len, t, n, align).len()).sum();
            assert_eq!(covered, len);
        }
    }
}
