-- Indexes for a long history: the probable-duplicate probe reads only open incidents of the
-- same device, or received within its time window; the statistics read their columns from
-- one covering index over the reception time instead of visiting every row.
CREATE INDEX incidents_open_device ON incidents(device_id) WHERE is_open = 1;
CREATE INDEX incidents_open_received ON incidents(received_at) WHERE is_open = 1;
DROP INDEX incidents_received;
CREATE INDEX incidents_received_stats
    ON incidents(received_at, unit_code, kind, crime_subtype, status);
