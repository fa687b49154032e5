-- Indexes of the narrow classification table (issue 19) for the reads that
-- select accounts by their classification: the machines (machine-account
-- lists and counts) and the recommended (the review queue). Both hold only
-- rids, so a first classification, which writes in rid order, appends to
-- them; no index of accounts is touched.
CREATE INDEX account_classifications_machine ON account_classifications (account_rid) WHERE is_machine = 1;
CREATE INDEX account_classifications_recommended ON account_classifications (account_rid)
	WHERE recommendation_type IS NOT NULL;
