//! The record types kept by a commune/ward police unit: residents, households, residence
//! registrations, accommodation establishments and foreigners' temporary-residence declarations.
//!
//! Every field that the law requires but that real data may lack is an `Option` (or a `String`
//! that may be empty), because measuring completeness ("đủ") means being able to hold an
//! incomplete record. Dates without a time of day are [`NaiveDate`]s in local (Vietnamese) time;
//! instants are UTC ([`DateTime<Utc>`]) and are converted with [`local_date`] when a rule speaks of
//! a calendar day.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::fmt;

/// Offset of Asia/Ho_Chi_Minh from UTC in seconds (UTC+7, no daylight saving time).
pub const VN_UTC_OFFSET_SECS: i32 = 7 * 3600;

/// The fixed UTC+7 offset used for every "calendar day" and "hour of day" rule.
pub fn vn_offset() -> FixedOffset {
    FixedOffset::east_opt(VN_UTC_OFFSET_SECS).expect("UTC+7 is within the ±24 h offset range")
}

/// The Vietnamese calendar date of an instant.
pub fn local_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&vn_offset()).date_naive()
}

/// The UTC instant of a Vietnamese local date and time.
pub fn from_local(local: NaiveDateTime) -> DateTime<Utc> {
    match vn_offset().from_local_datetime(&local) {
        chrono::LocalResult::Single(t) => t.with_timezone(&Utc),
        // A fixed offset never produces gaps or folds.
        _ => Utc.from_utc_datetime(&local),
    }
}

/// Sex as recorded on the identity record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    /// Nam.
    Male,
    /// Nữ.
    Female,
}

impl Sex {
    /// Vietnamese label ("Nam"/"Nữ").
    pub fn label_vi(self) -> &'static str {
        match self {
            Sex::Male => "Nam",
            Sex::Female => "Nữ",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            Sex::Male => "male",
            Sex::Female => "female",
        }
    }
}

/// The five kinds of record that quality rules look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// A resident ([`Person`]).
    Person,
    /// A household ([`Household`]).
    Household,
    /// A residence registration or notification ([`Registration`]).
    Registration,
    /// An accommodation establishment ([`Establishment`]).
    Establishment,
    /// A foreigner's temporary-residence declaration ([`ForeignerDeclaration`]).
    Declaration,
}

impl RecordKind {
    /// Every kind, in report order.
    pub const ALL: [RecordKind; 5] = [
        RecordKind::Person,
        RecordKind::Household,
        RecordKind::Registration,
        RecordKind::Establishment,
        RecordKind::Declaration,
    ];

    /// Stable lower-case name used in serialised references.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Person => "person",
            RecordKind::Household => "household",
            RecordKind::Registration => "registration",
            RecordKind::Establishment => "establishment",
            RecordKind::Declaration => "declaration",
        }
    }

    /// Vietnamese name of the kind, for messages.
    pub fn label_vi(self) -> &'static str {
        match self {
            RecordKind::Person => "nhân khẩu",
            RecordKind::Household => "hộ",
            RecordKind::Registration => "đăng ký cư trú",
            RecordKind::Establishment => "cơ sở lưu trú",
            RecordKind::Declaration => "khai báo tạm trú người nước ngoài",
        }
    }
}

/// A reference to one record: its kind and its id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecordRef {
    /// Which table the record lives in.
    pub kind: RecordKind,
    /// The record's id within its kind.
    pub id: String,
}

impl RecordRef {
    /// Builds a reference.
    pub fn new(kind: RecordKind, id: impl Into<String>) -> Self {
        RecordRef {
            kind,
            id: id.into(),
        }
    }
}

impl fmt::Display for RecordRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind.as_str(), self.id)
    }
}

impl PartialOrd for RecordRef {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for RecordRef {
    fn cmp(&self, other: &Self) -> Ordering {
        self.kind
            .cmp(&other.kind)
            .then_with(|| id_order(&self.id, &other.id))
    }
}

/// Creation order of two record ids: shorter ids first, then byte order.
///
/// Stores hand out increasing ids, either integers ("9" < "10") or fixed-width strings
/// ("P00000009" < "P00000010"); ordering by length then bytes gives creation order for both. The
/// duplicate and conflict rules use it to decide which record of a pair is the newer one.
pub fn id_order(a: &str, b: &str) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// A resident as held by the commune police (nhân khẩu).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Person {
    /// Record id, assigned by the store.
    pub id: String,
    /// Personal identification number (số định danh cá nhân), 12 digits; empty when unknown.
    pub pin: String,
    /// Full name as on the birth registration, with diacritics.
    pub full_name: String,
    /// Date of birth.
    pub date_of_birth: Option<NaiveDate>,
    /// Sex.
    pub sex: Option<Sex>,
    /// Code of the province where the birth was registered, as used in the identification number
    /// ("001" = Hà Nội). Two-digit administrative codes ("01") are accepted and padded.
    pub birth_registration_province: Option<String>,
    /// Hometown (quê quán), free text.
    pub hometown: Option<String>,
    /// Ethnicity (dân tộc).
    pub ethnicity: Option<String>,
    /// Nationality (ISO 3166-1 alpha-3, "VNM" for citizens).
    pub nationality: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// Code of the commune/ward unit that keeps the record.
    pub unit: String,
    /// When an officer last verified the record against the person or the national database.
    pub verified_at: Option<DateTime<Utc>>,
}

/// A household (hộ gia đình) registered at one address.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Household {
    /// Record id.
    pub id: String,
    /// Person id of the head of household (chủ hộ); empty when unknown.
    pub head_person_id: String,
    /// Address of the household's dwelling.
    pub address: String,
    /// Code of the unit that keeps the record.
    pub unit: String,
}

/// Kind of residence registration (Luật Cư trú 68/2020/QH14).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RegistrationKind {
    /// Đăng ký thường trú (permanent residence).
    Permanent,
    /// Đăng ký tạm trú (temporary residence, with an expiry date).
    Temporary,
    /// Khai báo tạm vắng (temporary absence): `address` is the destination.
    TemporaryAbsence,
    /// Thông báo lưu trú (overnight-stay notification).
    StayNotification,
}

impl RegistrationKind {
    /// Every kind.
    pub const ALL: [RegistrationKind; 4] = [
        RegistrationKind::Permanent,
        RegistrationKind::Temporary,
        RegistrationKind::TemporaryAbsence,
        RegistrationKind::StayNotification,
    ];

    /// Stable snake-case name (also the key of per-kind rule parameters).
    pub fn as_str(self) -> &'static str {
        match self {
            RegistrationKind::Permanent => "permanent",
            RegistrationKind::Temporary => "temporary",
            RegistrationKind::TemporaryAbsence => "temporary_absence",
            RegistrationKind::StayNotification => "stay_notification",
        }
    }

    /// Vietnamese name.
    pub fn label_vi(self) -> &'static str {
        match self {
            RegistrationKind::Permanent => "thường trú",
            RegistrationKind::Temporary => "tạm trú",
            RegistrationKind::TemporaryAbsence => "tạm vắng",
            RegistrationKind::StayNotification => "lưu trú",
        }
    }

    /// Whether `address` is a place inside the keeping unit (false for the destination of an
    /// absence, which is elsewhere by definition).
    pub fn address_is_local(self) -> bool {
        !matches!(self, RegistrationKind::TemporaryAbsence)
    }
}

/// Whether a registration is still in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RecordStatus {
    /// Still in force.
    Active,
    /// Ended (de-registered, returned, checked out).
    Ended,
}

/// One residence registration, temporary-absence declaration or stay notification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Registration {
    /// Record id.
    pub id: String,
    /// Id of the registered person.
    pub person_id: String,
    /// Which procedure this is.
    pub kind: RegistrationKind,
    /// Household the person is registered in (permanent residence).
    pub household_id: Option<String>,
    /// Place of residence or stay; for a temporary absence, the destination.
    pub address: String,
    /// Code of the unit that keeps the record.
    pub unit: String,
    /// First day covered (residence start, absence start, first night of the stay).
    pub start: Option<NaiveDate>,
    /// Last day covered: expiry of a temporary residence, end of an absence or stay.
    pub end: Option<NaiveDate>,
    /// For stays: when the guest arrived (the deadline depends on the hour).
    pub arrival_at: Option<DateTime<Utc>>,
    /// When the registration, declaration or notification was made.
    pub made_at: Option<DateTime<Utc>>,
    /// Reason (required for absences and stays).
    pub reason: Option<String>,
    /// Active or ended.
    pub status: RecordStatus,
}

/// Kind of accommodation establishment (cơ sở lưu trú).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EstablishmentKind {
    /// Khách sạn.
    Hotel,
    /// Nhà nghỉ.
    Guesthouse,
    /// Nhà trọ, phòng cho thuê.
    RentedRoom,
    /// Nhà dân (private home).
    PrivateHome,
}

impl EstablishmentKind {
    /// Vietnamese name.
    pub fn label_vi(self) -> &'static str {
        match self {
            EstablishmentKind::Hotel => "khách sạn",
            EstablishmentKind::Guesthouse => "nhà nghỉ",
            EstablishmentKind::RentedRoom => "nhà trọ",
            EstablishmentKind::PrivateHome => "nhà dân",
        }
    }
}

/// A place that declares the foreigners staying in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Establishment {
    /// Record id.
    pub id: String,
    /// Trading name, or the owner's name for private homes.
    pub name: String,
    /// Kind of establishment.
    pub kind: Option<EstablishmentKind>,
    /// Address.
    pub address: String,
    /// Whether the place is in a remote area (vùng sâu, vùng xa), which lengthens the declaration
    /// deadline.
    pub remote_area: bool,
    /// Code of the unit the establishment belongs to.
    pub unit: String,
}

/// What entitles a foreigner to stay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PermitKind {
    /// A visa (thị thực), including e-visas; the symbol says which (DL, EV, LĐ1, …).
    Visa,
    /// Temporary-residence card (thẻ tạm trú).
    TemporaryResidenceCard,
    /// Permanent-residence card (thẻ thường trú).
    PermanentResidenceCard,
    /// Visa exemption (miễn thị thực); the expiry is the end of the exempt stay.
    VisaExemption,
}

/// A foreigner's temporary-residence declaration made by an accommodation establishment (form
/// NA17 or the immigration office's online site).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ForeignerDeclaration {
    /// Record id.
    pub id: String,
    /// Full name as in the passport (Latin script).
    pub full_name: String,
    /// Sex.
    pub sex: Option<Sex>,
    /// Date of birth.
    pub date_of_birth: Option<NaiveDate>,
    /// Nationality, ISO 3166-1 alpha-3.
    pub nationality: String,
    /// Passport or travel-document number, as printed.
    pub passport_number: String,
    /// Issuing state of the passport, ISO 3166-1 alpha-3 (MRZ code).
    pub passport_country: String,
    /// Visa, residence card or exemption.
    pub permit_kind: Option<PermitKind>,
    /// Visa symbol (ký hiệu), e.g. "DL", "EV", "LĐ1".
    pub permit_symbol: Option<String>,
    /// Number of the visa or card.
    pub permit_number: Option<String>,
    /// Last day the permit allows the foreigner to stay.
    pub permit_expiry: Option<NaiveDate>,
    /// Check-in at the establishment.
    pub arrival_at: Option<DateTime<Utc>>,
    /// Check-out (actual, or planned while the stay is active).
    pub departure_at: Option<DateTime<Utc>>,
    /// Id of the establishment where the foreigner stays.
    pub establishment_id: String,
    /// Code of the unit that received the declaration.
    pub unit: String,
    /// When the establishment sent the declaration.
    pub declared_at: Option<DateTime<Utc>>,
    /// Whether the foreigner is still staying.
    pub status: RecordStatus,
}

/// Borrowed view over every record the checks need. Duplicate and conflict rules compare
/// records across units, so checks run on the whole city's records at once.
#[derive(Debug, Clone, Copy, Default)]
pub struct RecordSet<'a> {
    /// Residents.
    pub persons: &'a [Person],
    /// Households.
    pub households: &'a [Household],
    /// Residence registrations and notifications.
    pub registrations: &'a [Registration],
    /// Accommodation establishments.
    pub establishments: &'a [Establishment],
    /// Foreigners' declarations.
    pub declarations: &'a [ForeignerDeclaration],
}

impl RecordSet<'_> {
    /// Total number of records of every kind.
    pub fn len(&self) -> usize {
        self.persons.len()
            + self.households.len()
            + self.registrations.len()
            + self.establishments.len()
            + self.declarations.len()
    }

    /// Whether the set holds no record at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_order_is_creation_order_for_integers_and_fixed_width() {
        assert_eq!(id_order("9", "10"), Ordering::Less);
        assert_eq!(id_order("P00000010", "P00000009"), Ordering::Greater);
        assert_eq!(id_order("a", "a"), Ordering::Equal);
    }

    #[test]
    fn local_date_uses_utc_plus_seven() {
        let late_utc = Utc.with_ymd_and_hms(2026, 3, 1, 18, 30, 0).unwrap();
        assert_eq!(
            local_date(late_utc),
            NaiveDate::from_ymd_opt(2026, 3, 2).unwrap()
        );
        let local = NaiveDate::from_ymd_opt(2026, 3, 2)
            .unwrap()
            .and_hms_opt(1, 30, 0)
            .unwrap();
        assert_eq!(from_local(local), late_utc);
    }

    #[test]
    fn record_ref_serialises_kind_in_snake_case() {
        let r = RecordRef::new(RecordKind::Declaration, "D1");
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            r#"{"kind":"declaration","id":"D1"}"#
        );
        assert_eq!(r.to_string(), "declaration:D1");
    }
}
