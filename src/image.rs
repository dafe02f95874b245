//! [`ImageView`] and [`ImageViewMut`]: borrowed RGBA8 pixels with a width, a height and a
//! stride (bytes per row), straight or premultiplied alpha ([`AlphaMode`]).
//!
//! Views never copy: they check once that the buffer holds `height` rows of `stride` bytes
//! (the last row needs only `4 * width`), then hand out rows as `&[u8]` or, through
//! `bytemuck`, as `&[[u8; 4]]`.

use crate::error::{Error, Result};

/// How the colour channels relate to alpha.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum AlphaMode {
    /// Colour channels are independent of alpha (PNG, most decoders).
    #[default]
    Straight,
    /// Colour channels are already multiplied by alpha (`r <= a`, as most GPU and 2D
    /// libraries keep them).
    Premultiplied,
}

/// Checks the geometry of an RGBA8 buffer: `width` and `height` at least 1, `stride` at least
/// `4 * width`, and `len` at least `stride * (height - 1) + 4 * width`.
fn check(len: usize, width: u32, height: u32, stride: usize) -> Result<()> {
    if width == 0 || height == 0 {
        return Err(Error::param(
            "image size",
            format!("is {width}x{height}; expected a width and a height of at least 1 pixel"),
        ));
    }
    let row = 4 * width as usize;
    if stride < row {
        return Err(Error::param(
            "stride",
            format!("is {stride} bytes; expected at least 4 * width = {row} bytes per row"),
        ));
    }
    let need = (height as usize - 1)
        .checked_mul(stride)
        .and_then(|n| n.checked_add(row))
        .ok_or_else(|| Error::param("image size", "overflows the address space"))?;
    if len < need {
        return Err(Error::BufferSize {
            expected: need,
            actual: len,
            what: "RGBA8 image: stride * (height - 1) + 4 * width",
        });
    }
    Ok(())
}

/// Borrowed read-only RGBA8 pixels.
///
/// ```
/// use tileredact::{AlphaMode, ImageView};
///
/// let px = vec![0u8; 4 * 3 * 2];
/// let v = ImageView::new(&px, 3, 2, 12, AlphaMode::Straight).unwrap();
/// assert_eq!(v.pixels(1).len(), 3);
/// assert!(ImageView::new(&px, 3, 2, 8, AlphaMode::Straight).is_err()); // stride too short
/// ```
#[derive(Debug, Clone, Copy)]
pub struct ImageView<'a> {
    data: &'a [u8],
    width: u32,
    height: u32,
    stride: usize,
    alpha: AlphaMode,
}

impl<'a> ImageView<'a> {
    /// A view of `height` rows of `stride` bytes, each starting with `width` RGBA8 pixels.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a zero size or a stride below `4 * width`,
    /// [`Error::BufferSize`] when `data` is too short.
    pub fn new(
        data: &'a [u8],
        width: u32,
        height: u32,
        stride: usize,
        alpha: AlphaMode,
    ) -> Result<Self> {
        check(data.len(), width, height, stride)?;
        Ok(ImageView {
            data,
            width,
            height,
            stride,
            alpha,
        })
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// Bytes from one row to the next.
    pub fn stride(&self) -> usize {
        self.stride
    }

    /// Straight or premultiplied alpha.
    pub fn alpha(&self) -> AlphaMode {
        self.alpha
    }

    /// Row `y` as `4 * width` bytes.
    ///
    /// # Panics
    /// If `y >= height`.
    pub fn row(&self, y: u32) -> &'a [u8] {
        assert!(y < self.height, "row {y} of an image {} high", self.height);
        let start = y as usize * self.stride;
        &self.data[start..start + 4 * self.width as usize]
    }

    /// Row `y` as `width` pixels.
    ///
    /// # Panics
    /// If `y >= height`.
    pub fn pixels(&self, y: u32) -> &'a [[u8; 4]] {
        bytemuck::cast_slice(self.row(y))
    }

    /// The pixels copied into a tight `width * height * 4` buffer (for tests and codecs).
    pub fn to_vec(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(4 * self.width as usize * self.height as usize);
        for y in 0..self.height {
            out.extend_from_slice(self.row(y));
        }
        out
    }
}

/// Borrowed mutable RGBA8 pixels (see [`ImageView`]).
///
/// ```
/// use tileredact::{AlphaMode, ImageViewMut};
///
/// let mut px = vec![0u8; 4 * 2 * 2];
/// let mut v = ImageViewMut::new(&mut px, 2, 2, 8, AlphaMode::Straight).unwrap();
/// v.pixels_mut(1)[0] = [1, 2, 3, 255];
/// assert_eq!(&px[8..12], &[1, 2, 3, 255]);
/// ```
#[derive(Debug)]
pub struct ImageViewMut<'a> {
    data: &'a mut [u8],
    width: u32,
    height: u32,
    stride: usize,
    alpha: AlphaMode,
}

impl<'a> ImageViewMut<'a> {
    /// A mutable view (see [`ImageView::new`]).
    ///
    /// # Errors
    /// As [`ImageView::new`].
    pub fn new(
        data: &'a mut [u8],
        width: u32,
        height: u32,
        stride: usize,
        alpha: AlphaMode,
    ) -> Result<Self> {
        check(data.len(), width, height, stride)?;
        Ok(ImageViewMut {
            data,
            width,
            height,
            stride,
            alpha,
        })
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// Bytes from one row to the next.
    pub fn stride(&self) -> usize {
        self.stride
    }

    /// Straight or premultiplied alpha.
    pub fn alpha(&self) -> AlphaMode {
        self.alpha
    }

    /// A read-only view of the same pixels.
    pub fn as_view(&self) -> ImageView<'_> {
        ImageView {
            data: self.data,
            width: self.width,
            height: self.height,
            stride: self.stride,
            alpha: self.alpha,
        }
    }

    /// A shorter-lived mutable view of the same pixels.
    pub fn reborrow(&mut self) -> ImageViewMut<'_> {
        ImageViewMut {
            data: self.data,
            width: self.width,
            height: self.height,
            stride: self.stride,
            alpha: self.alpha,
        }
    }

    /// Row `y` as `4 * width` bytes.
    ///
    /// # Panics
    /// If `y >= height`.
    pub fn row(&self, y: u32) -> &[u8] {
        assert!(y < self.height, "row {y} of an image {} high", self.height);
        let start = y as usize * self.stride;
        &self.data[start..start + 4 * self.width as usize]
    }

    /// Row `y` as `4 * width` mutable bytes.
    ///
    /// # Panics
    /// If `y >= height`.
    pub fn row_mut(&mut self, y: u32) -> &mut [u8] {
        assert!(y < self.height, "row {y} of an image {} high", self.height);
        let start = y as usize * self.stride;
        &mut self.data[start..start + 4 * self.width as usize]
    }

    /// Row `y` as `width` pixels.
    ///
    /// # Panics
    /// If `y >= height`.
    pub fn pixels(&self, y: u32) -> &[[u8; 4]] {
        bytemuck::cast_slice(self.row(y))
    }

    /// Row `y` as `width` mutable pixels.
    ///
    /// # Panics
    /// If `y >= height`.
    pub fn pixels_mut(&mut self, y: u32) -> &mut [[u8; 4]] {
        bytemuck::cast_slice_mut(self.row_mut(y))
    }

    /// The pixels copied into a tight `width * height * 4` buffer.
    pub fn to_vec(&self) -> Vec<u8> {
        self.as_view().to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geometry_is_checked() {
        let buf = vec![0u8; 100];
        // 3 rows of stride 40, last row 4*5 = 20: 40*2 + 20 = 100 bytes exactly.
        assert!(ImageView::new(&buf, 5, 3, 40, AlphaMode::Straight).is_ok());
        assert!(ImageView::new(&buf, 5, 3, 41, AlphaMode::Straight).is_err());
        assert!(ImageView::new(&buf, 0, 3, 40, AlphaMode::Straight).is_err());
        assert!(ImageView::new(&buf, 26, 1, 104, AlphaMode::Straight).is_err());
        let e = ImageView::new(&buf, 5, 3, 19, AlphaMode::Straight).unwrap_err();
        assert!(e.to_string().contains("at least 4 * width = 20"), "{e}");
        let e =
            ImageView::new(&buf, u32::MAX, u32::MAX, usize::MAX, AlphaMode::Straight).unwrap_err();
        assert!(e.to_string().contains("overflows"), "{e}");
    }

    #[test]
    fn rows_respect_the_stride() {
        let mut buf: Vec<u8> = (0..=255).cycle().take(3 * 12).collect();
        let v = ImageViewMut::new(&mut buf, 2, 3, 12, AlphaMode::Premultiplied).unwrap();
        assert_eq!(v.row(1), &(12u8..20).collect::<Vec<_>>()[..]);
        assert_eq!(v.pixels(2)[1], [28, 29, 30, 31]);
        assert_eq!(v.to_vec().len(), 2 * 3 * 4);
    }
}
