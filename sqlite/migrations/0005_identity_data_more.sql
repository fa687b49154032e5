-- Identity data, continued: the staging area of account aggregations, and which
-- aggregation last added or changed an account (for the classification hook).

-- One row per account parsed from an aggregation file. Rows are staged in many
-- short transactions and applied in one; an unfinished aggregation's rows are
-- dropped at restart. state: 1 new (the default), 0 unchanged, 2 changed.
CREATE TABLE aggregation_rows (
	aggregation_id  TEXT NOT NULL REFERENCES aggregations (id) ON DELETE CASCADE,
	native_identity TEXT NOT NULL,
	name            TEXT NOT NULL,
	attributes      TEXT NOT NULL,
	disabled        INTEGER NOT NULL DEFAULT 0,
	locked          INTEGER NOT NULL DEFAULT 0,
	hash            TEXT NOT NULL,
	line            INTEGER NOT NULL,
	account_id      TEXT,
	state           INTEGER NOT NULL DEFAULT 1,
	identity_id     TEXT,
	new_identity    INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (aggregation_id, native_identity)
) STRICT, WITHOUT ROWID;

ALTER TABLE accounts ADD COLUMN aggregation_id TEXT;
CREATE INDEX aggregations_status ON aggregations (status);
