-- Identity data: accounts, access profiles and their assignment to identities,
-- correlation configs, account aggregations and their staging area. Column names
-- match the allowlists in query/resources.go.

CREATE TABLE accounts (
	id                    text PRIMARY KEY,
	source_id             text NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
	source_name           text NOT NULL DEFAULT '',
	native_identity       text NOT NULL,
	name                  text NOT NULL,
	uuid                  text,
	identity_id           text REFERENCES identities (id) ON DELETE SET NULL,
	identity_name         text,
	attributes            jsonb NOT NULL DEFAULT '{}',
	authoritative         boolean NOT NULL DEFAULT false,
	disabled              boolean NOT NULL DEFAULT false,
	locked                boolean NOT NULL DEFAULT false,
	system_account        boolean NOT NULL DEFAULT false,
	uncorrelated          boolean NOT NULL DEFAULT true,
	manually_correlated   boolean NOT NULL DEFAULT false,
	has_entitlements      boolean NOT NULL DEFAULT false,
	origin                text,
	description           text,
	enabled               boolean NOT NULL DEFAULT true,
	-- machine classification: is_machine and how/when it was decided
	is_machine            boolean NOT NULL DEFAULT false,
	classification_method text,
	classified_at         timestamptz,
	recommendation_type   text,
	recommendation_method text,
	-- MachineAccount fields
	machine_identity_id   text,
	machine_identity_name text,
	subtype               text,
	access_type           text,
	environment           text,
	owner_identity_id     text,
	owner_identity_name   text,
	manually_edited       boolean NOT NULL DEFAULT false,
	-- aggregation bookkeeping: hash of the source row, to skip unchanged accounts,
	-- and the aggregation that last added or changed the account
	content_hash          text,
	aggregation_id        text,
	-- demo generator ground truth (MACHINE or HUMAN); never exposed by the API
	ground_truth          text,
	created               timestamptz NOT NULL,
	modified              timestamptz NOT NULL
);
CREATE UNIQUE INDEX accounts_native ON accounts (source_id, native_identity);
CREATE INDEX accounts_identity ON accounts (identity_id, source_id);
CREATE INDEX accounts_name ON accounts (lower(name));
CREATE INDEX accounts_machine ON accounts (id) WHERE is_machine;
CREATE INDEX accounts_aggregation ON accounts (aggregation_id, id) WHERE aggregation_id IS NOT NULL;

CREATE TABLE access_profiles (
	id           text PRIMARY KEY,
	name         text NOT NULL,
	description  text,
	owner_id     text NOT NULL,
	owner_name   text NOT NULL DEFAULT '',
	source_id    text NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
	source_name  text NOT NULL DEFAULT '',
	enabled      boolean NOT NULL DEFAULT false,
	requestable  boolean NOT NULL DEFAULT true,
	entitlements jsonb NOT NULL DEFAULT '[]',
	segments     jsonb,
	created      timestamptz NOT NULL,
	modified     timestamptz NOT NULL
);
CREATE INDEX access_profiles_source ON access_profiles (source_id);
CREATE INDEX access_profiles_name ON access_profiles (lower(name));

-- Which identities hold which access profiles (the assignment source apps use).
CREATE TABLE identity_access_profiles (
	identity_id       text NOT NULL REFERENCES identities (id) ON DELETE CASCADE,
	access_profile_id text NOT NULL REFERENCES access_profiles (id) ON DELETE CASCADE,
	created           timestamptz NOT NULL,
	PRIMARY KEY (identity_id, access_profile_id)
);
CREATE INDEX identity_access_profiles_ap ON identity_access_profiles (access_profile_id);

CREATE TABLE correlation_configs (
	source_id             text PRIMARY KEY REFERENCES sources (id) ON DELETE CASCADE,
	id                    text NOT NULL,
	name                  text NOT NULL,
	attribute_assignments jsonb NOT NULL DEFAULT '[]'
);

CREATE TABLE aggregations (
	id                   text PRIMARY KEY,
	source_id            text NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
	status               text NOT NULL,
	completion_status    text,
	total_accounts       integer NOT NULL DEFAULT 0,
	processed_accounts   integer NOT NULL DEFAULT 0,
	marked_for_deletion  integer NOT NULL DEFAULT 0,
	deleted_accounts     integer NOT NULL DEFAULT 0,
	total_identities     integer NOT NULL DEFAULT 0,
	processed_identities integer NOT NULL DEFAULT 0,
	stats                jsonb NOT NULL DEFAULT '{}',
	messages             jsonb NOT NULL DEFAULT '[]',
	file_path            text,
	disable_optimization boolean NOT NULL DEFAULT false,
	launcher             text NOT NULL DEFAULT '',
	started              timestamptz,
	completed            timestamptz,
	created              timestamptz NOT NULL
);
CREATE INDEX aggregations_source ON aggregations (source_id, created);
CREATE INDEX aggregations_status ON aggregations (status);

-- One row per account parsed from an aggregation file. Rows are staged in many
-- short transactions and applied in one; an unfinished aggregation's rows are
-- dropped at restart. state: 1 new (the default), 0 unchanged, 2 changed.
CREATE TABLE aggregation_rows (
	aggregation_id  text NOT NULL REFERENCES aggregations (id) ON DELETE CASCADE,
	native_identity text NOT NULL,
	name            text NOT NULL,
	attributes      jsonb NOT NULL,
	disabled        boolean NOT NULL DEFAULT false,
	locked          boolean NOT NULL DEFAULT false,
	hash            text NOT NULL,
	line            integer NOT NULL,
	account_id      text,
	state           smallint NOT NULL DEFAULT 1,
	identity_id     text,
	new_identity    boolean NOT NULL DEFAULT false,
	PRIMARY KEY (aggregation_id, native_identity)
);
