//! Operational limits: slow live-feed clients, backups that restore to a working receiver,
//! file permissions, and the OpenAPI document a schema-driven fuzzer relies on.
