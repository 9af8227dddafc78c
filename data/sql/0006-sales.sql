-- 0006: customers, follow-ups, sales and the receipt counters.
--
-- All three are branch records like vehicles: row-level security scopes them by
-- branch_id, the change log records every change through the same writer (so the feed
-- delivers entity customer, followup and sale to the branch), and each record's JSON is
-- built here once for reads, the log and the feed alike.
--
-- A sale moves its vehicle: reserving sets it `reserved`, completing `sold`, cancelling
-- back to `in_stock`, through the vehicles table itself, so the vehicle's version and
-- history show each step (path "sale:<id>"). At most one live (reserved or completed)
-- sale per vehicle, enforced by a unique index. Receipt numbers come from one counter
-- row per branch, incremented in the completing transaction: a rolled back completion
-- gives its number back, so a branch's receipts run 1, 2, 3... without a gap.

CREATE TYPE customer_status AS ENUM ('lead', 'active', 'inactive');
CREATE TYPE followup_kind AS ENUM ('call', 'visit', 'email', 'sms', 'test_drive');
CREATE TYPE followup_status AS ENUM ('pending', 'done', 'cancelled');
CREATE TYPE sale_status AS ENUM ('reserved', 'completed', 'cancelled');
CREATE TYPE payment_method AS ENUM ('cash', 'card', 'upi', 'bank_transfer', 'finance');

CREATE TABLE customers (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name        text NOT NULL CHECK (btrim(name) <> '' AND char_length(name) <= 200),
  phone       text NOT NULL DEFAULT '' CHECK (phone = '' OR phone ~ '^\+?[0-9]{8,15}$'),
  email       text NOT NULL DEFAULT '' CHECK (char_length(email) <= 254),
  city        text NOT NULL DEFAULT '' CHECK (char_length(city) <= 100),
  branch_id   bigint NOT NULL REFERENCES branches (id),
  status      customer_status NOT NULL DEFAULT 'lead',
  notes       text NOT NULL DEFAULT '' CHECK (char_length(notes) <= 4000),
  version     integer NOT NULL DEFAULT 1 CHECK (version >= 1),
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customers_branch_idx ON customers (branch_id, id);
CREATE INDEX customers_text_idx ON customers USING gin (
  lower(name || ' ' || phone || ' ' || email) gin_trgm_ops);

CREATE FUNCTION customer_json(c customers) RETURNS jsonb
LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object(
    'id', c.id, 'name', c.name, 'phone', c.phone, 'email', c.email, 'city', c.city,
    'branch_id', c.branch_id, 'status', c.status, 'notes', c.notes, 'version', c.version,
    'created_at', to_json(c.created_at) #>> '{}')
$$;

-- As for vehicles: the version moves on every real change, whoever makes it.
CREATE FUNCTION customers_before_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.id <> OLD.id OR NEW.created_at <> OLD.created_at THEN
    RAISE EXCEPTION 'id and created_at cannot change' USING ERRCODE = 'check_violation';
  END IF;
  NEW.version := OLD.version;
  IF NEW IS DISTINCT FROM OLD THEN
    NEW.version := OLD.version + 1;
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER customers_before_update BEFORE UPDATE ON customers
  FOR EACH ROW EXECUTE FUNCTION customers_before_update();

CREATE TABLE followups (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id   bigint NOT NULL REFERENCES customers (id),
  vehicle_id    bigint REFERENCES vehicles (id),
  branch_id     bigint NOT NULL REFERENCES branches (id),
  due_at        timestamptz NOT NULL,
  kind          followup_kind NOT NULL,
  note          text NOT NULL DEFAULT '' CHECK (char_length(note) <= 1000),
  assigned_to   bigint NOT NULL REFERENCES users (id),
  status        followup_status NOT NULL DEFAULT 'pending',
  outcome       text CHECK (char_length(outcome) <= 1000),
  created_at    timestamptz NOT NULL DEFAULT now(),
  completed_at  timestamptz,
  CHECK ((status = 'pending') = (completed_at IS NULL)),
  CHECK (status <> 'done' OR outcome IS NOT NULL)
);
CREATE INDEX followups_branch_due_idx ON followups (branch_id, status, due_at, id);
CREATE INDEX followups_customer_idx ON followups (customer_id, id);
CREATE INDEX followups_assigned_idx ON followups (assigned_to, status, due_at);

CREATE FUNCTION followup_json(f followups) RETURNS jsonb
LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object(
    'id', f.id, 'customer_id', f.customer_id, 'vehicle_id', f.vehicle_id,
    'branch_id', f.branch_id, 'due_at', to_json(f.due_at) #>> '{}', 'kind', f.kind,
    'note', f.note,
    'assigned_to', (SELECT jsonb_build_object('id', u.id, 'name', u.name)
                      FROM users u WHERE u.id = f.assigned_to),
    'status', f.status, 'outcome', f.outcome,
    'created_at', to_json(f.created_at) #>> '{}',
    'completed_at', to_json(f.completed_at) #>> '{}')
$$;

-- A follow-up is done once: after that nothing about it changes.
CREATE FUNCTION followups_before_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status <> 'pending' AND NEW IS DISTINCT FROM OLD THEN
    RAISE EXCEPTION 'follow-up % was already completed', OLD.id USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.id <> OLD.id OR NEW.customer_id <> OLD.customer_id OR NEW.created_at <> OLD.created_at
     OR NEW.assigned_to <> OLD.assigned_to THEN
    RAISE EXCEPTION 'a follow-up cannot be rewritten' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER followups_before_update BEFORE UPDATE ON followups
  FOR EACH ROW EXECUTE FUNCTION followups_before_update();

-- Sale ids are taken before the sale is written, so that every change a reservation
-- makes (the vehicle's status first) is logged under the path "sale:<id>".
CREATE SEQUENCE sale_id_seq;

CREATE TABLE sales (
  id              bigint PRIMARY KEY DEFAULT nextval('sale_id_seq'),
  receipt_no      bigint CHECK (receipt_no >= 1),
  vehicle_id      bigint NOT NULL REFERENCES vehicles (id),
  customer_id     bigint NOT NULL REFERENCES customers (id),
  branch_id       bigint NOT NULL REFERENCES branches (id),
  status          sale_status NOT NULL DEFAULT 'reserved',
  price           numeric(12, 2) NOT NULL CHECK (price >= 0),
  deposit         numeric(12, 2) NOT NULL DEFAULT 0 CHECK (deposit >= 0),
  payment_method  payment_method,
  sold_by         bigint NOT NULL REFERENCES users (id),
  created_at      timestamptz NOT NULL DEFAULT now(),
  completed_at    timestamptz,
  cancelled_at    timestamptz,
  cancel_reason   text CHECK (char_length(cancel_reason) <= 1000),
  CONSTRAINT sales_deposit_within_price CHECK (deposit <= price),
  CONSTRAINT sales_completed_check CHECK ((status = 'completed') =
    (receipt_no IS NOT NULL AND completed_at IS NOT NULL AND payment_method IS NOT NULL)),
  CONSTRAINT sales_cancelled_check CHECK ((status = 'cancelled') =
    (cancelled_at IS NOT NULL AND cancel_reason IS NOT NULL))
);
ALTER SEQUENCE sale_id_seq OWNED BY sales.id;
CREATE UNIQUE INDEX sales_receipt_key ON sales (branch_id, receipt_no) WHERE receipt_no IS NOT NULL;
CREATE UNIQUE INDEX sales_vehicle_live_key ON sales (vehicle_id)
  WHERE status IN ('reserved', 'completed');
CREATE INDEX sales_branch_idx ON sales (branch_id, status, id);
CREATE INDEX sales_completed_idx ON sales (branch_id, completed_at) WHERE status = 'completed';
CREATE INDEX sales_customer_idx ON sales (customer_id, id);

CREATE FUNCTION sale_json(s sales) RETURNS jsonb
LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object(
    'id', s.id, 'receipt_no', s.receipt_no, 'vehicle_id', s.vehicle_id,
    'customer_id', s.customer_id, 'branch_id', s.branch_id, 'status', s.status,
    'price', to_char(s.price, 'FM9999999990.00'),
    'deposit', to_char(s.deposit, 'FM9999999990.00'),
    'payment_method', s.payment_method,
    'sold_by', (SELECT jsonb_build_object('id', u.id, 'name', u.name)
                  FROM users u WHERE u.id = s.sold_by),
    'created_at', to_json(s.created_at) #>> '{}',
    'completed_at', to_json(s.completed_at) #>> '{}',
    'cancelled_at', to_json(s.cancelled_at) #>> '{}',
    'cancel_reason', s.cancel_reason)
$$;

-- A sale is decided once, reserved -> completed or cancelled; what it is of (vehicle,
-- customer, branch, seller) never changes.
CREATE FUNCTION sales_before_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status <> 'reserved' AND NEW IS DISTINCT FROM OLD THEN
    RAISE EXCEPTION 'sale % was already %', OLD.id, OLD.status USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.id <> OLD.id OR NEW.vehicle_id <> OLD.vehicle_id OR NEW.customer_id <> OLD.customer_id
     OR NEW.branch_id <> OLD.branch_id OR NEW.sold_by <> OLD.sold_by
     OR NEW.created_at <> OLD.created_at OR NEW.deposit <> OLD.deposit THEN
    RAISE EXCEPTION 'a sale cannot be rewritten' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER sales_before_update BEFORE UPDATE ON sales
  FOR EACH ROW EXECUTE FUNCTION sales_before_update();

-- The last receipt number given in each branch.
CREATE TABLE receipt_counters (
  branch_id  bigint PRIMARY KEY REFERENCES branches (id),
  last_no    bigint NOT NULL CHECK (last_no >= 1)
);

CREATE FUNCTION customers_log() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  PERFORM showroom_write_change('customer', lower(TG_OP),
    CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END,
    CASE WHEN TG_OP <> 'DELETE' THEN customer_json(NEW) END,
    CASE WHEN TG_OP <> 'INSERT' THEN customer_json(OLD) END);
  RETURN NULL;
END
$$;

CREATE FUNCTION followups_log() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  PERFORM showroom_write_change('followup', lower(TG_OP),
    CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END,
    CASE WHEN TG_OP <> 'DELETE' THEN followup_json(NEW) END,
    CASE WHEN TG_OP <> 'INSERT' THEN followup_json(OLD) END);
  RETURN NULL;
END
$$;

CREATE FUNCTION sales_log() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  PERFORM showroom_write_change('sale', lower(TG_OP),
    CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END,
    CASE WHEN TG_OP <> 'DELETE' THEN sale_json(NEW) END,
    CASE WHEN TG_OP <> 'INSERT' THEN sale_json(OLD) END);
  RETURN NULL;
END
$$;

CREATE TRIGGER customers_lock BEFORE INSERT OR UPDATE OR DELETE ON customers
  FOR EACH STATEMENT EXECUTE FUNCTION showroom_lock_changes();
CREATE TRIGGER customers_log AFTER INSERT OR UPDATE OR DELETE ON customers
  FOR EACH ROW EXECUTE FUNCTION customers_log();
CREATE TRIGGER followups_lock BEFORE INSERT OR UPDATE OR DELETE ON followups
  FOR EACH STATEMENT EXECUTE FUNCTION showroom_lock_changes();
CREATE TRIGGER followups_log AFTER INSERT OR UPDATE OR DELETE ON followups
  FOR EACH ROW EXECUTE FUNCTION followups_log();
CREATE TRIGGER sales_lock BEFORE INSERT OR UPDATE OR DELETE ON sales
  FOR EACH STATEMENT EXECUTE FUNCTION showroom_lock_changes();
CREATE TRIGGER sales_log AFTER INSERT OR UPDATE OR DELETE ON sales
  FOR EACH ROW EXECUTE FUNCTION sales_log();

ALTER TABLE customers ENABLE ROW LEVEL SECURITY;
CREATE POLICY customers_by_branch ON customers
  USING (showroom_may_see_branch(branch_id))
  WITH CHECK (showroom_may_see_branch(branch_id));

ALTER TABLE followups ENABLE ROW LEVEL SECURITY;
CREATE POLICY followups_by_branch ON followups
  USING (showroom_may_see_branch(branch_id))
  WITH CHECK (showroom_may_see_branch(branch_id));

ALTER TABLE sales ENABLE ROW LEVEL SECURITY;
CREATE POLICY sales_by_branch ON sales
  USING (showroom_may_see_branch(branch_id))
  WITH CHECK (showroom_may_see_branch(branch_id));

ALTER TABLE receipt_counters ENABLE ROW LEVEL SECURITY;
CREATE POLICY receipt_counters_by_branch ON receipt_counters
  USING (showroom_may_see_branch(branch_id))
  WITH CHECK (showroom_may_see_branch(branch_id));

-- No DELETE: customers, follow-ups and sales are kept; their status says what became
-- of them.
GRANT SELECT, INSERT, UPDATE ON customers, followups, sales, receipt_counters TO showroom_app;
GRANT USAGE ON SEQUENCE sale_id_seq TO showroom_app;
