-- Machine classification: per-source configs and durable source jobs.

CREATE TABLE classification_configs (
	source_id text PRIMARY KEY REFERENCES sources (id) ON DELETE CASCADE,
	enabled   boolean NOT NULL DEFAULT false,
	method    text NOT NULL DEFAULT '',
	criteria  jsonb,
	created   timestamptz NOT NULL,
	modified  timestamptz
);

CREATE TABLE classification_jobs (
	id        text PRIMARY KEY,
	-- insertion order, to tell apart jobs started in the same microsecond
	seq       bigint GENERATED ALWAYS AS IDENTITY,
	source_id text NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
	status    text NOT NULL,
	expected  bigint NOT NULL,
	received  bigint NOT NULL DEFAULT 0,
	completed bigint NOT NULL DEFAULT 0,
	config    jsonb NOT NULL,
	reason    text NOT NULL DEFAULT '',
	started   timestamptz NOT NULL,
	updated   timestamptz
);
CREATE INDEX classification_jobs_source ON classification_jobs (source_id, started);
-- At most one running job per source.
CREATE UNIQUE INDEX classification_jobs_running ON classification_jobs (source_id)
	WHERE status IN ('STARTED', 'COLLECTED');

-- The accounts a job collected, in collection order; processing walks seq.
CREATE TABLE classification_job_items (
	job_id     text NOT NULL REFERENCES classification_jobs (id) ON DELETE CASCADE,
	seq        bigint NOT NULL,
	account_id text NOT NULL,
	PRIMARY KEY (job_id, seq)
);
