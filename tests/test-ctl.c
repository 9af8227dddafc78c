/* test-ctl.c: the programs as people and scripts run them: showroomctl's flags, output
 * and exit codes against a real server, with and without TLS, and showroomd's one-shot
 * modes (--migrate, --create-admin, --seed-demo) and start-up refusals. */
#define G_LOG_DOMAIN "test-ctl"

#include "config.h"

#include <check.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "sr-rpc.h"
#include "sr-server-resources.h"
#include "sr-test-server.h"

#define EXIT_RPC        1
#define EXIT_USAGE      2
#define EXIT_CONNECTION 3

#define FINGERPRINT_LINE "TLS certificate SHA-256 fingerprint: "
#define BOSS_PASSWORD    "boss-pass-12"

static char *dbname;
static char *conninfo;
static char *state_dir;
static SrTestServer *server;

static void
setup (void)
{
  sr_test_fixture_start (&dbname, &conninfo, &server);
}

static void
setup_tls (void)
{
  g_autoptr(GError) error = NULL;

  dbname = sr_test_new_database (&conninfo);
  state_dir = g_dir_make_tmp ("sr-ctl-XXXXXX", &error);
  ck_assert_msg (state_dir != NULL, "%s", error ? error->message : "?");
  server = sr_test_server_start (conninfo, "--state-dir", state_dir, NULL);
}

static int ctl (const char  *input,
                char       **out,
                char       **err,
                const char  *first_arg,
                ...) G_GNUC_NULL_TERMINATED;
static char *logged_fingerprint (SrTestServer *from);

/* showroomd logs "listening on" before its SIGTERM handler is in place; an answer from
 * it means its main loop runs, so a stop after this is the graceful one. */
static void
wait_serving (void)
{
  if (state_dir != NULL)
    {
      g_autofree char *fingerprint = logged_fingerprint (server);
      g_autofree char *err = NULL;
      int status = ctl (NULL, NULL, &err, "--server", sr_test_server_get_address (server),
                        "--fingerprint", fingerprint, "call", "ping", NULL);

      ck_assert_msg (status == 0, "ping over TLS: exit %d: %s", status, err);
    }
  else
    {
      g_autoptr(SrConnection) connection = sr_test_connect (server);
      g_autoptr(JsonNode) pong = sr_test_call (connection, "ping", NULL, NULL);

      ck_assert_ptr_nonnull (pong);
    }
}

static void
teardown (void)
{
  if (server != NULL)
    {
      wait_serving ();
      ck_assert_int_eq (sr_test_server_stop (server), 0);
    }
  g_clear_pointer (&server, sr_test_server_free);
  g_clear_pointer (&conninfo, g_free);
  g_clear_pointer (&dbname, g_free);

  if (state_dir != NULL)
    {
      g_autoptr(GDir) dir = g_dir_open (state_dir, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *path = g_build_filename (state_dir, name, NULL);
          g_unlink (path);
        }
      g_rmdir (state_dir);
      g_clear_pointer (&state_dir, g_free);
    }
}

/* --- running the programs ----------------------------------------------------------- */

typedef struct {
  gboolean  done;
  char     *out;
  char     *err;
  GError   *error;
} Run;

static void
communicate_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  Run *run = user_data;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (object), result, &run->out, &run->err,
                                        &run->error);
  run->done = TRUE;
}

/* Runs @argv with @input on stdin (NULL: empty) and returns its exit status, or 128 +
 * the signal that killed it. The test harness's fatal-warnings are not passed on: the
 * programs run as people run them. */
static int
run_argv (const char *const  *argv,
          const char         *input,
          char              **out,
          char              **err)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  Run run = { 0 };

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                        G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_unsetenv (launcher, "G_DEBUG");
  g_subprocess_launcher_unsetenv (launcher, "SHOWROOM_SERVER");
  if (!g_strv_contains (argv, "--no-tls"))
    sr_test_launcher_for_tls (launcher);
  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  ck_assert_msg (process != NULL, "cannot run %s: %s", argv[0], error ? error->message : "?");

  /* A program that exits before reading its stdin (a usage error) must not take the
   * test down with SIGPIPE; the signal is back to its default before the next spawn. */
  signal (SIGPIPE, SIG_IGN);
  g_subprocess_communicate_utf8_async (process, input ? input : "", NULL, communicate_cb, &run);
  sr_test_wait (&run.done);
  signal (SIGPIPE, SIG_DFL);
  ck_assert_msg (run.error == NULL, "talking to %s failed: %s", argv[0], run.error->message);
  g_subprocess_wait (process, NULL, NULL);

  if (out != NULL)
    *out = g_steal_pointer (&run.out);
  if (err != NULL)
    *err = g_steal_pointer (&run.err);
  g_free (run.out);
  g_free (run.err);

  if (!g_subprocess_get_if_exited (process))
    return 128 + g_subprocess_get_term_sig (process);
  return g_subprocess_get_exit_status (process);
}

static int
run_va (const char  *program,
        const char  *input,
        char       **out,
        char       **err,
        const char  *first_arg,
        va_list      args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();

  g_ptr_array_add (argv, (char *) sr_test_program (program));
  for (const char *arg = first_arg; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (char *) arg);
  g_ptr_array_add (argv, NULL);

  return run_argv ((const char *const *) argv->pdata, input, out, err);
}

static int
ctl (const char  *input,
     char       **out,
     char       **err,
     const char  *first_arg,
     ...)
{
  va_list args;
  int status;

  va_start (args, first_arg);
  status = run_va ("showroomctl", input, out, err, first_arg, args);
  va_end (args);

  return status;
}

static G_GNUC_NULL_TERMINATED int
showroomd (const char  *input,
           char       **err,
           const char  *first_arg,
           ...)
{
  va_list args;
  int status;

  va_start (args, first_arg);
  status = run_va ("showroomd", input, NULL, err, first_arg, args);
  va_end (args);

  return status;
}

static JsonNode *
parse_json (const char *text,
            const char *what)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *copy = g_strstrip (g_strdup (text ? text : ""));
  JsonNode *node = sr_json_from_string (copy, -1, &error);

  ck_assert_msg (node != NULL && JSON_NODE_HOLDS_OBJECT (node), "%s is not a JSON object: %s",
                 what, copy);
  return node;
}

static guint
count_items (JsonNode *page)
{
  JsonNode *items = json_object_get_member (json_node_get_object (page), "items");

  ck_assert_msg (items != NULL && JSON_NODE_HOLDS_ARRAY (items), "no items array");
  return json_array_get_length (json_node_get_array (items));
}

/* showroomctl prints an RPC error on stderr as {"code","message","data":{"reason",...}}. */
static void
assert_rpc_error (const char *err,
                  gint64      code,
                  const char *reason)
{
  g_autoptr(JsonNode) node = parse_json (err, "stderr");

  ck_assert_int_eq (sr_test_get_int (node, "code"), code);
  ck_assert_str_eq (sr_test_get_string (node, "data.reason"), reason);
  ck_assert_msg (json_object_has_member (json_node_get_object (node), "message"),
                 "the error has no message: %s", err);
}

/* --- databases ---------------------------------------------------------------------- */

/* An empty database, as an installation starts with. */
static char *
empty_database (char **out_conninfo)
{
  static guint counter;
  g_autoptr(GError) error = NULL;
  char *name = g_strdup_printf ("sr_ctl_%d_%u", (int) getpid (), ++counter);

  ck_assert_msg (sr_test_pg_create_db (sr_test_cluster (), name, NULL, &error),
                 "cannot create %s: %s", name, error ? error->message : "?");
  *out_conninfo = sr_test_pg_conninfo (sr_test_cluster (), name);
  return name;
}

static char *
migrated_database (char **out_conninfo)
{
  g_autofree char *err = NULL;
  char *name = empty_database (out_conninfo);
  int status = showroomd (NULL, &err, "--db", *out_conninfo, "--migrate", NULL);

  ck_assert_msg (status == 0, "--migrate exited %d: %s", status, err);
  return name;
}

/* Signs in through a server on @db_conninfo, the way every client will. */
static JsonNode *
login_through_server (const char *db_conninfo,
                      const char *email,
                      const char *password)
{
  g_autoptr(SrTestServer) own = sr_test_server_start (db_conninfo, "--no-tls", NULL);
  g_autoptr(SrConnection) connection = sr_test_connect (own);
  g_autoptr(JsonObject) params = json_object_new ();
  g_autoptr(GError) error = NULL;
  JsonNode *result;

  json_object_set_string_member (params, "email", email);
  json_object_set_string_member (params, "password", password);
  {
    g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), params);
    g_autofree char *text = sr_json_to_string (node, NULL);

    result = sr_test_call (connection, "auth.login", text, &error);
  }
  ck_assert_msg (result != NULL, "%s cannot log in: %s", email, error ? error->message : "?");

  /* Signed in for real: a call that needs a session works. */
  {
    g_autoptr(JsonNode) branches = sr_test_call (connection, "branches.list", NULL, &error);

    ck_assert_msg (branches != NULL, "branches.list after login: %s",
                   error ? error->message : "?");
  }

  sr_connection_close (connection);
  ck_assert_int_eq (sr_test_server_stop (own), 0);
  return result;
}

/* --- showroomctl against a server without TLS --------------------------------------- */

START_TEST (test_ping)
{
  const char *address = sr_test_server_get_address (server);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = ctl (NULL, &out, &err, "--server", address, "--no-tls", "call", "ping", NULL);

  ck_assert_msg (status == 0, "exit %d: %s", status, err);
  ck_assert_str_eq (g_strstrip (out), "{}");
}
END_TEST

START_TEST (test_login_and_call)
{
  const char *address = sr_test_server_get_address (server);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *paged = NULL;
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(JsonNode) page = NULL;
  int status;

  status = ctl (SR_TEST_PASSWORD "\n", &out, &err, "--server", address, "--no-tls",
                "--email", "admin@mumbai.test", "--password-stdin", "call", "users.list", NULL);
  ck_assert_msg (status == 0, "exit %d: %s", status, err);
  result = parse_json (out, "stdout");
  ck_assert_uint_eq (count_items (result), 6);
  g_clear_pointer (&err, g_free);

  /* Params reach the server as given; no newline after the password is fine too. */
  status = ctl (SR_TEST_PASSWORD, &paged, &err, "--server", address, "--no-tls",
                "--email", "admin@mumbai.test", "--password-stdin",
                "call", "users.list", "{\"limit\":2}", NULL);
  ck_assert_msg (status == 0, "exit %d: %s", status, err);
  page = parse_json (paged, "stdout");
  ck_assert_uint_eq (count_items (page), 2);
  ck_assert (json_object_get_string_member (json_node_get_object (page), "next") != NULL);
}
END_TEST

START_TEST (test_wrong_password)
{
  const char *address = sr_test_server_get_address (server);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status;

  status = ctl ("not-the-password\n", &out, &err, "--server", address, "--no-tls",
                "--email", "admin@mumbai.test", "--password-stdin", "call", "users.list", NULL);
  ck_assert_int_eq (status, EXIT_RPC);
  assert_rpc_error (err, -32001, "bad_credentials");
  /* Nothing on stdout a script could mistake for a result. */
  ck_assert_str_eq (g_strstrip (out), "");
}
END_TEST

START_TEST (test_without_login)
{
  const char *address = sr_test_server_get_address (server);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status;

  status = ctl (NULL, &out, &err, "--server", address, "--no-tls", "call", "users.list", NULL);
  ck_assert_int_eq (status, EXIT_RPC);
  assert_rpc_error (err, -32001, "unauthenticated");
  ck_assert_str_eq (g_strstrip (out), "");
}
END_TEST

START_TEST (test_rpc_error_names_field)
{
  const char *address = sr_test_server_get_address (server);
  g_autofree char *err = NULL;
  g_autoptr(JsonNode) node = NULL;
  int status;

  status = ctl (SR_TEST_PASSWORD "\n", NULL, &err, "--server", address, "--no-tls",
                "--email", "admin@mumbai.test", "--password-stdin",
                "call", "branches.create", "{\"name\":\"MUMBAI\"}", NULL);
  ck_assert_int_eq (status, EXIT_RPC);
  assert_rpc_error (err, -32602, "duplicate_name");
  node = parse_json (err, "stderr");
  ck_assert_str_eq (sr_test_get_string (node, "data.field"), "name");
  ck_assert_int_eq (sr_test_query_int (dbname, "SELECT count(*) FROM branches"), 2);
}
END_TEST

START_TEST (test_usage_errors)
{
  const char *address = sr_test_server_get_address (server);
  const char *const base[] = { sr_test_program ("showroomctl"), "--server", address, "--no-tls" };
  static const char *const cases[][4] = {
    { NULL },
    { "call", NULL },
    { "call", "ping", "[1]", NULL },
    { "call", "ping", "{bad", NULL },
    { "call", "ping", "{}", "extra" },
    { "--email", "admin@mumbai.test", "call", "ping" },
    { "--password-stdin", "call", "ping", NULL },
    { "frobnicate", NULL },
    { "--no-such-flag", "call", "ping", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GPtrArray) argv = g_ptr_array_new ();
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;
      g_autofree char *shown = NULL;
      int status;

      for (guint j = 0; j < G_N_ELEMENTS (base); j++)
        g_ptr_array_add (argv, (char *) base[j]);
      for (guint j = 0; j < G_N_ELEMENTS (cases[i]) && cases[i][j] != NULL; j++)
        g_ptr_array_add (argv, (char *) cases[i][j]);
      g_ptr_array_add (argv, NULL);
      shown = g_strjoinv (" ", (char **) argv->pdata + 1);

      status = run_argv ((const char *const *) argv->pdata, NULL, &out, &err);
      ck_assert_msg (status == EXIT_USAGE, "showroomctl %s: exit %d, expected 2", shown, status);
      ck_assert_msg (*g_strstrip (err) != '\0', "showroomctl %s: no message on stderr", shown);
      ck_assert_msg (*g_strstrip (out) == '\0', "showroomctl %s: printed %s", shown, out);
    }
}
END_TEST

START_TEST (test_no_arguments)
{
  const char *const argv[] = { sr_test_program ("showroomctl"), NULL };
  g_autofree char *err = NULL;

  ck_assert_int_eq (run_argv (argv, NULL, NULL, &err), EXIT_USAGE);
  ck_assert_msg (*g_strstrip (err) != '\0', "no usage message");
}
END_TEST

START_TEST (test_nothing_listens)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = ctl (NULL, &out, &err, "--server", "127.0.0.1:1", "--no-tls", "call", "ping", NULL);

  ck_assert_int_eq (status, EXIT_CONNECTION);
  ck_assert_msg (*g_strstrip (err) != '\0', "no message on stderr");
  ck_assert_str_eq (g_strstrip (out), "");
}
END_TEST

/* --- TLS ---------------------------------------------------------------------------- */

static char *
logged_fingerprint (SrTestServer *from)
{
  g_autofree char *log = sr_test_server_get_log (from);
  const char *start = strstr (log, FINGERPRINT_LINE);
  const char *end;

  ck_assert_msg (start != NULL, "no fingerprint in the server log:\n%s", log);
  start += strlen (FINGERPRINT_LINE);
  end = start + strcspn (start, " \r\n");
  /* SHA-256: 32 bytes as "AB:" pairs. */
  ck_assert_int_eq (end - start, 32 * 3 - 1);

  return g_strndup (start, end - start);
}

START_TEST (test_tls_needs_fingerprint)
{
  const char *address = sr_test_server_get_address (server);
  g_autofree char *fingerprint = logged_fingerprint (server);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = ctl (NULL, &out, &err, "--server", address, "call", "ping", NULL);

  ck_assert_int_eq (status, EXIT_CONNECTION);
  ck_assert_msg (strstr (err, "fingerprint") != NULL, "stderr does not mention the fingerprint: %s",
                 err);
  /* ...and it is the one the server logged, so the user can compare the two. */
  ck_assert_msg (strstr (err, fingerprint) != NULL, "stderr does not show %s: %s", fingerprint, err);
  ck_assert_str_eq (g_strstrip (out), "");
}
END_TEST

START_TEST (test_tls_pinned)
{
  const char *address = sr_test_server_get_address (server);
  g_autofree char *fingerprint = logged_fingerprint (server);
  g_autofree char *wrong = g_strdup (fingerprint);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *logged_in = NULL;
  g_autoptr(JsonNode) page = NULL;
  int status;

  status = ctl (NULL, &out, &err, "--server", address, "--fingerprint", fingerprint,
                "call", "ping", NULL);
  ck_assert_msg (status == 0, "exit %d: %s", status, err);
  ck_assert_str_eq (g_strstrip (out), "{}");
  g_clear_pointer (&err, g_free);

  /* Over TLS, signing in works as it does in the clear. */
  status = ctl (SR_TEST_PASSWORD "\n", &logged_in, &err, "--server", address,
                "--fingerprint", fingerprint, "--email", "sales@pune.test", "--password-stdin",
                "call", "branches.list", NULL);
  ck_assert_msg (status == 0, "exit %d: %s", status, err);
  page = parse_json (logged_in, "stdout");
  ck_assert_uint_eq (count_items (page), 2);
  g_clear_pointer (&err, g_free);

  /* Another certificate's fingerprint is refused. */
  wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
  g_clear_pointer (&out, g_free);
  status = ctl (NULL, &out, &err, "--server", address, "--fingerprint", wrong,
                "call", "ping", NULL);
  ck_assert_int_eq (status, EXIT_CONNECTION);
  ck_assert_str_eq (g_strstrip (out), "");
}
END_TEST

START_TEST (test_tls_key_file_private)
{
  g_autofree char *key = g_build_filename (state_dir, "tls-key.pem", NULL);
  g_autofree char *cert = g_build_filename (state_dir, "tls-cert.pem", NULL);
  GStatBuf st;

  ck_assert_msg (g_stat (key, &st) == 0, "no key file %s", key);
  ck_assert_msg ((st.st_mode & 0777) == 0600, "the key file has mode %o", st.st_mode & 0777);
  ck_assert_msg (g_file_test (cert, G_FILE_TEST_IS_REGULAR), "no certificate %s", cert);
}
END_TEST

START_TEST (test_tls_restart_keeps_fingerprint)
{
  g_autofree char *before = logged_fingerprint (server);
  g_autofree char *after = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status;

  /* A client pins the fingerprint while the first server runs... */
  wait_serving ();
  ck_assert_int_eq (sr_test_server_stop (server), 0);
  g_clear_pointer (&server, sr_test_server_free);

  server = sr_test_server_start (conninfo, "--state-dir", state_dir, NULL);
  after = logged_fingerprint (server);
  ck_assert_str_eq (after, before);

  /* ...and still gets in after the restart. */
  status = ctl (NULL, &out, &err, "--server", sr_test_server_get_address (server),
                "--fingerprint", before, "call", "ping", NULL);
  ck_assert_msg (status == 0, "exit %d: %s", status, err);
}
END_TEST

START_TEST (test_tls_client_without_tls)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status;

  /* Plain text to a TLS port: a connection failure, not a hang or an RPC error. */
  status = ctl (NULL, &out, &err, "--server", sr_test_server_get_address (server), "--no-tls",
                "call", "ping", NULL);
  ck_assert_int_eq (status, EXIT_CONNECTION);
  ck_assert_str_eq (g_strstrip (out), "");
}
END_TEST

/* --- showroomd's own modes ---------------------------------------------------------- */

START_TEST (test_no_tls_needs_loopback)
{
  g_autofree char *name = NULL;
  g_autofree char *db = NULL;
  g_autofree char *err = NULL;
  int status;

  name = sr_test_new_database (&db);
  status = showroomd (NULL, &err, "--db", db, "--listen", "0.0.0.0:0", "--no-tls", NULL);
  ck_assert_msg (status != 0, "showroomd served 0.0.0.0 without TLS");
  ck_assert_msg (strstr (err, "loopback") != NULL, "no word about loopback: %s", err);
  ck_assert_ptr_null (strstr (err, "listening on"));
}
END_TEST

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(char **) a, *(char **) b);
}

/* The migrations showroomd should have applied: the files in data/sql. */
static char **
migration_files (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *here = g_path_get_dirname (__FILE__);
  g_autofree char *dir_path = g_build_filename (here, "..", "data", "sql", NULL);
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);

  if (dir != NULL)
    {
      const char *name;

      while ((name = g_dir_read_name (dir)) != NULL)
        if (g_str_has_suffix (name, ".sql"))
          g_ptr_array_add (names, g_strdup (name));
    }
  else
    {
      /* Run from outside the build dir: the copies compiled into showroomd. */
      g_auto(GStrv) children = g_resource_enumerate_children (sr_server_get_resource (),
                                                              "/org/showroom/server/sql",
                                                              G_RESOURCE_LOOKUP_FLAGS_NONE,
                                                              &error);

      ck_assert_msg (children != NULL, "%s", error ? error->message : "?");
      for (guint i = 0; children[i] != NULL; i++)
        g_ptr_array_add (names, g_strdup (children[i]));
    }

  ck_assert_uint_gt (names->len, 0);
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return (char **) g_ptr_array_steal (names, NULL);
}

START_TEST (test_migrate)
{
  g_autofree char *db = NULL;
  g_autofree char *name = empty_database (&db);
  g_auto(GStrv) files = migration_files ();
  g_autofree char *expected = g_strjoinv (",", files);
  g_autofree char *applied = NULL;
  g_autofree char *err = NULL;
  int status;

  status = showroomd (NULL, &err, "--db", db, "--migrate", NULL);
  ck_assert_msg (status == 0, "first --migrate exited %d: %s", status, err);
  g_clear_pointer (&err, g_free);
  status = showroomd (NULL, &err, "--db", db, "--migrate", NULL);
  ck_assert_msg (status == 0, "second --migrate exited %d: %s", status, err);

  ck_assert_int_eq (sr_test_query_int (name, "SELECT count(*) FROM schema_migrations"),
                    g_strv_length (files));
  applied = sr_test_query (name, "SELECT string_agg(name, ',' ORDER BY name) FROM schema_migrations");
  ck_assert_str_eq (applied, expected);
  /* The schema is really there. */
  ck_assert_int_eq (sr_test_query_int (name, "SELECT count(*) FROM users"), 0);
}
END_TEST

START_TEST (test_create_admin)
{
  g_autofree char *db = NULL;
  g_autofree char *name = migrated_database (&db);
  g_autofree char *err = NULL;
  g_autofree char *branch = NULL;
  g_autofree char *row = NULL;
  g_autoptr(JsonNode) login = NULL;
  int status;

  status = showroomd (BOSS_PASSWORD "\n", &err, "--db", db, "--create-admin", "boss@x.test",
                      "--name", "The Boss", NULL);
  ck_assert_msg (status == 0, "--create-admin exited %d: %s", status, err);
  g_clear_pointer (&err, g_free);

  branch = sr_test_query (name, "SELECT string_agg(name, ',') FROM branches");
  ck_assert_str_eq (branch, "Main");
  row = sr_test_query (name, "SELECT email || '/' || u.name || '/' || role || '/' || b.name"
                             " FROM users u JOIN branches b ON b.id = u.branch_id");
  ck_assert_str_eq (row, "boss@x.test/The Boss/admin/Main");

  login = login_through_server (db, "boss@x.test", BOSS_PASSWORD);
  ck_assert_str_eq (sr_test_get_string (login, "user.role"), "admin");
  ck_assert_str_eq (sr_test_get_string (login, "user.name"), "The Boss");

  /* The same address again, in any case, is refused and changes nothing. */
  status = showroomd ("another-password-1\n", &err, "--db", db, "--create-admin", "boss@x.test",
                      "--name", "Impostor", NULL);
  ck_assert_msg (status != 0, "a second --create-admin boss@x.test succeeded");
  g_clear_pointer (&err, g_free);
  status = showroomd ("another-password-1\n", &err, "--db", db, "--create-admin", "BOSS@X.TEST",
                      NULL);
  ck_assert_msg (status != 0, "--create-admin BOSS@X.TEST succeeded beside boss@x.test");

  ck_assert_int_eq (sr_test_query_int (name, "SELECT count(*) FROM users"), 1);
  ck_assert_int_eq (sr_test_query_int (name, "SELECT count(*) FROM branches"), 1);
  g_clear_pointer (&row, g_free);
  row = sr_test_query (name, "SELECT name FROM users");
  ck_assert_str_eq (row, "The Boss");
  g_clear_pointer (&login, json_node_unref);
  login = login_through_server (db, "boss@x.test", BOSS_PASSWORD);
}
END_TEST

START_TEST (test_create_admin_weak_password)
{
  g_autofree char *db = NULL;
  g_autofree char *name = migrated_database (&db);
  g_autofree char *err = NULL;
  int status;

  status = showroomd ("short\n", &err, "--db", db, "--create-admin", "boss@x.test",
                      "--name", "The Boss", NULL);
  ck_assert_msg (status != 0, "--create-admin took a 5-character password");
  ck_assert_msg (*g_strstrip (err) != '\0', "no message on stderr");
  ck_assert_int_eq (sr_test_query_int (name, "SELECT count(*) FROM users"), 0);
  ck_assert_int_eq (sr_test_query_int (name, "SELECT count(*) FROM branches"), 0);
}
END_TEST

START_TEST (test_create_admin_keeps_branches)
{
  g_autofree char *db = NULL;
  g_autofree char *name = sr_test_new_database (&db);
  g_autofree char *err = NULL;
  g_autofree char *branches = NULL;
  int status;

  /* Branches exist already (Mumbai, Pune): no "Main" is added. */
  status = showroomd (BOSS_PASSWORD "\n", &err, "--db", db, "--create-admin", "boss@x.test",
                      "--name", "The Boss", NULL);
  ck_assert_msg (status == 0, "--create-admin exited %d: %s", status, err);
  branches = sr_test_query (name, "SELECT string_agg(name, ',' ORDER BY id) FROM branches");
  ck_assert_str_eq (branches, "Mumbai,Pune");
  ck_assert_int_eq (sr_test_query_int (name, "SELECT count(*) FROM users WHERE email = 'boss@x.test'"
                                             " AND role = 'admin'"), 1);
}
END_TEST

START_TEST (test_seed_demo)
{
  g_autofree char *db = NULL;
  g_autofree char *name = migrated_database (&db);
  g_autofree char *err = NULL;
  g_autoptr(JsonNode) login = NULL;
  gint64 users;
  gint64 branches;
  int status;

  status = showroomd (NULL, &err, "--db", db, "--seed-demo", "0", NULL);
  ck_assert_msg (status == 0, "--seed-demo exited %d: %s", status, err);
  users = sr_test_query_int (name, "SELECT count(*) FROM users");
  branches = sr_test_query_int (name, "SELECT count(*) FROM branches");
  ck_assert_int_gt (users, 0);
  ck_assert_int_gt (branches, 0);
  g_clear_pointer (&err, g_free);

  status = showroomd (NULL, &err, "--db", db, "--seed-demo", "0", NULL);
  ck_assert_msg (status == 0, "second --seed-demo exited %d: %s", status, err);
  ck_assert_int_eq (sr_test_query_int (name, "SELECT count(*) FROM users"), users);
  ck_assert_int_eq (sr_test_query_int (name, "SELECT count(*) FROM branches"), branches);

  login = login_through_server (db, "manager@showroom.test", "showroom-demo");
  ck_assert_str_eq (sr_test_get_string (login, "user.role"), "manager");
}
END_TEST

START_TEST (test_showroomd_usage)
{
  const char *const bare[] = { sr_test_program ("showroomd"), NULL };
  g_autofree char *err = NULL;
  g_autofree char *db = NULL;
  g_autofree char *name = NULL;

  ck_assert_int_eq (showroomd (NULL, &err, "--migrate", NULL), EXIT_USAGE);
  ck_assert_msg (strstr (err, "--db") != NULL, "the message does not say --db is missing: %s", err);
  g_clear_pointer (&err, g_free);
  ck_assert_int_eq (run_argv (bare, NULL, NULL, &err), EXIT_USAGE);
  g_clear_pointer (&err, g_free);

  /* A database but nothing to do with it. */
  name = sr_test_new_database (&db);
  ck_assert_int_eq (showroomd (NULL, &err, "--db", db, NULL), EXIT_USAGE);
  g_clear_pointer (&err, g_free);
  ck_assert_int_eq (showroomd (NULL, &err, "--db", db, "--no-such-flag", NULL), EXIT_USAGE);
  g_clear_pointer (&err, g_free);
  /* A stray word is not ignored: it may be a flag with its dashes lost. */
  ck_assert_int_eq (showroomd (NULL, &err, "--db", db, "migrate", "--migrate", NULL), EXIT_USAGE);
  ck_assert_msg (strstr (err, "migrate") != NULL, "%s", err);
}
END_TEST

/* --create-admin and --seed-demo beside a --listen the server refuses (--no-tls off
 * loopback, half a certificate pair) change nothing: the refusal comes first. */
START_TEST (test_showroomd_refusal_before_writes)
{
  g_autofree char *db = NULL;
  g_autofree char *name = sr_test_new_database (&db);
  g_autofree char *err = NULL;
  gint64 users = sr_test_query_int (name, "SELECT count(*) FROM users");
  gint64 vehicles = sr_test_query_int (name, "SELECT count(*) FROM vehicles");

  ck_assert_int_eq (showroomd (NULL, &err, "--db", db, "--seed-demo", "9",
                               "--listen", "0.0.0.0:0", "--no-tls", NULL), 1);
  ck_assert_msg (strstr (err, "loopback") != NULL, "%s", err);
  g_clear_pointer (&err, g_free);
  ck_assert_int_eq (showroomd ("new-admin-password\n", &err, "--db", db,
                               "--create-admin", "late@mumbai.test", "--name", "Late",
                               "--listen", "0.0.0.0:0", "--no-tls", NULL), 1);
  g_clear_pointer (&err, g_free);
  ck_assert_int_eq (showroomd (NULL, &err, "--db", db, "--seed-demo", "9",
                               "--listen", "127.0.0.1:0", "--tls-cert", "/nonexistent.pem", NULL), 1);
  ck_assert_msg (strstr (err, "--tls-key") != NULL, "%s", err);

  ck_assert_int_eq (sr_test_query_int (name, "SELECT count(*) FROM users"), users);
  ck_assert_int_eq (sr_test_query_int (name, "SELECT count(*) FROM vehicles"), vehicles);
}
END_TEST

/* A config file that cannot be read, or holds a value out of range, stops the server
 * before it listens, with a message that names the file and the key. */
START_TEST (test_showroomd_bad_config)
{
  g_autofree char *db = NULL;
  g_autofree char *name G_GNUC_UNUSED = sr_test_new_database (&db);
  g_autofree char *dir = g_dir_make_tmp ("sr-conf-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "showroomd.conf", NULL);
  g_autofree char *missing = g_build_filename (dir, "absent.conf", NULL);
  g_autofree char *err = NULL;

  ck_assert_int_eq (showroomd (NULL, &err, "--db", db, "--listen", "127.0.0.1:0", "--no-tls",
                               "--config", missing, NULL), EXIT_USAGE);
  ck_assert_msg (strstr (err, "absent.conf") != NULL, "the file is not named: %s", err);
  ck_assert_ptr_null (strstr (err, "listening on"));
  g_clear_pointer (&err, g_free);

  ck_assert (g_file_set_contents (path, "[server]\npool-size=0\n", -1, NULL));
  ck_assert_int_eq (showroomd (NULL, &err, "--db", db, "--listen", "127.0.0.1:0", "--no-tls",
                               "--config", path, NULL), EXIT_USAGE);
  ck_assert_msg (strstr (err, "pool-size") != NULL, "the key is not named: %s", err);
  ck_assert_ptr_null (strstr (err, "listening on"));
  g_clear_pointer (&err, g_free);

  /* A key it does not know (here a wish for no TLS) is refused, not skipped. */
  ck_assert (g_file_set_contents (path, "[server]\nno-tls=true\n", -1, NULL));
  ck_assert_int_eq (showroomd (NULL, &err, "--db", db, "--listen", "127.0.0.1:0", "--no-tls",
                               "--config", path, NULL), EXIT_USAGE);
  ck_assert_msg (strstr (err, "no-tls") != NULL, "the key is not named: %s", err);
  ck_assert_ptr_null (strstr (err, "listening on"));
  g_clear_pointer (&err, g_free);
  ck_assert (g_file_set_contents (path, "[Server]\npool-size=4\n", -1, NULL));
  ck_assert_int_eq (showroomd (NULL, &err, "--db", db, "--listen", "127.0.0.1:0", "--no-tls",
                               "--config", path, NULL), EXIT_USAGE);
  ck_assert_msg (strstr (err, "[Server]") != NULL, "the group is not named: %s", err);

  g_unlink (path);
  g_rmdir (dir);
}
END_TEST

typedef struct {
  GDataInputStream *lines;
  char             *line;
  gboolean          done;
} LineRead;

static void
line_read_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  LineRead *read = user_data;

  read->line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (object), result,
                                                           NULL, NULL);
  read->done = TRUE;
}

static char *
next_line (GDataInputStream *lines)
{
  LineRead read = { lines, NULL, FALSE };

  g_data_input_stream_read_line_async (lines, G_PRIORITY_DEFAULT, NULL, line_read_cb, &read);
  sr_test_wait (&read.done);
  return read.line;
}

/* `watch` prints the subscription on stderr, then one event per line on stdout: a
 * change made in psql shows up, shaped for the user (no cost for sales). */
START_TEST (test_watch_prints_events)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GDataInputStream) err = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) event = NULL;
  g_autofree char *subscribed = NULL;
  g_autofree char *line = NULL;
  JsonObject *params;
  GOutputStream *in;

  wait_serving ();
  ck_assert (sr_test_pg_exec (sr_test_cluster (), dbname,
                              "INSERT INTO vehicles (vin, make, model, year, price, cost, branch_id)"
                              " VALUES ('WATCH000000000001', 'Tata', 'Punch', 2024, 800000, 700000, 1)",
                              NULL));

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                        G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_unsetenv (launcher, "G_DEBUG");
  process = g_subprocess_launcher_spawn (launcher, &error, sr_test_program ("showroomctl"),
                                         "--server", sr_test_server_get_address (server),
                                         "--no-tls", "--email", "sales@mumbai.test",
                                         "--password-stdin", "watch", NULL);
  ck_assert_msg (process != NULL, "%s", error ? error->message : "");
  in = g_subprocess_get_stdin_pipe (process);
  ck_assert (g_output_stream_write_all (in, SR_TEST_PASSWORD "\n", strlen (SR_TEST_PASSWORD) + 1,
                                        NULL, NULL, NULL));
  g_output_stream_close (in, NULL, NULL);

  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  err = g_data_input_stream_new (g_subprocess_get_stderr_pipe (process));
  subscribed = next_line (err);
  ck_assert_msg (subscribed != NULL && strstr (subscribed, "\"resync\":false") != NULL,
                 "subscription: %s", subscribed ? subscribed : "(none)");

  ck_assert (sr_test_pg_exec (sr_test_cluster (), dbname,
                              "UPDATE vehicles SET price = 790000 WHERE vin = 'WATCH000000000001'",
                              NULL));
  line = next_line (out);
  ck_assert_msg (line != NULL, "watch printed nothing");
  event = sr_json_from_string (line, -1, NULL);
  ck_assert_msg (event != NULL && JSON_NODE_HOLDS_OBJECT (event), "not JSON: %s", line);
  params = json_node_get_object (event);
  ck_assert_str_eq (json_object_get_string_member (params, "entity"), "vehicle");
  ck_assert_str_eq (json_object_get_string_member (params, "op"), "update");
  ck_assert_str_eq (sr_test_get_string (event, "data.price"), "790000.00");
  ck_assert (!json_object_has_member (json_object_get_object_member (params, "data"), "cost"));

  g_subprocess_force_exit (process);
  g_subprocess_wait (process, NULL, NULL);
}
END_TEST

int
main (void)
{
  Suite *suite = suite_create ("integration");
  TCase *client = tcase_create ("showroomctl");
  TCase *tls = tcase_create ("tls");
  TCase *daemon = tcase_create ("showroomd");
  SRunner *runner;
  int failed;

  /* Before any fork: GSubprocess is only used inside the tests. */
  sr_test_init ();

  tcase_add_checked_fixture (client, setup, teardown);
  tcase_add_test (client, test_ping);
  tcase_add_test (client, test_login_and_call);
  tcase_add_test (client, test_wrong_password);
  tcase_add_test (client, test_without_login);
  tcase_add_test (client, test_rpc_error_names_field);
  tcase_add_test (client, test_usage_errors);
  tcase_add_test (client, test_no_arguments);
  tcase_add_test (client, test_nothing_listens);
  tcase_add_test (client, test_watch_prints_events);
  suite_add_tcase (suite, client);

  tcase_add_checked_fixture (tls, setup_tls, teardown);
  tcase_add_test (tls, test_tls_needs_fingerprint);
  tcase_add_test (tls, test_tls_pinned);
  tcase_add_test (tls, test_tls_key_file_private);
  tcase_add_test (tls, test_tls_restart_keeps_fingerprint);
  tcase_add_test (tls, test_tls_client_without_tls);
  suite_add_tcase (suite, tls);

  tcase_add_test (daemon, test_no_tls_needs_loopback);
  tcase_add_test (daemon, test_migrate);
  tcase_add_test (daemon, test_create_admin);
  tcase_add_test (daemon, test_create_admin_weak_password);
  tcase_add_test (daemon, test_create_admin_keeps_branches);
  tcase_add_test (daemon, test_seed_demo);
  tcase_add_test (daemon, test_showroomd_usage);
  tcase_add_test (daemon, test_showroomd_bad_config);
  tcase_add_test (daemon, test_showroomd_refusal_before_writes);
  suite_add_tcase (suite, daemon);

  runner = srunner_create (suite);
  srunner_run_all (runner, CK_NORMAL);
  failed = srunner_ntests_failed (runner);
  srunner_free (runner);

  return failed == 0 ? 0 : 1;
}
