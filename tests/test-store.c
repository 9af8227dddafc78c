/* test-store.c: the app's data core against a real showroomd. SrVehicleStore holds
 * exactly what vehicles.list gives and follows events with exact items-changed;
 * SrVehicleSorter orders as the server's sort does; SrVehicleFilter keeps what the
 * server's filter keeps.
 *
 * GTK's list models, sorters and filters are used without gtk_init() and without a
 * display: they are plain GObjects. Built without -Dclient this test reports a skip.
 */
#define G_LOG_DOMAIN "test-store"

#include "config.h"

#ifndef SR_HAVE_CLIENT_CORE

int main (void);

int
main (void)
{
  /* meson's code for a skipped test */
  return 77;
}

#else

#include <check.h>
#include <string.h>

#include "sr-error.h"
#include "sr-test-server.h"
#include "sr-vehicle-filter.h"
/* For _sr_vehicle_new_from_reader(), the store's way in: no field is read here. */
#include "sr-vehicle-private.h"
#include "sr-vehicle-sorter.h"
#include "sr-vehicle-store.h"

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

/* --- data ------------------------------------------------------------------------------ */

/* Vehicles shaped like a stock: every text column has repeats (ties go by id), prices
 * and costs repeat, some costs have paise. Texts are capitalised words, so the
 * database's byte order and the app's case-insensitive order agree. VINs: 'T', ten
 * hex digits, the row number. */
static void
seed (guint first,
      guint last,
      guint branch_id)
{
  sr_test_execf (dbname,
    "INSERT INTO vehicles (vin, make, model, variant, year, color, fuel, odometer_km, price,"
    "                      cost, status, branch_id, location, arrived_on)"
    " SELECT 'T' || upper(substr(md5(i::text), 1, 10)) || lpad(i::text, 6, '0'),"
    "        (ARRAY['Honda','Hyundai','Kia','Mahindra','Maruti','Skoda','Tata','Toyota'])[1 + (i * 7) %% 8],"
    "        (ARRAY['Baleno','City','Creta','Innova','Kushaq','Nexon','Punch','Seltos','Swift',"
    "               'Thar','Venue','Xylo'])[1 + (i * 5) %% 12],"
    "        (ARRAY['Base','Lxi','Top','Vxi','Zxi'])[1 + (i * 3) %% 5],"
    "        2012 + (i * 11) %% 12,"
    "        (ARRAY['Black','Blue','Brown','Grey','Red','Silver','White'])[1 + (i * 13) %% 7],"
    "        (ARRAY['petrol','diesel','electric','hybrid','cng'])[1 + (i / 7) %% 5]::fuel_type,"
    "        (i * 7919) %% 90000,"
    "        (300000 + ((i * 104729) %% 400) * 2500)::numeric(12, 2),"
    "        (250000 + ((i * 7907) %% 300) * 2000 + (i %% 2) * 0.5)::numeric(12, 2),"
    "        (ARRAY['incoming','in_stock','in_stock','reserved','sold'])[1 + (i * 19) %% 5]::vehicle_status,"
    "        %u,"
    "        (ARRAY['Bay Alpha','Bay Beta','Showroom','Yard East','Yard West'])[1 + (i * 23) %% 5],"
    "        current_date - (i * 29) %% 400"
    "   FROM generate_series(%u, %u) AS i", branch_id, first, last);
}

/* 2,500 vehicles in Mumbai (three pages) and 300 in Pune; every seventh changed once
 * more, so versions and updated_at differ. */
static void
seed_stock (void)
{
  seed (1, 2500, 1);
  seed (2501, 2800, 2);
  sr_test_exec (dbname, "UPDATE vehicles SET notes = 'Seen by the valuer' WHERE id % 7 = 0");
}

static gint64
current_seq (void)
{
  return sr_test_query_int (dbname, "SELECT coalesce(max(seq), 0) FROM change_log");
}

/* --- what the server says -------------------------------------------------------------- */

/* Every vehicle vehicles.list gives, following `next`; @filter is JSON or NULL. */
static GPtrArray *
list_all (SrConnection *connection,
          const char   *filter,
          const char   *sort)
{
  GPtrArray *all = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_autofree char *after = NULL;

  do
    {
      g_autoptr(GString) params = g_string_new ("{\"limit\":1000");
      g_autoptr(JsonNode) page = NULL;
      JsonArray *items;
      JsonNode *next;

      if (filter != NULL)
        g_string_append_printf (params, ",\"filter\":%s", filter);
      if (sort != NULL)
        g_string_append_printf (params, ",\"sort\":\"%s\"", sort);
      if (after != NULL)
        g_string_append_printf (params, ",\"after\":\"%s\"", after);
      g_string_append_c (params, '}');

      page = sr_test_call_ok (connection, "vehicles.list", params->str);
      items = json_object_get_array_member (json_node_get_object (page), "items");
      for (guint i = 0; i < json_array_get_length (items); i++)
        g_ptr_array_add (all, json_object_ref (json_array_get_object_element (items, i)));

      next = json_object_get_member (json_node_get_object (page), "next");
      g_clear_pointer (&after, g_free);
      if (next != NULL && !JSON_NODE_HOLDS_NULL (next))
        after = g_strdup (json_node_get_string (next));
    }
  while (after != NULL);

  return all;
}

static GArray *
ids_of_list (GPtrArray *list)
{
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));

  for (guint i = 0; i < list->len; i++)
    {
      gint64 id = json_object_get_int_member (g_ptr_array_index (list, i), "id");

      g_array_append_val (ids, id);
    }

  return ids;
}

static GArray *
ids_of_model (GListModel *model)
{
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(SrVehicle) vehicle = g_list_model_get_item (model, i);
      gint64 id = sr_vehicle_get_id (vehicle);

      g_array_append_val (ids, id);
    }

  return ids;
}

static void
assert_same_ids (GArray     *got,
                 GArray     *expected,
                 const char *what)
{
  for (guint i = 0; i < MIN (got->len, expected->len); i++)
    ck_assert_msg (g_array_index (got, gint64, i) == g_array_index (expected, gint64, i),
                   "%s: row %u is vehicle %" G_GINT64_FORMAT ", the server has %" G_GINT64_FORMAT,
                   what, i, g_array_index (got, gint64, i), g_array_index (expected, gint64, i));
  ck_assert_msg (got->len == expected->len, "%s: %u rows, the server has %u", what, got->len,
                 expected->len);
}

/* Every member of the server's Vehicle, as the store's SrVehicle gives it back. */
static void
assert_vehicle_is (SrVehicle  *vehicle,
                   JsonObject *expected)
{
  g_autofree char *price = sr_vehicle_format_price (vehicle);
  g_autofree char *cost = sr_vehicle_format_cost (vehicle);
  g_autofree char *arrived_on = sr_vehicle_format_arrived_on (vehicle);
  gint64 id = json_object_get_int_member (expected, "id");

#define SAME_STRING(got, member) \
  ck_assert_msg (g_strcmp0 ((got), json_object_get_string_member (expected, member)) == 0, \
                 "vehicle %" G_GINT64_FORMAT ": %s is \"%s\", the server says \"%s\"", id, member, \
                 (got), json_object_get_string_member (expected, member))
#define SAME_INT(got, member) \
  ck_assert_msg ((got) == json_object_get_int_member (expected, member), \
                 "vehicle %" G_GINT64_FORMAT ": %s is %" G_GINT64_FORMAT ", the server says %" \
                 G_GINT64_FORMAT, id, member, (gint64) (got), \
                 json_object_get_int_member (expected, member))

  SAME_INT (sr_vehicle_get_id (vehicle), "id");
  SAME_STRING (sr_vehicle_get_stock_no (vehicle), "stock_no");
  SAME_STRING (sr_vehicle_get_vin (vehicle), "vin");
  SAME_STRING (sr_vehicle_get_make (vehicle), "make");
  SAME_STRING (sr_vehicle_get_model (vehicle), "model");
  SAME_STRING (sr_vehicle_get_variant (vehicle), "variant");
  SAME_INT (sr_vehicle_get_year (vehicle), "year");
  SAME_STRING (sr_vehicle_get_color (vehicle), "color");
  SAME_STRING (sr_vehicle_fuel_to_string (sr_vehicle_get_fuel (vehicle)), "fuel");
  SAME_INT (sr_vehicle_get_odometer_km (vehicle), "odometer_km");
  SAME_STRING (price, "price");
  if (json_object_has_member (expected, "cost"))
    SAME_STRING (cost, "cost");
  else
    ck_assert_msg (cost == NULL && !sr_vehicle_get_has_cost (vehicle),
                   "vehicle %" G_GINT64_FORMAT " has a cost the server did not send", id);
  SAME_STRING (sr_vehicle_status_to_string (sr_vehicle_get_status (vehicle)), "status");
  SAME_INT (sr_vehicle_get_branch_id (vehicle), "branch_id");
  SAME_STRING (sr_vehicle_get_location (vehicle), "location");
  SAME_STRING (arrived_on, "arrived_on");
  SAME_STRING (sr_vehicle_get_notes (vehicle), "notes");
  SAME_INT (sr_vehicle_get_version (vehicle), "version");
  SAME_STRING (sr_vehicle_get_updated_at (vehicle), "updated_at");

#undef SAME_STRING
#undef SAME_INT
}

/* The store holds exactly what vehicles.list gives, in id order, member for member. */
static void
assert_store_is_list (SrVehicleStore *store,
                      SrConnection   *connection)
{
  g_autoptr(GPtrArray) list = list_all (connection, NULL, "id");
  g_autoptr(GArray) expected = ids_of_list (list);
  g_autoptr(GArray) got = ids_of_model (G_LIST_MODEL (store));

  assert_same_ids (got, expected, "store");
  for (guint i = 0; i < list->len; i++)
    {
      g_autoptr(SrVehicle) vehicle = g_list_model_get_item (G_LIST_MODEL (store), i);

      assert_vehicle_is (vehicle, g_ptr_array_index (list, i));
    }
}

/* --- the store's side ------------------------------------------------------------------ */

typedef struct {
  gboolean  done;
  gboolean  ok;
  GError   *error;
} Loaded;

static void
load_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Loaded *loaded = user_data;

  loaded->ok = sr_vehicle_store_load_finish (SR_VEHICLE_STORE (object), result, &loaded->error);
  loaded->done = TRUE;
}

static void
load (SrVehicleStore *store,
      SrConnection   *connection)
{
  Loaded loaded = { 0 };

  sr_vehicle_store_load_async (store, connection, NULL, load_cb, &loaded);
  sr_test_wait (&loaded.done);
  ck_assert_msg (loaded.ok, "load failed: %s", loaded.error ? loaded.error->message : "?");
  ck_assert (!sr_vehicle_store_is_loading (store));
}

static SrVehicleStore *
loaded_store (SrConnection *connection)
{
  SrVehicleStore *store = sr_vehicle_store_new ();

  load (store, connection);
  return store;
}

typedef struct {
  guint position;
  guint removed;
  guint added;
} Change;

static void
items_changed_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  GArray     *changes)
{
  Change change = { position, removed, added };

  g_array_append_val (changes, change);
}

static void
vehicle_changed_cb (SrVehicleStore *store,
                    gint64          id,
                    SrVehicle      *vehicle,
                    GArray         *ids)
{
  ck_assert_int_eq (id, sr_vehicle_get_id (vehicle));
  g_array_append_val (ids, id);
}

static void
assert_changes (GArray     *changes,
                const char *what,
                guint       n,
                ...)
{
  va_list args;

  ck_assert_msg (changes->len == n, "%s: %u items-changed, expected %u", what, changes->len, n);
  va_start (args, n);
  for (guint i = 0; i < n; i++)
    {
      Change *got = &g_array_index (changes, Change, i);
      guint position = va_arg (args, guint);
      guint removed = va_arg (args, guint);
      guint added = va_arg (args, guint);

      ck_assert_msg (got->position == position && got->removed == removed && got->added == added,
                     "%s: items-changed (%u, %u, %u), expected (%u, %u, %u)", what,
                     got->position, got->removed, got->added, position, removed, added);
    }
  va_end (args);
  g_array_set_size (changes, 0);
}

static void
event_cb (SrConnection   *connection,
          JsonObject     *params,
          SrVehicleStore *store)
{
  g_autoptr(GError) error = NULL;

  ck_assert_msg (sr_vehicle_store_apply_event (store, params, &error),
                 "event not applied: %s", error ? error->message : "?");
}

/* Live events into @store, from now on. */
static void
follow (SrConnection   *connection,
        SrVehicleStore *store)
{
  g_autoptr(JsonNode) subscribed G_GNUC_UNUSED = sr_test_call_ok (connection, "subscribe", "{}");

  g_signal_connect_object (connection, "event", G_CALLBACK (event_cb), store, 0);
}

typedef struct {
  SrVehicleStore *store;
  gint64          seq;
} SeqWait;

static gboolean
seq_reached (gpointer data)
{
  SeqWait *wait = data;

  return sr_vehicle_store_get_seq (wait->store) >= wait->seq;
}

/* Waits until the store has applied everything up to the last change logged. */
static void
catch_up (SrVehicleStore *store)
{
  SeqWait wait = { store, current_seq () };

  sr_test_wait_until (seq_reached, &wait);
}

static guint
position_of (SrVehicleStore *store,
             gint64          id)
{
  guint position = G_MAXUINT;

  ck_assert_msg (sr_vehicle_store_lookup (store, id, &position) != NULL,
                 "vehicle %" G_GINT64_FORMAT " is not in the store", id);
  return position;
}

/* --- SrVehicle on its own --------------------------------------------------------------- */

static JsonObject *
object_from (const char *json)
{
  g_autoptr(JsonNode) node = json_from_string (json, NULL);

  ck_assert (node != NULL && JSON_NODE_HOLDS_OBJECT (node));
  return json_object_ref (json_node_get_object (node));
}

#define VEHICLE_JSON(price, cost_member) \
  "{\"id\": 42, \"stock_no\": \"SR000042\", \"vin\": \"MA3FZEB1S00100042\", \"make\": \"Maruti\"," \
  " \"model\": \"Swift\", \"variant\": \"ZXi Plus\", \"year\": 2022, \"color\": \"Pearl White\"," \
  " \"fuel\": \"cng\", \"odometer_km\": 1200, \"price\": \"" price "\"," cost_member \
  " \"status\": \"reserved\", \"branch_id\": 1, \"location\": \"Bay 3\", \"arrived_on\": \"2024-02-29\"," \
  " \"notes\": \"\", \"version\": 3, \"updated_at\": \"2025-06-07T09:30:00.25+05:30\"}"

static void
notify_cb (GObject    *object,
           GParamSpec *pspec,
           GString    *names)
{
  g_string_append_printf (names, "%s ", pspec->name);
}

START_TEST (test_vehicle_fields)
{
  g_autoptr(JsonObject) object = object_from (VEHICLE_JSON ("845000.50", " \"cost\": \"800000.00\","));
  g_autoptr(JsonObject) same = object_from (VEHICLE_JSON ("845000.50", " \"cost\": \"800000.00\","));
  g_autoptr(JsonObject) cheaper = object_from (VEHICLE_JSON ("840000.00", " \"cost\": \"800000.00\","));
  g_autoptr(JsonObject) no_cost = object_from (VEHICLE_JSON ("845000.50", ""));
  g_autoptr(JsonObject) bad_price = object_from (VEHICLE_JSON ("845,000", " \"cost\": \"1.00\","));
  g_autoptr(SrVehicle) vehicle = NULL;
  g_autoptr(SrVehicle) sales_view = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) notified = g_string_new (NULL);
  g_autofree char *price = NULL;
  g_autofree char *arrived_on = NULL;
  g_autofree char *cost_property = NULL;
  GDate date;

  vehicle = sr_vehicle_new_from_json (object, &error);
  ck_assert_msg (vehicle != NULL, "%s", error ? error->message : "");
  ck_assert_int_eq (sr_vehicle_get_id (vehicle), 42);
  ck_assert_int_eq (sr_vehicle_get_price (vehicle), 84500050);
  ck_assert_int_eq (sr_vehicle_get_cost (vehicle), 80000000);
  ck_assert (sr_vehicle_get_has_cost (vehicle));
  ck_assert_int_eq (sr_vehicle_get_margin (vehicle), 4500050);
  ck_assert_int_eq (sr_vehicle_get_fuel (vehicle), SR_VEHICLE_FUEL_CNG);
  ck_assert_int_eq (sr_vehicle_get_status (vehicle), SR_VEHICLE_STATUS_RESERVED);
  ck_assert_str_eq (sr_vehicle_get_search_text (vehicle),
                    "sr000042 ma3fzeb1s00100042 maruti swift zxi plus pearl white");
  /* 09:30:00.25 at +05:30 is 04:00:00.25 UTC. */
  ck_assert_int_eq (sr_vehicle_get_updated_at_us (vehicle), G_GINT64_CONSTANT (1749268800250000));

  /* The Julian day is GDate's, and formats back to the same date. */
  g_date_clear (&date, 1);
  g_date_set_dmy (&date, 29, G_DATE_FEBRUARY, 2024);
  ck_assert_uint_eq (sr_vehicle_get_arrived_on (vehicle), g_date_get_julian (&date));
  arrived_on = sr_vehicle_format_arrived_on (vehicle);
  ck_assert_str_eq (arrived_on, "2024-02-29");
  ck_assert_int_eq (sr_vehicle_days_in_stock (vehicle, g_date_get_julian (&date) + 10), 10);
  price = sr_vehicle_format_price (vehicle);
  ck_assert_str_eq (price, "845000.50");

  /* The same record changes nothing; a new price changes one property. */
  g_signal_connect (vehicle, "notify", G_CALLBACK (notify_cb), notified);
  ck_assert (!sr_vehicle_update_from_json (vehicle, same, &error));
  ck_assert (error == NULL);
  ck_assert_str_eq (notified->str, "");
  ck_assert (sr_vehicle_update_from_json (vehicle, cheaper, &error));
  ck_assert_str_eq (notified->str, "price ");
  ck_assert_int_eq (sr_vehicle_get_price (vehicle), 84000000);

  /* A bad record is an error and changes nothing. */
  ck_assert (!sr_vehicle_update_from_json (vehicle, bad_price, &error));
  ck_assert (g_error_matches (error, SR_ERROR, SR_ERROR_PARSE_ERROR));
  ck_assert_int_eq (sr_vehicle_get_price (vehicle), 84000000);
  g_clear_error (&error);

  /* What a sales user gets: no cost at all. */
  sales_view = sr_vehicle_new_from_json (no_cost, &error);
  ck_assert (sales_view != NULL);
  ck_assert (!sr_vehicle_get_has_cost (sales_view));
  ck_assert_int_eq (sr_vehicle_get_margin (sales_view), 0);
  g_object_get (sales_view, "cost", &cost_property, NULL);
  ck_assert (cost_property == NULL);
}
END_TEST

/* Events are read with json-glib, pages with the pull reader: both must make the
 * same vehicle of the same object, and refuse the same ones. */
START_TEST (test_vehicle_from_reader)
{
  static const char *const cases[] = {
    VEHICLE_JSON ("845000.50", " \"cost\": \"800000.00\","),
    VEHICLE_JSON ("845000.50", ""),
    VEHICLE_JSON ("1.5", " \"cost\": \"0.00\", \"extra\": {\"a\": [1, 2.5, null]},"),
    "{\"id\": 7, \"stock_no\": \"S\\u0031\", \"vin\": \"MA3FZEB1S00100007\", \"make\": \"Qu\\\"ote\","
    " \"model\": \"\\u00c9lan \\ud834\\udd1e\", \"variant\": \"\", \"year\": 1999, \"color\": \"\","
    " \"fuel\": \"petrol\", \"odometer_km\": 0, \"price\": \"0.00\", \"status\": \"sold\","
    " \"branch_id\": 9, \"location\": \"Line\\nTwo\", \"arrived_on\": \"2000-01-01\","
    " \"notes\": \"a\\tb\", \"version\": 1, \"updated_at\": \"2000-01-01T00:00:00Z\","
    " \"id\": 8}",
    VEHICLE_JSON ("845,000", ""),
    VEHICLE_JSON ("845000.00", " \"cost\": null,"),
    VEHICLE_JSON ("845000.00", " \"cost\": 5,"),
    "{\"id\": 42.0, \"stock_no\": \"SR1\"}",
    "{\"id\": true}",
    "{}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonObject) object = object_from (cases[i]);
      g_autoptr(SrVehicle) from_json = NULL;
      g_autoptr(SrVehicle) from_reader = NULL;
      g_autoptr(GError) json_error = NULL;
      g_autoptr(GError) reader_error = NULL;
      g_autofree char *text = g_strdup (cases[i]);
      SrJsonReader reader;

      from_json = sr_vehicle_new_from_json (object, &json_error);
      sr_json_reader_init (&reader, text, strlen (text), TRUE);
      from_reader = _sr_vehicle_new_from_reader (&reader, &reader_error);

      ck_assert_msg ((from_json == NULL) == (from_reader == NULL), "case %u: %s / %s", i,
                     json_error ? json_error->message : "read", reader_error ? reader_error->message : "read");
      if (from_json == NULL)
        {
          ck_assert_str_eq (json_error->message, reader_error->message);
          continue;
        }
      ck_assert (sr_json_reader_at_end (&reader));

      ck_assert_int_eq (sr_vehicle_get_id (from_json), sr_vehicle_get_id (from_reader));
      ck_assert_str_eq (sr_vehicle_get_stock_no (from_json), sr_vehicle_get_stock_no (from_reader));
      ck_assert_str_eq (sr_vehicle_get_vin (from_json), sr_vehicle_get_vin (from_reader));
      ck_assert_str_eq (sr_vehicle_get_make (from_json), sr_vehicle_get_make (from_reader));
      ck_assert_str_eq (sr_vehicle_get_model (from_json), sr_vehicle_get_model (from_reader));
      ck_assert_str_eq (sr_vehicle_get_variant (from_json), sr_vehicle_get_variant (from_reader));
      ck_assert_int_eq (sr_vehicle_get_year (from_json), sr_vehicle_get_year (from_reader));
      ck_assert_str_eq (sr_vehicle_get_color (from_json), sr_vehicle_get_color (from_reader));
      ck_assert_int_eq (sr_vehicle_get_fuel (from_json), sr_vehicle_get_fuel (from_reader));
      ck_assert_int_eq (sr_vehicle_get_odometer_km (from_json), sr_vehicle_get_odometer_km (from_reader));
      ck_assert_int_eq (sr_vehicle_get_price (from_json), sr_vehicle_get_price (from_reader));
      ck_assert_int_eq (sr_vehicle_get_has_cost (from_json), sr_vehicle_get_has_cost (from_reader));
      ck_assert_int_eq (sr_vehicle_get_cost (from_json), sr_vehicle_get_cost (from_reader));
      ck_assert_int_eq (sr_vehicle_get_status (from_json), sr_vehicle_get_status (from_reader));
      ck_assert_int_eq (sr_vehicle_get_branch_id (from_json), sr_vehicle_get_branch_id (from_reader));
      ck_assert_str_eq (sr_vehicle_get_location (from_json), sr_vehicle_get_location (from_reader));
      ck_assert_uint_eq (sr_vehicle_get_arrived_on (from_json), sr_vehicle_get_arrived_on (from_reader));
      ck_assert_str_eq (sr_vehicle_get_notes (from_json), sr_vehicle_get_notes (from_reader));
      ck_assert_int_eq (sr_vehicle_get_version (from_json), sr_vehicle_get_version (from_reader));
      ck_assert_int_eq (sr_vehicle_get_updated_at_us (from_json), sr_vehicle_get_updated_at_us (from_reader));
      ck_assert_str_eq (sr_vehicle_get_search_text (from_json), sr_vehicle_get_search_text (from_reader));
    }
}
END_TEST

START_TEST (test_money)
{
  static const struct {
    const char *text;
    gboolean    ok;
    gint64      paise;
  } cases[] = {
    { "845000", TRUE, 84500000 }, { "845000.5", TRUE, 84500050 },
    { "845000.05", TRUE, 84500005 }, { "0.00", TRUE, 0 },
    { "9999999999.99", TRUE, G_GINT64_CONSTANT (999999999999) },
    { "", FALSE, 0 }, { ".5", FALSE, 0 }, { "1.", FALSE, 0 }, { "1.234", FALSE, 0 },
    { "-1.00", FALSE, 0 }, { "12345678901", FALSE, 0 }, { "1e5", FALSE, 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gint64 paise = -1;

      ck_assert_msg (sr_money_parse (cases[i].text, &paise) == cases[i].ok, "\"%s\"", cases[i].text);
      if (cases[i].ok)
        {
          g_autofree char *text = sr_money_format (paise);
          gint64 again = -1;

          ck_assert_int_eq (paise, cases[i].paise);
          ck_assert (sr_money_parse (text, &again) && again == paise);
        }
    }
}
END_TEST

/* --- loading --------------------------------------------------------------------------- */

START_TEST (test_load_matches_list)
{
  g_autoptr(SrConnection) manager = NULL;
  g_autoptr(SrConnection) admin = NULL;
  g_autoptr(SrVehicleStore) store = sr_vehicle_store_new ();
  g_autoptr(SrVehicleStore) admin_store = NULL;
  g_autoptr(GArray) changes = g_array_new (FALSE, FALSE, sizeof (Change));
  SrVehicleStoreLoadStats stats;
  guint added = 0;

  seed_stock ();
  manager = sr_test_connect_as (server, "manager@mumbai.test");

  /* Several pages, each placed with one items-changed that only adds. */
  g_signal_connect (store, "items-changed", G_CALLBACK (items_changed_cb), changes);
  load (store, manager);
  assert_store_is_list (store, manager);
  ck_assert_uint_eq (g_list_model_get_n_items (G_LIST_MODEL (store)), 2500);
  sr_vehicle_store_get_load_stats (store, &stats);
  ck_assert_uint_ge (stats.pages, 3);
  /* Where the two page chains meet, a page may bring some vehicles twice. */
  ck_assert_uint_ge (stats.vehicles, 2500);
  for (guint i = 0; i < changes->len; i++)
    {
      Change *change = &g_array_index (changes, Change, i);

      ck_assert_uint_eq (change->removed, 0);
      added += change->added;
    }
  ck_assert_uint_eq (added, 2500);
  ck_assert_uint_le (changes->len, stats.pages);

  /* Loading again replaces everything: one removal, then the pages. */
  g_array_set_size (changes, 0);
  load (store, manager);
  ck_assert_uint_ge (changes->len, 2);
  ck_assert (g_array_index (changes, Change, 0).position == 0 &&
             g_array_index (changes, Change, 0).removed == 2500 &&
             g_array_index (changes, Change, 0).added == 0);
  assert_store_is_list (store, manager);

  /* An admin's store has both branches. */
  admin = sr_test_connect_as (server, "admin@mumbai.test");
  admin_store = loaded_store (admin);
  ck_assert_uint_eq (g_list_model_get_n_items (G_LIST_MODEL (admin_store)), 2800);
  assert_store_is_list (admin_store, admin);

  /* reset() empties the store. */
  g_array_set_size (changes, 0);
  sr_vehicle_store_reset (store);
  assert_changes (changes, "reset", 1, 0u, 2500u, 0u);
}
END_TEST

START_TEST (test_load_small)
{
  g_autoptr(SrConnection) manager = sr_test_connect_as (server, "manager@mumbai.test");
  g_autoptr(SrVehicleStore) store = sr_vehicle_store_new ();

  /* Nothing, then one vehicle: the two page chains meet at once. */
  load (store, manager);
  ck_assert_uint_eq (g_list_model_get_n_items (G_LIST_MODEL (store)), 0);

  seed (1, 1, 1);
  load (store, manager);
  assert_store_is_list (store, manager);

  /* Exactly one page, and one more than a page. */
  seed (2, 1000, 1);
  load (store, manager);
  assert_store_is_list (store, manager);
  seed (1001, 1001, 1);
  load (store, manager);
  assert_store_is_list (store, manager);
}
END_TEST

START_TEST (test_sales_store_has_no_cost)
{
  g_autoptr(SrConnection) sales = NULL;
  g_autoptr(SrVehicleStore) store = NULL;
  g_autoptr(SrVehicleSorter) sorter = NULL;
  g_autoptr(GtkSortListModel) sorted = NULL;
  g_autoptr(GArray) by_cost = NULL;
  g_autoptr(GArray) by_id = NULL;

  seed (1, 1200, 1);
  seed (1201, 1300, 2);
  sales = sr_test_connect_as (server, "sales@mumbai.test");
  store = loaded_store (sales);
  assert_store_is_list (store, sales);
  ck_assert_uint_eq (g_list_model_get_n_items (G_LIST_MODEL (store)), 1200);

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (store)); i++)
    {
      g_autoptr(SrVehicle) vehicle = g_list_model_get_item (G_LIST_MODEL (store), i);
      g_autofree char *cost = sr_vehicle_format_cost (vehicle);

      ck_assert (!sr_vehicle_get_has_cost (vehicle));
      ck_assert (cost == NULL);
      ck_assert_int_eq (sr_vehicle_get_cost (vehicle), 0);
      ck_assert_int_eq (sr_vehicle_get_margin (vehicle), 0);
    }

  /* With no cost to go by, sorting by cost leaves the ties to the ids. */
  sorter = sr_vehicle_sorter_new (SR_VEHICLE_COLUMN_COST, FALSE);
  sorted = gtk_sort_list_model_new (g_object_ref (G_LIST_MODEL (store)),
                                    g_object_ref (GTK_SORTER (sorter)));
  by_cost = ids_of_model (G_LIST_MODEL (sorted));
  by_id = ids_of_model (G_LIST_MODEL (store));
  assert_same_ids (by_cost, by_id, "sales, by cost");
}
END_TEST

/* --- events ---------------------------------------------------------------------------- */

START_TEST (test_events)
{
  g_autoptr(SrConnection) manager = NULL;
  g_autoptr(SrVehicleStore) store = sr_vehicle_store_new ();
  g_autoptr(GArray) changes = g_array_new (FALSE, FALSE, sizeof (Change));
  g_autoptr(GArray) highlighted = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(JsonNode) current = NULL;
  g_autoptr(JsonNode) updated = NULL;
  gint64 new_id, pune_id;
  guint n, position;
  SrVehicle *vehicle;

  seed_stock ();
  manager = sr_test_connect_as (server, "manager@mumbai.test");
  follow (manager, store);
  load (store, manager);
  n = g_list_model_get_n_items (G_LIST_MODEL (store));
  g_signal_connect (store, "items-changed", G_CALLBACK (items_changed_cb), changes);
  g_signal_connect (store, "vehicle-changed", G_CALLBACK (vehicle_changed_cb), highlighted);

  /* A new vehicle has the highest id: appended. */
  seed (9001, 9001, 1);
  catch_up (store);
  new_id = sr_test_query_int (dbname, "SELECT max(id) FROM vehicles");
  assert_changes (changes, "insert", 1, n, 0u, 1u);
  ck_assert_uint_eq (highlighted->len, 1);
  ck_assert_int_eq (g_array_index (highlighted, gint64, 0), new_id);
  n++;

  /* vehicles.update of one in the middle: changed in place, one row. */
  position = position_of (store, 1234);
  current = sr_test_call_ok (manager, "vehicles.get", "{\"id\":1234}");
  updated = sr_test_call_okf (manager, "vehicles.update",
                              "{\"id\":1234,\"version\":%" G_GINT64_FORMAT ","
                              "\"changes\":{\"price\":\"123456.78\",\"location\":\"Bay 9\"}}",
                              sr_test_get_int (current, "version"));
  catch_up (store);
  assert_changes (changes, "update", 1, position, 1u, 1u);
  vehicle = sr_vehicle_store_lookup (store, 1234, NULL);
  ck_assert_int_eq (sr_vehicle_get_price (vehicle), 12345678);
  ck_assert_str_eq (sr_vehicle_get_location (vehicle), "Bay 9");
  ck_assert_int_eq (sr_vehicle_get_version (vehicle), sr_test_get_int (updated, "version"));
  ck_assert_int_eq (g_array_index (highlighted, gint64, highlighted->len - 1), 1234);

  /* A change in psql, to cost only, arrives the same way. */
  position = position_of (store, 77);
  sr_test_exec (dbname, "UPDATE vehicles SET cost = 1.25 WHERE id = 77");
  catch_up (store);
  assert_changes (changes, "cost", 1, position, 1u, 1u);
  ck_assert_int_eq (sr_vehicle_get_cost (sr_vehicle_store_lookup (store, 77, NULL)), 125);

  /* A deleted vehicle goes; so does one moved to Pune. */
  position = position_of (store, 10);
  sr_test_exec (dbname, "DELETE FROM vehicles WHERE id = 10");
  catch_up (store);
  assert_changes (changes, "delete", 1, position, 1u, 0u);
  ck_assert (sr_vehicle_store_lookup (store, 10, NULL) == NULL);
  n--;

  position = position_of (store, 2000);
  sr_test_exec (dbname, "UPDATE vehicles SET branch_id = 2 WHERE id = 2000");
  catch_up (store);
  assert_changes (changes, "moved out", 1, position, 1u, 0u);
  ck_assert (sr_vehicle_store_lookup (store, 2000, NULL) == NULL);
  n--;

  /* A change in Pune is not seen; one moved in from Pune takes its place by id. */
  sr_test_exec (dbname, "UPDATE vehicles SET price = 1 WHERE id = 2700");
  pune_id = 2600;
  sr_test_exec (dbname, "UPDATE vehicles SET branch_id = 1 WHERE id = 2600");
  catch_up (store);
  assert_changes (changes, "moved in", 1, position_of (store, pune_id), 0u, 1u);
  ck_assert (sr_vehicle_store_lookup (store, 2700, NULL) == NULL);
  n++;

  ck_assert_uint_eq (g_list_model_get_n_items (G_LIST_MODEL (store)), n);
  assert_store_is_list (store, manager);
}
END_TEST

static gboolean
has_rows_or_done (gpointer data)
{
  SrVehicleStore *store = data;

  return g_list_model_get_n_items (G_LIST_MODEL (store)) > 0 || !sr_vehicle_store_is_loading (store);
}

/* Changes made while the pages come in are held and applied after: the store ends
 * as vehicles.list says, whichever came first. */
START_TEST (test_events_during_load)
{
  g_autoptr(SrConnection) manager = NULL;
  g_autoptr(SrVehicleStore) store = sr_vehicle_store_new ();
  Loaded loaded = { 0 };

  seed_stock ();
  seed (2801, 6000, 1);
  manager = sr_test_connect_as (server, "manager@mumbai.test");
  follow (manager, store);

  sr_vehicle_store_load_async (store, manager, NULL, load_cb, &loaded);
  sr_test_wait_until (has_rows_or_done, store);
  sr_test_exec (dbname, "UPDATE vehicles SET price = price + 1 WHERE id % 97 = 0");
  sr_test_exec (dbname, "DELETE FROM vehicles WHERE id % 211 = 0");
  sr_test_exec (dbname, "UPDATE vehicles SET branch_id = 2 WHERE id % 307 = 0 AND branch_id = 1");
  sr_test_exec (dbname, "UPDATE vehicles SET branch_id = 1 WHERE id BETWEEN 2600 AND 2610");
  seed (9001, 9020, 1);
  sr_test_exec (dbname, "UPDATE vehicles SET status = 'sold' WHERE id % 101 = 0");

  sr_test_wait (&loaded.done);
  ck_assert_msg (loaded.ok, "load failed: %s", loaded.error ? loaded.error->message : "?");
  catch_up (store);
  assert_store_is_list (store, manager);
}
END_TEST

START_TEST (test_bad_events)
{
  static const char *const bad[] = {
    "{\"seq\":1,\"entity\":\"vehicle\",\"op\":\"update\",\"id\":1}",
    "{\"seq\":1,\"entity\":\"vehicle\",\"op\":\"upsert\",\"id\":1,\"data\":{}}",
    "{\"seq\":1,\"entity\":\"vehicle\",\"op\":\"delete\"}",
    "{\"seq\":1,\"entity\":\"vehicle\",\"op\":\"insert\",\"id\":1,\"data\":{\"id\":1,\"version\":1}}",
    "{\"seq\":1,\"entity\":\"vehicle\",\"op\":\"insert\",\"id\":2,\"data\":{\"id\":1,\"version\":1}}",
  };
  g_autoptr(SrVehicleStore) store = sr_vehicle_store_new ();
  g_autoptr(JsonObject) other = object_from ("{\"seq\":1,\"entity\":\"branch\",\"op\":\"insert\","
                                             "\"id\":3,\"data\":{\"id\":3}}");
  g_autoptr(GError) error = NULL;

  /* Other entities are not the store's business. */
  ck_assert (sr_vehicle_store_apply_event (store, other, &error));

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(JsonObject) event = object_from (bad[i]);

      ck_assert_msg (!sr_vehicle_store_apply_event (store, event, &error), "%s applied", bad[i]);
      ck_assert (g_error_matches (error, SR_ERROR, SR_ERROR_PARSE_ERROR));
      g_clear_error (&error);
      ck_assert_uint_eq (g_list_model_get_n_items (G_LIST_MODEL (store)), 0);
    }
}
END_TEST

/* --- sorting --------------------------------------------------------------------------- */

static void
sorter_changed_cb (GtkSorter       *sorter,
                   GtkSorterChange  change,
                   GArray          *changes)
{
  g_array_append_val (changes, change);
}

static const struct {
  const char      *field;
  SrVehicleColumn  column;
} server_sorts[] = {
  { "id", SR_VEHICLE_COLUMN_ID },
  { "stock_no", SR_VEHICLE_COLUMN_STOCK_NO },
  { "vin", SR_VEHICLE_COLUMN_VIN },
  { "make", SR_VEHICLE_COLUMN_MAKE },
  { "model", SR_VEHICLE_COLUMN_MODEL },
  { "variant", SR_VEHICLE_COLUMN_VARIANT },
  { "year", SR_VEHICLE_COLUMN_YEAR },
  { "color", SR_VEHICLE_COLUMN_COLOR },
  { "fuel", SR_VEHICLE_COLUMN_FUEL },
  { "odometer_km", SR_VEHICLE_COLUMN_ODOMETER_KM },
  { "price", SR_VEHICLE_COLUMN_PRICE },
  { "cost", SR_VEHICLE_COLUMN_COST },
  { "status", SR_VEHICLE_COLUMN_STATUS },
  { "branch_id", SR_VEHICLE_COLUMN_BRANCH_ID },
  { "location", SR_VEHICLE_COLUMN_LOCATION },
  { "arrived_on", SR_VEHICLE_COLUMN_ARRIVED_ON },
  { "updated_at", SR_VEHICLE_COLUMN_UPDATED_AT },
};

/* Margin and days in stock are the app's own: checked against a plain comparison. */
static int
compare_margin (gconstpointer a,
                gconstpointer b)
{
  SrVehicle *x = *(SrVehicle **) a;
  SrVehicle *y = *(SrVehicle **) b;
  gint64 mx = sr_vehicle_get_price (x) - sr_vehicle_get_cost (x);
  gint64 my = sr_vehicle_get_price (y) - sr_vehicle_get_cost (y);

  if (mx != my)
    return mx < my ? -1 : 1;
  return sr_vehicle_get_id (x) < sr_vehicle_get_id (y) ? -1 : 1;
}

static int
compare_days_in_stock (gconstpointer a,
                       gconstpointer b)
{
  SrVehicle *x = *(SrVehicle **) a;
  SrVehicle *y = *(SrVehicle **) b;
  int dx = sr_vehicle_days_in_stock (x, 800000);
  int dy = sr_vehicle_days_in_stock (y, 800000);

  if (dx != dy)
    return dx < dy ? -1 : 1;
  return sr_vehicle_get_id (x) < sr_vehicle_get_id (y) ? -1 : 1;
}

static GArray *
ids_sorted_by (GListModel       *model,
               GCompareFunc      compare,
               gboolean          descending)
{
  g_autoptr(GPtrArray) vehicles = g_ptr_array_new_with_free_func (g_object_unref);
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    g_ptr_array_add (vehicles, g_list_model_get_item (model, i));
  g_ptr_array_sort (vehicles, compare);

  for (guint i = 0; i < vehicles->len; i++)
    {
      SrVehicle *vehicle = g_ptr_array_index (vehicles, descending ? vehicles->len - 1 - i : i);
      gint64 id = sr_vehicle_get_id (vehicle);

      g_array_append_val (ids, id);
    }

  return ids;
}

START_TEST (test_sorter_matches_server)
{
  g_autoptr(SrConnection) admin = NULL;
  g_autoptr(SrVehicleStore) store = NULL;
  g_autoptr(SrVehicleSorter) sorter = sr_vehicle_sorter_new (SR_VEHICLE_COLUMN_ID, FALSE);
  g_autoptr(GtkSortListModel) sorted = NULL;
  g_autoptr(GArray) changes = g_array_new (FALSE, FALSE, sizeof (GtkSorterChange));

  seed_stock ();
  admin = sr_test_connect_as (server, "admin@mumbai.test");
  store = loaded_store (admin);
  sorted = gtk_sort_list_model_new (g_object_ref (G_LIST_MODEL (store)),
                                    g_object_ref (GTK_SORTER (sorter)));
  ck_assert_int_eq (gtk_sorter_get_order (GTK_SORTER (sorter)), GTK_SORTER_ORDER_TOTAL);
  g_signal_connect (sorter, "changed", G_CALLBACK (sorter_changed_cb), changes);

  for (guint i = 0; i < G_N_ELEMENTS (server_sorts); i++)
    for (int descending = 0; descending <= 1; descending++)
      {
        g_autofree char *sort = g_strdup_printf ("%s%s", descending ? "-" : "", server_sorts[i].field);
        g_autoptr(GPtrArray) list = list_all (admin, NULL, sort);
        g_autoptr(GArray) expected = ids_of_list (list);
        g_autoptr(GArray) got = NULL;

        sr_vehicle_sorter_set_column (sorter, server_sorts[i].column);
        sr_vehicle_sorter_set_descending (sorter, descending);
        got = ids_of_model (G_LIST_MODEL (sorted));
        assert_same_ids (got, expected, sort);
      }

  for (int descending = 0; descending <= 1; descending++)
    {
      g_autoptr(GArray) expected = NULL;
      g_autoptr(GArray) got = NULL;

      sr_vehicle_sorter_set_descending (sorter, descending);
      sr_vehicle_sorter_set_column (sorter, SR_VEHICLE_COLUMN_MARGIN);
      expected = ids_sorted_by (G_LIST_MODEL (store), compare_margin, descending);
      got = ids_of_model (G_LIST_MODEL (sorted));
      assert_same_ids (got, expected, descending ? "-margin" : "margin");

      g_clear_pointer (&expected, g_array_unref);
      g_clear_pointer (&got, g_array_unref);
      sr_vehicle_sorter_set_column (sorter, SR_VEHICLE_COLUMN_DAYS_IN_STOCK);
      expected = ids_sorted_by (G_LIST_MODEL (store), compare_days_in_stock, descending);
      got = ids_of_model (G_LIST_MODEL (sorted));
      assert_same_ids (got, expected, descending ? "-days in stock" : "days in stock");
    }

  /* A new column is a different order; a new direction, an exact inversion; the same
   * value, no change at all. */
  g_array_set_size (changes, 0);
  sr_vehicle_sorter_set_descending (sorter, FALSE);
  sr_vehicle_sorter_set_column (sorter, SR_VEHICLE_COLUMN_MAKE);
  sr_vehicle_sorter_set_column (sorter, SR_VEHICLE_COLUMN_MAKE);
  sr_vehicle_sorter_set_descending (sorter, TRUE);
  sr_vehicle_sorter_set_descending (sorter, TRUE);
  ck_assert_uint_eq (changes->len, 3);
  ck_assert_int_eq (g_array_index (changes, GtkSorterChange, 0), GTK_SORTER_CHANGE_INVERTED);
  ck_assert_int_eq (g_array_index (changes, GtkSorterChange, 1), GTK_SORTER_CHANGE_DIFFERENT);
  ck_assert_int_eq (g_array_index (changes, GtkSorterChange, 2), GTK_SORTER_CHANGE_INVERTED);

  /* An event moves the row to its new place in the sort model. */
  {
    g_autoptr(GArray) expected = NULL;
    g_autoptr(GArray) got = NULL;
    g_autoptr(GPtrArray) list = NULL;

    follow (admin, store);
    sr_vehicle_sorter_set_column (sorter, SR_VEHICLE_COLUMN_PRICE);
    sr_test_exec (dbname, "UPDATE vehicles SET price = 999999 WHERE id IN (5, 500, 2799)");
    sr_test_exec (dbname, "DELETE FROM vehicles WHERE id = 6");
    catch_up (store);
    list = list_all (admin, NULL, "-price");
    expected = ids_of_list (list);
    got = ids_of_model (G_LIST_MODEL (sorted));
    assert_same_ids (got, expected, "-price after events");
  }
}
END_TEST

/* The app's order is the user's: case does not matter, and numbers in text go by value,
 * where the server's byte order would not. */
START_TEST (test_sorter_text_order)
{
  static const char *const makes[] = { "bmw", "Audi", "BMW", "audi", "Citroen" };
  static const char *const locations[] = { "Bay 10", "bay 2", "Bay 9", "Bay 1", "Yard" };
  static const gint64 by_make[] = { 2, 4, 1, 3, 5 };
  static const gint64 by_location[] = { 4, 2, 3, 1, 5 };
  g_autoptr(SrConnection) admin = NULL;
  g_autoptr(SrVehicleStore) store = NULL;
  g_autoptr(SrVehicleSorter) sorter = sr_vehicle_sorter_new (SR_VEHICLE_COLUMN_MAKE, FALSE);
  g_autoptr(GtkSortListModel) sorted = NULL;
  g_autoptr(GArray) got = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (makes); i++)
    sr_test_execf (dbname, "INSERT INTO vehicles (vin, make, model, year, price, branch_id, location)"
                   " VALUES ('WVWZZZ1JZ%08u', '%s', 'One', 2020, 100, 1, '%s')",
                   i, makes[i], locations[i]);

  admin = sr_test_connect_as (server, "admin@mumbai.test");
  store = loaded_store (admin);
  sorted = gtk_sort_list_model_new (g_object_ref (G_LIST_MODEL (store)),
                                    g_object_ref (GTK_SORTER (sorter)));

  got = ids_of_model (G_LIST_MODEL (sorted));
  for (guint i = 0; i < G_N_ELEMENTS (by_make); i++)
    ck_assert_int_eq (g_array_index (got, gint64, i), by_make[i]);
  g_clear_pointer (&got, g_array_unref);

  sr_vehicle_sorter_set_column (sorter, SR_VEHICLE_COLUMN_LOCATION);
  got = ids_of_model (G_LIST_MODEL (sorted));
  for (guint i = 0; i < G_N_ELEMENTS (by_location); i++)
    ck_assert_int_eq (g_array_index (got, gint64, i), by_location[i]);
}
END_TEST

/* --- filtering ------------------------------------------------------------------------- */

static void
filter_changed_cb (GtkFilter       *filter,
                   GtkFilterChange  change,
                   GArray          *changes)
{
  g_array_append_val (changes, change);
}

/* Sets @filter to what vehicles.list's @json filter says (only the members used here). */
static void
set_filter (SrVehicleFilter *filter,
            const char      *json)
{
  g_autoptr(JsonObject) object = object_from (json);
  guint statuses = 0;
  gint64 paise;

  if (json_object_has_member (object, "status"))
    {
      JsonArray *array = json_object_get_array_member (object, "status");

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          SrVehicleStatus status;

          ck_assert (sr_vehicle_status_from_string (json_array_get_string_element (array, i), &status));
          statuses |= SR_VEHICLE_STATUS_BIT (status);
        }
    }
  sr_vehicle_filter_set_statuses (filter, statuses);
  sr_vehicle_filter_set_make (filter, json_object_get_string_member_with_default (object, "make", NULL));
  if (json_object_has_member (object, "fuel"))
    {
      SrVehicleFuel fuel;

      ck_assert (sr_vehicle_fuel_from_string (json_object_get_string_member (object, "fuel"), &fuel));
      sr_vehicle_filter_set_fuel (filter, fuel);
    }
  else
    sr_vehicle_filter_set_fuel (filter, -1);
  paise = -1;
  if (json_object_has_member (object, "price_min"))
    ck_assert (sr_money_parse (json_object_get_string_member (object, "price_min"), &paise));
  sr_vehicle_filter_set_price_min (filter, paise);
  paise = -1;
  if (json_object_has_member (object, "price_max"))
    ck_assert (sr_money_parse (json_object_get_string_member (object, "price_max"), &paise));
  sr_vehicle_filter_set_price_max (filter, paise);
  sr_vehicle_filter_set_text (filter, json_object_get_string_member_with_default (object, "text", NULL));
}

START_TEST (test_filter_matches_server)
{
  static const char *const filters[] = {
    "{}",
    "{\"status\":[\"in_stock\"]}",
    "{\"status\":[\"incoming\",\"sold\"]}",
    "{\"make\":\"MARUTI\"}",
    "{\"make\":\"kia\",\"fuel\":\"diesel\"}",
    "{\"fuel\":\"electric\"}",
    "{\"price_min\":\"800000\"}",
    "{\"price_max\":\"450000.5\"}",
    "{\"price_min\":\"400000\",\"price_max\":\"600000\"}",
    "{\"text\":\"swi\"}",
    "{\"text\":\"SR00012\"}",
    "{\"text\":\"maruti swift\"}",
    "{\"text\":\"a7\"}",
    "{\"text\":\"%\"}",
    "{\"status\":[\"in_stock\",\"reserved\"],\"fuel\":\"petrol\",\"price_max\":\"800000\",\"text\":\"a\"}",
  };
  g_autoptr(SrConnection) manager = NULL;
  g_autoptr(SrVehicleStore) store = NULL;
  g_autoptr(SrVehicleFilter) filter = sr_vehicle_filter_new ();
  g_autoptr(GtkFilterListModel) filtered = NULL;

  seed_stock ();
  manager = sr_test_connect_as (server, "manager@mumbai.test");
  store = loaded_store (manager);
  filtered = gtk_filter_list_model_new (g_object_ref (G_LIST_MODEL (store)),
                                        g_object_ref (GTK_FILTER (filter)));
  gtk_filter_list_model_set_incremental (filtered, FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (filters); i++)
    {
      g_autoptr(GPtrArray) list = list_all (manager, filters[i], "id");
      g_autoptr(GArray) expected = ids_of_list (list);
      g_autoptr(GArray) got = NULL;

      set_filter (filter, filters[i]);
      got = ids_of_model (G_LIST_MODEL (filtered));
      assert_same_ids (got, expected, filters[i]);
      /* The seed gives every filter something to find, except the literal '%'. */
      ck_assert_msg (expected->len > 0 || strstr (filters[i], "%") != NULL, "%s matches nothing", filters[i]);
    }
}
END_TEST

/* The filter as the app sends it (bulk.preview's `filter`) names exactly the
 * vehicles the filter shows: the server lists the same ones. */
START_TEST (test_filter_to_params)
{
  static const struct {
    guint       statuses;
    const char *make;
    int         fuel;
    gint64      price_min;
    gint64      price_max;
    const char *text;
    const char *params;
  } cases[] = {
    { 0, NULL, -1, -1, -1, NULL, "{}" },
    { SR_VEHICLE_STATUS_BIT (SR_VEHICLE_STATUS_IN_STOCK), "Maruti", -1, -1, -1, "swi",
      "{\"status\":[\"in_stock\"],\"make\":\"maruti\",\"text\":\"swi\"}" },
    { SR_VEHICLE_STATUS_ALL & ~SR_VEHICLE_STATUS_BIT (SR_VEHICLE_STATUS_SOLD), NULL,
      SR_VEHICLE_FUEL_DIESEL, -1, -1, NULL,
      "{\"status\":[\"incoming\",\"in_stock\",\"reserved\"],\"fuel\":\"diesel\"}" },
    { 0, "KIA", -1, 45000050, 80000000, NULL,
      "{\"make\":\"kia\",\"price_min\":\"450000.50\",\"price_max\":\"800000.00\"}" },
    { SR_VEHICLE_STATUS_BIT (SR_VEHICLE_STATUS_SOLD), NULL, SR_VEHICLE_FUEL_PETROL, -1, 50000000,
      "E", "{\"status\":[\"sold\"],\"fuel\":\"petrol\",\"price_max\":\"500000.00\",\"text\":\"e\"}" },
  };
  g_autoptr(SrConnection) manager = NULL;
  g_autoptr(SrVehicleStore) store = NULL;
  g_autoptr(SrVehicleFilter) filter = sr_vehicle_filter_new ();
  g_autoptr(GtkFilterListModel) filtered = NULL;

  seed_stock ();
  manager = sr_test_connect_as (server, "manager@mumbai.test");
  store = loaded_store (manager);
  filtered = gtk_filter_list_model_new (g_object_ref (G_LIST_MODEL (store)),
                                        g_object_ref (GTK_FILTER (filter)));
  gtk_filter_list_model_set_incremental (filtered, FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonObject) params = NULL;
      g_autoptr(JsonNode) node = NULL;
      g_autoptr(JsonNode) want = json_from_string (cases[i].params, NULL);
      g_autofree char *text = NULL;
      g_autoptr(GPtrArray) list = NULL;
      g_autoptr(GArray) expected = NULL;
      g_autoptr(GArray) got = NULL;

      sr_vehicle_filter_set_statuses (filter, cases[i].statuses);
      sr_vehicle_filter_set_make (filter, cases[i].make);
      sr_vehicle_filter_set_fuel (filter, cases[i].fuel);
      sr_vehicle_filter_set_price_min (filter, cases[i].price_min);
      sr_vehicle_filter_set_price_max (filter, cases[i].price_max);
      sr_vehicle_filter_set_text (filter, cases[i].text);

      params = sr_vehicle_filter_to_params (filter);
      node = json_node_init_object (json_node_alloc (), params);
      text = json_to_string (node, FALSE);
      ck_assert_msg (json_node_equal (node, want), "filter %u sent as %s", i, text);

      list = list_all (manager, text, "id");
      expected = ids_of_list (list);
      got = ids_of_model (G_LIST_MODEL (filtered));
      assert_same_ids (got, expected, text);
      ck_assert_msg (expected->len > 0, "%s matches nothing", text);
    }
}
END_TEST

START_TEST (test_filter_changes)
{
  g_autoptr(SrVehicleFilter) filter = sr_vehicle_filter_new ();
  g_autoptr(GArray) changes = g_array_new (FALSE, FALSE, sizeof (GtkFilterChange));
  static const GtkFilterChange expected[] = {
    /* text: "ma", "mar", "ma", "xy", "" */
    GTK_FILTER_CHANGE_MORE_STRICT, GTK_FILTER_CHANGE_MORE_STRICT, GTK_FILTER_CHANGE_LESS_STRICT,
    GTK_FILTER_CHANGE_DIFFERENT, GTK_FILTER_CHANGE_LESS_STRICT,
    /* statuses: {in_stock}, {in_stock, sold}, {sold}, {incoming}, any */
    GTK_FILTER_CHANGE_MORE_STRICT, GTK_FILTER_CHANGE_LESS_STRICT, GTK_FILTER_CHANGE_MORE_STRICT,
    GTK_FILTER_CHANGE_DIFFERENT, GTK_FILTER_CHANGE_LESS_STRICT,
    /* make: "Kia", "Tata", none */
    GTK_FILTER_CHANGE_MORE_STRICT, GTK_FILTER_CHANGE_DIFFERENT, GTK_FILTER_CHANGE_LESS_STRICT,
    /* fuel: diesel, cng, any */
    GTK_FILTER_CHANGE_MORE_STRICT, GTK_FILTER_CHANGE_DIFFERENT, GTK_FILTER_CHANGE_LESS_STRICT,
    /* price_min: 100, 200, 50, none */
    GTK_FILTER_CHANGE_MORE_STRICT, GTK_FILTER_CHANGE_MORE_STRICT, GTK_FILTER_CHANGE_LESS_STRICT,
    GTK_FILTER_CHANGE_LESS_STRICT,
    /* price_max: 500, 400, 600, none */
    GTK_FILTER_CHANGE_MORE_STRICT, GTK_FILTER_CHANGE_MORE_STRICT, GTK_FILTER_CHANGE_LESS_STRICT,
    GTK_FILTER_CHANGE_LESS_STRICT,
  };

  g_signal_connect (filter, "changed", G_CALLBACK (filter_changed_cb), changes);
  ck_assert_int_eq (gtk_filter_get_strictness (GTK_FILTER (filter)), GTK_FILTER_MATCH_ALL);

  sr_vehicle_filter_set_text (filter, "ma");
  sr_vehicle_filter_set_text (filter, "MAR");
  sr_vehicle_filter_set_text (filter, "mar");   /* the same, ignoring case: no change */
  sr_vehicle_filter_set_text (filter, "ma");
  sr_vehicle_filter_set_text (filter, "xy");
  sr_vehicle_filter_set_text (filter, "");

  sr_vehicle_filter_set_statuses (filter, SR_VEHICLE_STATUS_BIT (SR_VEHICLE_STATUS_IN_STOCK));
  sr_vehicle_filter_set_statuses (filter, SR_VEHICLE_STATUS_BIT (SR_VEHICLE_STATUS_IN_STOCK) |
                                          SR_VEHICLE_STATUS_BIT (SR_VEHICLE_STATUS_SOLD));
  sr_vehicle_filter_set_statuses (filter, SR_VEHICLE_STATUS_BIT (SR_VEHICLE_STATUS_SOLD));
  sr_vehicle_filter_set_statuses (filter, SR_VEHICLE_STATUS_BIT (SR_VEHICLE_STATUS_INCOMING));
  sr_vehicle_filter_set_statuses (filter, 0);

  sr_vehicle_filter_set_make (filter, "Kia");
  sr_vehicle_filter_set_make (filter, "Tata");
  sr_vehicle_filter_set_make (filter, NULL);

  sr_vehicle_filter_set_fuel (filter, SR_VEHICLE_FUEL_DIESEL);
  sr_vehicle_filter_set_fuel (filter, SR_VEHICLE_FUEL_CNG);
  sr_vehicle_filter_set_fuel (filter, -1);

  sr_vehicle_filter_set_price_min (filter, 100);
  sr_vehicle_filter_set_price_min (filter, 200);
  sr_vehicle_filter_set_price_min (filter, 50);
  sr_vehicle_filter_set_price_min (filter, -1);

  sr_vehicle_filter_set_price_max (filter, 500);
  sr_vehicle_filter_set_price_max (filter, 400);
  sr_vehicle_filter_set_price_max (filter, 600);
  sr_vehicle_filter_set_price_max (filter, -1);

  ck_assert_uint_eq (changes->len, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    ck_assert_msg (g_array_index (changes, GtkFilterChange, i) == expected[i],
                   "change %u is %d, expected %d", i, g_array_index (changes, GtkFilterChange, i),
                   expected[i]);
  ck_assert_int_eq (gtk_filter_get_strictness (GTK_FILTER (filter)), GTK_FILTER_MATCH_ALL);

  /* Bounds that cross match nothing. */
  sr_vehicle_filter_set_price_min (filter, 600);
  sr_vehicle_filter_set_price_max (filter, 500);
  ck_assert_int_eq (gtk_filter_get_strictness (GTK_FILTER (filter)), GTK_FILTER_MATCH_NONE);
}
END_TEST

int
main (void)
{
  Suite *suite = suite_create ("integration");
  TCase *vehicle = tcase_create ("vehicle");
  TCase *loading = tcase_create ("load");
  TCase *events = tcase_create ("events");
  TCase *sorting = tcase_create ("sort");
  TCase *filtering = tcase_create ("filter");
  SRunner *runner;
  int failed;

  sr_test_init ();

  tcase_add_test (vehicle, test_vehicle_fields);
  tcase_add_test (vehicle, test_vehicle_from_reader);
  tcase_add_test (vehicle, test_money);
  tcase_add_test (vehicle, test_bad_events);
  tcase_add_test (vehicle, test_filter_changes);
  suite_add_tcase (suite, vehicle);

  tcase_add_checked_fixture (loading, setup, teardown);
  tcase_add_test (loading, test_load_matches_list);
  tcase_add_test (loading, test_load_small);
  tcase_add_test (loading, test_sales_store_has_no_cost);
  suite_add_tcase (suite, loading);

  tcase_add_checked_fixture (events, setup, teardown);
  tcase_add_test (events, test_events);
  tcase_add_test (events, test_events_during_load);
  suite_add_tcase (suite, events);

  tcase_add_checked_fixture (sorting, setup, teardown);
  tcase_add_test (sorting, test_sorter_matches_server);
  tcase_add_test (sorting, test_sorter_text_order);
  suite_add_tcase (suite, sorting);

  tcase_add_checked_fixture (filtering, setup, teardown);
  tcase_add_test (filtering, test_filter_matches_server);
  tcase_add_test (filtering, test_filter_to_params);
  suite_add_tcase (suite, filtering);

  runner = srunner_create (suite);
  srunner_run_all (runner, CK_NORMAL);
  failed = srunner_ntests_failed (runner);
  srunner_free (runner);

  return failed == 0 ? 0 : 1;
}

#endif
