-- 0008: whether a VIN is already taken, across every branch.
--
-- A proposal to change a VIN is checked when it is made, not only when a manager
-- approves it (where the unique index would refuse it). Row-level security hides other
-- branches' vehicles from the acting user, so the question runs as the owner; it
-- answers yes or no and shows nothing else, as vehicles.create's duplicate_vin does.

CREATE FUNCTION showroom_vin_in_use(candidate text, except_id bigint) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT EXISTS (SELECT 1 FROM vehicles WHERE vin = candidate AND id <> except_id)
$$;

REVOKE ALL ON FUNCTION showroom_vin_in_use(text, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION showroom_vin_in_use(text, bigint) TO showroom_app;
