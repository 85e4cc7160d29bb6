//! Hostile input and output: NUL characters, bounded metric labels, request ids, and
//! spreadsheet formulas in exports.
