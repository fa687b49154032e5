-- How many of the source's accounts an aggregation may remove (mica's
-- extension: what the console's or the CLI's user saw or confirmed); NULL: no
-- limit but the source's deleteThreshold.
ALTER TABLE aggregations ADD COLUMN max_removals integer;
-- The order aggregations were created in (SQLite orders by rowid), for a
-- source's history.
ALTER TABLE aggregations ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY;
CREATE INDEX aggregations_history ON aggregations (source_id, created DESC, seq DESC);
