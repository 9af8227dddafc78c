-- 0003: pending edits (four-eyes approval) and bulk update previews.
--
-- A pending edit is a proposed change to one vehicle, made against the version the
-- proposer saw. Approval applies it only while the vehicle is still at that version.
-- Edits are branch records: the vehicle's branch at proposal time, scoped by row-level
-- security and by the live feed like vehicles.
--
-- A bulk preview remembers every row it showed (the vehicle's version, the values
-- before and after), so applying it changes exactly what was shown, or nothing.

CREATE TYPE edit_status AS ENUM ('pending', 'approved', 'rejected', 'stale', 'withdrawn');

CREATE SEQUENCE edit_batch_seq;

CREATE TABLE pending_edits (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  vehicle_id    bigint NOT NULL REFERENCES vehicles (id),
  branch_id     bigint NOT NULL REFERENCES branches (id),
  batch_id      bigint,
  proposed_by   bigint NOT NULL REFERENCES users (id),
  base_version  integer NOT NULL CHECK (base_version >= 1),
  changes       jsonb NOT NULL CHECK (jsonb_typeof(changes) = 'object' AND changes <> '{}'),
  reason        text NOT NULL DEFAULT '' CHECK (char_length(reason) <= 1000),
  status        edit_status NOT NULL DEFAULT 'pending',
  decided_by    bigint REFERENCES users (id),
  decided_at    timestamptz,
  note          text NOT NULL DEFAULT '' CHECK (char_length(note) <= 1000),
  created_at    timestamptz NOT NULL DEFAULT now(),
  CHECK ((status = 'pending') = (decided_at IS NULL))
);
CREATE INDEX pending_edits_branch_idx ON pending_edits (branch_id, status, id);
CREATE INDEX pending_edits_vehicle_idx ON pending_edits (vehicle_id, id);
CREATE INDEX pending_edits_batch_idx ON pending_edits (batch_id) WHERE batch_id IS NOT NULL;
CREATE INDEX pending_edits_proposer_idx ON pending_edits (proposed_by, id);

-- The protocol's PendingEdit, with branch_id (the feed scopes by it) and the proposer's
-- and decider's names.
CREATE FUNCTION pending_edit_json(e pending_edits) RETURNS jsonb
LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object(
    'id', e.id, 'vehicle_id', e.vehicle_id, 'branch_id', e.branch_id,
    'batch_id', e.batch_id,
    'proposed_by', (SELECT jsonb_build_object('id', u.id, 'name', u.name)
                      FROM users u WHERE u.id = e.proposed_by),
    'base_version', e.base_version, 'changes', e.changes, 'reason', e.reason,
    'status', e.status,
    'decided_by', (SELECT jsonb_build_object('id', u.id, 'name', u.name)
                     FROM users u WHERE u.id = e.decided_by),
    'decided_at', to_json(e.decided_at) #>> '{}', 'note', e.note,
    'created_at', to_json(e.created_at) #>> '{}')
$$;

-- The fields an edit fixes once proposed: only its decision may change.
CREATE FUNCTION pending_edits_before_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.vehicle_id <> OLD.vehicle_id OR NEW.branch_id <> OLD.branch_id
     OR NEW.batch_id IS DISTINCT FROM OLD.batch_id OR NEW.proposed_by <> OLD.proposed_by
     OR NEW.base_version <> OLD.base_version OR NEW.changes <> OLD.changes
     OR NEW.reason <> OLD.reason OR NEW.created_at <> OLD.created_at THEN
    RAISE EXCEPTION 'a proposal cannot be rewritten' USING ERRCODE = 'check_violation';
  END IF;
  IF OLD.status <> 'pending' AND NEW.status IS DISTINCT FROM OLD.status THEN
    RAISE EXCEPTION 'edit % was already decided', OLD.id USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER pending_edits_before_update BEFORE UPDATE ON pending_edits
  FOR EACH ROW EXECUTE FUNCTION pending_edits_before_update();

CREATE FUNCTION pending_edits_log() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  PERFORM showroom_write_change('pending_edit', lower(TG_OP),
    CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END,
    CASE WHEN TG_OP <> 'DELETE' THEN pending_edit_json(NEW) END,
    CASE WHEN TG_OP <> 'INSERT' THEN pending_edit_json(OLD) END);
  RETURN NULL;
END
$$;

CREATE TRIGGER pending_edits_lock BEFORE INSERT OR UPDATE OR DELETE ON pending_edits
  FOR EACH STATEMENT EXECUTE FUNCTION showroom_lock_changes();
CREATE TRIGGER pending_edits_log AFTER INSERT OR UPDATE OR DELETE ON pending_edits
  FOR EACH ROW EXECUTE FUNCTION pending_edits_log();

-- Applies approved edits, each under its own path "edit:<id>" in the change log, and
-- only where the vehicle is still at the edit's base version. Runs as the caller, so
-- row-level security holds. Returns the vehicles as changed; a row missing from the
-- result was not applied.
CREATE FUNCTION showroom_apply_edits(ids bigint[])
RETURNS TABLE (edit_id bigint, vehicle jsonb)
LANGUAGE plpgsql AS $$
DECLARE
  e pending_edits;
  v vehicles;
BEGIN
  FOR e IN SELECT * FROM pending_edits WHERE id = ANY (ids) ORDER BY id LOOP
    PERFORM set_config('showroom.via', 'edit:' || e.id, true);
    UPDATE vehicles AS t
       SET (vin, make, model, variant, year, color, fuel, odometer_km, price, cost,
            status, branch_id, location, arrived_on, notes) =
           (SELECT r.vin, r.make, r.model, r.variant, r.year, r.color, r.fuel,
                   r.odometer_km, r.price, r.cost, r.status, r.branch_id, r.location,
                   r.arrived_on, r.notes
              FROM jsonb_populate_record(t, e.changes) r)
     WHERE t.id = e.vehicle_id AND t.version = e.base_version
     RETURNING t.* INTO v;
    IF FOUND THEN
      edit_id := e.id;
      vehicle := vehicle_json(v);
      RETURN NEXT;
    END IF;
  END LOOP;
  PERFORM set_config('showroom.via', 'direct', true);
END
$$;

CREATE TABLE bulk_previews (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id     bigint NOT NULL REFERENCES users (id),
  branch_id   bigint NOT NULL REFERENCES branches (id),
  op          jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  applied_at  timestamptz,
  batch_id    bigint
);
CREATE INDEX bulk_previews_expires_idx ON bulk_previews (expires_at);

CREATE TABLE bulk_preview_rows (
  preview_id  bigint NOT NULL REFERENCES bulk_previews (id) ON DELETE CASCADE,
  user_id     bigint NOT NULL,
  vehicle_id  bigint NOT NULL,
  stock_no    text NOT NULL,
  version     integer NOT NULL,
  before      jsonb NOT NULL,
  after       jsonb NOT NULL,
  PRIMARY KEY (preview_id, vehicle_id)
);

-- A preview is its maker's alone.
CREATE FUNCTION showroom_acting_user() RETURNS bigint
LANGUAGE sql STABLE AS $$
  SELECT nullif(current_setting('showroom.user_id', true), '')::bigint
$$;

ALTER TABLE pending_edits ENABLE ROW LEVEL SECURITY;
CREATE POLICY pending_edits_by_branch ON pending_edits
  USING (showroom_may_see_branch(branch_id))
  WITH CHECK (showroom_may_see_branch(branch_id));

ALTER TABLE bulk_previews ENABLE ROW LEVEL SECURITY;
CREATE POLICY bulk_previews_by_maker ON bulk_previews
  USING (user_id = showroom_acting_user())
  WITH CHECK (user_id = showroom_acting_user());

ALTER TABLE bulk_preview_rows ENABLE ROW LEVEL SECURITY;
-- The maker's id is kept on each row too: the rows are written by the statement that
-- writes the preview, which the policy could not see yet.
CREATE POLICY bulk_preview_rows_by_maker ON bulk_preview_rows
  USING (user_id = showroom_acting_user())
  WITH CHECK (user_id = showroom_acting_user());

-- Spent and expired previews go with the hourly prune.
CREATE FUNCTION showroom_prune_previews() RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  WITH gone AS (
    DELETE FROM bulk_previews WHERE expires_at < now() - interval '1 hour'
    RETURNING 1)
  SELECT count(*) FROM gone
$$;
REVOKE ALL ON FUNCTION showroom_prune_previews() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION showroom_prune_previews() TO showroom_app;

GRANT SELECT, INSERT, UPDATE ON pending_edits TO showroom_app;
GRANT USAGE ON SEQUENCE edit_batch_seq TO showroom_app;
GRANT SELECT, INSERT, UPDATE ON bulk_previews TO showroom_app;
GRANT SELECT, INSERT ON bulk_preview_rows TO showroom_app;
