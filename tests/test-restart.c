/* test-restart.c: PostgreSQL restarts and outages under a running showroomd. The server
 * is never restarted here: it must recover by itself. */
#define G_LOG_DOMAIN "test-restart"

#include "config.h"

#include <check.h>
#include <string.h>

#include "sr-error.h"
#include "sr-test-server.h"

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
  g_autoptr(GError) error = NULL;

  /* Whatever a test did to the cluster, leave it running for the next one. */
  ck_assert_msg (sr_test_pg_start_server (sr_test_cluster (), &error), "%s",
                 error ? error->message : "");
  sr_test_fixture_stop (&dbname, &conninfo, &server);
}

static gboolean
session_gone (gpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) result = sr_test_call (data, "branches.list", NULL, &error);

  return result == NULL && g_error_matches (error, SR_ERROR, SR_ERROR_SESSION_EXPIRED);
}

START_TEST (test_restart_recovers)
{
  g_autoptr(SrConnection) manager = sr_test_connect_as (server, "manager@mumbai.test");
  g_autoptr(SrConnection) sales = sr_test_connect_as (server, "sales@mumbai.test");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) before = NULL;
  g_autoptr(JsonNode) after = NULL;
  g_autoptr(JsonNode) relogin = NULL;

  before = sr_test_call (manager, "branches.list", NULL, NULL);
  ck_assert_ptr_nonnull (before);

  ck_assert_msg (sr_test_pg_restart (sr_test_cluster (), &error), "%s", error ? error->message : "");

  /* Every pooled connection is dead now; the first call after the restart works anyway. */
  after = sr_test_call (manager, "branches.list", NULL, &error);
  ck_assert_msg (after != NULL, "call after restart failed: %s", error ? error->message : "");
  ck_assert_int_eq (json_array_get_length (json_object_get_array_member (json_node_get_object (after), "items")),
                    json_array_get_length (json_object_get_array_member (json_node_get_object (before), "items")));

  {
    g_autoptr(SrConnection) fresh = sr_test_connect (server);

    relogin = sr_test_callf (fresh, NULL, "auth.login", "{\"email\":\"admin@pune.test\",\"password\":\"%s\"}",
                             SR_TEST_PASSWORD);
    ck_assert_ptr_nonnull (relogin);
  }

  /* The notification connection came back too: a revocation announced straight in the
   * database (user 3 is sales@mumbai.test) still reaches the live session. */
  ck_assert (sr_test_pg_exec (sr_test_cluster (), dbname,
                              "DELETE FROM auth_sessions WHERE user_id = 3;"
                              "SELECT pg_notify('showroom_auth', 'revoke-user:3')", NULL));
  sr_test_wait_until (session_gone, sales);
}
END_TEST

START_TEST (test_outage_is_reported_then_recovers)
{
  g_autoptr(SrConnection) manager = sr_test_connect_as (server, "manager@mumbai.test");
  g_autoptr(SrConnection) anonymous = sr_test_connect (server);
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) down = NULL;
  g_autoptr(GError) login_down = NULL;
  g_autoptr(JsonNode) pong = NULL;
  g_autoptr(JsonNode) back = NULL;

  ck_assert (sr_test_pg_stop_server (sr_test_cluster (), &error));

  down = sr_test_call_fails (manager, "branches.list", NULL, "unavailable");
  ck_assert_int_eq (sr_error_rpc_code (down->code), -32603);
  ck_assert_ptr_null (strstr (down->message, "/"));       /* no socket path */
  ck_assert_ptr_null (strstr (down->message, "SELECT"));
  /* A server fault, so it carries a reference to the server's log line (PROTOCOL.md
   * section 2: "a correlation id given in data.ref"). */
  {
    JsonObject *extra = sr_error_get_extra (down);
    g_autofree char *log = NULL;

    ck_assert_msg (extra != NULL && json_object_has_member (extra, "ref"), "no data.ref: %s",
                   down->message);
    log = sr_test_server_get_log (server);
    ck_assert_msg (strstr (log, json_object_get_string_member (extra, "ref")) != NULL,
                   "the reference is not in the log");
  }
  login_down = sr_test_call_fails (anonymous, "auth.login",
                                   "{\"email\":\"sales@mumbai.test\",\"password\":\"" SR_TEST_PASSWORD "\"}",
                                   "unavailable");

  /* What needs no database still answers. */
  pong = sr_test_call (manager, "ping", NULL, NULL);
  ck_assert_ptr_nonnull (pong);

  ck_assert (sr_test_pg_start_server (sr_test_cluster (), &error));
  back = sr_test_call (manager, "branches.list", NULL, &error);
  ck_assert_msg (back != NULL, "no recovery: %s", error ? error->message : "");

  /* What PostgreSQL said on its way down ("FATAL: terminating connection...") went
   * through the server's log, one line each in its form, not raw onto stderr. */
  {
    g_autofree char *log = sr_test_server_get_log (server);
    g_auto(GStrv) lines = g_strsplit (log, "\n", -1);

    for (guint i = 0; lines[i] != NULL; i++)
      ck_assert_msg (!g_str_has_prefix (lines[i], "FATAL") && !g_str_has_prefix (lines[i], "ERROR:") &&
                     !g_str_has_prefix (lines[i], "server closed"),
                     "a raw libpq line in the log: %s", lines[i]);
  }
}
END_TEST

int
main (void)
{
  Suite *suite = suite_create ("integration");
  TCase *restart = tcase_create ("restart");
  SRunner *runner;
  int failed;

  sr_test_init ();

  tcase_add_checked_fixture (restart, setup, teardown);
  tcase_add_test (restart, test_restart_recovers);
  tcase_add_test (restart, test_outage_is_reported_then_recovers);
  suite_add_tcase (suite, restart);

  runner = srunner_create (suite);
  srunner_run_all (runner, CK_NORMAL);
  failed = srunner_ntests_failed (runner);
  srunner_free (runner);

  return failed == 0 ? 0 : 1;
}
