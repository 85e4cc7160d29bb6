-- The crime-report register (tố giác, tin báo về tội phạm, kiến nghị khởi tố), the time-limit
-- rules it runs under, the days off that move a limit, and the links from cases back to the
-- report and the incident they came from. Times are unix milliseconds (UTC); days are
-- 'YYYY-MM-DD' in Vietnam time.

-- A report is stored as its checked domain document (`doc`, JSON) plus the columns the lists
-- query. `deadline` is the end of the running limit when it was last written (NULL unless the
-- report is being verified); lists use it to narrow the rows and judge each with the current
-- calendar. `version` guards every update.
CREATE TABLE crime_reports (
    id           INTEGER PRIMARY KEY,
    unit_code    TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    source       TEXT    NOT NULL,
    status       TEXT    NOT NULL,
    received_at  INTEGER NOT NULL,
    deadline     INTEGER,
    incident_id  INTEGER,
    case_id      INTEGER,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    version      INTEGER NOT NULL DEFAULT 1,
    doc          TEXT    NOT NULL
);
CREATE INDEX crime_reports_unit ON crime_reports(unit_code, status, deadline);
CREATE INDEX crime_reports_status ON crime_reports(status, deadline);
CREATE INDEX crime_reports_received ON crime_reports(received_at);
CREATE INDEX crime_reports_incident ON crime_reports(incident_id);

-- Time limits as the law sets them, each with its basis and the days it is valid for
-- (domain::crime_report::LimitRule; a store test checks the seed equals the domain default).
CREATE TABLE crime_report_rules (
    id                          TEXT    PRIMARY KEY,
    legal_basis                 TEXT    NOT NULL,
    valid_from                  TEXT    NOT NULL,
    valid_to                    TEXT,
    base_days                   INTEGER NOT NULL,
    agency_extension_months     INTEGER NOT NULL,
    procuracy_extensions        INTEGER NOT NULL,
    procuracy_extension_months  INTEGER NOT NULL,
    request_days_before         INTEGER NOT NULL
);
INSERT INTO crime_report_rules VALUES (
    'blttths-2015-d147',
    'Điều 147 Bộ luật Tố tụng hình sự 2015 (Luật số 101/2015/QH13); cách tính thời hạn theo Điều 132',
    '2018-01-01', NULL, 20, 2, 1, 2, 5
);

-- Days off announced each year beyond weekends and the fixed-date holidays (Tết, Hùng Kings'
-- day, compensatory days): a limit ending on one moves to the next working day.
CREATE TABLE days_off (
    day        TEXT    PRIMARY KEY,
    name       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT    NOT NULL
);

-- A case opened on a crime report keeps the report and the incident it came from.
ALTER TABLE cases ADD COLUMN crime_report_id INTEGER;
ALTER TABLE cases ADD COLUMN incident_id INTEGER;
CREATE INDEX cases_crime_report ON cases(crime_report_id);
