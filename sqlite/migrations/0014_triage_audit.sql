-- The review queue's decisions, kept as an audit trail: who decided what on
-- which account, when and why. No foreign keys: the trail outlives the
-- accounts and sources it is about.
CREATE TABLE triage_decisions (
	id             TEXT PRIMARY KEY,
	account_id     TEXT NOT NULL,
	account_name   TEXT NOT NULL,
	source_id      TEXT NOT NULL,
	source_name    TEXT NOT NULL,
	action         TEXT NOT NULL,
	note           TEXT NOT NULL DEFAULT '',
	actor_id       TEXT NOT NULL,
	actor_name     TEXT NOT NULL,
	recommendation TEXT NOT NULL,
	score          REAL NOT NULL DEFAULT 0,
	was_machine    INTEGER NOT NULL,
	is_machine     INTEGER NOT NULL,
	method_before  TEXT NOT NULL DEFAULT '',
	method_after   TEXT NOT NULL DEFAULT '',
	created        TEXT NOT NULL
) STRICT;
CREATE INDEX triage_decisions_account ON triage_decisions (account_id, created);
CREATE INDEX triage_decisions_source ON triage_decisions (source_id, created);
CREATE INDEX triage_decisions_created ON triage_decisions (created);

-- The review queue reads the accounts with a recommendation.
CREATE INDEX accounts_recommended ON accounts (source_id, name) WHERE recommendation_type IS NOT NULL;
