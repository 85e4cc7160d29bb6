-- The DC-09 receiver nodes sharing this database, each with the time of its last heartbeat
-- (unix milliseconds, UTC). A node that stops beating is presumed dead: one of the others
-- claims its row (deletes it) and takes over the signals it stored but had not yet turned
-- into incidents (a node that stops cleanly is taken over the same way).
CREATE TABLE receiver_nodes (
    node_id    TEXT    PRIMARY KEY,
    started_at BIGINT  NOT NULL,
    beat_at    BIGINT  NOT NULL
);
