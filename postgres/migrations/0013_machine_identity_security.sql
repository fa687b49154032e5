-- Machine identity security (REFERENCE.md §15): source subtypes, machine
-- identities with their owners and user entitlements, machine-account
-- mappings and their re-apply jobs, machine account create requests, the
-- source delete approval config and lifecycle actions.

CREATE TABLE source_subtypes (
	id             text PRIMARY KEY,
	source_id      text NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
	technical_name text NOT NULL,
	display_name   text NOT NULL,
	description    text NOT NULL,
	type           text,
	system_managed boolean NOT NULL DEFAULT false,
	config         jsonb NOT NULL DEFAULT '{}', -- SubtypeConfig (#53)
	created        timestamptz(3) NOT NULL,
	modified       timestamptz(3) NOT NULL
);
CREATE UNIQUE INDEX source_subtypes_name ON source_subtypes (source_id, lower(technical_name));

-- A machine account's subtype is the technical name of one of its source's
-- subtypes: the free-text subtypes accounts already have become subtypes.
INSERT INTO source_subtypes (id, source_id, technical_name, display_name, description, type, created, modified)
SELECT gen_random_uuid()::text, source_id, min(subtype), min(subtype), min(subtype), 'MACHINE', min(created), min(created)
FROM accounts WHERE subtype IS NOT NULL AND subtype <> ''
GROUP BY source_id, lower(subtype);
CREATE INDEX accounts_subtype ON accounts (source_id, subtype) WHERE subtype IS NOT NULL;
CREATE INDEX accounts_machine_identity ON accounts (machine_identity_id) WHERE machine_identity_id IS NOT NULL;

CREATE TABLE machine_identities (
	id                   text PRIMARY KEY,
	name                 text NOT NULL,
	description          text,
	subtype              text,
	business_application text,
	native_identity      text,
	uuid                 text,
	source_id            text REFERENCES sources (id) ON DELETE SET NULL,
	source_name          text,
	dataset_id           text,
	environment          text,
	exists_on_source     text,
	status               text, -- attributes.status
	attributes           jsonb NOT NULL DEFAULT '{}',
	connector_attributes jsonb NOT NULL DEFAULT '{}',
	resource             jsonb,
	primary_owner_id     text REFERENCES identities (id) ON DELETE SET NULL,
	primary_owner_name   text,
	manually_edited      boolean NOT NULL DEFAULT false,
	manually_created     boolean NOT NULL DEFAULT false,
	created              timestamptz(3) NOT NULL,
	modified             timestamptz(3) NOT NULL
);
CREATE INDEX machine_identities_name ON machine_identities (lower(name));
CREATE INDEX machine_identities_source ON machine_identities (source_id, native_identity);

-- Secondary owners, in order.
CREATE TABLE machine_identity_owners (
	machine_identity_id text NOT NULL REFERENCES machine_identities (id) ON DELETE CASCADE,
	position            integer NOT NULL,
	identity_id         text NOT NULL REFERENCES identities (id) ON DELETE CASCADE,
	identity_name       text NOT NULL,
	PRIMARY KEY (machine_identity_id, identity_id)
);
CREATE INDEX machine_identity_owners_identity ON machine_identity_owners (identity_id);

CREATE TABLE machine_identity_entitlements (
	id                  text PRIMARY KEY,
	machine_identity_id text NOT NULL REFERENCES machine_identities (id) ON DELETE CASCADE,
	position            integer NOT NULL,
	source_id           text NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
	source_name         text NOT NULL,
	entitlement_id      text NOT NULL,
	display_name        text NOT NULL,
	created             timestamptz(3) NOT NULL,
	UNIQUE (machine_identity_id, source_id, entitlement_id)
);

CREATE TABLE machine_account_mappings (
	source_id text PRIMARY KEY REFERENCES sources (id) ON DELETE CASCADE,
	mappings  jsonb NOT NULL DEFAULT '[]',
	modified  timestamptz(3) NOT NULL
);

CREATE TABLE mapping_jobs (
	id        text PRIMARY KEY,
	seq       bigint GENERATED ALWAYS AS IDENTITY,
	source_id text NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
	status    text NOT NULL,
	expected  bigint NOT NULL DEFAULT 0,
	processed bigint NOT NULL DEFAULT 0,
	changed   bigint NOT NULL DEFAULT 0,
	cursor    text NOT NULL DEFAULT '', -- the last account id applied
	reason    text NOT NULL DEFAULT '',
	started   timestamptz(3) NOT NULL,
	updated   timestamptz(3)
);
CREATE INDEX mapping_jobs_source ON mapping_jobs (source_id, started);
CREATE UNIQUE INDEX mapping_jobs_running ON mapping_jobs (source_id) WHERE status = 'STARTED';

-- Requests keep no reference to their subtype, source or identities: they are
-- a record that outlives them.
CREATE TABLE machine_account_requests (
	id           text PRIMARY KEY,
	requester_id text NOT NULL,
	status       text NOT NULL,
	provisioning text NOT NULL, -- the provisioning phase's state
	body         jsonb NOT NULL, -- the request as JSON
	created      timestamptz(3) NOT NULL
);
CREATE INDEX machine_account_requests_pending ON machine_account_requests (provisioning) WHERE provisioning = 'PENDING';

CREATE TABLE source_delete_approval (
	source_id text PRIMARY KEY REFERENCES sources (id) ON DELETE CASCADE,
	config    jsonb NOT NULL,
	modified  timestamptz(3) NOT NULL
);

CREATE TABLE lifecycle_actions (
	id           text PRIMARY KEY,
	requested_by text NOT NULL,
	target_id    text NOT NULL,
	target_name  text NOT NULL,
	target_type  text NOT NULL,
	source_id    text,
	action       text NOT NULL,
	status       text NOT NULL,
	completed    boolean NOT NULL DEFAULT false,
	body         jsonb NOT NULL, -- the action as JSON
	created      timestamptz(3) NOT NULL,
	modified     timestamptz(3) NOT NULL
);
CREATE INDEX lifecycle_actions_requester ON lifecycle_actions (requested_by, created);
CREATE INDEX lifecycle_actions_open ON lifecycle_actions (completed) WHERE NOT completed;
