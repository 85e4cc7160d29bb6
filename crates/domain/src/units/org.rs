//! The police organisation that matches the units: the provincial (or city) police
//! headquarters with its departments, and one police unit per commune/ward, each linked to
//! its administrative unit code.
//!
//! The department list is data, not logic: a short code and the Vietnamese name of each
//! department of a provincial police force (Công an tỉnh/thành phố) under the Ministry of
//! Public Security's numbering. The codes are the designations the force uses in its own
//! documents ("PC08" for traffic police); the command centre has no such designation and is
//! given the short code "TTCH" here. Names and codes change with reorganisations, so callers
//! should treat the list as a default that a deployment may replace.

use std::fmt;

use serde::Serialize;

use super::{Province, UnitDirectory, UnitKind};

/// One department of the provincial police headquarters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Department {
    /// Short code, e.g. "PC08".
    pub code: &'static str,
    /// Vietnamese name, e.g. "Phòng Cảnh sát giao thông".
    pub name: &'static str,
    /// English label.
    pub name_en: &'static str,
}

/// Departments of a provincial police headquarters, in the order they are usually listed.
pub const PROVINCIAL_DEPARTMENTS: &[Department] = &[
    Department {
        code: "PV01",
        name: "Phòng Tham mưu",
        name_en: "Staff Department",
    },
    Department {
        code: "TTCH",
        name: "Trung tâm Thông tin chỉ huy",
        name_en: "Command Information Centre",
    },
    Department {
        code: "PA05",
        name: "Phòng An ninh mạng và phòng chống tội phạm sử dụng công nghệ cao",
        name_en: "Cyber Security and High-Tech Crime Department",
    },
    Department {
        code: "PA08",
        name: "Phòng Quản lý xuất nhập cảnh",
        name_en: "Immigration Department",
    },
    Department {
        code: "PC02",
        name: "Phòng Cảnh sát hình sự",
        name_en: "Criminal Police Department",
    },
    Department {
        code: "PC03",
        name: "Phòng Cảnh sát kinh tế",
        name_en: "Economic Police Department",
    },
    Department {
        code: "PC04",
        name: "Phòng Cảnh sát điều tra tội phạm về ma túy",
        name_en: "Drug Crime Investigation Police Department",
    },
    Department {
        code: "PC06",
        name: "Phòng Cảnh sát quản lý hành chính về trật tự xã hội",
        name_en: "Administrative Management of Social Order Police Department",
    },
    Department {
        code: "PC07",
        name: "Phòng Cảnh sát phòng cháy, chữa cháy và cứu nạn, cứu hộ",
        name_en: "Fire Prevention, Firefighting and Rescue Police Department",
    },
    Department {
        code: "PC08",
        name: "Phòng Cảnh sát giao thông",
        name_en: "Traffic Police Department",
    },
    Department {
        code: "PC09",
        name: "Phòng Kỹ thuật hình sự",
        name_en: "Forensic Science Department",
    },
];

/// The provincial police headquarters.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Headquarters {
    /// "Công an " + the province name from the data, e.g. "Công an Thành phố Hà Nội".
    pub name: String,
    /// The province it serves.
    pub province: Province,
    /// Its departments.
    pub departments: Vec<Department>,
}

/// The police of one commune-level unit.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommunePolice {
    /// E.g. "Công an phường Ba Đình", "Công an xã Nội Bài".
    pub name: String,
    /// English label, e.g. "Ba Đình Ward Police".
    pub name_en: String,
    /// The administrative unit this police unit serves (its code in the directory).
    pub unit_code: String,
    /// The kind of that unit.
    pub kind: UnitKind,
}

/// The whole organisation: headquarters plus one police unit per commune/ward.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PoliceOrganisation {
    /// The headquarters and its departments.
    pub headquarters: Headquarters,
    /// One police unit per administrative unit, in directory order.
    pub communes: Vec<CommunePolice>,
}

/// A reference to one part of the organisation, with a stable text form used by other
/// crates to record who owns a piece of work: `hq`, `hq:PC08`, `unit:00004`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum OrgUnitRef {
    /// The headquarters as a whole (its command centre).
    Headquarters,
    /// A department, by code.
    Department(String),
    /// A commune/ward police unit, by administrative unit code.
    Commune(String),
}

impl fmt::Display for OrgUnitRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OrgUnitRef::Headquarters => f.write_str("hq"),
            OrgUnitRef::Department(code) => write!(f, "hq:{code}"),
            OrgUnitRef::Commune(code) => write!(f, "unit:{code}"),
        }
    }
}

impl std::str::FromStr for OrgUnitRef {
    type Err = String;

    /// Parses the text form written by `Display`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let valid =
            |code: &str| !code.is_empty() && code.chars().all(|c| c.is_ascii_alphanumeric());
        match s.split_once(':') {
            None if s == "hq" => Ok(OrgUnitRef::Headquarters),
            Some(("hq", code)) if valid(code) => Ok(OrgUnitRef::Department(code.to_owned())),
            Some(("unit", code)) if valid(code) => Ok(OrgUnitRef::Commune(code.to_owned())),
            _ => Err(format!(
                "{s:?} is not an organisation reference (hq, hq:CODE or unit:CODE)"
            )),
        }
    }
}

impl PoliceOrganisation {
    /// The organisation for the province of `units`, with the default department list.
    pub fn from_directory(units: &UnitDirectory) -> PoliceOrganisation {
        let province = units.province().clone();
        let communes = units
            .units()
            .iter()
            .map(|u| {
                let kind_word = u.kind_label.to_lowercase();
                CommunePolice {
                    name: format!("Công an {kind_word} {}", u.name),
                    name_en: format!("{} {} Police", u.name, capitalise(u.kind.label_en())),
                    unit_code: u.code.clone(),
                    kind: u.kind,
                }
            })
            .collect();
        PoliceOrganisation {
            headquarters: Headquarters {
                name: format!("Công an {}", province.name),
                province,
                departments: PROVINCIAL_DEPARTMENTS.to_vec(),
            },
            communes,
        }
    }

    /// The police unit of the administrative unit `unit_code`.
    pub fn commune(&self, unit_code: &str) -> Option<&CommunePolice> {
        self.communes.iter().find(|c| c.unit_code == unit_code)
    }

    /// The department with this code.
    pub fn department(&self, code: &str) -> Option<&Department> {
        self.headquarters
            .departments
            .iter()
            .find(|d| d.code.eq_ignore_ascii_case(code))
    }

    /// The Vietnamese name of a referenced part, if it exists.
    pub fn name_of(&self, r: &OrgUnitRef) -> Option<&str> {
        match r {
            OrgUnitRef::Headquarters => Some(&self.headquarters.name),
            OrgUnitRef::Department(code) => self.department(code).map(|d| d.name),
            OrgUnitRef::Commune(code) => self.commune(code).map(|c| c.name.as_str()),
        }
    }
}

fn capitalise(s: &str) -> String {
    s.split(' ')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn directory() -> UnitDirectory {
        let csv = "code,name,full_name,type,province_code,province_name,center_lat,center_lon\n\
            001,Đông,Phường Đông,phường,99,Tỉnh Thử,10.05,106.05\n\
            002,Tây,Xã Tây,xã,99,Tỉnh Thử,10.05,106.15\n\
            003,Côn Đảo,Đặc khu Côn Đảo,đặc khu,99,Tỉnh Thử,10.05,106.25\n";
        super::super::test_squares(csv, 3)
    }

    #[test]
    fn one_police_unit_per_commune_named_from_the_data() {
        let org = PoliceOrganisation::from_directory(&directory());
        assert_eq!(org.headquarters.name, "Công an Tỉnh Thử");
        assert_eq!(org.communes.len(), 3);
        assert_eq!(org.commune("001").unwrap().name, "Công an phường Đông");
        assert_eq!(org.commune("002").unwrap().name, "Công an xã Tây");
        assert_eq!(org.commune("002").unwrap().name_en, "Tây Commune Police");
        assert_eq!(org.commune("003").unwrap().name, "Công an đặc khu Côn Đảo");
        assert_eq!(
            org.department("pc08").unwrap().name,
            "Phòng Cảnh sát giao thông"
        );
        assert!(org.commune("004").is_none());
    }

    #[test]
    fn department_codes_are_unique() {
        let mut codes: Vec<&str> = PROVINCIAL_DEPARTMENTS.iter().map(|d| d.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), PROVINCIAL_DEPARTMENTS.len());
    }

    #[test]
    fn references_round_trip() {
        let org = PoliceOrganisation::from_directory(&directory());
        for text in ["hq", "hq:PC07", "unit:002"] {
            let r: OrgUnitRef = text.parse().unwrap();
            assert_eq!(r.to_string(), text);
            assert!(org.name_of(&r).is_some(), "{text}");
        }
        assert!("unit:".parse::<OrgUnitRef>().is_err());
        assert!("dept:PC07".parse::<OrgUnitRef>().is_err());
        assert!(org.name_of(&"unit:999".parse().unwrap()).is_none());
    }

    proptest::proptest! {
        #[test]
        fn reference_parser_round_trips_or_refuses(s in "\\PC{0,20}") {
            if let Ok(r) = s.parse::<OrgUnitRef>() {
                proptest::prop_assert_eq!(r.to_string(), s);
            }
        }
    }
}
