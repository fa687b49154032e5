-- The server instance running an unfinished aggregation and until when it holds
-- it: the owner renews the lease while the aggregation is queued or running, and
-- any server terminates an aggregation whose lease has passed (its server died).
ALTER TABLE aggregations ADD COLUMN IF NOT EXISTS owner text,
	ADD COLUMN IF NOT EXISTS lease_until timestamptz;
