-- Foundation: tenant settings, identities, OAuth clients, sources.
-- Timestamps are timestamptz (microseconds, as mica writes them), booleans are
-- boolean, lists and maps are jsonb. Case-insensitive lookups use lower(), which
-- is what query.Postgres compiles filters and sorters to.

CREATE TABLE settings (
	key   text PRIMARY KEY,
	value text NOT NULL
);

CREATE TABLE identities (
	id               text PRIMARY KEY,
	name             text NOT NULL,
	alias            text NOT NULL DEFAULT '',
	first_name       text,
	last_name        text,
	email            text,
	levels           jsonb NOT NULL DEFAULT '[]',
	status           text,
	manager_id       text,
	cloud_status     text,
	processing_state text,
	attributes       jsonb NOT NULL DEFAULT '{}',
	correlated       boolean NOT NULL DEFAULT true,
	protected        boolean NOT NULL DEFAULT false,
	created          timestamptz NOT NULL,
	modified         timestamptz NOT NULL
);
CREATE INDEX identities_name ON identities (lower(name));
CREATE INDEX identities_alias ON identities (lower(alias));

CREATE TABLE clients (
	id                   text PRIMARY KEY,
	kind                 text NOT NULL CHECK (kind IN ('PAT', 'API')),
	name                 text NOT NULL,
	identity_id          text REFERENCES identities (id) ON DELETE CASCADE,
	scopes               jsonb NOT NULL DEFAULT '[]',
	secret_hash          text NOT NULL,
	access_token_seconds integer NOT NULL DEFAULT 0,
	expires_at           timestamptz,
	never_expires_ack    boolean NOT NULL DEFAULT false,
	enabled              boolean NOT NULL DEFAULT true,
	managed              boolean NOT NULL DEFAULT false,
	last_used            timestamptz,
	created              timestamptz NOT NULL
);
CREATE INDEX clients_identity ON clients (identity_id);

CREATE TABLE sources (
	id                          text PRIMARY KEY,
	name                        text NOT NULL,
	description                 text NOT NULL DEFAULT '',
	owner_id                    text NOT NULL,
	owner_name                  text NOT NULL DEFAULT '',
	cluster                     jsonb,
	type                        text NOT NULL DEFAULT '',
	connector                   text NOT NULL,
	connector_class             text NOT NULL DEFAULT '',
	connector_attributes        jsonb NOT NULL DEFAULT '{}',
	delete_threshold            integer NOT NULL DEFAULT 0,
	authoritative               boolean NOT NULL DEFAULT false,
	features                    jsonb NOT NULL DEFAULT '[]',
	healthy                     boolean NOT NULL DEFAULT true,
	status                      text NOT NULL DEFAULT 'SOURCE_STATE_HEALTHY',
	connector_id                text NOT NULL DEFAULT '',
	connector_name              text NOT NULL DEFAULT '',
	connection_type             text NOT NULL DEFAULT '',
	connector_implementation_id text NOT NULL DEFAULT '',
	management_workgroup        jsonb,
	management_workgroup_id     text,
	credential_provider_enabled boolean NOT NULL DEFAULT false,
	category                    text,
	created                     timestamptz NOT NULL,
	modified                    timestamptz NOT NULL
);
-- Names are unique case-insensitively; the index also serves name filters and sorting.
CREATE UNIQUE INDEX sources_name ON sources (lower(name));
