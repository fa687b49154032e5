-- A machine account's own attributes (PATCH /machine-accounts/{id} /attributes),
-- beside the connector attributes in accounts.attributes.
ALTER TABLE accounts ADD COLUMN machine_attributes TEXT;
