-- assignment_version counts the commits that can change an answer of
-- GET /source-apps/assigned: the source apps and their access profiles, the
-- access profiles identities hold, which identity has an account on which
-- source, and the source and owner names a listed app shows. The assigned-apps
-- cache (assigned.go) keeps its snapshot while the number stays the same.
-- Triggers keep it, so every writer counts, the mica CLI included; other
-- writes (classification, aggregation status, River) leave it alone.
CREATE TABLE assignment_version (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	n  INTEGER NOT NULL
) STRICT;
INSERT INTO assignment_version (id, n) VALUES (1, 0);

CREATE TRIGGER source_apps_ins AFTER INSERT ON source_apps
BEGIN UPDATE assignment_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER source_apps_upd AFTER UPDATE ON source_apps
BEGIN UPDATE assignment_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER source_apps_del AFTER DELETE ON source_apps
BEGIN UPDATE assignment_version SET n = n + 1 WHERE id = 1; END;

CREATE TRIGGER source_app_access_profiles_ins AFTER INSERT ON source_app_access_profiles
BEGIN UPDATE assignment_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER source_app_access_profiles_upd AFTER UPDATE ON source_app_access_profiles
BEGIN UPDATE assignment_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER source_app_access_profiles_del AFTER DELETE ON source_app_access_profiles
BEGIN UPDATE assignment_version SET n = n + 1 WHERE id = 1; END;

CREATE TRIGGER identity_access_profiles_ins AFTER INSERT ON identity_access_profiles
BEGIN UPDATE assignment_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER identity_access_profiles_upd AFTER UPDATE ON identity_access_profiles
BEGIN UPDATE assignment_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER identity_access_profiles_del AFTER DELETE ON identity_access_profiles
BEGIN UPDATE assignment_version SET n = n + 1 WHERE id = 1; END;

CREATE TRIGGER accounts_assign_ins AFTER INSERT ON accounts WHEN NEW.identity_id IS NOT NULL
BEGIN UPDATE assignment_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER accounts_assign_upd AFTER UPDATE OF identity_id, source_id ON accounts
	WHEN OLD.identity_id IS NOT NEW.identity_id OR OLD.source_id IS NOT NEW.source_id
BEGIN UPDATE assignment_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER accounts_assign_del AFTER DELETE ON accounts WHEN OLD.identity_id IS NOT NULL
BEGIN UPDATE assignment_version SET n = n + 1 WHERE id = 1; END;

CREATE TRIGGER sources_assign_upd AFTER UPDATE OF name ON sources WHEN OLD.name IS NOT NEW.name
BEGIN UPDATE assignment_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER sources_assign_del AFTER DELETE ON sources
BEGIN UPDATE assignment_version SET n = n + 1 WHERE id = 1; END;

CREATE TRIGGER identities_assign_upd AFTER UPDATE OF name ON identities WHEN OLD.name IS NOT NEW.name
BEGIN UPDATE assignment_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER identities_assign_del AFTER DELETE ON identities
BEGIN UPDATE assignment_version SET n = n + 1 WHERE id = 1; END;
