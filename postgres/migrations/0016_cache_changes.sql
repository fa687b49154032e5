-- The change log of the servers' caches (postgres/cachelog.go). A transaction
-- that changes what a cache holds adds one row, (cache, its own transaction
-- id), through the statement triggers below: the row commits with the change,
-- so no reader can see one without the other. A server that built a cache at
-- snapshot S knows it is still exact while no row of its cache is visible
-- that S did not see (pg_visible_in_snapshot); a row per transaction, never an
-- update of a shared row, so writers never wait for each other here.
--
-- cache 1: the assigned apps (GET /source-apps/assigned): source apps and their
-- access profiles, grants, which identity has accounts on which source, source
-- and owner names. cache 2: what authentication reads on every request:
-- clients and identities (name, levels).
CREATE TABLE cache_changes (
	cache smallint NOT NULL,
	xid   xid8 NOT NULL,
	PRIMARY KEY (cache, xid)
);

-- Rows older than h were pruned: a cache whose snapshot's xmin is below h can
-- no longer tell what it missed, and is rebuilt.
CREATE TABLE cache_horizon (
	id smallint PRIMARY KEY CHECK (id = 1),
	h  xid8 NOT NULL
);
INSERT INTO cache_horizon (id, h) VALUES (1, '0');

-- mica_cache_changed(cache) logs the current transaction once per cache (a
-- transaction-local setting remembers it, so statements after the first cost
-- a lookup; a rolled-back subtransaction takes the setting back with the row).
CREATE FUNCTION mica_cache_changed() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
	IF current_setting('mica.cache_changed_' || TG_ARGV[0], true) = 'y' THEN
		RETURN NULL;
	END IF;
	INSERT INTO cache_changes (cache, xid) VALUES (TG_ARGV[0]::smallint, pg_current_xact_id())
		ON CONFLICT DO NOTHING;
	PERFORM set_config('mica.cache_changed_' || TG_ARGV[0], 'y', true);
	RETURN NULL;
END $$;

CREATE TRIGGER source_apps_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON source_apps
	FOR EACH STATEMENT EXECUTE FUNCTION mica_cache_changed(1);
CREATE TRIGGER source_app_access_profiles_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON source_app_access_profiles
	FOR EACH STATEMENT EXECUTE FUNCTION mica_cache_changed(1);
CREATE TRIGGER identity_access_profiles_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON identity_access_profiles
	FOR EACH STATEMENT EXECUTE FUNCTION mica_cache_changed(1);
CREATE TRIGGER accounts_cache_ins AFTER INSERT OR DELETE OR TRUNCATE ON accounts
	FOR EACH STATEMENT EXECUTE FUNCTION mica_cache_changed(1);
CREATE TRIGGER accounts_cache_upd AFTER UPDATE OF identity_id, source_id ON accounts
	FOR EACH STATEMENT EXECUTE FUNCTION mica_cache_changed(1);
CREATE TRIGGER sources_cache_upd AFTER UPDATE OF name ON sources
	FOR EACH STATEMENT EXECUTE FUNCTION mica_cache_changed(1);
CREATE TRIGGER sources_cache_del AFTER DELETE OR TRUNCATE ON sources
	FOR EACH STATEMENT EXECUTE FUNCTION mica_cache_changed(1);
CREATE TRIGGER identities_cache_upd AFTER UPDATE OF name ON identities
	FOR EACH STATEMENT EXECUTE FUNCTION mica_cache_changed(1);
CREATE TRIGGER identities_cache_del AFTER DELETE OR TRUNCATE ON identities
	FOR EACH STATEMENT EXECUTE FUNCTION mica_cache_changed(1);

CREATE TRIGGER clients_auth_cache AFTER INSERT OR DELETE OR TRUNCATE ON clients
	FOR EACH STATEMENT EXECUTE FUNCTION mica_cache_changed(2);
CREATE TRIGGER clients_auth_cache_upd AFTER UPDATE OF id, identity_id, enabled, expires_at, scopes ON clients
	FOR EACH STATEMENT EXECUTE FUNCTION mica_cache_changed(2);
CREATE TRIGGER identities_auth_cache AFTER INSERT OR DELETE OR TRUNCATE ON identities
	FOR EACH STATEMENT EXECUTE FUNCTION mica_cache_changed(2);
CREATE TRIGGER identities_auth_cache_upd AFTER UPDATE OF id, name, levels ON identities
	FOR EACH STATEMENT EXECUTE FUNCTION mica_cache_changed(2);
