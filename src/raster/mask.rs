//! [`Mask`]: an 8-bit single-channel image, one byte per pixel, rows top to bottom.

/// An 8-bit mask: 0 = untouched, 255 = fully inside. Rows top to bottom, no padding.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Mask {
    width: u32,
    height: u32,
    data: Vec<u8>,
}

impl std::fmt::Debug for Mask {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mask")
            .field("width", &self.width)
            .field("height", &self.height)
            .field("nonzero", &self.count_nonzero())
            .finish()
    }
}

impl Mask {
    /// A mask of `width` x `height` zeros.
    pub fn new(width: u32, height: u32) -> Self {
        Mask {
            width,
            height,
            data: vec![0; width as usize * height as usize],
        }
    }

    /// A mask of `width` x `height` with every byte `value`.
    pub fn filled(width: u32, height: u32, value: u8) -> Self {
        Mask {
            width,
            height,
            data: vec![value; width as usize * height as usize],
        }
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// The bytes, row by row.
    pub fn as_bytes(&self) -> &[u8] {
        &self.data
    }

    /// The bytes, row by row, mutable.
    pub fn as_bytes_mut(&mut self) -> &mut [u8] {
        &mut self.data
    }

    /// Consumes the mask and returns its bytes.
    pub fn into_vec(self) -> Vec<u8> {
        self.data
    }

    /// The value at (x, y).
    ///
    /// # Panics
    /// If (x, y) is outside the mask.
    pub fn get(&self, x: u32, y: u32) -> u8 {
        assert!(
            x < self.width && y < self.height,
            "({x}, {y}) is outside the mask"
        );
        self.data[y as usize * self.width as usize + x as usize]
    }

    /// One row.
    pub fn row(&self, y: u32) -> &[u8] {
        let w = self.width as usize;
        &self.data[y as usize * w..(y as usize + 1) * w]
    }

    /// Number of non-zero pixels.
    pub fn count_nonzero(&self) -> usize {
        // Only the span between the first and the last set byte is counted (masks are
        // mostly empty), with 16 byte counters over runs of 255 chunks of 16 bytes (a
        // counter takes at most 255 increments of `min(v, 1)`), widened once per run:
        // vectorises to byte min and add.
        let Some((a, b)) = crate::ops::nonzero_span(&self.data) else {
            return 0;
        };
        self.data[a..b]
            .chunks(16 * 255)
            .map(|run| {
                let mut lanes = [0u8; 16];
                let (full, rest) = run.as_chunks::<16>();
                for c in full {
                    for i in 0..16 {
                        lanes[i] += c[i].min(1);
                    }
                }
                let tail = rest.iter().filter(|&&v| v != 0).count();
                lanes.iter().map(|&l| usize::from(l)).sum::<usize>() + tail
            })
            .sum()
    }

    /// True when every pixel is 0.
    pub fn is_clear(&self) -> bool {
        crate::ops::nonzero_span(&self.data).is_none()
    }

    /// True when every pixel is 255.
    pub fn is_full(&self) -> bool {
        // 16 bytes at a time (a mask is usually all 0 or all 255 in long runs).
        let (chunks, rest) = self.data.as_chunks::<16>();
        chunks.iter().all(|c| u128::from_ne_bytes(*c) == u128::MAX)
            && rest.iter().all(|&v| v == 255)
    }

    /// Sum of all values divided by 255: the covered area in pixels.
    pub fn area_px(&self) -> f64 {
        self.data.iter().map(|&v| u64::from(v)).sum::<u64>() as f64 / 255.0
    }

    /// The sub-mask of `width` x `height` at (x, y).
    ///
    /// # Panics
    /// If the rectangle does not fit inside the mask.
    pub fn crop(&self, x: u32, y: u32, width: u32, height: u32) -> Mask {
        assert!(x + width <= self.width && y + height <= self.height);
        let mut out = Mask::new(width, height);
        for r in 0..height {
            let src = self.row(y + r);
            out.data[(r * width) as usize..((r + 1) * width) as usize]
                .copy_from_slice(&src[x as usize..(x + width) as usize]);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The counted pixels are the nonzero bytes, whatever the size (runs of 255, tails).
    #[test]
    fn count_nonzero_counts_nonzero_bytes() {
        let mut s = 0x2545_F491_4F6C_DD1Du64;
        let mut checked = 0;
        for (w, h) in [(1, 1), (255, 1), (256, 1), (257, 3), (31, 33), (512, 512)] {
            let mut m = Mask::new(w, h);
            for v in m.as_bytes_mut() {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                *v = if s.is_multiple_of(3) {
                    (s >> 40) as u8 | 1
                } else {
                    0
                };
            }
            let mut naive = 0;
            for &v in m.as_bytes() {
                if v > 0 {
                    naive += 1;
                }
            }
            assert_eq!(m.count_nonzero(), naive, "{w}x{h}");
            assert_eq!(Mask::filled(w, h, 255).count_nonzero(), (w * h) as usize);
            // Sparse: the counted span is short, anywhere in the mask.
            let mut sparse = Mask::new(w, h);
            assert_eq!(sparse.count_nonzero(), 0);
            assert!(sparse.is_clear() && !sparse.is_full());
            let full = Mask::filled(w, h, 255);
            assert!(full.is_full() && !full.is_clear());
            assert_eq!(m.is_clear(), naive == 0);
            assert_eq!(m.is_full(), m.as_bytes().iter().all(|&v| v == 255));
            // One byte short of full, anywhere.
            let mut almost = full.clone();
            almost.data[(s as usize >> 8) % (w * h) as usize] = 254;
            assert!(!almost.is_full() && !almost.is_clear());
            let n = (w * h) as usize;
            for (k, i) in [(s as usize) % n, (s as usize >> 20) % n]
                .into_iter()
                .enumerate()
            {
                sparse.as_bytes_mut()[i] = 7;
                let want = sparse.as_bytes().iter().filter(|&&v| v != 0).count();
                assert_eq!(sparse.count_nonzero(), want, "{w}x{h} sparse {k}");
                assert!(!sparse.is_clear());
            }
            checked += 1;
        }
        assert_eq!(checked, 6);
    }
}
