-- Classification state in its own narrow table (issue 19): classifying an
-- account writes a small row of account_classifications instead of a new
-- version of the account's wide row and an entry in each index of accounts.
-- The table and its columns are SQLite's (sqlite/migrations), keyed here by
-- the account's id: PostgreSQL's accounts have no rowid to key by.
--
-- Only accounts classification ever wrote have a row; the others read as an
-- unclassified human (accounts_view). A row's modified is when classification
-- last changed it; an account shows the later of that and its own modified,
-- so classifying still changes the account's modified, as before.
CREATE TABLE account_classifications (
	account_id            text PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
	is_machine            boolean NOT NULL DEFAULT false,
	classification_method text,
	classified_at         timestamptz(3),
	recommendation_type   text,
	recommendation_method text,
	modified              timestamptz(3) NOT NULL
) WITH (fillfactor = 85); -- room on each page for an update that changes no indexed column (HOT)

-- The state moves with the account's modified: the account still shows the
-- time it showed.
INSERT INTO account_classifications (account_id, is_machine, classification_method, classified_at,
	recommendation_type, recommendation_method, modified)
SELECT id, is_machine, classification_method, classified_at, recommendation_type, recommendation_method, modified
FROM accounts
WHERE is_machine OR classification_method IS NOT NULL OR classified_at IS NOT NULL
	OR recommendation_type IS NOT NULL OR recommendation_method IS NOT NULL
ORDER BY id;

-- Machine accounts and the review queue (accounts with a recommendation) are
-- found from these, as they were from accounts_machine and accounts_recommended.
CREATE INDEX account_classifications_machine ON account_classifications (account_id) WHERE is_machine;
CREATE INDEX account_classifications_recommended ON account_classifications (account_id)
	WHERE recommendation_type IS NOT NULL;

DROP INDEX accounts_machine;
DROP INDEX accounts_recommended;
ALTER TABLE accounts DROP COLUMN is_machine, DROP COLUMN classification_method, DROP COLUMN classified_at,
	DROP COLUMN recommendation_type, DROP COLUMN recommendation_method;

-- An account as the API reads it: its row and its classification, with the
-- column names the accounts table had before this migration (the allowlists
-- of query/resources.go name them). modified is the later of the account's
-- own and its classification's. Without a column of account_classifications
-- in a query, PostgreSQL leaves the join out (the key is unique).
CREATE VIEW accounts_view AS
SELECT a.id, a.source_id, a.source_name, a.native_identity, a.name, a.uuid, a.identity_id, a.identity_name,
	a.attributes, a.authoritative, a.disabled, a.locked, a.system_account, a.uncorrelated, a.manually_correlated,
	a.has_entitlements, a.origin, a.description, a.enabled,
	coalesce(c.is_machine, false) AS is_machine, c.classification_method, c.classified_at, c.recommendation_type,
	c.recommendation_method,
	a.machine_identity_id, a.machine_identity_name, a.subtype, a.access_type, a.environment, a.owner_identity_id,
	a.owner_identity_name, a.manually_edited, a.machine_attributes, a.content_hash, a.aggregation_id,
	a.ground_truth, a.created, GREATEST(a.modified, c.modified) AS modified
FROM accounts a LEFT JOIN account_classifications c ON c.account_id = a.id;

-- The accounts classified as machines, with the columns of accounts_view: an
-- inner join the planner can start from account_classifications_machine (a
-- filter on accounts_view's coalesced is_machine cannot).
CREATE VIEW machine_accounts_view AS
SELECT a.id, a.source_id, a.source_name, a.native_identity, a.name, a.uuid, a.identity_id, a.identity_name,
	a.attributes, a.authoritative, a.disabled, a.locked, a.system_account, a.uncorrelated, a.manually_correlated,
	a.has_entitlements, a.origin, a.description, a.enabled,
	c.is_machine, c.classification_method, c.classified_at, c.recommendation_type, c.recommendation_method,
	a.machine_identity_id, a.machine_identity_name, a.subtype, a.access_type, a.environment, a.owner_identity_id,
	a.owner_identity_name, a.manually_edited, a.machine_attributes, a.content_hash, a.aggregation_id,
	a.ground_truth, a.created, GREATEST(a.modified, c.modified) AS modified
FROM accounts a JOIN account_classifications c ON c.account_id = a.id
WHERE c.is_machine;

ANALYZE account_classifications;
