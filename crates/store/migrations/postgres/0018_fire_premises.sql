-- The fire report's type of premises, kept as a column beside its cause so that the
-- statistics can count fires by premises. Filled from the reports already filed.
ALTER TABLE incidents ADD COLUMN premises_kind TEXT;
UPDATE incidents SET premises_kind = (doc::jsonb) -> 'fire_report' ->> 'premises_kind'
WHERE doc LIKE '%"premises_kind"%';
