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
        self.data.iter().filter(|&&v| v != 0).count()
    }

    /// True when every pixel is 0.
    pub fn is_clear(&self) -> bool {
        self.data.iter().all(|&v| v == 0)
    }

    /// True when every pixel is 255.
    pub fn is_full(&self) -> bool {
        self.data.iter().all(|&v| v == 255)
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
