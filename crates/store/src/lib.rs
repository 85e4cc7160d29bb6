//! Persistence for Bình Yên.
