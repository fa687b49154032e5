-- Shared rate limiting: the tokens servers have leased from each client's
-- budget per API version and fixed window (ratelimit.go).

CREATE TABLE rate_tokens (
	key        text NOT NULL,
	window_idx bigint NOT NULL,
	used       integer NOT NULL,
	-- the tokens the last lease took (set with used, in the same statement)
	granted    integer NOT NULL,
	PRIMARY KEY (key, window_idx)
);
