-- Timestamps at one precision: milliseconds, the precision the API shows
-- (issue 22). They were stored with microseconds and shown with milliseconds,
-- so a filter on a value a client had read missed its own item. Every
-- timestamp is cut to the millisecond, and the columns become timestamptz(3) so
-- that nothing stores finer values again. One ALTER per table: one rewrite.
ALTER TABLE identities
	ALTER COLUMN created TYPE timestamptz(3) USING date_trunc('milliseconds', created),
	ALTER COLUMN modified TYPE timestamptz(3) USING date_trunc('milliseconds', modified);
ALTER TABLE clients
	ALTER COLUMN created TYPE timestamptz(3) USING date_trunc('milliseconds', created),
	ALTER COLUMN last_used TYPE timestamptz(3) USING date_trunc('milliseconds', last_used),
	ALTER COLUMN expires_at TYPE timestamptz(3) USING date_trunc('milliseconds', expires_at);
ALTER TABLE sources
	ALTER COLUMN created TYPE timestamptz(3) USING date_trunc('milliseconds', created),
	ALTER COLUMN modified TYPE timestamptz(3) USING date_trunc('milliseconds', modified);
ALTER TABLE accounts
	ALTER COLUMN created TYPE timestamptz(3) USING date_trunc('milliseconds', created),
	ALTER COLUMN modified TYPE timestamptz(3) USING date_trunc('milliseconds', modified),
	ALTER COLUMN classified_at TYPE timestamptz(3) USING date_trunc('milliseconds', classified_at);
ALTER TABLE access_profiles
	ALTER COLUMN created TYPE timestamptz(3) USING date_trunc('milliseconds', created),
	ALTER COLUMN modified TYPE timestamptz(3) USING date_trunc('milliseconds', modified);
ALTER TABLE identity_access_profiles
	ALTER COLUMN created TYPE timestamptz(3) USING date_trunc('milliseconds', created);
ALTER TABLE aggregations
	ALTER COLUMN created TYPE timestamptz(3) USING date_trunc('milliseconds', created),
	ALTER COLUMN started TYPE timestamptz(3) USING date_trunc('milliseconds', started),
	ALTER COLUMN completed TYPE timestamptz(3) USING date_trunc('milliseconds', completed),
	ALTER COLUMN lease_until TYPE timestamptz(3) USING date_trunc('milliseconds', lease_until);
ALTER TABLE source_apps
	ALTER COLUMN created TYPE timestamptz(3) USING date_trunc('milliseconds', created),
	ALTER COLUMN modified TYPE timestamptz(3) USING date_trunc('milliseconds', modified);
ALTER TABLE user_app_accounts
	ALTER COLUMN created TYPE timestamptz(3) USING date_trunc('milliseconds', created),
	ALTER COLUMN modified TYPE timestamptz(3) USING date_trunc('milliseconds', modified);
ALTER TABLE classification_configs
	ALTER COLUMN created TYPE timestamptz(3) USING date_trunc('milliseconds', created),
	ALTER COLUMN modified TYPE timestamptz(3) USING date_trunc('milliseconds', modified);
ALTER TABLE classification_jobs
	ALTER COLUMN started TYPE timestamptz(3) USING date_trunc('milliseconds', started),
	ALTER COLUMN updated TYPE timestamptz(3) USING date_trunc('milliseconds', updated);
