-- Classification jobs in chunks: each chunk is a range of a job's items with its
-- own cursor, so that batch workers on any number of servers classify different
-- chunks at once (each batch locks its chunk's row, skipping locked ones).

CREATE TABLE classification_job_chunks (
	job_id    text NOT NULL REFERENCES classification_jobs (id) ON DELETE CASCADE,
	chunk     integer NOT NULL,
	last_seq  bigint NOT NULL,
	-- the last item classified; the chunk starts after the previous chunk's last_seq
	done_seq  bigint NOT NULL,
	PRIMARY KEY (job_id, chunk)
);
-- The chunks with work left, for the next batch to pick one.
CREATE INDEX classification_job_chunks_open ON classification_job_chunks (job_id, chunk) WHERE done_seq < last_seq;

-- A job left running by an earlier version goes on as one chunk.
INSERT INTO classification_job_chunks (job_id, chunk, last_seq, done_seq)
SELECT id, 0, expected, completed FROM classification_jobs WHERE status IN ('STARTED', 'COLLECTED');
