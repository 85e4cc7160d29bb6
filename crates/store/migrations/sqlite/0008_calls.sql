-- The switchboard's call log: every 113/114 call, answered to ended, with how it ended. Most
-- calls end without an incident (pranks, wrong numbers, silent lines, questions), and the log
-- keeps them all for the daily report and the nuisance flag. Times are unix milliseconds (UTC).
CREATE TABLE calls (
    id               INTEGER PRIMARY KEY,
    line             TEXT    NOT NULL,
    status           TEXT    NOT NULL,
    answered_at      INTEGER NOT NULL,
    ended_at         INTEGER,
    -- The caller's number as the call-taker saw it, normalised; NULL when hidden.
    caller_number    TEXT,
    call_taker_id    INTEGER REFERENCES users(id),
    call_taker_name  TEXT    NOT NULL,
    outcome          TEXT,
    incident_id      INTEGER REFERENCES incidents(id),
    transferred_to   TEXT,
    note             TEXT,
    -- Filled by a telephony link: the raw caller id, the recording, the switch's own call id.
    caller_id        TEXT,
    recording_ref    TEXT,
    external_call_id TEXT,
    version          INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX calls_answered ON calls(answered_at);
CREATE INDEX calls_caller ON calls(caller_number, answered_at) WHERE caller_number IS NOT NULL;
CREATE INDEX calls_incident ON calls(incident_id) WHERE incident_id IS NOT NULL;
CREATE INDEX calls_taker ON calls(call_taker_id, answered_at);
CREATE UNIQUE INDEX calls_external ON calls(external_call_id) WHERE external_call_id IS NOT NULL;
