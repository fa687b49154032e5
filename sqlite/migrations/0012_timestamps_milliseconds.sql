-- Timestamps at one precision: milliseconds, the precision the API shows
-- (issue 22). They were written with six fractional digits
-- (2006-01-02T15:04:05.000000Z) and shown with three, so a filter on a value a
-- client had read missed its own item. Every timestamp is cut to the
-- millisecond and kept in the form the API shows (2006-01-02T15:04:05.000Z):
-- still fixed width, so text order stays time order. Only values of the old
-- width change, so the statements can run again harmlessly.
UPDATE identities SET created = substr(created, 1, 23) || 'Z' WHERE length(created) = 27;
UPDATE identities SET modified = substr(modified, 1, 23) || 'Z' WHERE length(modified) = 27;
UPDATE clients SET created = substr(created, 1, 23) || 'Z' WHERE length(created) = 27;
UPDATE clients SET last_used = substr(last_used, 1, 23) || 'Z' WHERE length(last_used) = 27;
UPDATE clients SET expires_at = substr(expires_at, 1, 23) || 'Z' WHERE length(expires_at) = 27;
UPDATE sources SET created = substr(created, 1, 23) || 'Z' WHERE length(created) = 27;
UPDATE sources SET modified = substr(modified, 1, 23) || 'Z' WHERE length(modified) = 27;
UPDATE accounts SET
	created = CASE WHEN length(created) = 27 THEN substr(created, 1, 23) || 'Z' ELSE created END,
	modified = CASE WHEN length(modified) = 27 THEN substr(modified, 1, 23) || 'Z' ELSE modified END,
	classified_at = CASE WHEN length(classified_at) = 27 THEN substr(classified_at, 1, 23) || 'Z' ELSE classified_at END
WHERE length(created) = 27 OR length(modified) = 27 OR length(classified_at) = 27;
UPDATE access_profiles SET created = substr(created, 1, 23) || 'Z' WHERE length(created) = 27;
UPDATE access_profiles SET modified = substr(modified, 1, 23) || 'Z' WHERE length(modified) = 27;
UPDATE identity_access_profiles SET created = substr(created, 1, 23) || 'Z' WHERE length(created) = 27;
UPDATE aggregations SET created = substr(created, 1, 23) || 'Z' WHERE length(created) = 27;
UPDATE aggregations SET started = substr(started, 1, 23) || 'Z' WHERE length(started) = 27;
UPDATE aggregations SET completed = substr(completed, 1, 23) || 'Z' WHERE length(completed) = 27;
UPDATE aggregations SET lease_until = substr(lease_until, 1, 23) || 'Z' WHERE length(lease_until) = 27;
UPDATE source_apps SET created = substr(created, 1, 23) || 'Z' WHERE length(created) = 27;
UPDATE source_apps SET modified = substr(modified, 1, 23) || 'Z' WHERE length(modified) = 27;
UPDATE user_app_accounts SET created = substr(created, 1, 23) || 'Z' WHERE length(created) = 27;
UPDATE user_app_accounts SET modified = substr(modified, 1, 23) || 'Z' WHERE length(modified) = 27;
UPDATE classification_configs SET created = substr(created, 1, 23) || 'Z' WHERE length(created) = 27;
UPDATE classification_configs SET modified = substr(modified, 1, 23) || 'Z' WHERE length(modified) = 27;
UPDATE classification_jobs SET started = substr(started, 1, 23) || 'Z' WHERE length(started) = 27;
UPDATE classification_jobs SET updated = substr(updated, 1, 23) || 'Z' WHERE length(updated) = 27;
UPDATE schema_migrations SET applied = substr(applied, 1, 23) || 'Z' WHERE length(applied) = 27;
