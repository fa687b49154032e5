-- Apps: source apps, their access profiles, and the account each identity chose
-- for a user app. User apps themselves are not stored: a user app is an
-- (identity, source app) pair the assignment rule matches, computed on every
-- read (sqlite/apps.go). Column names match the allowlists in query/resources.go.

CREATE TABLE source_apps (
	id                          TEXT PRIMARY KEY,
	name                        TEXT NOT NULL,
	description                 TEXT NOT NULL,
	enabled                     INTEGER NOT NULL DEFAULT 0,
	provision_request_enabled   INTEGER NOT NULL DEFAULT 0,
	match_all_accounts          INTEGER NOT NULL DEFAULT 0,
	app_center_enabled          INTEGER NOT NULL DEFAULT 1,
	use_for_password_management INTEGER NOT NULL DEFAULT 0,
	-- deleting the source detaches the app (it is then assigned to nobody)
	account_source_id           TEXT REFERENCES sources (id) ON DELETE SET NULL,
	owner_id                    TEXT REFERENCES identities (id) ON DELETE SET NULL,
	created                     TEXT NOT NULL,
	modified                    TEXT NOT NULL
) STRICT;
CREATE INDEX source_apps_name ON source_apps (name COLLATE NOCASE);
CREATE INDEX source_apps_source ON source_apps (account_source_id);

-- The access profiles of an app, in the order the app lists them.
CREATE TABLE source_app_access_profiles (
	source_app_id     TEXT NOT NULL REFERENCES source_apps (id) ON DELETE CASCADE,
	access_profile_id TEXT NOT NULL REFERENCES access_profiles (id) ON DELETE CASCADE,
	position          INTEGER NOT NULL,
	PRIMARY KEY (source_app_id, access_profile_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX source_app_access_profiles_ap ON source_app_access_profiles (access_profile_id);

-- The account an identity chose for a user app (PATCH /user-apps/{id} /account).
-- Without a row, or when the chosen account is gone, the identity's first account
-- on the app's source is used.
CREATE TABLE user_app_accounts (
	identity_id   TEXT NOT NULL REFERENCES identities (id) ON DELETE CASCADE,
	source_app_id TEXT NOT NULL REFERENCES source_apps (id) ON DELETE CASCADE,
	account_id    TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	created       TEXT NOT NULL,
	modified      TEXT NOT NULL,
	PRIMARY KEY (identity_id, source_app_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX user_app_accounts_account ON user_app_accounts (account_id);
