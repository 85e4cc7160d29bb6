-- Incidents and dispatch (CAD): incidents with their readable numbers, the append-only timeline,
-- shares with neighbouring units, resources with their status history and assignments, and the
-- once-per-stage overdue flags. Times are unix milliseconds (UTC).

-- One counter per (prefix, year): `HN-2026-000123` takes seq 123 of ('HN', 2026). The counter is
-- bumped with INSERT … ON CONFLICT DO UPDATE … RETURNING in the transaction that inserts the
-- incident, so a number is never given twice and a rolled-back insert gives its number back.
CREATE TABLE incident_sequences (
    prefix   TEXT    NOT NULL,
    year     INTEGER NOT NULL,
    last_seq INTEGER NOT NULL,
    PRIMARY KEY (prefix, year)
);

-- Deployment settings of the incident area (the number prefix), shared by every node.
CREATE TABLE cad_settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT INTO cad_settings (key, value) VALUES ('incident_prefix', 'HN');

-- The incident: searchable columns beside the full document (`doc`, the domain model as JSON,
-- its timeline kept in incident_events). The *_at columns are the first time each lifecycle step
-- was reached, for statistics.
CREATE TABLE incidents (
    id             INTEGER PRIMARY KEY,
    number         TEXT    NOT NULL UNIQUE,
    kind           TEXT    NOT NULL,
    crime_subtype  TEXT,
    priority       INTEGER NOT NULL,
    channel        TEXT    NOT NULL,
    status         TEXT    NOT NULL,
    is_open        INTEGER NOT NULL,
    disposition    TEXT,
    unit_code      TEXT,
    escalated      INTEGER NOT NULL DEFAULT 0,
    near_boundary  INTEGER NOT NULL DEFAULT 0,
    caller_phone   TEXT,
    facility_id    INTEGER,
    device_id      TEXT,
    lat            REAL,
    lon            REAL,
    address        TEXT,
    merged_into    INTEGER,
    created_at     INTEGER NOT NULL,
    received_at    INTEGER NOT NULL,
    verified_at    INTEGER,
    false_alarm_at INTEGER,
    dispatched_at  INTEGER,
    en_route_at    INTEGER,
    on_scene_at    INTEGER,
    resolved_at    INTEGER,
    closed_at      INTEGER,
    cancelled_at   INTEGER,
    merged_at      INTEGER,
    updated_at     INTEGER NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1,
    doc            TEXT    NOT NULL
);
-- The board: open incidents, all or of one unit, newest first.
CREATE INDEX incidents_open ON incidents(id) WHERE is_open = 1;
CREATE INDEX incidents_open_unit ON incidents(unit_code, id) WHERE is_open = 1;
-- History by unit and status, search by caller phone.
CREATE INDEX incidents_unit ON incidents(unit_code, id);
CREATE INDEX incidents_status ON incidents(status, id);
CREATE INDEX incidents_phone ON incidents(caller_phone, id);
CREATE INDEX incidents_received ON incidents(received_at);
-- Open incidents of a facility absorb its alarms; at most one open alarm incident per facility
-- and type, so two signals arriving together cannot open two incidents.
CREATE INDEX incidents_open_facility ON incidents(facility_id, kind) WHERE is_open = 1;
CREATE UNIQUE INDEX incidents_one_open_alarm ON incidents(facility_id, kind)
    WHERE is_open = 1 AND channel = 'alarm_device' AND facility_id IS NOT NULL;

-- The timeline: one row per domain event, never changed.
CREATE TABLE incident_events (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    seq         INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    kind        TEXT    NOT NULL,
    actor_name  TEXT    NOT NULL,
    event       TEXT    NOT NULL,
    UNIQUE (incident_id, seq)
);
CREATE TRIGGER incident_events_no_update BEFORE UPDATE ON incident_events
BEGIN SELECT RAISE(ABORT, 'incident events are append-only'); END;
CREATE TRIGGER incident_events_no_delete BEFORE DELETE ON incident_events
BEGIN SELECT RAISE(ABORT, 'incident events are append-only'); END;

-- Probable duplicates found when an incident was opened (shown on the incident; merging stays
-- the operator's decision).
CREATE TABLE incident_duplicates (
    incident_id  INTEGER NOT NULL REFERENCES incidents(id),
    duplicate_of INTEGER NOT NULL REFERENCES incidents(id),
    hint         TEXT    NOT NULL,
    at           INTEGER NOT NULL,
    PRIMARY KEY (incident_id, duplicate_of)
);

-- Units other than the owner that see an incident (shared with a neighbour).
CREATE TABLE incident_shares (
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    unit_code   TEXT    NOT NULL,
    at          INTEGER NOT NULL,
    PRIMARY KEY (incident_id, unit_code)
);
CREATE INDEX incident_shares_unit ON incident_shares(unit_code, incident_id);

-- Dispatchable resources: patrols of the commune units (unit_code set), fire engines and rescue
-- teams of the fire stations, ambulances and city teams (station set, unit_code empty).
CREATE TABLE resources (
    id           INTEGER PRIMARY KEY,
    call_sign    TEXT    NOT NULL UNIQUE,
    kind         TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    unit_code    TEXT,
    station      TEXT,
    status       TEXT    NOT NULL,
    status_since INTEGER NOT NULL,
    incident_id  INTEGER REFERENCES incidents(id),
    home_lat     REAL,
    home_lon     REAL,
    pos_lat      REAL,
    pos_lon      REAL,
    pos_at       INTEGER,
    demo         INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    version      INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX resources_unit ON resources(unit_code);
CREATE INDEX resources_kind_status ON resources(kind, status);

CREATE TABLE resource_events (
    id          INTEGER PRIMARY KEY,
    resource_id INTEGER NOT NULL REFERENCES resources(id),
    at          INTEGER NOT NULL,
    from_status TEXT,
    to_status   TEXT    NOT NULL,
    incident_id INTEGER,
    actor_name  TEXT    NOT NULL,
    reason      TEXT
);
CREATE INDEX resource_events_resource ON resource_events(resource_id, id);
CREATE TRIGGER resource_events_no_update BEFORE UPDATE ON resource_events
BEGIN SELECT RAISE(ABORT, 'resource events are append-only'); END;
CREATE TRIGGER resource_events_no_delete BEFORE DELETE ON resource_events
BEGIN SELECT RAISE(ABORT, 'resource events are append-only'); END;

-- Which resource worked on which incident. A resource has at most one active assignment: the
-- database refuses a second one even if two dispatchers race.
CREATE TABLE incident_resources (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    resource_id INTEGER NOT NULL REFERENCES resources(id),
    assigned_at INTEGER NOT NULL,
    released_at INTEGER
);
CREATE UNIQUE INDEX incident_resources_active ON incident_resources(resource_id)
    WHERE released_at IS NULL;
CREATE INDEX incident_resources_incident ON incident_resources(incident_id);

-- Overdue stages already announced: `incident.overdue` goes out once per incident and stage,
-- whichever node sees it first.
CREATE TABLE incident_overdue (
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    stage       TEXT    NOT NULL,
    at          INTEGER NOT NULL,
    PRIMARY KEY (incident_id, stage)
);

-- Rows in the shape of domain::stats::IncidentRow (see docs/statistics.md). Merged incidents
-- are duplicates, not incidents. control_secs is on scene → resolved; casualties and damage are
-- not recorded by the incident workflow yet (0 and NULL).
CREATE VIEW incident_stats AS
SELECT id,
       unit_code AS unit,
       COALESCE(crime_subtype, kind) AS category,
       kind,
       priority,
       channel,
       status,
       disposition,
       received_at AS created_at,
       COALESCE(closed_at, cancelled_at) AS closed_at,
       verified_at, dispatched_at, en_route_at, on_scene_at, resolved_at,
       (verified_at - received_at) / 1000 AS verify_secs,
       (dispatched_at - received_at) / 1000 AS dispatch_secs,
       (on_scene_at - dispatched_at) / 1000 AS travel_secs,
       (resolved_at - on_scene_at) / 1000 AS control_secs,
       CAST(0 AS BIGINT) AS deaths,
       CAST(0 AS BIGINT) AS injured,
       CAST(0 AS BIGINT) AS rescued,
       CAST(NULL AS BIGINT) AS damage_vnd
FROM incidents
WHERE status <> 'merged';
