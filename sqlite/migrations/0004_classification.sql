-- Machine classification: per-source configs and durable source jobs.

CREATE TABLE classification_configs (
	source_id TEXT PRIMARY KEY REFERENCES sources (id) ON DELETE CASCADE,
	enabled   INTEGER NOT NULL DEFAULT 0,
	method    TEXT NOT NULL DEFAULT '',
	criteria  TEXT,
	created   TEXT NOT NULL,
	modified  TEXT
) STRICT;

CREATE TABLE classification_jobs (
	id         TEXT PRIMARY KEY,
	source_id  TEXT NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
	status     TEXT NOT NULL,
	expected   INTEGER NOT NULL,
	received   INTEGER NOT NULL DEFAULT 0,
	completed  INTEGER NOT NULL DEFAULT 0,
	config     TEXT NOT NULL,
	reason     TEXT NOT NULL DEFAULT '',
	started    TEXT NOT NULL,
	updated    TEXT
) STRICT;
CREATE INDEX classification_jobs_source ON classification_jobs (source_id, started);
-- At most one running job per source.
CREATE UNIQUE INDEX classification_jobs_running ON classification_jobs (source_id)
	WHERE status IN ('STARTED', 'COLLECTED');

-- The accounts a job collected, in collection order; processing walks seq.
CREATE TABLE classification_job_items (
	job_id     TEXT NOT NULL REFERENCES classification_jobs (id) ON DELETE CASCADE,
	seq        INTEGER NOT NULL,
	account_id TEXT NOT NULL,
	PRIMARY KEY (job_id, seq)
) STRICT, WITHOUT ROWID;
