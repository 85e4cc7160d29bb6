-- Accountability: tasks, inspection campaigns, criminal cases and the tables the statistics
-- join with. Times are unix milliseconds (UTC).

-- A task is stored as its checked domain record (`doc`, JSON) plus the columns the boards and
-- filters query. `version` guards every update (UPDATE … WHERE version = $n).
CREATE TABLE tasks (
    id            INTEGER PRIMARY KEY,
    unit_code     TEXT    NOT NULL,
    owner_id      TEXT    NOT NULL,
    assigner_id   TEXT    NOT NULL,
    status        TEXT    NOT NULL,
    deadline      INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    campaign_id   INTEGER,
    -- When `task.overdue` was published for the current deadline; cleared when it moves.
    overdue_notified_at INTEGER,
    version       INTEGER NOT NULL DEFAULT 1,
    doc           TEXT    NOT NULL
);
CREATE INDEX tasks_unit ON tasks(unit_code, status, deadline);
CREATE INDEX tasks_owner ON tasks(owner_id, status, deadline);
CREATE INDEX tasks_active_deadline ON tasks(status, deadline);
CREATE INDEX tasks_campaign ON tasks(campaign_id);

-- Chiefs of units, for the chain of responsibility (the city headquarters included).
CREATE TABLE unit_chiefs (
    unit_code  TEXT    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    updated_at INTEGER NOT NULL
);

-- An inspection campaign is one domain document; the tasks it spawns are rows of `tasks`.
CREATE TABLE campaigns (
    id         INTEGER PRIMARY KEY,
    title      TEXT    NOT NULL,
    status     TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1,
    doc        TEXT    NOT NULL
);

-- Criminal cases (vụ án) as the case register holds them for statistics. The severity class
-- is derived from the applied bracket when the row is written, never typed.
CREATE TABLE cases (
    id            INTEGER PRIMARY KEY,
    case_ref      TEXT    NOT NULL UNIQUE,
    unit_code     TEXT    NOT NULL,
    article       INTEGER NOT NULL,
    clause        INTEGER,
    bracket_max   TEXT    NOT NULL,
    severity      TEXT    NOT NULL,
    summary       TEXT    NOT NULL DEFAULT '',
    discovered_at INTEGER NOT NULL,
    solved_at     INTEGER,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX cases_discovered ON cases(discovered_at, unit_code);
CREATE INDEX cases_solved ON cases(solved_at, unit_code);

-- Penal Code article → reporting group (configurable; unmapped articles are 'other').
CREATE TABLE article_groups (
    article INTEGER PRIMARY KEY,
    grp     TEXT    NOT NULL
);

-- The default mapping (domain::stats::cases::DEFAULT_ARTICLE_GROUPS; a store test checks that
-- this table equals CategoryMap::default()). Later ranges override earlier ones.
WITH RECURSIVE r(a, b, g, o) AS (
    VALUES (123, 156, 'ttxh', 1), (157, 167, 'ttxh', 2), (168, 180, 'ttxh', 3),
           (179, 179, 'economic', 4), (181, 187, 'ttxh', 5), (188, 234, 'economic', 6),
           (201, 201, 'ttxh', 7), (235, 246, 'environment', 8), (247, 259, 'drugs', 9),
           (285, 294, 'high_tech', 10), (304, 306, 'ttxh', 11), (318, 329, 'ttxh', 12),
           (330, 330, 'ttxh', 13), (352, 366, 'economic', 14)
),
n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 999)
INSERT INTO article_groups (article, grp)
SELECT x, (SELECT g FROM r WHERE x BETWEEN a AND b ORDER BY o DESC LIMIT 1)
FROM n WHERE EXISTS (SELECT 1 FROM r WHERE x BETWEEN a AND b);
