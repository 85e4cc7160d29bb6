-- Residence and foreigner records (persons, households, registrations, accommodation
-- establishments, foreigners' declarations) and the measured quality of their data.
--
-- Each record is stored as its domain document (`doc`, JSON) plus the columns lists and
-- filters query; `version` guards every update. Times are unix milliseconds (UTC).

CREATE TABLE persons (
    id          TEXT    PRIMARY KEY,
    unit_code   TEXT    NOT NULL,
    -- Personal identification number and the folded full name (no diacritics, lower case).
    key1        TEXT    NOT NULL,
    key2        TEXT,
    version     BIGINT  NOT NULL DEFAULT 1,
    updated_at  BIGINT  NOT NULL,
    doc         TEXT    NOT NULL
);
CREATE INDEX persons_unit ON persons(unit_code, id);
CREATE INDEX persons_key1 ON persons(key1);

-- key1: head person id.
CREATE TABLE households (
    id          TEXT    PRIMARY KEY,
    unit_code   TEXT    NOT NULL,
    key1        TEXT    NOT NULL,
    key2        TEXT,
    version     BIGINT  NOT NULL DEFAULT 1,
    updated_at  BIGINT  NOT NULL,
    doc         TEXT    NOT NULL
);
CREATE INDEX households_unit ON households(unit_code, id);

-- key1: person id; key2: kind.
CREATE TABLE registrations (
    id          TEXT    PRIMARY KEY,
    unit_code   TEXT    NOT NULL,
    key1        TEXT    NOT NULL,
    key2        TEXT,
    version     BIGINT  NOT NULL DEFAULT 1,
    updated_at  BIGINT  NOT NULL,
    doc         TEXT    NOT NULL
);
CREATE INDEX registrations_unit ON registrations(unit_code, id);
CREATE INDEX registrations_person ON registrations(key1);

-- key1: kind (hotel, guesthouse, …).
CREATE TABLE establishments (
    id          TEXT    PRIMARY KEY,
    unit_code   TEXT    NOT NULL,
    key1        TEXT    NOT NULL,
    key2        TEXT,
    version     BIGINT  NOT NULL DEFAULT 1,
    updated_at  BIGINT  NOT NULL,
    doc         TEXT    NOT NULL
);
CREATE INDEX establishments_unit ON establishments(unit_code, id);

-- key1: establishment id; key2: passport number.
CREATE TABLE foreigner_declarations (
    id          TEXT    PRIMARY KEY,
    unit_code   TEXT    NOT NULL,
    key1        TEXT    NOT NULL,
    key2        TEXT,
    version     BIGINT  NOT NULL DEFAULT 1,
    updated_at  BIGINT  NOT NULL,
    doc         TEXT    NOT NULL
);
CREATE INDEX foreigner_declarations_unit ON foreigner_declarations(unit_code, id);
CREATE INDEX foreigner_declarations_establishment ON foreigner_declarations(key1, id);

-- The accounts of accommodation establishments: each may declare for its own establishment only.
CREATE TABLE establishment_accounts (
    user_id          BIGINT  PRIMARY KEY REFERENCES users(id),
    establishment_id TEXT    NOT NULL REFERENCES establishments(id)
);

-- One row per quality check run: the four rates per unit and for the city (JSON).
CREATE TABLE quality_runs (
    id           BIGSERIAL PRIMARY KEY,
    at           BIGINT  NOT NULL,
    records      BIGINT  NOT NULL,
    findings     BIGINT  NOT NULL,
    duration_ms  BIGINT  NOT NULL,
    report       TEXT    NOT NULL
);

-- The findings of the latest run, with the status and history carried over between runs.
-- severity_rank orders the work list: errors (0) before warnings (1).
CREATE TABLE record_findings (
    record_kind   TEXT    NOT NULL,
    record_id     TEXT    NOT NULL,
    rule          TEXT    NOT NULL,
    unit_code     TEXT    NOT NULL,
    status        TEXT    NOT NULL,
    severity_rank BIGINT  NOT NULL,
    doc           TEXT    NOT NULL,
    PRIMARY KEY (record_kind, record_id, rule)
);
CREATE INDEX record_findings_work ON record_findings(unit_code, status, severity_rank, rule);
