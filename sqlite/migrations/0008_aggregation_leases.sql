-- The server instance running an unfinished aggregation and until when it holds
-- it: the owner renews the lease while the aggregation is queued or running, and
-- an aggregation whose lease has passed (its server died) may be terminated.
ALTER TABLE aggregations ADD COLUMN owner TEXT;
ALTER TABLE aggregations ADD COLUMN lease_until TEXT;
