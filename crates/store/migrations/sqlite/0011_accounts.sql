-- Accounts under attack: 2-step verification and known devices. Times are unix milliseconds
-- (UTC).
--
-- `totp_secret` is the confirmed TOTP secret and `totp_pending` one handed out at enrolment
-- and not yet confirmed by a first valid code; both are sealed with the server's master key
-- when there is one (prefix `sealed:`), otherwise stored as they are (prefix `plain:`).
-- `totp_last_step` is the last 30-second step whose code signed in: a code is accepted once.
--
-- A known device is a browser that once signed in to the account: its long-lived cookie lets
-- a correct password through while the account is locked for that address.

ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_pending TEXT;
ALTER TABLE users ADD COLUMN totp_last_step INTEGER;

CREATE TABLE known_devices (
    token_hash TEXT    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX known_devices_user ON known_devices(user_id);
