-- What a classification job decided: how many of its accounts are machines
-- after it, and how many it turned from human to machine or back.
ALTER TABLE classification_jobs ADD COLUMN machines bigint NOT NULL DEFAULT 0;
ALTER TABLE classification_jobs ADD COLUMN changed bigint NOT NULL DEFAULT 0;
