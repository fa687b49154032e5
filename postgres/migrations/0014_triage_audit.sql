-- The review queue's decisions, kept as an audit trail: who decided what on
-- which account, when and why. No foreign keys: the trail outlives the
-- accounts and sources it is about.
CREATE TABLE triage_decisions (
	id             text PRIMARY KEY,
	seq            bigint GENERATED ALWAYS AS IDENTITY,
	account_id     text NOT NULL,
	account_name   text NOT NULL,
	source_id      text NOT NULL,
	source_name    text NOT NULL,
	action         text NOT NULL,
	note           text NOT NULL DEFAULT '',
	actor_id       text NOT NULL,
	actor_name     text NOT NULL,
	recommendation text NOT NULL,
	score          double precision NOT NULL DEFAULT 0,
	was_machine    boolean NOT NULL,
	is_machine     boolean NOT NULL,
	method_before  text NOT NULL DEFAULT '',
	method_after   text NOT NULL DEFAULT '',
	created        timestamptz(3) NOT NULL
);
CREATE INDEX triage_decisions_account ON triage_decisions (account_id, created, seq);
CREATE INDEX triage_decisions_source ON triage_decisions (source_id, created, seq);
CREATE INDEX triage_decisions_created ON triage_decisions (created, seq);

-- The review queue reads the accounts with a recommendation.
CREATE INDEX accounts_recommended ON accounts (source_id, name) WHERE recommendation_type IS NOT NULL;
