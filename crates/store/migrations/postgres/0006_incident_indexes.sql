-- Indexes for a long history: the probable-duplicate probe reads only open incidents of the
-- same device, or received within its time window; the statistics read every column they need
-- from one covering index over the reception time instead of visiting every row.
CREATE INDEX incidents_open_device ON incidents(device_id) WHERE is_open = 1;
CREATE INDEX incidents_open_received ON incidents(received_at) WHERE is_open = 1;
DROP INDEX incidents_received;
CREATE INDEX incidents_received_stats ON incidents(received_at, unit_code, kind, crime_subtype,
    status, priority, dispatched_at, on_scene_at, resolved_at);

-- The unit of a statistics row is an expression, so that grouping by unit reads the covering
-- index over the period instead of walking the whole per-unit index in order. An incident not
-- yet given to a unit has the empty code.
DROP VIEW incident_stats;
CREATE VIEW incident_stats AS
SELECT id,
       COALESCE(unit_code, '') AS unit,
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
