-- Telling a facility's own people that its alarm opened an incident. One plan per incident
-- (written once, by whichever node sees the alarm first: it says why nobody was told, too),
-- then one notice per person and channel in the order of the facility's contact list, and
-- every attempt with its result. Times are unix milliseconds (UTC).
--
-- A notice is claimed for sending by setting `claimed_until`; another node takes it only
-- once that lease has run out (a node that died mid-send). When every e-mail and SMS to a
-- person has failed, a call by the operator is added for that person (`contact_phone`).
CREATE TABLE notification_plans (
    incident_id  INTEGER PRIMARY KEY,
    alarm_id     INTEGER NOT NULL,
    facility_id  INTEGER NOT NULL,
    outcome      TEXT    NOT NULL,
    created_at   INTEGER NOT NULL
);

CREATE TABLE notifications (
    id              INTEGER PRIMARY KEY,
    incident_id     INTEGER NOT NULL,
    unit_code       TEXT    NOT NULL,
    seq             INTEGER NOT NULL,
    channel         TEXT    NOT NULL,
    contact_name    TEXT    NOT NULL,
    contact_role    TEXT,
    contact_phone   TEXT    NOT NULL,
    recipient       TEXT    NOT NULL,
    subject         TEXT    NOT NULL,
    body            TEXT    NOT NULL,
    state           TEXT    NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    claimed_until   INTEGER,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    done_at         INTEGER,
    version         INTEGER NOT NULL DEFAULT 1,
    UNIQUE (incident_id, seq, channel)
);
-- The sender looks for pending e-mail and SMS notices that are due.
CREATE INDEX notifications_due ON notifications(next_attempt_at) WHERE state = 'pending' AND channel <> 'console';

CREATE TABLE notification_attempts (
    id              INTEGER PRIMARY KEY,
    notification_id INTEGER NOT NULL REFERENCES notifications(id),
    attempt         INTEGER NOT NULL,
    at              INTEGER NOT NULL,
    ok              INTEGER NOT NULL,
    detail          TEXT    NOT NULL,
    by_user         TEXT
);
CREATE INDEX notification_attempts_notice ON notification_attempts(notification_id, attempt);

-- The planner reads the alarms raised lately.
CREATE INDEX alarm_queue_raised ON alarm_queue(raised_at);

-- A device on test (maintenance, a drill) until this time: its alarms still open incidents,
-- but the facility's people are not told.
ALTER TABLE devices ADD COLUMN test_until INTEGER;
