//! Extended data blocks (`[Xvalue]` after the data block), kept verbatim, with readers for
//! the location (`X` longitude, `Y` latitude) and time-of-occurrence (`H`) blocks.

use crate::time::Timestamp;

/// One extended data block: an uppercase letter and the text after it, verbatim.
///
/// Known keys (DC-09-2013/2026): `A` authentication hash, `C` supervision category, `G` network
/// path, `H` time of occurrence, `I` alarm text, `J` JSON, `K` encryption key, `L` location,
/// `M` MAC address, `N` network address, `O` building, `P` programming data, `R` room, `S`
/// site, `T` trigger, `V` verification URL, `X` longitude, `Y` latitude, `Z` altitude.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct XData {
    /// The key letter.
    pub key: char,
    /// Everything between the key and the closing `]`, as received (lossy UTF-8).
    pub value: String,
}

/// A position from the `X` and `Y` blocks, in decimal degrees (north and east positive).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Location {
    /// Latitude, −90..=90.
    pub latitude: f64,
    /// Longitude, −180..=180.
    pub longitude: f64,
}

impl XData {
    /// Longitude of an `X` block, in decimal degrees.
    pub fn longitude(&self) -> Option<f64> {
        (self.key == 'X')
            .then(|| parse_coordinate(&self.value, b'E', b'W', 180.0))
            .flatten()
    }

    /// Latitude of a `Y` block, in decimal degrees.
    pub fn latitude(&self) -> Option<f64> {
        (self.key == 'Y')
            .then(|| parse_coordinate(&self.value, b'N', b'S', 90.0))
            .flatten()
    }

    /// Time of occurrence of an `H` block (`H13:59:58,12-31-2012`).
    pub fn occurred_at(&self) -> Option<Timestamp> {
        (self.key == 'H')
            .then(|| Timestamp::parse_dc09(self.value.as_bytes()))
            .flatten()
    }
}

/// Parses `DDDhMM.mmmm` (degrees, hemisphere letter, decimal minutes), e.g. `093W23.456` or
/// `49N06.6666666`; also accepts plain signed decimal degrees such as `105.8342`.
fn parse_coordinate(text: &str, positive: u8, negative: u8, limit: f64) -> Option<f64> {
    let bytes = text.as_bytes();
    let value = match bytes.iter().position(|&b| b == positive || b == negative) {
        Some(h) => {
            let degrees: u32 = text[..h].parse().ok()?;
            let minutes: f64 = text[h + 1..].parse().ok()?;
            if !(0.0..60.0).contains(&minutes) || text[..h].is_empty() {
                return None;
            }
            let v = f64::from(degrees) + minutes / 60.0;
            if bytes[h] == negative {
                -v
            } else {
                v
            }
        }
        None => text.parse::<f64>().ok()?,
    };
    (value.is_finite() && value.abs() <= limit).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn x(key: char, value: &str) -> XData {
        XData {
            key,
            value: value.into(),
        }
    }

    #[test]
    fn coordinates() {
        let lon = x('X', "093W23.456").longitude().unwrap();
        assert!((lon + (93.0 + 23.456 / 60.0)).abs() < 1e-9);
        let lon = x('X', "006E07.7777777").longitude().unwrap();
        assert!((lon - (6.0 + 7.7777777 / 60.0)).abs() < 1e-9);
        let lat = x('Y', "49N06.6666666").latitude().unwrap();
        assert!((lat - (49.0 + 6.6666666 / 60.0)).abs() < 1e-9);
        assert_eq!(x('Y', "21.0285").latitude(), Some(21.0285));
        assert_eq!(x('Y', "91N00.0").latitude(), None);
        assert_eq!(x('Y', "10N61.0").latitude(), None);
        assert_eq!(x('X', "10N01.0").longitude(), None);
        assert_eq!(x('Y', "N01.0").latitude(), None);
        assert_eq!(x('X', "093W23.456").latitude(), None);
    }

    #[test]
    fn time_of_occurrence() {
        let t = x('H', "13:59:58,12-31-2012").occurred_at().unwrap();
        assert_eq!(t.to_string(), "2012-12-31T13:59:58Z");
        assert_eq!(x('H', "13:59:58").occurred_at(), None);
    }
}
