//! DC-09 device simulator (being written).
