//! A small organisation structure (units with a parent and a chief, people in units) and the
//! chain of responsibility of a task: owner → chief of the responsible unit → assigner.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::{PersonRef, Task, TaskError};

/// A unit: the city headquarters, a department, or one of the commune/ward police units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgUnit {
    /// Unit code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Parent unit code (`None` for the top).
    pub parent: Option<String>,
    /// User id of the chief (trưởng công an xã/phường, trưởng phòng…), if appointed.
    pub chief: Option<String>,
}

/// A person in the organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgPerson {
    /// User id.
    pub user_id: String,
    /// Display name.
    pub display_name: String,
    /// Code of the unit they belong to.
    pub unit: String,
    /// Position, e.g. "Phó trưởng Công an phường".
    pub title: String,
}

impl OrgPerson {
    /// The person as a [`PersonRef`].
    pub fn person_ref(&self) -> PersonRef {
        PersonRef::new(&self.user_id, &self.display_name)
    }
}

/// A checked organisation: every parent, chief and person's unit exists, and the unit tree has
/// no cycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Org {
    units: BTreeMap<String, OrgUnit>,
    people: BTreeMap<String, OrgPerson>,
}

impl Org {
    /// Builds and checks the structure.
    pub fn new(units: Vec<OrgUnit>, people: Vec<OrgPerson>) -> Result<Self, TaskError> {
        let units: BTreeMap<String, OrgUnit> =
            units.into_iter().map(|u| (u.code.clone(), u)).collect();
        let people: BTreeMap<String, OrgPerson> =
            people.into_iter().map(|p| (p.user_id.clone(), p)).collect();
        for u in units.values() {
            if let Some(p) = &u.parent {
                if !units.contains_key(p) {
                    return Err(TaskError::UnknownUnit { code: p.clone() });
                }
            }
            if let Some(c) = &u.chief {
                if !people.contains_key(c) {
                    return Err(TaskError::UnknownPerson { user_id: c.clone() });
                }
            }
        }
        for p in people.values() {
            if !units.contains_key(&p.unit) {
                return Err(TaskError::UnknownUnit {
                    code: p.unit.clone(),
                });
            }
        }
        for start in units.keys() {
            let mut seen = BTreeSet::new();
            let mut cur = Some(start);
            while let Some(code) = cur {
                if !seen.insert(code) {
                    return Err(TaskError::UnitCycle { code: code.clone() });
                }
                cur = units.get(code).and_then(|u| u.parent.as_ref());
            }
        }
        Ok(Self { units, people })
    }

    /// A unit by code.
    pub fn unit(&self, code: &str) -> Option<&OrgUnit> {
        self.units.get(code)
    }

    /// A person by user id.
    pub fn person(&self, user_id: &str) -> Option<&OrgPerson> {
        self.people.get(user_id)
    }

    /// The nearest chief at or above `code`, skipping a chief equal to `except` (a chief's own
    /// superior is the chief of the parent unit). Returns the unit found and its chief.
    pub fn superior_chief(
        &self,
        code: &str,
        except: Option<&str>,
    ) -> Result<Option<(&OrgUnit, &OrgPerson)>, TaskError> {
        let mut cur = Some(self.units.get(code).ok_or_else(|| TaskError::UnknownUnit {
            code: code.to_owned(),
        })?);
        while let Some(u) = cur {
            if let Some(chief) = u.chief.as_deref() {
                if Some(chief) != except {
                    return Ok(self.people.get(chief).map(|p| (u, p)));
                }
            }
            cur = u.parent.as_deref().and_then(|p| self.units.get(p));
        }
        Ok(None)
    }
}

/// Role of a person in a task's chain of responsibility.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum Role {
    /// Owns the task and does the work.
    Owner,
    /// Chief of the responsible unit (or, when the owner is that chief, of the unit above).
    UnitChief {
        /// Code of the unit the person is chief of.
        unit: String,
    },
    /// Assigned the task and accepts its result.
    Assigner,
}

/// One person in the chain with every role they hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChainLink {
    /// The person.
    pub person: PersonRef,
    /// Their roles, in chain order.
    pub roles: Vec<Role>,
}

/// Owner → unit chief → assigner. A person holding several roles appears once with all of
/// them. When the owner is the chief of the responsible unit, the chief link is the chief of
/// the nearest unit above that has one; when no chief is recorded, the link is left out.
pub fn chain_of_responsibility(task: &Task, org: &Org) -> Result<Vec<ChainLink>, TaskError> {
    let mut chain: Vec<ChainLink> = Vec::new();
    let mut push = |person: PersonRef, role: Role| {
        if let Some(link) = chain
            .iter_mut()
            .find(|l| l.person.user_id == person.user_id)
        {
            link.roles.push(role);
        } else {
            chain.push(ChainLink {
                person,
                roles: vec![role],
            });
        }
    };
    push(task.owner().clone(), Role::Owner);
    if let Some((unit, chief)) = org.superior_chief(task.unit(), Some(&task.owner().user_id))? {
        push(
            chief.person_ref(),
            Role::UnitChief {
                unit: unit.code.clone(),
            },
        );
    }
    push(task.assigner().clone(), Role::Assigner);
    Ok(chain)
}
