//! Points on the map and straight-line distances between them.
//!
//! Dispatch recommendations and duplicate detection only need the great-circle ("as the crow
//! flies") distance between two WGS84 points, so this module carries a tiny point type and the
//! haversine formula rather than a geometry dependency. Road distance and travel time are a
//! different question that this crate does not answer; every user-facing text built from these
//! numbers says that it is a straight-line distance.

use serde::{Deserialize, Serialize};

/// Mean Earth radius in metres (IUGG), the usual constant for haversine distances.
const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// A WGS84 point, latitude and longitude in decimal degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GeoPoint {
    /// Latitude in degrees, −90 ..= 90.
    pub lat: f64,
    /// Longitude in degrees, −180 ..= 180.
    pub lon: f64,
}

impl GeoPoint {
    /// A point from latitude and longitude (not range-checked; see [`GeoPoint::is_valid`]).
    pub const fn new(lat: f64, lon: f64) -> Self {
        Self { lat, lon }
    }

    /// True when both coordinates are finite and inside their ranges.
    pub fn is_valid(&self) -> bool {
        self.lat.is_finite()
            && self.lon.is_finite()
            && (-90.0..=90.0).contains(&self.lat)
            && (-180.0..=180.0).contains(&self.lon)
    }

    /// Great-circle distance to `other` in metres (haversine formula).
    pub fn distance_m(&self, other: &GeoPoint) -> f64 {
        let (lat1, lat2) = (self.lat.to_radians(), other.lat.to_radians());
        let dlat = lat2 - lat1;
        let dlon = (other.lon - self.lon).to_radians();
        let a = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
        // Clamp guards against rounding pushing `a` a hair above 1 for antipodal points.
        2.0 * EARTH_RADIUS_M * a.sqrt().min(1.0).asin()
    }
}

/// Formats a distance the Vietnamese way: metres below one kilometre ("850 m"), otherwise
/// kilometres with one decimal and a decimal comma ("2,4 km").
pub fn format_distance_vi(metres: f64) -> String {
    if metres < 1_000.0 {
        format!("{} m", round_metres(metres))
    } else {
        format!("{:.1} km", metres / 1_000.0).replace('.', ",")
    }
}

/// Formats a distance the English way: "850 m" or "2.4 km".
pub fn format_distance_en(metres: f64) -> String {
    if metres < 1_000.0 {
        format!("{} m", round_metres(metres))
    } else {
        format!("{:.1} km", metres / 1_000.0)
    }
}

/// Rounds to the nearest 10 m: finer precision would suggest an accuracy that GPS positions of
/// moving vehicles and geocoded addresses do not have.
fn round_metres(metres: f64) -> u64 {
    ((metres.max(0.0) / 10.0).round() * 10.0) as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_distance_hoan_kiem_to_ba_dinh() {
        // Hoàn Kiếm lake (21.0288, 105.8525) to Ba Đình square (21.0368, 105.8346):
        // about 2.06 km by any online great-circle calculator.
        let a = GeoPoint::new(21.0288, 105.8525);
        let b = GeoPoint::new(21.0368, 105.8346);
        let d = a.distance_m(&b);
        assert!((d - 2_060.0).abs() < 30.0, "distance was {d}");
    }

    #[test]
    fn one_degree_of_latitude_is_about_111_km() {
        let d = GeoPoint::new(20.0, 105.0).distance_m(&GeoPoint::new(21.0, 105.0));
        assert!((d - 111_195.0).abs() < 50.0, "distance was {d}");
    }

    #[test]
    fn formats_distances_in_both_languages() {
        assert_eq!(format_distance_vi(2_400.0), "2,4 km");
        assert_eq!(format_distance_en(2_400.0), "2.4 km");
        assert_eq!(format_distance_vi(846.0), "850 m");
        assert_eq!(format_distance_en(4.0), "0 m");
        assert_eq!(format_distance_vi(12_345.0), "12,3 km");
    }

    #[test]
    fn validity() {
        assert!(GeoPoint::new(21.0, 105.8).is_valid());
        assert!(!GeoPoint::new(91.0, 105.8).is_valid());
        assert!(!GeoPoint::new(21.0, -181.0).is_valid());
        assert!(!GeoPoint::new(f64::NAN, 0.0).is_valid());
    }

    proptest! {
        #[test]
        fn distance_is_symmetric_and_non_negative(
            lat1 in -89.0f64..89.0, lon1 in -179.0f64..179.0,
            lat2 in -89.0f64..89.0, lon2 in -179.0f64..179.0,
        ) {
            let a = GeoPoint::new(lat1, lon1);
            let b = GeoPoint::new(lat2, lon2);
            let ab = a.distance_m(&b);
            let ba = b.distance_m(&a);
            prop_assert!(ab >= 0.0);
            prop_assert!((ab - ba).abs() < 1e-6);
            prop_assert!(a.distance_m(&a) < 1e-6);
            // Never more than half the circumference.
            prop_assert!(ab <= std::f64::consts::PI * EARTH_RADIUS_M + 1.0);
        }
    }
}
