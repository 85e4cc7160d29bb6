//! What a unit officer may see and touch outside their unit: duplicate hints, incidents and
//! records filed into another unit, city-wide checks, the public report lookup, and 404 for what
//! is not theirs.
