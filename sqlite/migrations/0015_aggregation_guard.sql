-- How many of the source's accounts an aggregation may remove (mica's
-- extension: what the console's or the CLI's user saw or confirmed); NULL: no
-- limit but the source's deleteThreshold.
ALTER TABLE aggregations ADD COLUMN max_removals INTEGER;
