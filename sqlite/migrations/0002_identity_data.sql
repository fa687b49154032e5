-- Identity data: accounts, access profiles and their assignment to identities,
-- correlation configs and account aggregations. Column names match the
-- allowlists in query/resources.go.

CREATE TABLE accounts (
	id                    TEXT PRIMARY KEY,
	source_id             TEXT NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
	source_name           TEXT NOT NULL DEFAULT '',
	native_identity       TEXT NOT NULL,
	name                  TEXT NOT NULL,
	uuid                  TEXT,
	identity_id           TEXT REFERENCES identities (id) ON DELETE SET NULL,
	identity_name         TEXT,
	attributes            TEXT NOT NULL DEFAULT '{}',
	authoritative         INTEGER NOT NULL DEFAULT 0,
	disabled              INTEGER NOT NULL DEFAULT 0,
	locked                INTEGER NOT NULL DEFAULT 0,
	system_account        INTEGER NOT NULL DEFAULT 0,
	uncorrelated          INTEGER NOT NULL DEFAULT 1,
	manually_correlated   INTEGER NOT NULL DEFAULT 0,
	has_entitlements      INTEGER NOT NULL DEFAULT 0,
	origin                TEXT,
	description           TEXT,
	enabled               INTEGER NOT NULL DEFAULT 1,
	-- machine classification: is_machine and how/when it was decided
	is_machine            INTEGER NOT NULL DEFAULT 0,
	classification_method TEXT,
	classified_at         TEXT,
	recommendation_type   TEXT,
	recommendation_method TEXT,
	-- MachineAccount fields
	machine_identity_id   TEXT,
	machine_identity_name TEXT,
	subtype               TEXT,
	access_type           TEXT,
	environment           TEXT,
	owner_identity_id     TEXT,
	owner_identity_name   TEXT,
	manually_edited       INTEGER NOT NULL DEFAULT 0,
	-- aggregation bookkeeping: hash of the source row, to skip unchanged accounts
	content_hash          TEXT,
	-- demo generator ground truth (MACHINE or HUMAN); never exposed by the API
	ground_truth          TEXT,
	created               TEXT NOT NULL,
	modified              TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX accounts_native ON accounts (source_id, native_identity);
CREATE INDEX accounts_identity ON accounts (identity_id, source_id);
CREATE INDEX accounts_name ON accounts (name COLLATE NOCASE);
CREATE INDEX accounts_machine ON accounts (is_machine, id) WHERE is_machine = 1;

CREATE TABLE access_profiles (
	id           TEXT PRIMARY KEY,
	name         TEXT NOT NULL,
	description  TEXT,
	owner_id     TEXT NOT NULL,
	owner_name   TEXT NOT NULL DEFAULT '',
	source_id    TEXT NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
	source_name  TEXT NOT NULL DEFAULT '',
	enabled      INTEGER NOT NULL DEFAULT 0,
	requestable  INTEGER NOT NULL DEFAULT 1,
	entitlements TEXT NOT NULL DEFAULT '[]',
	segments     TEXT,
	created      TEXT NOT NULL,
	modified     TEXT NOT NULL
) STRICT;
CREATE INDEX access_profiles_source ON access_profiles (source_id);
CREATE INDEX access_profiles_name ON access_profiles (name COLLATE NOCASE);

-- Which identities hold which access profiles (the assignment source apps use).
CREATE TABLE identity_access_profiles (
	identity_id       TEXT NOT NULL REFERENCES identities (id) ON DELETE CASCADE,
	access_profile_id TEXT NOT NULL REFERENCES access_profiles (id) ON DELETE CASCADE,
	created           TEXT NOT NULL,
	PRIMARY KEY (identity_id, access_profile_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX identity_access_profiles_ap ON identity_access_profiles (access_profile_id);

CREATE TABLE correlation_configs (
	source_id              TEXT PRIMARY KEY REFERENCES sources (id) ON DELETE CASCADE,
	id                     TEXT NOT NULL,
	name                   TEXT NOT NULL,
	attribute_assignments  TEXT NOT NULL DEFAULT '[]'
) STRICT;

CREATE TABLE aggregations (
	id                  TEXT PRIMARY KEY,
	source_id           TEXT NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
	status              TEXT NOT NULL,
	completion_status   TEXT,
	total_accounts      INTEGER NOT NULL DEFAULT 0,
	processed_accounts  INTEGER NOT NULL DEFAULT 0,
	marked_for_deletion INTEGER NOT NULL DEFAULT 0,
	deleted_accounts    INTEGER NOT NULL DEFAULT 0,
	total_identities    INTEGER NOT NULL DEFAULT 0,
	processed_identities INTEGER NOT NULL DEFAULT 0,
	stats               TEXT NOT NULL DEFAULT '{}',
	messages            TEXT NOT NULL DEFAULT '[]',
	file_path           TEXT,
	disable_optimization INTEGER NOT NULL DEFAULT 0,
	launcher            TEXT NOT NULL DEFAULT '',
	started             TEXT,
	completed           TEXT,
	created             TEXT NOT NULL
) STRICT;
CREATE INDEX aggregations_source ON aggregations (source_id, created);
