-- 0001: branches, users, sessions and the login rate limit.
--
-- The server serves as showroom_app, a role that owns nothing and may not change the
-- schema; these statements run as the migrating user (the schema owner).

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'showroom_app') THEN
    CREATE ROLE showroom_app NOLOGIN;
  END IF;
END
$$;

CREATE TYPE user_role AS ENUM ('admin', 'manager', 'sales');

CREATE TABLE branches (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name        text NOT NULL CHECK (btrim(name) <> '' AND char_length(name) <= 100),
  city        text NOT NULL DEFAULT '' CHECK (char_length(city) <= 100),
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX branches_name_key ON branches (lower(name));

CREATE TABLE users (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email          text NOT NULL CHECK (email = lower(email) AND email LIKE '_%@_%'
                                      AND char_length(email) <= 254),
  name           text NOT NULL CHECK (btrim(name) <> '' AND char_length(name) <= 200),
  role           user_role NOT NULL,
  branch_id      bigint NOT NULL REFERENCES branches (id),
  active         boolean NOT NULL DEFAULT true,
  password_hash  text NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (email);
CREATE INDEX users_branch_idx ON users (branch_id);

-- Only the SHA-256 of a token is kept: a copy of this table opens no session.
CREATE TABLE auth_sessions (
  token_hash    bytea PRIMARY KEY CHECK (octet_length(token_hash) = 32),
  user_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_seen_at  timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL
);
CREATE INDEX auth_sessions_user_idx ON auth_sessions (user_id);

-- Failed logins per e-mail, whether or not the address exists: the rate limit must not
-- tell an attacker which addresses are real.
CREATE TABLE login_failures (
  id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email  text NOT NULL,
  at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_email_idx ON login_failures (email, at);

REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO showroom_app;
GRANT SELECT, INSERT, UPDATE ON branches, users TO showroom_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON auth_sessions, login_failures TO showroom_app;
