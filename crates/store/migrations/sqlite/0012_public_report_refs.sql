-- The lookup references of citizen reports (public web form and citizen chat): a citizen follows
-- their report with this unguessable reference, never with the sequential incident number, and
-- hotline calls have none, so they cannot be looked up at all. Only the SHA-256 of the reference
-- is kept: a copy of the database does not hand out working references. Times are unix
-- milliseconds (UTC).
CREATE TABLE public_report_refs (
    ref_hash    TEXT    PRIMARY KEY,
    incident_id INTEGER NOT NULL UNIQUE REFERENCES incidents(id),
    created_at  INTEGER NOT NULL
);
