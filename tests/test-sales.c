/* test-sales.c: customers, follow-ups, reservations, sales and the summary report
 * against a real showroomd: the field rules, branch scoping in gets, lists and events,
 * the follow-up lifecycle, exactly one winner among concurrent reservations of one
 * vehicle, the vehicle's status following its sale, gap-free receipt numbers under
 * concurrent completions, and figures that match the rows. */
#define G_LOG_DOMAIN "test-sales"

#include "config.h"

#include <check.h>
#include <string.h>

#include "sr-error.h"
#include "sr-rpc.h"
#include "sr-test-server.h"

#define N_RESERVERS 8
#define N_RECEIPTS  10

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

/* --- helpers ------------------------------------------------------------------------ */

static gint64
create_vehicle_full (SrConnection *connection,
                     const char   *vin,
                     const char   *price,
                     const char   *extra)
{
  g_autoptr(JsonNode) vehicle = sr_test_call_okf (connection, "vehicles.create",
    "{\"vin\":\"%s\",\"make\":\"Tata\",\"model\":\"Nexon\",\"year\":2024,"
    "\"price\":\"%s\",\"cost\":\"777111.00\"%s}", vin, price, extra ? extra : "");

  return sr_test_get_int (vehicle, "id");
}

static gint64
create_vehicle (SrConnection *connection,
                const char   *vin,
                const char   *price)
{
  return create_vehicle_full (connection, vin, price, NULL);
}

static gint64
create_customer (SrConnection *connection,
                 const char   *name,
                 const char   *phone)
{
  g_autoptr(JsonNode) customer = sr_test_call_okf (connection, "customers.create",
    "{\"name\":\"%s\",\"phone\":\"%s\",\"city\":\"Mumbai\"}", name, phone);

  return sr_test_get_int (customer, "id");
}

static JsonNode *
reserve (SrConnection *connection,
         gint64        vehicle_id,
         gint64        customer_id)
{
  return sr_test_call_okf (connection, "sales.reserve",
                           "{\"vehicle_id\":%" G_GINT64_FORMAT ",\"customer_id\":%" G_GINT64_FORMAT "}",
                           vehicle_id, customer_id);
}

static char *
vehicle_status (gint64 id)
{
  return sr_test_queryf (dbname, "SELECT status FROM vehicles WHERE id = %" G_GINT64_FORMAT, id);
}

/* Everything a refused call must leave alone. */
static char *
snapshot (void)
{
  return sr_test_query (dbname,
    "SELECT md5(concat("
    " (SELECT string_agg(v::text, ',' ORDER BY v.id) FROM vehicles v),"
    " (SELECT string_agg(c::text, ',' ORDER BY c.id) FROM customers c),"
    " (SELECT string_agg(f::text, ',' ORDER BY f.id) FROM followups f),"
    " (SELECT string_agg(s::text, ',' ORDER BY s.id) FROM sales s),"
    " (SELECT string_agg(r::text, ',' ORDER BY r.branch_id) FROM receipt_counters r),"
    " (SELECT count(*) FROM change_log)))");
}

/* The call fails with @reason and @field (NULL: any), and changes nothing. */
static GError *
refused (SrConnection *connection,
         const char   *method,
         const char   *params,
         const char   *reason,
         const char   *field)
{
  g_autofree char *before = snapshot ();
  g_autofree char *after = NULL;
  GError *error = sr_test_call_fails (connection, method, params, reason);

  after = snapshot ();
  ck_assert_msg (g_str_equal (before, after), "%s %s changed something", method, params);
  if (field != NULL)
    ck_assert_msg (g_strcmp0 (sr_error_get_field (error), field) == 0,
                   "%s %s: data.field is %s, expected %s", method, params,
                   sr_error_get_field (error) ? sr_error_get_field (error) : "(none)", field);
  /* No SQL, no file path in what the user reads. */
  ck_assert_msg (strstr (error->message, "SELECT") == NULL && strstr (error->message, "INSERT") == NULL &&
                 strstr (error->message, "UPDATE") == NULL && strstr (error->message, ".c:") == NULL,
                 "%s leaks internals: %s", method, error->message);

  return error;
}

static void
expect_refused (SrConnection *connection,
                const char   *method,
                const char   *params,
                const char   *reason,
                const char   *field)
{
  g_error_free (refused (connection, method, params, reason, field));
}

static gboolean
holds_cost (JsonNode *node)
{
  g_autofree char *text = sr_json_to_string (node, NULL);

  return strstr (text, "\"cost\"") != NULL || strstr (text, "777111") != NULL;
}

/* The ids of a list's items. */
static GArray *
item_ids (JsonNode *page)
{
  JsonArray *items = json_object_get_array_member (sr_test_object (page), "items");
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));

  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      gint64 id = json_object_get_int_member (json_array_get_object_element (items, i), "id");
      g_array_append_val (ids, id);
    }

  return ids;
}

static gboolean
ids_contain (GArray *ids,
             gint64  id)
{
  for (guint i = 0; i < ids->len; i++)
    if (g_array_index (ids, gint64, i) == id)
      return TRUE;
  return FALSE;
}

static char *
time_from_now (int days)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) then = g_date_time_add_days (now, days);

  return g_date_time_format (then, "%Y-%m-%dT%H:%M:%S+00:00");
}

static char *
date_from_today (int days)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) then = g_date_time_add_days (now, days);

  return g_date_time_format (then, "%Y-%m-%d");
}

/* Whether any event this watcher got is about @entity @id. */
static gboolean
saw_any (SrTestWatcher    *self,
         const char *entity,
         gint64      id)
{
  for (guint i = 0; i < self->events->len; i++)
    {
      JsonObject *event = g_ptr_array_index (self->events, i);

      if (g_str_equal (json_object_get_string_member (event, "entity"), entity) &&
          json_object_get_int_member (event, "id") == id)
        return TRUE;
    }

  return FALSE;
}

/* --- customers ------------------------------------------------------------------------ */

START_TEST (test_customer_create_and_rules)
{
  g_autoptr(SrConnection) sales = sr_test_connect_as (server, "sales@mumbai.test");
  g_autoptr(JsonNode) customer = NULL;
  g_autoptr(JsonNode) fetched = NULL;
  g_autoptr(JsonNode) hostile = NULL;
  g_autoptr(JsonNode) hostile_got = NULL;
  g_autofree char *long_name = g_strnfill (201, 'a');
  g_autofree char *params = NULL;
  g_autofree char *exists = NULL;
  static const char *const bad_phones[] = {
    "1234567", "1234567890123456", "+91 9820012345", "98200-12345", "(022)26543210",
    "++919820012345", "98200123a5", "９８２００１２３４５",
  };
  static const char *const good_phones[] = { "12345678", "+919820012345", "02226543210" };

  customer = sr_test_call_ok (sales, "customers.create",
    "{\"name\":\"Anjali Deshmukh\",\"phone\":\"+919820012345\",\"email\":\"  Anjali.D@Example.COM \","
    "\"city\":\"Thane\",\"notes\":\"Wants a white SUV\"}");
  ck_assert_str_eq (sr_test_get_string (customer, "name"), "Anjali Deshmukh");
  ck_assert_str_eq (sr_test_get_string (customer, "phone"), "+919820012345");
  ck_assert_str_eq (sr_test_get_string (customer, "email"), "anjali.d@example.com");
  ck_assert_str_eq (sr_test_get_string (customer, "city"), "Thane");
  ck_assert_str_eq (sr_test_get_string (customer, "status"), "lead");
  ck_assert_int_eq (sr_test_get_int (customer, "branch_id"), 1);
  ck_assert_int_eq (sr_test_get_int (customer, "version"), 1);
  ck_assert_msg (json_object_has_member (sr_test_object (customer), "created_at"), "no created_at");

  fetched = sr_test_call_okf (sales, "customers.get", "{\"id\":%" G_GINT64_FORMAT "}",
                              sr_test_get_int (customer, "id"));
  ck_assert_msg (json_node_equal (customer, fetched), "get differs from create");

  for (guint i = 0; i < G_N_ELEMENTS (good_phones); i++)
    {
      g_autoptr(JsonNode) ok = sr_test_call_okf (sales, "customers.create",
        "{\"name\":\"Phone %u\",\"phone\":\"%s\"}", i, good_phones[i]);
      ck_assert_str_eq (sr_test_get_string (ok, "phone"), good_phones[i]);
    }

  /* Refusals, each naming its field and changing nothing. */
  expect_refused (sales, "customers.create", "{\"phone\":\"+919820012345\"}", "invalid_params", "name");
  expect_refused (sales, "customers.create", "{\"name\":\"   \"}", "invalid_params", "name");
  expect_refused (sales, "customers.create", "{\"name\":42}", "invalid_params", "name");
  params = g_strdup_printf ("{\"name\":\"%s\"}", long_name);
  expect_refused (sales, "customers.create", params, "invalid_params", "name");
  for (guint i = 0; i < G_N_ELEMENTS (bad_phones); i++)
    {
      g_autofree char *bad = g_strdup_printf ("{\"name\":\"Ravi\",\"phone\":\"%s\"}", bad_phones[i]);
      expect_refused (sales, "customers.create", bad, "invalid_params", "phone");
    }
  expect_refused (sales, "customers.create", "{\"name\":\"Ravi\",\"email\":\"ravi-at-example.com\"}",
                  "invalid_params", "email");
  expect_refused (sales, "customers.create", "{\"name\":\"Ravi\",\"email\":\"ravi@example\"}",
                  "invalid_params", "email");
  expect_refused (sales, "customers.create", "{\"name\":\"Ravi\",\"email\":\"ravi kumar@example.com\"}",
                  "invalid_params", "email");
  expect_refused (sales, "customers.create", "{\"name\":\"Ravi\",\"status\":\"vip\"}",
                  "invalid_params", "status");
  expect_refused (sales, "customers.create", "{\"name\":\"Ravi\",\"phone\":null}",
                  "invalid_params", "phone");
  expect_refused (sales, "customers.create", "{\"name\":\"Ravi\",\"loyalty\":5}",
                  "invalid_params", "loyalty");
  expect_refused (sales, "customers.create", "{\"name\":\"Ravi\",\"branch_id\":2}",
                  "other_branch", "branch_id");

  /* Hostile strings are data, stored and returned exactly. */
  hostile = sr_test_call_ok (sales, "customers.create",
    "{\"name\":\"Robert'); DROP TABLE customers;--\",\"city\":\"x' OR '1'='1\","
    "\"notes\":\"<script>alert(1)</script> 100%_ \\\\ $1 \\u00e9\\u0915\"}");
  hostile_got = sr_test_call_okf (sales, "customers.get", "{\"id\":%" G_GINT64_FORMAT "}",
                                  sr_test_get_int (hostile, "id"));
  ck_assert_str_eq (sr_test_get_string (hostile_got, "name"), "Robert'); DROP TABLE customers;--");
  ck_assert_str_eq (sr_test_get_string (hostile_got, "city"), "x' OR '1'='1");
  ck_assert_str_eq (sr_test_get_string (hostile_got, "notes"),
                    "<script>alert(1)</script> 100%_ \\ $1 \xc3\xa9\xe0\xa4\x95");
  exists = sr_test_query (dbname, "SELECT count(*) FROM customers");
  ck_assert_str_eq (exists, "5");
}
END_TEST

START_TEST (test_customer_update_and_search)
{
  g_autoptr(SrConnection) sales = sr_test_connect_as (server, "sales@mumbai.test");
  g_autoptr(JsonNode) updated = NULL;
  g_autoptr(JsonNode) page = NULL;
  g_autoptr(GArray) ids = NULL;
  g_autofree char *params = NULL;
  g_autoptr(GError) conflict = NULL;
  JsonObject *current;
  gint64 asha = create_customer (sales, "Asha Kulkarni", "9820012345");
  gint64 rahul = create_customer (sales, "Rahul Sharma", "+14155550123");
  gint64 percent = create_customer (sales, "Meera 100% Iyer", "9000000001");

  params = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"version\":1,"
                            "\"changes\":{\"status\":\"active\",\"email\":\"ASHA@Mail.test\"}}", asha);
  updated = sr_test_call_ok (sales, "customers.update", params);
  ck_assert_str_eq (sr_test_get_string (updated, "status"), "active");
  ck_assert_str_eq (sr_test_get_string (updated, "email"), "asha@mail.test");
  ck_assert_int_eq (sr_test_get_int (updated, "version"), 2);

  /* The same version again: someone changed it since. */
  conflict = refused (sales, "customers.update", params, "version_conflict", "version");
  current = json_node_get_object (json_object_get_member (sr_error_get_extra (conflict), "current"));
  ck_assert_int_eq (json_object_get_int_member (current, "version"), 2);

  g_clear_pointer (&params, g_free);
  params = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"version\":2,\"changes\":{\"phone\":\"12\"}}", asha);
  expect_refused (sales, "customers.update", params, "invalid_params", "changes.phone");
  g_clear_pointer (&params, g_free);
  params = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"version\":2,\"changes\":{}}", asha);
  expect_refused (sales, "customers.update", params, "invalid_params", "changes");
  g_clear_pointer (&params, g_free);
  params = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"version\":2,\"changes\":{\"id\":9}}", asha);
  expect_refused (sales, "customers.update", params, "invalid_params", "changes.id");
  g_clear_pointer (&params, g_free);
  params = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"version\":2,\"changes\":{\"branch_id\":2}}", asha);
  expect_refused (sales, "customers.update", params, "other_branch", "changes.branch_id");
  expect_refused (sales, "customers.update", "{\"id\":999999,\"version\":1,\"changes\":{\"city\":\"Pune\"}}",
                  "not_found", NULL);

  /* Search by part of the name, the phone or the e-mail, ignoring case. */
  page = sr_test_call_ok (sales, "customers.list", "{\"filter\":{\"text\":\"KULK\"}}");
  ids = item_ids (page);
  ck_assert_uint_eq (ids->len, 1);
  ck_assert (ids_contain (ids, asha));
  g_clear_pointer (&page, json_node_unref);
  g_clear_pointer (&ids, g_array_unref);
  page = sr_test_call_ok (sales, "customers.list", "{\"filter\":{\"text\":\"5550123\"}}");
  ids = item_ids (page);
  ck_assert_uint_eq (ids->len, 1);
  ck_assert (ids_contain (ids, rahul));
  g_clear_pointer (&page, json_node_unref);
  g_clear_pointer (&ids, g_array_unref);
  page = sr_test_call_ok (sales, "customers.list", "{\"filter\":{\"text\":\"mail.TEST\"}}");
  ids = item_ids (page);
  ck_assert_uint_eq (ids->len, 1);
  ck_assert (ids_contain (ids, asha));
  g_clear_pointer (&page, json_node_unref);
  g_clear_pointer (&ids, g_array_unref);
  /* % is a character like any other, not a wildcard. */
  page = sr_test_call_ok (sales, "customers.list", "{\"filter\":{\"text\":\"%\"}}");
  ids = item_ids (page);
  ck_assert_uint_eq (ids->len, 1);
  ck_assert (ids_contain (ids, percent));
  g_clear_pointer (&page, json_node_unref);
  g_clear_pointer (&ids, g_array_unref);
  page = sr_test_call_ok (sales, "customers.list", "{\"filter\":{\"status\":[\"active\",\"inactive\"]}}");
  ids = item_ids (page);
  ck_assert_uint_eq (ids->len, 1);
  ck_assert (ids_contain (ids, asha));
  g_clear_pointer (&page, json_node_unref);
  g_clear_pointer (&ids, g_array_unref);

  /* Paging: two pages of one and two, in id order. */
  page = sr_test_call_ok (sales, "customers.list", "{\"limit\":1}");
  ids = item_ids (page);
  ck_assert_uint_eq (ids->len, 1);
  ck_assert (ids_contain (ids, asha));
  g_clear_pointer (&params, g_free);
  params = g_strdup_printf ("{\"limit\":5,\"after\":\"%s\"}",
                            sr_test_get_string (page, "next"));
  g_clear_pointer (&page, json_node_unref);
  g_clear_pointer (&ids, g_array_unref);
  page = sr_test_call_ok (sales, "customers.list", params);
  ids = item_ids (page);
  ck_assert_uint_eq (ids->len, 2);
  ck_assert (ids_contain (ids, rahul) && ids_contain (ids, percent));
  ck_assert (JSON_NODE_HOLDS_NULL (json_object_get_member (sr_test_object (page), "next")));

  expect_refused (sales, "customers.list", "{\"filter\":{\"name\":\"Asha\"}}", "invalid_params", "filter.name");
  expect_refused (sales, "customers.list", "{\"filter\":{\"status\":\"vip\"}}", "invalid_params", "filter.status");
  expect_refused (sales, "customers.list", "{\"after\":\"nonsense!\"}", "invalid_params", "after");
  /* Made-up "k1:" cursors: a sign, a space or an id past 64 bits is not the server's. */
  {
    static const char *const made_up[] = { "k1:-5", "k1: 5", "k1:+5", "k1:99999999999999999999", "k1:" };

    for (guint i = 0; i < G_N_ELEMENTS (made_up); i++)
      {
        g_autofree char *cursor = g_base64_encode ((const guchar *) made_up[i], strlen (made_up[i]));
        g_autofree char *request = g_strdup_printf ("{\"after\":\"%s\"}", cursor);

        expect_refused (sales, "customers.list", request, "invalid_params", "after");
      }
  }
}
END_TEST

START_TEST (test_customer_branch_scoping)
{
  g_autoptr(SrConnection) mumbai = sr_test_connect_as (server, "sales@mumbai.test");
  g_autoptr(SrConnection) pune_manager = sr_test_connect_as (server, "manager@pune.test");
  g_autoptr(SrConnection) admin = sr_test_connect_as (server, "admin@mumbai.test");
  g_autoptr(JsonNode) page = NULL;
  g_autoptr(JsonNode) admin_page = NULL;
  g_autoptr(JsonNode) seen = NULL;
  g_autoptr(GArray) ids = NULL;
  g_autoptr(GArray) admin_ids = NULL;
  g_autofree char *params = NULL;
  gint64 ours = create_customer (mumbai, "Kiran Patil", "9822000001");
  gint64 theirs = create_customer (pune_manager, "Sneha Joshi", "9822000002");

  params = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT "}", theirs);
  expect_refused (mumbai, "customers.get", params, "not_found", NULL);
  g_clear_pointer (&params, g_free);
  params = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"version\":1,\"changes\":{\"city\":\"Nagpur\"}}",
                            theirs);
  expect_refused (mumbai, "customers.update", params, "not_found", NULL);

  page = sr_test_call_ok (mumbai, "customers.list", NULL);
  ids = item_ids (page);
  ck_assert (ids_contain (ids, ours));
  ck_assert (!ids_contain (ids, theirs));
  g_clear_pointer (&page, json_node_unref);
  g_clear_pointer (&ids, g_array_unref);
  page = sr_test_call_ok (mumbai, "customers.list", "{\"filter\":{\"branch_id\":2}}");
  ids = item_ids (page);
  ck_assert_uint_eq (ids->len, 0);

  /* An administrator sees both, and may move one. */
  admin_page = sr_test_call_ok (admin, "customers.list", NULL);
  admin_ids = item_ids (admin_page);
  ck_assert (ids_contain (admin_ids, ours) && ids_contain (admin_ids, theirs));
  g_clear_pointer (&params, g_free);
  params = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"version\":1,\"changes\":{\"branch_id\":1}}",
                            theirs);
  json_node_unref (sr_test_call_ok (admin, "customers.update", params));
  seen = sr_test_call_okf (mumbai, "customers.get", "{\"id\":%" G_GINT64_FORMAT "}", theirs);
  ck_assert_int_eq (sr_test_get_int (seen, "branch_id"), 1);

  /* Row-level security says the same without the server's checks. */
  ck_assert_int_eq (sr_test_query_int (dbname,
    "SET ROLE showroom_app; SELECT set_config('showroom.role', 'sales', false),"
    " set_config('showroom.branch_id', '2', false); SELECT count(*) FROM customers"), 0);
}
END_TEST

/* --- follow-ups ------------------------------------------------------------------------ */

START_TEST (test_followup_lifecycle)
{
  g_autoptr(SrConnection) sales = sr_test_connect_as (server, "sales@mumbai.test");
  g_autoptr(SrConnection) manager = sr_test_connect_as (server, "manager@mumbai.test");
  g_autoptr(SrConnection) pune = sr_test_connect_as (server, "sales@pune.test");
  g_autoptr(SrConnection) pune_manager = sr_test_connect_as (server, "manager@pune.test");
  g_autoptr(JsonNode) overdue = NULL;
  g_autoptr(JsonNode) later = NULL;
  g_autoptr(JsonNode) managers = NULL;
  g_autoptr(JsonNode) page = NULL;
  g_autoptr(JsonNode) done = NULL;
  g_autoptr(JsonNode) second = NULL;
  g_autoptr(GArray) ids = NULL;
  g_autoptr(GError) again = NULL;
  g_autofree char *yesterday = time_from_now (-1);
  g_autofree char *tomorrow = time_from_now (1);
  g_autofree char *in_two_days = time_from_now (2);
  g_autofree char *now = time_from_now (0);
  g_autofree char *params = NULL;
  gint64 customer = create_customer (sales, "Farhan Qureshi", "9867000001");
  gint64 pune_customer = create_customer (pune, "Omkar Pawar", "9867000002");
  gint64 vehicle = create_vehicle (manager, "MA3FZEB1S00300001", "845000.00");
  gint64 pune_vehicle = create_vehicle (pune_manager, "MA3FZEB1S00300002", "845000.00");
  JsonObject *current;

  overdue = sr_test_call_okf (sales, "followups.create",
    "{\"customer_id\":%" G_GINT64_FORMAT ",\"due_at\":\"%s\",\"kind\":\"call\",\"note\":\"Quote follow-up\"}",
    customer, yesterday);
  ck_assert_str_eq (sr_test_get_string (overdue, "status"), "pending");
  ck_assert_str_eq (sr_test_get_string (overdue, "kind"), "call");
  ck_assert_str_eq (sr_test_get_string (overdue, "note"), "Quote follow-up");
  ck_assert_int_eq (sr_test_get_int (overdue, "customer_id"), customer);
  ck_assert_int_eq (sr_test_get_int (overdue, "assigned_to.id"), 3);
  ck_assert_str_eq (sr_test_get_string (overdue, "assigned_to.name"), "Mumbai Sales");
  ck_assert (JSON_NODE_HOLDS_NULL (json_object_get_member (sr_test_object (overdue), "outcome")));
  ck_assert (JSON_NODE_HOLDS_NULL (json_object_get_member (sr_test_object (overdue), "vehicle_id")));

  later = sr_test_call_okf (sales, "followups.create",
    "{\"customer_id\":%" G_GINT64_FORMAT ",\"due_at\":\"%s\",\"kind\":\"test_drive\","
    "\"vehicle_id\":%" G_GINT64_FORMAT "}", customer, tomorrow, vehicle);
  ck_assert_int_eq (sr_test_get_int (later, "vehicle_id"), vehicle);
  managers = sr_test_call_okf (manager, "followups.create",
    "{\"customer_id\":%" G_GINT64_FORMAT ",\"due_at\":\"%s\",\"kind\":\"visit\"}", customer, in_two_days);
  ck_assert_int_eq (sr_test_get_int (managers, "assigned_to.id"), 2);

  /* Overdue: pending and due before now. */
  page = sr_test_call_okf (sales, "followups.list", "{\"status\":\"pending\",\"due_before\":\"%s\"}", now);
  ids = item_ids (page);
  ck_assert_uint_eq (ids->len, 1);
  ck_assert (ids_contain (ids, sr_test_get_int (overdue, "id")));
  g_clear_pointer (&page, json_node_unref);
  g_clear_pointer (&ids, g_array_unref);

  /* Mine, soonest first. */
  page = sr_test_call_ok (sales, "followups.list", "{\"mine\":true}");
  ids = item_ids (page);
  ck_assert_uint_eq (ids->len, 2);
  ck_assert_int_eq (g_array_index (ids, gint64, 0), sr_test_get_int (overdue, "id"));
  ck_assert_int_eq (g_array_index (ids, gint64, 1), sr_test_get_int (later, "id"));
  g_clear_pointer (&page, json_node_unref);
  g_clear_pointer (&ids, g_array_unref);

  /* The branch's whole list, in due order, two pages. */
  page = sr_test_call_ok (sales, "followups.list", "{\"limit\":2}");
  ids = item_ids (page);
  ck_assert_uint_eq (ids->len, 2);
  g_clear_pointer (&params, g_free);
  params = g_strdup_printf ("{\"limit\":2,\"after\":\"%s\"}", sr_test_get_string (page, "next"));
  g_clear_pointer (&page, json_node_unref);
  g_clear_pointer (&ids, g_array_unref);
  page = sr_test_call_ok (sales, "followups.list", params);
  ids = item_ids (page);
  ck_assert_uint_eq (ids->len, 1);
  ck_assert_int_eq (g_array_index (ids, gint64, 0), sr_test_get_int (managers, "id"));
  g_clear_pointer (&page, json_node_unref);
  g_clear_pointer (&ids, g_array_unref);

  /* Pune sees none of them. */
  page = sr_test_call_ok (pune, "followups.list", NULL);
  ids = item_ids (page);
  ck_assert_uint_eq (ids->len, 0);
  g_clear_pointer (&page, json_node_unref);
  g_clear_pointer (&ids, g_array_unref);

  /* Refusals. */
  g_clear_pointer (&params, g_free);
  params = g_strdup_printf ("{\"customer_id\":%" G_GINT64_FORMAT ",\"due_at\":\"2030-01-01T10:00:00\","
                            "\"kind\":\"call\"}", customer);
  expect_refused (sales, "followups.create", params, "invalid_params", "due_at");
  g_clear_pointer (&params, g_free);
  params = g_strdup_printf ("{\"customer_id\":%" G_GINT64_FORMAT ",\"due_at\":\"tomorrow\",\"kind\":\"call\"}",
                            customer);
  expect_refused (sales, "followups.create", params, "invalid_params", "due_at");
  /* In the year 10000 once in UTC, where the database keeps it. */
  g_clear_pointer (&params, g_free);
  params = g_strdup_printf ("{\"customer_id\":%" G_GINT64_FORMAT ",\"due_at\":\"9999-12-31T23:59:59-12:00\","
                            "\"kind\":\"call\"}", customer);
  expect_refused (sales, "followups.create", params, "invalid_params", "due_at");
  g_clear_pointer (&params, g_free);
  params = g_strdup_printf ("{\"customer_id\":%" G_GINT64_FORMAT ",\"due_at\":\"%s\",\"kind\":\"fax\"}",
                            customer, tomorrow);
  expect_refused (sales, "followups.create", params, "invalid_params", "kind");
  g_clear_pointer (&params, g_free);
  params = g_strdup_printf ("{\"customer_id\":%" G_GINT64_FORMAT ",\"due_at\":\"%s\",\"kind\":\"call\"}",
                            pune_customer, tomorrow);
  expect_refused (sales, "followups.create", params, "not_found", "customer_id");
  g_clear_pointer (&params, g_free);
  params = g_strdup_printf ("{\"customer_id\":%" G_GINT64_FORMAT ",\"due_at\":\"%s\",\"kind\":\"call\","
                            "\"vehicle_id\":%" G_GINT64_FORMAT "}", customer, tomorrow, pune_vehicle);
  expect_refused (sales, "followups.create", params, "not_found", "vehicle_id");
  expect_refused (sales, "followups.list", "{\"due_before\":\"soon\"}", "invalid_params", "due_before");
  expect_refused (sales, "followups.list", "{\"status\":\"late\"}", "invalid_params", "status");

  /* Completing: the assignee, with an outcome; a sales colleague may not take a
   * manager's; another branch does not see it. */
  g_clear_pointer (&params, g_free);
  params = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"outcome\":\"   \"}", sr_test_get_int (overdue, "id"));
  expect_refused (sales, "followups.complete", params, "invalid_params", "outcome");
  g_clear_pointer (&params, g_free);
  params = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"outcome\":\"Called\"}", sr_test_get_int (managers, "id"));
  expect_refused (sales, "followups.complete", params, "forbidden", NULL);
  g_clear_pointer (&params, g_free);
  params = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"outcome\":\"Called\"}", sr_test_get_int (overdue, "id"));
  expect_refused (pune, "followups.complete", params, "not_found", NULL);

  g_clear_pointer (&params, g_free);
  params = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"outcome\":\"Booked a test drive for Saturday\"}",
                            sr_test_get_int (overdue, "id"));
  done = sr_test_call_ok (sales, "followups.complete", params);
  ck_assert_str_eq (sr_test_get_string (done, "status"), "done");
  ck_assert_str_eq (sr_test_get_string (done, "outcome"), "Booked a test drive for Saturday");
  ck_assert_msg (JSON_NODE_HOLDS_VALUE (json_object_get_member (sr_test_object (done), "completed_at")),
                 "completed_at not set");

  again = refused (sales, "followups.complete", params, "already_decided", NULL);
  current = json_node_get_object (json_object_get_member (sr_error_get_extra (again), "current"));
  ck_assert_str_eq (json_object_get_string_member (current, "outcome"), "Booked a test drive for Saturday");

  /* A manager completes anybody's in the branch. */
  g_clear_pointer (&params, g_free);
  params = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"outcome\":\"Customer postponed\"}",
                            sr_test_get_int (later, "id"));
  second = sr_test_call_ok (manager, "followups.complete", params);
  ck_assert_str_eq (sr_test_get_string (second, "status"), "done");

  /* Done ones leave the pending list. */
  page = sr_test_call_ok (sales, "followups.list", "{\"status\":\"pending\"}");
  ids = item_ids (page);
  ck_assert_uint_eq (ids->len, 1);
  ck_assert (ids_contain (ids, sr_test_get_int (managers, "id")));
}
END_TEST

/* --- sales ------------------------------------------------------------------------------ */

START_TEST (test_concurrent_reservations)
{
  SrConnection *connections[N_RESERVERS];
  const char *params[N_RESERVERS];
  JsonNode *results[N_RESERVERS];
  GError *errors[N_RESERVERS];
  g_autoptr(SrConnection) manager = sr_test_connect_as (server, "manager@mumbai.test");
  g_autofree char *status = NULL;
  g_autofree char *via_sql = NULL;
  g_autofree char *version_sql = NULL;
  gint64 vehicle = create_vehicle (manager, "MA3FZEB1S00400001", "1250000.00");
  gint64 customers[N_RESERVERS];
  gint64 winner = 0;
  guint won = 0;
  guint lost = 0;

  for (guint i = 0; i < N_RESERVERS; i++)
    {
      g_autofree char *name = g_strdup_printf ("Buyer %u", i);
      g_autofree char *phone = g_strdup_printf ("98200000%02u", i);

      customers[i] = create_customer (manager, name, phone);
      connections[i] = sr_test_connect_as (server, i % 2 ? "manager@mumbai.test" : "sales@mumbai.test");
      params[i] = g_strdup_printf ("{\"vehicle_id\":%" G_GINT64_FORMAT ",\"customer_id\":%" G_GINT64_FORMAT
                                   ",\"deposit\":\"10000\"}", vehicle, customers[i]);
    }

  sr_test_race (connections, N_RESERVERS, "sales.reserve", params, results, errors);

  for (guint i = 0; i < N_RESERVERS; i++)
    {
      if (results[i] != NULL)
        {
          won++;
          winner = sr_test_get_int (results[i], "id");
          ck_assert_int_eq (sr_test_get_int (results[i], "customer_id"), customers[i]);
          ck_assert_str_eq (sr_test_get_string (results[i], "status"), "reserved");
        }
      else
        {
          ck_assert_msg (g_error_matches (errors[i], SR_ERROR, SR_ERROR_NOT_AVAILABLE),
                         "reserver %u failed with %s", i, errors[i]->message);
          lost++;
        }
    }
  ck_assert_uint_eq (won, 1);
  ck_assert_uint_eq (lost, N_RESERVERS - 1);

  /* One sale, the vehicle reserved once: one version step, one history entry. */
  status = vehicle_status (vehicle);
  ck_assert_str_eq (status, "reserved");
  ck_assert_int_eq (sr_test_query_int (dbname, "SELECT count(*) FROM sales"), 1);
  version_sql = g_strdup_printf ("SELECT version FROM vehicles WHERE id = %" G_GINT64_FORMAT, vehicle);
  ck_assert_int_eq (sr_test_query_int (dbname, version_sql), 2);
  via_sql = g_strdup_printf ("SELECT count(*) FROM change_log WHERE entity = 'vehicle'"
                             " AND entity_id = %" G_GINT64_FORMAT " AND via = 'sale:%" G_GINT64_FORMAT "'",
                             vehicle, winner);
  ck_assert_int_eq (sr_test_query_int (dbname, via_sql), 1);

  for (guint i = 0; i < N_RESERVERS; i++)
    {
      g_clear_pointer (&results[i], json_node_unref);
      g_clear_error (&errors[i]);
      g_object_unref (connections[i]);
      g_free ((char *) params[i]);
    }
}
END_TEST

START_TEST (test_sale_lifecycle)
{
  g_autoptr(SrConnection) manager = sr_test_connect_as (server, "manager@mumbai.test");
  g_autoptr(SrConnection) sales = sr_test_connect_as (server, "sales@mumbai.test");
  g_autoptr(JsonNode) sale = NULL;
  g_autoptr(JsonNode) completed = NULL;
  g_autoptr(JsonNode) history = NULL;
  g_autoptr(JsonNode) fetched = NULL;
  g_autoptr(JsonNode) cancelled = NULL;
  g_autoptr(JsonNode) again = NULL;
  g_autoptr(JsonNode) page = NULL;
  g_autoptr(GArray) ids = NULL;
  g_autoptr(GError) decided = NULL;
  g_autoptr(GError) gone = NULL;
  g_autofree char *params = NULL;
  g_autofree char *status = NULL;
  gint64 customer = create_customer (sales, "Nikhil Rane", "9930000001");
  gint64 car = create_vehicle (manager, "MA3FZEB1S00500001", "845000.00");
  gint64 other = create_vehicle (manager, "MA3FZEB1S00500002", "650000.00");
  gint64 incoming = create_vehicle_full (manager, "MA3FZEB1S00500003", "700000.00",
                                         ",\"status\":\"incoming\"");
  gint64 sale_id;
  JsonObject *item;
  JsonArray *items;

  /* Refusals before anything happens. */
  g_clear_pointer (&params, g_free);
  params = g_strdup_printf ("{\"vehicle_id\":%" G_GINT64_FORMAT ",\"customer_id\":%" G_GINT64_FORMAT
                            ",\"deposit\":\"900000.00\"}", car, customer);
  expect_refused (sales, "sales.reserve", params, "invalid_params", "deposit");
  g_clear_pointer (&params, g_free);
  params = g_strdup_printf ("{\"vehicle_id\":%" G_GINT64_FORMAT ",\"customer_id\":%" G_GINT64_FORMAT
                            ",\"deposit\":\"-5.00\"}", car, customer);
  expect_refused (sales, "sales.reserve", params, "invalid_params", "deposit");
  g_clear_pointer (&params, g_free);
  params = g_strdup_printf ("{\"vehicle_id\":%" G_GINT64_FORMAT "}", car);
  expect_refused (sales, "sales.reserve", params, "invalid_params", "customer_id");
  g_clear_pointer (&params, g_free);
  params = g_strdup_printf ("{\"vehicle_id\":%" G_GINT64_FORMAT ",\"customer_id\":999999}", car);
  expect_refused (sales, "sales.reserve", params, "not_found", "customer_id");
  g_clear_pointer (&params, g_free);
  params = g_strdup_printf ("{\"vehicle_id\":%" G_GINT64_FORMAT ",\"customer_id\":%" G_GINT64_FORMAT "}",
                            incoming, customer);
  gone = refused (sales, "sales.reserve", params, "not_available", NULL);
  ck_assert_str_eq (json_object_get_string_member (json_node_get_object (
    json_object_get_member (sr_error_get_extra (gone), "current")), "status"), "incoming");
  ck_assert_msg (!holds_cost (json_object_get_member (sr_error_get_extra (gone), "current")),
                 "a sales user saw cost in data.current");

  /* Reserve: the vehicle is reserved in the same stroke, under the sale's path. */
  g_clear_pointer (&params, g_free);
  params = g_strdup_printf ("{\"vehicle_id\":%" G_GINT64_FORMAT ",\"customer_id\":%" G_GINT64_FORMAT
                            ",\"deposit\":\"50000\"}", car, customer);
  sale = sr_test_call_ok (sales, "sales.reserve", params);
  sale_id = sr_test_get_int (sale, "id");
  ck_assert_str_eq (sr_test_get_string (sale, "status"), "reserved");
  ck_assert_str_eq (sr_test_get_string (sale, "price"), "845000.00");
  ck_assert_str_eq (sr_test_get_string (sale, "deposit"), "50000.00");
  ck_assert_int_eq (sr_test_get_int (sale, "sold_by.id"), 3);
  ck_assert_int_eq (sr_test_get_int (sale, "vehicle_id"), car);
  ck_assert (JSON_NODE_HOLDS_NULL (json_object_get_member (sr_test_object (sale), "receipt_no")));
  ck_assert (JSON_NODE_HOLDS_NULL (json_object_get_member (sr_test_object (sale), "payment_method")));
  ck_assert_msg (!holds_cost (sale), "a sale shows cost");
  status = vehicle_status (car);
  ck_assert_str_eq (status, "reserved");

  history = sr_test_call_okf (sales, "vehicles.history", "{\"id\":%" G_GINT64_FORMAT "}", car);
  item = json_array_get_object_element (json_object_get_array_member (sr_test_object (history), "items"), 0);
  /* The contract's paths only: the sale's own step is direct, with the sale beside it. */
  ck_assert_str_eq (json_object_get_string_member (item, "via"), "direct");
  ck_assert_int_eq (json_object_get_int_member (item, "sale_id"), sale_id);
  ck_assert_str_eq (json_array_get_string_element (json_object_get_array_member (
    json_object_get_object_member (item, "changes"), "status"), 1), "reserved");
  ck_assert_msg (!holds_cost (history), "history shows cost to sales");

  /* Completing: bad params first. */
  g_clear_pointer (&params, g_free);
  params = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"payment_method\":\"cheque\"}", sale_id);
  expect_refused (sales, "sales.complete", params, "invalid_params", "payment_method");
  g_clear_pointer (&params, g_free);
  params = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT "}", sale_id);
  expect_refused (sales, "sales.complete", params, "invalid_params", "payment_method");
  g_clear_pointer (&params, g_free);
  params = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"payment_method\":\"upi\",\"price\":\"40000.00\"}",
                            sale_id);
  expect_refused (sales, "sales.complete", params, "invalid_params", "price");
  expect_refused (sales, "sales.complete", "{\"id\":999999,\"payment_method\":\"upi\"}", "not_found", NULL);

  g_clear_pointer (&params, g_free);
  params = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"payment_method\":\"upi\",\"price\":\"840000.5\"}",
                            sale_id);
  completed = sr_test_call_ok (sales, "sales.complete", params);
  ck_assert_str_eq (sr_test_get_string (completed, "status"), "completed");
  ck_assert_int_eq (sr_test_get_int (completed, "receipt_no"), 1);
  ck_assert_str_eq (sr_test_get_string (completed, "price"), "840000.50");
  ck_assert_str_eq (sr_test_get_string (completed, "payment_method"), "upi");
  ck_assert_msg (JSON_NODE_HOLDS_VALUE (json_object_get_member (sr_test_object (completed), "completed_at")),
                 "completed_at not set");
  g_clear_pointer (&status, g_free);
  status = vehicle_status (car);
  ck_assert_str_eq (status, "sold");

  /* Decided once: completing or cancelling again is refused, the car stays sold. */
  decided = refused (sales, "sales.complete", params, "already_decided", NULL);
  ck_assert_int_eq (json_object_get_int_member (json_node_get_object (
    json_object_get_member (sr_error_get_extra (decided), "current")), "receipt_no"), 1);
  g_clear_pointer (&params, g_free);
  params = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"reason\":\"changed mind\"}", sale_id);
  expect_refused (manager, "sales.cancel", params, "already_decided", NULL);
  g_clear_pointer (&status, g_free);
  status = vehicle_status (car);
  ck_assert_str_eq (status, "sold");

  /* A sold car cannot be reserved. */
  g_clear_pointer (&params, g_free);
  params = g_strdup_printf ("{\"vehicle_id\":%" G_GINT64_FORMAT ",\"customer_id\":%" G_GINT64_FORMAT "}",
                            car, customer);
  expect_refused (manager, "sales.reserve", params, "not_available", "vehicle_id");

  /* Cancelling a reservation puts the car back in stock, and it can be reserved again. */
  g_clear_pointer (&sale, json_node_unref);
  sale = reserve (sales, other, customer);
  g_clear_pointer (&params, g_free);
  params = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT "}", sr_test_get_int (sale, "id"));
  expect_refused (sales, "sales.cancel", params, "invalid_params", "reason");
  g_clear_pointer (&params, g_free);
  params = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"reason\":\"Loan not approved\"}",
                            sr_test_get_int (sale, "id"));
  cancelled = sr_test_call_ok (sales, "sales.cancel", params);
  ck_assert_str_eq (sr_test_get_string (cancelled, "status"), "cancelled");
  ck_assert_str_eq (sr_test_get_string (cancelled, "cancel_reason"), "Loan not approved");
  ck_assert (JSON_NODE_HOLDS_NULL (json_object_get_member (sr_test_object (cancelled), "receipt_no")));
  g_clear_pointer (&status, g_free);
  status = vehicle_status (other);
  ck_assert_str_eq (status, "in_stock");
  expect_refused (sales, "sales.cancel", params, "already_decided", NULL);
  again = reserve (sales, other, customer);
  ck_assert_str_eq (sr_test_get_string (again, "status"), "reserved");

  /* get and list, with the status filter and the date range. */
  fetched = sr_test_call_okf (sales, "sales.get", "{\"id\":%" G_GINT64_FORMAT "}", sale_id);
  ck_assert_msg (json_node_equal (fetched, completed), "sales.get differs from what complete returned");
  page = sr_test_call_ok (sales, "sales.list", "{\"status\":\"completed\"}");
  ids = item_ids (page);
  ck_assert_uint_eq (ids->len, 1);
  ck_assert (ids_contain (ids, sale_id));
  g_clear_pointer (&page, json_node_unref);
  g_clear_pointer (&ids, g_array_unref);
  page = sr_test_call_ok (sales, "sales.list", NULL);
  items = json_object_get_array_member (sr_test_object (page), "items");
  ck_assert_uint_eq (json_array_get_length (items), 3);
  /* Newest first. */
  ck_assert_int_eq (json_object_get_int_member (json_array_get_object_element (items, 0), "id"),
                    sr_test_get_int (again, "id"));
  g_clear_pointer (&page, json_node_unref);
  page = sr_test_call_ok (sales, "sales.list", "{\"from\":\"2000-01-01\",\"to\":\"2000-12-31\"}");
  ck_assert_uint_eq (json_array_get_length (json_object_get_array_member (sr_test_object (page), "items")), 0);
  expect_refused (sales, "sales.list", "{\"from\":\"2025-02-30\"}", "invalid_params", "from");
  expect_refused (sales, "sales.list", "{\"from\":\"2025-03-02\",\"to\":\"2025-03-01\"}", "invalid_params", "to");
  expect_refused (sales, "sales.list", "{\"status\":\"paid\"}", "invalid_params", "status");
}
END_TEST

START_TEST (test_cross_branch)
{
  g_autoptr(SrConnection) mumbai_sales = sr_test_connect_as (server, "sales@mumbai.test");
  g_autoptr(SrConnection) mumbai_manager = sr_test_connect_as (server, "manager@mumbai.test");
  g_autoptr(SrConnection) pune_manager = sr_test_connect_as (server, "manager@pune.test");
  g_autoptr(SrConnection) pune_sales = sr_test_connect_as (server, "sales@pune.test");
  g_autoptr(SrConnection) admin = sr_test_connect_as (server, "admin@mumbai.test");
  g_autoptr(JsonNode) sale = NULL;
  g_autoptr(JsonNode) page = NULL;
  g_autofree char *params = NULL;
  g_autofree char *status = NULL;
  gint64 our_customer = create_customer (mumbai_sales, "Pooja Shetty", "9821000001");
  gint64 their_customer = create_customer (pune_sales, "Aditya Kale", "9821000002");
  gint64 our_car = create_vehicle (mumbai_manager, "MA3FZEB1S00600001", "900000.00");
  gint64 their_car = create_vehicle (pune_manager, "MA3FZEB1S00600002", "900000.00");

  params = g_strdup_printf ("{\"vehicle_id\":%" G_GINT64_FORMAT ",\"customer_id\":%" G_GINT64_FORMAT "}",
                            their_car, our_customer);
  expect_refused (mumbai_sales, "sales.reserve", params, "not_found", "vehicle_id");
  g_clear_pointer (&params, g_free);
  params = g_strdup_printf ("{\"vehicle_id\":%" G_GINT64_FORMAT ",\"customer_id\":%" G_GINT64_FORMAT "}",
                            our_car, their_customer);
  expect_refused (mumbai_sales, "sales.reserve", params, "not_found", "customer_id");
  /* An administrator sees both, and still cannot sell Pune's car to a Mumbai customer. */
  g_clear_pointer (&params, g_free);
  params = g_strdup_printf ("{\"vehicle_id\":%" G_GINT64_FORMAT ",\"customer_id\":%" G_GINT64_FORMAT "}",
                            their_car, our_customer);
  expect_refused (admin, "sales.reserve", params, "other_branch", "customer_id");
  status = vehicle_status (their_car);
  ck_assert_str_eq (status, "in_stock");

  sale = reserve (mumbai_sales, our_car, our_customer);
  g_clear_pointer (&params, g_free);
  params = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT "}", sr_test_get_int (sale, "id"));
  expect_refused (pune_sales, "sales.get", params, "not_found", NULL);
  g_clear_pointer (&params, g_free);
  params = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"payment_method\":\"cash\"}", sr_test_get_int (sale, "id"));
  expect_refused (pune_manager, "sales.complete", params, "not_found", NULL);
  g_clear_pointer (&params, g_free);
  params = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"reason\":\"no\"}", sr_test_get_int (sale, "id"));
  expect_refused (pune_manager, "sales.cancel", params, "not_found", NULL);
  page = sr_test_call_ok (pune_sales, "sales.list", NULL);
  ck_assert_uint_eq (json_array_get_length (json_object_get_array_member (sr_test_object (page), "items")), 0);
}
END_TEST

START_TEST (test_receipts_gap_free)
{
  SrConnection *connections[N_RECEIPTS];
  const char *params[N_RECEIPTS];
  JsonNode *results[N_RECEIPTS];
  GError *errors[N_RECEIPTS];
  g_autoptr(SrConnection) manager = sr_test_connect_as (server, "manager@mumbai.test");
  g_autoptr(SrConnection) pune = sr_test_connect_as (server, "manager@pune.test");
  g_autoptr(JsonNode) late = NULL;
  g_autoptr(JsonNode) late_sale = NULL;
  g_autofree char *numbers = NULL;
  g_autofree char *late_params = NULL;
  g_autoptr(JsonNode) moved_sale = NULL;
  g_autofree char *moved_params = NULL;
  gint64 customer = create_customer (manager, "Fleet Buyer Pvt Ltd", "02240000001");
  gint64 pune_customer = create_customer (pune, "Pune Fleet LLP", "02040000001");
  gint64 seen[N_RECEIPTS + 1] = { 0 };

  /* Ten reservations in Mumbai, completed all at once; Pune sells two meanwhile. */
  for (guint i = 0; i < N_RECEIPTS; i++)
    {
      g_autofree char *vin = g_strdup_printf ("MA3FZEB1S007000%02u", i);
      g_autoptr(JsonNode) sale = reserve (manager, create_vehicle (manager, vin, "500000.00"), customer);

      connections[i] = sr_test_connect_as (server, i % 2 ? "manager@mumbai.test" : "sales@mumbai.test");
      params[i] = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"payment_method\":\"bank_transfer\"}",
                                   sr_test_get_int (sale, "id"));
    }
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *vin = g_strdup_printf ("MA3FZEB1S008000%02u", i);
      g_autoptr(JsonNode) sale = reserve (pune, create_vehicle (pune, vin, "500000.00"), pune_customer);
      g_autoptr(JsonNode) done = sr_test_call_okf (pune, "sales.complete",
        "{\"id\":%" G_GINT64_FORMAT ",\"payment_method\":\"cash\"}", sr_test_get_int (sale, "id"));

      ck_assert_int_eq (sr_test_get_int (done, "receipt_no"), i + 1);
    }

  sr_test_race (connections, N_RECEIPTS, "sales.complete", params, results, errors);

  for (guint i = 0; i < N_RECEIPTS; i++)
    {
      gint64 number;

      ck_assert_msg (results[i] != NULL, "completion %u failed: %s", i, errors[i]->message);
      number = sr_test_get_int (results[i], "receipt_no");
      ck_assert_msg (number >= 1 && number <= N_RECEIPTS, "receipt number %" G_GINT64_FORMAT, number);
      ck_assert_msg (seen[number] == 0, "receipt number %" G_GINT64_FORMAT " given twice", number);
      seen[number] = 1;
    }
  numbers = sr_test_query (dbname,
    "SELECT string_agg(receipt_no::text, ',' ORDER BY receipt_no) FROM sales WHERE branch_id = 1");
  ck_assert_str_eq (numbers, "1,2,3,4,5,6,7,8,9,10");

  /* A refused completion takes no number, even one refused after its number was
   * drawn (the car was put back in stock by hand): the next one is 11. */
  expect_refused (manager, "sales.complete", params[0], "already_decided", NULL);
  moved_sale = reserve (manager, create_vehicle (manager, "MA3FZEB1S00900002", "500000.00"), customer);
  sr_test_execf (dbname, "UPDATE vehicles SET status = 'in_stock' WHERE id = %" G_GINT64_FORMAT,
                 sr_test_get_int (moved_sale, "vehicle_id"));
  moved_params = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"payment_method\":\"cash\"}",
                                  sr_test_get_int (moved_sale, "id"));
  expect_refused (manager, "sales.complete", moved_params, "not_available", "vehicle_id");
  late_sale = reserve (manager, create_vehicle (manager, "MA3FZEB1S00900001", "500000.00"), customer);
  late_params = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"payment_method\":\"cash\",\"price\":\"1\"}",
                                 sr_test_get_int (late_sale, "id"));
  late = sr_test_call_ok (manager, "sales.complete", late_params);
  ck_assert_int_eq (sr_test_get_int (late, "receipt_no"), N_RECEIPTS + 1);

  for (guint i = 0; i < N_RECEIPTS; i++)
    {
      g_clear_pointer (&results[i], json_node_unref);
      g_clear_error (&errors[i]);
      g_object_unref (connections[i]);
      g_free ((char *) params[i]);
    }
}
END_TEST

/* --- reports.summary ------------------------------------------------------------------- */

static void
check_summary_matches_rows (JsonNode *summary,
                            int       branch)
{
  g_autofree char *where = branch ? g_strdup_printf ("branch_id = %d", branch) : g_strdup ("true");
  g_autofree char *value = sr_test_queryf (dbname,
    "SELECT coalesce(sum(price), 0)::numeric(20,2) FROM vehicles WHERE %s AND status <> 'sold'", where);
  g_autofree char *in_stock = sr_test_queryf (dbname,
    "SELECT count(*) FROM vehicles WHERE %s AND status = 'in_stock'", where);
  g_autofree char *pending = sr_test_queryf (dbname,
    "SELECT count(*) FROM pending_edits WHERE %s AND status = 'pending'", where);

  ck_assert_str_eq (sr_test_get_string (summary, "stock.value"), value);
  ck_assert_int_eq (sr_test_get_int (summary, "stock.by_status.in_stock"), g_ascii_strtoll (in_stock, NULL, 10));
  ck_assert_int_eq (sr_test_get_int (summary, "edits.pending"), g_ascii_strtoll (pending, NULL, 10));
}

START_TEST (test_summary)
{
  g_autoptr(SrConnection) manager = sr_test_connect_as (server, "manager@mumbai.test");
  g_autoptr(SrConnection) sales = sr_test_connect_as (server, "sales@mumbai.test");
  g_autoptr(SrConnection) pune = sr_test_connect_as (server, "manager@pune.test");
  g_autoptr(SrConnection) pune_sales = sr_test_connect_as (server, "sales@pune.test");
  g_autoptr(SrConnection) admin = sr_test_connect_as (server, "admin@mumbai.test");
  g_autoptr(JsonNode) summary = NULL;
  g_autoptr(JsonNode) empty_range = NULL;
  g_autoptr(JsonNode) today_range = NULL;
  g_autoptr(JsonNode) everything = NULL;
  g_autoptr(JsonNode) pune_summary = NULL;
  g_autoptr(JsonNode) sold_sale = NULL;
  g_autoptr(JsonNode) done = NULL;
  g_autoptr(JsonNode) edit = NULL;
  g_autoptr(JsonNode) pune_edit = NULL;
  g_autoptr(JsonNode) held = NULL;
  g_autofree char *ten_days_ago = date_from_today (-10);
  g_autofree char *twenty_days_ago = date_from_today (-20);
  g_autofree char *thirty_days_ago = date_from_today (-30);
  g_autofree char *today = date_from_today (0);
  g_autofree char *tomorrow = date_from_today (1);
  g_autofree char *extra = NULL;
  g_autofree char *params = NULL;
  gint64 customer = create_customer (manager, "Zoya Khan", "9811000001");
  gint64 pune_customer = create_customer (pune, "Sachin Gore", "9811000002");
  gint64 in_stock;
  gint64 reserved;
  gint64 sold;
  gint64 pune_car;

  /* Mumbai: in stock 500000 (10 days), incoming 300000 (today), reserved 700000 (20
   * days), sold 900000 for 880000 (30 days). Pune: one car of 1000000, reserved. */
  extra = g_strdup_printf (",\"arrived_on\":\"%s\"", ten_days_ago);
  in_stock = create_vehicle_full (manager, "MA3FZEB1S01000001", "500000.00", extra);
  g_clear_pointer (&extra, g_free);
  extra = g_strdup_printf (",\"arrived_on\":\"%s\",\"status\":\"incoming\"", today);
  create_vehicle_full (manager, "MA3FZEB1S01000002", "300000.00", extra);
  g_clear_pointer (&extra, g_free);
  extra = g_strdup_printf (",\"arrived_on\":\"%s\"", twenty_days_ago);
  reserved = create_vehicle_full (manager, "MA3FZEB1S01000003", "700000.00", extra);
  g_clear_pointer (&extra, g_free);
  extra = g_strdup_printf (",\"arrived_on\":\"%s\"", thirty_days_ago);
  sold = create_vehicle_full (manager, "MA3FZEB1S01000004", "900000.00", extra);
  pune_car = create_vehicle (pune, "MA3FZEB1S01000005", "1000000.00");

  held = reserve (sales, reserved, customer);
  sold_sale = reserve (sales, sold, customer);
  done = sr_test_call_okf (sales, "sales.complete",
    "{\"id\":%" G_GINT64_FORMAT ",\"payment_method\":\"finance\",\"price\":\"880000.00\"}",
    sr_test_get_int (sold_sale, "id"));
  g_clear_pointer (&held, json_node_unref);
  held = reserve (pune_sales, pune_car, pune_customer);
  edit = sr_test_call_okf (sales, "edits.propose",
    "{\"vehicle_id\":%" G_GINT64_FORMAT ",\"base_version\":1,\"changes\":{\"price\":\"495000.00\"}}", in_stock);
  pune_edit = sr_test_call_okf (pune_sales, "edits.propose",
    "{\"vehicle_id\":%" G_GINT64_FORMAT ",\"base_version\":2,\"changes\":{\"location\":\"Yard\"}}", pune_car);

  summary = sr_test_call_ok (sales, "reports.summary", NULL);
  ck_assert_int_eq (sr_test_get_int (summary, "stock.by_status.incoming"), 1);
  ck_assert_int_eq (sr_test_get_int (summary, "stock.by_status.in_stock"), 1);
  ck_assert_int_eq (sr_test_get_int (summary, "stock.by_status.reserved"), 1);
  ck_assert_int_eq (sr_test_get_int (summary, "stock.by_status.sold"), 1);
  ck_assert_str_eq (sr_test_get_string (summary, "stock.value"), "1500000.00");
  ck_assert_msg (json_node_get_double (json_object_get_member (json_object_get_object_member (
                   sr_test_object (summary), "stock"), "avg_age_days")) == 10.0,
                 "average age is not 10 days");
  ck_assert_int_eq (sr_test_get_int (summary, "sales.count"), 1);
  ck_assert_str_eq (sr_test_get_string (summary, "sales.revenue"), "880000.00");
  ck_assert_int_eq (sr_test_get_int (summary, "edits.pending"), 1);
  ck_assert_msg (!holds_cost (summary), "the summary shows cost");
  check_summary_matches_rows (summary, 1);

  /* The date range bounds the sales, not the stock. */
  params = g_strdup_printf ("{\"from\":\"%s\",\"to\":\"%s\"}", today, today);
  today_range = sr_test_call_ok (manager, "reports.summary", params);
  ck_assert_int_eq (sr_test_get_int (today_range, "sales.count"), 1);
  g_clear_pointer (&params, g_free);
  params = g_strdup_printf ("{\"from\":\"%s\"}", tomorrow);
  empty_range = sr_test_call_ok (manager, "reports.summary", params);
  ck_assert_int_eq (sr_test_get_int (empty_range, "sales.count"), 0);
  ck_assert_str_eq (sr_test_get_string (empty_range, "sales.revenue"), "0.00");
  ck_assert_str_eq (sr_test_get_string (empty_range, "stock.value"), "1500000.00");

  /* Another branch's figures are not for Mumbai's staff. */
  expect_refused (sales, "reports.summary", "{\"branch_id\":2}", "other_branch", "branch_id");
  expect_refused (manager, "reports.summary", "{\"from\":\"2025-13-01\"}", "invalid_params", "from");
  g_clear_pointer (&params, g_free);
  params = g_strdup_printf ("{\"from\":\"%s\",\"to\":\"%s\"}", today, ten_days_ago);
  expect_refused (manager, "reports.summary", params, "invalid_params", "to");

  /* An administrator: every branch, or the one asked for. */
  everything = sr_test_call_ok (admin, "reports.summary", NULL);
  ck_assert_int_eq (sr_test_get_int (everything, "stock.by_status.reserved"), 2);
  ck_assert_str_eq (sr_test_get_string (everything, "stock.value"), "2500000.00");
  ck_assert_int_eq (sr_test_get_int (everything, "edits.pending"), 2);
  check_summary_matches_rows (everything, 0);
  pune_summary = sr_test_call_ok (admin, "reports.summary", "{\"branch_id\":2}");
  ck_assert_int_eq (sr_test_get_int (pune_summary, "stock.by_status.reserved"), 1);
  ck_assert_str_eq (sr_test_get_string (pune_summary, "stock.value"), "1000000.00");
  ck_assert_int_eq (sr_test_get_int (pune_summary, "sales.count"), 0);
  check_summary_matches_rows (pune_summary, 2);

  /* A car due next month counts as in stock for no days, not for minus thirty: Mumbai's
   * unsold cars are now 10, 0, 20 and 0 days old. */
  {
    g_autofree char *in_thirty_days = date_from_today (30);
    g_autofree char *next_month = g_strdup_printf (",\"arrived_on\":\"%s\",\"status\":\"incoming\"",
                                                   in_thirty_days);
    g_autoptr(JsonNode) later = NULL;

    create_vehicle_full (manager, "MA3FZEB1S01000006", "100000.00", next_month);
    later = sr_test_call_ok (manager, "reports.summary", NULL);
    ck_assert_msg (json_node_get_double (json_object_get_member (json_object_get_object_member (
                     sr_test_object (later), "stock"), "avg_age_days")) == 7.5,
                   "average age is not 7.5 days");
  }
}
END_TEST

/* --- events ---------------------------------------------------------------------------- */

START_TEST (test_events_by_branch)
{
  g_autoptr(SrConnection) manager = sr_test_connect_as (server, "manager@mumbai.test");
  g_autoptr(SrConnection) sales = sr_test_connect_as (server, "sales@mumbai.test");
  g_autoptr(SrConnection) pune = sr_test_connect_as (server, "manager@pune.test");
  g_autoptr(JsonNode) followup = NULL;
  g_autoptr(JsonNode) sale = NULL;
  g_autoptr(JsonNode) completed = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *tomorrow = time_from_now (1);
  SrTestWatcher mumbai = { 0 };
  SrTestWatcher mumbai_manager = { 0 };
  SrTestWatcher pune_watch = { 0 };
  JsonObject *event;
  gint64 customer;
  gint64 car;
  gint64 pune_customer;

  sr_test_watcher_start (&mumbai, server, "sales@mumbai.test");
  sr_test_watcher_start (&mumbai_manager, server, "manager@mumbai.test");
  sr_test_watcher_start (&pune_watch, server, "sales@pune.test");

  car = create_vehicle (manager, "MA3FZEB1S01100001", "845000.00");
  customer = create_customer (sales, "Ishaan Verma", "9833000001");
  followup = sr_test_call_okf (sales, "followups.create",
    "{\"customer_id\":%" G_GINT64_FORMAT ",\"due_at\":\"%s\",\"kind\":\"sms\"}", customer, tomorrow);
  sale = reserve (sales, car, customer);
  completed = sr_test_call_okf (sales, "sales.complete",
    "{\"id\":%" G_GINT64_FORMAT ",\"payment_method\":\"card\"}", sr_test_get_int (sale, "id"));

  /* The branch's sales user hears all of it, the vehicle without cost. */
  event = sr_test_watcher_await (&mumbai, "customer", customer, NULL);
  ck_assert_str_eq (json_object_get_string_member (event, "op"), "insert");
  ck_assert_str_eq (json_object_get_string_member (json_object_get_object_member (event, "data"), "name"),
                    "Ishaan Verma");
  event = sr_test_watcher_await (&mumbai, "followup", sr_test_get_int (followup, "id"), "pending");
  ck_assert_str_eq (json_object_get_string_member (event, "op"), "insert");
  event = sr_test_watcher_await (&mumbai, "sale", sr_test_get_int (sale, "id"), "reserved");
  ck_assert_str_eq (json_object_get_string_member (event, "op"), "insert");
  event = sr_test_watcher_await (&mumbai, "sale", sr_test_get_int (sale, "id"), "completed");
  ck_assert_str_eq (json_object_get_string_member (event, "op"), "update");
  ck_assert_int_eq (json_object_get_int_member (json_object_get_object_member (event, "data"), "receipt_no"), 1);
  event = sr_test_watcher_await (&mumbai, "vehicle", car, "sold");
  ck_assert_msg (!json_object_has_member (json_object_get_object_member (event, "data"), "cost"),
                 "a sales user's vehicle event carries cost");
  for (guint i = 0; i < mumbai.events->len; i++)
    {
      node = json_node_init_object (json_node_alloc (), g_ptr_array_index (mumbai.events, i));
      ck_assert_msg (!holds_cost (node), "a sales user's event shows cost");
      g_clear_pointer (&node, json_node_unref);
    }

  /* The branch's manager sees the cost. */
  event = sr_test_watcher_await (&mumbai_manager, "vehicle", car, "sold");
  ck_assert_msg (json_object_has_member (json_object_get_object_member (event, "data"), "cost"),
                 "a manager's vehicle event lacks cost");
  sr_test_watcher_await (&mumbai_manager, "sale", sr_test_get_int (sale, "id"), "completed");

  /* Pune hears its own change, made after all of Mumbai's, and none of Mumbai's. */
  pune_customer = create_customer (pune, "Pune Walk-in", "9833000002");
  sr_test_watcher_await (&pune_watch, "customer", pune_customer, NULL);
  ck_assert_msg (!saw_any (&pune_watch, "customer", customer), "Pune saw Mumbai's customer");
  ck_assert_msg (!saw_any (&pune_watch, "followup", sr_test_get_int (followup, "id")), "Pune saw a follow-up");
  ck_assert_msg (!saw_any (&pune_watch, "sale", sr_test_get_int (sale, "id")), "Pune saw Mumbai's sale");
  ck_assert_msg (!saw_any (&pune_watch, "vehicle", car), "Pune saw Mumbai's vehicle");

  sr_test_watcher_stop (&mumbai);
  sr_test_watcher_stop (&mumbai_manager);
  sr_test_watcher_stop (&pune_watch);
}
END_TEST

int
main (void)
{
  Suite *suite = suite_create ("sales");
  TCase *customers = tcase_create ("customers");
  TCase *followups = tcase_create ("followups");
  TCase *sales = tcase_create ("sales");
  TCase *races = tcase_create ("races");
  TCase *reports = tcase_create ("reports");
  SRunner *runner;
  int failed;

  sr_test_init ();

  tcase_add_checked_fixture (customers, setup, teardown);
  tcase_add_test (customers, test_customer_create_and_rules);
  tcase_add_test (customers, test_customer_update_and_search);
  tcase_add_test (customers, test_customer_branch_scoping);
  suite_add_tcase (suite, customers);

  tcase_add_checked_fixture (followups, setup, teardown);
  tcase_add_test (followups, test_followup_lifecycle);
  suite_add_tcase (suite, followups);

  tcase_add_checked_fixture (sales, setup, teardown);
  tcase_add_test (sales, test_sale_lifecycle);
  tcase_add_test (sales, test_cross_branch);
  tcase_add_test (sales, test_events_by_branch);
  suite_add_tcase (suite, sales);

  tcase_add_checked_fixture (races, setup, teardown);
  tcase_add_test (races, test_concurrent_reservations);
  tcase_add_test (races, test_receipts_gap_free);
  suite_add_tcase (suite, races);

  tcase_add_checked_fixture (reports, setup, teardown);
  tcase_add_test (reports, test_summary);
  suite_add_tcase (suite, reports);

  runner = srunner_create (suite);
  srunner_run_all (runner, CK_NORMAL);
  failed = srunner_ntests_failed (runner);
  srunner_free (runner);

  return failed == 0 ? 0 : 1;
}
