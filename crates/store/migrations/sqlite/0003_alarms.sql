-- Alarm receiver: facilities (premises with a transmitter), their DC-09 devices, every raw
-- frame received (for forensics and deduplication), decoded alarm signals, and facility
-- troubles (device offline, fire trouble, power, battery, communication).
-- Times are unix milliseconds (UTC); booleans are 0/1; JSON documents are TEXT.

CREATE TABLE facilities (
    id                   INTEGER PRIMARY KEY,
    name                 TEXT    NOT NULL,
    address              TEXT    NOT NULL,
    lat                  REAL,
    lon                  REAL,
    unit_code            TEXT    NOT NULL,
    unit_override_reason TEXT,
    kind                 TEXT    NOT NULL,
    floors               INTEGER,
    contacts             TEXT    NOT NULL DEFAULT '[]',
    hazards              TEXT,
    water_sources        TEXT,
    access_notes         TEXT,
    version              INTEGER NOT NULL DEFAULT 1,
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL
);
CREATE INDEX facilities_unit ON facilities(unit_code, name);

CREATE TABLE devices (
    id               INTEGER PRIMARY KEY,
    account          TEXT    NOT NULL UNIQUE,
    receiver         TEXT,
    line             TEXT,
    facility_id      INTEGER NOT NULL REFERENCES facilities(id),
    key_sealed       TEXT,
    key_format       TEXT,
    key_fingerprint  TEXT,
    allow_plain      INTEGER NOT NULL DEFAULT 0,
    supervision_secs INTEGER NOT NULL,
    status           TEXT    NOT NULL DEFAULT 'new',
    enabled          INTEGER NOT NULL DEFAULT 1,
    last_seen_at     INTEGER,
    version          INTEGER NOT NULL DEFAULT 1,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
CREATE INDEX devices_facility ON devices(facility_id);
CREATE INDEX devices_status ON devices(status);

CREATE TABLE raw_frames (
    id          INTEGER PRIMARY KEY,
    received_at INTEGER NOT NULL,
    transport   TEXT    NOT NULL,
    peer        TEXT    NOT NULL,
    account     TEXT,
    device_id   INTEGER,
    result      TEXT    NOT NULL,
    reason      TEXT    NOT NULL,
    frame       TEXT    NOT NULL,
    dedup_key   TEXT
);
CREATE UNIQUE INDEX raw_frames_dedup ON raw_frames(dedup_key);
CREATE INDEX raw_frames_received ON raw_frames(received_at);

CREATE TABLE alarm_signals (
    id           INTEGER PRIMARY KEY,
    raw_frame_id INTEGER NOT NULL,
    device_id    INTEGER NOT NULL,
    facility_id  INTEGER NOT NULL,
    unit_code    TEXT    NOT NULL,
    received_at  INTEGER NOT NULL,
    code         TEXT    NOT NULL,
    category     TEXT    NOT NULL,
    family       TEXT    NOT NULL,
    restore      INTEGER NOT NULL,
    zone         TEXT,
    partition_no INTEGER,
    text         TEXT,
    meaning_vi   TEXT    NOT NULL,
    raw_event    TEXT    NOT NULL,
    state        TEXT    NOT NULL,
    incident_id  INTEGER,
    processed_at INTEGER
);
CREATE INDEX alarm_signals_facility ON alarm_signals(facility_id, received_at);
CREATE INDEX alarm_signals_pending ON alarm_signals(state) WHERE state = 'pending';

CREATE TABLE facility_troubles (
    id          INTEGER PRIMARY KEY,
    facility_id INTEGER NOT NULL,
    device_id   INTEGER NOT NULL,
    unit_code   TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    zone        TEXT    NOT NULL DEFAULT '',
    code        TEXT,
    detail      TEXT    NOT NULL,
    signal_id   INTEGER,
    opened_at   INTEGER NOT NULL,
    cleared_at  INTEGER
);
CREATE UNIQUE INDEX facility_troubles_open ON facility_troubles(device_id, kind, zone)
    WHERE cleared_at IS NULL;
CREATE INDEX facility_troubles_facility ON facility_troubles(facility_id, opened_at);

-- Supervision looks for enabled devices whose last report (or creation) plus their interval is
-- past; the expression is written the same way in the query.
CREATE INDEX devices_due ON devices((COALESCE(last_seen_at, created_at) + supervision_secs * 1000));
