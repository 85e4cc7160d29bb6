-- What the field app and vehicle trackers need: the history of every resource's position,
-- trackers mapped to resources with their own token, answers kept for idempotency keys (an
-- action queued offline and replayed is applied once), and photos taken at an incident.
-- Times are unix milliseconds (UTC).

-- Every position report kept for the configured period (pruned by time). `resources.pos_*`
-- holds the newest one.
CREATE TABLE resource_positions (
    id          INTEGER PRIMARY KEY,
    resource_id INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    lat         REAL    NOT NULL,
    lon         REAL    NOT NULL,
    accuracy_m  REAL,
    speed_kmh   REAL,
    heading     REAL,
    source      TEXT    NOT NULL,
    received_at INTEGER NOT NULL
);
CREATE INDEX resource_positions_trail ON resource_positions(resource_id, at);
CREATE INDEX resource_positions_age ON resource_positions(received_at);

-- A vehicle tracker or GPS app, known by the id it sends, proving itself with a token of its
-- own (only the token's SHA-256 is kept).
CREATE TABLE avl_trackers (
    device_id    TEXT    PRIMARY KEY,
    resource_id  INTEGER NOT NULL UNIQUE REFERENCES resources(id),
    token_sha256 TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    created_by   TEXT    NOT NULL
);

-- The answer given to a request with an `Idempotency-Key`, per user: a replay gets it again.
-- `status` is NULL while the first request is still being answered.
CREATE TABLE idempotency_keys (
    user_id      INTEGER NOT NULL,
    key          TEXT    NOT NULL,
    method       TEXT    NOT NULL,
    path         TEXT    NOT NULL,
    status       INTEGER,
    content_type TEXT,
    body         BLOB,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_age ON idempotency_keys(created_at);

-- Photos from the scene, stripped of their location metadata unless the officer kept it (then
-- the location is kept here, as a point).
CREATE TABLE incident_photos (
    id           INTEGER PRIMARY KEY,
    incident_id  INTEGER NOT NULL REFERENCES incidents(id),
    at           INTEGER NOT NULL,
    by_user      TEXT    NOT NULL,
    content_type TEXT    NOT NULL,
    size         INTEGER NOT NULL,
    lat          REAL,
    lon          REAL,
    bytes        BLOB    NOT NULL
);
CREATE INDEX incident_photos_incident ON incident_photos(incident_id, id);
