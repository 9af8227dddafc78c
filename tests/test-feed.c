/* test-feed.c: the live feed of PROTOCOL.md section 6 against real showroomd processes:
 * who gets which event in what shape, since_seq replay and its seam, commits out of seq
 * order, a PostgreSQL restart, two servers on one database, and a reader that stops. */
#define G_LOG_DOMAIN "test-feed"

#include "config.h"

#include <check.h>
#include <glib/gstdio.h>
#include <string.h>

#include "sr-error.h"
#include "sr-rpc.h"
#include "sr-test-server.h"

#define VIN_A "MA3FZEB1S00100001"
#define VIN_B "MA3FZEB1S00100002"
#define VIN_C "MA3FZEB1S00100003"

#define NEW_VEHICLE(vin) \
  "{\"vin\":\"" vin "\",\"make\":\"Maruti\",\"model\":\"Swift\",\"year\":2022," \
  "\"price\":\"650000\""

/* What each kind of user may see of the change log, as SQL over change_log. */
#define SEEN_BY_ADMIN  "true"
#define SEEN_IN_MUMBAI "(entity = 'branch' OR (entity <> 'user' AND (branch_id = 1 OR old_branch_id = 1)))"
#define SEEN_IN_PUNE   "(entity = 'branch' OR (entity <> 'user' AND (branch_id = 2 OR old_branch_id = 2)))"

static char *dbname;
static char *conninfo;
static char *config_path;
static SrTestServer *server;

static void
setup (void)
{
  sr_test_fixture_start (&dbname, &conninfo, &server);
}

static void seed_vehicles (guint n, guint notes_length);

/* A server that cuts off a connection once 64 KiB wait to be sent to it, over 50
 * vehicles with long notes (40 in Mumbai), stocked before it starts. */
static void
setup_small_queue (void)
{
  dbname = sr_test_new_database (&conninfo);
  seed_vehicles (50, 3900);
  config_path = sr_test_config_file ("[server]\nmax-queued-kib=64\n");
  server = sr_test_server_start (conninfo, "--no-tls", "--config", config_path, NULL);
}

static void
teardown (void)
{
  g_autoptr(GError) error = NULL;

  /* Whatever a test did to the cluster, leave it running for the next one. */
  ck_assert_msg (sr_test_pg_start_server (sr_test_cluster (), &error), "%s",
                 error ? error->message : "");
  sr_test_fixture_stop (&dbname, &conninfo, &server);
  if (config_path != NULL)
    g_unlink (config_path);
  g_clear_pointer (&config_path, g_free);
}

/* --- database helpers ------------------------------------------------------------------- */

static gint64
current_seq (void)
{
  return sr_test_query_int (dbname, "SELECT coalesce(max(seq), 0) FROM change_log");
}

/* The seqs after @after that a user who sees @visible should get, "12,13,15". */
static char *
expected_seqs (gint64      after,
               const char *visible)
{
  g_autofree char *sql = g_strdup_printf ("SELECT coalesce(string_agg(seq::text, ',' ORDER BY seq), '')"
                                          "  FROM change_log WHERE seq > %" G_GINT64_FORMAT
                                          "   AND %s", after, visible);

  return sr_test_query (dbname, sql);
}

static gint64
last_expected_seq (gint64      after,
                   const char *visible)
{
  g_autofree char *sql = g_strdup_printf ("SELECT coalesce(max(seq), 0) FROM change_log"
                                          " WHERE seq > %" G_GINT64_FORMAT " AND %s",
                                          after, visible);

  return sr_test_query_int (dbname, sql);
}

/* Many vehicles at once: every fifth in Pune, the rest in Mumbai. */
static void
seed_vehicles (guint n,
               guint notes_length)
{
  sr_test_execf (dbname, "INSERT INTO vehicles (vin, make, model, year, price, cost, branch_id, notes)"
                 " SELECT 'TST' || lpad(i::text, 14, '0'), 'Hyundai', 'Creta', 2023,"
                 "        900000 + i, 700000 + i, CASE WHEN i %% 5 = 0 THEN 2 ELSE 1 END,"
                 "        repeat('n', %u)"
                 "   FROM generate_series(1, %u) AS i", notes_length, n);
}

/* --- client helpers ----------------------------------------------------------------------- */

static gint64
create_vehicle (SrConnection *connection,
                const char   *params)
{
  g_autoptr(JsonNode) vehicle = sr_test_call_ok (connection, "vehicles.create", params);

  return sr_test_get_int (vehicle, "id");
}

/* vehicles.update with the vehicle's current version; returns the new version. */
static gint64
update_vehicle (SrConnection *connection,
                gint64        id,
                const char   *changes)
{
  g_autoptr(JsonNode) current = NULL;
  g_autoptr(JsonNode) updated = NULL;

  current = sr_test_call_okf (connection, "vehicles.get", "{\"id\":%" G_GINT64_FORMAT "}", id);
  updated = sr_test_call_okf (connection, "vehicles.update",
                              "{\"id\":%" G_GINT64_FORMAT ",\"version\":%" G_GINT64_FORMAT ",\"changes\":%s}",
                              id, sr_test_get_int (current, "version"), changes);
  return sr_test_get_int (updated, "version");
}

/* Conditions only the database can tell wake nothing up: look again every 10 ms. */
static gboolean
tick_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static void
wait_polled (gboolean (*check) (gpointer),
             gpointer   data)
{
  guint tick = g_timeout_add (10, tick_cb, NULL);

  sr_test_wait_until (check, data);
  g_source_remove (tick);
}

/* --- watchers: a signed-in connection that records the events it receives ------------- */

typedef struct {
  SrConnection *connection;
  char         *who;
  GPtrArray    *events;       /* JsonObject, in arrival order */
  gint64        since;        /* every visible change after this one is due */
  gint64        last_seq;
  guint         disorder;     /* events whose seq was not above the one before */
  gboolean      check_reads;  /* on each vehicle event, vehicles.get must see it */
  guint         reads_pending;
  guint         stale_reads;
  gulong        handler;
} Watcher;

typedef struct {
  Watcher *watcher;
  gint64   id;
  gint64   version;
} Read;

static void
read_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Read *read = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) vehicle = sr_connection_call_finish (SR_CONNECTION (object), result, &error);

  /* Another change may have come meanwhile, never an older state. */
  if (vehicle == NULL || json_object_get_int_member (json_node_get_object (vehicle), "version") < read->version)
    {
      g_message ("%s: vehicles.get %" G_GINT64_FORMAT " on receipt of version %" G_GINT64_FORMAT
                 " gave %s", read->watcher->who, read->id, read->version,
                 vehicle ? "an older version" : error->message);
      read->watcher->stale_reads++;
    }
  read->watcher->reads_pending--;
  g_free (read);
}

static void
event_cb (SrConnection *connection,
          JsonObject   *params,
          gpointer      user_data)
{
  Watcher *self = user_data;
  gint64 seq = json_object_get_int_member_with_default (params, "seq", 0);

  if (seq <= self->last_seq)
    self->disorder++;
  self->last_seq = MAX (seq, self->last_seq);
  g_ptr_array_add (self->events, json_object_ref (params));

  if (self->check_reads && json_object_has_member (params, "data") &&
      g_strcmp0 (json_object_get_string_member_with_default (params, "entity", ""), "vehicle") == 0)
    {
      JsonObject *data = json_object_get_object_member (params, "data");
      g_autoptr(JsonObject) get = json_object_new ();
      Read *read = g_new0 (Read, 1);

      read->watcher = self;
      read->id = json_object_get_int_member (params, "id");
      read->version = json_object_get_int_member_with_default (data, "version", 0);
      json_object_set_int_member (get, "id", read->id);
      self->reads_pending++;
      sr_connection_call_async (connection, "vehicles.get", get, NULL, read_cb, read);
    }
}

static Watcher *
watcher_new (SrTestServer *on,
             const char   *email)
{
  Watcher *self = g_new0 (Watcher, 1);

  self->connection = sr_test_connect_as (on, email);
  self->who = g_strdup (email);
  self->events = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  self->handler = g_signal_connect (self->connection, "event", G_CALLBACK (event_cb), self);

  return self;
}

static gboolean
reads_done (gpointer data)
{
  return ((Watcher *) data)->reads_pending == 0;
}

static void
watcher_free (Watcher *self)
{
  if (self == NULL)
    return;

  /* The pending reads point at us. */
  sr_test_wait_until (reads_done, self);
  g_signal_handler_disconnect (self->connection, self->handler);
  sr_connection_close (self->connection);
  g_object_unref (self->connection);
  g_ptr_array_unref (self->events);
  g_free (self->who);
  g_free (self);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Watcher, watcher_free)

static gboolean
resync_of (JsonNode *result)
{
  return json_object_get_boolean_member (json_node_get_object (result), "resync");
}

/* Checks a subscribe result and notes from where the watcher is owed every change:
 * since_seq when the replay was granted, else the seq the result names. */
static void
take_subscription (Watcher  *self,
                   JsonNode *result,
                   gint64    since)
{
  JsonNode *resync;
  gint64 seq = sr_test_get_int (result, "seq");

  resync = json_object_get_member (json_node_get_object (result), "resync");
  ck_assert_msg (resync != NULL && JSON_NODE_HOLDS_VALUE (resync) &&
                 json_node_get_value_type (resync) == G_TYPE_BOOLEAN, "subscribe without resync");

  /* The feed may not have read the newest commits yet; it never runs ahead. */
  ck_assert_int_le (seq, current_seq ());
  self->since = since >= 0 && !resync_of (result) ? since : seq;
}

/* subscribe, with since_seq unless it is negative; returns the result. */
static JsonNode *
subscribe (Watcher *self,
           gint64   since)
{
  g_autoptr(JsonNode) result = NULL;

  if (since >= 0)
    result = sr_test_call_okf (self->connection, "subscribe", "{\"since_seq\":%" G_GINT64_FORMAT "}", since);
  else
    result = sr_test_call_ok (self->connection, "subscribe", "{}");
  take_subscription (self, result, since);

  return g_steal_pointer (&result);
}

/* subscribe without since_seq: live from now, nothing to reload. */
static void
subscribe_live (Watcher *self)
{
  g_autoptr(JsonNode) result = subscribe (self, -1);

  ck_assert (!resync_of (result));
}

typedef struct {
  Watcher *watcher;
  gint64   seq;
} SeqWait;

/* Also done when the connection is gone: nothing more will come then. */
static gboolean
seq_reached (gpointer data)
{
  SeqWait *wait = data;

  return wait->watcher->last_seq >= wait->seq ||
         !sr_connection_is_connected (wait->watcher->connection);
}

static void
wait_for_seq (Watcher *self,
              gint64   seq)
{
  SeqWait wait = { self, seq };

  sr_test_wait_until (seq_reached, &wait);
  ck_assert_msg (self->last_seq >= seq, "%s: the server closed the connection after seq %"
                 G_GINT64_FORMAT ", waiting for %" G_GINT64_FORMAT, self->who, self->last_seq, seq);
}

/* The seqs received after @after, "12,13,15". */
static char *
received_seqs (Watcher *self,
               gint64   after)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < self->events->len; i++)
    {
      gint64 seq = json_object_get_int_member (g_ptr_array_index (self->events, i), "seq");

      if (seq > after)
        g_string_append_printf (out, "%s%" G_GINT64_FORMAT, out->len ? "," : "", seq);
    }

  return g_string_free (out, FALSE);
}

/* Every change since the subscription that this watcher may see arrived, once, in
 * order, and nothing else did. */
static void
assert_received (Watcher    *self,
                 const char *visible)
{
  g_autofree char *expected = expected_seqs (self->since, visible);
  g_autofree char *got = NULL;

  wait_for_seq (self, last_expected_seq (self->since, visible));
  got = received_seqs (self, G_MININT64);
  if (!g_str_equal (got, expected))
    {
      gsize same = 0;

      /* Long lists: show where they part. */
      while (got[same] != '\0' && got[same] == expected[same])
        same++;
      while (same > 0 && got[same - 1] != ',')
        same--;
      ck_abort_msg ("%s received [...%.60s] where [...%.60s] was due (%zu and %zu characters)",
                    self->who, got + same, expected + same, strlen (got), strlen (expected));
    }
  ck_assert_msg (self->disorder == 0, "%s received %u events out of seq order", self->who,
                 self->disorder);
}

static JsonObject *
event_with_seq (Watcher *self,
                gint64   seq)
{
  for (guint i = 0; i < self->events->len; i++)
    {
      JsonObject *event = g_ptr_array_index (self->events, i);

      if (json_object_get_int_member (event, "seq") == seq)
        return event;
    }

  ck_abort_msg ("%s has no event %" G_GINT64_FORMAT, self->who, seq);
  return NULL;
}

static JsonObject *
last_event (Watcher *self)
{
  ck_assert_uint_gt (self->events->len, 0);
  return g_ptr_array_index (self->events, self->events->len - 1);
}

static JsonObject *
data_of (JsonObject *event)
{
  ck_assert_msg (json_object_has_member (event, "data"), "event %" G_GINT64_FORMAT " without data",
                 json_object_get_int_member (event, "seq"));
  return json_object_get_object_member (event, "data");
}

static void
assert_vehicle_event (JsonObject *event,
                      const char *op,
                      gint64      id)
{
  ck_assert_str_eq (json_object_get_string_member (event, "entity"), "vehicle");
  ck_assert_str_eq (json_object_get_string_member (event, "op"), op);
  ck_assert_int_eq (json_object_get_int_member (event, "id"), id);
  if (g_str_equal (op, "delete"))
    ck_assert_msg (!json_object_has_member (event, "data"), "a delete event carries data");
  else
    ck_assert_int_eq (json_object_get_int_member (data_of (event), "id"), id);
}

/* --- audience --------------------------------------------------------------------------- */

START_TEST (test_events_by_audience)
{
  g_autoptr(Watcher) mumbai_sales = watcher_new (server, "sales@mumbai.test");
  g_autoptr(Watcher) mumbai_manager = watcher_new (server, "manager@mumbai.test");
  g_autoptr(Watcher) pune_admin = watcher_new (server, "admin@pune.test");
  g_autoptr(Watcher) pune_sales = watcher_new (server, "sales@pune.test");
  g_autoptr(SrConnection) writer = sr_test_connect_as (server, "manager@mumbai.test");
  g_autoptr(SrConnection) pune_writer = sr_test_connect_as (server, "manager@pune.test");
  g_autoptr(GDateTime) at = NULL;
  Watcher *mumbai[] = { mumbai_sales, mumbai_manager };
  JsonObject *first;
  gint64 a, b, pune;
  gint64 pune_seq;

  mumbai_sales->check_reads = TRUE;
  mumbai_manager->check_reads = TRUE;
  subscribe_live (mumbai_sales);
  subscribe_live (mumbai_manager);
  subscribe_live (pune_admin);
  subscribe_live (pune_sales);

  a = create_vehicle (writer, NEW_VEHICLE (VIN_A) ",\"cost\":\"400000\"}");
  update_vehicle (writer, a, "{\"price\":\"660000\"}");
  update_vehicle (writer, a, "{\"price\":\"670000\",\"cost\":\"410000\"}");
  b = create_vehicle (writer, NEW_VEHICLE (VIN_B) ",\"cost\":\"380000\"}");

  assert_received (mumbai_sales, SEEN_IN_MUMBAI);
  assert_received (mumbai_manager, SEEN_IN_MUMBAI);
  assert_received (pune_admin, SEEN_BY_ADMIN);

  for (guint w = 0; w < G_N_ELEMENTS (mumbai); w++)
    {
      Watcher *watcher = mumbai[w];
      gboolean sales = w == 0;
      JsonObject *second;
      JsonObject *third;

      ck_assert_uint_eq (watcher->events->len, 4);
      assert_vehicle_event (g_ptr_array_index (watcher->events, 0), "insert", a);
      assert_vehicle_event (g_ptr_array_index (watcher->events, 1), "update", a);
      assert_vehicle_event (g_ptr_array_index (watcher->events, 2), "update", a);
      assert_vehicle_event (g_ptr_array_index (watcher->events, 3), "insert", b);

      for (guint i = 0; i < 4; i++)
        {
          JsonObject *data = data_of (g_ptr_array_index (watcher->events, i));

          ck_assert_msg (json_object_has_member (data, "cost") == !sales,
                         "%s: cost %s in event %u", watcher->who, sales ? "shown" : "missing", i);
          ck_assert_int_eq (json_object_get_int_member (data, "branch_id"), 1);
        }

      /* The record as it is after each change. */
      second = data_of (g_ptr_array_index (watcher->events, 1));
      third = data_of (g_ptr_array_index (watcher->events, 2));
      ck_assert_int_eq (json_object_get_int_member (second, "version"), 2);
      ck_assert_str_eq (json_object_get_string_member (second, "price"), "660000.00");
      ck_assert_int_eq (json_object_get_int_member (third, "version"), 3);
      ck_assert_str_eq (json_object_get_string_member (third, "price"), "670000.00");
      if (!sales)
        ck_assert_str_eq (json_object_get_string_member (third, "cost"), "410000.00");
    }

  first = g_ptr_array_index (mumbai_sales->events, 0);
  at = g_date_time_new_from_iso8601 (json_object_get_string_member_with_default (first, "at", ""), NULL);
  ck_assert_msg (at != NULL, "event without an RFC 3339 at");

  /* Pune's salesman has had nothing so far: the first thing to reach him is Pune's. */
  pune = create_vehicle (pune_writer, NEW_VEHICLE (VIN_C) ",\"cost\":\"100000\"}");
  pune_seq = current_seq ();
  wait_for_seq (pune_sales, pune_seq);
  ck_assert_uint_eq (pune_sales->events->len, 1);
  assert_vehicle_event (g_ptr_array_index (pune_sales->events, 0), "insert", pune);
  ck_assert (!json_object_has_member (data_of (g_ptr_array_index (pune_sales->events, 0)), "cost"));
  assert_received (pune_admin, SEEN_BY_ADMIN);
  ck_assert_str_eq (json_object_get_string_member (data_of (event_with_seq (pune_admin, pune_seq)), "cost"),
                    "100000.00");

  /* And Mumbai's staff never hear of Pune's change. */
  update_vehicle (writer, b, "{\"notes\":\"after pune\"}");
  update_vehicle (pune_writer, pune, "{\"notes\":\"pune again\"}");
  assert_received (mumbai_sales, SEEN_IN_MUMBAI);
  assert_received (mumbai_manager, SEEN_IN_MUMBAI);
  assert_received (pune_sales, SEEN_IN_PUNE);
  assert_received (pune_admin, SEEN_BY_ADMIN);
  ck_assert_uint_eq (mumbai_sales->events->len, 5);
  ck_assert_uint_eq (pune_sales->events->len, 2);

  /* Every event was committed when it arrived: a read on receipt saw it. */
  sr_test_wait_until (reads_done, mumbai_sales);
  sr_test_wait_until (reads_done, mumbai_manager);
  ck_assert_uint_eq (mumbai_sales->stale_reads, 0);
  ck_assert_uint_eq (mumbai_manager->stale_reads, 0);
}
END_TEST

/* subscribe needs a session, a sane since_seq, and happens once per connection. */
START_TEST (test_subscribe_refusals)
{
  g_autoptr(SrConnection) anonymous = sr_test_connect (server);
  g_autoptr(SrConnection) sales = sr_test_connect_as (server, "sales@mumbai.test");
  g_autoptr(GError) unauthenticated = NULL;
  g_autoptr(GError) negative = NULL;
  g_autoptr(GError) ill_typed = NULL;
  g_autoptr(GError) twice = NULL;
  g_autoptr(JsonNode) first = NULL;

  unauthenticated = sr_test_call_fails (anonymous, "subscribe", "{}", "unauthenticated");
  negative = sr_test_call_fails (sales, "subscribe", "{\"since_seq\":-1}", "invalid_params");
  ck_assert_str_eq (sr_error_get_field (negative), "since_seq");
  ill_typed = sr_test_call_fails (sales, "subscribe", "{\"since_seq\":\"5\"}", "invalid_params");
  ck_assert_str_eq (sr_error_get_field (ill_typed), "since_seq");

  first = sr_test_call_ok (sales, "subscribe", "{}");
  ck_assert (!json_object_get_boolean_member (json_node_get_object (first), "resync"));
  twice = sr_test_call_fails (sales, "subscribe", "{}", "invalid_request");
}
END_TEST

START_TEST (test_psql_changes_delivered)
{
  g_autoptr(Watcher) manager = watcher_new (server, "manager@mumbai.test");
  g_autoptr(Watcher) sales = watcher_new (server, "sales@mumbai.test");
  JsonObject *event;
  JsonObject *data;
  gint64 id;
  gint64 inserted;

  subscribe_live (manager);
  subscribe_live (sales);
  id = create_vehicle (manager->connection, NEW_VEHICLE (VIN_A) "}");

  sr_test_execf (dbname, "UPDATE vehicles SET price = 123456.78, cost = 99999, notes = 'from psql',"
                 " location = 'Yard 2' WHERE id = %" G_GINT64_FORMAT, id);
  assert_received (manager, SEEN_IN_MUMBAI);
  event = last_event (manager);
  assert_vehicle_event (event, "update", id);
  data = data_of (event);
  ck_assert_str_eq (json_object_get_string_member (data, "price"), "123456.78");
  ck_assert_str_eq (json_object_get_string_member (data, "cost"), "99999.00");
  ck_assert_str_eq (json_object_get_string_member (data, "notes"), "from psql");
  ck_assert_str_eq (json_object_get_string_member (data, "location"), "Yard 2");
  ck_assert_int_eq (json_object_get_int_member (data, "version"), 2);

  assert_received (sales, SEEN_IN_MUMBAI);
  ck_assert (!json_object_has_member (data_of (last_event (sales)), "cost"));

  /* Inserts and deletes too. */
  sr_test_exec (dbname, "INSERT INTO vehicles (vin, make, model, year, price, branch_id)"
                " VALUES ('" VIN_B "', 'Tata', 'Punch', 2024, 700000, 1)");
  inserted = sr_test_query_int (dbname, "SELECT id FROM vehicles WHERE vin = '" VIN_B "'");
  sr_test_execf (dbname, "DELETE FROM vehicles WHERE id = %" G_GINT64_FORMAT, id);
  assert_received (manager, SEEN_IN_MUMBAI);
  assert_received (sales, SEEN_IN_MUMBAI);
  ck_assert_uint_eq (manager->events->len, 4);
  event = g_ptr_array_index (manager->events, 2);
  assert_vehicle_event (event, "insert", inserted);
  ck_assert_str_eq (json_object_get_string_member (data_of (event), "vin"), VIN_B);
  assert_vehicle_event (last_event (manager), "delete", id);
  assert_vehicle_event (last_event (sales), "delete", id);
}
END_TEST

START_TEST (test_branch_move)
{
  g_autoptr(Watcher) mumbai_sales = watcher_new (server, "sales@mumbai.test");
  g_autoptr(Watcher) mumbai_manager = watcher_new (server, "manager@mumbai.test");
  g_autoptr(Watcher) pune_sales = watcher_new (server, "sales@pune.test");
  g_autoptr(SrConnection) admin = sr_test_connect_as (server, "admin@mumbai.test");
  g_autoptr(SrConnection) pune_manager = sr_test_connect_as (server, "manager@pune.test");
  g_autoptr(JsonNode) moved = NULL;
  JsonObject *arrival;
  gint64 move_seq;
  gint64 id;

  subscribe_live (mumbai_sales);
  subscribe_live (mumbai_manager);
  subscribe_live (pune_sales);

  id = create_vehicle (admin, NEW_VEHICLE (VIN_A) ",\"cost\":\"300000\"}");
  moved = sr_test_call_okf (admin, "vehicles.update",
                            "{\"id\":%" G_GINT64_FORMAT ",\"version\":1,\"changes\":{\"branch_id\":2}}", id);
  move_seq = current_seq ();

  /* Mumbai loses it... */
  assert_received (mumbai_sales, SEEN_IN_MUMBAI);
  assert_received (mumbai_manager, SEEN_IN_MUMBAI);
  ck_assert_int_eq (json_object_get_int_member (last_event (mumbai_sales), "seq"), move_seq);
  assert_vehicle_event (last_event (mumbai_sales), "delete", id);
  assert_vehicle_event (last_event (mumbai_manager), "delete", id);

  /* ...and Pune gains it, as a new arrival in full (but for cost). */
  assert_received (pune_sales, SEEN_IN_PUNE);
  ck_assert_uint_eq (pune_sales->events->len, 1);
  arrival = g_ptr_array_index (pune_sales->events, 0);
  ck_assert_int_eq (json_object_get_int_member (arrival, "seq"), move_seq);
  assert_vehicle_event (arrival, "insert", id);
  ck_assert_int_eq (json_object_get_int_member (data_of (arrival), "branch_id"), 2);
  ck_assert_int_eq (json_object_get_int_member (data_of (arrival), "version"), 2);
  ck_assert_str_eq (json_object_get_string_member (data_of (arrival), "vin"), VIN_A);
  ck_assert (!json_object_has_member (data_of (arrival), "cost"));

  /* From now on it is Pune's business only. */
  update_vehicle (pune_manager, id, "{\"notes\":\"welcome to Pune\"}");
  create_vehicle (admin, NEW_VEHICLE (VIN_B) "}");
  assert_received (pune_sales, SEEN_IN_PUNE);
  assert_received (mumbai_sales, SEEN_IN_MUMBAI);
  assert_received (mumbai_manager, SEEN_IN_MUMBAI);
  ck_assert_uint_eq (pune_sales->events->len, 2);
  assert_vehicle_event (last_event (pune_sales), "update", id);
  ck_assert_uint_eq (mumbai_sales->events->len, 3);
}
END_TEST

/* --- resume ----------------------------------------------------------------------------- */

START_TEST (test_since_seq_replay)
{
  g_autoptr(SrConnection) writer = sr_test_connect_as (server, "manager@mumbai.test");
  g_autoptr(SrConnection) pune = sr_test_connect_as (server, "manager@pune.test");
  g_autoptr(Watcher) reader = NULL;
  g_autoptr(JsonNode) result = NULL;
  gint64 ids[6];
  gint64 other;
  gint64 since;

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_autofree char *params = g_strdup_printf ("{\"vin\":\"TST%014u\",\"make\":\"Kia\","
                                                 "\"model\":\"Sonet\",\"year\":2023,"
                                                 "\"price\":\"900000\"}", i + 1);
      ids[i] = create_vehicle (writer, params);
    }
  other = create_vehicle (pune, NEW_VEHICLE (VIN_A) "}");
  since = current_seq ();

  /* Five changes the reader may see, two it may not, while it is away. */
  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *changes = g_strdup_printf ("{\"notes\":\"away %u\"}", i);

      update_vehicle (writer, ids[i], changes);
      if (i % 2 == 0 && i < 4)
        update_vehicle (pune, other, changes);
    }

  reader = watcher_new (server, "sales@mumbai.test");
  result = subscribe (reader, since);
  ck_assert (!resync_of (result));

  assert_received (reader, SEEN_IN_MUMBAI);
  ck_assert_uint_eq (reader->events->len, 5);
  for (guint i = 0; i < 5; i++)
    {
      JsonObject *event = g_ptr_array_index (reader->events, i);
      g_autofree char *notes = g_strdup_printf ("away %u", i);

      assert_vehicle_event (event, "update", ids[i]);
      ck_assert_str_eq (json_object_get_string_member (data_of (event), "notes"), notes);
      ck_assert (!json_object_has_member (data_of (event), "cost"));
    }

  /* Then live, with nothing lost or repeated at the seam. */
  update_vehicle (writer, ids[5], "{\"notes\":\"live\"}");
  assert_received (reader, SEEN_IN_MUMBAI);
  ck_assert_uint_eq (reader->events->len, 6);
  assert_vehicle_event (last_event (reader), "update", ids[5]);
}
END_TEST

typedef struct {
  guint     pending;
  guint     failed;
  gboolean  done;
  JsonNode *result;
  GError   *error;
} Batch;

static void
batch_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  Batch *batch = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = sr_connection_call_finish (SR_CONNECTION (object), result, &error);

  if (reply == NULL)
    {
      g_message ("a concurrent update failed: %s", error->message);
      batch->failed++;
    }
  batch->pending--;
}

static gboolean
batch_done (gpointer data)
{
  return ((Batch *) data)->pending == 0;
}

static void
subscribe_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Batch *batch = user_data;

  batch->result = sr_connection_call_finish (SR_CONNECTION (object), result, &batch->error);
  batch->done = TRUE;
}

/* Sends vehicles.update (version 2) for each id in @ids, "1,2,3", without waiting. */
static void
send_updates (SrConnection *connection,
              const char   *ids,
              const char   *notes,
              Batch        *batch)
{
  g_auto(GStrv) list = g_strsplit (ids, ",", -1);

  for (guint i = 0; list[i] != NULL; i++)
    {
      g_autofree char *text = g_strdup_printf ("{\"id\":%s,\"version\":2,\"changes\":{\"notes\":\"%s\"}}",
                                               list[i], notes);
      g_autoptr(JsonNode) params = sr_json_from_string (text, -1, NULL);

      batch->pending++;
      sr_connection_call_async (connection, "vehicles.update", json_node_get_object (params),
                                NULL, batch_cb, batch);
    }
}

START_TEST (test_replay_seam_under_writes)
{
  g_autoptr(SrConnection) writer = sr_test_connect_as (server, "manager@mumbai.test");
  g_autoptr(SrConnection) pune = sr_test_connect_as (server, "manager@pune.test");
  g_autoptr(Watcher) reader = NULL;
  g_autoptr(JsonObject) params = json_object_new ();
  g_autofree char *mumbai_ids = NULL;
  g_autofree char *pune_ids = NULL;
  Batch updates = { 0 };
  Batch subscribed = { 0 };
  gint64 since;

  seed_vehicles (150, 0);
  since = current_seq ();
  /* A long backlog to replay: 150 changes, 120 of them Mumbai's. */
  sr_test_exec (dbname, "UPDATE vehicles SET notes = 'backlog'");
  mumbai_ids = sr_test_query (dbname, "SELECT string_agg(id::text, ',') FROM"
                              " (SELECT id FROM vehicles WHERE branch_id = 1 ORDER BY id LIMIT 20) v");
  pune_ids = sr_test_query (dbname, "SELECT string_agg(id::text, ',') FROM"
                            " (SELECT id FROM vehicles WHERE branch_id = 2 ORDER BY id LIMIT 10) v");

  /* The subscription goes out, and before its replay can arrive, more writes. */
  reader = watcher_new (server, "sales@mumbai.test");
  json_object_set_int_member (params, "since_seq", since);
  sr_connection_call_async (reader->connection, "subscribe", params, NULL, subscribe_cb, &subscribed);
  send_updates (writer, mumbai_ids, "during replay", &updates);
  send_updates (pune, pune_ids, "during replay", &updates);

  sr_test_wait (&subscribed.done);
  ck_assert_msg (subscribed.result != NULL, "subscribe failed: %s", subscribed.error->message);
  take_subscription (reader, subscribed.result, since);
  ck_assert (!resync_of (subscribed.result));

  /* And more while the replay may still be running. */
  sr_test_exec (dbname, "UPDATE vehicles SET notes = 'after subscribe' WHERE id > 60 AND id % 3 = 0");
  sr_test_wait_until (batch_done, &updates);
  ck_assert_uint_eq (updates.failed, 0);
  sr_test_exec (dbname, "UPDATE vehicles SET notes = 'last' WHERE id % 7 = 0");

  assert_received (reader, SEEN_IN_MUMBAI);
  ck_assert_uint_ge (reader->events->len, 120 + 20);

  g_clear_pointer (&subscribed.result, json_node_unref);
}
END_TEST

START_TEST (test_since_seq_resync)
{
  g_autoptr(SrConnection) writer = sr_test_connect_as (server, "manager@mumbai.test");
  g_autoptr(Watcher) too_old = watcher_new (server, "sales@mumbai.test");
  g_autoptr(Watcher) just_kept = watcher_new (server, "sales@mumbai.test");
  g_autoptr(Watcher) ahead = watcher_new (server, "sales@mumbai.test");
  g_autoptr(Watcher) from_zero = watcher_new (server, "admin@mumbai.test");
  g_autoptr(JsonNode) old_result = NULL;
  g_autoptr(JsonNode) kept_result = NULL;
  g_autoptr(JsonNode) ahead_result = NULL;
  g_autoptr(JsonNode) zero_result = NULL;
  gint64 id;
  gint64 pruned;
  gint64 now;

  id = create_vehicle (writer, NEW_VEHICLE (VIN_A) "}");
  for (guint i = 0; i < 6; i++)
    {
      g_autofree char *changes = g_strdup_printf ("{\"notes\":\"change %u\"}", i);
      update_vehicle (writer, id, changes);
    }

  /* The feed's history is pruned up to the third update (the audit log stays). */
  pruned = sr_test_query_int (dbname, "SELECT seq FROM change_log WHERE entity = 'vehicle'"
                              " ORDER BY seq OFFSET 3 LIMIT 1");
  sr_test_execf (dbname, "DELETE FROM change_feed WHERE seq <= %" G_GINT64_FORMAT, pruned);
  now = current_seq ();

  old_result = subscribe (too_old, pruned - 2);
  ck_assert (resync_of (old_result));

  zero_result = subscribe (from_zero, 0);
  ck_assert (resync_of (zero_result));

  /* Asking from exactly where history still starts needs no reload. */
  kept_result = subscribe (just_kept, pruned);
  ck_assert (!resync_of (kept_result));
  assert_received (just_kept, SEEN_IN_MUMBAI);
  ck_assert_uint_eq (just_kept->events->len, 3);

  /* A seq the server never reached: the client holds something else; reload. */
  ahead_result = subscribe (ahead, now + 100);
  ck_assert (resync_of (ahead_result));
}
END_TEST

/* --- out-of-order commits ------------------------------------------------------------ */

static PGconn *
open_session (void)
{
  PGconn *conn = PQconnectdb (conninfo);

  ck_assert_msg (PQstatus (conn) == CONNECTION_OK, "cannot connect: %s", PQerrorMessage (conn));
  return conn;
}

static void
session_exec (PGconn     *conn,
              const char *sql)
{
  PGresult *result = PQexec (conn, sql);
  ExecStatusType status = PQresultStatus (result);

  ck_assert_msg (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK, "%s: %s", sql,
                 PQresultErrorMessage (result));
  PQclear (result);
}

static gboolean
backend_waits_for_lock (gpointer data)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM pg_stat_activity"
                                          " WHERE pid = %d AND wait_event_type = 'Lock'",
                                          GPOINTER_TO_INT (data));

  return sr_test_query_int (dbname, sql) == 1;
}

START_TEST (test_out_of_order_commits)
{
  g_autoptr(Watcher) live = watcher_new (server, "admin@mumbai.test");
  g_autoptr(Watcher) replayed = NULL;
  g_autoptr(SrConnection) writer = sr_test_connect_as (server, "manager@mumbai.test");
  g_autoptr(JsonNode) result = NULL;
  g_autofree char *sql = NULL;
  PGconn *t1;
  PGconn *t2;
  PGresult *pending;
  JsonObject *event;
  gint64 a, b;
  gint64 base;
  gint64 t1_seq, t2_seq;

  subscribe_live (live);
  a = create_vehicle (writer, NEW_VEHICLE (VIN_A) "}");
  b = create_vehicle (writer, NEW_VEHICLE (VIN_B) "}");
  base = current_seq ();
  wait_for_seq (live, base);

  /* T1 starts first but writes last; T2 writes and commits while T1 waits. */
  t1 = open_session ();
  t2 = open_session ();
  session_exec (t1, "BEGIN");
  session_exec (t1, "SELECT 1");
  session_exec (t2, "BEGIN");
  sql = g_strdup_printf ("UPDATE vehicles SET notes = 't2' WHERE id = %" G_GINT64_FORMAT, a);
  session_exec (t2, sql);
  g_free (sql);
  sql = g_strdup_printf ("UPDATE vehicles SET notes = 't1' WHERE id = %" G_GINT64_FORMAT, b);
  ck_assert (PQsendQuery (t1, sql));
  wait_polled (backend_waits_for_lock, GINT_TO_POINTER (PQbackendPID (t1)));

  session_exec (t2, "COMMIT");
  while ((pending = PQgetResult (t1)) != NULL)
    {
      ck_assert_msg (PQresultStatus (pending) == PGRES_COMMAND_OK, "T1's update: %s",
                     PQresultErrorMessage (pending));
      PQclear (pending);
    }
  session_exec (t1, "COMMIT");
  PQfinish (t1);
  PQfinish (t2);

  /* Both arrive live, in seq order. */
  assert_received (live, SEEN_BY_ADMIN);
  ck_assert_int_eq (current_seq (), base + 2);
  t2_seq = sr_test_query_int (dbname, "SELECT seq FROM change_log WHERE changes ? 'notes'"
                              " AND changes -> 'notes' ->> 1 = 't2'");
  t1_seq = sr_test_query_int (dbname, "SELECT seq FROM change_log WHERE changes ? 'notes'"
                              " AND changes -> 'notes' ->> 1 = 't1'");
  event = event_with_seq (live, t2_seq);
  assert_vehicle_event (event, "update", a);
  ck_assert_str_eq (json_object_get_string_member (data_of (event), "notes"), "t2");
  event = event_with_seq (live, t1_seq);
  assert_vehicle_event (event, "update", b);
  ck_assert_str_eq (json_object_get_string_member (data_of (event), "notes"), "t1");

  /* And both again on a replay from before them. */
  replayed = watcher_new (server, "admin@mumbai.test");
  result = subscribe (replayed, base);
  ck_assert (!resync_of (result));
  assert_received (replayed, SEEN_BY_ADMIN);
  ck_assert_uint_eq (replayed->events->len, 2);
}
END_TEST

/* --- outages and other servers ------------------------------------------------------ */

START_TEST (test_restart_under_subscriber)
{
  g_autoptr(Watcher) watcher = watcher_new (server, "manager@mumbai.test");
  g_autoptr(GError) error = NULL;
  gint64 id;

  subscribe_live (watcher);
  id = create_vehicle (watcher->connection, NEW_VEHICLE (VIN_A) "}");
  assert_received (watcher, SEEN_IN_MUMBAI);

  ck_assert_msg (sr_test_pg_restart (sr_test_cluster (), &error), "%s", error ? error->message : "");

  /* Made at once, perhaps before the server listens again: it must come anyway. */
  sr_test_execf (dbname, "UPDATE vehicles SET notes = 'after restart' WHERE id = %" G_GINT64_FORMAT, id);
  assert_received (watcher, SEEN_IN_MUMBAI);
  assert_vehicle_event (last_event (watcher), "update", id);
  ck_assert_str_eq (json_object_get_string_member (data_of (last_event (watcher)), "notes"),
                    "after restart");

  /* And the connection still serves. */
  update_vehicle (watcher->connection, id, "{\"notes\":\"through the server\"}");
  assert_received (watcher, SEEN_IN_MUMBAI);
  ck_assert_uint_eq (watcher->events->len, 3);
}
END_TEST

START_TEST (test_second_server)
{
  g_autoptr(SrTestServer) second = sr_test_server_start (conninfo, "--no-tls", NULL);
  g_autoptr(Watcher) on_second = watcher_new (second, "sales@mumbai.test");
  g_autoptr(Watcher) on_first = watcher_new (server, "sales@mumbai.test");
  g_autoptr(SrConnection) writer = sr_test_connect_as (server, "manager@mumbai.test");
  g_autoptr(SrConnection) second_writer = sr_test_connect_as (second, "manager@mumbai.test");
  gint64 id;

  subscribe_live (on_second);
  subscribe_live (on_first);

  id = create_vehicle (writer, NEW_VEHICLE (VIN_A) "}");
  update_vehicle (writer, id, "{\"price\":\"640000\"}");
  assert_received (on_second, SEEN_IN_MUMBAI);
  ck_assert_uint_eq (on_second->events->len, 2);
  ck_assert_str_eq (json_object_get_string_member (data_of (last_event (on_second)), "price"),
                    "640000.00");

  /* The other way round as well. */
  update_vehicle (second_writer, id, "{\"price\":\"630000\"}");
  assert_received (on_first, SEEN_IN_MUMBAI);
  assert_received (on_second, SEEN_IN_MUMBAI);
  ck_assert_str_eq (json_object_get_string_member (data_of (last_event (on_first)), "price"),
                    "630000.00");

  ck_assert_int_eq (sr_test_server_stop (second), 0);
}
END_TEST

/* --- a reader that stops reading ------------------------------------------------------ */

/* Rounds of 10 events of about 4 KB: some 10 MB in all, more than the kernel buffers of
 * one loopback connection hold. */
#define SLOW_ROUNDS 250
#define N_READERS 3

static JsonObject *
raw_call (GSocketConnection *raw,
          const char        *request)
{
  JsonObject *response;

  sr_test_raw_send_frame (raw, request);
  response = sr_test_raw_read (raw);
  ck_assert_msg (response != NULL, "no answer to %s", request);
  ck_assert_msg (json_object_has_member (response, "result"), "%s was refused: %s", request,
                 sr_test_error_reason (response));
  return response;
}

/* Everything still on its way on @raw, up to the end of the stream. A read that fails
 * (the socket's hang guard included) is not an end. */
static GByteArray *
drain_to_eof (GSocketConnection *raw)
{
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (raw));
  GByteArray *all = g_byte_array_new ();
  g_autofree guint8 *buffer = g_malloc (65536);

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_input_stream_read (in, buffer, 65536, NULL, &error);

      ck_assert_msg (n >= 0, "the server never closed the connection that stopped reading: %s",
                     error->message);
      if (n == 0)
        break;
      g_byte_array_append (all, buffer, n);
    }

  return all;
}

static void
wait_all_caught_up (Watcher **readers)
{
  gint64 seq = current_seq ();

  for (guint i = 0; i < N_READERS; i++)
    wait_for_seq (readers[i], seq);
}

START_TEST (test_slow_reader_cut_off)
{
  g_autoptr(GSocketConnection) slow = NULL;
  g_autoptr(JsonObject) hello = NULL;
  g_autoptr(JsonObject) login = NULL;
  g_autoptr(JsonObject) subscribed = NULL;
  g_autoptr(GByteArray) backlog = NULL;
  Watcher *readers[N_READERS];
  gint64 last_slow = 0;
  guint frames = 0;
  gsize offset = 0;

  /* Several readers, so that some come after the slow one whichever order the server
   * serves them in. */
  for (guint i = 0; i < N_READERS; i++)
    {
      readers[i] = watcher_new (server, i == 0 ? "sales@mumbai.test" : "manager@mumbai.test");
      subscribe_live (readers[i]);
    }

  slow = sr_test_raw_connect (server);
  hello = raw_call (slow, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"hello\",\"params\":{\"protocol\":1}}");
  login = raw_call (slow, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"auth.login\",\"params\":"
                          "{\"email\":\"manager@mumbai.test\",\"password\":\"" SR_TEST_PASSWORD "\"}}");
  subscribed = raw_call (slow, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"subscribe\",\"params\":{}}");

  /* Bursts of 10 events (about 43 KB, under the limit) that the readers keep up with,
   * until far more than the slow connection's socket buffers hold. */
  for (guint round = 0; round < SLOW_ROUNDS; round++)
    {
      sr_test_execf (dbname, "UPDATE vehicles SET notes = repeat('%c', 3900) WHERE branch_id = 1"
                     " AND id %% 4 = %u", 'A' + round % 26, round % 4);
      wait_all_caught_up (readers);
    }

  /* Every reading client got every change... */
  for (guint i = 0; i < N_READERS; i++)
    {
      assert_received (readers[i], SEEN_IN_MUMBAI);
      ck_assert_uint_eq (readers[i]->events->len, SLOW_ROUNDS * 10);
      ck_assert (sr_connection_is_connected (readers[i]->connection));
    }

  /* ...and the one that stopped reading was cut off: what was under way, then the end. */
  backlog = drain_to_eof (slow);
  while (offset + 4 <= backlog->len)
    {
      const guint8 *p = backlog->data + offset;
      guint32 len = (guint32) p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
      g_autoptr(JsonNode) node = NULL;
      JsonObject *params;

      if (offset + 4 + len > backlog->len)
        break;    /* cut mid-frame */
      node = sr_json_from_string ((const char *) p + 4, len, NULL);
      ck_assert_msg (node != NULL && JSON_NODE_HOLDS_OBJECT (node), "garbage on the slow connection");
      params = json_object_get_object_member (json_node_get_object (node), "params");
      ck_assert_msg (params != NULL, "a frame that is not an event on the slow connection");
      ck_assert_int_gt (json_object_get_int_member (params, "seq"), last_slow);
      last_slow = json_object_get_int_member (params, "seq");
      frames++;
      offset += 4 + len;
    }
  ck_assert_msg (last_slow < readers[0]->last_seq, "the slow connection got everything (%u events)",
                 frames);

  /* The server itself carries on. */
  {
    g_autoptr(SrConnection) fresh = sr_test_connect_as (server, "sales@mumbai.test");
    g_autoptr(JsonNode) page = sr_test_call_ok (fresh, "vehicles.list", "{\"limit\":1}");

    ck_assert_ptr_nonnull (page);
  }

  for (guint i = 0; i < N_READERS; i++)
    watcher_free (readers[i]);
}
END_TEST

/* One statement may change many vehicles at once (a bulk price change): a client that
 * reads all the while is not a slow reader, however large the burst. */
START_TEST (test_burst_to_reading_client)
{
  g_autoptr(Watcher) reader = watcher_new (server, "manager@mumbai.test");

  subscribe_live (reader);

  /* 40 events of about 4 KB each: some 170 KB at a time, over the 64 KiB queue. */
  for (guint round = 0; round < 5; round++)
    {
      sr_test_execf (dbname, "UPDATE vehicles SET notes = repeat('%c', 3900) WHERE branch_id = 1",
                     'A' + round);
      assert_received (reader, SEEN_IN_MUMBAI);
    }

  ck_assert_uint_eq (reader->events->len, 5 * 40);
  ck_assert (sr_connection_is_connected (reader->connection));
}
END_TEST

int
main (void)
{
  Suite *suite = suite_create ("integration");
  TCase *audience = tcase_create ("audience");
  TCase *resume = tcase_create ("resume");
  TCase *order = tcase_create ("order");
  TCase *outages = tcase_create ("outages");
  TCase *slow = tcase_create ("slow");
  SRunner *runner;
  int failed;

  sr_test_init ();

  tcase_add_checked_fixture (audience, setup, teardown);
  tcase_add_test (audience, test_events_by_audience);
  tcase_add_test (audience, test_psql_changes_delivered);
  tcase_add_test (audience, test_branch_move);
  suite_add_tcase (suite, audience);

  tcase_add_checked_fixture (resume, setup, teardown);
  tcase_add_test (resume, test_since_seq_replay);
  tcase_add_test (resume, test_replay_seam_under_writes);
  tcase_add_test (resume, test_since_seq_resync);
  tcase_add_test (resume, test_subscribe_refusals);
  suite_add_tcase (suite, resume);

  tcase_add_checked_fixture (order, setup, teardown);
  tcase_add_test (order, test_out_of_order_commits);
  suite_add_tcase (suite, order);

  tcase_add_checked_fixture (outages, setup, teardown);
  tcase_add_test (outages, test_restart_under_subscriber);
  tcase_add_test (outages, test_second_server);
  suite_add_tcase (suite, outages);

  tcase_add_checked_fixture (slow, setup_small_queue, teardown);
  tcase_add_test (slow, test_slow_reader_cut_off);
  tcase_add_test (slow, test_burst_to_reading_client);
  suite_add_tcase (suite, slow);

  runner = srunner_create (suite);
  srunner_run_all (runner, CK_NORMAL);
  failed = srunner_ntests_failed (runner);
  srunner_free (runner);

  return failed == 0 ? 0 : 1;
}
