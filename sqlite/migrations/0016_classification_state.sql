-- mica:foreign_keys off
-- Classification state in its own narrow table (issue 19): classifying an
-- account writes a small row of account_classifications instead of rewriting
-- the account's wide row and the accounts_machine index.
--
-- accounts is rebuilt (the first line above applies this file with foreign
-- key enforcement off, so that dropping the old table cascades nowhere): its
-- rowid becomes a column of its own, rid, with the same values, so that
-- account_classifications can be keyed by it (VACUUM may renumber a rowid that
-- is not a declared INTEGER PRIMARY KEY), and the classification columns
-- leave it. A job classifies in rid
-- order, so its writes append to or rewrite neighbouring rows of the narrow
-- table.

CREATE TABLE accounts_new (
	rid                   INTEGER PRIMARY KEY,
	id                    TEXT NOT NULL UNIQUE,
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
	-- MachineAccount fields
	machine_identity_id   TEXT,
	machine_identity_name TEXT,
	subtype               TEXT,
	access_type           TEXT,
	environment           TEXT,
	owner_identity_id     TEXT,
	owner_identity_name   TEXT,
	manually_edited       INTEGER NOT NULL DEFAULT 0,
	machine_attributes    TEXT,
	-- aggregation bookkeeping: hash of the source row, to skip unchanged
	-- accounts, and the aggregation that last added or changed the account
	content_hash          TEXT,
	aggregation_id        TEXT,
	-- demo generator ground truth (MACHINE or HUMAN); never exposed by the API
	ground_truth          TEXT,
	created               TEXT NOT NULL,
	-- the last change of anything but the classification (accounts_view
	-- shows the later of this and the classification's)
	modified              TEXT NOT NULL
) STRICT;

INSERT INTO accounts_new (rid, id, source_id, source_name, native_identity, name, uuid, identity_id, identity_name,
	attributes, authoritative, disabled, locked, system_account, uncorrelated, manually_correlated, has_entitlements,
	origin, description, enabled, machine_identity_id, machine_identity_name, subtype, access_type, environment,
	owner_identity_id, owner_identity_name, manually_edited, machine_attributes, content_hash, aggregation_id,
	ground_truth, created, modified)
SELECT rowid, id, source_id, source_name, native_identity, name, uuid, identity_id, identity_name,
	attributes, authoritative, disabled, locked, system_account, uncorrelated, manually_correlated, has_entitlements,
	origin, description, enabled, machine_identity_id, machine_identity_name, subtype, access_type, environment,
	owner_identity_id, owner_identity_name, manually_edited, machine_attributes, content_hash, aggregation_id,
	ground_truth, created, modified
FROM accounts ORDER BY rowid;

-- An account's classification: whether it is a machine, how and when that
-- was decided (classification_method MANUAL: by hand), discovery's
-- recommendation, and when classification last changed any of it. Only
-- accounts classification ever wrote have a row; the others read as an
-- unclassified human (accounts_view).
CREATE TABLE account_classifications (
	account_rid           INTEGER PRIMARY KEY REFERENCES accounts (rid) ON DELETE CASCADE,
	is_machine            INTEGER NOT NULL DEFAULT 0,
	classification_method TEXT,
	classified_at         TEXT,
	recommendation_type   TEXT,
	recommendation_method TEXT,
	modified              TEXT NOT NULL
) STRICT;

-- The state moves with the account's modified: the account still shows the
-- time it showed.
INSERT INTO account_classifications (account_rid, is_machine, classification_method, classified_at,
	recommendation_type, recommendation_method, modified)
SELECT rowid, is_machine, classification_method, classified_at, recommendation_type, recommendation_method, modified
FROM accounts
WHERE is_machine <> 0 OR classification_method IS NOT NULL OR classified_at IS NOT NULL
	OR recommendation_type IS NOT NULL OR recommendation_method IS NOT NULL
ORDER BY rowid;

DROP TABLE accounts;
ALTER TABLE accounts_new RENAME TO accounts;

CREATE UNIQUE INDEX accounts_native ON accounts (source_id, native_identity);
CREATE INDEX accounts_identity ON accounts (identity_id, source_id);
CREATE INDEX accounts_name ON accounts (name COLLATE NOCASE);
CREATE INDEX accounts_aggregation ON accounts (aggregation_id, id) WHERE aggregation_id IS NOT NULL;
CREATE INDEX accounts_subtype ON accounts (source_id, subtype COLLATE NOCASE) WHERE subtype IS NOT NULL;
CREATE INDEX accounts_machine_identity ON accounts (machine_identity_id) WHERE machine_identity_id IS NOT NULL;

-- The assignment version's triggers (0009) left with the old table.
CREATE TRIGGER accounts_assign_ins AFTER INSERT ON accounts WHEN NEW.identity_id IS NOT NULL
BEGIN UPDATE assignment_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER accounts_assign_upd AFTER UPDATE OF identity_id, source_id ON accounts
	WHEN OLD.identity_id IS NOT NEW.identity_id OR OLD.source_id IS NOT NEW.source_id
BEGIN UPDATE assignment_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER accounts_assign_del AFTER DELETE ON accounts WHEN OLD.identity_id IS NOT NULL
BEGIN UPDATE assignment_version SET n = n + 1 WHERE id = 1; END;

-- An account as the API reads it: its row and its classification, with the
-- column names of the accounts table before this migration (the allowlists of
-- query/resources.go name them). modified is the later of the account's own
-- and its classification's.
CREATE VIEW accounts_view AS
SELECT a.rid, a.id, a.source_id, a.source_name, a.native_identity, a.name, a.uuid, a.identity_id, a.identity_name,
	a.attributes, a.authoritative, a.disabled, a.locked, a.system_account, a.uncorrelated, a.manually_correlated,
	a.has_entitlements, a.origin, a.description, a.enabled,
	coalesce(c.is_machine, 0) AS is_machine, c.classification_method, c.classified_at, c.recommendation_type,
	c.recommendation_method,
	a.machine_identity_id, a.machine_identity_name, a.subtype, a.access_type, a.environment, a.owner_identity_id,
	a.owner_identity_name, a.manually_edited, a.machine_attributes, a.content_hash, a.aggregation_id,
	a.ground_truth, a.created,
	CASE WHEN c.modified > a.modified THEN c.modified ELSE a.modified END AS modified
FROM accounts a LEFT JOIN account_classifications c ON c.account_rid = a.rid;

-- The accounts a job collected, by rid in storage order: block b holds items
-- b*1024+1 to b*1024+1024 as 8-byte big-endian rids (sqlite/jobitems.go). A
-- job that was running is carried over (an account deleted since: rid 0).
CREATE TABLE classification_job_blocks (
	job_id TEXT NOT NULL REFERENCES classification_jobs (id) ON DELETE CASCADE,
	block  INTEGER NOT NULL,
	rids   BLOB NOT NULL,
	PRIMARY KEY (job_id, block)
) STRICT, WITHOUT ROWID;
INSERT INTO classification_job_blocks (job_id, block, rids)
SELECT ji.job_id, (ji.seq - 1) / 1024, unhex(group_concat(printf('%016x', coalesce(a.rid, 0)), '' ORDER BY ji.seq))
FROM classification_job_items ji LEFT JOIN accounts a ON a.id = ji.account_id
GROUP BY ji.job_id, (ji.seq - 1) / 1024;
DROP TABLE classification_job_items;
