//! Round-trip time of an empty parallel region on the kernel team, and of a small one:
//! `cargo run --release -p tusk-core --example team_latency`.

use std::time::Instant;
use tusk_core::kernels::parallel;

fn main() {
    for work in [0usize, 20_000] {
        let mut v = vec![1.0f32; 2 * work + 1];
        let mut times = Vec::new();
        for _ in 0..2000 {
            let t = Instant::now();
            let p = v.as_mut_ptr() as usize;
            parallel(2, &|t, n| {
                let chunk = work;
                let s = unsafe { std::slice::from_raw_parts_mut((p as *mut f32).add(t * chunk), chunk) };
                s.iter_mut().for_each(|x| *x = x.sqrt() + 1.0);
                let _ = n;
            });
            times.push(t.elapsed().as_secs_f64() * 1e6);
            // Some serial work between regions, as in a training step.
            v[..work.min(1000)].iter_mut().for_each(|x| *x *= 0.999);
        }
        times.sort_by(|a, b| a.partial_cmp(b).unwrap());
        println!("work {work:>6}: median {:.1} us, p90 {:.1} us, p99 {:.1} us, max {:.1} us", times[1000], times[1800], times[1980], times[1999]);
    }
}
