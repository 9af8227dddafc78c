-- 0005: vehicles.list builds its items as text.
--
-- vehicle_json() builds a jsonb object and the list then prints it: about 17 µs a
-- row, most of a 100,000-vehicle load's database time. vehicle_list_json() writes
-- the same object straight as text (each string escaped by to_json, money as
-- numeric(12,2) prints it, dates and timestamps as to_json writes them whatever the
-- DateStyle), in the order Vehicle lists its fields: a third of the time. It must
-- give exactly vehicle_json(v) (without cost when with_cost is false) once parsed;
-- the tests compare the two over whole tables. It is a single SELECT, so the
-- planner inlines it into the list's statement.

CREATE FUNCTION vehicle_list_json(v vehicles, with_cost boolean) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT concat('{"id":', v.id, ',"stock_no":', to_json(v.stock_no),
    ',"vin":', to_json(v.vin), ',"make":', to_json(v.make), ',"model":', to_json(v.model),
    ',"variant":', to_json(v.variant), ',"year":', v.year, ',"color":', to_json(v.color),
    ',"fuel":', to_json(v.fuel), ',"odometer_km":', v.odometer_km,
    ',"price":"', v.price, '"',
    CASE WHEN with_cost THEN concat(',"cost":"', v.cost, '"') END,
    ',"status":', to_json(v.status), ',"branch_id":', v.branch_id,
    ',"location":', to_json(v.location), ',"arrived_on":', to_json(v.arrived_on),
    ',"notes":', to_json(v.notes), ',"version":', v.version,
    ',"updated_at":', to_json(v.updated_at), '}')
$$;
