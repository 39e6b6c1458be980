//! The per-element update rules of Keras 3's optimizers, on one variable's slices:
//! `p` parameters, `g` gradients, `s0..s2` the optimizer's slot variables.
//! Each loop is compiled for AVX-512, AVX2+FMA and a baseline, chosen at run time.

use multiversion::multiversion;

/// SGD: `m = mu m - lr g; p += m` (Nesterov: `p += mu m - lr g`); plain `p -= lr g` when `mu = 0`.
#[multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2+fma"))]
pub fn sgd(p: &mut [f32], g: &[f32], m: &mut [f32], lr: f32, momentum: f32, nesterov: bool) {
    if momentum == 0.0 {
        for (pv, gv) in p.iter_mut().zip(g) {
            *pv -= lr * gv;
        }
    } else if nesterov {
        for ((pv, gv), mv) in p.iter_mut().zip(g).zip(m.iter_mut()) {
            *mv = momentum * *mv - lr * gv;
            *pv += momentum * *mv - lr * gv;
        }
    } else {
        for ((pv, gv), mv) in p.iter_mut().zip(g).zip(m.iter_mut()) {
            *mv = momentum * *mv - lr * gv;
            *pv += *mv;
        }
    }
}

/// RMSprop with optional momentum and centering (Keras 3: `sqrt(v + eps)` in the denominator).
#[multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2+fma"))]
pub fn rmsprop(p: &mut [f32], g: &[f32], v: &mut [f32], m: &mut [f32], mg: &mut [f32], lr: f32, rho: f32, momentum: f32, eps: f32, centered: bool) {
    for i in 0..p.len() {
        let gv = g[i];
        v[i] = rho * v[i] + (1.0 - rho) * gv * gv;
        let denom = if centered {
            mg[i] = rho * mg[i] + (1.0 - rho) * gv;
            v[i] - mg[i] * mg[i] + eps
        } else {
            v[i] + eps
        };
        let inc = lr * gv / denom.sqrt();
        if momentum > 0.0 {
            m[i] = momentum * m[i] + inc;
            p[i] -= m[i];
        } else {
            p[i] -= inc;
        }
    }
}

/// Adagrad: `acc += g^2; p -= lr g / sqrt(acc + eps)`.
#[multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2+fma"))]
pub fn adagrad(p: &mut [f32], g: &[f32], acc: &mut [f32], lr: f32, eps: f32) {
    for ((pv, gv), a) in p.iter_mut().zip(g).zip(acc.iter_mut()) {
        *a += gv * gv;
        *pv -= lr * gv / (*a + eps).sqrt();
    }
}

/// Adadelta: `delta = -sqrt(acc_dx + eps) / sqrt(acc_g + eps) g; p += lr delta`.
#[multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2+fma"))]
pub fn adadelta(p: &mut [f32], g: &[f32], acc_g: &mut [f32], acc_dx: &mut [f32], lr: f32, rho: f32, eps: f32) {
    for i in 0..p.len() {
        acc_g[i] = rho * acc_g[i] + (1.0 - rho) * g[i] * g[i];
        let delta = -(acc_dx[i] + eps).sqrt() / (acc_g[i] + eps).sqrt() * g[i];
        acc_dx[i] = rho * acc_dx[i] + (1.0 - rho) * delta * delta;
        p[i] += lr * delta;
    }
}

/// Adam: `m += (g - m)(1 - b1); v += (g^2 - v)(1 - b2); p -= alpha m / (sqrt(v) + eps)`
/// where `alpha` already carries the bias corrections. AMSGrad uses `max(vhat, v)`.
#[multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2+fma"))]
pub fn adam(p: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32], vhat: &mut [f32], alpha: f32, b1: f32, b2: f32, eps: f32, amsgrad: bool) {
    if amsgrad {
        for i in 0..p.len() {
            m[i] += (g[i] - m[i]) * (1.0 - b1);
            v[i] += (g[i] * g[i] - v[i]) * (1.0 - b2);
            vhat[i] = vhat[i].max(v[i]);
            p[i] -= alpha * m[i] / (vhat[i].sqrt() + eps);
        }
    } else {
        for i in 0..p.len() {
            m[i] += (g[i] - m[i]) * (1.0 - b1);
            v[i] += (g[i] * g[i] - v[i]) * (1.0 - b2);
            p[i] -= alpha * m[i] / (v[i].sqrt() + eps);
        }
    }
}

/// Nadam (Keras 3): `p -= lr (c_m m + c_g g) / (sqrt(v / (1 - b2^t)) + eps)`.
#[multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2+fma"))]
pub fn nadam(p: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32], lr: f32, b1: f32, b2: f32, eps: f32, c_m: f32, c_g: f32, v_corr: f32) {
    for i in 0..p.len() {
        m[i] += (g[i] - m[i]) * (1.0 - b1);
        v[i] += (g[i] * g[i] - v[i]) * (1.0 - b2);
        let m_hat = c_m * m[i] + c_g * g[i];
        p[i] -= lr * m_hat / ((v[i] / v_corr).sqrt() + eps);
    }
}
