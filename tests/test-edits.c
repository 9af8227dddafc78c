/* test-edits.c: pending edits against a real showroomd: proposals checked like updates,
 * who sees and decides what (branch, four eyes, roles), stale proposals applying
 * nothing, exactly one winner among concurrent approvals, rejection and withdrawal,
 * and the live events that tell proposer and managers. */
#define G_LOG_DOMAIN "test-edits"

#include "config.h"

#include <check.h>
#include <string.h>

#include "sr-error.h"
#include "sr-rpc.h"
#include "sr-test-server.h"

#define N_APPROVERS 10

static char *dbname;
static char *conninfo;
static SrTestServer *server;

static const char *const edit_members[] = {
  "id", "vehicle_id", "batch_id", "proposed_by", "base_version", "changes", "reason",
  "status", "decided_by", "decided_at", "note", "created_at", NULL
};

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
create_vehicle (SrConnection *connection,
                const char   *vin,
                const char   *price)
{
  g_autoptr(JsonNode) vehicle = sr_test_call_okf (connection, "vehicles.create",
    "{\"vin\":\"%s\",\"make\":\"Hyundai\",\"model\":\"Creta\",\"year\":2023,"
    "\"price\":\"%s\",\"cost\":\"900000.00\"}", vin, price);

  return sr_test_get_int (vehicle, "id");
}

static JsonNode *
propose (SrConnection *connection,
         gint64        vehicle_id,
         gint64        version,
         const char   *changes)
{
  return sr_test_call_okf (connection, "edits.propose",
                           "{\"vehicle_id\":%" G_GINT64_FORMAT ",\"base_version\":%" G_GINT64_FORMAT
                           ",\"changes\":%s,\"reason\":\"customer asked\"}",
                           vehicle_id, version, changes);
}

static JsonNode *
get_vehicle (SrConnection *connection,
             gint64        id)
{
  return sr_test_call_okf (connection, "vehicles.get", "{\"id\":%" G_GINT64_FORMAT "}", id);
}

static char *
edit_status (gint64 id)
{
  return sr_test_queryf (dbname, "SELECT status FROM pending_edits WHERE id = %" G_GINT64_FORMAT, id);
}

static JsonNode *
first_of (JsonNode   *result,
          const char *member)
{
  JsonArray *array = json_object_get_array_member (sr_test_object (result), member);

  ck_assert_msg (array != NULL && json_array_get_length (array) > 0, "no %s in the result", member);
  return json_array_get_element (array, 0);
}

/* The call fails with @reason, and changes neither the vehicles nor the edits nor the
 * log. */
static GError *
refused (SrConnection *connection,
         const char   *method,
         const char   *params,
         const char   *reason)
{
  g_autofree char *before = sr_test_query (dbname,
    "SELECT md5(coalesce(string_agg(v::text, ',' ORDER BY v.id), '')) FROM vehicles v");
  g_autofree char *edits_before = sr_test_query (dbname,
    "SELECT md5(coalesce(string_agg(e::text, ',' ORDER BY e.id), '')) FROM pending_edits e");
  gint64 changes = sr_test_count (dbname, "change_log");
  g_autofree char *after = NULL;
  g_autofree char *edits_after = NULL;
  GError *error = sr_test_call_fails (connection, method, params, reason);

  after = sr_test_query (dbname,
    "SELECT md5(coalesce(string_agg(v::text, ',' ORDER BY v.id), '')) FROM vehicles v");
  edits_after = sr_test_query (dbname,
    "SELECT md5(coalesce(string_agg(e::text, ',' ORDER BY e.id), '')) FROM pending_edits e");
  ck_assert_msg (g_str_equal (before, after), "%s %s changed a vehicle", method, params);
  ck_assert_msg (g_str_equal (edits_before, edits_after), "%s %s changed an edit", method, params);
  ck_assert_msg (sr_test_count (dbname, "change_log") == changes, "%s %s was logged", method, params);

  return error;
}

static void
expect_refused (SrConnection *connection,
                const char   *method,
                const char   *params,
                const char   *reason)
{
  g_error_free (refused (connection, method, params, reason));
}

static void
refused_field (SrConnection *connection,
               const char   *method,
               const char   *params,
               const char   *reason,
               const char   *field)
{
  g_autoptr(GError) error = refused (connection, method, params, reason);

  ck_assert_msg (g_strcmp0 (sr_error_get_field (error), field) == 0,
                 "%s %s: data.field is %s, expected %s", method, params,
                 sr_error_get_field (error) ? sr_error_get_field (error) : "(none)", field);
}

/* --- proposing ------------------------------------------------------------------------ */

START_TEST (test_propose)
{
  g_autoptr(SrConnection) manager = sr_test_connect_as (server, "manager@mumbai.test");
  g_autoptr(SrConnection) sales = sr_test_connect_as (server, "sales@mumbai.test");
  g_autoptr(JsonNode) edit = NULL;
  g_autoptr(JsonNode) vehicle = NULL;
  JsonObject *object;
  JsonObject *proposer;
  gint64 id = create_vehicle (manager, "MA3FZEB1S00200001", "845000.00");
  gint64 logged = sr_test_count (dbname, "change_log");

  edit = propose (sales, id, 1, "{\"price\":\"829000.00\",\"location\":\"Front row\"}");
  object = sr_test_object (edit);
  for (guint i = 0; edit_members[i] != NULL; i++)
    ck_assert_msg (json_object_has_member (object, edit_members[i]), "no member %s", edit_members[i]);
  ck_assert_int_eq (json_object_get_int_member (object, "vehicle_id"), id);
  ck_assert_int_eq (json_object_get_int_member (object, "base_version"), 1);
  ck_assert_str_eq (json_object_get_string_member (object, "status"), "pending");
  ck_assert_str_eq (json_object_get_string_member (object, "reason"), "customer asked");
  ck_assert (json_object_get_null_member (object, "batch_id"));
  ck_assert (json_object_get_null_member (object, "decided_by"));
  ck_assert (json_object_get_null_member (object, "decided_at"));
  proposer = json_object_get_object_member (object, "proposed_by");
  ck_assert_int_eq (json_object_get_int_member (proposer, "id"), 3);
  ck_assert_str_eq (json_object_get_string_member (proposer, "name"), "Mumbai Sales");
  ck_assert_str_eq (sr_test_get_string (edit, "changes.price"), "829000.00");
  ck_assert_str_eq (sr_test_get_string (edit, "changes.location"), "Front row");

  /* Proposing changes nothing yet; the proposal itself is logged. */
  vehicle = get_vehicle (manager, id);
  ck_assert_str_eq (sr_test_get_string (vehicle, "price"), "845000.00");
  ck_assert_int_eq (sr_test_get_int (vehicle, "version"), 1);
  ck_assert_int_eq (sr_test_count (dbname, "change_log"), logged + 1);
  {
    g_autofree char *entity = sr_test_query (dbname, "SELECT entity FROM change_log ORDER BY seq DESC LIMIT 1");
    ck_assert_str_eq (entity, "pending_edit");
  }
}
END_TEST

START_TEST (test_propose_refusals)
{
  g_autoptr(SrConnection) manager = sr_test_connect_as (server, "manager@mumbai.test");
  g_autoptr(SrConnection) sales = sr_test_connect_as (server, "sales@mumbai.test");
  g_autoptr(SrConnection) pune = sr_test_connect_as (server, "sales@pune.test");
  g_autoptr(GError) conflict = NULL;
  g_autoptr(JsonNode) updated = NULL;
  g_autofree char *params = NULL;
  JsonObject *extra;
  gint64 id = create_vehicle (manager, "MA3FZEB1S00200002", "845000.00");

#define P(changes) \
  g_strdup_printf ("{\"vehicle_id\":%" G_GINT64_FORMAT ",\"base_version\":1,\"changes\":%s}", id, changes)
  {
    const struct { const char *changes; const char *reason; const char *field; } bad[] = {
      { "{\"price\":\"-5.00\"}", "invalid_params", "changes.price" },
      { "{\"price\":\"12.345\"}", "invalid_params", "changes.price" },
      { "{\"price\":845000}", "invalid_params", "changes.price" },
      { "{\"vin\":\"MA3FZEB1S0020000O\"}", "invalid_vin", "changes.vin" },
      { "{\"year\":1850}", "invalid_params", "changes.year" },
      { "{\"status\":\"stolen\"}", "invalid_params", "changes.status" },
      { "{\"fuel\":\"coal\"}", "invalid_params", "changes.fuel" },
      { "{\"stock_no\":\"X1\"}", "invalid_params", "changes.stock_no" },
      { "{\"version\":7}", "invalid_params", "changes.version" },
      { "{\"wheels\":4}", "invalid_params", "changes.wheels" },
      { "{\"make\":\"   \"}", "invalid_params", "changes.make" },
      { "{\"notes\":null}", "invalid_params", "changes.notes" },
      { "{}", "invalid_params", "changes" },
      { "{\"cost\":\"1.00\"}", "forbidden", "changes.cost" },
      { "{\"branch_id\":2}", "other_branch", "changes.branch_id" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autofree char *text = P (bad[i].changes);
        refused_field (sales, "edits.propose", text, bad[i].reason, bad[i].field);
      }
  }
#undef P

  refused_field (sales, "edits.propose", "{\"base_version\":1,\"changes\":{\"notes\":\"x\"}}",
                 "invalid_params", "vehicle_id");
  params = g_strdup_printf ("{\"vehicle_id\":%" G_GINT64_FORMAT ",\"changes\":{\"notes\":\"x\"}}", id);
  refused_field (sales, "edits.propose", params, "invalid_params", "base_version");
  g_free (params);
  params = g_strdup_printf ("{\"vehicle_id\":%" G_GINT64_FORMAT ",\"base_version\":1,\"changes\":[1]}", id);
  refused_field (sales, "edits.propose", params, "invalid_params", "changes");
  g_free (params);
  params = g_strdup_printf ("{\"vehicle_id\":%" G_GINT64_FORMAT ",\"base_version\":1,"
                            "\"changes\":{\"notes\":\"x\"},\"reason\":7}", id);
  refused_field (sales, "edits.propose", params, "invalid_params", "reason");
  g_free (params);

  /* Another branch's vehicle is not there for them. */
  params = g_strdup_printf ("{\"vehicle_id\":%" G_GINT64_FORMAT ",\"base_version\":1,"
                            "\"changes\":{\"notes\":\"mine now\"}}", id);
  g_clear_error (&conflict);
  conflict = refused (pune, "edits.propose", params, "not_found");
  g_clear_error (&conflict);
  conflict = refused (sales, "edits.propose",
                      "{\"vehicle_id\":999999,\"base_version\":1,\"changes\":{\"notes\":\"x\"}}",
                      "not_found");

  /* A proposal against a version that is gone: the proposer is shown the vehicle now. */
  updated = sr_test_call_okf (manager, "vehicles.update",
                              "{\"id\":%" G_GINT64_FORMAT ",\"version\":1,\"changes\":{\"color\":\"Red\"}}", id);
  g_clear_error (&conflict);
  conflict = refused (sales, "edits.propose", params, "version_conflict");
  extra = sr_error_get_extra (conflict);
  ck_assert (extra != NULL && json_object_has_member (extra, "current"));
  ck_assert_int_eq (sr_test_get_int (json_object_get_member (extra, "current"), "version"), 2);
  ck_assert_str_eq (sr_test_get_string (json_object_get_member (extra, "current"), "color"), "Red");
  ck_assert (!json_object_has_member (json_node_get_object (json_object_get_member (extra, "current")),
                                      "cost"));

  ck_assert_int_eq (sr_test_count (dbname, "pending_edits"), 0);
}
END_TEST

/* --- listing -------------------------------------------------------------------------- */

static guint
list_length (JsonNode *page)
{
  return json_array_get_length (json_object_get_array_member (sr_test_object (page), "items"));
}

START_TEST (test_list_scoped)
{
  g_autoptr(SrConnection) admin = sr_test_connect_as (server, "admin@mumbai.test");
  g_autoptr(SrConnection) manager = sr_test_connect_as (server, "manager@mumbai.test");
  g_autoptr(SrConnection) sales = sr_test_connect_as (server, "sales@mumbai.test");
  g_autoptr(SrConnection) pune_manager = sr_test_connect_as (server, "manager@pune.test");
  g_autoptr(SrConnection) pune_sales = sr_test_connect_as (server, "sales@pune.test");
  g_autoptr(JsonNode) page = NULL;
  g_autoptr(JsonNode) second = NULL;
  g_autoptr(JsonNode) cost_edit = NULL;
  g_autofree char *params = NULL;
  gint64 mumbai = create_vehicle (manager, "MA3FZEB1S00200003", "500000.00");
  gint64 pune = create_vehicle (pune_manager, "MA3FZEB1S00200004", "600000.00");
  gint64 cost_id;

  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *changes = g_strdup_printf ("{\"notes\":\"mumbai %u\"}", i);
      json_node_unref (propose (sales, mumbai, 1, changes));
    }
  json_node_unref (propose (pune_sales, pune, 1, "{\"notes\":\"pune\"}"));
  cost_edit = propose (manager, mumbai, 1, "{\"cost\":\"450000.00\",\"notes\":\"cost fix\"}");
  cost_id = sr_test_get_int (cost_edit, "id");

  /* Each branch sees its own; the admin sees both. */
  page = sr_test_call_ok (manager, "edits.list", NULL);
  ck_assert_uint_eq (list_length (page), 4);
  g_clear_pointer (&page, json_node_unref);
  page = sr_test_call_ok (pune_manager, "edits.list", NULL);
  ck_assert_uint_eq (list_length (page), 1);
  ck_assert_int_eq (sr_test_get_int (first_of (page, "items"), "vehicle_id"), pune);
  g_clear_pointer (&page, json_node_unref);
  page = sr_test_call_ok (admin, "edits.list", NULL);
  ck_assert_uint_eq (list_length (page), 5);
  g_clear_pointer (&page, json_node_unref);

  /* Newest first; a manager's proposed cost is not shown to sales. */
  page = sr_test_call_ok (sales, "edits.list", NULL);
  ck_assert_uint_eq (list_length (page), 4);
  ck_assert_int_eq (sr_test_get_int (first_of (page, "items"), "id"), cost_id);
  ck_assert (!json_object_has_member (json_node_get_object (
               json_object_get_member (sr_test_object (first_of (page, "items")), "changes")), "cost"));
  ck_assert_str_eq (sr_test_get_string (first_of (page, "items"), "changes.notes"), "cost fix");
  g_clear_pointer (&page, json_node_unref);
  page = sr_test_call_ok (manager, "edits.list", NULL);
  ck_assert_str_eq (sr_test_get_string (first_of (page, "items"), "changes.cost"), "450000.00");
  g_clear_pointer (&page, json_node_unref);

  /* Filters: mine, vehicle, status (a word or a list), and paging. */
  page = sr_test_call_ok (manager, "edits.list", "{\"mine\":true}");
  ck_assert_uint_eq (list_length (page), 1);
  g_clear_pointer (&page, json_node_unref);
  params = g_strdup_printf ("{\"vehicle_id\":%" G_GINT64_FORMAT "}", pune);
  page = sr_test_call_ok (manager, "edits.list", params);
  ck_assert_uint_eq (list_length (page), 0);
  g_clear_pointer (&page, json_node_unref);
  page = sr_test_call_ok (manager, "edits.list", "{\"status\":\"approved\"}");
  ck_assert_uint_eq (list_length (page), 0);
  g_clear_pointer (&page, json_node_unref);
  page = sr_test_call_ok (manager, "edits.list", "{\"status\":[\"pending\",\"stale\"]}");
  ck_assert_uint_eq (list_length (page), 4);
  g_clear_pointer (&page, json_node_unref);

  page = sr_test_call_ok (manager, "edits.list", "{\"limit\":3}");
  ck_assert_uint_eq (list_length (page), 3);
  g_free (params);
  params = g_strdup_printf ("{\"limit\":3,\"after\":\"%s\"}", sr_test_get_string (page, "next"));
  second = sr_test_call_ok (manager, "edits.list", params);
  ck_assert_uint_eq (list_length (second), 1);
  ck_assert (json_object_get_null_member (sr_test_object (second), "next"));

  refused_field (manager, "edits.list", "{\"status\":\"maybe\"}", "invalid_params", "status");
  refused_field (manager, "edits.list", "{\"after\":\"not-a-cursor\"}", "invalid_params", "after");
  refused_field (manager, "edits.list", "{\"limit\":0}", "invalid_params", "limit");
  refused_field (manager, "edits.list", "{\"mine\":\"yes\"}", "invalid_params", "mine");
}
END_TEST

/* --- approving -------------------------------------------------------------------------- */

START_TEST (test_approve)
{
  g_autoptr(SrConnection) manager = sr_test_connect_as (server, "manager@mumbai.test");
  g_autoptr(JsonNode) edit = NULL;
  g_autoptr(JsonNode) approved = NULL;
  g_autoptr(JsonNode) vehicle = NULL;
  g_autoptr(JsonNode) history = NULL;
  g_autoptr(GError) again = NULL;
  g_autoptr(GError) reject = NULL;
  g_autofree char *params = NULL;
  g_autofree char *via = NULL;
  JsonObject *event;
  JsonObject *decider;
  SrTestWatcher proposer = { 0 };
  gint64 id = create_vehicle (manager, "MA3FZEB1S00200005", "845000.00");
  gint64 edit_id;

  sr_test_watcher_start (&proposer, server, "sales@mumbai.test");
  edit = propose (proposer.connection, id, 1, "{\"price\":\"829000.00\"}");
  edit_id = sr_test_get_int (edit, "id");

  /* The manager sees the proposal arrive... */
  sr_test_watcher_await (&proposer, "pending_edit", edit_id, "pending");

  params = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"note\":\"fine by me\"}", edit_id);
  approved = sr_test_call_ok (manager, "edits.approve", params);
  ck_assert_str_eq (sr_test_get_string (first_of (approved, "edits"), "status"), "approved");
  ck_assert_str_eq (sr_test_get_string (first_of (approved, "edits"), "note"), "fine by me");
  decider = json_object_get_object_member (sr_test_object (first_of (approved, "edits")), "decided_by");
  ck_assert_int_eq (json_object_get_int_member (decider, "id"), 2);
  ck_assert (sr_test_get_string (first_of (approved, "edits"), "decided_at") != NULL);
  ck_assert_str_eq (sr_test_get_string (first_of (approved, "vehicles"), "price"), "829000.00");
  ck_assert_int_eq (sr_test_get_int (first_of (approved, "vehicles"), "version"), 2);

  vehicle = get_vehicle (manager, id);
  ck_assert_str_eq (sr_test_get_string (vehicle, "price"), "829000.00");
  ck_assert_int_eq (sr_test_get_int (vehicle, "version"), 2);

  /* ...the history says who and by which path... */
  history = sr_test_call_okf (manager, "vehicles.history", "{\"id\":%" G_GINT64_FORMAT ",\"limit\":1}", id);
  via = g_strdup_printf ("edit:%" G_GINT64_FORMAT, edit_id);
  ck_assert_str_eq (sr_test_get_string (first_of (history, "items"), "via"), via);
  ck_assert_int_eq (sr_test_get_int (first_of (history, "items"), "user.id"), 2);

  /* ...and the proposer is told, with the vehicle as it is now (without cost). */
  event = sr_test_watcher_await (&proposer, "pending_edit", edit_id, "approved");
  ck_assert_str_eq (json_object_get_string_member (event, "op"), "update");
  event = sr_test_watcher_await (&proposer, "vehicle", id, NULL);
  sr_test_watcher_settle (&proposer);
  event = sr_test_watcher_find (&proposer, "vehicle", id, NULL);
  ck_assert_str_eq (json_object_get_string_member (json_object_get_object_member (event, "data"), "price"),
                    "829000.00");
  ck_assert (!json_object_has_member (json_object_get_object_member (event, "data"), "cost"));

  /* Decided once: a second approval or a rejection is refused, and changes nothing. */
  again = refused (manager, "edits.approve", params, "already_decided");
  ck_assert (sr_error_get_extra (again) != NULL);
  ck_assert_str_eq (sr_test_get_string (json_object_get_member (sr_error_get_extra (again), "current"),
                                        "status"), "approved");
  reject = refused (manager, "edits.reject", params, "already_decided");

  sr_test_watcher_stop (&proposer);
}
END_TEST

START_TEST (test_own_edit)
{
  g_autoptr(SrConnection) manager = sr_test_connect_as (server, "manager@mumbai.test");
  g_autoptr(SrConnection) admin = sr_test_connect_as (server, "admin@mumbai.test");
  g_autoptr(JsonNode) mine = NULL;
  g_autoptr(JsonNode) admins = NULL;
  g_autoptr(JsonNode) approved = NULL;
  g_autofree char *params = NULL;
  g_autofree char *admin_params = NULL;
  gint64 id = create_vehicle (manager, "MA3FZEB1S00200006", "845000.00");

  mine = propose (manager, id, 1, "{\"price\":\"800000.00\"}");
  params = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"note\":\"self\"}", sr_test_get_int (mine, "id"));
  {
    g_autoptr(GError) error = refused (manager, "edits.approve", params, "own_edit");
    ck_assert_int_eq (error->code, SR_ERROR_OWN_EDIT);
  }
  {
    expect_refused (manager, "edits.reject", params, "own_edit");
  }

  admins = propose (admin, id, 1, "{\"price\":\"790000.00\"}");
  admin_params = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT "}", sr_test_get_int (admins, "id"));
  {
    expect_refused (admin, "edits.approve", admin_params, "own_edit");
  }

  /* Four eyes: the admin may decide the manager's. */
  approved = sr_test_call_ok (admin, "edits.approve", params);
  ck_assert_str_eq (sr_test_get_string (first_of (approved, "vehicles"), "price"), "800000.00");
}
END_TEST

START_TEST (test_decide_refusals)
{
  g_autoptr(SrConnection) manager = sr_test_connect_as (server, "manager@mumbai.test");
  g_autoptr(SrConnection) sales = sr_test_connect_as (server, "sales@mumbai.test");
  g_autoptr(SrConnection) pune_manager = sr_test_connect_as (server, "manager@pune.test");
  g_autoptr(SrConnection) pune_admin = sr_test_connect_as (server, "admin@pune.test");
  g_autoptr(JsonNode) edit = NULL;
  g_autoptr(JsonNode) approved = NULL;
  g_autofree char *params = NULL;
  gint64 id = create_vehicle (manager, "MA3FZEB1S00200007", "845000.00");

  edit = propose (sales, id, 1, "{\"notes\":\"please\"}");
  params = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"note\":\"no\"}", sr_test_get_int (edit, "id"));

  /* Another branch's manager does not see it; sales may not decide at all. */
  expect_refused (pune_manager, "edits.approve", params, "not_found");
  expect_refused (pune_manager, "edits.reject", params, "not_found");
  expect_refused (sales, "edits.approve", params, "forbidden");
  expect_refused (sales, "edits.reject", params, "forbidden");

  refused_field (manager, "edits.approve", "{}", "invalid_params", "id");
  refused_field (manager, "edits.approve", "{\"id\":1,\"batch_id\":1}", "invalid_params", "batch_id");
  refused_field (manager, "edits.approve", "{\"id\":\"1\"}", "invalid_params", "id");
  refused_field (manager, "edits.approve", "{\"id\":-4}", "invalid_params", "id");
  expect_refused (manager, "edits.approve", "{\"id\":999999}", "not_found");
  expect_refused (manager, "edits.approve", "{\"batch_id\":999999}", "not_found");

  /* An admin of any branch may. */
  approved = sr_test_call_ok (pune_admin, "edits.approve", params);
  ck_assert_str_eq (sr_test_get_string (first_of (approved, "edits"), "status"), "approved");
}
END_TEST

START_TEST (test_stale)
{
  g_autoptr(SrConnection) manager = sr_test_connect_as (server, "manager@mumbai.test");
  g_autoptr(SrConnection) sales = sr_test_connect_as (server, "sales@mumbai.test");
  g_autoptr(JsonNode) edit = NULL;
  g_autoptr(JsonNode) updated = NULL;
  g_autoptr(JsonNode) vehicle = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *params = NULL;
  g_autofree char *status = NULL;
  JsonObject *extra;
  gint64 id = create_vehicle (manager, "MA3FZEB1S00200008", "845000.00");
  gint64 logged;

  edit = propose (sales, id, 1, "{\"price\":\"829000.00\"}");
  updated = sr_test_call_okf (manager, "vehicles.update",
                              "{\"id\":%" G_GINT64_FORMAT ",\"version\":1,\"changes\":{\"color\":\"Blue\"}}", id);
  params = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT "}", sr_test_get_int (edit, "id"));
  logged = sr_test_query_int (dbname, "SELECT count(*) FROM change_log WHERE entity = 'vehicle'");

  error = sr_test_call_fails (manager, "edits.approve", params, "stale_edit");
  ck_assert_int_eq (error->code, SR_ERROR_STALE_EDIT);
  extra = sr_error_get_extra (error);
  ck_assert (extra != NULL && json_object_has_member (extra, "current"));
  ck_assert_int_eq (sr_test_get_int (json_object_get_member (extra, "current"), "version"), 2);

  /* Nothing applied; the edit is marked stale, for everyone to see. */
  vehicle = get_vehicle (manager, id);
  ck_assert_str_eq (sr_test_get_string (vehicle, "price"), "845000.00");
  ck_assert_str_eq (sr_test_get_string (vehicle, "color"), "Blue");
  ck_assert_int_eq (sr_test_get_int (vehicle, "version"), 2);
  ck_assert_int_eq (sr_test_query_int (dbname, "SELECT count(*) FROM change_log WHERE entity = 'vehicle'"),
                    logged);
  status = edit_status (sr_test_get_int (edit, "id"));
  ck_assert_str_eq (status, "stale");
  {
    expect_refused (manager, "edits.approve", params, "already_decided");
  }

  /* A change made straight in the database counts too. */
  g_clear_pointer (&edit, json_node_unref);
  edit = propose (sales, id, 2, "{\"price\":\"819000.00\"}");
  sr_test_execf (dbname, "UPDATE vehicles SET odometer_km = 99 WHERE id = %" G_GINT64_FORMAT, id);
  g_free (params);
  params = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT "}", sr_test_get_int (edit, "id"));
  g_clear_error (&error);
  error = sr_test_call_fails (manager, "edits.approve", params, "stale_edit");
  g_clear_pointer (&vehicle, json_node_unref);
  vehicle = get_vehicle (manager, id);
  ck_assert_str_eq (sr_test_get_string (vehicle, "price"), "845000.00");
}
END_TEST

/* An edit valid when proposed may no longer fit when approved (its VIN was taken
 * meanwhile): the approval fails with the reason and the edit stays pending. */
START_TEST (test_approve_fails_on_apply)
{
  g_autoptr(SrConnection) manager = sr_test_connect_as (server, "manager@mumbai.test");
  g_autoptr(SrConnection) sales = sr_test_connect_as (server, "sales@mumbai.test");
  g_autoptr(JsonNode) edit = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *params = NULL;
  g_autofree char *status = NULL;
  gint64 id = create_vehicle (manager, "MA3FZEB1S00200009", "845000.00");

  edit = propose (sales, id, 1, "{\"vin\":\"MA3FZEB1S00200010\"}");
  create_vehicle (manager, "MA3FZEB1S00200010", "100000.00");
  params = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT "}", sr_test_get_int (edit, "id"));

  error = refused (manager, "edits.approve", params, "duplicate_vin");
  status = edit_status (sr_test_get_int (edit, "id"));
  ck_assert_str_eq (status, "pending");
}
END_TEST

/* A VIN another vehicle already has, in this branch or one the proposer cannot see, is
 * refused when proposed (it would only fail at approval); nothing is stored. The
 * vehicle's own VIN, proposed again, is no clash. */
START_TEST (test_propose_taken_vin)
{
  g_autoptr(SrConnection) manager = sr_test_connect_as (server, "manager@mumbai.test");
  g_autoptr(SrConnection) pune_manager = sr_test_connect_as (server, "manager@pune.test");
  g_autoptr(SrConnection) sales = sr_test_connect_as (server, "sales@mumbai.test");
  g_autoptr(JsonNode) same = NULL;
  g_autofree char *here = NULL;
  g_autofree char *there = NULL;
  gint64 id = create_vehicle (manager, "MA3FZEB1S00200011", "845000.00");

  create_vehicle (manager, "MA3FZEB1S00200012", "100000.00");
  create_vehicle (pune_manager, "MA3FZEB1S00200013", "100000.00");

  here = g_strdup_printf ("{\"vehicle_id\":%" G_GINT64_FORMAT ",\"base_version\":1,"
                          "\"changes\":{\"vin\":\"MA3FZEB1S00200012\"}}", id);
  refused_field (sales, "edits.propose", here, "duplicate_vin", "changes.vin");
  there = g_strdup_printf ("{\"vehicle_id\":%" G_GINT64_FORMAT ",\"base_version\":1,"
                           "\"changes\":{\"vin\":\"MA3FZEB1S00200013\"}}", id);
  refused_field (sales, "edits.propose", there, "duplicate_vin", "changes.vin");

  same = propose (sales, id, 1, "{\"vin\":\"MA3FZEB1S00200011\",\"color\":\"Red\"}");
  ck_assert_str_eq (sr_test_get_string (same, "status"), "pending");
}
END_TEST

/* Amounts in a proposal are kept in the protocol's form, two decimals, as the vehicle
 * will have them: in the answer, in the list and once applied. */
START_TEST (test_propose_money_canonical)
{
  g_autoptr(SrConnection) manager = sr_test_connect_as (server, "manager@mumbai.test");
  g_autoptr(SrConnection) sales = sr_test_connect_as (server, "sales@mumbai.test");
  g_autoptr(JsonNode) edit = NULL;
  g_autoptr(JsonNode) cost_edit = NULL;
  g_autoptr(JsonNode) page = NULL;
  g_autoptr(JsonNode) approved = NULL;
  g_autoptr(JsonNode) vehicle = NULL;
  gint64 id = create_vehicle (manager, "MA3FZEB1S00200014", "845000.00");
  JsonObject *changes;

  edit = propose (sales, id, 1, "{\"price\":\"0012.5\"}");
  changes = json_object_get_object_member (sr_test_object (edit), "changes");
  ck_assert_str_eq (json_object_get_string_member (changes, "price"), "12.50");

  cost_edit = propose (manager, id, 1, "{\"cost\":\"700000\"}");
  changes = json_object_get_object_member (sr_test_object (cost_edit), "changes");
  ck_assert_str_eq (json_object_get_string_member (changes, "cost"), "700000.00");

  page = sr_test_call_okf (manager, "edits.list", "{\"vehicle_id\":%" G_GINT64_FORMAT "}", id);
  for (guint i = 0; i < 2; i++)
    {
      JsonObject *item = json_array_get_object_element (
        json_object_get_array_member (sr_test_object (page), "items"), i);
      JsonObject *listed = json_object_get_object_member (item, "changes");

      if (json_object_has_member (listed, "price"))
        ck_assert_str_eq (json_object_get_string_member (listed, "price"), "12.50");
      else
        ck_assert_str_eq (json_object_get_string_member (listed, "cost"), "700000.00");
    }

  approved = sr_test_call_okf (manager, "edits.approve", "{\"id\":%" G_GINT64_FORMAT "}",
                               sr_test_get_int (edit, "id"));
  vehicle = get_vehicle (manager, id);
  ck_assert_str_eq (sr_test_get_string (vehicle, "price"), "12.50");
}
END_TEST

/* --- the race ------------------------------------------------------------------------------ */

START_TEST (test_concurrent_approvals)
{
  SrConnection *connections[N_APPROVERS];
  const char *params[N_APPROVERS];
  JsonNode *results[N_APPROVERS];
  GError *errors[N_APPROVERS];
  g_autoptr(SrConnection) manager = sr_test_connect_as (server, "manager@mumbai.test");
  g_autoptr(SrConnection) sales = sr_test_connect_as (server, "sales@mumbai.test");
  g_autoptr(JsonNode) edit = NULL;
  g_autoptr(JsonNode) vehicle = NULL;
  g_autofree char *text = NULL;
  g_autofree char *status = NULL;
  g_autofree char *count_sql = NULL;
  gint64 id = create_vehicle (manager, "MA3FZEB1S00200011", "845000.00");
  guint won = 0;
  guint decided = 0;

  edit = propose (sales, id, 1, "{\"price\":\"829000.00\"}");
  text = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT "}", sr_test_get_int (edit, "id"));
  for (guint i = 0; i < N_APPROVERS; i++)
    {
      connections[i] = sr_test_connect_as (server, i % 2 ? "manager@mumbai.test" : "admin@mumbai.test");
      params[i] = text;
    }

  sr_test_race (connections, N_APPROVERS, "edits.approve", params, results, errors);

  for (guint i = 0; i < N_APPROVERS; i++)
    {
      if (results[i] != NULL)
        won++;
      else
        {
          ck_assert_msg (g_error_matches (errors[i], SR_ERROR, SR_ERROR_ALREADY_DECIDED),
                         "approver %u failed with %s", i, errors[i]->message);
          decided++;
        }
    }
  ck_assert_uint_eq (won, 1);
  ck_assert_uint_eq (decided, N_APPROVERS - 1);

  /* Applied once: one version step, one history entry. */
  vehicle = get_vehicle (manager, id);
  ck_assert_int_eq (sr_test_get_int (vehicle, "version"), 2);
  ck_assert_str_eq (sr_test_get_string (vehicle, "price"), "829000.00");
  count_sql = g_strdup_printf ("SELECT count(*) FROM change_log WHERE entity = 'vehicle'"
                               " AND entity_id = %" G_GINT64_FORMAT " AND via LIKE 'edit:%%'", id);
  ck_assert_int_eq (sr_test_query_int (dbname, count_sql), 1);
  status = edit_status (sr_test_get_int (edit, "id"));
  ck_assert_str_eq (status, "approved");

  for (guint i = 0; i < N_APPROVERS; i++)
    {
      g_clear_pointer (&results[i], json_node_unref);
      g_clear_error (&errors[i]);
      g_object_unref (connections[i]);
    }
}
END_TEST

/* --- rejecting and withdrawing ------------------------------------------------------------- */

START_TEST (test_reject)
{
  g_autoptr(SrConnection) manager = sr_test_connect_as (server, "manager@mumbai.test");
  g_autoptr(JsonNode) edit = NULL;
  g_autoptr(JsonNode) rejected = NULL;
  g_autoptr(JsonNode) vehicle = NULL;
  g_autofree char *params = NULL;
  g_autofree char *bare = NULL;
  JsonObject *event;
  SrTestWatcher proposer = { 0 };
  gint64 id = create_vehicle (manager, "MA3FZEB1S00200012", "845000.00");
  gint64 edit_id;

  sr_test_watcher_start (&proposer, server, "sales@mumbai.test");
  edit = propose (proposer.connection, id, 1, "{\"price\":\"700000.00\"}");
  edit_id = sr_test_get_int (edit, "id");

  bare = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT "}", edit_id);
  refused_field (manager, "edits.reject", bare, "invalid_params", "note");
  g_free (bare);
  bare = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"note\":\"  \"}", edit_id);
  refused_field (manager, "edits.reject", bare, "invalid_params", "note");

  params = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"note\":\"below cost\"}", edit_id);
  rejected = sr_test_call_ok (manager, "edits.reject", params);
  ck_assert_str_eq (sr_test_get_string (first_of (rejected, "edits"), "status"), "rejected");
  ck_assert_str_eq (sr_test_get_string (first_of (rejected, "edits"), "note"), "below cost");
  ck_assert_int_eq (sr_test_get_int (first_of (rejected, "edits"), "decided_by.id"), 2);

  vehicle = get_vehicle (manager, id);
  ck_assert_str_eq (sr_test_get_string (vehicle, "price"), "845000.00");
  ck_assert_int_eq (sr_test_get_int (vehicle, "version"), 1);

  event = sr_test_watcher_await (&proposer, "pending_edit", edit_id, "rejected");
  ck_assert_str_eq (json_object_get_string_member (json_object_get_object_member (event, "data"), "note"),
                    "below cost");
  {
    expect_refused (manager, "edits.approve", params, "already_decided");
  }

  sr_test_watcher_stop (&proposer);
}
END_TEST

START_TEST (test_withdraw)
{
  g_autoptr(SrConnection) manager = sr_test_connect_as (server, "manager@mumbai.test");
  g_autoptr(SrConnection) sales = sr_test_connect_as (server, "sales@mumbai.test");
  g_autoptr(SrConnection) pune_sales = sr_test_connect_as (server, "sales@pune.test");
  g_autoptr(JsonNode) edit = NULL;
  g_autoptr(JsonNode) withdrawn = NULL;
  g_autofree char *params = NULL;
  gint64 id = create_vehicle (manager, "MA3FZEB1S00200013", "845000.00");

  edit = propose (sales, id, 1, "{\"location\":\"Yard\"}");
  params = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT "}", sr_test_get_int (edit, "id"));

  /* Only the proposer: not the branch's manager, not another branch. */
  {
    expect_refused (manager, "edits.withdraw", params, "forbidden");
  }
  {
    expect_refused (pune_sales, "edits.withdraw", params, "not_found");
  }
  refused_field (sales, "edits.withdraw", "{}", "invalid_params", "id");

  withdrawn = sr_test_call_ok (sales, "edits.withdraw", params);
  ck_assert_str_eq (sr_test_get_string (withdrawn, "status"), "withdrawn");
  ck_assert_int_eq (sr_test_get_int (withdrawn, "decided_by.id"), 3);

  {
    expect_refused (sales, "edits.withdraw", params, "already_decided");
  }
  {
    expect_refused (manager, "edits.approve", params, "already_decided");
  }
}
END_TEST

/* The other branch hears nothing of this branch's proposals. */
START_TEST (test_events_scoped)
{
  g_autoptr(SrConnection) manager = sr_test_connect_as (server, "manager@mumbai.test");
  g_autoptr(SrConnection) pune_manager = sr_test_connect_as (server, "manager@pune.test");
  g_autoptr(JsonNode) edit = NULL;
  SrTestWatcher mumbai = { 0 };
  SrTestWatcher pune = { 0 };
  JsonObject *event;
  gint64 id = create_vehicle (manager, "MA3FZEB1S00200014", "845000.00");
  gint64 pune_vehicle;

  sr_test_watcher_start (&mumbai, server, "sales@mumbai.test");
  sr_test_watcher_start (&pune, server, "manager@pune.test");

  edit = propose (manager, id, 1, "{\"cost\":\"800000.00\",\"notes\":\"recount\"}");
  event = sr_test_watcher_await (&mumbai, "pending_edit", sr_test_get_int (edit, "id"), "pending");
  ck_assert_str_eq (json_object_get_string_member (event, "op"), "insert");
  ck_assert (!json_object_has_member (json_object_get_object_member (
               json_object_get_object_member (event, "data"), "changes"), "cost"));

  /* A later change in Pune reaches the Pune manager: by then the Mumbai proposal
   * would have arrived too, had it been sent. */
  pune_vehicle = create_vehicle (pune_manager, "MA3FZEB1S00200015", "100000.00");
  sr_test_watcher_await (&pune, "vehicle", pune_vehicle, NULL);
  ck_assert (sr_test_watcher_find (&pune, "pending_edit", sr_test_get_int (edit, "id"), NULL) == NULL);

  sr_test_watcher_stop (&mumbai);
  sr_test_watcher_stop (&pune);
}
END_TEST

int
main (void)
{
  Suite *suite = suite_create ("edits");
  TCase *propose_case = tcase_create ("propose");
  TCase *list = tcase_create ("list");
  TCase *decide = tcase_create ("decide");
  TCase *race = tcase_create ("race");
  SRunner *runner;
  int failed;

  sr_test_init ();

  tcase_add_checked_fixture (propose_case, setup, teardown);
  tcase_add_test (propose_case, test_propose);
  tcase_add_test (propose_case, test_propose_refusals);
  suite_add_tcase (suite, propose_case);

  tcase_add_checked_fixture (list, setup, teardown);
  tcase_add_test (list, test_list_scoped);
  tcase_add_test (list, test_events_scoped);
  suite_add_tcase (suite, list);

  tcase_add_checked_fixture (decide, setup, teardown);
  tcase_add_test (decide, test_approve);
  tcase_add_test (decide, test_own_edit);
  tcase_add_test (decide, test_decide_refusals);
  tcase_add_test (decide, test_stale);
  tcase_add_test (decide, test_approve_fails_on_apply);
  tcase_add_test (decide, test_propose_taken_vin);
  tcase_add_test (decide, test_propose_money_canonical);
  tcase_add_test (decide, test_reject);
  tcase_add_test (decide, test_withdraw);
  suite_add_tcase (suite, decide);

  tcase_add_checked_fixture (race, setup, teardown);
  tcase_add_test (race, test_concurrent_approvals);
  suite_add_tcase (suite, race);

  runner = srunner_create (suite);
  srunner_run_all (runner, CK_NORMAL);
  failed = srunner_ntests_failed (runner);
  srunner_free (runner);

  return failed == 0 ? 0 : 1;
}
