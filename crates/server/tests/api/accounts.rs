//! Accounts and sign-in under attack: bounded rate-limiter memory, lockout per account and
//! source, password change, disabling an account, revoking sessions, sign-in audit and 2-step
//! verification.
