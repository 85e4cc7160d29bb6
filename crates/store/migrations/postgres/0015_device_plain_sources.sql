-- The source addresses a device's plain (unencrypted) messages may come from, as addresses and
-- CIDR blocks separated by spaces; NULL when the receiver's own list applies. Anyone who knows
-- an account number can send a plain message for it: this ties a plain panel to its line.
ALTER TABLE devices ADD COLUMN plain_sources TEXT;
