-- Continuous classification walks the accounts an aggregation touched, in id order.
CREATE INDEX accounts_aggregation ON accounts (aggregation_id, id) WHERE aggregation_id IS NOT NULL;
