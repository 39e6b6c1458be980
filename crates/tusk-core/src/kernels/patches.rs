//! Patch extraction for convolutions on channels-last data (im2col / col2im).
//!
//! One sample `[in_h, in_w, c]` becomes a `[out_h * out_w, kh * kw * c]` matrix whose row
//! `(oy, ox)` holds the receptive field in `(ky, kx, c)` order: the same order as Keras'
//! kernel `[kh, kw, in, out]` flattened to `[kh * kw * in, out]`. 1-D convolutions use
//! `in_h = kh = 1`. Positions in the zero padding read as 0 and receive no gradient.

/// The geometry of one convolution or pooling window over one sample.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PatchGeometry {
    pub in_h: usize,
    pub in_w: usize,
    pub channels: usize,
    pub kh: usize,
    pub kw: usize,
    pub sh: usize,
    pub sw: usize,
    pub pad_top: usize,
    pub pad_left: usize,
    pub out_h: usize,
    pub out_w: usize,
}

impl PatchGeometry {
    /// Keras' output size and padding for `padding = "valid" | "same"`.
    /// Returns `None` when the window does not fit (valid padding, input too small).
    pub fn new(
        (in_h, in_w, channels): (usize, usize, usize),
        (kh, kw): (usize, usize),
        (sh, sw): (usize, usize),
        same: bool,
    ) -> Option<Self> {
        let dim = |n: usize, k: usize, s: usize| -> Option<(usize, usize)> {
            if same {
                let out = n.div_ceil(s);
                let pad_total = ((out - 1) * s + k).saturating_sub(n);
                Some((out, pad_total / 2))
            } else if n >= k {
                Some(((n - k) / s + 1, 0))
            } else {
                None
            }
        };
        let (out_h, pad_top) = dim(in_h, kh, sh)?;
        let (out_w, pad_left) = dim(in_w, kw, sw)?;
        Some(PatchGeometry { in_h, in_w, channels, kh, kw, sh, sw, pad_top, pad_left, out_h, out_w })
    }

    pub fn patch_len(&self) -> usize {
        self.kh * self.kw * self.channels
    }
    pub fn out_pixels(&self) -> usize {
        self.out_h * self.out_w
    }
    pub fn in_len(&self) -> usize {
        self.in_h * self.in_w * self.channels
    }

    /// Input row/column of window position `(oy, ox)` + offset `(ky, kx)`, if inside the input.
    #[inline]
    pub fn source(&self, oy: usize, ox: usize, ky: usize, kx: usize) -> Option<(usize, usize)> {
        let iy = (oy * self.sh + ky).checked_sub(self.pad_top)?;
        let ix = (ox * self.sw + kx).checked_sub(self.pad_left)?;
        (iy < self.in_h && ix < self.in_w).then_some((iy, ix))
    }
}

/// The columns `kx` of window column `ox` that fall inside the input: `kx_lo..kx_hi`,
/// starting at input column `ix0` (for `kx_lo`).
#[inline]
fn inside_cols(g: &PatchGeometry, ox: usize) -> (usize, usize, usize) {
    let start = ox * g.sw;
    let kx_lo = g.pad_left.saturating_sub(start).min(g.kw);
    let kx_hi = (g.in_w + g.pad_left).saturating_sub(start).min(g.kw).max(kx_lo);
    (kx_lo, kx_hi, (start + kx_lo).saturating_sub(g.pad_left))
}

/// The input row of window row `oy` + `ky`, if inside the input.
#[inline]
fn source_row(g: &PatchGeometry, oy: usize, ky: usize) -> Option<usize> {
    (oy * g.sh + ky).checked_sub(g.pad_top).filter(|&iy| iy < g.in_h)
}

/// Fills `cols` (`[out_pixels, patch_len]`) from one sample `x` (`[in_h, in_w, c]`).
/// For each window row, the inside part is one contiguous run of `(kx_hi - kx_lo) * c` values.
pub fn im2col(g: &PatchGeometry, x: &[f32], cols: &mut [f32]) {
    let c = g.channels;
    let plen = g.patch_len();
    for ox_oy in 0..g.out_pixels() {
        let (oy, ox) = (ox_oy / g.out_w, ox_oy % g.out_w);
        let (kx_lo, kx_hi, ix0) = inside_cols(g, ox);
        let row = &mut cols[ox_oy * plen..][..plen];
        for ky in 0..g.kh {
            let dst = &mut row[ky * g.kw * c..][..g.kw * c];
            match source_row(g, oy, ky) {
                Some(iy) => {
                    dst[..kx_lo * c].fill(0.0);
                    let run = (kx_hi - kx_lo) * c;
                    copy_small(&mut dst[kx_lo * c..kx_hi * c], &x[(iy * g.in_w + ix0) * c..][..run]);
                    dst[kx_hi * c..].fill(0.0);
                }
                None => dst.fill(0.0),
            }
        }
    }
}

/// Adds the patch gradients `dcols` (`[out_pixels, patch_len]`) back into `dx`
/// (`[in_h, in_w, c]`, which the caller has zeroed or wants accumulated into).
pub fn col2im(g: &PatchGeometry, dcols: &[f32], dx: &mut [f32]) {
    let c = g.channels;
    let plen = g.patch_len();
    for ox_oy in 0..g.out_pixels() {
        let (oy, ox) = (ox_oy / g.out_w, ox_oy % g.out_w);
        let (kx_lo, kx_hi, ix0) = inside_cols(g, ox);
        let row = &dcols[ox_oy * plen..][..plen];
        for ky in 0..g.kh {
            if let Some(iy) = source_row(g, oy, ky) {
                let run = (kx_hi - kx_lo) * c;
                let src = &row[(ky * g.kw + kx_lo) * c..][..run];
                let dst = &mut dx[(iy * g.in_w + ix0) * c..][..run];
                dst.iter_mut().zip(src).for_each(|(d, s)| *d += *s);
            }
        }
    }
}

/// `dst.copy_from_slice(src)`, without a `memcpy` call for the short runs of thin inputs.
#[inline]
fn copy_small(dst: &mut [f32], src: &[f32]) {
    if dst.len() <= 16 {
        dst.iter_mut().zip(src).for_each(|(d, s)| *d = *s);
    } else {
        dst.copy_from_slice(src);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keras_output_sizes() {
        let g = PatchGeometry::new((28, 28, 1), (5, 5), (1, 1), true).unwrap();
        assert_eq!((g.out_h, g.out_w, g.pad_top, g.pad_left), (28, 28, 2, 2));
        let g = PatchGeometry::new((7, 7, 1), (3, 3), (2, 2), true).unwrap();
        assert_eq!((g.out_h, g.pad_top), (4, 1));
        let g = PatchGeometry::new((6, 6, 1), (2, 2), (2, 2), true).unwrap();
        assert_eq!((g.out_h, g.pad_top), (3, 0));
        let g = PatchGeometry::new((6, 6, 2), (3, 3), (1, 1), false).unwrap();
        assert_eq!((g.out_h, g.out_w), (4, 4));
        assert!(PatchGeometry::new((2, 2, 1), (3, 3), (1, 1), false).is_none());
    }

    #[test]
    fn im2col_matches_the_definition() {
        for (shape, k, st, same) in [((5, 4, 2), (3, 2), (2, 1), true), ((7, 7, 1), (5, 5), (1, 1), true), ((6, 6, 3), (3, 3), (2, 2), false), ((1, 9, 2), (1, 4), (1, 3), true)] {
            let g = PatchGeometry::new(shape, k, st, same).unwrap();
            let x: Vec<f32> = (0..g.in_len()).map(|i| i as f32 + 1.0).collect();
            let mut cols = vec![-1.0; g.out_pixels() * g.patch_len()];
            im2col(&g, &x, &mut cols);
            for oy in 0..g.out_h {
                for ox in 0..g.out_w {
                    for ky in 0..g.kh {
                        for kx in 0..g.kw {
                            for ch in 0..g.channels {
                                let want = g.source(oy, ox, ky, kx).map_or(0.0, |(iy, ix)| x[(iy * g.in_w + ix) * g.channels + ch]);
                                let got = cols[(oy * g.out_w + ox) * g.patch_len() + (ky * g.kw + kx) * g.channels + ch];
                                assert_eq!(got, want, "{g:?} at {oy},{ox},{ky},{kx},{ch}");
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn col2im_is_the_adjoint_of_im2col() {
        // <im2col(x), d> == <x, col2im(d)> for any x, d.
        let g = PatchGeometry::new((5, 4, 2), (3, 2), (2, 1), true).unwrap();
        let x: Vec<f32> = (0..g.in_len()).map(|i| (i as f32 * 0.7).sin()).collect();
        let d: Vec<f32> = (0..g.out_pixels() * g.patch_len()).map(|i| (i as f32 * 0.3).cos()).collect();
        let mut cols = vec![0.0; d.len()];
        im2col(&g, &x, &mut cols);
        let mut dx = vec![0.0; x.len()];
        col2im(&g, &d, &mut dx);
        let lhs: f32 = cols.iter().zip(&d).map(|(a, b)| a * b).sum();
        let rhs: f32 = x.iter().zip(&dx).map(|(a, b)| a * b).sum();
        assert!((lhs - rhs).abs() < 1e-4, "{lhs} vs {rhs}");
    }
}
