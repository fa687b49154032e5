-- The machines' rids (issue 19), for the machine-account lists and counts
-- when machines are few among the accounts. A first classification writes in
-- rid order, so it appends to this index; no index of accounts is touched.
-- The recommended have no index: every classification rewrites an account's
-- recommendation, which would delete and re-insert its entry (8 % off
-- classifying, BENCHMARKS.md), and the review queue, which reads and decodes
-- them all, spends little of its time finding them.
CREATE INDEX account_classifications_machine ON account_classifications (account_rid) WHERE is_machine = 1;

-- The accounts that have a classification, read from it: accounts_view's
-- columns, with the join turned around (CROSS JOIN keeps that order) so that
-- a read of the machines starts from account_classifications_machine and
-- looks up each one's account, instead of walking every account and looking
-- up its classification (sqlite/machineaccounts.go says when).
CREATE VIEW classified_accounts_view AS
SELECT a.rid, a.id, a.source_id, a.source_name, a.native_identity, a.name, a.uuid, a.identity_id, a.identity_name,
	a.attributes, a.authoritative, a.disabled, a.locked, a.system_account, a.uncorrelated, a.manually_correlated,
	a.has_entitlements, a.origin, a.description, a.enabled,
	c.is_machine, c.classification_method, c.classified_at, c.recommendation_type, c.recommendation_method,
	a.machine_identity_id, a.machine_identity_name, a.subtype, a.access_type, a.environment, a.owner_identity_id,
	a.owner_identity_name, a.manually_edited, a.machine_attributes, a.content_hash, a.aggregation_id,
	a.ground_truth, a.created,
	CASE WHEN c.modified > a.modified THEN c.modified ELSE a.modified END AS modified
FROM account_classifications c CROSS JOIN accounts a ON a.rid = c.account_rid;
