-- Foundation: tenant settings, identities, OAuth clients, sources.
-- Timestamps are TEXT in fixed-width UTC form 2006-01-02T15:04:05.000000Z so that
-- text order is time order. Booleans are INTEGER 0/1. Lists and maps are JSON text.

CREATE TABLE settings (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) STRICT;

CREATE TABLE identities (
	id               TEXT PRIMARY KEY,
	name             TEXT NOT NULL,
	alias            TEXT NOT NULL DEFAULT '',
	first_name       TEXT,
	last_name        TEXT,
	email            TEXT,
	levels           TEXT NOT NULL DEFAULT '[]',
	status           TEXT,
	manager_id       TEXT,
	cloud_status     TEXT,
	processing_state TEXT,
	attributes       TEXT NOT NULL DEFAULT '{}',
	correlated       INTEGER NOT NULL DEFAULT 1,
	protected        INTEGER NOT NULL DEFAULT 0,
	created          TEXT NOT NULL,
	modified         TEXT NOT NULL
) STRICT;
CREATE INDEX identities_name ON identities (name COLLATE NOCASE);
CREATE INDEX identities_alias ON identities (alias COLLATE NOCASE);

CREATE TABLE clients (
	id                   TEXT PRIMARY KEY,
	kind                 TEXT NOT NULL CHECK (kind IN ('PAT', 'API')),
	name                 TEXT NOT NULL,
	identity_id          TEXT REFERENCES identities (id) ON DELETE CASCADE,
	scopes               TEXT NOT NULL DEFAULT '[]',
	secret_hash          TEXT NOT NULL,
	access_token_seconds INTEGER NOT NULL DEFAULT 0,
	expires_at           TEXT,
	never_expires_ack    INTEGER NOT NULL DEFAULT 0,
	enabled              INTEGER NOT NULL DEFAULT 1,
	managed              INTEGER NOT NULL DEFAULT 0,
	last_used            TEXT,
	created              TEXT NOT NULL
) STRICT;
CREATE INDEX clients_identity ON clients (identity_id);

CREATE TABLE sources (
	id                          TEXT PRIMARY KEY,
	name                        TEXT NOT NULL,
	description                 TEXT NOT NULL DEFAULT '',
	owner_id                    TEXT NOT NULL,
	owner_name                  TEXT NOT NULL DEFAULT '',
	cluster                     TEXT,
	type                        TEXT NOT NULL DEFAULT '',
	connector                   TEXT NOT NULL,
	connector_class             TEXT NOT NULL DEFAULT '',
	connector_attributes        TEXT NOT NULL DEFAULT '{}',
	delete_threshold            INTEGER NOT NULL DEFAULT 0,
	authoritative               INTEGER NOT NULL DEFAULT 0,
	features                    TEXT NOT NULL DEFAULT '[]',
	healthy                     INTEGER NOT NULL DEFAULT 1,
	status                      TEXT NOT NULL DEFAULT 'SOURCE_STATE_HEALTHY',
	connector_id                TEXT NOT NULL DEFAULT '',
	connector_name              TEXT NOT NULL DEFAULT '',
	connection_type             TEXT NOT NULL DEFAULT '',
	connector_implementation_id TEXT NOT NULL DEFAULT '',
	management_workgroup        TEXT,
	management_workgroup_id     TEXT,
	credential_provider_enabled INTEGER NOT NULL DEFAULT 0,
	category                    TEXT,
	created                     TEXT NOT NULL,
	modified                    TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX sources_name ON sources (name COLLATE NOCASE);
