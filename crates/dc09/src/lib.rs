//! Sans-IO implementation of ANSI/SIA DC-09, the alarm transmission protocol over IP.
//!
//! Bytes in, typed messages out; responses are built as bytes. No sockets, no async, no clock:
//! the caller passes the current time and the per-account keys.
