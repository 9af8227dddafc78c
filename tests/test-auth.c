/* test-auth.c: every sign-in path of PROTOCOL.md section 3 against a real showroomd:
 * login, one error for every kind of bad credentials, the rate limit, resume, logout on
 * every connection (and on another server), password changes, deactivation, expiry. */
#define G_LOG_DOMAIN "test-auth"

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
  sr_test_fixture_stop (&dbname, &conninfo, &server);
}

static JsonNode *
login (SrConnection *connection,
       const char   *email,
       const char   *password,
       GError      **error)
{
  return sr_test_callf (connection, error, "auth.login",
                        "{\"email\":\"%s\",\"password\":\"%s\"}", email, password);
}

static char *
token_of (JsonNode *session)
{
  return g_strdup (sr_test_get_string (session, "token"));
}

START_TEST (test_login_result)
{
  g_autoptr(SrConnection) connection = sr_test_connect (server);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) session = login (connection, "manager@mumbai.test", SR_TEST_PASSWORD, &error);
  g_autoptr(GDateTime) expires = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *sql = NULL;
  g_autofree char *stored = NULL;
  JsonObject *user;
  const char *token;

  ck_assert_msg (session != NULL, "%s", error ? error->message : "");
  token = sr_test_get_string (session, "token");
  ck_assert_uint_eq (strlen (token), 43);

  /* RFC 3339 with an offset, about seven days ahead. */
  expires = g_date_time_new_from_iso8601 (sr_test_get_string (session, "expires_at"), NULL);
  ck_assert_ptr_nonnull (expires);
  ck_assert_int_gt (g_date_time_difference (expires, now), 6 * G_TIME_SPAN_DAY);
  ck_assert_int_le (g_date_time_difference (expires, now), 7 * G_TIME_SPAN_DAY);

  user = json_object_get_object_member (json_node_get_object (session), "user");
  ck_assert_str_eq (json_object_get_string_member (user, "email"), "manager@mumbai.test");
  ck_assert_str_eq (json_object_get_string_member (user, "name"), "Mumbai Manager");
  ck_assert_str_eq (json_object_get_string_member (user, "role"), "manager");
  ck_assert_int_eq (json_object_get_int_member (user, "branch_id"), 1);
  ck_assert (json_object_get_boolean_member (user, "active"));
  ck_assert (!json_object_has_member (user, "password_hash"));
  ck_assert_uint_eq (json_object_get_size (user), 6);

  /* The server keeps only the token's SHA-256, never the token. */
  sql = g_strdup_printf ("SELECT count(*) FROM auth_sessions"
                         " WHERE token_hash = sha256(convert_to('%s', 'UTF8'))", token);
  stored = sr_test_query (dbname, sql);
  ck_assert_str_eq (stored, "1");
  g_free (sql);
  g_free (stored);
  sql = g_strdup_printf ("SELECT count(*) FROM auth_sessions WHERE position(convert_to('%s', 'UTF8') in token_hash) > 0", token);
  stored = sr_test_query (dbname, sql);
  ck_assert_str_eq (stored, "0");

  /* E-mail addresses are not case-sensitive. */
  {
    g_autoptr(SrConnection) other = sr_test_connect (server);
    g_autoptr(JsonNode) again = login (other, "  Manager@MUMBAI.test ", SR_TEST_PASSWORD, NULL);

    ck_assert_ptr_nonnull (again);
    ck_assert_str_ne (sr_test_get_string (again, "token"), token);
  }
}
END_TEST

START_TEST (test_bad_credentials_look_alike)
{
  g_autoptr(SrConnection) admin = sr_test_connect_as (server, "admin@mumbai.test");
  g_autoptr(SrConnection) connection = sr_test_connect (server);
  g_autoptr(JsonNode) deactivated = NULL;
  g_autoptr(GError) unknown = NULL;
  g_autoptr(GError) wrong = NULL;
  g_autoptr(GError) disabled = NULL;
  g_autoptr(GError) empty = NULL;

  deactivated = sr_test_call (admin, "users.update",
                              "{\"id\":6,\"changes\":{\"active\":false}}", NULL);
  ck_assert_ptr_nonnull (deactivated);

  unknown = sr_test_call_fails (connection, "auth.login",
                                "{\"email\":\"nobody@mumbai.test\",\"password\":\"" SR_TEST_PASSWORD "\"}",
                                "bad_credentials");
  wrong = sr_test_call_fails (connection, "auth.login",
                              "{\"email\":\"sales@mumbai.test\",\"password\":\"not-the-password\"}",
                              "bad_credentials");
  disabled = sr_test_call_fails (connection, "auth.login",
                                 "{\"email\":\"sales@pune.test\",\"password\":\"" SR_TEST_PASSWORD "\"}",
                                 "bad_credentials");
  empty = sr_test_call_fails (connection, "auth.login",
                              "{\"email\":\"sales@mumbai.test\",\"password\":\"\"}",
                              "bad_credentials");

  /* Nothing in the answer tells which of the three it was. */
  ck_assert_str_eq (unknown->message, wrong->message);
  ck_assert_str_eq (unknown->message, disabled->message);
  ck_assert_int_eq (sr_error_rpc_code (unknown->code), -32001);
  ck_assert_ptr_null (sr_error_get_field (unknown));
  ck_assert_ptr_null (sr_error_get_field (wrong));
}
END_TEST

START_TEST (test_login_params)
{
  g_autoptr(SrConnection) connection = sr_test_connect (server);
  g_autoptr(GError) e1 = NULL;
  g_autoptr(GError) e2 = NULL;
  g_autoptr(GError) e3 = NULL;

  e1 = sr_test_call_fails (connection, "auth.login", "{\"password\":\"x\"}", "invalid_params");
  ck_assert_str_eq (sr_error_get_field (e1), "email");
  e2 = sr_test_call_fails (connection, "auth.login", "{\"email\":\"a@b.c\"}", "invalid_params");
  ck_assert_str_eq (sr_error_get_field (e2), "password");
  e3 = sr_test_call_fails (connection, "auth.login", "{\"email\":7,\"password\":\"x\"}", "invalid_params");
  ck_assert_str_eq (sr_error_get_field (e3), "email");
}
END_TEST

/* Twelve wrong passwords for one address sent at the same moment, over two servers of
 * the database: five are checked and refused as bad_credentials, the other seven are
 * rate_limited without being looked at (before, they all saw fewer than five failures
 * and eight to twelve passwords were tried). */
#define N_GUESSERS 12

START_TEST (test_rate_limit_concurrent)
{
  SrTestServer *second = sr_test_server_start (conninfo, "--no-tls", NULL);
  SrConnection *connections[N_GUESSERS];
  const char *params[N_GUESSERS];
  JsonNode *results[N_GUESSERS] = { NULL };
  GError *errors[N_GUESSERS] = { NULL };
  guint refused = 0;
  guint limited = 0;

  for (guint i = 0; i < N_GUESSERS; i++)
    {
      connections[i] = sr_test_connect (i % 2 == 0 ? server : second);
      params[i] = "{\"email\":\"sales@mumbai.test\",\"password\":\"guess-guess\"}";
    }

  sr_test_race (connections, N_GUESSERS, "auth.login", params, results, errors);

  for (guint i = 0; i < N_GUESSERS; i++)
    {
      ck_assert_msg (results[i] == NULL, "a wrong password signed in");
      ck_assert_ptr_nonnull (errors[i]);
      if (errors[i]->code == SR_ERROR_BAD_CREDENTIALS)
        refused++;
      else if (errors[i]->code == SR_ERROR_RATE_LIMITED)
        limited++;
      else
        ck_abort_msg ("unexpected answer: %s", errors[i]->message);
      g_clear_error (&errors[i]);
      g_object_unref (connections[i]);
    }

  ck_assert_uint_eq (refused, 5);
  ck_assert_uint_eq (limited, N_GUESSERS - 5);
  ck_assert_int_eq (sr_test_query_int (dbname, "SELECT count(*) FROM login_failures"), 5);

  ck_assert_int_eq (sr_test_server_stop (second), 0);
  sr_test_server_free (second);
}
END_TEST

START_TEST (test_rate_limit)
{
  g_autoptr(SrConnection) connection = sr_test_connect (server);
  g_autoptr(GError) limited = NULL;
  g_autoptr(GError) unknown_limited = NULL;
  g_autoptr(JsonNode) other = NULL;
  JsonObject *extra;
  gint64 retry_after;

  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(GError) error G_GNUC_UNUSED = sr_test_call_fails (connection, "auth.login",
                                                    "{\"email\":\"sales@mumbai.test\",\"password\":\"guess-guess\"}",
                                                    "bad_credentials");
    }

  /* The sixth attempt is refused even with the right password. */
  limited = sr_test_call_fails (connection, "auth.login",
                                "{\"email\":\"sales@mumbai.test\",\"password\":\"" SR_TEST_PASSWORD "\"}",
                                "rate_limited");
  ck_assert_int_eq (sr_error_rpc_code (limited->code), -32029);
  extra = sr_error_get_extra (limited);
  ck_assert_ptr_nonnull (extra);
  retry_after = json_object_get_int_member (extra, "retry_after_s");
  ck_assert_int_gt (retry_after, 0);
  ck_assert_int_le (retry_after, 15 * 60);

  /* Other addresses are not affected, and the same limit holds for addresses that do not
   * exist, so it reveals nothing. */
  other = login (connection, "manager@mumbai.test", SR_TEST_PASSWORD, NULL);
  ck_assert_ptr_nonnull (other);
  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(GError) error G_GNUC_UNUSED = sr_test_call_fails (connection, "auth.login",
                                                    "{\"email\":\"ghost@mumbai.test\",\"password\":\"guess-guess\"}",
                                                    "bad_credentials");
    }
  unknown_limited = sr_test_call_fails (connection, "auth.login",
                                        "{\"email\":\"ghost@mumbai.test\",\"password\":\"guess-guess\"}",
                                        "rate_limited");

  /* Once the window has passed, the right password works again. */
  ck_assert (sr_test_pg_exec (sr_test_cluster (), dbname,
                              "UPDATE login_failures SET at = at - interval '16 minutes'", NULL));
  {
    g_autoptr(JsonNode) session = login (connection, "sales@mumbai.test", SR_TEST_PASSWORD, NULL);
    ck_assert_ptr_nonnull (session);
  }
}
END_TEST

START_TEST (test_success_clears_failures)
{
  g_autoptr(SrConnection) connection = sr_test_connect (server);

  for (guint round = 0; round < 2; round++)
    {
      g_autoptr(JsonNode) session = NULL;

      for (guint i = 0; i < 4; i++)
        {
          g_autoptr(GError) error G_GNUC_UNUSED = sr_test_call_fails (connection, "auth.login",
                                                        "{\"email\":\"sales@mumbai.test\",\"password\":\"typo-typo-typo\"}",
                                                        "bad_credentials");
        }
      session = login (connection, "sales@mumbai.test", SR_TEST_PASSWORD, NULL);
      ck_assert_ptr_nonnull (session);
    }
}
END_TEST

START_TEST (test_session_required)
{
  static const char *const methods[] = {
    "auth.logout", "auth.change_password", "users.list", "users.create", "users.update",
    "branches.list", "branches.create",
  };
  g_autoptr(SrConnection) connection = sr_test_connect (server);

  for (guint i = 0; i < G_N_ELEMENTS (methods); i++)
    {
      g_autoptr(GError) error = sr_test_call_fails (connection, methods[i], "{}", "unauthenticated");
      ck_assert_int_eq (sr_error_rpc_code (error->code), -32001);
    }

  /* ping needs no session. */
  {
    g_autoptr(JsonNode) pong = sr_test_call (connection, "ping", NULL, NULL);
    ck_assert_ptr_nonnull (pong);
  }
}
END_TEST

START_TEST (test_resume)
{
  g_autoptr(SrConnection) first = sr_test_connect (server);
  g_autoptr(SrConnection) second = sr_test_connect (server);
  g_autoptr(JsonNode) session = login (first, "admin@mumbai.test", SR_TEST_PASSWORD, NULL);
  g_autofree char *token = token_of (session);
  g_autoptr(JsonNode) resumed = NULL;
  g_autoptr(JsonNode) users = NULL;
  g_autoptr(GError) garbage = NULL;
  g_autoptr(GError) unknown = NULL;

  resumed = sr_test_callf (second, NULL, "auth.resume", "{\"token\":\"%s\"}", token);
  ck_assert_ptr_nonnull (resumed);
  ck_assert_str_eq (sr_test_get_string (resumed, "token"), token);
  ck_assert_str_eq (sr_test_get_string (resumed, "user.email"), "admin@mumbai.test");
  ck_assert_str_eq (sr_test_get_string (resumed, "expires_at"),
                    sr_test_get_string (session, "expires_at"));

  users = sr_test_call (second, "users.list", NULL, NULL);
  ck_assert_ptr_nonnull (users);

  {
    g_autoptr(SrConnection) third = sr_test_connect (server);

    garbage = sr_test_call_fails (third, "auth.resume", "{\"token\":\"' OR 1=1 --\"}", "session_expired");
    unknown = sr_test_call_fails (third, "auth.resume",
                                  "{\"token\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
                                  "session_expired");
    /* A failed resume leaves the connection signed out. */
    g_clear_error (&garbage);
    garbage = sr_test_call_fails (third, "users.list", NULL, "unauthenticated");
  }
}
END_TEST

static gboolean
session_gone (gpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) result = sr_test_call (data, "branches.list", NULL, &error);

  return result == NULL && g_error_matches (error, SR_ERROR, SR_ERROR_SESSION_EXPIRED);
}

START_TEST (test_logout_everywhere)
{
  g_autoptr(SrConnection) first = sr_test_connect (server);
  g_autoptr(SrConnection) second = sr_test_connect (server);
  g_autoptr(SrConnection) bystander = sr_test_connect_as (server, "sales@mumbai.test");
  g_autoptr(JsonNode) session = login (first, "manager@mumbai.test", SR_TEST_PASSWORD, NULL);
  g_autofree char *token = token_of (session);
  g_autoptr(JsonNode) resumed = sr_test_callf (second, NULL, "auth.resume", "{\"token\":\"%s\"}", token);
  g_autoptr(JsonNode) bye = NULL;
  g_autoptr(JsonNode) still = NULL;
  g_autoptr(GError) after = NULL;
  g_autoptr(GError) again = NULL;
  g_autofree char *rows = NULL;

  ck_assert_ptr_nonnull (resumed);

  bye = sr_test_call (first, "auth.logout", "{}", NULL);
  ck_assert_ptr_nonnull (bye);
  ck_assert_uint_eq (json_object_get_size (json_node_get_object (bye)), 0);

  /* Immediately: the other connection with the same token has lost it too. */
  after = sr_test_call_fails (second, "branches.list", NULL, "session_expired");
  again = sr_test_call_fails (first, "branches.list", NULL, "session_expired");
  {
    g_autoptr(SrConnection) fresh = sr_test_connect (server);
    g_autofree char *params = g_strdup_printf ("{\"token\":\"%s\"}", token);
    g_autoptr(GError) revoked G_GNUC_UNUSED = sr_test_call_fails (fresh, "auth.resume", params, "session_expired");
  }

  /* Another user's session is untouched. */
  still = sr_test_call (bystander, "branches.list", NULL, NULL);
  ck_assert_ptr_nonnull (still);

  rows = sr_test_query (dbname, "SELECT count(*) FROM auth_sessions WHERE user_id = 2");
  ck_assert_str_eq (rows, "0");
}
END_TEST

START_TEST (test_logout_on_second_server)
{
  g_autoptr(SrTestServer) other_server = sr_test_server_start (conninfo, "--no-tls", NULL);
  g_autoptr(SrConnection) here = sr_test_connect (server);
  g_autoptr(SrConnection) there = sr_test_connect (other_server);
  g_autoptr(JsonNode) session = login (here, "manager@mumbai.test", SR_TEST_PASSWORD, NULL);
  g_autofree char *token = token_of (session);
  g_autoptr(JsonNode) resumed = sr_test_callf (there, NULL, "auth.resume", "{\"token\":\"%s\"}", token);
  g_autoptr(JsonNode) bye = NULL;

  ck_assert_ptr_nonnull (resumed);
  bye = sr_test_call (here, "auth.logout", NULL, NULL);
  ck_assert_ptr_nonnull (bye);

  /* The other showroomd hears of it through PostgreSQL. */
  sr_test_wait_until (session_gone, there);
  ck_assert_int_eq (sr_test_server_stop (other_server), 0);
}
END_TEST

START_TEST (test_change_password)
{
  g_autoptr(SrConnection) mine = sr_test_connect_as (server, "sales@mumbai.test");
  g_autoptr(SrConnection) elsewhere = sr_test_connect_as (server, "sales@mumbai.test");
  g_autoptr(SrConnection) fresh = sr_test_connect (server);
  g_autoptr(GError) wrong = NULL;
  g_autoptr(GError) weak = NULL;
  g_autoptr(GError) old_refused = NULL;
  g_autoptr(GError) ended = NULL;
  g_autoptr(JsonNode) done = NULL;
  g_autoptr(JsonNode) still = NULL;
  g_autoptr(JsonNode) relogin = NULL;

  wrong = sr_test_call_fails (mine, "auth.change_password",
                              "{\"old\":\"not-my-password\",\"new\":\"a-brand-new-one\"}", "wrong_password");
  ck_assert_str_eq (sr_error_get_field (wrong), "old");
  weak = sr_test_call_fails (mine, "auth.change_password",
                             "{\"old\":\"" SR_TEST_PASSWORD "\",\"new\":\"short\"}", "weak_password");
  ck_assert_str_eq (sr_error_get_field (weak), "new");

  done = sr_test_call (mine, "auth.change_password",
                       "{\"old\":\"" SR_TEST_PASSWORD "\",\"new\":\"a-brand-new-one\"}", NULL);
  ck_assert_ptr_nonnull (done);

  /* This connection goes on; the user's other sessions end. */
  still = sr_test_call (mine, "branches.list", NULL, NULL);
  ck_assert_ptr_nonnull (still);
  ended = sr_test_call_fails (elsewhere, "branches.list", NULL, "session_expired");

  old_refused = sr_test_call_fails (fresh, "auth.login",
                                    "{\"email\":\"sales@mumbai.test\",\"password\":\"" SR_TEST_PASSWORD "\"}",
                                    "bad_credentials");
  relogin = login (fresh, "sales@mumbai.test", "a-brand-new-one", NULL);
  ck_assert_ptr_nonnull (relogin);
}
END_TEST

START_TEST (test_deactivation_and_role_change_apply_live)
{
  g_autoptr(SrConnection) admin = sr_test_connect_as (server, "admin@mumbai.test");
  g_autoptr(SrConnection) pune_admin = sr_test_connect_as (server, "admin@pune.test");
  g_autoptr(SrConnection) sales = sr_test_connect_as (server, "sales@mumbai.test");
  g_autoptr(JsonNode) before = NULL;
  g_autoptr(JsonNode) demoted = NULL;
  g_autoptr(JsonNode) deactivated = NULL;
  g_autoptr(GError) forbidden = NULL;
  g_autoptr(GError) ended = NULL;

  before = sr_test_call (pune_admin, "users.list", NULL, NULL);
  ck_assert_ptr_nonnull (before);

  demoted = sr_test_call (admin, "users.update", "{\"id\":4,\"changes\":{\"role\":\"manager\"}}", NULL);
  ck_assert_str_eq (sr_test_get_string (demoted, "role"), "manager");
  forbidden = sr_test_call_fails (pune_admin, "users.list", NULL, "forbidden");

  deactivated = sr_test_call (admin, "users.update", "{\"id\":3,\"changes\":{\"active\":false}}", NULL);
  ck_assert (!json_object_get_boolean_member (json_node_get_object (deactivated), "active"));
  ended = sr_test_call_fails (sales, "branches.list", NULL, "session_expired");
}
END_TEST

START_TEST (test_expiry)
{
  g_autoptr(SrConnection) first = sr_test_connect (server);
  g_autoptr(JsonNode) session = login (first, "manager@mumbai.test", SR_TEST_PASSWORD, NULL);
  g_autofree char *token = token_of (session);
  g_autofree char *params = g_strdup_printf ("{\"token\":\"%s\"}", token);

  /* Idle for longer than 12 hours. */
  ck_assert (sr_test_pg_exec (sr_test_cluster (), dbname,
                              "UPDATE auth_sessions SET last_seen_at = now() - interval '13 hours'", NULL));
  {
    g_autoptr(SrConnection) later = sr_test_connect (server);
    g_autoptr(GError) error G_GNUC_UNUSED = sr_test_call_fails (later, "auth.resume", params, "session_expired");
  }

  /* Past the absolute expiry, however recently used. */
  ck_assert (sr_test_pg_exec (sr_test_cluster (), dbname,
                              "UPDATE auth_sessions SET last_seen_at = now(),"
                              " expires_at = now() - interval '1 second'", NULL));
  {
    g_autoptr(SrConnection) later = sr_test_connect (server);
    g_autoptr(GError) error G_GNUC_UNUSED = sr_test_call_fails (later, "auth.resume", params, "session_expired");
  }
}
END_TEST

int
main (void)
{
  Suite *suite = suite_create ("integration");
  TCase *login_case = tcase_create ("login");
  TCase *sessions = tcase_create ("sessions");
  SRunner *runner;
  int failed;

  sr_test_init ();

  tcase_add_checked_fixture (login_case, setup, teardown);
  tcase_add_test (login_case, test_login_result);
  tcase_add_test (login_case, test_bad_credentials_look_alike);
  tcase_add_test (login_case, test_login_params);
  tcase_add_test (login_case, test_rate_limit);
  tcase_add_test (login_case, test_rate_limit_concurrent);
  tcase_add_test (login_case, test_success_clears_failures);
  tcase_add_test (login_case, test_session_required);
  suite_add_tcase (suite, login_case);

  tcase_add_checked_fixture (sessions, setup, teardown);
  tcase_add_test (sessions, test_resume);
  tcase_add_test (sessions, test_logout_everywhere);
  tcase_add_test (sessions, test_logout_on_second_server);
  tcase_add_test (sessions, test_change_password);
  tcase_add_test (sessions, test_deactivation_and_role_change_apply_live);
  tcase_add_test (sessions, test_expiry);
  suite_add_tcase (suite, sessions);

  runner = srunner_create (suite);
  srunner_run_all (runner, CK_NORMAL);
  failed = srunner_ntests_failed (runner);
  srunner_free (runner);

  return failed == 0 ? 0 : 1;
}
