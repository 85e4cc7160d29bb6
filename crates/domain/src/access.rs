//! Who may do what: the roles of Bình Yên and the rules that bind a unit officer to one unit.
//!
//! The server asks these functions on every route; keeping them here means the rules are
//! written once, tested without HTTP, and read the same for the API and the live feed.

use serde::{Deserialize, Serialize};

/// A user's role. Stored as its snake_case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Manages accounts, configuration and reference data; reads the audit trail.
    Admin,
    /// City command-center operator: takes calls and alarms, dispatches, sees every unit.
    Operator,
    /// Commune/ward police officer, bound to exactly one unit.
    UnitOfficer,
    /// Leader: reads everything, writes nothing operational.
    Leader,
    /// Inspector: runs inspection campaigns and records findings.
    Inspector,
    /// Accommodation establishment (hotel, guesthouse, rented rooms): declares its foreign
    /// guests, for its own establishment only, and sees nothing else.
    Establishment,
}

impl Role {
    /// Every role, in a stable order.
    pub const ALL: [Role; 6] = [
        Role::Admin,
        Role::Operator,
        Role::UnitOfficer,
        Role::Leader,
        Role::Inspector,
        Role::Establishment,
    ];

    /// The snake_case name used in the API, the database and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Operator => "operator",
            Role::UnitOfficer => "unit_officer",
            Role::Leader => "leader",
            Role::Inspector => "inspector",
            Role::Establishment => "establishment",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == name)
    }

    /// Vietnamese label shown in the console.
    pub fn label_vi(self) -> &'static str {
        match self {
            Role::Admin => "Quản trị hệ thống",
            Role::Operator => "Trực ban Trung tâm chỉ huy",
            Role::UnitOfficer => "Cán bộ Công an xã/phường",
            Role::Leader => "Lãnh đạo",
            Role::Inspector => "Cán bộ kiểm tra",
            Role::Establishment => "Cơ sở lưu trú",
        }
    }

    /// Whether this role must be bound to one unit.
    pub fn needs_unit(self) -> bool {
        matches!(self, Role::UnitOfficer | Role::Establishment)
    }

    /// Whether this role is limited to its own establishment's foreigner declarations.
    pub fn is_establishment(self) -> bool {
        self == Role::Establishment
    }

    /// Whether this role sees every unit's data (the city level).
    pub fn sees_all_units(self) -> bool {
        !self.needs_unit()
    }

    /// Whether this role may create and change operational data (incidents, dispatch, devices).
    pub fn is_operational(self) -> bool {
        matches!(self, Role::Admin | Role::Operator | Role::UnitOfficer)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The scope of data a signed-in user may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every unit (city level).
    City,
    /// One unit, by code.
    Unit(String),
}

impl Scope {
    /// The scope of a user with `role`, bound to `unit` when the role needs one.
    ///
    /// A unit-bound role without a unit gets `None`: such an account may see nothing.
    pub fn of(role: Role, unit: Option<&str>) -> Option<Scope> {
        if role.needs_unit() {
            unit.map(|u| Scope::Unit(u.to_owned()))
        } else {
            Some(Scope::City)
        }
    }

    /// Whether data owned by `unit` (or shared with any of `shared_with`) is visible.
    pub fn allows(&self, unit: Option<&str>, shared_with: &[String]) -> bool {
        match self {
            Scope::City => true,
            Scope::Unit(mine) => {
                unit == Some(mine.as_str()) || shared_with.iter().any(|u| u == mine)
            }
        }
    }

    /// The unit this scope is limited to, if any.
    pub fn unit(&self) -> Option<&str> {
        match self {
            Scope::City => None,
            Scope::Unit(u) => Some(u),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn unit_officer_is_bound_to_one_unit() {
        let scope = Scope::of(Role::UnitOfficer, Some("00004")).expect("scope");
        assert!(scope.allows(Some("00004"), &[]));
        assert!(!scope.allows(Some("00008"), &[]));
        assert!(scope.allows(Some("00008"), &["00004".to_owned()]));
        assert!(!scope.allows(None, &[]));
        assert_eq!(Scope::of(Role::UnitOfficer, None), None);
    }

    #[test]
    fn city_roles_see_everything_and_leaders_write_nothing() {
        for role in [Role::Admin, Role::Operator, Role::Leader, Role::Inspector] {
            assert_eq!(Scope::of(role, None), Some(Scope::City));
        }
        assert!(!Role::Leader.is_operational());
        assert!(Role::Operator.is_operational());
    }
}
