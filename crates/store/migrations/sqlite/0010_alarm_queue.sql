-- The alarm queue: one entry per alarm the command center must acknowledge (a fire or other
-- device alarm, tied to its incident), per device trouble and per device gone offline, with
-- who acknowledged and handled it and when, and when it was escalated for want of an
-- acknowledgement. Times are unix milliseconds (UTC).
--
-- `source_key` names what raised the entry (`incident:ID`, `trouble:ID`): while an entry is
-- not handled, a repeated signal from the same source counts on it instead of adding another.

CREATE TABLE alarm_queue (
    id                 INTEGER PRIMARY KEY,
    source_key         TEXT    NOT NULL,
    class              TEXT    NOT NULL,
    class_rank         INTEGER NOT NULL,
    state              TEXT    NOT NULL,
    unit_code          TEXT    NOT NULL,
    facility_id        INTEGER,
    facility_name      TEXT,
    address            TEXT,
    device_id          INTEGER,
    device_account     TEXT,
    incident_id        INTEGER,
    trouble_id         INTEGER,
    title              TEXT    NOT NULL,
    detail             TEXT    NOT NULL,
    raised_at          INTEGER NOT NULL,
    last_signal_at     INTEGER NOT NULL,
    last_signal_id     INTEGER,
    signal_count       INTEGER NOT NULL DEFAULT 1,
    acknowledged_by_id INTEGER,
    acknowledged_by    TEXT,
    acknowledged_at    INTEGER,
    handled_by_id      INTEGER,
    handled_by         TEXT,
    handled_at         INTEGER,
    note               TEXT,
    escalated_at       INTEGER,
    version            INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX alarm_queue_active ON alarm_queue(source_key) WHERE handled_at IS NULL;
CREATE INDEX alarm_queue_order ON alarm_queue(state, class_rank, raised_at);
CREATE INDEX alarm_queue_unit ON alarm_queue(unit_code, state, class_rank);
CREATE INDEX alarm_queue_incident ON alarm_queue(incident_id) WHERE incident_id IS NOT NULL;
-- The escalation task looks for ringing entries nobody acknowledged, oldest first.
CREATE INDEX alarm_queue_due ON alarm_queue(raised_at) WHERE state = 'new' AND escalated_at IS NULL;
