-- Response plans (run cards), versioned: every change is a new row holding the whole plan book
-- as TOML, so any version can be read back and compared. The highest version is in force.
-- `source` says where it came from: `default` (shipped), `file` (response_plans.toml in the
-- data directory, read at start) or `api` (an admin's edit). Times are unix milliseconds (UTC).
CREATE TABLE response_plan_versions (
    version     INTEGER PRIMARY KEY,
    body        TEXT    NOT NULL,
    source      TEXT    NOT NULL,
    reason      TEXT,
    author_id   INTEGER,
    author_name TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);
