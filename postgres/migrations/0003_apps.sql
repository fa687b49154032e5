-- Apps: source apps, their access profiles, and the account each identity chose
-- for a user app. User apps themselves are not stored: a user app is an
-- (identity, source app) pair the assignment rule matches, computed on every
-- read (postgres/apps.go). Column names match the allowlists in query/resources.go.

CREATE TABLE source_apps (
	id                          text PRIMARY KEY,
	name                        text NOT NULL,
	description                 text NOT NULL,
	enabled                     boolean NOT NULL DEFAULT false,
	provision_request_enabled   boolean NOT NULL DEFAULT false,
	match_all_accounts          boolean NOT NULL DEFAULT false,
	app_center_enabled          boolean NOT NULL DEFAULT true,
	use_for_password_management boolean NOT NULL DEFAULT false,
	-- deleting the source detaches the app (it is then assigned to nobody)
	account_source_id           text REFERENCES sources (id) ON DELETE SET NULL,
	owner_id                    text REFERENCES identities (id) ON DELETE SET NULL,
	created                     timestamptz NOT NULL,
	modified                    timestamptz NOT NULL
);
CREATE INDEX source_apps_name ON source_apps (lower(name));
CREATE INDEX source_apps_source ON source_apps (account_source_id);

-- The access profiles of an app, in the order the app lists them.
CREATE TABLE source_app_access_profiles (
	source_app_id     text NOT NULL REFERENCES source_apps (id) ON DELETE CASCADE,
	access_profile_id text NOT NULL REFERENCES access_profiles (id) ON DELETE CASCADE,
	position          integer NOT NULL,
	PRIMARY KEY (source_app_id, access_profile_id)
);
CREATE INDEX source_app_access_profiles_ap ON source_app_access_profiles (access_profile_id);

-- The account an identity chose for a user app (PATCH /user-apps/{id} /account).
-- Without a row, or when the chosen account is gone, the identity's first account
-- on the app's source is used.
CREATE TABLE user_app_accounts (
	identity_id   text NOT NULL REFERENCES identities (id) ON DELETE CASCADE,
	source_app_id text NOT NULL REFERENCES source_apps (id) ON DELETE CASCADE,
	account_id    text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	created       timestamptz NOT NULL,
	modified      timestamptz NOT NULL,
	PRIMARY KEY (identity_id, source_app_id)
);
CREATE INDEX user_app_accounts_account ON user_app_accounts (account_id);
