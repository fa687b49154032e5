-- A machine account's attributes keep the JSON text mica writes (encoding/json:
-- keys sorted, no spaces), as SQLite does, so that sorting machine accounts by
-- attributes orders the same text on both stores (query.Object); equality
-- still compares objects (::jsonb). jsonb kept its own text form, so existing
-- values are rewritten in mica's form: compact, keys in byte order. (Values
-- nested inside an attribute keep jsonb's spacing; they sort by that text.)
ALTER TABLE accounts ADD COLUMN machine_attributes_text json;
UPDATE accounts SET machine_attributes_text = (
	SELECT COALESCE('{' || string_agg(to_json(e.k)::text || ':' || e.v::text, ',' ORDER BY e.k COLLATE "C") || '}', '{}')
	FROM jsonb_each(accounts.machine_attributes) AS e(k, v))::json
WHERE machine_attributes IS NOT NULL AND jsonb_typeof(machine_attributes) = 'object';
ALTER TABLE accounts DROP COLUMN machine_attributes;
ALTER TABLE accounts RENAME COLUMN machine_attributes_text TO machine_attributes;
