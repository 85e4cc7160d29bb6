-- The fire report's cause of fire and cause of a false alarm, kept as columns beside the
-- document (like its damage and verdict) so that the statistics can count fires and false
-- alarms by cause. Filled from the documents of the reports already filed.
ALTER TABLE incidents ADD COLUMN fire_cause TEXT;
ALTER TABLE incidents ADD COLUMN false_alarm_cause TEXT;
UPDATE incidents SET fire_cause = json_extract(doc, '$.fire_report.cause'),
                     false_alarm_cause = json_extract(doc, '$.fire_report.false_alarm_cause')
WHERE doc LIKE '%"fire_report"%';
