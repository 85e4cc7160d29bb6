//! Dispatchable resources in the database: patrols of the commune units, fire engines and
//! rescue teams of the fire stations, ambulances and city teams; their status history; and
//! dispatch, which ties a resource to an incident.
//!
//! A resource is never on two incidents at once, and the database enforces it, not memory:
//! dispatch moves the resource with `UPDATE … WHERE id = $1 AND status = 'available'` (a lost
//! race updates no row and is refused as
//! [`IncidentError::ResourceUnavailable`](domain::incident::IncidentError)), and
//! `incident_resources` has a unique partial index on the resource for assignments not yet
//! released. On PostgreSQL the incident and then the resources are locked in id order, so two
//! dispatchers never deadlock; SQLite has one writer.

use crate::incidents::{check_scope, domain_actor, not_found, StoredIncident};
use crate::{from_millis, to_millis, Actor, AuditEntry, Backend, Result, Store, StoreError};
use chrono::{DateTime, Utc};
use domain::access::Scope;
use domain::incident::{
    assign_resource, release_resource, report_resource_status, GeoPoint, IncidentError,
    IncidentEvent, IncidentId, Resource, ResourceEvent, ResourceKind, ResourceStatus, Vocabulary,
};
use domain::units::UnitDirectory;
use serde::Serialize;
use sqlx::Row;

/// A resource as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceRecord {
    /// The domain resource (its `unit_code` is the owning unit or, for city forces, the
    /// station).
    pub resource: Resource,
    /// Display name, e.g. "Tổ tuần tra 1 - Công an phường Ba Đình".
    pub name: String,
    /// The commune/ward unit that owns it (patrols); `None` for city forces.
    pub owner_unit: Option<String>,
    /// The station or base, e.g. "Đội CC&CNCH khu vực Cầu Giấy".
    pub station: Option<String>,
    /// Created by the demo seed, not a real resource.
    pub demo: bool,
    /// Row version.
    pub version: i64,
}

/// A resource as the API and the live feed show it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ResourceView {
    pub id: i64,
    /// Call sign, e.g. `CC-03-1`.
    pub call_sign: String,
    /// Kind code: patrol, fire_engine, rescue_team, ambulance, traffic_police, city_team.
    pub kind: String,
    pub kind_label: String,
    pub name: String,
    /// Owning commune/ward unit (patrols).
    pub unit_code: Option<String>,
    pub station: Option<String>,
    /// Status code: available, dispatched, en_route, on_scene, returning, off_duty.
    pub status: String,
    pub status_label: String,
    pub status_since: DateTime<Utc>,
    /// The incident it works on.
    pub incident_id: Option<i64>,
    pub home_lat: Option<f64>,
    pub home_lon: Option<f64>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub position_at: Option<DateTime<Utc>>,
    /// When the last position stops being live (five minutes without a report): after it,
    /// the position is shown as stale.
    pub position_stale_at: Option<DateTime<Utc>>,
    /// Demo placement from the seed, not an official resource.
    pub demo: bool,
    pub version: i64,
}

impl ResourceView {
    /// The view of a stored resource.
    pub fn of(r: &ResourceRecord) -> ResourceView {
        let x = &r.resource;
        ResourceView {
            id: x.id,
            call_sign: x.call_sign.clone(),
            kind: x.kind.code().to_owned(),
            kind_label: x.kind.label_vi().to_owned(),
            name: r.name.clone(),
            unit_code: r.owner_unit.clone(),
            station: r.station.clone(),
            status: x.status.code().to_owned(),
            status_label: x.status.label_vi().to_owned(),
            status_since: x.status_since,
            incident_id: x.incident_id.map(|i| i.0),
            home_lat: x.home.map(|p| p.lat),
            home_lon: x.home.map(|p| p.lon),
            lat: x.position.map(|p| p.lat),
            lon: x.position.map(|p| p.lon),
            position_at: x.position_at,
            position_stale_at: x.position_at.map(domain::avl::stale_at),
            demo: r.demo,
            version: r.version,
        }
    }
}

/// A new resource.
#[derive(Debug, Clone, PartialEq)]
pub struct NewResource {
    /// Unique call sign.
    pub call_sign: String,
    /// Kind.
    pub kind: ResourceKind,
    /// Display name.
    pub name: String,
    /// Owning commune/ward unit, for patrols.
    pub unit_code: Option<String>,
    /// Station or base.
    pub station: Option<String>,
    /// Home position (station, unit headquarters).
    pub home: Option<GeoPoint>,
    /// Start off duty instead of available.
    pub off_duty: bool,
}

/// Which resources to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResourceFilter {
    /// Only resources of this unit.
    pub unit: Option<String>,
    /// Only this kind.
    pub kind: Option<ResourceKind>,
    /// Only this status.
    pub status: Option<ResourceStatus>,
}

/// A status report or position update of a resource.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResourceUpdate {
    /// New status: en_route / on_scene while on an incident; available / returning to be
    /// released from it; off_duty / available between shifts. `dispatched` goes through
    /// [`Store::dispatch_resources`].
    pub status: Option<ResourceStatus>,
    /// Comment.
    pub reason: Option<String>,
    /// New position report.
    pub position: Option<GeoPoint>,
}

/// One row of a resource's status history.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ResourceHistoryEntry {
    pub at: DateTime<Utc>,
    pub from_status: Option<String>,
    pub to_status: String,
    pub incident_id: Option<i64>,
    pub actor_name: String,
    pub reason: Option<String>,
}

const RESOURCE_COLUMNS: &str = "id, call_sign, kind, name, unit_code, station, status, \
     status_since, incident_id, home_lat, home_lon, pos_lat, pos_lon, pos_at, demo, version";

fn record_from_row<R: Row>(row: &R) -> Result<ResourceRecord>
where
    for<'c> &'c str: sqlx::ColumnIndex<R>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<i64>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<f64>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let kind: String = row.try_get("kind")?;
    let status: String = row.try_get("status")?;
    let point = |lat: Option<f64>, lon: Option<f64>| match (lat, lon) {
        (Some(lat), Some(lon)) => Some(GeoPoint::new(lat, lon)),
        _ => None,
    };
    let owner_unit: Option<String> = row.try_get("unit_code")?;
    let station: Option<String> = row.try_get("station")?;
    let resource = Resource {
        id: row.try_get("id")?,
        call_sign: row.try_get("call_sign")?,
        kind: ResourceKind::from_code(&kind).map_err(|_| StoreError::Corrupt {
            what: "resources.kind",
            detail: kind.clone(),
        })?,
        unit_code: owner_unit.clone().or_else(|| station.clone()),
        status: status
            .parse::<ResourceStatus>()
            .map_err(|_| StoreError::Corrupt {
                what: "resources.status",
                detail: status.clone(),
            })?,
        status_since: from_millis(row.try_get("status_since")?),
        position: point(row.try_get("pos_lat")?, row.try_get("pos_lon")?),
        position_at: row.try_get::<Option<i64>, _>("pos_at")?.map(from_millis),
        home: point(row.try_get("home_lat")?, row.try_get("home_lon")?),
        incident_id: row
            .try_get::<Option<i64>, _>("incident_id")?
            .map(IncidentId),
    };
    Ok(ResourceRecord {
        resource,
        name: row.try_get("name")?,
        owner_unit,
        station,
        demo: row.try_get::<i64, _>("demo")? != 0,
        version: row.try_get("version")?,
    })
}

/// Reads one resource row inside `$tx`, locking it on PostgreSQL.
macro_rules! lock_resource {
    ($store:expr, $tx:expr, $id:expr) => {{
        let lock = if $store.backend() == Backend::Postgres {
            " FOR UPDATE"
        } else {
            ""
        };
        let sql = format!("SELECT {RESOURCE_COLUMNS} FROM resources WHERE id = $1{lock}");
        let row = sqlx::query(&sql)
            .bind($id)
            .fetch_optional(&mut *$tx)
            .await?;
        match row {
            Some(row) => Some(record_from_row(&row)?),
            None => None,
        }
    }};
}

/// Writes a resource's status, incident and position over version `$version`. Evaluates to the
/// new version.
macro_rules! write_resource {
    ($tx:expr, $rec:expr) => {{
        let rec: &ResourceRecord = $rec;
        let r = &rec.resource;
        let done = sqlx::query(
            "UPDATE resources SET status = $2, status_since = $3, incident_id = $4, \
             pos_lat = CASE WHEN pos_at IS NULL OR $7 >= pos_at THEN $5 ELSE pos_lat END, \
             pos_lon = CASE WHEN pos_at IS NULL OR $7 >= pos_at THEN $6 ELSE pos_lon END, \
             pos_at = CASE WHEN pos_at IS NULL OR $7 >= pos_at THEN $7 ELSE pos_at END, \
             version = version + 1 \
             WHERE id = $1 AND version = $8",
        )
        .bind(r.id)
        .bind(r.status.code())
        .bind(to_millis(r.status_since))
        .bind(r.incident_id.map(|i| i.0))
        .bind(r.position.map(|p| p.lat))
        .bind(r.position.map(|p| p.lon))
        .bind(r.position_at.map(to_millis))
        .bind(rec.version)
        .execute(&mut *$tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict(format!(
                "resource {} changed since version {}",
                r.id, rec.version
            )));
        }
        rec.version + 1
    }};
}

macro_rules! insert_resource_event {
    ($tx:expr, $ev:expr) => {{
        let ev: &ResourceEvent = $ev;
        sqlx::query(
            "INSERT INTO resource_events (resource_id, at, from_status, to_status, incident_id, \
             actor_name, reason) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(ev.resource_id)
        .bind(to_millis(ev.at))
        .bind(ev.from.code())
        .bind(ev.to.code())
        .bind(ev.incident_id.map(|i| i.0))
        .bind(ev.actor.display_name())
        .bind(&ev.reason)
        .execute(&mut *$tx)
        .await?;
    }};
}

macro_rules! resource_change {
    ($store:expr, $tx:expr, $rec:expr, $now:expr) => {{
        let rec: &ResourceRecord = $rec;
        insert_change!(
            $store,
            $tx,
            "resource.updated",
            rec.owner_unit.clone(),
            Vec::new(),
            serde_json::to_value(ResourceView::of(rec)).unwrap_or(serde_json::Value::Null),
            $now
        )
    }};
}

/// Inserts a resource row and its first history row inside `$tx`. Evaluates to the
/// [`ResourceRecord`].
macro_rules! insert_resource {
    ($tx:expr, $new:expr, $demo:expr, $actor:expr, $now:expr) => {{
        let new: &NewResource = $new;
        let demo: bool = $demo;
        let actor: &Actor = $actor;
        let now: DateTime<Utc> = $now;
        let status = if new.off_duty {
            ResourceStatus::OffDuty
        } else {
            ResourceStatus::Available
        };
        let row = sqlx::query(&format!(
            "INSERT INTO resources (call_sign, kind, name, unit_code, station, status, \
             status_since, home_lat, home_lon, demo, created_at, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $7, 1) RETURNING {RESOURCE_COLUMNS}"
        ))
        .bind(&new.call_sign)
        .bind(new.kind.code())
        .bind(&new.name)
        .bind(&new.unit_code)
        .bind(&new.station)
        .bind(status.code())
        .bind(to_millis(now))
        .bind(new.home.map(|p| p.lat))
        .bind(new.home.map(|p| p.lon))
        .bind(i64::from(demo))
        .fetch_one(&mut *$tx)
        .await?;
        let record = record_from_row(&row)?;
        sqlx::query(
            "INSERT INTO resource_events (resource_id, at, from_status, to_status, incident_id, \
             actor_name, reason) VALUES ($1, $2, NULL, $3, NULL, $4, $5)",
        )
        .bind(record.resource.id)
        .bind(to_millis(now))
        .bind(status.code())
        .bind(&actor.name)
        .bind(if demo { "demo seed" } else { "created" })
        .execute(&mut *$tx)
        .await?;
        record
    }};
}

fn resource_not_found(id: i64) -> StoreError {
    StoreError::NotFound {
        what: "resource",
        id: id.to_string(),
    }
}

impl Store {
    /// Creates a resource (available unless `off_duty`), with its first history row and audit.
    /// A call sign already in use is a [`StoreError::Conflict`].
    pub async fn create_resource(
        &self,
        new: &NewResource,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<ResourceRecord> {
        let (record, change) = on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            let record = insert_resource!(tx, new, false, actor, now);
            let entry = AuditEntry {
                action: "resource.create".into(),
                object_type: "resource".into(),
                object_id: record.resource.id.to_string(),
                unit_code: record.owner_unit.clone(),
                summary: serde_json::json!({"after": ResourceView::of(&record)}),
            };
            insert_audit!(tx, actor, &entry, now);
            let change = resource_change!(self, tx, &record, now);
            tx.commit().await?;
            (record, change)
        });
        self.publish(change);
        Ok(record)
    }

    /// One resource.
    pub async fn resource(&self, id: i64) -> Result<Option<ResourceRecord>> {
        on_read!(self, |pool| {
            let row = sqlx::query(&format!(
                "SELECT {RESOURCE_COLUMNS} FROM resources WHERE id = $1"
            ))
            .bind(id)
            .fetch_optional(pool)
            .await?;
            row.as_ref().map(record_from_row).transpose()
        })
    }

    /// Resources, by call sign.
    pub async fn list_resources(&self, filter: &ResourceFilter) -> Result<Vec<ResourceRecord>> {
        on_read!(self, |pool| {
            let rows = sqlx::query(&format!(
                "SELECT {RESOURCE_COLUMNS} FROM resources WHERE ($1 IS NULL OR unit_code = $1) \
                 AND ($2 IS NULL OR kind = $2) AND ($3 IS NULL OR status = $3) \
                 ORDER BY call_sign"
            ))
            .bind(&filter.unit)
            .bind(filter.kind.map(|k| k.code()))
            .bind(filter.status.map(|s| s.code()))
            .fetch_all(pool)
            .await?;
            rows.iter().map(record_from_row).collect()
        })
    }

    /// A resource's status history, newest first.
    pub async fn resource_history(&self, id: i64, limit: i64) -> Result<Vec<ResourceHistoryEntry>> {
        on_read!(self, |pool| {
            let rows = sqlx::query(
                "SELECT at, from_status, to_status, incident_id, actor_name, reason \
                 FROM resource_events WHERE resource_id = $1 ORDER BY id DESC LIMIT $2",
            )
            .bind(id)
            .bind(limit.clamp(1, 1000))
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(ResourceHistoryEntry {
                        at: from_millis(r.try_get("at")?),
                        from_status: r.try_get("from_status")?,
                        to_status: r.try_get("to_status")?,
                        incident_id: r.try_get("incident_id")?,
                        actor_name: r.try_get("actor_name")?,
                        reason: r.try_get("reason")?,
                    })
                })
                .collect()
        })
    }

    /// Sends resources to an incident, all or none, in one transaction: the domain's
    /// [`assign_resource`] checks each (the first moves a received or verified incident to
    /// dispatched), then each resource row is moved with a conditional update that only
    /// succeeds while it is still `available`, and the assignment row is inserted under the
    /// unique index of active assignments. A resource that another dispatcher took first is
    /// refused with `IncidentError::ResourceUnavailable` (HTTP 409). A unit officer's scope may
    /// only send its own unit's resources to its own (or a shared) incident.
    pub async fn dispatch_resources(
        &self,
        incident_id: IncidentId,
        resource_ids: &[i64],
        expected_version: Option<i64>,
        scope: &Scope,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<(StoredIncident, Vec<ResourceRecord>)> {
        let mut ids = resource_ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            return Err(IncidentError::Invalid {
                errors: vec![domain::incident::FieldError::new(
                    "resource_ids",
                    "required",
                    "Cần chọn ít nhất một lực lượng".into(),
                    "choose at least one resource".into(),
                )],
            }
            .into());
        }
        let (out, changes) = on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            let Some(StoredIncident {
                mut incident,
                version,
            }) = lock_incident!(self, tx, incident_id.0)
            else {
                return Err(not_found(incident_id));
            };
            check_scope(scope, &incident)?;
            if let Some(expected) = expected_version {
                if expected != version {
                    return Err(StoreError::Conflict(format!(
                        "incident {incident_id} is at version {version}, not {expected}"
                    )));
                }
            }
            let unit_before = incident.assignment.primary_unit.clone();
            let mut events: Vec<IncidentEvent> = Vec::new();
            let mut records = Vec::new();
            for id in &ids {
                let Some(mut rec) = lock_resource!(self, tx, *id) else {
                    return Err(resource_not_found(*id));
                };
                if !scope.allows(rec.owner_unit.as_deref(), &[]) {
                    return Err(resource_not_found(*id));
                }
                let outcome =
                    assign_resource(&mut incident, &mut rec.resource, domain_actor(actor), now)?;
                let r = &rec.resource;
                // The database decides: only a resource still available is taken.
                let moved = sqlx::query(
                    "UPDATE resources SET status = 'dispatched', status_since = $2, \
                     incident_id = $3, version = version + 1 \
                     WHERE id = $1 AND status = 'available'",
                )
                .bind(r.id)
                .bind(to_millis(r.status_since))
                .bind(incident.id.0)
                .execute(&mut *tx)
                .await?;
                if moved.rows_affected() != 1 {
                    return Err(IncidentError::ResourceUnavailable {
                        resource_id: r.id,
                        status: outcome.resource_event.from,
                    }
                    .into());
                }
                rec.version += 1;
                sqlx::query(
                    "INSERT INTO incident_resources (incident_id, resource_id, assigned_at) \
                     VALUES ($1, $2, $3)",
                )
                .bind(incident.id.0)
                .bind(r.id)
                .bind(to_millis(outcome.resource_event.at))
                .execute(&mut *tx)
                .await
                .map_err(|e| match StoreError::from(e) {
                    StoreError::Conflict(_) => {
                        StoreError::Incident(IncidentError::ResourceUnavailable {
                            resource_id: r.id,
                            status: ResourceStatus::Dispatched,
                        })
                    }
                    other => other,
                })?;
                insert_resource_event!(tx, &outcome.resource_event);
                events.extend(outcome.incident_events);
                records.push(rec);
            }
            let version = write_incident!(tx, &incident, version);
            insert_events!(tx, &events);
            let mut changes = record_update!(
                self,
                tx,
                actor,
                "incident.dispatch",
                &incident,
                version,
                &events,
                unit_before,
                now
            );
            for rec in &records {
                changes.push(resource_change!(self, tx, rec, now));
            }
            tx.commit().await?;
            ((StoredIncident { incident, version }, records), changes)
        });
        for change in changes {
            self.publish(change);
        }
        Ok(out)
    }

    /// Records a resource's status report and/or position: `en_route`/`on_scene` while on an
    /// incident (the incident follows: the first unit en route or on scene moves it),
    /// `available`/`returning` to be released from its incident, `off_duty`/`available`
    /// between shifts. Returns the resource and, when it changed, the incident.
    pub async fn update_resource(
        &self,
        id: i64,
        update: ResourceUpdate,
        scope: &Scope,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<(ResourceRecord, Option<StoredIncident>)> {
        let before = self
            .resource(id)
            .await?
            .ok_or_else(|| resource_not_found(id))?;
        // `dispatched` from the resource itself acknowledges the dispatch it received; only
        // the incident's dispatch sends a resource.
        if update.status == Some(ResourceStatus::Dispatched)
            && before.resource.status != ResourceStatus::Dispatched
        {
            return Err(IncidentError::Invalid {
                errors: vec![domain::incident::FieldError::new(
                    "status",
                    "use_dispatch",
                    "Điều động lực lượng qua chức năng điều động của vụ việc".into(),
                    "send resources with POST /api/incidents/{id}/dispatch".into(),
                )],
            }
            .into());
        }
        if !scope.allows(before.owner_unit.as_deref(), &[]) {
            return Err(resource_not_found(id));
        }
        let hinted = before.resource.incident_id;
        let (out, changes) = on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            // Incident first, then resource: the same order as dispatch.
            let mut stored = match hinted {
                Some(iid) => lock_incident!(self, tx, iid.0),
                None => None,
            };
            let Some(mut rec) = lock_resource!(self, tx, id) else {
                return Err(resource_not_found(id));
            };
            if rec.resource.incident_id != hinted {
                return Err(StoreError::Conflict(format!(
                    "resource {id} changed while its status was being reported"
                )));
            }
            if let Some(p) = update.position {
                rec.resource.update_position(p, now);
                // A status report's position joins the trail like any other report.
                sqlx::query(
                    "INSERT INTO resource_positions (resource_id, at, lat, lon, source, \
                     received_at) VALUES ($1, $2, $3, $4, $5, $2)",
                )
                .bind(id)
                .bind(to_millis(now))
                .bind(p.lat)
                .bind(p.lon)
                .bind(domain::avl::Source::Api.code())
                .execute(&mut *tx)
                .await?;
            }
            let mut resource_event = None;
            let mut incident_events: Vec<IncidentEvent> = Vec::new();
            let mut released = None;
            if let Some(to) = update.status {
                let on_incident = stored.as_ref().filter(|s| {
                    s.incident
                        .active_resources()
                        .any(|a| a.resource_id == rec.resource.id)
                });
                match (to, on_incident.is_some()) {
                    (ResourceStatus::Dispatched, true)
                        if rec.resource.status == ResourceStatus::Dispatched =>
                    {
                        // Acknowledged: the history says when, the status stays.
                        resource_event = Some(ResourceEvent {
                            resource_id: rec.resource.id,
                            at: now.max(rec.resource.status_since),
                            clamped_from: (now < rec.resource.status_since).then_some(now),
                            actor: domain_actor(actor),
                            from: ResourceStatus::Dispatched,
                            to: ResourceStatus::Dispatched,
                            incident_id: rec.resource.incident_id,
                            reason: Some(
                                update
                                    .reason
                                    .clone()
                                    .map(|r| r.trim().to_owned())
                                    .filter(|r| !r.is_empty())
                                    .unwrap_or_else(|| "Đã nhận lệnh".to_owned()),
                            ),
                        });
                    }
                    (ResourceStatus::EnRoute | ResourceStatus::OnScene, true) => {
                        let s = stored.as_mut().ok_or_else(|| not_found(IncidentId(0)))?;
                        let (ev, evs) = report_resource_status(
                            &mut s.incident,
                            &mut rec.resource,
                            to,
                            domain_actor(actor),
                            now,
                        )?;
                        resource_event = Some(ev);
                        incident_events = evs;
                    }
                    (ResourceStatus::Available | ResourceStatus::Returning, true) => {
                        let s = stored.as_mut().ok_or_else(|| not_found(IncidentId(0)))?;
                        let (ev, iev) = release_resource(
                            &mut s.incident,
                            &mut rec.resource,
                            to,
                            update.reason.clone(),
                            domain_actor(actor),
                            now,
                        )?;
                        released = Some((s.incident.id, ev.at));
                        resource_event = Some(ev);
                        incident_events = vec![iev];
                    }
                    _ => {
                        let ev = rec.resource.transition(
                            to,
                            None,
                            update.reason.clone(),
                            domain_actor(actor),
                            now,
                        )?;
                        resource_event = Some(ev);
                    }
                }
            }
            rec.version = write_resource!(tx, &rec);
            if let Some(ev) = &resource_event {
                insert_resource_event!(tx, ev);
            }
            if let Some((iid, at)) = released {
                sqlx::query(
                    "UPDATE incident_resources SET released_at = $3 \
                     WHERE incident_id = $1 AND resource_id = $2 AND released_at IS NULL",
                )
                .bind(iid.0)
                .bind(id)
                .bind(to_millis(at))
                .execute(&mut *tx)
                .await?;
            }
            let mut changes = Vec::new();
            let mut incident_out = None;
            if !incident_events.is_empty() {
                if let Some(mut s) = stored.take() {
                    s.version = write_incident!(tx, &s.incident, s.version);
                    insert_events!(tx, &incident_events);
                    changes.extend(record_update!(
                        self,
                        tx,
                        actor,
                        "incident.resource_status",
                        &s.incident,
                        s.version,
                        &incident_events,
                        None,
                        now
                    ));
                    incident_out = Some(s);
                }
            }
            let entry = AuditEntry {
                action: "resource.status".into(),
                object_type: "resource".into(),
                object_id: id.to_string(),
                unit_code: rec.owner_unit.clone(),
                summary: serde_json::json!({
                    "from": before.resource.status, "to": rec.resource.status,
                    "incident_id": hinted, "position": update.position.is_some(),
                }),
            };
            insert_audit!(tx, actor, &entry, now);
            changes.push(resource_change!(self, tx, &rec, now));
            tx.commit().await?;
            ((rec, incident_out), changes)
        });
        for change in changes {
            self.publish(change);
        }
        Ok(out)
    }

    /// Resources that have worked on an incident (active and released), for exports.
    pub async fn incident_resources(&self, incident_id: IncidentId) -> Result<Vec<ResourceRecord>> {
        on_read!(self, |pool| {
            let rows = sqlx::query(&format!(
                "SELECT {RESOURCE_COLUMNS} FROM resources WHERE id IN \
                 (SELECT resource_id FROM incident_resources WHERE incident_id = $1) \
                 ORDER BY call_sign"
            ))
            .bind(incident_id.0)
            .fetch_all(pool)
            .await?;
            rows.iter().map(record_from_row).collect()
        })
    }

    /// Seeds the demo fleet (see [`demo_fleet`]) once: nothing happens when demo resources
    /// exist already. Returns how many resources were created.
    pub async fn seed_demo_resources(
        &self,
        units: &UnitDirectory,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<usize> {
        let fleet = demo_fleet(units);
        let n = on_write!(self, |pool| {
            let mut tx = pool.begin().await?;
            let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM resources WHERE demo = 1")
                .fetch_one(&mut *tx)
                .await?;
            if existing > 0 {
                return Ok(0);
            }
            for new in &fleet {
                insert_resource!(tx, new, true, actor, now);
            }
            let entry = AuditEntry {
                action: "resource.seed_demo".into(),
                object_type: "resource".into(),
                object_id: "demo".into(),
                unit_code: None,
                summary: serde_json::json!({"created": fleet.len()}),
            };
            insert_audit!(tx, actor, &entry, now);
            tx.commit().await?;
            fleet.len()
        });
        Ok(n)
    }
}

/// A fire-and-rescue station of the demo fleet. **Demo placements at plausible places in Hà
/// Nội, not the official list or locations of stations.**
struct DemoStation {
    code: &'static str,
    name: &'static str,
    lat: f64,
    lon: f64,
    engines: u8,
    rescue: bool,
    ambulances: u8,
    /// An aerial ladder (the stations of the dense high-rise districts).
    ladder: bool,
    /// A water tanker (stations far from hydrants or with large industrial areas).
    tanker: bool,
    /// A hazardous-materials team.
    hazmat: bool,
}

const DEMO_STATIONS: &[DemoStation] = &[
    DemoStation {
        code: "01",
        name: "Ba Đình",
        lat: 21.0352,
        lon: 105.8262,
        engines: 2,
        rescue: true,
        ambulances: 1,
        ladder: true,
        tanker: false,
        hazmat: false,
    },
    DemoStation {
        code: "02",
        name: "Hoàn Kiếm",
        lat: 21.0251,
        lon: 105.8563,
        engines: 2,
        rescue: true,
        ambulances: 1,
        ladder: true,
        tanker: false,
        hazmat: true,
    },
    DemoStation {
        code: "03",
        name: "Đống Đa",
        lat: 21.0128,
        lon: 105.8236,
        engines: 2,
        rescue: false,
        ambulances: 1,
        ladder: false,
        tanker: true,
        hazmat: false,
    },
    DemoStation {
        code: "04",
        name: "Cầu Giấy",
        lat: 21.0331,
        lon: 105.7935,
        engines: 2,
        rescue: true,
        ambulances: 0,
        ladder: true,
        tanker: false,
        hazmat: false,
    },
    DemoStation {
        code: "05",
        name: "Thanh Xuân",
        lat: 20.9948,
        lon: 105.8087,
        engines: 2,
        rescue: false,
        ambulances: 1,
        ladder: false,
        tanker: true,
        hazmat: false,
    },
    DemoStation {
        code: "06",
        name: "Hoàng Mai",
        lat: 20.9752,
        lon: 105.8511,
        engines: 2,
        rescue: true,
        ambulances: 1,
        ladder: true,
        tanker: false,
        hazmat: false,
    },
    DemoStation {
        code: "07",
        name: "Long Biên",
        lat: 21.0468,
        lon: 105.8874,
        engines: 2,
        rescue: true,
        ambulances: 0,
        ladder: false,
        tanker: false,
        hazmat: false,
    },
    DemoStation {
        code: "08",
        name: "Hà Đông",
        lat: 20.9713,
        lon: 105.7787,
        engines: 2,
        rescue: true,
        ambulances: 1,
        ladder: true,
        tanker: false,
        hazmat: true,
    },
    DemoStation {
        code: "09",
        name: "Tây Hồ",
        lat: 21.0702,
        lon: 105.8196,
        engines: 1,
        rescue: false,
        ambulances: 0,
        ladder: false,
        tanker: false,
        hazmat: false,
    },
    DemoStation {
        code: "10",
        name: "Bắc Từ Liêm",
        lat: 21.0712,
        lon: 105.7702,
        engines: 2,
        rescue: false,
        ambulances: 0,
        ladder: false,
        tanker: true,
        hazmat: false,
    },
    DemoStation {
        code: "11",
        name: "Sóc Sơn",
        lat: 21.2566,
        lon: 105.8482,
        engines: 1,
        rescue: true,
        ambulances: 0,
        ladder: false,
        tanker: true,
        hazmat: false,
    },
    DemoStation {
        code: "12",
        name: "Sơn Tây",
        lat: 21.1391,
        lon: 105.5043,
        engines: 1,
        rescue: true,
        ambulances: 0,
        ladder: false,
        tanker: true,
        hazmat: false,
    },
];

/// The demo fleet: two patrols per commune/ward unit at the unit's label point, engines,
/// rescue teams, five aerial ladders, five water tankers and two hazmat teams of twelve fire
/// stations, ambulances, and three city teams and traffic-police
/// teams in the centre. Every placement is for demonstrations and tests, not official data.
pub fn demo_fleet(units: &UnitDirectory) -> Vec<NewResource> {
    let mut fleet = Vec::new();
    for unit in units.units() {
        for n in 1..=2 {
            fleet.push(NewResource {
                call_sign: format!("TT-{}-{n}", unit.code),
                kind: ResourceKind::Patrol,
                name: format!("Tổ tuần tra {n} - Công an {}", lower_first(&unit.full_name)),
                unit_code: Some(unit.code.clone()),
                station: None,
                home: Some(GeoPoint::new(unit.label.lat, unit.label.lon)),
                off_duty: false,
            });
        }
    }
    for s in DEMO_STATIONS {
        let station = format!("Đội CC&CNCH khu vực {} (trạm minh họa)", s.name);
        let home = Some(GeoPoint::new(s.lat, s.lon));
        for n in 1..=s.engines {
            fleet.push(NewResource {
                call_sign: format!("CC-{}-{n}", s.code),
                kind: ResourceKind::FireEngine,
                name: format!("Xe chữa cháy {n} - {}", s.name),
                unit_code: None,
                station: Some(station.clone()),
                home,
                off_duty: false,
            });
        }
        let specials = [
            (
                s.ladder,
                "THANG",
                ResourceKind::AerialLadder,
                "Xe thang chữa cháy",
            ),
            (s.tanker, "NUOC", ResourceKind::WaterTanker, "Xe chở nước"),
            (s.hazmat, "HC", ResourceKind::Hazmat, "Tổ xử lý hóa chất"),
        ];
        for (has, prefix, kind, label) in specials {
            if has {
                fleet.push(NewResource {
                    call_sign: format!("{prefix}-{}", s.code),
                    kind,
                    name: format!("{label} - {}", s.name),
                    unit_code: None,
                    station: Some(station.clone()),
                    home,
                    off_duty: false,
                });
            }
        }
        if s.rescue {
            fleet.push(NewResource {
                call_sign: format!("CNCH-{}", s.code),
                kind: ResourceKind::RescueTeam,
                name: format!("Tổ cứu nạn cứu hộ - {}", s.name),
                unit_code: None,
                station: Some(station.clone()),
                home,
                off_duty: false,
            });
        }
        for n in 1..=s.ambulances {
            fleet.push(NewResource {
                call_sign: format!("CT-{}-{n}", s.code),
                kind: ResourceKind::Ambulance,
                name: format!("Xe cứu thương {n} - trạm {}", s.name),
                unit_code: None,
                station: Some(format!("Trạm cấp cứu 115 {} (minh họa)", s.name)),
                home,
                off_duty: false,
            });
        }
    }
    let centre = [
        (21.0278, 105.8342),
        (21.0090, 105.8470),
        (21.0440, 105.8480),
    ];
    for (n, (lat, lon)) in centre.iter().enumerate() {
        let n = n + 1;
        fleet.push(NewResource {
            call_sign: format!("141-{n}"),
            kind: ResourceKind::CityTeam,
            name: format!("Tổ công tác 141 số {n}"),
            unit_code: None,
            station: Some("Công an thành phố (minh họa)".into()),
            home: Some(GeoPoint::new(*lat, *lon)),
            off_duty: false,
        });
        fleet.push(NewResource {
            call_sign: format!("CSGT-{n}"),
            kind: ResourceKind::TrafficPolice,
            name: format!("Tổ cảnh sát giao thông số {n}"),
            unit_code: None,
            station: Some("Phòng Cảnh sát giao thông (minh họa)".into()),
            home: Some(GeoPoint::new(*lat + 0.004, *lon - 0.004)),
            off_duty: false,
        });
    }
    fleet
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}
