-- 0002: vehicles, the append-only change log, and row-level security.
--
-- Every insert, update and delete of a business table is written to change_log by a
-- trigger that runs as the schema owner, and announced with NOTIFY showroom_changes
-- carrying the seq only. A transaction-scoped advisory lock, taken before a statement
-- touches any logged row, serialises writers: seq numbers then commit in the order
-- they were taken, so a reader that has seen seq N has seen everything before it.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TYPE fuel_type AS ENUM ('petrol', 'diesel', 'electric', 'hybrid', 'cng');
CREATE TYPE vehicle_status AS ENUM ('incoming', 'in_stock', 'reserved', 'sold');

CREATE SEQUENCE vehicle_stock_no_seq;

CREATE TABLE vehicles (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  stock_no     text NOT NULL
               DEFAULT 'SR' || lpad(nextval('vehicle_stock_no_seq')::text, 6, '0')
               CHECK (stock_no ~ '^[A-Z0-9-]{1,20}$'),
  vin          text NOT NULL CHECK (vin ~ '^[A-HJ-NPR-Z0-9]{17}$'),
  make         text NOT NULL CHECK (btrim(make) <> '' AND char_length(make) <= 60),
  model        text NOT NULL CHECK (btrim(model) <> '' AND char_length(model) <= 60),
  variant      text NOT NULL DEFAULT '' CHECK (char_length(variant) <= 100),
  year         integer NOT NULL CHECK (year >= 1900),
  color        text NOT NULL DEFAULT '' CHECK (char_length(color) <= 40),
  fuel         fuel_type NOT NULL DEFAULT 'petrol',
  odometer_km  integer NOT NULL DEFAULT 0 CHECK (odometer_km >= 0),
  price        numeric(12, 2) NOT NULL CHECK (price >= 0),
  cost         numeric(12, 2) NOT NULL DEFAULT 0 CHECK (cost >= 0),
  status       vehicle_status NOT NULL DEFAULT 'in_stock',
  branch_id    bigint NOT NULL REFERENCES branches (id),
  location     text NOT NULL DEFAULT '' CHECK (char_length(location) <= 100),
  arrived_on   date NOT NULL DEFAULT current_date,
  notes        text NOT NULL DEFAULT '' CHECK (char_length(notes) <= 4000),
  version      integer NOT NULL DEFAULT 1 CHECK (version >= 1),
  updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX vehicles_vin_key ON vehicles (vin);
CREATE UNIQUE INDEX vehicles_stock_no_key ON vehicles (stock_no);
-- Keyset paging sorts on (column, id); these carry the usual sorts at 100,000 rows.
CREATE INDEX vehicles_branch_status_idx ON vehicles (branch_id, status);
CREATE INDEX vehicles_make_idx ON vehicles (make, id);
CREATE INDEX vehicles_price_idx ON vehicles (price, id);
CREATE INDEX vehicles_year_idx ON vehicles (year, id);
CREATE INDEX vehicles_arrived_idx ON vehicles (arrived_on, id);
CREATE INDEX vehicles_updated_idx ON vehicles (updated_at, id);
CREATE INDEX vehicles_text_idx ON vehicles USING gin (
  lower(stock_no || ' ' || vin || ' ' || make || ' ' || model || ' ' || variant || ' ' || color)
  gin_trgm_ops);

-- The protocol's Vehicle object, built in one place: the server's reads, the change log
-- and the feed all use it, so they cannot drift apart. Money is a string with two
-- decimals; cost is included here and removed per audience by the server.
CREATE FUNCTION vehicle_json(v vehicles) RETURNS jsonb
LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object(
    'id', v.id, 'stock_no', v.stock_no, 'vin', v.vin, 'make', v.make, 'model', v.model,
    'variant', v.variant, 'year', v.year, 'color', v.color, 'fuel', v.fuel,
    'odometer_km', v.odometer_km, 'price', to_char(v.price, 'FM9999999990.00'),
    'cost', to_char(v.cost, 'FM9999999990.00'), 'status', v.status,
    'branch_id', v.branch_id, 'location', v.location,
    'arrived_on', to_char(v.arrived_on, 'YYYY-MM-DD'), 'notes', v.notes,
    'version', v.version, 'updated_at', to_json(v.updated_at) #>> '{}')
$$;

CREATE FUNCTION user_json(u users) RETURNS jsonb
LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('id', u.id, 'email', u.email, 'name', u.name, 'role', u.role,
                            'branch_id', u.branch_id, 'active', u.active)
$$;

CREATE FUNCTION branch_json(b branches) RETURNS jsonb
LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('id', b.id, 'name', b.name, 'city', b.city)
$$;

-- Version and updated_at belong to the database: every real change bumps them,
-- whoever makes it, psql included. A no-op update leaves them alone.
CREATE FUNCTION vehicles_before_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.id <> OLD.id OR NEW.stock_no <> OLD.stock_no THEN
    RAISE EXCEPTION 'id and stock_no cannot change' USING ERRCODE = 'check_violation';
  END IF;
  NEW.version := OLD.version;
  NEW.updated_at := OLD.updated_at;
  IF NEW IS DISTINCT FROM OLD THEN
    NEW.version := OLD.version + 1;
    NEW.updated_at := now();
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER vehicles_before_update BEFORE UPDATE ON vehicles
  FOR EACH ROW EXECUTE FUNCTION vehicles_before_update();

CREATE FUNCTION vehicles_check_year() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.year > extract(year FROM now())::integer + 1 THEN
    RAISE EXCEPTION 'year % is in the future', NEW.year
      USING ERRCODE = 'check_violation', CONSTRAINT = 'vehicles_year_check';
  END IF;
  IF TG_OP = 'INSERT' THEN
    NEW.version := 1;
    NEW.updated_at := now();
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER vehicles_check_year BEFORE INSERT OR UPDATE ON vehicles
  FOR EACH ROW EXECUTE FUNCTION vehicles_check_year();

CREATE SEQUENCE change_log_seq;

-- The audit log: append-only, kept whole (vehicles.history reads it).
CREATE TABLE change_log (
  seq            bigint PRIMARY KEY,
  at             timestamptz NOT NULL DEFAULT clock_timestamp(),
  user_id        bigint,
  entity         text NOT NULL CHECK (entity IN ('vehicle', 'pending_edit', 'customer',
                                                 'followup', 'sale', 'user', 'branch')),
  entity_id      bigint NOT NULL,
  op             text NOT NULL CHECK (op IN ('insert', 'update', 'delete')),
  changes        jsonb NOT NULL,
  via            text NOT NULL DEFAULT 'direct',
  branch_id      bigint,
  old_branch_id  bigint
);
CREATE INDEX change_log_entity_idx ON change_log (entity, entity_id, seq DESC);

-- What the live feed replays: the record as it was after each change. Unlike the audit
-- log this is pruned (the server keeps a week), and a client asking for older history
-- is told to reload.
CREATE TABLE change_feed (
  seq     bigint PRIMARY KEY REFERENCES change_log (seq),
  record  jsonb
);

CREATE FUNCTION showroom_lock_changes() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(7460, 1);
  RETURN NULL;
END
$$;

-- Writes one change: the diff of the two documents (fields whose value changed, as
-- [old, new]), who made it (showroom.user_id, unset for psql), by which path
-- (showroom.via), and the record after it for the feed. Runs as the owner: the
-- application role can read the log but never write or change it.
CREATE FUNCTION showroom_write_change(entity text, op text, row_id bigint,
                                      new_doc jsonb, old_doc jsonb)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  new_fields jsonb := new_doc - 'version' - 'updated_at';
  old_fields jsonb := old_doc - 'version' - 'updated_at';
  diff       jsonb;
  next_seq   bigint;
  new_branch bigint;
  old_branch bigint;
  who        bigint := nullif(current_setting('showroom.user_id', true), '')::bigint;
  path       text := coalesce(nullif(current_setting('showroom.via', true), ''), 'direct');
BEGIN
  SELECT coalesce(jsonb_object_agg(k, jsonb_build_array(old_fields -> k, new_fields -> k)), '{}')
    INTO diff
    FROM (SELECT jsonb_object_keys(coalesce(new_fields, old_fields)) AS k) keys
   WHERE k <> 'id' AND (old_fields -> k) IS DISTINCT FROM (new_fields -> k);

  IF op = 'update' AND diff = '{}' THEN
    RETURN;
  END IF;

  IF entity = 'branch' THEN
    new_branch := row_id;
    old_branch := row_id;
  ELSE
    new_branch := (new_fields ->> 'branch_id')::bigint;
    old_branch := (old_fields ->> 'branch_id')::bigint;
  END IF;

  -- Held from here (or from the statement trigger) to commit: seqs commit in order.
  PERFORM pg_advisory_xact_lock(7460, 1);
  next_seq := nextval('change_log_seq');

  INSERT INTO change_log (seq, user_id, entity, entity_id, op, changes, via,
                          branch_id, old_branch_id)
  VALUES (next_seq, who, entity, row_id, op, diff, path, new_branch, old_branch);
  INSERT INTO change_feed (seq, record) VALUES (next_seq, new_doc);

  PERFORM pg_notify('showroom_changes', next_seq::text);
END
$$;
REVOKE ALL ON FUNCTION showroom_write_change(text, text, bigint, jsonb, jsonb) FROM PUBLIC;

CREATE FUNCTION vehicles_log() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  PERFORM showroom_write_change('vehicle', lower(TG_OP),
    CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END,
    CASE WHEN TG_OP <> 'DELETE' THEN vehicle_json(NEW) END,
    CASE WHEN TG_OP <> 'INSERT' THEN vehicle_json(OLD) END);
  RETURN NULL;
END
$$;

CREATE FUNCTION users_log() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  PERFORM showroom_write_change('user', lower(TG_OP),
    CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END,
    CASE WHEN TG_OP <> 'DELETE' THEN user_json(NEW) END,
    CASE WHEN TG_OP <> 'INSERT' THEN user_json(OLD) END);
  RETURN NULL;
END
$$;

CREATE FUNCTION branches_log() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  PERFORM showroom_write_change('branch', lower(TG_OP),
    CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END,
    CASE WHEN TG_OP <> 'DELETE' THEN branch_json(NEW) END,
    CASE WHEN TG_OP <> 'INSERT' THEN branch_json(OLD) END);
  RETURN NULL;
END
$$;

CREATE TRIGGER vehicles_lock BEFORE INSERT OR UPDATE OR DELETE ON vehicles
  FOR EACH STATEMENT EXECUTE FUNCTION showroom_lock_changes();
CREATE TRIGGER vehicles_log AFTER INSERT OR UPDATE OR DELETE ON vehicles
  FOR EACH ROW EXECUTE FUNCTION vehicles_log();
CREATE TRIGGER users_lock BEFORE INSERT OR UPDATE OR DELETE ON users
  FOR EACH STATEMENT EXECUTE FUNCTION showroom_lock_changes();
CREATE TRIGGER users_log AFTER INSERT OR UPDATE OR DELETE ON users
  FOR EACH ROW EXECUTE FUNCTION users_log();
CREATE TRIGGER branches_lock BEFORE INSERT OR UPDATE OR DELETE ON branches
  FOR EACH STATEMENT EXECUTE FUNCTION showroom_lock_changes();
CREATE TRIGGER branches_log AFTER INSERT OR UPDATE OR DELETE ON branches
  FOR EACH ROW EXECUTE FUNCTION branches_log();

-- Prunes the feed's snapshots (never the audit log) past the retention the server
-- asks for; runs as the owner because the application role may not delete there.
CREATE FUNCTION showroom_prune_feed(keep interval) RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  WITH gone AS (
    DELETE FROM change_feed f USING change_log l
     WHERE l.seq = f.seq AND l.at < now() - greatest(keep, interval '24 hours')
    RETURNING 1)
  SELECT count(*) FROM gone
$$;

-- Row-level security. The server sets showroom.role and showroom.branch_id with the
-- acting user for each transaction; without them a session sees no vehicle at all.
CREATE FUNCTION showroom_may_see_branch(branch bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT current_setting('showroom.role', true) = 'admin'
      OR branch = nullif(current_setting('showroom.branch_id', true), '')::bigint
$$;

ALTER TABLE vehicles ENABLE ROW LEVEL SECURITY;
CREATE POLICY vehicles_by_branch ON vehicles
  USING (showroom_may_see_branch(branch_id))
  WITH CHECK (showroom_may_see_branch(branch_id));

GRANT SELECT, INSERT, UPDATE ON vehicles TO showroom_app;
GRANT USAGE ON SEQUENCE vehicle_stock_no_seq TO showroom_app;
GRANT SELECT ON change_log, change_feed TO showroom_app;
REVOKE ALL ON FUNCTION showroom_prune_feed(interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION showroom_prune_feed(interval) TO showroom_app;
