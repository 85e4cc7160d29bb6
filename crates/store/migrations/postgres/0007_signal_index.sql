-- A facility's signal history leaves out the routine periodic tests: every device sends them,
-- and indexing them by facility made each commit of the receiver touch one index page per
-- device. Tests stay in alarm_signals and raw_frames; a device's liveness is last_seen_at.
DROP INDEX alarm_signals_facility;
CREATE INDEX alarm_signals_facility ON alarm_signals(facility_id, received_at)
    WHERE family <> 'test';
