-- Criminal cases follow the investigation: where each case stands (khởi tố, đang điều tra,
-- tạm đình chỉ, đình chỉ, đã kết luận, đề nghị truy tố) with the date of that status, the
-- number of suspects, and every status change with its date, decision number, note and who
-- recorded it. Times are unix milliseconds (UTC).
--
-- Existing cases start as 'prosecuted' on their discovery date; their solved_at is left as it
-- is, so the clearance rate of existing data does not change.

ALTER TABLE cases ADD COLUMN status TEXT NOT NULL DEFAULT 'prosecuted';
ALTER TABLE cases ADD COLUMN status_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN suspects INTEGER CHECK (suspects IS NULL OR suspects >= 0);
UPDATE cases SET status_at = discovered_at;

-- Every status a case has had, oldest first; appended, never updated. A case's own row holds
-- the newest. Deleting a case (only an undone import does) takes its history with it.
CREATE TABLE case_status_history (
    id          INTEGER PRIMARY KEY,
    case_id     INTEGER  NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    status      TEXT    NOT NULL,
    at          INTEGER  NOT NULL,
    decision_no TEXT,
    note        TEXT,
    actor_id    INTEGER,
    actor_name  TEXT    NOT NULL,
    recorded_at INTEGER  NOT NULL
);
CREATE INDEX case_status_history_case ON case_status_history(case_id, at);
CREATE INDEX case_status_history_status ON case_status_history(status, at);

INSERT INTO case_status_history (case_id, status, at, actor_name, recorded_at)
SELECT id, 'prosecuted', discovered_at, 'system:migration', created_at FROM cases;
