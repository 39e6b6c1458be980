//! `AlignedBuf`: a zero-filled `f32` buffer whose first value sits on a 64-byte cache-line
//! boundary. Kernel threads split buffers at multiples of 16 values; with aligned buffers
//! those splits fall on cache-line boundaries, so two threads never write one line (false
//! sharing, which made parallel steps erratic when an allocation happened to be misaligned).

use std::ops::{Deref, DerefMut};

const LINE_VALUES: usize = 16;

#[derive(Default, Debug, Clone)]
pub struct AlignedBuf {
    raw: Vec<f32>,
    start: usize,
    len: usize,
}

impl AlignedBuf {
    pub fn zeros(len: usize) -> Self {
        if len == 0 {
            return AlignedBuf::default();
        }
        let raw = vec![0.0f32; len + LINE_VALUES];
        let misalign = (raw.as_ptr() as usize / std::mem::size_of::<f32>()) % LINE_VALUES;
        let start = (LINE_VALUES - misalign) % LINE_VALUES;
        AlignedBuf { raw, start, len }
    }
}

impl Deref for AlignedBuf {
    type Target = [f32];
    fn deref(&self) -> &[f32] {
        &self.raw[self.start..self.start + self.len]
    }
}

impl DerefMut for AlignedBuf {
    fn deref_mut(&mut self) -> &mut [f32] {
        &mut self.raw[self.start..self.start + self.len]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_on_a_cache_line() {
        for len in [1, 15, 16, 1000, 4097] {
            let b = AlignedBuf::zeros(len);
            assert_eq!(b.len(), len);
            assert_eq!(b.as_ptr() as usize % 64, 0);
            assert!(b.iter().all(|&v| v == 0.0));
        }
        assert!(AlignedBuf::zeros(0).is_empty());
    }
}
