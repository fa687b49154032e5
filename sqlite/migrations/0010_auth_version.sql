-- auth_version counts the commits that can change what authentication reads
-- on every request (sqlite.DB.AuthLookup): a client's identity, enabled flag
-- and expiry, an identity's name and levels, and clients or identities coming
-- and going. The authentication cache (versions.go) keeps its entries while
-- the number stays the same; a token's lastUsed and other columns leave it alone.
CREATE TABLE auth_version (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	n  INTEGER NOT NULL
) STRICT;
INSERT INTO auth_version (id, n) VALUES (1, 0);

CREATE TRIGGER clients_auth_ins AFTER INSERT ON clients
BEGIN UPDATE auth_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER clients_auth_upd AFTER UPDATE OF id, identity_id, enabled, expires_at ON clients
BEGIN UPDATE auth_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER clients_auth_del AFTER DELETE ON clients
BEGIN UPDATE auth_version SET n = n + 1 WHERE id = 1; END;

CREATE TRIGGER identities_auth_ins AFTER INSERT ON identities
BEGIN UPDATE auth_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER identities_auth_upd AFTER UPDATE OF id, name, levels ON identities
BEGIN UPDATE auth_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER identities_auth_del AFTER DELETE ON identities
BEGIN UPDATE auth_version SET n = n + 1 WHERE id = 1; END;
