-- The registry of water sources for fire fighting: hydrants, lakes, ponds, tanks, wells and
-- rivers, each at a point, with what it holds or gives, whether an engine can reach it and
-- whether it can be used now. `generated` marks the simulated registry that
-- `binhyen gen-water-sources` writes (and replaces), never a surveyed source.
CREATE TABLE water_sources (
    id            INTEGER PRIMARY KEY,
    kind          TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    lat           REAL    NOT NULL,
    lon           REAL    NOT NULL,
    unit_code     TEXT    NOT NULL,
    address       TEXT,
    capacity_m3   REAL,
    flow_lps      REAL,
    engine_access INTEGER NOT NULL DEFAULT 1,
    status        TEXT    NOT NULL,
    reference     TEXT,
    notes         TEXT,
    generated     INTEGER NOT NULL DEFAULT 0,
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
-- The nearest-source search narrows by a latitude band first, then by longitude.
CREATE INDEX water_sources_position ON water_sources(lat, lon);
CREATE INDEX water_sources_unit ON water_sources(unit_code, id);
