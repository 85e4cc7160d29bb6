//! The citizen assistant: understands Vietnamese questions (with or without diacritics), answers
//! from the knowledge base with citations, routes emergencies first, and takes reports.
