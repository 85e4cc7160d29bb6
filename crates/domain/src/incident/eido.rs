//! NENA Emergency Incident Data Object (EIDO, NENA-STA-021.1a) JSON export.
//!
//! EIDO is the format for handing an incident to another center or agency. [`incident_to_eido`]
//! builds one document per incident with the components we can fill honestly:
//!
//! * `incidentComponent` — APCO incident type, status (common registry + ours), priority,
//!   the unit as beat/dispatch group, disposition;
//! * `agencyComponent` — the command center and every involved commune/ward unit;
//! * `locationComponent` — a PIDF-LO document (GML point and civic address) plus the address
//!   text;
//! * `personComponent` + `callbackComponent` — the caller's role and callback number
//!   (`tel:+84…`);
//! * `callComponent` — for hotline calls;
//! * `alarmsSensorsComponent` — one per alarm signal;
//! * `emergencyResourceComponent` + `dispatchComponent` — the resources sent;
//! * `notesComponent` — the description and the notes;
//! * `mergeComponent` / `linkComponent` — merges and links.
//!
//! Components reference each other with `{"$ref": id}`. Ids are derived from the store id:
//! `urn:emergency:uid:incidentid:<id>:<agency>` for the incident, with a suffix per component,
//! so that repeated exports of the same incident keep their ids. `docs/cap-eido.md` lists the
//! mapping field by field and what is left out. No official EIDO JSON schema is distributed
//! through a package registry, so [`validate_eido`] checks a document against that documented
//! mapping: prologues, reference integrity and registry values.

use std::collections::HashSet;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::alarm::AlarmCategory;
use super::cap::xml_escape;
use super::catalogue::{Channel, IncidentKind, Vocabulary};
use super::dispatch::Resource;
use super::model::{Incident, IncidentChange, IncidentId};
use super::number::vietnam_offset;
use super::status::{IncidentStatus, ResourceStatus};

/// EIDO version written.
pub const EIDO_VERSION: &str = "1.0";

/// NENA Incident Status (common) registry values (NENA-STA-021.1a Table 3-3).
pub const INCIDENT_STATUS_REGISTRY: &[&str] = &[
    "Active",
    "Cancelled",
    "Closed",
    "FireUnderControl",
    "NewLocation",
    "ReOpened",
    "ResourcesAssigned",
    "ResourcesEnroute",
    "ResourcesOnscene",
    "StructureCleared",
];

/// Primary Unit Status registry values (Table 3-9).
pub const PRIMARY_UNIT_STATUS_REGISTRY: &[&str] =
    &["Available", "ConditionallyAvailable", "NotAvailable"];

/// The Secondary Unit Status registry values this export uses (a subset of Table 3-10).
pub const SECONDARY_UNIT_STATUS_USED: &[&str] = &[
    "Assigned",
    "Cleared",
    "Dispatched",
    "EnRoute",
    "InService",
    "OffDuty",
    "OnScene",
];

/// Agency role registry values used.
pub const AGENCY_ROLES: &[&str] = &[
    "CallReceiving",
    "Dispatching",
    "Dispatched",
    "Informational",
    "TransferredTo",
];

/// Settings of an EIDO export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EidoOptions {
    /// Agency identifier of the command center (NENA agency id form), e.g.
    /// `congan.hanoi.gov.vn`. Units become `<unit code>.<agency id>`.
    pub agency_id: String,
    /// Identifier of the issuing functional element, e.g. `tttch.congan.hanoi.gov.vn`.
    pub issuing_element: String,
    /// Province name for the civic address (A1), e.g. `Hà Nội`.
    pub province_name: String,
}

impl EidoOptions {
    /// Options for the Hà Nội command center with the given identifiers.
    pub fn new(agency_id: &str, issuing_element: &str) -> Self {
        Self {
            agency_id: agency_id.to_string(),
            issuing_element: issuing_element.to_string(),
            province_name: "Hà Nội".to_string(),
        }
    }

    fn unit_agency(&self, unit: &str) -> String {
        format!("{unit}.{}", self.agency_id)
    }

    /// Tracking identifier of an incident: `urn:emergency:uid:incidentid:<id>:<agency>`.
    pub fn tracking_id(&self, id: IncidentId) -> String {
        format!("urn:emergency:uid:incidentid:{}:{}", id.0, self.agency_id)
    }
}

/// NENA timestamp: RFC 3339 with milliseconds, in Vietnam time.
pub fn nena_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&vietnam_offset())
        .to_rfc3339_opts(SecondsFormat::Millis, false)
}

/// EIDO incident priority 0–10 (10 highest) from our 1–4.
pub fn common_priority(p: super::catalogue::Priority) -> u8 {
    match p.number() {
        1 => 10,
        2 => 7,
        3 => 4,
        _ => 1,
    }
}

/// Incident Status (common) values for our status.
pub fn common_status(status: IncidentStatus) -> &'static [&'static str] {
    use IncidentStatus as S;
    match status {
        S::Received | S::Verified | S::FalseAlarm | S::Resolved => &["Active"],
        S::Dispatched => &["Active", "ResourcesAssigned"],
        S::EnRoute => &["Active", "ResourcesEnroute"],
        S::OnScene => &["Active", "ResourcesOnscene"],
        S::Closed | S::Merged => &["Closed"],
        S::Cancelled => &["Cancelled"],
    }
}

/// Primary and secondary unit status for a resource status.
pub fn unit_status(status: ResourceStatus) -> (&'static str, &'static str) {
    match status {
        ResourceStatus::Available => ("Available", "InService"),
        ResourceStatus::Dispatched => ("NotAvailable", "Dispatched"),
        ResourceStatus::EnRoute => ("NotAvailable", "EnRoute"),
        ResourceStatus::OnScene => ("NotAvailable", "OnScene"),
        ResourceStatus::Returning => ("ConditionallyAvailable", "Cleared"),
        ResourceStatus::OffDuty => ("NotAvailable", "OffDuty"),
    }
}

/// APCO incident type for the export: an unverified alarm-device incident is reported as the
/// alarm it is (`ALRF` generic fire alarm, `ALRMED`, `ALRGAS`); everything else uses the type
/// mapping of [`IncidentKind::apco_code_with`].
pub fn apco_type_for(incident: &Incident) -> &'static str {
    if incident.channel == Channel::AlarmDevice && incident.status == IncidentStatus::Received {
        match incident.signals.first().map(|s| s.category) {
            Some(AlarmCategory::Fire) => return "ALRF",
            Some(AlarmCategory::Medical) => return "ALRMED",
            Some(AlarmCategory::Gas) => return "ALRGAS",
            _ => {}
        }
    }
    incident.kind.apco_code_with(incident.crime_subtype)
}

/// Every APCO incident-type code this crate can emit (the documented mapping).
pub fn apco_codes_used() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = IncidentKind::ALL.iter().map(|k| k.apco_code()).collect();
    v.extend(
        super::catalogue::CrimeSubtype::ALL
            .iter()
            .map(|s| s.apco_code()),
    );
    v.extend(["ALRF", "ALRMED", "ALRGAS"]);
    v.sort_unstable();
    v.dedup();
    v
}

/// Builds the EIDO document of an incident. `resources` supplies the live status of assigned
/// resources (those not found are reported from the assignment alone).
pub fn incident_to_eido(incident: &Incident, resources: &[Resource], opts: &EidoOptions) -> Value {
    let tid = opts.tracking_id(incident.id);
    let agency = opts.agency_id.clone();
    let prologue = |id: String, at: DateTime<Utc>| -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("$id".into(), Value::String(id));
        m.insert("lastUpdateTimeStamp".into(), Value::String(nena_time(at)));
        m.insert("updatedByAgencyReference".into(), json!({ "$ref": agency }));
        m
    };
    let r = |id: &str| json!({ "$ref": id });
    let updated = incident.updated_at;

    // Agencies: the center, then the units involved.
    let mut agencies = Vec::new();
    let mut center = prologue(opts.agency_id.clone(), updated);
    center.insert(
        "agencyRoleDescriptionRegistryText".into(),
        json!(["CallReceiving", "Dispatching"]),
    );
    center.insert("agencyType".into(), json!(["psap", "police"]));
    center.insert(
        "incidentOwningAgencyIndicator".into(),
        json!(incident.assignment.primary_unit.is_none() || incident.assignment.escalated_to_city),
    );
    agencies.push(Value::Object(center));
    let transferred = incident.history.iter().any(|e| {
        e.incident_id == incident.id && matches!(e.change, IncidentChange::Transferred { .. })
    });
    if let Some(unit) = &incident.assignment.primary_unit {
        let mut a = prologue(opts.unit_agency(unit), updated);
        let roles = if transferred {
            json!(["Dispatched", "TransferredTo"])
        } else {
            json!(["Dispatched"])
        };
        a.insert("agencyRoleDescriptionRegistryText".into(), roles);
        a.insert("agencyType".into(), json!(["police"]));
        a.insert(
            "incidentOwningAgencyIndicator".into(),
            json!(!incident.assignment.escalated_to_city),
        );
        agencies.push(Value::Object(a));
    }
    for unit in &incident.assignment.shared_with {
        let mut a = prologue(opts.unit_agency(unit), updated);
        a.insert(
            "agencyRoleDescriptionRegistryText".into(),
            json!(["Informational"]),
        );
        a.insert("agencyType".into(), json!(["police"]));
        a.insert("incidentOwningAgencyIndicator".into(), json!(false));
        agencies.push(Value::Object(a));
    }

    // Location.
    let loc_id = format!("{tid}:location:0");
    let mut loc = prologue(loc_id.clone(), incident.opened_at);
    loc.insert(
        "locationTypeDescriptionRegistryText".into(),
        json!("CurrentIncident"),
    );
    loc.insert(
        "locationByValue".into(),
        Value::String(pidf_lo(incident, opts)),
    );
    let mut desc = Vec::new();
    if let Some(a) = &incident.location.address {
        desc.push(a.clone());
    }
    if let Some(old) = &incident.location.resolved_from_old_name {
        desc.push(format!("Địa danh cũ: {old}"));
    }
    if incident.location.near_boundary {
        desc.push(match incident.location.boundary_distance_m {
            Some(d) => format!("Gần ranh giới đơn vị ({d:.0} m)"),
            None => "Gần ranh giới đơn vị".to_string(),
        });
    }
    if !desc.is_empty() {
        loc.insert("locationDescriptionText".into(), json!(desc.join("; ")));
    }

    // Caller.
    let mut persons = Vec::new();
    let mut callbacks = Vec::new();
    let person_id = format!("{tid}:person:caller");
    let callback_id = format!("{tid}:callback:caller");
    let has_caller = incident.caller.phone.is_some() || incident.caller.name.is_some();
    if has_caller {
        let mut p = prologue(person_id.clone(), incident.opened_at);
        p.insert("personIncidentRoleRegistryText".into(), json!(["Caller"]));
        p.insert("locationReference".into(), json!([r(&loc_id)]));
        if let Some(phone) = &incident.caller.phone {
            let mut cb = prologue(callback_id.clone(), incident.opened_at);
            cb.insert("callBackInformationUri".into(), json!([tel_uri(phone)]));
            callbacks.push(Value::Object(cb));
            p.insert("callBackReference".into(), r(&callback_id));
        }
        persons.push(Value::Object(p));
    }

    // Call.
    let mut calls = Vec::new();
    if incident.channel.is_call() {
        let mut c = prologue(format!("{tid}:call:0"), incident.opened_at);
        c.insert("standardPrimaryCallType".into(), json!("emergency"));
        c.insert("localCallType".into(), json!(incident.channel.code()));
        c.insert("direction".into(), json!("incoming"));
        c.insert(
            "callStartTimestamp".into(),
            json!(nena_time(incident.times.received)),
        );
        c.insert("answerDate".into(), json!(nena_time(incident.opened_at)));
        c.insert("callStateRegistryText".into(), json!("callAnswered"));
        c.insert("locationReference".into(), json!([r(&loc_id)]));
        if has_caller {
            c.insert("personReference".into(), json!([r(&person_id)]));
        }
        if incident.caller.phone.is_some() {
            c.insert("callBackReference".into(), r(&callback_id));
        }
        calls.push(Value::Object(c));
    }

    // Alarm signals.
    let alarms: Vec<Value> = incident
        .signals
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut a = prologue(
                format!("{tid}:alarm:{i}"),
                s.restored_at.unwrap_or(s.received_at),
            );
            let mut info = format!(
                "category={}; code={}; received={}",
                s.category.code(),
                s.code,
                nena_time(s.received_at)
            );
            if let Some(z) = &s.zone {
                info.push_str(&format!("; zone={z}"));
            }
            info.push_str(&format!("; restored={}", s.restored));
            if let Some(t) = &s.text {
                info.push_str(&format!("; text={t}"));
            }
            a.insert("csaaAlarmInformation".into(), json!(info));
            Value::Object(a)
        })
        .collect();

    // Notes: the description first, then every note.
    let mut notes = Vec::new();
    let mut note_refs = Vec::new();
    if !incident.description.is_empty() {
        let id = format!("{tid}:note:description");
        let mut n = prologue(id.clone(), incident.opened_at);
        n.insert(
            "notesActionComments".into(),
            json!(format!("<p>{}</p>", xml_escape(&incident.description))),
        );
        notes.push(Value::Object(n));
        note_refs.push(r(&id));
    }
    for (i, note) in incident.notes.iter().enumerate() {
        let id = format!("{tid}:note:{i}");
        let mut n = prologue(id.clone(), note.at);
        n.insert(
            "notesActionComments".into(),
            json!(format!(
                "<p><b>{}</b>: {}</p>",
                xml_escape(note.author.display_name()),
                xml_escape(&note.text)
            )),
        );
        notes.push(Value::Object(n));
        note_refs.push(r(&id));
    }
    // The fire report, as one note of its own.
    if let Some(report) = &incident.fire_report {
        let id = format!("{tid}:note:fire-report");
        let mut n = prologue(id.clone(), incident.updated_at);
        n.insert(
            "notesActionComments".into(),
            json!(format!(
                "<p><b>Báo cáo vụ cháy</b>: {}</p>",
                xml_escape(&report.summary_vi())
            )),
        );
        notes.push(Value::Object(n));
        note_refs.push(r(&id));
    }

    // Resources and dispatches.
    let mut res_components = Vec::new();
    let mut dispatches = Vec::new();
    let dispatching_agency = incident
        .assignment
        .primary_unit
        .as_deref()
        .map(|u| opts.unit_agency(u))
        .unwrap_or_else(|| opts.agency_id.clone());
    for (i, a) in incident.resources.iter().enumerate() {
        let rid = format!("{tid}:resource:{}", a.resource_id);
        let live = resources.iter().find(|x| x.id == a.resource_id);
        let (primary, secondary, internal) = if a.released_at.is_some() {
            let status = live.map(|l| l.status.code()).unwrap_or("released");
            ("ConditionallyAvailable", "Cleared", status)
        } else if let Some(l) = live {
            let (p, s) = unit_status(l.status);
            (p, s, l.status.code())
        } else {
            ("NotAvailable", "Assigned", "assigned")
        };
        let mut c = prologue(rid.clone(), a.released_at.unwrap_or(a.assigned_at));
        c.insert("emergencyResourceName".into(), json!(a.call_sign));
        c.insert(
            "emergencyResourceTypeInternalText".into(),
            json!(a.kind.code()),
        );
        c.insert("primaryUnitStatusRegistryText".into(), json!(primary));
        c.insert("secondaryUnitStatusRegistryText".into(), json!(secondary));
        c.insert("unitStatusInternal".into(), json!([internal]));
        res_components.push(Value::Object(c));
        let mut d = prologue(format!("{tid}:dispatch:{i}"), a.assigned_at);
        d.insert("agencyReference".into(), r(&dispatching_agency));
        d.insert("emergencyResourceReference".into(), json!([r(&rid)]));
        dispatches.push(Value::Object(d));
    }

    // Merges and links.
    let mut merges = Vec::new();
    for (i, m) in incident.merged_from.iter().enumerate() {
        let mut c = prologue(format!("{tid}:merge:{i}"), updated);
        c.insert(
            "incidentTrackingIdentifier".into(),
            json!(opts.tracking_id(*m)),
        );
        c.insert("incidentMergeDirectionCode".into(), json!("REPLACING"));
        merges.push(Value::Object(c));
    }
    if let Some(s) = incident.merged_into {
        let mut c = prologue(format!("{tid}:merge:into"), updated);
        c.insert(
            "incidentTrackingIdentifier".into(),
            json!(opts.tracking_id(s)),
        );
        c.insert("incidentMergeDirectionCode".into(), json!("REPLACED"));
        merges.push(Value::Object(c));
    }
    let links: Vec<Value> = incident
        .related
        .iter()
        .enumerate()
        .map(|(i, other)| {
            let mut c = prologue(format!("{tid}:link:{i}"), updated);
            c.insert(
                "incidentTrackingIdentifier".into(),
                json!(opts.tracking_id(*other)),
            );
            c.insert("linkDirectionCode".into(), json!("RELATED"));
            Value::Object(c)
        })
        .collect();

    // Incident component.
    let mut inc = prologue(format!("{tid}:incident"), updated);
    inc.insert(
        "incidentTypeCommonRegistryText".into(),
        json!(apco_type_for(incident)),
    );
    let internal_code = match incident.crime_subtype {
        Some(s) => format!("{}.{}", incident.kind.code(), s.code()),
        None => incident.kind.code().to_string(),
    };
    let internal_text = match incident.crime_subtype {
        Some(s) => format!("{} - {}", incident.kind.label_vi(), s.label_vi()),
        None => incident.kind.label_vi().to_string(),
    };
    inc.insert("incidentTypeInternalCode".into(), json!(internal_code));
    inc.insert("incidentTypeInternalText".into(), json!(internal_text));
    inc.insert(
        "incidentStatusCommonRegistryText".into(),
        json!(common_status(incident.status)),
    );
    inc.insert(
        "incidentStatusInternalText".into(),
        json!([incident.status.code()]),
    );
    inc.insert(
        "internalIncidentId".into(),
        json!(incident.number.to_string()),
    );
    inc.insert(
        "incidentCommonPriorityNumber".into(),
        json!(common_priority(incident.priority)),
    );
    inc.insert(
        "incidentPriorityInternalText".into(),
        json!(format!(
            "{} - {}",
            incident.priority.number(),
            incident.priority.label_vi()
        )),
    );
    if let Some(u) = &incident.assignment.primary_unit {
        inc.insert("beatOrDispatchGroupText".into(), json!(u));
    }
    inc.insert("locationReference".into(), json!([r(&loc_id)]));
    if has_caller {
        inc.insert("personReference".into(), json!([r(&person_id)]));
    }
    if !note_refs.is_empty() {
        inc.insert("notesReference".into(), Value::Array(note_refs));
    }
    if let Some(d) = incident.disposition {
        let at = incident
            .times
            .closed
            .or(incident.times.cancelled)
            .or(incident.times.merged)
            .unwrap_or(updated);
        let mut c = prologue(format!("{tid}:disposition:0"), at);
        if let Some(code) = d.apco_code() {
            c.insert("dispositionCommonRegistryCode".into(), json!(code));
        }
        c.insert("dispositionPrimaryIndicator".into(), json!(true));
        c.insert("dispositionCategoryText".into(), json!(d.code()));
        c.insert("dispositionDescriptionText".into(), json!(d.label_vi()));
        inc.insert("dispositionComponent".into(), json!([Value::Object(c)]));
    }

    let mut doc = prologue(tid.clone(), updated);
    doc.insert("eidoVersion".into(), json!(EIDO_VERSION));
    doc.insert(
        "issuingElementIdentification".into(),
        json!(opts.issuing_element),
    );
    doc.insert("incidentComponent".into(), Value::Object(inc));
    let mut put = |name: &str, v: Vec<Value>| {
        if !v.is_empty() {
            doc.insert(name.to_string(), Value::Array(v));
        }
    };
    put("callComponent", calls);
    put("callbackComponent", callbacks);
    put("dispatchComponent", dispatches);
    put("alarmsSensorsComponent", alarms);
    put("agencyComponent", agencies);
    put("notesComponent", notes);
    put("locationComponent", vec![Value::Object(loc)]);
    put("personComponent", persons);
    put("emergencyResourceComponent", res_components);
    put("mergeComponent", merges);
    put("linkComponent", links);
    doc.insert(
        "@context".into(),
        json!({ "@vocab": "./JSON-LD_Contexts/EmergencyIncidentDataObjectType.jsonld" }),
    );
    Value::Object(doc)
}

/// `0912345678` → `tel:+84912345678`; foreign `+…` numbers are kept.
fn tel_uri(phone: &str) -> String {
    match phone.strip_prefix('0') {
        Some(rest) => format!("tel:+84{rest}"),
        None => format!("tel:{phone}"),
    }
}

/// PIDF-LO (RFC 4119) with a GML point (RFC 5491) when coordinates are known and a civic
/// address (RFC 5139: country, A1 province, LOC free-text address).
fn pidf_lo(incident: &Incident, opts: &EidoOptions) -> String {
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <presence xmlns=\"urn:ietf:params:xml:ns:pidf\" \
         xmlns:gp=\"urn:ietf:params:xml:ns:pidf:geopriv10\" \
         xmlns:gml=\"http://www.opengis.net/gml\" \
         xmlns:ca=\"urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr\" ",
    );
    s.push_str(&format!(
        "entity=\"pres:incident-{}@{}\"><tuple id=\"incident-location\"><status><gp:geopriv><gp:location-info>",
        incident.id.0,
        xml_escape(&opts.agency_id)
    ));
    if let Some(p) = incident.location.point {
        s.push_str(&format!(
            "<gml:Point srsName=\"urn:ogc:def:crs:EPSG::4326\"><gml:pos>{:.6} {:.6}</gml:pos></gml:Point>",
            p.lat, p.lon
        ));
    }
    s.push_str("<ca:civicAddress><ca:country>VN</ca:country>");
    s.push_str(&format!(
        "<ca:A1>{}</ca:A1>",
        xml_escape(&opts.province_name)
    ));
    if let Some(a) = &incident.location.address {
        s.push_str(&format!("<ca:LOC>{}</ca:LOC>", xml_escape(a)));
    }
    s.push_str(
        "</ca:civicAddress></gp:location-info><gp:usage-rules/><gp:method>Manual</gp:method>",
    );
    s.push_str(&format!(
        "</gp:geopriv></status><timestamp>{}</timestamp></tuple></presence>",
        nena_time(incident.opened_at)
    ));
    s
}

/// Component arrays of an EIDO document, by name.
const COMPONENT_ARRAYS: &[&str] = &[
    "callComponent",
    "callbackComponent",
    "dispatchComponent",
    "alarmsSensorsComponent",
    "agencyComponent",
    "agentComponent",
    "notesComponent",
    "additionalDataComponent",
    "locationComponent",
    "personComponent",
    "vehicleComponent",
    "emergencyResourceComponent",
    "mergeComponent",
    "linkComponent",
];

/// Checks an EIDO document against the documented mapping: required top-level fields, a
/// prologue on every component, unique `$id`s, every `$ref` resolving, registry values from the
/// registries above, required fields per component. Returns every problem found.
pub fn validate_eido(doc: &Value) -> Result<(), Vec<String>> {
    let mut errs = Vec::new();
    let Some(top) = doc.as_object() else {
        return Err(vec!["document is not a JSON object".into()]);
    };
    check_prologue("document", top, &mut errs);
    require_str(top, "eidoVersion", "document", &mut errs);
    require_str(top, "issuingElementIdentification", "document", &mut errs);

    let mut ids: HashSet<String> = HashSet::new();
    let mut add_id = |id: Option<&str>, errs: &mut Vec<String>| {
        if let Some(id) = id {
            if !ids.insert(id.to_string()) {
                errs.push(format!("duplicate $id {id}"));
            }
        }
    };
    add_id(top.get("$id").and_then(Value::as_str), &mut errs);

    match top.get("incidentComponent").and_then(Value::as_object) {
        None => errs.push("incidentComponent missing".into()),
        Some(inc) => {
            check_prologue("incidentComponent", inc, &mut errs);
            add_id(inc.get("$id").and_then(Value::as_str), &mut errs);
            let used = apco_codes_used();
            match inc.get("incidentTypeCommonRegistryText").and_then(Value::as_str) {
                Some(c) if used.contains(&c) => {}
                other => errs.push(format!("incidentTypeCommonRegistryText {other:?} is not in the documented APCO mapping")),
            }
            check_registry_array(
                inc,
                "incidentStatusCommonRegistryText",
                INCIDENT_STATUS_REGISTRY,
                "incidentComponent",
                &mut errs,
            );
            if let Some(p) = inc.get("incidentCommonPriorityNumber") {
                if p.as_u64().is_none_or(|n| n > 10) {
                    errs.push("incidentCommonPriorityNumber must be 0 to 10".into());
                }
            }
            for d in inc
                .get("dispositionComponent")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                match d.as_object() {
                    None => errs.push("dispositionComponent entry is not an object".into()),
                    Some(o) => {
                        check_prologue("dispositionComponent", o, &mut errs);
                        add_id(o.get("$id").and_then(Value::as_str), &mut errs);
                        if let Some(code) = o.get("dispositionCommonRegistryCode") {
                            let ok = code.as_str().is_some_and(|c| {
                                c.len() == 2 && c.parse::<u8>().is_ok_and(|n| (1..=45).contains(&n))
                            });
                            if !ok {
                                errs.push(format!("dispositionCommonRegistryCode {code} is not an APCO 1.111.2 code 01-45"));
                            }
                        }
                    }
                }
            }
        }
    }

    for name in COMPONENT_ARRAYS {
        let Some(v) = top.get(*name) else { continue };
        let Some(items) = v.as_array() else {
            errs.push(format!("{name} must be an array"));
            continue;
        };
        for item in items {
            let Some(o) = item.as_object() else {
                errs.push(format!("{name} entry is not an object"));
                continue;
            };
            check_prologue(name, o, &mut errs);
            add_id(o.get("$id").and_then(Value::as_str), &mut errs);
            match *name {
                "agencyComponent" => {
                    check_registry_array(
                        o,
                        "agencyRoleDescriptionRegistryText",
                        AGENCY_ROLES,
                        name,
                        &mut errs,
                    );
                    require_array(o, "agencyType", name, &mut errs);
                }
                "locationComponent" => {
                    require_str(o, "locationTypeDescriptionRegistryText", name, &mut errs);
                    if let Some(v) = o.get("locationByValue").and_then(Value::as_str) {
                        if !v.contains("urn:ietf:params:xml:ns:pidf") {
                            errs.push("locationByValue is not a PIDF-LO document".into());
                        }
                    }
                }
                "personComponent" => {
                    require_array(o, "personIncidentRoleRegistryText", name, &mut errs)
                }
                "callComponent" => {
                    for f in [
                        "standardPrimaryCallType",
                        "callStartTimestamp",
                        "callStateRegistryText",
                    ] {
                        require_str(o, f, name, &mut errs);
                    }
                    match o.get("direction").and_then(Value::as_str) {
                        Some("incoming" | "outgoing" | "internal") => {}
                        other => errs.push(format!("callComponent.direction {other:?} invalid")),
                    }
                }
                "notesComponent" => require_str(o, "notesActionComments", name, &mut errs),
                "emergencyResourceComponent" => {
                    match o
                        .get("primaryUnitStatusRegistryText")
                        .and_then(Value::as_str)
                    {
                        Some(s) if PRIMARY_UNIT_STATUS_REGISTRY.contains(&s) => {}
                        other => errs.push(format!(
                            "primaryUnitStatusRegistryText {other:?} not in registry"
                        )),
                    }
                    match o
                        .get("secondaryUnitStatusRegistryText")
                        .and_then(Value::as_str)
                    {
                        Some(s) if SECONDARY_UNIT_STATUS_USED.contains(&s) => {}
                        other => errs.push(format!(
                            "secondaryUnitStatusRegistryText {other:?} not in registry"
                        )),
                    }
                }
                "mergeComponent" => {
                    require_str(o, "incidentTrackingIdentifier", name, &mut errs);
                    match o.get("incidentMergeDirectionCode").and_then(Value::as_str) {
                        Some("REPLACING" | "REPLACED" | "SPLIT") => {}
                        other => errs.push(format!("incidentMergeDirectionCode {other:?} invalid")),
                    }
                }
                "linkComponent" => {
                    require_str(o, "incidentTrackingIdentifier", name, &mut errs);
                    match o.get("linkDirectionCode").and_then(Value::as_str) {
                        Some("PARENT" | "CHILD" | "RELATED" | "UNLINK") => {}
                        other => errs.push(format!("linkDirectionCode {other:?} invalid")),
                    }
                }
                "alarmsSensorsComponent" => check_alarm(o, &mut errs),
                "callbackComponent" => require_array(o, "callBackInformationUri", name, &mut errs),
                _ => {}
            }
        }
    }

    let mut refs = Vec::new();
    collect_refs(doc, &mut refs);
    for r in refs {
        if !ids.contains(&r) {
            errs.push(format!("$ref {r} does not resolve to any $id"));
        }
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(errs)
    }
}

fn check_prologue(what: &str, o: &Map<String, Value>, errs: &mut Vec<String>) {
    if !nonempty_str(o, "$id") {
        errs.push(format!("{what}: $id missing"));
    }
    match o.get("lastUpdateTimeStamp").and_then(Value::as_str) {
        Some(t) if DateTime::parse_from_rfc3339(t).is_ok() => {}
        other => errs.push(format!(
            "{what}: lastUpdateTimeStamp {other:?} is not an RFC 3339 time"
        )),
    }
    let agency_ref = o
        .get("updatedByAgencyReference")
        .and_then(Value::as_object)
        .is_some_and(|r| nonempty_str(r, "$ref"));
    if !agency_ref {
        errs.push(format!("{what}: updatedByAgencyReference missing"));
    }
}

fn check_alarm(o: &Map<String, Value>, errs: &mut Vec<String>) {
    if o.get("csaaAlarmInformation").is_none() && o.get("alarmUrl").is_none() {
        errs.push("alarmsSensorsComponent needs csaaAlarmInformation or alarmUrl".into());
    }
}

fn nonempty_str(o: &Map<String, Value>, field: &str) -> bool {
    o.get(field)
        .and_then(Value::as_str)
        .is_some_and(|s| !s.is_empty())
}

fn nonempty_array(o: &Map<String, Value>, field: &str) -> bool {
    o.get(field)
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty())
}

fn require_array(o: &Map<String, Value>, field: &str, what: &str, errs: &mut Vec<String>) {
    if !nonempty_array(o, field) {
        errs.push(format!("{what}.{field} must be a non-empty array"));
    }
}

fn require_str(o: &Map<String, Value>, field: &str, what: &str, errs: &mut Vec<String>) {
    if !nonempty_str(o, field) {
        errs.push(format!("{what}.{field} missing"));
    }
}

fn check_registry_array(
    o: &Map<String, Value>,
    field: &str,
    registry: &[&str],
    what: &str,
    errs: &mut Vec<String>,
) {
    match o.get(field).and_then(Value::as_array) {
        Some(a) if !a.is_empty() => {
            for v in a {
                if v.as_str().is_none_or(|s| !registry.contains(&s)) {
                    errs.push(format!("{what}.{field}: {v} is not a registry value"));
                }
            }
        }
        _ => errs.push(format!("{what}.{field} missing")),
    }
}

fn collect_refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if let Some(r) = m.get("$ref").and_then(Value::as_str) {
                out.push(r.to_string());
            }
            for (k, child) in m {
                if k != "$ref" {
                    collect_refs(child, out);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|c| collect_refs(c, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::alarm::{AlarmSignal, FacilitySnapshot, IncidentFromAlarm};
    use crate::incident::catalogue::{Disposition, ResourceKind};
    use crate::incident::dispatch::assign_resource;
    use crate::incident::geo::GeoPoint;
    use crate::incident::model::tests::{new_fire, open_fire, open_with, operator, t0};
    use crate::incident::model::{merge_incidents, Actor, IncidentId};
    use crate::incident::number::IncidentNumber;
    use chrono::Duration;

    fn opts() -> EidoOptions {
        EidoOptions::new("congan.hanoi.gov.vn", "tttch.congan.hanoi.gov.vn")
    }

    fn engine() -> Resource {
        Resource {
            id: 31,
            call_sign: "CC-07".into(),
            kind: ResourceKind::FireEngine,
            unit_code: Some("PC07".into()),
            status: ResourceStatus::Available,
            status_since: t0() - Duration::hours(1),
            position: Some(GeoPoint::new(21.03, 105.85)),
            position_at: Some(t0()),
            home: None,
            incident_id: None,
        }
    }

    #[test]
    fn hotline_incident_exports_all_components_and_validates() {
        let mut inc = open_fire(5);
        let mut e = engine();
        inc.add_note(
            "Có người già ở tầng 3 <cần hỗ trợ>",
            operator(),
            t0() + Duration::seconds(5),
        )
        .unwrap();
        inc.share_with_unit("00004", None, operator(), t0() + Duration::seconds(6))
            .unwrap();
        inc.link_related(IncidentId(9), operator(), t0() + Duration::seconds(7))
            .unwrap();
        assign_resource(&mut inc, &mut e, operator(), t0() + Duration::seconds(30)).unwrap();
        let doc = incident_to_eido(&inc, std::slice::from_ref(&e), &opts());
        validate_eido(&doc).unwrap();

        assert_eq!(
            doc["$id"],
            "urn:emergency:uid:incidentid:5:congan.hanoi.gov.vn"
        );
        assert_eq!(doc["eidoVersion"], "1.0");
        let ic = &doc["incidentComponent"];
        assert_eq!(ic["incidentTypeCommonRegistryText"], "FUNK");
        assert_eq!(ic["incidentTypeInternalCode"], "fire");
        assert_eq!(
            ic["incidentStatusCommonRegistryText"],
            json!(["Active", "ResourcesAssigned"])
        );
        assert_eq!(ic["incidentCommonPriorityNumber"], 10);
        assert_eq!(ic["internalIncidentId"], "HN-2026-000005");
        assert_eq!(ic["beatOrDispatchGroupText"], "00070");
        assert_eq!(doc["callComponent"][0]["direction"], "incoming");
        assert_eq!(doc["callComponent"][0]["localCallType"], "hotline_114");
        assert_eq!(
            doc["callbackComponent"][0]["callBackInformationUri"],
            json!(["tel:+84912345678"])
        );
        assert_eq!(
            doc["emergencyResourceComponent"][0]["emergencyResourceName"],
            "CC-07"
        );
        assert_eq!(
            doc["emergencyResourceComponent"][0]["secondaryUnitStatusRegistryText"],
            "Dispatched"
        );
        assert_eq!(doc["agencyComponent"].as_array().unwrap().len(), 3);
        assert_eq!(
            doc["agencyComponent"][2]["agencyRoleDescriptionRegistryText"],
            json!(["Informational"])
        );
        assert_eq!(doc["linkComponent"][0]["linkDirectionCode"], "RELATED");
        let note = doc["notesComponent"][1]["notesActionComments"]
            .as_str()
            .unwrap();
        assert!(note.contains("&lt;cần hỗ trợ&gt;"), "{note}");
        let pidf = doc["locationComponent"][0]["locationByValue"]
            .as_str()
            .unwrap();
        assert!(pidf.contains("<gml:pos>21.028800 105.852500</gml:pos>"));
        assert!(pidf.contains("<ca:LOC>12 Hàng Bạc, phường Hoàn Kiếm</ca:LOC>"));
        assert_eq!(doc["lastUpdateTimeStamp"], "2026-03-01T14:00:30.000+07:00");
    }

    #[test]
    fn alarm_incident_reports_alarm_type_and_sensors() {
        let f = FacilitySnapshot {
            id: 1,
            name: "Nhà xưởng A".into(),
            address: "KCN Thạch Thất".into(),
            point: Some(GeoPoint::new(21.0, 105.6)),
            unit_code: Some("09994".into()),
            kind: None,
            floors: Some(2),
            contacts: vec![],
            notes: None,
            device_id: Some("GT-9".into()),
        };
        let s = AlarmSignal {
            category: AlarmCategory::Fire,
            zone: Some("Z3".into()),
            code: "E110".into(),
            text: None,
            received_at: t0(),
            restored: false,
            restored_at: None,
        };
        let new = IncidentFromAlarm {
            facility: &f,
            signal: &s,
        }
        .new_incident()
        .unwrap();
        let mut inc = open_with(8, new, t0() + Duration::seconds(1));
        let doc = incident_to_eido(&inc, &[], &opts());
        validate_eido(&doc).unwrap();
        assert_eq!(
            doc["incidentComponent"]["incidentTypeCommonRegistryText"],
            "ALRF"
        );
        assert!(doc.get("callComponent").is_none());
        assert!(doc["alarmsSensorsComponent"][0]["csaaAlarmInformation"]
            .as_str()
            .unwrap()
            .contains("code=E110"));
        inc.verify(None, Actor::user(1, "A"), t0() + Duration::seconds(20))
            .unwrap();
        let doc = incident_to_eido(&inc, &[], &opts());
        assert_eq!(
            doc["incidentComponent"]["incidentTypeCommonRegistryText"],
            "FUNK"
        );
    }

    #[test]
    fn merged_and_closed_incidents() {
        let mut a = open_fire(1);
        let mut b = open_with(2, new_fire(), t0() + Duration::seconds(10));
        merge_incidents(
            &mut a,
            &mut b,
            None,
            operator(),
            t0() + Duration::seconds(20),
        )
        .unwrap();
        let da = incident_to_eido(&a, &[], &opts());
        let db = incident_to_eido(&b, &[], &opts());
        validate_eido(&da).unwrap();
        validate_eido(&db).unwrap();
        assert_eq!(
            da["mergeComponent"][0]["incidentMergeDirectionCode"],
            "REPLACING"
        );
        assert_eq!(
            da["mergeComponent"][0]["incidentTrackingIdentifier"],
            opts().tracking_id(IncidentId(2))
        );
        assert_eq!(
            db["mergeComponent"][0]["incidentMergeDirectionCode"],
            "REPLACED"
        );
        assert_eq!(
            db["incidentComponent"]["incidentStatusCommonRegistryText"],
            json!(["Closed"])
        );
        assert_eq!(
            db["incidentComponent"]["dispositionComponent"][0]["dispositionCommonRegistryCode"],
            "22"
        );

        a.verify(None, operator(), t0() + Duration::seconds(30))
            .unwrap();
        a.transition(
            IncidentStatus::Resolved,
            Default::default(),
            operator(),
            t0() + Duration::seconds(40),
        )
        .unwrap();
        a.file_fire_report(
            crate::incident::fire_report::sample_fire_report(),
            operator(),
            t0() + Duration::seconds(45),
        )
        .unwrap();
        a.close(
            Some(Disposition::NoActionRequired),
            None,
            operator(),
            t0() + Duration::seconds(50),
        )
        .unwrap();
        let da = incident_to_eido(&a, &[], &opts());
        validate_eido(&da).unwrap();
        // The fire report travels as a note of its own.
        let report = da["notesComponent"]
            .as_array()
            .unwrap()
            .iter()
            .find_map(|n| {
                n["notesActionComments"]
                    .as_str()
                    .filter(|t| t.contains("Báo cáo vụ cháy"))
            })
            .expect("a fire-report note");
        assert!(
            report.contains("Có cháy, nguyên nhân: Sự cố điện"),
            "{report}"
        );
        assert!(report.contains("cơ sở: Nhà ở hộ gia đình"), "{report}");
        assert!(
            report.contains("thiệt hại ước tính 350000000 đồng"),
            "{report}"
        );
        let disp = &da["incidentComponent"]["dispositionComponent"][0];
        assert!(
            disp.get("dispositionCommonRegistryCode").is_none(),
            "no confirmed APCO code"
        );
        assert_eq!(disp["dispositionCategoryText"], "no_action_required");
    }

    #[test]
    fn validator_catches_broken_documents() {
        let inc = open_fire(1);
        let good = incident_to_eido(&inc, &[], &opts());
        validate_eido(&good).unwrap();

        let mut bad = good.clone();
        bad["incidentComponent"]["locationReference"] = json!([{ "$ref": "nowhere" }]);
        bad["incidentComponent"]["incidentStatusCommonRegistryText"] = json!(["Burning"]);
        bad["incidentComponent"]["incidentTypeCommonRegistryText"] = json!("XYZ");
        bad["locationComponent"][0]["lastUpdateTimeStamp"] = json!("yesterday");
        bad["agencyComponent"][0]
            .as_object_mut()
            .unwrap()
            .remove("agencyType");
        let errs = validate_eido(&bad).unwrap_err();
        let all = errs.join("\n");
        for needle in [
            "$ref nowhere does not resolve",
            "\"Burning\" is not a registry value",
            "XYZ",
            "lastUpdateTimeStamp Some(\"yesterday\")",
            "agencyType must be a non-empty array",
        ] {
            assert!(all.contains(needle), "missing {needle:?} in:\n{all}");
        }
        assert!(validate_eido(&json!([1, 2])).is_err());
    }

    #[test]
    fn ids_are_stable_across_exports() {
        let inc = open_fire(3);
        assert_eq!(
            incident_to_eido(&inc, &[], &opts()),
            incident_to_eido(&inc, &[], &opts())
        );
        let n = IncidentNumber::new("HN", 2026, 3).unwrap();
        assert_eq!(inc.number, n);
        assert_eq!(tel_uri("+33612345678"), "tel:+33612345678");
        assert_eq!(common_priority(crate::incident::Priority::P4), 1);
    }
}
