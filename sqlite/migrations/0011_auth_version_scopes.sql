-- Authentication also reads a client's scopes (a token whose scopes its client
-- no longer has is refused at once: api.authenticate), so a change of scopes
-- moves auth_version like the other columns authentication reads.
DROP TRIGGER clients_auth_upd;
CREATE TRIGGER clients_auth_upd AFTER UPDATE OF id, identity_id, enabled, expires_at, scopes ON clients
BEGIN UPDATE auth_version SET n = n + 1 WHERE id = 1; END;
