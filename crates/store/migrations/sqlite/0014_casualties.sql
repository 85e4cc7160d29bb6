-- Casualty figures of an incident (people dead, injured, trapped, rescued) and its fire
-- report's damage and verdict, kept as columns beside the document so that the statistics read
-- real figures instead of zeros; and whether the incident was confirmed, so that false alarms
-- and unverified reports are not fires.
ALTER TABLE incidents ADD COLUMN dead INTEGER NOT NULL DEFAULT 0;
ALTER TABLE incidents ADD COLUMN injured INTEGER NOT NULL DEFAULT 0;
ALTER TABLE incidents ADD COLUMN trapped INTEGER NOT NULL DEFAULT 0;
ALTER TABLE incidents ADD COLUMN rescued INTEGER NOT NULL DEFAULT 0;
-- From the fire report: the damage estimate (VND), and whether it was a real fire (1), a false
-- alarm (0), or not reported (NULL).
ALTER TABLE incidents ADD COLUMN damage_vnd INTEGER;
ALTER TABLE incidents ADD COLUMN real_fire INTEGER;

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
       CAST(dead AS BIGINT) AS deaths,
       CAST(injured AS BIGINT) AS injured,
       CAST(rescued AS BIGINT) AS rescued,
       CAST(damage_vnd AS BIGINT) AS damage_vnd,
       -- Confirmed: verified or dispatched to, and not declared false, cancelled or a duplicate;
       -- a fire report's verdict (real fire or false alarm) overrides. Only confirmed incidents
       -- are fires in the fire figures; false alarms are counted apart.
       CAST(CASE WHEN real_fire IS NOT NULL AND status NOT IN ('cancelled', 'merged')
                      AND COALESCE(disposition, '') <> 'duplicate' THEN real_fire
                 WHEN (verified_at IS NOT NULL OR dispatched_at IS NOT NULL)
                      AND status NOT IN ('false_alarm', 'cancelled')
                      AND COALESCE(disposition, '') NOT IN ('false_alarm', 'duplicate')
                 THEN 1 ELSE 0 END AS BIGINT) AS confirmed,
       CAST(CASE WHEN real_fire = 0 OR status = 'false_alarm' OR disposition = 'false_alarm'
                 THEN 1 ELSE 0 END AS BIGINT) AS false_alarm
FROM incidents
WHERE status <> 'merged';
