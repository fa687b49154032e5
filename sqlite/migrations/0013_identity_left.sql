-- left_day is whether an identity's person left the organisation, as
-- mica.PersonLeft reads its HR attributes: NULL has not left, else the day of
-- leaving (days since 1970-01-01), 0 when no date says. Discovery reads it with
-- every account that correlates to the identity.
ALTER TABLE identities ADD COLUMN left_day INTEGER;
