/* test-bulk.c: bulk.preview and bulk.apply against a real showroomd: a preview changes
 * nothing and shows exactly what applying it then does, rounding of percent changes,
 * stale and spent previews applying nothing, a sales user's apply becoming one batch of
 * pending edits, the 10,000-row limit, branch and cost scoping, bad input, and the live
 * events an apply sends. Run one case under gdb or valgrind with CK_FORK=no
 * CK_RUN_CASE=<case>. */
#define G_LOG_DOMAIN "test-bulk"

#include "config.h"

#include <check.h>
#include <string.h>

#include "sr-error.h"
#include "sr-rpc.h"
#include "sr-test-server.h"

#define MAX_ROWS 10000

/* Users of the fixture, by id. */
#define MUMBAI_ADMIN   1
#define MUMBAI_MANAGER 2
#define MUMBAI_SALES   3

static char *dbname;
static char *conninfo;
static SrTestServer *server;

static void
setup (void)
{
  sr_test_fixture_start (&dbname, &conninfo, &server);
}

static void
teardown (void)
{
  sr_test_fixture_stop (&dbname, &conninfo, &server);
}

/* --- database helpers ------------------------------------------------------------------- */

static guint vin_counter;

/* A vehicle stocked straight in the database (version 1, cost 400000.00); returns its id. */
static gint64
add_vehicle (const char *make,
             gint64      branch_id,
             const char *price)
{
  g_autofree char *id = sr_test_queryf (dbname,
    "INSERT INTO vehicles (vin, make, model, year, price, cost, branch_id)"
    " VALUES ('MA3' || lpad('%u', 14, '0'), '%s', 'Model', 2022, '%s', 400000, %" G_GINT64_FORMAT ")"
    " RETURNING id", ++vin_counter, make, price, branch_id);

  return g_ascii_strtoll (id, NULL, 10);
}

/* A change made in psql: bumps the version like any other. */
static void
touch_in_sql (gint64      id,
              const char *assignments)
{
  sr_test_execf (dbname, "UPDATE vehicles SET %s WHERE id = %" G_GINT64_FORMAT, assignments, id);
}

static gint64
db_version (gint64 id)
{
  g_autofree char *sql = g_strdup_printf ("SELECT version FROM vehicles WHERE id = %" G_GINT64_FORMAT, id);

  return sr_test_query_int (dbname, sql);
}

static char *
db_stock_no (gint64 id)
{
  return sr_test_queryf (dbname, "SELECT stock_no FROM vehicles WHERE id = %" G_GINT64_FORMAT, id);
}

static gint64
count_changes (void)
{
  return sr_test_count (dbname, "change_log");
}

static gint64
count_vehicle_changes (void)
{
  return sr_test_query_int (dbname, "SELECT count(*) FROM change_log WHERE entity = 'vehicle'");
}

static gint64
current_seq (void)
{
  return sr_test_query_int (dbname, "SELECT coalesce(max(seq), 0) FROM change_log");
}

/* Every vehicle matching @where as the database holds it, version and updated_at
 * included: equal snapshots mean nothing about those vehicles changed. */
static char *
snapshot (const char *where)
{
  return sr_test_queryf (dbname, "SELECT coalesce(string_agg(vehicle_json(v)::text, E'\\n' ORDER BY v.id), '')"
                         "  FROM vehicles v WHERE %s", where);
}

/* --- JSON helpers ----------------------------------------------------------------------- */

static JsonObject *
member_object (JsonObject *object,
               const char *name)
{
  ck_assert_msg (json_object_has_member (object, name) &&
                 JSON_NODE_HOLDS_OBJECT (json_object_get_member (object, name)),
                 "no object %s", name);
  return json_object_get_object_member (object, name);
}

static JsonArray *
member_array (JsonObject *object,
              const char *name)
{
  ck_assert_msg (json_object_has_member (object, name) &&
                 JSON_NODE_HOLDS_ARRAY (json_object_get_member (object, name)),
                 "no array %s", name);
  return json_object_get_array_member (object, name);
}

static const char *
member_string (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  ck_assert_msg (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
                 json_node_get_value_type (node) == G_TYPE_STRING, "%s is not a string", name);
  return json_node_get_string (node);
}

static gint64
member_int (JsonObject *object,
            const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  ck_assert_msg (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
                 json_node_get_value_type (node) == G_TYPE_INT64, "%s is not an integer", name);
  return json_node_get_int (node);
}

static char *
text_of (JsonNode *node)
{
  return sr_json_to_string (node, NULL);
}

/* The names of an object's members, sorted and joined: "location,notes,status". */
static char *
member_names (JsonObject *object)
{
  g_autoptr(GList) names = g_list_sort (json_object_get_members (object), (GCompareFunc) g_strcmp0);
  GString *out = g_string_new (NULL);

  for (GList *l = names; l != NULL; l = l->next)
    g_string_append_printf (out, "%s%s", out->len ? "," : "", (const char *) l->data);

  return g_string_free (out, FALSE);
}

/* --- client helpers --------------------------------------------------------------------- */

static JsonNode *
preview (SrConnection *connection,
         const char   *filter,
         const char   *op)
{
  return sr_test_call_okf (connection, "bulk.preview", "{\"filter\":%s,\"op\":%s}", filter, op);
}

static JsonArray *
rows_of (JsonNode *result)
{
  return member_array (sr_test_object (result), "rows");
}

static guint
n_rows (JsonNode *result)
{
  return json_array_get_length (rows_of (result));
}

static JsonObject *
row_at (JsonNode *result,
        guint     index)
{
  ck_assert_uint_lt (index, n_rows (result));
  return json_array_get_object_element (rows_of (result), index);
}

static JsonObject *
row_for (JsonNode *result,
         gint64    id)
{
  for (guint i = 0; i < n_rows (result); i++)
    if (member_int (row_at (result, i), "id") == id)
      return row_at (result, i);

  return NULL;
}

/* The ids of the rows in the order shown, "4,1,7". */
static char *
row_ids (JsonNode *result)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < n_rows (result); i++)
    g_string_append_printf (out, "%s%" G_GINT64_FORMAT, i ? "," : "",
                            member_int (row_at (result, i), "id"));

  return g_string_free (out, FALSE);
}

/* The ids the database holds for @where, in stock number order, as a preview lists them. */
static char *
expected_ids (const char *where)
{
  return sr_test_queryf (dbname, "SELECT coalesce(string_agg(id::text, ',' ORDER BY stock_no), '')"
                         "  FROM vehicles WHERE %s", where);
}

/* The one row a preview of one vehicle shows: its price after. */
static char *
price_after (SrConnection *connection,
             const char   *make,
             const char   *op)
{
  g_autofree char *filter = g_strdup_printf ("{\"make\":\"%s\"}", make);
  g_autoptr(JsonNode) result = preview (connection, filter, op);

  ck_assert_msg (n_rows (result) == 1, "%s over make %s showed %u rows", op, make, n_rows (result));
  return g_strdup (member_string (member_object (row_at (result, 0), "after"), "price"));
}

static gint64
preview_id (JsonNode *result)
{
  return sr_test_get_int (result, "preview_id");
}

static JsonNode *
apply (SrConnection *connection,
       gint64        id)
{
  return sr_test_call_okf (connection, "bulk.apply", "{\"preview_id\":%" G_GINT64_FORMAT "}", id);
}

static GError *
apply_fails (SrConnection *connection,
             gint64        id,
             const char   *reason)
{
  g_autofree char *params = g_strdup_printf ("{\"preview_id\":%" G_GINT64_FORMAT "}", id);

  return sr_test_call_fails (connection, "bulk.apply", params, reason);
}

static JsonNode *
get_vehicle (SrConnection *connection,
             gint64        id)
{
  return sr_test_call_okf (connection, "vehicles.get", "{\"id\":%" G_GINT64_FORMAT "}", id);
}

static JsonNode *
history_of (SrConnection *connection,
            gint64        id)
{
  return sr_test_call_okf (connection, "vehicles.history", "{\"id\":%" G_GINT64_FORMAT "}", id);
}

static guint
history_length (SrConnection *connection,
                gint64        id)
{
  g_autoptr(JsonNode) history = history_of (connection, id);

  return json_array_get_length (member_array (sr_test_object (history), "items"));
}

static void
assert_rpc_code (const GError *error,
                 int           code)
{
  ck_assert_msg (sr_error_rpc_code (error->code) == code, "code %d, expected %d (%s)",
                 sr_error_rpc_code (error->code), code, error->message);
}

static void
assert_field (const GError *error,
              const char   *field)
{
  ck_assert_msg (g_strcmp0 (sr_error_get_field (error), field) == 0, "data.field is %s, expected %s (%s)",
                 sr_error_get_field (error) ? sr_error_get_field (error) : "(none)", field,
                 error->message);
}

/* data.changed of a preview_stale failure, "SR000002,SR000004". */
static char *
changed_of (const GError *error)
{
  JsonObject *extra = sr_error_get_extra (error);
  GString *out = g_string_new (NULL);
  JsonArray *changed;

  ck_assert_msg (extra != NULL && json_object_has_member (extra, "changed") &&
                 JSON_NODE_HOLDS_ARRAY (json_object_get_member (extra, "changed")),
                 "preview_stale without data.changed (%s)", error->message);
  changed = json_object_get_array_member (extra, "changed");
  for (guint i = 0; i < json_array_get_length (changed); i++)
    g_string_append_printf (out, "%s%s", i ? "," : "", json_array_get_string_element (changed, i));

  return g_string_free (out, FALSE);
}

/* The vehicle holds every value of @values (a row's after). */
static void
assert_holds (JsonObject *vehicle,
              JsonObject *values)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  json_object_iter_init (&iter, values);
  while (json_object_iter_next (&iter, &name, &value))
    {
      g_autofree char *want = text_of (value);
      g_autofree char *got = NULL;

      ck_assert_msg (json_object_has_member (vehicle, name), "the vehicle has no %s", name);
      got = text_of (json_object_get_member (vehicle, name));
      ck_assert_msg (g_str_equal (want, got), "vehicle %" G_GINT64_FORMAT ": %s is %s, the preview said %s",
                     member_int (vehicle, "id"), name, got, want);
    }
}

/* A refused preview stores nothing and changes nothing; returns the error. */
static GError *
refuse_preview (SrConnection *connection,
                const char   *params,
                const char   *reason,
                const char   *field)
{
  gint64 previews = sr_test_count (dbname, "bulk_previews");
  gint64 preview_rows = sr_test_count (dbname, "bulk_preview_rows");
  gint64 changes = count_changes ();
  GError *error = sr_test_call_fails (connection, "bulk.preview", params, reason);

  if (field != NULL)
    assert_field (error, field);
  ck_assert_msg (sr_test_count (dbname, "bulk_previews") == previews, "a refused preview (%s) was stored", params);
  ck_assert_msg (sr_test_count (dbname, "bulk_preview_rows") == preview_rows, "a refused preview (%s) stored rows",
                 params);
  ck_assert_msg (count_changes () == changes, "a refused preview (%s) changed something", params);

  return error;
}

/* --- preview and apply ------------------------------------------------------------------ */

START_TEST (test_preview_then_apply)
{
  g_autoptr(SrConnection) manager = sr_test_connect_as (server, "manager@mumbai.test");
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(JsonNode) again = NULL;
  g_autoptr(JsonNode) applied = NULL;
  g_autoptr(GDateTime) expires = NULL;
  g_autofree char *before_all = NULL;
  g_autofree char *after_preview = NULL;
  g_autofree char *untouched_before = NULL;
  g_autofree char *untouched_after = NULL;
  g_autofree char *ids = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *via = NULL;
  g_autofree char *stored_expiry = NULL;
  gint64 changes;
  gint64 seq;
  gint64 vehicles[6];
  gint64 versions[6];
  guint histories[6];
  gint64 bulk_id;

  vehicles[0] = add_vehicle ("Maruti", 1, "100.01");
  vehicles[1] = add_vehicle ("Hyundai", 1, "200000.00");
  vehicles[2] = add_vehicle ("Maruti", 1, "650000.00");
  vehicles[3] = add_vehicle ("Maruti", 2, "700000.00");     /* Pune: not the manager's */
  vehicles[4] = add_vehicle ("Maruti", 1, "10.10");
  vehicles[5] = add_vehicle ("Maruti", 1, "0.00");          /* +2.5% of nothing changes nothing */
  touch_in_sql (vehicles[2], "notes = 'serviced'");
  touch_in_sql (vehicles[2], "color = 'Red'");
  touch_in_sql (vehicles[4], "location = 'Bay 4'");

  for (guint i = 0; i < G_N_ELEMENTS (vehicles); i++)
    {
      versions[i] = db_version (vehicles[i]);
      histories[i] = i == 3 ? 0 : history_length (manager, vehicles[i]);
    }
  before_all = snapshot ("true");
  changes = count_changes ();
  seq = current_seq ();

  result = preview (manager, "{\"make\":\"Maruti\"}", "{\"price_pct\":2.5}");

  /* Nothing changed: not a field, not a version, not the log. */
  after_preview = snapshot ("true");
  ck_assert_str_eq (after_preview, before_all);
  ck_assert_int_eq (count_changes (), changes);
  ck_assert_int_eq (current_seq (), seq);

  /* Mumbai's Marutis whose price moves, in stock number order, each with its price
   * before and after and nothing else. */
  ids = row_ids (result);
  expected = g_strdup_printf ("%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT,
                              vehicles[0], vehicles[2], vehicles[4]);
  ck_assert_str_eq (ids, expected);
  ck_assert_int_eq (sr_test_get_int (result, "count"), 3);
  for (guint i = 0; i < n_rows (result); i++)
    {
      JsonObject *row = row_at (result, i);
      g_autofree char *stock_no = db_stock_no (member_int (row, "id"));
      g_autofree char *before_names = member_names (member_object (row, "before"));
      g_autofree char *after_names = member_names (member_object (row, "after"));

      ck_assert_str_eq (member_string (row, "stock_no"), stock_no);
      ck_assert_str_eq (before_names, "price");
      ck_assert_str_eq (after_names, "price");
    }
  ck_assert_str_eq (member_string (member_object (row_for (result, vehicles[0]), "before"), "price"), "100.01");
  ck_assert_str_eq (member_string (member_object (row_for (result, vehicles[0]), "after"), "price"), "102.51");
  ck_assert_str_eq (member_string (member_object (row_for (result, vehicles[2]), "before"), "price"), "650000.00");
  ck_assert_str_eq (member_string (member_object (row_for (result, vehicles[2]), "after"), "price"), "666250.00");
  ck_assert_str_eq (member_string (member_object (row_for (result, vehicles[4]), "after"), "price"), "10.35");

  /* Lives 15 minutes. */
  expires = g_date_time_new_from_iso8601 (sr_test_get_string (result, "expires_at"), NULL);
  ck_assert_msg (expires != NULL, "expires_at is not RFC 3339: %s", sr_test_get_string (result, "expires_at"));
  stored_expiry = sr_test_queryf (dbname, "SELECT (expires_at = created_at + interval '15 minutes')::text"
                                  "  FROM bulk_previews WHERE id = %" G_GINT64_FORMAT, preview_id (result));
  ck_assert_str_eq (stored_expiry, "true");

  /* Asking again shows the same rows under a new preview. */
  again = preview (manager, "{\"make\":\"Maruti\"}", "{\"price_pct\":2.5}");
  ck_assert_int_ne (preview_id (again), preview_id (result));
  ck_assert_msg (json_node_equal (json_object_get_member (sr_test_object (again), "rows"),
                                  json_object_get_member (sr_test_object (result), "rows")),
                 "a second preview shows other rows");

  untouched_before = snapshot ("make <> 'Maruti' OR branch_id <> 1 OR price = 0");
  applied = apply (manager, preview_id (result));
  ck_assert_int_eq (sr_test_get_int (applied, "applied"), sr_test_get_int (result, "count"));
  bulk_id = sr_test_get_int (applied, "bulk_id");
  via = g_strdup_printf ("bulk:%" G_GINT64_FORMAT, bulk_id);

  /* Each row now holds what the preview said, one version on; one log entry each. */
  for (guint i = 0; i < n_rows (result); i++)
    {
      JsonObject *row = row_at (result, i);
      gint64 id = member_int (row, "id");
      g_autoptr(JsonNode) vehicle = get_vehicle (manager, id);
      g_autoptr(JsonNode) history = history_of (manager, id);
      JsonArray *items = member_array (sr_test_object (history), "items");
      JsonObject *entry;
      JsonObject *entry_changes;
      g_autofree char *pair = NULL;
      g_autofree char *expected_pair = NULL;
      guint k;

      for (k = 0; vehicles[k] != id; k++)
        ;
      assert_holds (sr_test_object (vehicle), member_object (row, "after"));
      ck_assert_int_eq (sr_test_get_int (vehicle, "version"), versions[k] + 1);

      ck_assert_uint_eq (json_array_get_length (items), histories[k] + 1);
      entry = json_array_get_object_element (items, 0);
      ck_assert_str_eq (member_string (entry, "via"), via);
      ck_assert_str_eq (member_string (entry, "op"), "update");
      ck_assert_int_eq (member_int (member_object (entry, "user"), "id"), MUMBAI_MANAGER);
      ck_assert_str_eq (member_string (member_object (entry, "user"), "name"), "Mumbai Manager");
      entry_changes = member_object (entry, "changes");
      ck_assert_uint_eq (json_object_get_size (entry_changes), 1);
      pair = text_of (json_object_get_member (entry_changes, "price"));
      expected_pair = g_strdup_printf ("[\"%s\",\"%s\"]",
                                       member_string (member_object (row, "before"), "price"),
                                       member_string (member_object (row, "after"), "price"));
      ck_assert_str_eq (pair, expected_pair);
    }
  ck_assert_int_eq (count_changes (), changes + 3);

  /* The rest were left alone. */
  untouched_after = snapshot ("make <> 'Maruti' OR branch_id <> 1 OR price = 0");
  ck_assert_str_eq (untouched_after, untouched_before);
  ck_assert_uint_eq (history_length (manager, vehicles[1]), histories[1]);
  ck_assert_uint_eq (history_length (manager, vehicles[5]), histories[5]);
}
END_TEST

START_TEST (test_price_pct_rounding)
{
  g_autoptr(SrConnection) manager = sr_test_connect_as (server, "manager@mumbai.test");
  g_autoptr(JsonNode) zero = NULL;
  g_autoptr(JsonNode) tiny = NULL;
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(JsonNode) applied = NULL;
  g_autoptr(JsonNode) vehicle = NULL;
  static const struct {
    const char *price;
    const char *op;
    const char *after;
  } cases[] = {
    { "100.01", "{\"price_pct\":2.5}", "102.51" },       /* 102.510250 */
    { "10.10", "{\"price_pct\":5}", "10.61" },           /* 10.605: half away from zero */
    { "10.10", "{\"price_pct\":5.0}", "10.61" },
    { "10.10", "{\"price_pct\":-5}", "9.60" },           /* 9.595 */
    { "0.01", "{\"price_pct\":50}", "0.02" },            /* 0.015 */
    { "0.03", "{\"price_pct\":-50}", "0.02" },           /* 0.015 */
    { "845000.00", "{\"price_pct\":-12.5}", "739375.00" },
    { "999.99", "{\"price_pct\":-100}", "0.00" },        /* the lowest allowed */
    { "999.99", "{\"price_pct\":1000}", "10999.89" },    /* the highest */
    { "123.45", "{\"price_pct\":1e1}", "135.80" },       /* 135.795 */
  };
  gint64 ids[G_N_ELEMENTS (cases)];

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *make = g_strdup_printf ("Make%u", i);

      ids[i] = add_vehicle (make, 1, cases[i].price);
    }

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *make = g_strdup_printf ("Make%u", i);
      g_autofree char *after = price_after (manager, make, cases[i].op);

      ck_assert_msg (g_str_equal (after, cases[i].after), "%s at %s became %s, expected %s",
                     cases[i].price, cases[i].op, after, cases[i].after);
    }

  /* A change that rounds away, or none at all, lists no row. */
  zero = preview (manager, "{\"make\":\"Make0\"}", "{\"price_pct\":0}");
  ck_assert_int_eq (sr_test_get_int (zero, "count"), 0);
  ck_assert_uint_eq (n_rows (zero), 0);
  tiny = preview (manager, "{\"make\":\"Make4\"}", "{\"price_pct\":10}");   /* 0.011 */
  ck_assert_int_eq (sr_test_get_int (tiny, "count"), 0);
  ck_assert_uint_eq (n_rows (tiny), 0);

  /* What is stored is what was shown. */
  result = preview (manager, "{\"make\":\"Make1\"}", "{\"price_pct\":5}");
  applied = apply (manager, preview_id (result));
  ck_assert_int_eq (sr_test_get_int (applied, "applied"), 1);
  vehicle = get_vehicle (manager, ids[1]);
  ck_assert_str_eq (sr_test_get_string (vehicle, "price"), "10.61");
}
END_TEST

/* A percent is the decimal number the client wrote: 0.3 means 0.3, not the binary
 * double nearest to it, so 15.00 at +0.3% is 15.045 and rounds up. */
START_TEST (test_price_pct_decimal_percent)
{
  g_autoptr(SrConnection) manager = sr_test_connect_as (server, "manager@mumbai.test");
  static const struct {
    const char *price;
    const char *op;
    const char *after;
  } cases[] = {
    { "15.00", "{\"price_pct\":0.3}", "15.05" },         /* 15.045 */
    { "10.00", "{\"price_pct\":1.15}", "10.12" },        /* 10.115 */
    { "10.00", "{\"price_pct\":-1.15}", "9.89" },        /* 9.885 */
    { "150.00", "{\"price_pct\":0.7}", "151.05" },       /* 151.050 exactly */
  };
  GString *wrong = g_string_new (NULL);
  char message[1024];

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *make = g_strdup_printf ("Make%u", i);

      add_vehicle (make, 1, cases[i].price);
    }

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *make = g_strdup_printf ("Make%u", i);
      g_autofree char *after = price_after (manager, make, cases[i].op);

      if (!g_str_equal (after, cases[i].after))
        g_string_append_printf (wrong, "; %s at %s became %s, expected %s", cases[i].price,
                                cases[i].op, after, cases[i].after);
    }

  /* Everything freed first: under CK_FORK=no a failed check leaves the function early. */
  g_strlcpy (message, wrong->str, sizeof message);
  g_string_free (wrong, TRUE);
  g_clear_object (&manager);
  ck_assert_msg (message[0] == '\0', "percent changes rounded wrongly%s", message);
}
END_TEST

START_TEST (test_price_add_and_set)
{
  g_autoptr(SrConnection) manager = sr_test_connect_as (server, "manager@mumbai.test");
  g_autoptr(JsonNode) down = NULL;
  g_autoptr(JsonNode) up = NULL;
  g_autoptr(JsonNode) priced = NULL;
  g_autoptr(JsonNode) set = NULL;
  g_autoptr(JsonNode) applied = NULL;
  g_autoptr(JsonNode) history = NULL;
  g_autoptr(JsonNode) same = NULL;
  g_autofree char *ids = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *names = NULL;
  g_autofree char *untouched = NULL;
  g_autofree char *untouched_after = NULL;
  g_autofree char *untouched_where = NULL;
  JsonObject *row;
  JsonObject *entry;
  gint64 a, b, c, d, e;

  a = add_vehicle ("Tata", 1, "650000.00");
  b = add_vehicle ("Tata", 1, "5000.00");
  c = add_vehicle ("Kia", 1, "900000.00");
  d = add_vehicle ("Kia", 1, "910000.00");
  e = add_vehicle ("Kia", 1, "920000.00");
  touch_in_sql (d, "status = 'reserved'");
  touch_in_sql (e, "status = 'reserved', location = 'Bay 9', notes = 'festival'");

  /* A negative amount lowers the price; down to zero is fine. */
  down = preview (manager, "{\"make\":\"Tata\"}", "{\"price_add\":\"-5000.00\"}");
  ck_assert_int_eq (sr_test_get_int (down, "count"), 2);
  ck_assert_str_eq (member_string (member_object (row_for (down, a), "after"), "price"), "645000.00");
  ck_assert_str_eq (member_string (member_object (row_for (down, b), "after"), "price"), "0.00");
  up = preview (manager, "{\"make\":\"Tata\"}", "{\"price_add\":\"2500.5\"}");
  ck_assert_str_eq (member_string (member_object (row_for (up, a), "after"), "price"), "652500.50");
  ck_assert_str_eq (member_string (member_object (row_for (up, b), "after"), "price"), "7500.50");

  /* A price set is shown as it will be stored. */
  priced = preview (manager, "{\"make\":\"Tata\"}", "{\"set\":{\"price\":\"5000\"}}");
  ck_assert_int_eq (sr_test_get_int (priced, "count"), 1);
  ck_assert_int_eq (member_int (row_at (priced, 0), "id"), a);
  ck_assert_str_eq (member_string (member_object (row_at (priced, 0), "after"), "price"), "5000.00");

  /* set with several fields: the vehicle that already holds them all is not listed. */
  set = preview (manager, "{\"make\":\"Kia\"}",
                 "{\"set\":{\"status\":\"reserved\",\"location\":\"Bay 9\",\"notes\":\"festival\"}}");
  ids = row_ids (set);
  expected = g_strdup_printf ("%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT, c, d);
  ck_assert_str_eq (ids, expected);
  ck_assert_int_eq (sr_test_get_int (set, "count"), 2);
  row = row_for (set, c);
  names = member_names (member_object (row, "after"));
  ck_assert_str_eq (names, "location,notes,status");
  ck_assert_str_eq (member_string (member_object (row, "before"), "status"), "in_stock");
  ck_assert_str_eq (member_string (member_object (row, "before"), "location"), "");
  ck_assert_str_eq (member_string (member_object (row, "after"), "status"), "reserved");
  ck_assert_str_eq (member_string (member_object (row, "after"), "location"), "Bay 9");
  ck_assert_str_eq (member_string (member_object (row, "after"), "notes"), "festival");

  untouched_where = g_strdup_printf ("id NOT IN (%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ")", c, d);
  untouched = snapshot (untouched_where);
  applied = apply (manager, preview_id (set));
  ck_assert_int_eq (sr_test_get_int (applied, "applied"), 2);
  for (guint i = 0; i < n_rows (set); i++)
    {
      g_autoptr(JsonNode) vehicle = get_vehicle (manager, member_int (row_at (set, i), "id"));

      assert_holds (sr_test_object (vehicle), member_object (row_at (set, i), "after"));
    }
  untouched_after = snapshot (untouched_where);
  ck_assert_str_eq (untouched_after, untouched);

  /* d was already reserved: its history shows only what really changed. */
  history = history_of (manager, d);
  entry = json_array_get_object_element (member_array (sr_test_object (history), "items"), 0);
  g_clear_pointer (&names, g_free);
  names = member_names (member_object (entry, "changes"));
  ck_assert_str_eq (names, "location,notes");

  /* Now all three hold the values: nothing left to change. */
  same = preview (manager, "{\"make\":\"Kia\"}",
                  "{\"set\":{\"status\":\"reserved\",\"location\":\"Bay 9\",\"notes\":\"festival\"}}");
  ck_assert_int_eq (sr_test_get_int (same, "count"), 0);
  ck_assert_uint_eq (n_rows (same), 0);
}
END_TEST

/* --- stale and spent previews ------------------------------------------------------------ */

/* Applying @id fails preview_stale naming @changed, and changes nothing at all. */
static void
assert_stale_apply (SrConnection *connection,
                    gint64        id,
                    const char   *changed)
{
  g_autofree char *before = snapshot ("true");
  g_autofree char *after = NULL;
  g_autofree char *named = NULL;
  g_autoptr(GError) error = NULL;
  gint64 changes = count_changes ();

  error = apply_fails (connection, id, "preview_stale");
  assert_rpc_code (error, SR_RPC_CONFLICT);
  if (changed != NULL)
    {
      named = changed_of (error);
      ck_assert_str_eq (named, changed);
    }

  after = snapshot ("true");
  ck_assert_msg (g_str_equal (before, after), "a stale apply changed vehicles");
  ck_assert_int_eq (count_changes (), changes);
}


START_TEST (test_stale_rows)
{
  g_autoptr(SrConnection) manager = sr_test_connect_as (server, "manager@mumbai.test");
  g_autoptr(SrConnection) admin = sr_test_connect_as (server, "admin@pune.test");
  g_autoptr(JsonNode) first = NULL;
  g_autoptr(JsonNode) second = NULL;
  g_autoptr(JsonNode) updated = NULL;
  g_autoptr(JsonNode) fresh = NULL;
  g_autoptr(JsonNode) applied = NULL;
  g_autoptr(JsonNode) third = NULL;
  g_autofree char *changed = NULL;
  g_autofree char *s0 = NULL;
  g_autofree char *s3 = NULL;
  gint64 ids[4];

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    ids[i] = add_vehicle ("Honda", 1, "800000.00");

  /* Somebody updates one vehicle through the server after the preview. */
  first = preview (manager, "{\"make\":\"Honda\"}", "{\"price_add\":\"-10000.00\"}");
  ck_assert_int_eq (sr_test_get_int (first, "count"), 4);
  updated = sr_test_call_okf (admin, "vehicles.update",
                              "{\"id\":%" G_GINT64_FORMAT ",\"version\":1,\"changes\":{\"notes\":\"dented\"}}",
                              ids[2]);
  changed = db_stock_no (ids[2]);
  assert_stale_apply (manager, preview_id (first), changed);

  /* None of the other three moved. */
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_autoptr(JsonNode) vehicle = get_vehicle (manager, ids[i]);

      ck_assert_str_eq (sr_test_get_string (vehicle, "price"), "800000.00");
      ck_assert_int_eq (sr_test_get_int (vehicle, "version"), i == 2 ? 2 : 1);
    }

  /* Changes made in psql count too: two of them, both named, in stock number order. */
  second = preview (manager, "{\"make\":\"Honda\"}", "{\"price_pct\":-1}");
  ck_assert_int_eq (sr_test_get_int (second, "count"), 4);
  touch_in_sql (ids[3], "location = 'Yard'");
  touch_in_sql (ids[0], "price = 800000.01");
  s0 = db_stock_no (ids[0]);
  s3 = db_stock_no (ids[3]);
  g_free (changed);
  changed = g_strdup_printf ("%s,%s", s0, s3);
  assert_stale_apply (manager, preview_id (second), changed);
  ck_assert_int_eq (db_version (ids[1]), 1);

  /* A stale preview stays stale; a fresh one applies. */
  assert_stale_apply (manager, preview_id (second), NULL);
  fresh = preview (manager, "{\"make\":\"Honda\"}", "{\"price_pct\":-1}");
  applied = apply (manager, preview_id (fresh));
  ck_assert_int_eq (sr_test_get_int (applied, "applied"), 4);
  ck_assert_int_eq (db_version (ids[1]), 2);

  /* A vehicle that is gone since the preview makes it stale too. */
  third = preview (manager, "{\"make\":\"Honda\"}", "{\"set\":{\"location\":\"Lot B\"}}");
  ck_assert_int_eq (sr_test_get_int (third, "count"), 4);
  g_free (changed);
  changed = db_stock_no (ids[1]);
  sr_test_execf (dbname, "DELETE FROM vehicles WHERE id = %" G_GINT64_FORMAT, ids[1]);
  assert_stale_apply (manager, preview_id (third), changed);
  ck_assert_int_eq (sr_test_query_int (dbname, "SELECT count(*) FROM vehicles WHERE location = 'Lot B'"), 0);
}
END_TEST

START_TEST (test_spent_foreign_expired)
{
  g_autoptr(SrConnection) manager = sr_test_connect_as (server, "manager@mumbai.test");
  g_autoptr(SrConnection) other_manager = sr_test_connect_as (server, "manager@pune.test");
  g_autoptr(SrConnection) sales = sr_test_connect_as (server, "sales@mumbai.test");
  g_autoptr(SrConnection) admin = sr_test_connect_as (server, "admin@mumbai.test");
  g_autoptr(JsonNode) mine = NULL;
  g_autoptr(JsonNode) admins = NULL;
  g_autoptr(JsonNode) applied = NULL;
  g_autoptr(JsonNode) old = NULL;
  g_autoptr(JsonNode) old_sales = NULL;
  g_autoptr(JsonNode) vehicle = NULL;
  g_autoptr(JsonNode) later = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  gint64 id;

  id = add_vehicle ("Skoda", 1, "1000000.00");
  mine = preview (manager, "{\"make\":\"Skoda\"}", "{\"price_add\":\"-1000.00\"}");
  admins = preview (admin, "{\"make\":\"Skoda\"}", "{\"price_add\":\"-2000.00\"}");

  /* Another user's preview is not there for them, whoever they are. */
  before = snapshot ("true");
  {
    g_autoptr(GError) by_sales = apply_fails (sales, preview_id (mine), "not_found");
    g_autoptr(GError) by_pune = apply_fails (other_manager, preview_id (mine), "not_found");
    g_autoptr(GError) by_manager = apply_fails (manager, preview_id (admins), "not_found");
    g_autoptr(GError) by_admin = apply_fails (admin, preview_id (mine), "not_found");
    g_autoptr(GError) missing = apply_fails (manager, preview_id (admins) + 1000, "not_found");

    assert_rpc_code (by_sales, SR_RPC_NOT_FOUND);
    assert_rpc_code (by_pune, SR_RPC_NOT_FOUND);
    assert_rpc_code (by_manager, SR_RPC_NOT_FOUND);
    assert_rpc_code (by_admin, SR_RPC_NOT_FOUND);
    assert_rpc_code (missing, SR_RPC_NOT_FOUND);
  }
  after = snapshot ("true");
  ck_assert_str_eq (after, before);
  ck_assert_int_eq (sr_test_count (dbname, "pending_edits"), 0);

  /* Those attempts spent nothing: its maker applies it, once. */
  applied = apply (manager, preview_id (mine));
  ck_assert_int_eq (sr_test_get_int (applied, "applied"), 1);
  vehicle = get_vehicle (manager, id);
  ck_assert_str_eq (sr_test_get_string (vehicle, "price"), "999000.00");
  assert_stale_apply (manager, preview_id (mine), NULL);

  /* The admin's preview was made before that apply: it is stale now. */
  {
    g_autofree char *stock_no = db_stock_no (id);

    assert_stale_apply (admin, preview_id (admins), stock_no);
  }

  /* A preview past its 15 minutes applies nothing, for managers and sales alike. */
  old = preview (manager, "{\"make\":\"Skoda\"}", "{\"price_add\":\"-500.00\"}");
  old_sales = preview (sales, "{\"make\":\"Skoda\"}", "{\"price_add\":\"-500.00\"}");
  ck_assert_int_eq (sr_test_get_int (old, "count"), 1);
  ck_assert_int_eq (sr_test_get_int (old_sales, "count"), 1);
  sr_test_execf (dbname, "UPDATE bulk_previews SET expires_at = now() - interval '1 second'"
                 " WHERE id IN (%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ")",
                 preview_id (old), preview_id (old_sales));
  assert_stale_apply (manager, preview_id (old), NULL);
  assert_stale_apply (sales, preview_id (old_sales), NULL);
  ck_assert_int_eq (sr_test_count (dbname, "pending_edits"), 0);
  later = get_vehicle (manager, id);
  ck_assert_str_eq (sr_test_get_string (later, "price"), "999000.00");
}
END_TEST

START_TEST (test_apply_bad_params)
{
  g_autoptr(SrConnection) manager = sr_test_connect_as (server, "manager@mumbai.test");
  static const char *const bad[] = {
    "{}", "{\"preview_id\":\"1\"}", "{\"preview_id\":0}", "{\"preview_id\":-3}",
    "{\"preview_id\":null}", "{\"preview_id\":1.5}",
  };

  add_vehicle ("Skoda", 1, "1000000.00");
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = sr_test_call_fails (manager, "bulk.apply", bad[i], "invalid_params");

      assert_rpc_code (error, SR_RPC_INVALID_PARAMS);
      assert_field (error, "preview_id");
    }
}
END_TEST

/* @n sessions of @email send bulk.apply of one preview at once: exactly one wins, the
 * rest are told the preview is spent. */
static void
race_apply (const char *email,
            gint64      id,
            guint       n)
{
  g_autoptr(GPtrArray) connections = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *text = g_strdup_printf ("{\"preview_id\":%" G_GINT64_FORMAT "}", id);
  g_autofree const char **params = g_new (const char *, n);
  g_autofree JsonNode **results = g_new0 (JsonNode *, n);
  g_autofree GError **errors = g_new0 (GError *, n);
  guint succeeded = 0;
  guint stale = 0;

  for (guint i = 0; i < n; i++)
    {
      g_ptr_array_add (connections, sr_test_connect_as (server, email));
      params[i] = text;
    }
  sr_test_race ((SrConnection **) connections->pdata, n, "bulk.apply", params, results, errors);

  for (guint i = 0; i < n; i++)
    {
      if (results[i] != NULL)
        succeeded++;
      else
        {
          ck_assert_msg (g_error_matches (errors[i], SR_ERROR, SR_ERROR_PREVIEW_STALE),
                         "%s: unexpected failure: %s", email, errors[i]->message);
          stale++;
        }
      g_clear_pointer (&results[i], json_node_unref);
      g_clear_error (&errors[i]);
    }
  ck_assert_msg (succeeded == 1 && stale == n - 1, "%s: %u of %u applies succeeded",
                 email, succeeded, n);
}

START_TEST (test_concurrent_applies)
{
  g_autoptr(SrConnection) manager = sr_test_connect_as (server, "manager@mumbai.test");
  g_autoptr(SrConnection) sales = sr_test_connect_as (server, "sales@mumbai.test");
  g_autoptr(JsonNode) by_manager = NULL;
  g_autoptr(JsonNode) by_sales = NULL;
  g_autofree char *batches = NULL;
  gint64 changes;
  gint64 a, b;

  a = add_vehicle ("Jeep", 1, "2000000.00");
  b = add_vehicle ("Jeep", 1, "2100000.00");

  /* A double click applies once: each vehicle changes once. */
  by_manager = preview (manager, "{\"make\":\"Jeep\"}", "{\"price_add\":\"-50000.00\"}");
  changes = count_vehicle_changes ();
  race_apply ("manager@mumbai.test", preview_id (by_manager), 4);
  ck_assert_int_eq (db_version (a), 2);
  ck_assert_int_eq (db_version (b), 2);
  ck_assert_int_eq (count_vehicle_changes (), changes + 2);

  /* And files once. */
  by_sales = preview (sales, "{\"make\":\"Jeep\"}", "{\"price_add\":\"-1000.00\"}");
  race_apply ("sales@mumbai.test", preview_id (by_sales), 4);
  ck_assert_int_eq (sr_test_count (dbname, "pending_edits"), 2);
  batches = sr_test_query (dbname, "SELECT count(DISTINCT batch_id) FROM pending_edits");
  ck_assert_str_eq (batches, "1");
}
END_TEST

/* --- sales: a batch of pending edits ------------------------------------------------------ */

/* A sales user previews @op over the Mumbai vehicles of @make (@n of them) and applies:
 * that files one pending edit per row under one batch, each against the version the
 * preview saw and proposing exactly the row's after; no vehicle changes. Returns the
 * apply's result and, in *out_preview, the preview. */
static JsonNode *
file_batch (SrConnection  *sales,
            const char    *make,
            const char    *op,
            guint          n,
            JsonNode     **out_preview)
{
  g_autofree char *filter = g_strdup_printf ("{\"make\":\"%s\"}", make);
  g_autofree char *where = g_strdup_printf ("make = '%s' AND branch_id = 1", make);
  g_autofree char *versions = sr_test_queryf (dbname, "SELECT coalesce(string_agg(id || ':' || version, ','"
                                              " ORDER BY id), '') FROM vehicles WHERE %s", where);
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);
  g_auto(GStrv) pairs = g_strsplit (versions, ",", -1);
  g_autoptr(GHashTable) version_of = g_hash_table_new (NULL, NULL);
  g_autoptr(JsonNode) result = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  JsonNode *filed;
  JsonArray *edits;
  gint64 vehicle_changes;
  gint64 edits_before = sr_test_count (dbname, "pending_edits");
  gint64 batch_id;

  for (guint i = 0; pairs[i] != NULL && *pairs[i] != '\0'; i++)
    {
      gint64 id = g_ascii_strtoll (pairs[i], NULL, 10);
      gint64 version = g_ascii_strtoll (strchr (pairs[i], ':') + 1, NULL, 10);

      g_hash_table_insert (version_of, GSIZE_TO_POINTER ((gsize) id), GSIZE_TO_POINTER ((gsize) version));
    }

  result = preview (sales, filter, op);
  ck_assert_int_eq (sr_test_get_int (result, "count"), n);
  ck_assert_uint_eq (n_rows (result), n);

  before = snapshot ("true");
  vehicle_changes = count_vehicle_changes ();
  filed = apply (sales, preview_id (result));
  ck_assert_msg (!json_object_has_member (sr_test_object (filed), "applied"), "a sales user's apply applied");
  batch_id = sr_test_get_int (filed, "batch_id");
  edits = member_array (sr_test_object (filed), "edits");
  ck_assert_uint_eq (json_array_get_length (edits), n);
  ck_assert_int_eq (sr_test_count (dbname, "pending_edits"), edits_before + n);

  for (guint i = 0; i < json_array_get_length (edits); i++)
    {
      JsonObject *edit = json_array_get_object_element (edits, i);
      gint64 vehicle_id = member_int (edit, "vehicle_id");
      JsonObject *row = row_for (result, vehicle_id);

      ck_assert_msg (row != NULL, "an edit for vehicle %" G_GINT64_FORMAT ", which the preview did not show",
                     vehicle_id);
      ck_assert_msg (g_hash_table_add (seen, GSIZE_TO_POINTER ((gsize) vehicle_id)),
                     "two edits for vehicle %" G_GINT64_FORMAT, vehicle_id);
      ck_assert_str_eq (member_string (edit, "status"), "pending");
      ck_assert_int_eq (member_int (edit, "batch_id"), batch_id);
      ck_assert_int_eq (member_int (member_object (edit, "proposed_by"), "id"), MUMBAI_SALES);
      ck_assert_int_eq (member_int (edit, "base_version"),
                        (gint64) GPOINTER_TO_SIZE (g_hash_table_lookup (version_of,
                                                                        GSIZE_TO_POINTER ((gsize) vehicle_id))));
      ck_assert_msg (json_node_equal (json_object_get_member (edit, "changes"),
                                      json_object_get_member (row, "after")),
                     "edit %" G_GINT64_FORMAT " does not propose what the preview showed",
                     member_int (edit, "id"));
    }

  after = snapshot ("true");
  ck_assert_msg (g_str_equal (before, after), "a sales user's apply changed vehicles");
  ck_assert_int_eq (count_vehicle_changes (), vehicle_changes);

  if (out_preview != NULL)
    *out_preview = g_steal_pointer (&result);
  return filed;
}

static gint64
edit_for_vehicle (JsonNode *filed,
                  gint64    vehicle_id)
{
  JsonArray *edits = member_array (sr_test_object (filed), "edits");

  for (guint i = 0; i < json_array_get_length (edits); i++)
    {
      JsonObject *edit = json_array_get_object_element (edits, i);

      if (member_int (edit, "vehicle_id") == vehicle_id)
        return member_int (edit, "id");
    }

  ck_abort_msg ("no edit for vehicle %" G_GINT64_FORMAT, vehicle_id);
  return 0;
}

START_TEST (test_sales_batch_approved)
{
  g_autoptr(SrConnection) sales = sr_test_connect_as (server, "sales@mumbai.test");
  g_autoptr(SrConnection) manager = sr_test_connect_as (server, "manager@mumbai.test");
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(JsonNode) filed = NULL;
  g_autoptr(JsonNode) approved = NULL;
  g_autoptr(JsonNode) listed = NULL;
  g_autoptr(GError) again = NULL;
  g_autofree char *others = NULL;
  g_autofree char *others_after = NULL;
  JsonArray *edits;
  JsonArray *vehicles;
  gint64 ids[3];
  gint64 versions[3];
  gint64 batch_id;

  ids[0] = add_vehicle ("Hyundai", 1, "900000.00");
  ids[1] = add_vehicle ("Hyundai", 1, "950000.00");
  ids[2] = add_vehicle ("Hyundai", 1, "1000000.00");
  add_vehicle ("Hyundai", 2, "900000.00");
  add_vehicle ("Tata", 1, "900000.00");
  touch_in_sql (ids[1], "notes = 'one'");
  touch_in_sql (ids[2], "notes = 'one'");
  touch_in_sql (ids[2], "notes = 'two'");
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    versions[i] = db_version (ids[i]);
  others = snapshot ("make <> 'Hyundai' OR branch_id <> 1");

  filed = file_batch (sales, "Hyundai", "{\"price_pct\":-2}", 3, &result);
  batch_id = sr_test_get_int (filed, "batch_id");

  /* Filed once: the preview is spent. */
  again = apply_fails (sales, preview_id (result), "preview_stale");
  ck_assert_int_eq (sr_test_count (dbname, "pending_edits"), 3);

  /* The branch's manager sees the batch and approves it as one. */
  listed = sr_test_call_ok (manager, "edits.list", "{\"status\":\"pending\"}");
  ck_assert_uint_eq (json_array_get_length (member_array (sr_test_object (listed), "items")), 3);
  approved = sr_test_call_okf (manager, "edits.approve", "{\"batch_id\":%" G_GINT64_FORMAT "}", batch_id);
  edits = member_array (sr_test_object (approved), "edits");
  vehicles = member_array (sr_test_object (approved), "vehicles");
  ck_assert_uint_eq (json_array_get_length (edits), 3);
  ck_assert_uint_eq (json_array_get_length (vehicles), 3);
  for (guint i = 0; i < json_array_get_length (edits); i++)
    {
      JsonObject *edit = json_array_get_object_element (edits, i);

      ck_assert_str_eq (member_string (edit, "status"), "approved");
      ck_assert_int_eq (member_int (edit, "batch_id"), batch_id);
      ck_assert_int_eq (member_int (member_object (edit, "decided_by"), "id"), MUMBAI_MANAGER);
    }

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_autoptr(JsonNode) vehicle = get_vehicle (manager, ids[i]);
      g_autoptr(JsonNode) history = history_of (manager, ids[i]);
      g_autofree char *via = g_strdup_printf ("edit:%" G_GINT64_FORMAT, edit_for_vehicle (filed, ids[i]));
      JsonObject *entry = json_array_get_object_element (member_array (sr_test_object (history), "items"), 0);

      assert_holds (sr_test_object (vehicle), member_object (row_for (result, ids[i]), "after"));
      ck_assert_int_eq (sr_test_get_int (vehicle, "version"), versions[i] + 1);
      ck_assert_str_eq (member_string (entry, "via"), via);
      ck_assert_str_eq (member_string (entry, "op"), "update");
    }
  ck_assert_str_eq (member_string (member_object (row_for (result, ids[0]), "after"), "price"), "882000.00");
  others_after = snapshot ("make <> 'Hyundai' OR branch_id <> 1");
  ck_assert_str_eq (others_after, others);
}
END_TEST

START_TEST (test_sales_batch_stale)
{
  g_autoptr(SrConnection) sales = sr_test_connect_as (server, "sales@mumbai.test");
  g_autoptr(SrConnection) manager = sr_test_connect_as (server, "manager@mumbai.test");
  g_autoptr(SrConnection) admin = sr_test_connect_as (server, "admin@mumbai.test");
  g_autoptr(JsonNode) filed = NULL;
  g_autoptr(JsonNode) updated = NULL;
  g_autoptr(JsonNode) listed = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *approved = NULL;
  g_autofree char *params = NULL;
  JsonArray *items;
  gint64 ids[3];
  gint64 vehicle_changes;
  gint64 batch_id;
  gint64 stale_edit;

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    ids[i] = add_vehicle ("Hyundai", 1, "900000.00");

  filed = file_batch (sales, "Hyundai", "{\"set\":{\"location\":\"Showroom\",\"price\":\"880000.00\"}}",
                      3, NULL);
  batch_id = sr_test_get_int (filed, "batch_id");
  stale_edit = edit_for_vehicle (filed, ids[1]);

  /* One of the batch's vehicles moves on before the manager gets to it. */
  updated = sr_test_call_okf (admin, "vehicles.update",
                              "{\"id\":%" G_GINT64_FORMAT ",\"version\":1,\"changes\":{\"color\":\"Blue\"}}",
                              ids[1]);
  before = snapshot ("true");
  vehicle_changes = count_vehicle_changes ();

  params = g_strdup_printf ("{\"batch_id\":%" G_GINT64_FORMAT "}", batch_id);
  error = sr_test_call_fails (manager, "edits.approve", params, "stale_edit");
  assert_rpc_code (error, SR_RPC_CONFLICT);

  /* Nothing of the batch was applied... */
  after = snapshot ("true");
  ck_assert_msg (g_str_equal (before, after), "a stale batch changed vehicles");
  ck_assert_int_eq (count_vehicle_changes (), vehicle_changes);
  approved = sr_test_queryf (dbname, "SELECT count(*) FROM pending_edits WHERE batch_id = %"
                             G_GINT64_FORMAT " AND status = 'approved'", batch_id);
  ck_assert_str_eq (approved, "0");

  /* ...and the edit of the vehicle that moved is stale, as the manager sees it. */
  listed = sr_test_call_okf (manager, "edits.list", "{\"vehicle_id\":%" G_GINT64_FORMAT "}", ids[1]);
  items = member_array (sr_test_object (listed), "items");
  ck_assert_uint_eq (json_array_get_length (items), 1);
  ck_assert_int_eq (member_int (json_array_get_object_element (items, 0), "id"), stale_edit);
  ck_assert_str_eq (member_string (json_array_get_object_element (items, 0), "status"), "stale");
}
END_TEST

START_TEST (test_sales_apply_stale)
{
  g_autoptr(SrConnection) sales = sr_test_connect_as (server, "sales@mumbai.test");
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(JsonNode) fresh = NULL;
  g_autoptr(JsonNode) filed = NULL;
  g_autofree char *stock_no = NULL;
  gint64 ids[3];

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    ids[i] = add_vehicle ("Hyundai", 1, "900000.00");

  /* A vehicle that moved between preview and apply: nothing is filed. */
  result = preview (sales, "{\"make\":\"Hyundai\"}", "{\"price_add\":\"-1000.00\"}");
  touch_in_sql (ids[2], "odometer_km = 12");
  stock_no = db_stock_no (ids[2]);
  assert_stale_apply (sales, preview_id (result), stock_no);
  ck_assert_int_eq (sr_test_count (dbname, "pending_edits"), 0);

  /* Preview again, and it files. */
  fresh = preview (sales, "{\"make\":\"Hyundai\"}", "{\"price_add\":\"-1000.00\"}");
  filed = apply (sales, preview_id (fresh));
  ck_assert_uint_eq (json_array_get_length (member_array (sr_test_object (filed), "edits")), 3);
  ck_assert_int_eq (sr_test_query_int (dbname, "SELECT base_version FROM pending_edits"
                                       " ORDER BY base_version DESC LIMIT 1"), 2);
}
END_TEST

/* --- the row limit ------------------------------------------------------------------------ */

START_TEST (test_row_limit)
{
  g_autoptr(SrConnection) manager = sr_test_connect_as (server, "manager@mumbai.test");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) filtered = NULL;
  g_autoptr(JsonNode) changing = NULL;
  gint64 rows_before;
  gint64 kept;

  /* One more than a preview may hold, all the manager's. Stocked with the triggers off
   * (replica role): logging 10,001 arrivals would only slow the test down. */
  sr_test_execf (dbname, "SET session_replication_role = replica;"
                 " INSERT INTO vehicles (vin, make, model, year, price, branch_id)"
                 " SELECT 'MA3' || lpad(g::text, 14, '0'), 'Tata', 'Punch', 2023, 600000, 1"
                 "   FROM generate_series(1, %d) AS g", MAX_ROWS + 1);

  error = refuse_preview (manager, "{\"filter\":{},\"op\":{\"price_add\":\"1000.00\"}}", "too_many_rows", NULL);
  assert_rpc_code (error, SR_RPC_INVALID_PARAMS);
  ck_assert_int_eq (sr_test_count (dbname, "bulk_previews"), 0);

  /* Exactly the limit is fine: by the filter... */
  touch_in_sql (sr_test_query_int (dbname, "SELECT max(id) FROM vehicles"), "make = 'Kia'");
  rows_before = sr_test_count (dbname, "bulk_preview_rows");
  filtered = preview (manager, "{\"make\":\"Tata\"}", "{\"price_add\":\"1000.00\"}");
  ck_assert_int_eq (sr_test_get_int (filtered, "count"), MAX_ROWS);
  ck_assert_uint_eq (n_rows (filtered), MAX_ROWS);
  ck_assert_str_eq (member_string (member_object (row_at (filtered, MAX_ROWS - 1), "after"), "price"),
                    "601000.00");
  ck_assert_int_eq (sr_test_count (dbname, "bulk_preview_rows"), rows_before + MAX_ROWS);

  /* ...or because only that many would change: 10,001 match, one is a Kia already. */
  changing = preview (manager, "{}", "{\"set\":{\"make\":\"Kia\"}}");
  ck_assert_int_eq (sr_test_get_int (changing, "count"), MAX_ROWS);
  ck_assert_uint_eq (n_rows (changing), MAX_ROWS);
  kept = sr_test_query_int (dbname, "SELECT max(id) FROM vehicles");
  ck_assert_msg (row_for (changing, kept) == NULL, "the Kia is listed, though it would not change");
}
END_TEST

/* --- scoping ------------------------------------------------------------------------------ */

static void
assert_rows (JsonNode   *result,
             const char *where)
{
  g_autofree char *got = row_ids (result);
  g_autofree char *want = expected_ids (where);

  ck_assert_msg (g_str_equal (got, want), "rows [%s], expected [%s] (%s)", got, want, where);
  ck_assert_int_eq (sr_test_get_int (result, "count"), n_rows (result));
}

START_TEST (test_scope_branches)
{
  g_autoptr(SrConnection) manager = sr_test_connect_as (server, "manager@mumbai.test");
  g_autoptr(SrConnection) pune_sales = sr_test_connect_as (server, "sales@pune.test");
  g_autoptr(SrConnection) admin = sr_test_connect_as (server, "admin@mumbai.test");
  g_autoptr(JsonNode) own = NULL;
  g_autoptr(JsonNode) own_named = NULL;
  g_autoptr(JsonNode) other = NULL;
  g_autoptr(JsonNode) pune_own = NULL;
  g_autoptr(JsonNode) pune_other = NULL;
  g_autoptr(JsonNode) everything = NULL;
  g_autoptr(JsonNode) pune_only = NULL;
  g_autoptr(JsonNode) applied = NULL;
  g_autofree char *pune_before = NULL;
  g_autofree char *pune_after = NULL;
  static const char op[] = "{\"price_add\":\"100.00\"}";

  add_vehicle ("Maruti", 1, "500000.00");
  add_vehicle ("Maruti", 2, "500000.00");
  add_vehicle ("Maruti", 1, "600000.00");
  add_vehicle ("Maruti", 2, "600000.00");

  own = preview (manager, "{}", op);
  assert_rows (own, "branch_id = 1");
  own_named = preview (manager, "{\"branch_id\":1}", op);
  assert_rows (own_named, "branch_id = 1");
  other = preview (manager, "{\"branch_id\":2}", op);
  assert_rows (other, "false");

  pune_own = preview (pune_sales, "{}", op);
  assert_rows (pune_own, "branch_id = 2");
  pune_other = preview (pune_sales, "{\"branch_id\":1}", op);
  assert_rows (pune_other, "false");

  everything = preview (admin, "{}", op);
  assert_rows (everything, "true");
  pune_only = preview (admin, "{\"branch_id\":2}", op);
  assert_rows (pune_only, "branch_id = 2");

  /* The manager's apply leaves Pune alone. */
  pune_before = snapshot ("branch_id = 2");
  applied = apply (manager, preview_id (own));
  ck_assert_int_eq (sr_test_get_int (applied, "applied"), 2);
  pune_after = snapshot ("branch_id = 2");
  ck_assert_str_eq (pune_after, pune_before);
}
END_TEST

/* The filter is vehicles.list's: a preview lists what the list shows, in its order. */
START_TEST (test_filter_as_list)
{
  g_autoptr(SrConnection) manager = sr_test_connect_as (server, "manager@mumbai.test");
  g_autoptr(SrConnection) admin = sr_test_connect_as (server, "admin@pune.test");
  static const char *const filters[] = {
    "{}",
    "{\"make\":\"maruti\"}",
    "{\"status\":\"reserved\"}",
    "{\"status\":[\"incoming\",\"sold\"]}",
    "{\"fuel\":\"diesel\"}",
    "{\"price_min\":\"525000.00\",\"price_max\":\"575000\"}",
    "{\"text\":\"pearl\"}",
    "{\"text\":\"TST00000000000012\"}",
    "{\"make\":\"Honda\",\"status\":[\"reserved\",\"in_stock\"],\"price_max\":\"560000.00\"}",
  };
  SrConnection *users[] = { manager, admin };

  sr_test_exec (dbname,
    "INSERT INTO vehicles (vin, make, model, year, color, fuel, price, status, branch_id)"
    " SELECT 'TST' || lpad(i::text, 14, '0'),"
    "        (ARRAY['Maruti', 'Hyundai', 'Honda'])[1 + i % 3], 'Model', 2020,"
    "        (ARRAY['Red', 'Pearl White', 'Silver', 'Blue'])[1 + i % 4],"
    "        (ARRAY['petrol', 'diesel', 'cng'])[1 + (i / 3) % 3]::fuel_type,"
    "        500000 + (i % 6) * 25000,"
    "        (ARRAY['incoming', 'in_stock', 'reserved', 'sold'])[1 + i % 4]::vehicle_status,"
    "        CASE WHEN i % 5 = 0 THEN 2 ELSE 1 END"
    "   FROM generate_series(1, 40) AS i");

  for (guint u = 0; u < G_N_ELEMENTS (users); u++)
    for (guint i = 0; i < G_N_ELEMENTS (filters); i++)
      {
        g_autoptr(JsonNode) result = preview (users[u], filters[i], "{\"set\":{\"notes\":\"checked\"}}");
        g_autoptr(JsonNode) listed = sr_test_call_okf (users[u], "vehicles.list",
                                                       "{\"filter\":%s,\"limit\":1000}", filters[i]);
        JsonArray *items = member_array (sr_test_object (listed), "items");
        GString *want = g_string_new (NULL);
        g_autofree char *got = row_ids (result);

        for (guint k = 0; k < json_array_get_length (items); k++)
          g_string_append_printf (want, "%s%" G_GINT64_FORMAT, k ? "," : "",
                                  member_int (json_array_get_object_element (items, k), "id"));
        ck_assert_msg (g_str_equal (got, want->str), "filter %s: preview [%s], list [%s]", filters[i],
                       got, want->str);
        ck_assert_msg (*got != '\0', "filter %s matched nothing", filters[i]);
        g_string_free (want, TRUE);
      }
}
END_TEST

START_TEST (test_scope_cost)
{
  g_autoptr(SrConnection) sales = sr_test_connect_as (server, "sales@mumbai.test");
  g_autoptr(SrConnection) manager = sr_test_connect_as (server, "manager@mumbai.test");
  g_autoptr(GError) alone = NULL;
  g_autoptr(GError) beside = NULL;
  g_autoptr(JsonNode) set = NULL;
  g_autoptr(JsonNode) pct = NULL;
  g_autoptr(JsonNode) filed = NULL;
  g_autoptr(JsonNode) managers = NULL;
  JsonNode *results[2];
  JsonObject *row;

  add_vehicle ("Maruti", 1, "500000.00");
  add_vehicle ("Maruti", 1, "600000.00");

  /* Sales may not set cost. */
  alone = refuse_preview (sales, "{\"filter\":{},\"op\":{\"set\":{\"cost\":\"1.00\"}}}", "forbidden",
                          "op.set.cost");
  assert_rpc_code (alone, SR_RPC_FORBIDDEN);
  beside = refuse_preview (sales, "{\"filter\":{},\"op\":{\"set\":{\"price\":\"1.00\",\"cost\":\"1.00\"}}}",
                           "forbidden", "op.set.cost");

  /* ...nor see it in any preview. */
  set = preview (sales, "{}", "{\"set\":{\"price\":\"700000.00\",\"notes\":\"offer\"}}");
  pct = preview (sales, "{}", "{\"price_pct\":3}");
  results[0] = set;
  results[1] = pct;
  for (guint r = 0; r < G_N_ELEMENTS (results); r++)
    {
      g_autofree char *text = text_of (json_object_get_member (sr_test_object (results[r]), "rows"));

      ck_assert_uint_eq (n_rows (results[r]), 2);
      ck_assert_msg (strstr (text, "cost") == NULL && strstr (text, "400000") == NULL,
                     "a sales user's preview shows cost: %s", text);
    }

  /* Nor in the edits filed from one. */
  filed = apply (sales, preview_id (set));
  {
    g_autofree char *text = text_of (filed);

    ck_assert_msg (strstr (text, "cost") == NULL && strstr (text, "400000") == NULL,
                   "a sales user's filed edits show cost: %s", text);
  }

  /* A manager may set it, and sees it before and after. */
  managers = preview (manager, "{}", "{\"set\":{\"cost\":\"450000.00\"}}");
  ck_assert_uint_eq (n_rows (managers), 2);
  row = row_at (managers, 0);
  ck_assert_str_eq (member_string (member_object (row, "before"), "cost"), "400000.00");
  ck_assert_str_eq (member_string (member_object (row, "after"), "cost"), "450000.00");
}
END_TEST

START_TEST (test_scope_other_branch)
{
  g_autoptr(SrConnection) sales = sr_test_connect_as (server, "sales@mumbai.test");
  g_autoptr(SrConnection) manager = sr_test_connect_as (server, "manager@mumbai.test");
  g_autoptr(SrConnection) admin = sr_test_connect_as (server, "admin@mumbai.test");
  g_autoptr(GError) by_manager = NULL;
  g_autoptr(GError) by_sales = NULL;
  g_autoptr(JsonNode) own = NULL;
  g_autoptr(JsonNode) moved = NULL;
  g_autoptr(JsonNode) applied = NULL;
  gint64 a, b;

  a = add_vehicle ("Maruti", 1, "500000.00");
  b = add_vehicle ("Maruti", 1, "600000.00");

  by_manager = refuse_preview (manager, "{\"filter\":{},\"op\":{\"set\":{\"branch_id\":2}}}",
                               "other_branch", "op.set.branch_id");
  assert_rpc_code (by_manager, SR_RPC_FORBIDDEN);
  by_sales = refuse_preview (sales, "{\"filter\":{},\"op\":{\"set\":{\"branch_id\":2}}}",
                             "other_branch", "op.set.branch_id");

  /* Their own branch is allowed, and changes nothing here. */
  own = preview (manager, "{}", "{\"set\":{\"branch_id\":1}}");
  ck_assert_int_eq (sr_test_get_int (own, "count"), 0);

  /* An administrator may move them. */
  moved = preview (admin, "{\"branch_id\":1}", "{\"set\":{\"branch_id\":2}}");
  ck_assert_int_eq (sr_test_get_int (moved, "count"), 2);
  ck_assert_int_eq (member_int (member_object (row_at (moved, 0), "after"), "branch_id"), 2);
  applied = apply (admin, preview_id (moved));
  ck_assert_int_eq (sr_test_get_int (applied, "applied"), 2);
  ck_assert_int_eq (sr_test_query_int (dbname, "SELECT count(*) FROM vehicles WHERE branch_id = 2"), 2);
  {
    g_autofree char *a_params = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT "}", a);
    g_autofree char *b_params = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT "}", b);
    g_error_free (sr_test_call_fails (manager, "vehicles.get", a_params, "not_found"));
    g_error_free (sr_test_call_fails (manager, "vehicles.get", b_params, "not_found"));
  }
}
END_TEST

/* --- bad input ---------------------------------------------------------------------------- */

START_TEST (test_bad_input)
{
  g_autoptr(SrConnection) manager = sr_test_connect_as (server, "manager@mumbai.test");
  static const struct {
    const char *params;
    const char *reason;
    const char *field;
  } cases[] = {
    { "{\"filter\":{}}", "invalid_params", "op" },
    { "{\"filter\":{},\"op\":null}", "invalid_params", "op" },
    { "{\"filter\":{},\"op\":\"price_pct\"}", "invalid_params", "op" },
    { "{\"filter\":{},\"op\":{}}", "invalid_params", "op" },
    { "{\"filter\":{},\"op\":{\"price_pct\":5,\"price_add\":\"1.00\"}}", "invalid_params", "op" },
    { "{\"filter\":{},\"op\":{\"set\":{\"notes\":\"x\"},\"price_pct\":5}}", "invalid_params", "op" },
    { "{\"filter\":{},\"op\":{\"price_mul\":2}}", "invalid_params", "op.price_mul" },
    { "{\"filter\":{},\"op\":{\"price_pct\":\"5\"}}", "invalid_params", "op.price_pct" },
    { "{\"filter\":{},\"op\":{\"price_pct\":true}}", "invalid_params", "op.price_pct" },
    { "{\"filter\":{},\"op\":{\"price_pct\":null}}", "invalid_params", "op.price_pct" },
    { "{\"filter\":{},\"op\":{\"price_pct\":[5]}}", "invalid_params", "op.price_pct" },
    { "{\"filter\":{},\"op\":{\"price_pct\":-100.01}}", "invalid_params", "op.price_pct" },
    { "{\"filter\":{},\"op\":{\"price_pct\":-101}}", "invalid_params", "op.price_pct" },
    { "{\"filter\":{},\"op\":{\"price_pct\":1000.01}}", "invalid_params", "op.price_pct" },
    { "{\"filter\":{},\"op\":{\"price_pct\":1e9}}", "invalid_params", "op.price_pct" },
    { "{\"filter\":{},\"op\":{\"price_add\":\"abc\"}}", "invalid_params", "op.price_add" },
    { "{\"filter\":{},\"op\":{\"price_add\":-5000}}", "invalid_params", "op.price_add" },
    { "{\"filter\":{},\"op\":{\"price_add\":\"-5000.001\"}}", "invalid_params", "op.price_add" },
    { "{\"filter\":{},\"op\":{\"price_add\":\"--5.00\"}}", "invalid_params", "op.price_add" },
    { "{\"filter\":{},\"op\":{\"price_add\":\"+5.00\"}}", "invalid_params", "op.price_add" },
    { "{\"filter\":{},\"op\":{\"price_add\":\"\"}}", "invalid_params", "op.price_add" },
    { "{\"filter\":{},\"op\":{\"price_add\":\"-\"}}", "invalid_params", "op.price_add" },
    { "{\"filter\":{},\"op\":{\"price_add\":null}}", "invalid_params", "op.price_add" },
    { "{\"filter\":{},\"op\":{\"set\":{}}}", "invalid_params", "op.set" },
    { "{\"filter\":{},\"op\":{\"set\":\"notes\"}}", "invalid_params", "op.set" },
    { "{\"filter\":{},\"op\":{\"set\":{\"colour\":\"Red\"}}}", "invalid_params", "op.set.colour" },
    { "{\"filter\":{},\"op\":{\"set\":{\"vin\":\"MA3FZEB1S00100001\"}}}", "invalid_params", "op.set.vin" },
    { "{\"filter\":{},\"op\":{\"set\":{\"stock_no\":\"X1\"}}}", "invalid_params", "op.set.stock_no" },
    { "{\"filter\":{},\"op\":{\"set\":{\"version\":9}}}", "invalid_params", "op.set.version" },
    { "{\"filter\":{},\"op\":{\"set\":{\"price\":\"-1.00\"}}}", "invalid_params", "op.set.price" },
    { "{\"filter\":{},\"op\":{\"set\":{\"status\":\"lost\"}}}", "invalid_params", "op.set.status" },
    { "{\"filter\":{},\"op\":{\"set\":{\"notes\":null}}}", "invalid_params", "op.set.notes" },
    { "{\"filter\":{},\"op\":{\"set\":{\"year\":1899}}}", "invalid_params", "op.set.year" },
    { "{\"filter\":{\"colour\":\"Red\"},\"op\":{\"price_pct\":5}}", "invalid_params", "filter.colour" },
    { "{\"filter\":{\"status\":\"lost\"},\"op\":{\"price_pct\":5}}", "invalid_params", "filter.status" },
    { "{\"filter\":{\"price_min\":\"abc\"},\"op\":{\"price_pct\":5}}", "invalid_params", "filter.price_min" },
    { "{\"filter\":{\"branch_id\":\"1\"},\"op\":{\"price_pct\":5}}", "invalid_params", "filter.branch_id" },
    { "{\"filter\":\"all\",\"op\":{\"price_pct\":5}}", "invalid_params", "filter" },
  };

  add_vehicle ("Maruti", 1, "500000.00");
  add_vehicle ("Maruti", 1, "10.00");

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = refuse_preview (manager, cases[i].params, cases[i].reason, cases[i].field);

      assert_rpc_code (error, SR_RPC_INVALID_PARAMS);
    }
  ck_assert_int_eq (sr_test_count (dbname, "bulk_previews"), 0);
}
END_TEST

START_TEST (test_price_out_of_range)
{
  g_autoptr(SrConnection) manager = sr_test_connect_as (server, "manager@mumbai.test");
  g_autoptr(GError) below = NULL;
  g_autoptr(GError) above = NULL;
  g_autoptr(JsonNode) to_zero = NULL;
  g_autofree char *cheap_stock_no = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  gint64 cheap;

  add_vehicle ("Maruti", 1, "800000.00");
  cheap = add_vehicle ("Maruti", 1, "650000.00");
  add_vehicle ("Maruti", 1, "700000.00");
  cheap_stock_no = db_stock_no (cheap);
  before = snapshot ("true");

  /* A price would go negative: refused, naming the vehicle. */
  below = refuse_preview (manager, "{\"filter\":{},\"op\":{\"price_add\":\"-690000.00\"}}",
                          "invalid_params", "op.price_add");
  ck_assert_msg (strstr (below->message, cheap_stock_no) != NULL, "the message does not name %s: %s",
                 cheap_stock_no, below->message);

  /* Past what a price can hold: refused too. */
  add_vehicle ("Rolls", 1, "9999999990.00");
  above = refuse_preview (manager, "{\"filter\":{\"make\":\"Rolls\"},\"op\":{\"price_add\":\"100.00\"}}",
                          "invalid_params", NULL);
  ck_assert_msg (g_str_has_prefix (sr_error_get_field (above), "op"), "data.field is %s",
                 sr_error_get_field (above));
  ck_assert_int_eq (sr_test_count (dbname, "bulk_previews"), 0);

  /* Down to exactly zero is a price. */
  to_zero = preview (manager, "{\"make\":\"Maruti\",\"price_max\":\"650000.00\"}",
                     "{\"price_add\":\"-650000.00\"}");
  ck_assert_int_eq (sr_test_get_int (to_zero, "count"), 1);
  ck_assert_str_eq (member_string (member_object (row_at (to_zero, 0), "after"), "price"), "0.00");

  after = snapshot ("make = 'Maruti'");
  ck_assert_str_eq (after, before);
}
END_TEST

/* --- live events -------------------------------------------------------------------------- */

/* A signed-in, subscribed connection that records its events. */
typedef struct {
  SrConnection *connection;
  char         *who;
  GPtrArray    *events;       /* JsonObject, in arrival order */
  gint64        last_seq;
  gulong        handler;
} Watcher;

static void
event_cb (SrConnection *connection,
          JsonObject   *params,
          gpointer      user_data)
{
  Watcher *self = user_data;

  self->last_seq = MAX (self->last_seq, json_object_get_int_member_with_default (params, "seq", 0));
  g_ptr_array_add (self->events, json_object_ref (params));
}

/* Subscribed from the log's current end: every later change it may see is due. */
static Watcher *
watcher_new (const char *email)
{
  Watcher *self = g_new0 (Watcher, 1);
  g_autoptr(JsonNode) subscribed = NULL;

  self->connection = sr_test_connect_as (server, email);
  self->who = g_strdup (email);
  self->events = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  self->handler = g_signal_connect (self->connection, "event", G_CALLBACK (event_cb), self);
  subscribed = sr_test_call_okf (self->connection, "subscribe", "{\"since_seq\":%" G_GINT64_FORMAT "}",
                                 current_seq ());
  ck_assert (!json_object_get_boolean_member (sr_test_object (subscribed), "resync"));

  return self;
}

static void
watcher_free (Watcher *self)
{
  if (self == NULL)
    return;

  g_signal_handler_disconnect (self->connection, self->handler);
  sr_connection_close (self->connection);
  g_object_unref (self->connection);
  g_ptr_array_unref (self->events);
  g_free (self->who);
  g_free (self);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Watcher, watcher_free)

typedef struct {
  Watcher *watcher;
  gint64   seq;
} SeqWait;

static gboolean
seq_reached (gpointer data)
{
  SeqWait *wait = data;

  return wait->watcher->last_seq >= wait->seq || !sr_connection_is_connected (wait->watcher->connection);
}

static void
wait_for_seq (Watcher *self,
              gint64   seq)
{
  SeqWait wait = { self, seq };

  sr_test_wait_until (seq_reached, &wait);
  ck_assert_msg (self->last_seq >= seq, "%s lost its connection before seq %" G_GINT64_FORMAT, self->who, seq);
}

/* The events received with a seq above @after. */
static GPtrArray *
events_after (Watcher *self,
              gint64   after)
{
  GPtrArray *out = g_ptr_array_new ();

  for (guint i = 0; i < self->events->len; i++)
    {
      JsonObject *event = g_ptr_array_index (self->events, i);

      if (json_object_get_int_member (event, "seq") > after)
        g_ptr_array_add (out, event);
    }

  return out;
}

/* A change only @who's side may see, made in psql; returns when it reached them all:
 * whatever was due to them before it has arrived by then. */
static void
marker (gint64   vehicle_id,
        Watcher *first,
        ...)
{
  va_list args;
  gint64 seq;

  touch_in_sql (vehicle_id, "notes = notes || 'm'");
  seq = current_seq ();
  va_start (args, first);
  for (Watcher *w = first; w != NULL; w = va_arg (args, Watcher *))
    wait_for_seq (w, seq);
  va_end (args);
}

static void
assert_only_marker (Watcher *self,
                    gint64   vehicle_id)
{
  JsonObject *event;

  ck_assert_msg (self->events->len == 1, "%s received %u events, expected only the marker", self->who,
                 self->events->len);
  event = g_ptr_array_index (self->events, 0);
  ck_assert_str_eq (json_object_get_string_member (event, "entity"), "vehicle");
  ck_assert_int_eq (json_object_get_int_member (event, "id"), vehicle_id);
}

START_TEST (test_events_apply)
{
  g_autoptr(SrConnection) writer = sr_test_connect_as (server, "manager@mumbai.test");
  g_autoptr(Watcher) manager = NULL;
  g_autoptr(Watcher) sales = NULL;
  g_autoptr(Watcher) pune = NULL;
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(JsonNode) applied = NULL;
  g_autoptr(GPtrArray) updates = NULL;
  g_autoptr(GPtrArray) sales_updates = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);
  gint64 mumbai_marker, pune_marker;
  gint64 before_apply;
  gint64 versions[3];
  gint64 ids[3];

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    ids[i] = add_vehicle ("Maruti", 1, "500000.00");
  touch_in_sql (ids[1], "notes = 'older'");
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    versions[i] = db_version (ids[i]);
  mumbai_marker = add_vehicle ("Tata", 1, "1.00");
  pune_marker = add_vehicle ("Maruti", 2, "1.00");

  manager = watcher_new ("manager@mumbai.test");
  sales = watcher_new ("sales@mumbai.test");
  pune = watcher_new ("manager@pune.test");

  /* A preview tells nobody anything: the first event after it is the marker. */
  result = preview (writer, "{\"make\":\"Maruti\"}", "{\"price_add\":\"-2500.00\"}");
  marker (mumbai_marker, manager, sales, NULL);
  assert_only_marker (manager, mumbai_marker);
  assert_only_marker (sales, mumbai_marker);

  before_apply = current_seq ();
  applied = apply (writer, preview_id (result));
  ck_assert_int_eq (sr_test_get_int (applied, "applied"), 3);
  ck_assert_int_eq (current_seq (), before_apply + 3);
  wait_for_seq (manager, before_apply + 3);
  wait_for_seq (sales, before_apply + 3);

  /* One update per applied row, with the row's new values. */
  updates = events_after (manager, before_apply);
  ck_assert_uint_eq (updates->len, 3);
  for (guint i = 0; i < updates->len; i++)
    {
      JsonObject *event = g_ptr_array_index (updates, i);
      gint64 id = json_object_get_int_member (event, "id");
      JsonObject *row = row_for (result, id);
      JsonObject *data;
      guint k;

      ck_assert_str_eq (json_object_get_string_member (event, "entity"), "vehicle");
      ck_assert_str_eq (json_object_get_string_member (event, "op"), "update");
      ck_assert_msg (row != NULL, "an update of vehicle %" G_GINT64_FORMAT ", not in the preview", id);
      ck_assert_msg (g_hash_table_add (seen, GSIZE_TO_POINTER ((gsize) id)), "two updates of %" G_GINT64_FORMAT, id);
      data = member_object (event, "data");
      assert_holds (data, member_object (row, "after"));
      for (k = 0; ids[k] != id; k++)
        ;
      ck_assert_int_eq (member_int (data, "version"), versions[k] + 1);
      ck_assert_str_eq (member_string (data, "cost"), "400000.00");
    }

  /* Sales hear of the same updates, without cost. */
  sales_updates = events_after (sales, before_apply);
  ck_assert_uint_eq (sales_updates->len, 3);
  for (guint i = 0; i < sales_updates->len; i++)
    ck_assert (!json_object_has_member (member_object (g_ptr_array_index (sales_updates, i), "data"), "cost"));

  /* Pune heard nothing of it. */
  marker (pune_marker, pune, NULL);
  assert_only_marker (pune, pune_marker);
}
END_TEST

START_TEST (test_events_sales_batch)
{
  g_autoptr(SrConnection) filer = sr_test_connect_as (server, "sales@mumbai.test");
  g_autoptr(Watcher) manager = NULL;
  g_autoptr(Watcher) pune_manager = NULL;
  g_autoptr(Watcher) pune_sales = NULL;
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(JsonNode) filed = NULL;
  g_autoptr(GPtrArray) inserts = NULL;
  gint64 pune_marker;
  gint64 before_apply;
  gint64 batch_id;
  gint64 ids[2];

  ids[0] = add_vehicle ("Maruti", 1, "500000.00");
  ids[1] = add_vehicle ("Maruti", 1, "510000.00");
  pune_marker = add_vehicle ("Maruti", 2, "1.00");

  manager = watcher_new ("manager@mumbai.test");
  pune_manager = watcher_new ("manager@pune.test");
  pune_sales = watcher_new ("sales@pune.test");

  result = preview (filer, "{\"make\":\"Maruti\"}", "{\"set\":{\"location\":\"Front row\"}}");
  ck_assert_int_eq (sr_test_get_int (result, "count"), 2);
  before_apply = current_seq ();
  filed = apply (filer, preview_id (result));
  batch_id = sr_test_get_int (filed, "batch_id");
  ck_assert_int_eq (current_seq (), before_apply + 2);
  wait_for_seq (manager, before_apply + 2);

  /* The manager hears of two new proposals of one batch, and of no vehicle change. */
  inserts = events_after (manager, before_apply);
  ck_assert_uint_eq (inserts->len, 2);
  for (guint i = 0; i < inserts->len; i++)
    {
      JsonObject *event = g_ptr_array_index (inserts, i);
      JsonObject *data = member_object (event, "data");
      gint64 vehicle_id = member_int (data, "vehicle_id");

      ck_assert_str_eq (json_object_get_string_member (event, "entity"), "pending_edit");
      ck_assert_str_eq (json_object_get_string_member (event, "op"), "insert");
      ck_assert (vehicle_id == ids[0] || vehicle_id == ids[1]);
      ck_assert_int_eq (json_object_get_int_member (event, "id"), edit_for_vehicle (filed, vehicle_id));
      ck_assert_int_eq (member_int (data, "batch_id"), batch_id);
      ck_assert_str_eq (member_string (data, "status"), "pending");
      ck_assert_str_eq (member_string (member_object (data, "changes"), "location"), "Front row");
    }

  /* Pune's people hear nothing of Mumbai's batch. */
  marker (pune_marker, pune_manager, pune_sales, NULL);
  assert_only_marker (pune_manager, pune_marker);
  assert_only_marker (pune_sales, pune_marker);
}
END_TEST

int
main (void)
{
  Suite *suite = suite_create ("integration");
  TCase *apply_case = tcase_create ("apply");
  TCase *stale = tcase_create ("stale");
  TCase *sales = tcase_create ("sales");
  TCase *limit = tcase_create ("limit");
  TCase *scope = tcase_create ("scope");
  TCase *input = tcase_create ("input");
  TCase *events = tcase_create ("events");
  SRunner *runner;
  int failed;

  sr_test_init ();

  tcase_add_checked_fixture (apply_case, setup, teardown);
  tcase_add_test (apply_case, test_preview_then_apply);
  tcase_add_test (apply_case, test_price_pct_rounding);
  tcase_add_test (apply_case, test_price_pct_decimal_percent);
  tcase_add_test (apply_case, test_price_add_and_set);
  suite_add_tcase (suite, apply_case);

  tcase_add_checked_fixture (stale, setup, teardown);
  tcase_add_test (stale, test_stale_rows);
  tcase_add_test (stale, test_spent_foreign_expired);
  tcase_add_test (stale, test_apply_bad_params);
  tcase_add_test (stale, test_concurrent_applies);
  suite_add_tcase (suite, stale);

  tcase_add_checked_fixture (sales, setup, teardown);
  tcase_add_test (sales, test_sales_batch_approved);
  tcase_add_test (sales, test_sales_batch_stale);
  tcase_add_test (sales, test_sales_apply_stale);
  suite_add_tcase (suite, sales);

  tcase_add_checked_fixture (limit, setup, teardown);
  tcase_add_test (limit, test_row_limit);
  suite_add_tcase (suite, limit);

  tcase_add_checked_fixture (scope, setup, teardown);
  tcase_add_test (scope, test_scope_branches);
  tcase_add_test (scope, test_filter_as_list);
  tcase_add_test (scope, test_scope_cost);
  tcase_add_test (scope, test_scope_other_branch);
  suite_add_tcase (suite, scope);

  tcase_add_checked_fixture (input, setup, teardown);
  tcase_add_test (input, test_bad_input);
  tcase_add_test (input, test_price_out_of_range);
  suite_add_tcase (suite, input);

  tcase_add_checked_fixture (events, setup, teardown);
  tcase_add_test (events, test_events_apply);
  tcase_add_test (events, test_events_sales_batch);
  suite_add_tcase (suite, events);

  runner = srunner_create (suite);
  srunner_run_all (runner, CK_NORMAL);
  failed = srunner_ntests_failed (runner);
  srunner_free (runner);

  return failed == 0 ? 0 : 1;
}
