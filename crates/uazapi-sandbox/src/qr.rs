//! QR codes as uazapi shows them (PNG data URIs), and reading them back the way a
//! phone camera would.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use qrcode::{Color, QrCode};
use std::io::Cursor;

/// Pixels per QR module: big enough for a phone to scan from a screen.
const SCALE: usize = 8;
/// Light modules around the code, as the QR standard asks.
const QUIET_ZONE: usize = 4;

/// Why an image could not be read as a QR code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QrError {
    /// Not `data:image/png;base64,…`, or not valid base64.
    #[error("not a PNG data URI")]
    NotADataUri,
    /// The PNG could not be decoded.
    #[error("not a readable PNG: {0}")]
    BadPng(String),
    /// No QR code was found in the picture.
    #[error("no QR code found in the image")]
    NoCode,
    /// The text is too long for a QR code.
    #[error("text too long for a QR code")]
    TooLong,
}

/// Renders `text` as a greyscale PNG and returns its data URI.
pub fn to_data_uri(text: &str) -> Result<String, QrError> {
    let code = QrCode::new(text.as_bytes()).map_err(|_| QrError::TooLong)?;
    let modules = code.width();
    let colors = code.to_colors();
    let side = (modules + 2 * QUIET_ZONE) * SCALE;
    let mut pixels = vec![255_u8; side * side];
    for (index, color) in colors.iter().enumerate() {
        if *color == Color::Dark {
            let (mx, my) = (index % modules + QUIET_ZONE, index / modules + QUIET_ZONE);
            for y in my * SCALE..(my + 1) * SCALE {
                pixels[y * side + mx * SCALE..y * side + (mx + 1) * SCALE].fill(0);
            }
        }
    }
    let mut png = Vec::new();
    {
        let side = u32::try_from(side).map_err(|_| QrError::TooLong)?;
        let mut encoder = png::Encoder::new(&mut png, side, side);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder
            .write_header()
            .map_err(|e| QrError::BadPng(e.to_string()))?;
        writer
            .write_image_data(&pixels)
            .map_err(|e| QrError::BadPng(e.to_string()))?;
    }
    Ok(format!("data:image/png;base64,{}", STANDARD.encode(png)))
}

/// Reads the text of the QR code in a PNG data URI.
pub fn from_data_uri(uri: &str) -> Result<String, QrError> {
    let encoded = uri
        .trim()
        .strip_prefix("data:image/png;base64,")
        .ok_or(QrError::NotADataUri)?;
    let bytes = STANDARD
        .decode(encoded.trim())
        .map_err(|_| QrError::NotADataUri)?;
    let mut decoder = png::Decoder::new(Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder
        .read_info()
        .map_err(|e| QrError::BadPng(e.to_string()))?;
    let size = reader
        .output_buffer_size()
        .ok_or_else(|| QrError::BadPng("image too large".into()))?;
    let mut buffer = vec![0; size];
    let info = reader
        .next_frame(&mut buffer)
        .map_err(|e| QrError::BadPng(e.to_string()))?;
    let channels = match info.color_type {
        png::ColorType::Grayscale => 1,
        png::ColorType::GrayscaleAlpha => 2,
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        png::ColorType::Indexed => return Err(QrError::BadPng("palette not expanded".into())),
    };
    let (width, height) = (info.width as usize, info.height as usize);
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| {
        let at = y * info.line_size + x * channels;
        let pixel = &buffer[at..at + channels.min(3)];
        // Luma of RGB, or the grey value itself.
        if pixel.len() == 3 {
            ((u32::from(pixel[0]) * 299 + u32::from(pixel[1]) * 587 + u32::from(pixel[2]) * 114)
                / 1000) as u8
        } else {
            pixel[0]
        }
    });
    image
        .detect_grids()
        .into_iter()
        .find_map(|grid| grid.decode().ok().map(|(_, text)| text))
        .ok_or(QrError::NoCode)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_it_draws_it_reads_back() {
        let text = "2@sandbox,AbC123xyz==,r183e2ef9597845,1";
        let uri = to_data_uri(text).unwrap();
        assert!(uri.starts_with("data:image/png;base64,"));
        assert_eq!(from_data_uri(&uri).unwrap(), text);
    }

    #[test]
    fn reads_the_real_providers_qr_image() {
        let path = uazapi::contract::contract_file(
            env!("CARGO_MANIFEST_DIR").as_ref(),
            "samples/connection.connecting.qr.json",
        );
        let sample: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let uri = sample["instance"]["qrcode"].as_str().unwrap();
        assert!(!from_data_uri(uri).unwrap().is_empty());
    }

    #[test]
    fn refuses_what_is_not_a_qr_png() {
        assert_eq!(from_data_uri("hello"), Err(QrError::NotADataUri));
        assert_eq!(
            from_data_uri("data:image/png;base64,@@@"),
            Err(QrError::NotADataUri)
        );
        assert!(matches!(
            from_data_uri("data:image/png;base64,aGVsbG8="),
            Err(QrError::BadPng(_))
        ));
    }
}
