//! Writing a figure to an SVG or PNG file, chosen by the file's extension, with the
//! font every figure uses.
//!
//! Text is laid out (and, in PNGs, drawn) with DejaVu Sans embedded in the binary
//! (crate `dejavu`), so pictures come out the same on a bare machine without system
//! fonts. SVG files name the generic family `sans-serif`; a viewer draws them with its
//! own sans-serif font, which may be a little wider or narrower than DejaVu Sans.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::{register_font, FontStyle};
use std::path::Path;
use std::sync::Once;

/// A chart with an `f64` axis each way (seconds against a panel's unit, or a figure's
/// slots against a delay), as the figures draw on.
pub type Chart<'a, DB> = ChartContext<
    'a,
    DB,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

/// The font family every figure's text uses.
pub const FONT: &str = "sans-serif";

/// A picture that can draw itself on any plotters backend.
pub trait Figure {
    /// Draws the whole picture on `root` (already sized).
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>>;
}

/// The picture formats, by file extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageFormat {
    /// `.svg`: vector, text as text.
    Svg,
    /// `.png`: bitmap.
    Png,
}

impl ImageFormat {
    /// The format a file name asks for (`.svg` or `.png`, any case).
    pub fn from_path(path: &Path) -> Result<Self, String> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("svg") => Ok(ImageFormat::Svg),
            Some("png") => Ok(ImageFormat::Png),
            _ => Err(format!(
                "{}: unknown picture format: the file name must end in .svg or .png",
                path.display()
            )),
        }
    }

    /// The file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            ImageFormat::Svg => "svg",
            ImageFormat::Png => "png",
        }
    }
}

/// Registers the embedded DejaVu Sans as [`FONT`] (once per process).
fn register_fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The embedded files are valid TrueType fonts; if one were refused, text
        // layout reports `FontUnavailable`, which `write_figure` turns into an error.
        let _ = register_font(FONT, FontStyle::Normal, dejavu::sans::regular());
        let _ = register_font(FONT, FontStyle::Bold, dejavu::sans::bold());
    });
}

/// Draws `figure` into the file at `path` (`.svg` or `.png`), `size` pixels wide and high.
/// The picture is drawn in memory and then written, so that a file that cannot be
/// written (a missing folder, a full disk) is told as the system's own reason. The error
/// names the file and says why.
pub fn write_figure(figure: &impl Figure, path: &Path, size: (u32, u32)) -> Result<(), String> {
    register_fonts();
    let format = ImageFormat::from_path(path)?;
    let failed = |e: String| format!("{}: cannot draw the picture: {e}", path.display());
    let bytes = match format {
        ImageFormat::Svg => {
            let mut text = String::new();
            let root = SVGBackend::with_string(&mut text, size).into_drawing_area();
            figure.draw(&root).map_err(|e| failed(e.to_string()))?;
            root.present().map_err(|e| failed(e.to_string()))?;
            drop(root);
            text.into_bytes()
        }
        ImageFormat::Png => {
            let (width, height) = (size.0 as usize, size.1 as usize);
            let mut rgb = vec![0u8; width * height * 3];
            let root = BitMapBackend::with_buffer(&mut rgb, size).into_drawing_area();
            figure.draw(&root).map_err(|e| failed(e.to_string()))?;
            root.present().map_err(|e| failed(e.to_string()))?;
            drop(root);
            encode_png(&rgb, size).map_err(|e| failed(e.to_string()))?
        }
    };
    std::fs::write(path, bytes).map_err(|e| format!("{}: cannot write: {e}", path.display()))
}

/// An 8-bit RGB picture, `size` pixels, as a PNG file's bytes.
fn encode_png(rgb: &[u8], size: (u32, u32)) -> Result<Vec<u8>, png::EncodingError> {
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, size.0, size.1);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(rgb)?;
    writer.finish()?;
    Ok(bytes)
}
