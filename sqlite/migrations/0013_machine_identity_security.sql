-- Machine identity security (REFERENCE.md §15): source subtypes, machine
-- identities with their owners and user entitlements, machine-account
-- mappings and their re-apply jobs, machine account create requests, the
-- source delete approval config and lifecycle actions.

CREATE TABLE source_subtypes (
	id             TEXT PRIMARY KEY,
	source_id      TEXT NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
	technical_name TEXT NOT NULL,
	display_name   TEXT NOT NULL,
	description    TEXT NOT NULL,
	type           TEXT,
	system_managed INTEGER NOT NULL DEFAULT 0,
	config         TEXT NOT NULL DEFAULT '{}', -- SubtypeConfig (#53)
	created        TEXT NOT NULL,
	modified       TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX source_subtypes_name ON source_subtypes (source_id, technical_name COLLATE NOCASE);

-- A machine account's subtype is the technical name of one of its source's
-- subtypes: the free-text subtypes accounts already have become subtypes.
INSERT INTO source_subtypes (id, source_id, technical_name, display_name, description, type, created, modified)
SELECT lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' ||
		substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))),
	source_id, min(subtype), min(subtype), min(subtype), 'MACHINE', min(created), min(created)
FROM accounts WHERE subtype IS NOT NULL AND subtype <> ''
GROUP BY source_id, subtype COLLATE NOCASE;
CREATE INDEX accounts_subtype ON accounts (source_id, subtype COLLATE NOCASE) WHERE subtype IS NOT NULL;
CREATE INDEX accounts_machine_identity ON accounts (machine_identity_id) WHERE machine_identity_id IS NOT NULL;

CREATE TABLE machine_identities (
	id                   TEXT PRIMARY KEY,
	name                 TEXT NOT NULL,
	description          TEXT,
	subtype              TEXT,
	business_application TEXT,
	native_identity      TEXT,
	uuid                 TEXT,
	source_id            TEXT REFERENCES sources (id) ON DELETE SET NULL,
	source_name          TEXT,
	dataset_id           TEXT,
	environment          TEXT,
	exists_on_source     TEXT,
	status               TEXT, -- attributes.status
	attributes           TEXT NOT NULL DEFAULT '{}',
	connector_attributes TEXT NOT NULL DEFAULT '{}',
	resource             TEXT,
	primary_owner_id     TEXT REFERENCES identities (id) ON DELETE SET NULL,
	primary_owner_name   TEXT,
	manually_edited      INTEGER NOT NULL DEFAULT 0,
	manually_created     INTEGER NOT NULL DEFAULT 0,
	created              TEXT NOT NULL,
	modified             TEXT NOT NULL
) STRICT;
CREATE INDEX machine_identities_name ON machine_identities (name COLLATE NOCASE);
CREATE INDEX machine_identities_source ON machine_identities (source_id, native_identity);

-- Secondary owners, in order.
CREATE TABLE machine_identity_owners (
	machine_identity_id TEXT NOT NULL REFERENCES machine_identities (id) ON DELETE CASCADE,
	position            INTEGER NOT NULL,
	identity_id         TEXT NOT NULL REFERENCES identities (id) ON DELETE CASCADE,
	identity_name       TEXT NOT NULL,
	PRIMARY KEY (machine_identity_id, identity_id)
) STRICT;
CREATE INDEX machine_identity_owners_identity ON machine_identity_owners (identity_id);

CREATE TABLE machine_identity_entitlements (
	id                  TEXT PRIMARY KEY,
	machine_identity_id TEXT NOT NULL REFERENCES machine_identities (id) ON DELETE CASCADE,
	position            INTEGER NOT NULL,
	source_id           TEXT NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
	source_name         TEXT NOT NULL,
	entitlement_id      TEXT NOT NULL,
	display_name        TEXT NOT NULL,
	created             TEXT NOT NULL,
	UNIQUE (machine_identity_id, source_id, entitlement_id)
) STRICT;

CREATE TABLE machine_account_mappings (
	source_id TEXT PRIMARY KEY REFERENCES sources (id) ON DELETE CASCADE,
	mappings  TEXT NOT NULL DEFAULT '[]',
	modified  TEXT NOT NULL
) STRICT;

CREATE TABLE mapping_jobs (
	id        TEXT PRIMARY KEY,
	source_id TEXT NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
	status    TEXT NOT NULL,
	expected  INTEGER NOT NULL DEFAULT 0,
	processed INTEGER NOT NULL DEFAULT 0,
	changed   INTEGER NOT NULL DEFAULT 0,
	cursor    TEXT NOT NULL DEFAULT '', -- the last account id applied
	reason    TEXT NOT NULL DEFAULT '',
	started   TEXT NOT NULL,
	updated   TEXT
) STRICT;
CREATE INDEX mapping_jobs_source ON mapping_jobs (source_id, started);
CREATE UNIQUE INDEX mapping_jobs_running ON mapping_jobs (source_id) WHERE status = 'STARTED';

-- Requests keep no reference to their subtype, source or identities: they are
-- a record that outlives them.
CREATE TABLE machine_account_requests (
	id           TEXT PRIMARY KEY,
	requester_id TEXT NOT NULL,
	status       TEXT NOT NULL,
	provisioning TEXT NOT NULL, -- the provisioning phase's state
	body         TEXT NOT NULL, -- the request as JSON
	created      TEXT NOT NULL
) STRICT;
CREATE INDEX machine_account_requests_pending ON machine_account_requests (provisioning) WHERE provisioning = 'PENDING';

CREATE TABLE source_delete_approval (
	source_id TEXT PRIMARY KEY REFERENCES sources (id) ON DELETE CASCADE,
	config    TEXT NOT NULL,
	modified  TEXT NOT NULL
) STRICT;

CREATE TABLE lifecycle_actions (
	id           TEXT PRIMARY KEY,
	requested_by TEXT NOT NULL,
	target_id    TEXT NOT NULL,
	target_name  TEXT NOT NULL,
	target_type  TEXT NOT NULL,
	source_id    TEXT,
	action       TEXT NOT NULL,
	status       TEXT NOT NULL,
	completed    INTEGER NOT NULL DEFAULT 0,
	body         TEXT NOT NULL, -- the action as JSON
	created      TEXT NOT NULL,
	modified     TEXT NOT NULL
) STRICT;
CREATE INDEX lifecycle_actions_requester ON lifecycle_actions (requested_by, created);
CREATE INDEX lifecycle_actions_open ON lifecycle_actions (completed) WHERE completed = 0;
