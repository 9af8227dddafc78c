/* sr-test-server.c: showroomd processes and client helpers for the integration tests. */
#define G_LOG_DOMAIN "sr-test-server"

#include "config.h"

#include <check.h>
#include <signal.h>
#include <string.h>

#include <glib/gstdio.h>

#include "sr-error.h"
#include "sr-frame.h"
#include "sr-password.h"
#include "sr-rpc.h"
#include "sr-test-server.h"

#define TEMPLATE_DB "sr_template"
#define HANG_GUARD_S 60

struct _SrTestServer
{
  GSubprocess *process;
  char        *address;
  GThread     *log_thread;
  GMutex       log_lock;
  GString     *log;
};

static SrTestPg *cluster;
static guint db_counter;

SrTestPg *
sr_test_cluster (void)
{
  return cluster;
}

const char *
sr_test_program (const char *name)
{
  const char *var = g_str_equal (name, "showroomd") ? "SR_SHOWROOMD" : "SR_SHOWROOMCTL";
  const char *path = g_getenv (var);

  if (path == NULL)
    g_error ("%s is not set: run the tests through meson test", var);
  return path;
}

static void
cluster_free (void)
{
  g_clear_pointer (&cluster, sr_test_pg_free);
}

static const char seed_sql[] =
  "INSERT INTO branches (name, city) VALUES ('Mumbai', 'Mumbai'), ('Pune', 'Pune');"
  "INSERT INTO users (email, name, role, branch_id, password_hash) VALUES"
  " ('admin@mumbai.test', 'Mumbai Admin', 'admin', 1, '%1$s'),"
  " ('manager@mumbai.test', 'Mumbai Manager', 'manager', 1, '%1$s'),"
  " ('sales@mumbai.test', 'Mumbai Sales', 'sales', 1, '%1$s'),"
  " ('admin@pune.test', 'Pune Admin', 'admin', 2, '%1$s'),"
  " ('manager@pune.test', 'Pune Manager', 'manager', 2, '%1$s'),"
  " ('sales@pune.test', 'Pune Sales', 'sales', 2, '%1$s');";

void
sr_test_init (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *conninfo = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *sql = NULL;
  g_autofree char *output = NULL;
  char *argv[] = { NULL, "--db", NULL, "--migrate", NULL };
  int status = 0;

  if (cluster != NULL)
    return;

  if (!sr_crypto_init (&error))
    g_error ("%s", error->message);

  cluster = sr_test_pg_start (&error);
  if (cluster == NULL)
    g_error ("cannot start PostgreSQL: %s", error->message);
  atexit (cluster_free);

  if (!sr_test_pg_create_db (cluster, TEMPLATE_DB, NULL, &error))
    g_error ("%s", error->message);

  /* Migrated by the real program, exactly as an installation is. g_spawn_sync rather
   * than GSubprocess: the latter starts GLib's worker thread, which forked test
   * children would then lack. */
  conninfo = sr_test_pg_conninfo (cluster, TEMPLATE_DB);
  argv[0] = (char *) sr_test_program ("showroomd");
  argv[2] = conninfo;
  if (!g_spawn_sync (NULL, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, &output, &status, &error) ||
      !g_spawn_check_wait_status (status, &error))
    g_error ("migration failed: %s\n%s", error->message, output ? output : "");

  hash = sr_password_hash (SR_TEST_PASSWORD, &error);
  sql = g_strdup_printf (seed_sql, hash);
  if (!sr_test_pg_exec (cluster, TEMPLATE_DB, sql, &error))
    g_error ("seeding the template failed: %s", error->message);
}

char *
sr_test_new_database (char **conninfo)
{
  g_autoptr(GError) error = NULL;
  char *name;

  g_assert (cluster != NULL);

  /* Forked test children share a counter only through the pid. */
  name = g_strdup_printf ("sr_test_%d_%u", (int) getpid (), ++db_counter);
  if (!sr_test_pg_create_db (cluster, name, TEMPLATE_DB, &error))
    ck_abort_msg ("cannot create database %s: %s", name, error->message);

  if (conninfo != NULL)
    *conninfo = sr_test_pg_conninfo (cluster, name);
  return name;
}

static gpointer
log_reader (gpointer data)
{
  SrTestServer *self = data;
  GInputStream *stream = g_subprocess_get_stderr_pipe (self->process);
  char buffer[4096];
  gssize n;

  while ((n = g_input_stream_read (stream, buffer, sizeof buffer, NULL, NULL)) > 0)
    {
      g_mutex_lock (&self->log_lock);
      g_string_append_len (self->log, buffer, n);
      g_mutex_unlock (&self->log_lock);
    }

  return NULL;
}

char *
sr_test_server_get_log (SrTestServer *self)
{
  char *copy;

  g_mutex_lock (&self->log_lock);
  copy = g_strdup (self->log->str);
  g_mutex_unlock (&self->log_lock);

  return copy;
}

void
sr_test_launcher_for_tls (GSubprocessLauncher *launcher)
{
  const char *options = g_getenv ("ASAN_OPTIONS");
  g_autofree char *quiet = NULL;

  if (options == NULL || g_getenv ("SR_TEST_SANITIZED") == NULL)
    return;

  quiet = g_strconcat (options, ":detect_leaks=0", NULL);
  g_subprocess_launcher_setenv (launcher, "ASAN_OPTIONS", quiet, TRUE);
}

SrTestServer *
sr_test_server_start (const char *conninfo,
                      const char *first_extra_arg,
                      ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  SrTestServer *self = g_new0 (SrTestServer, 1);
  gint64 deadline = g_get_monotonic_time () + HANG_GUARD_S * G_USEC_PER_SEC;
  va_list args;

  g_ptr_array_add (argv, (char *) sr_test_program ("showroomd"));
  g_ptr_array_add (argv, "--db");
  g_ptr_array_add (argv, (char *) conninfo);
  g_ptr_array_add (argv, "--listen");
  g_ptr_array_add (argv, "127.0.0.1:0");

  va_start (args, first_extra_arg);
  for (const char *arg = first_extra_arg; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  g_mutex_init (&self->log_lock);
  self->log = g_string_new (NULL);
  /* The server must not inherit the tests' fatal-warnings: it logs warnings on
   * purpose, e.g. while PostgreSQL restarts. */
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_unsetenv (launcher, "G_DEBUG");
  if (!g_strv_contains ((const char * const *) argv->pdata, "--no-tls"))
    sr_test_launcher_for_tls (launcher);
  self->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata,
                                                &error);
  if (self->process == NULL)
    ck_abort_msg ("cannot start showroomd: %s", error->message);
  self->log_thread = g_thread_new ("server-log", log_reader, self);

  /* The server logs "listening on 127.0.0.1:PORT" once it accepts connections. */
  while (self->address == NULL)
    {
      g_autofree char *log = sr_test_server_get_log (self);
      const char *line = strstr (log, "listening on ");

      if (line != NULL)
        {
          const char *end = strchr (line + strlen ("listening on "), ' ');
          if (end != NULL)
            self->address = g_strndup (line + strlen ("listening on "),
                                       end - line - strlen ("listening on "));
          break;
        }

      if (g_get_monotonic_time () > deadline)
        {
          g_printerr ("showroomd did not start; its log:\n%s\n", log);
          ck_abort_msg ("showroomd did not start (its log is on stderr)");
        }
      if (g_subprocess_get_identifier (self->process) == NULL)
        {
          g_printerr ("showroomd exited at start; its log:\n%s\n", log);
          ck_abort_msg ("showroomd exited at start (its log is on stderr)");
        }
      g_usleep (10000);
    }

  return self;
}

void
sr_test_fixture_start (char         **dbname,
                       char         **conninfo,
                       SrTestServer **server)
{
  *dbname = sr_test_new_database (conninfo);
  *server = sr_test_server_start (*conninfo, "--no-tls", NULL);
}

void
sr_test_fixture_stop (char         **dbname,
                      char         **conninfo,
                      SrTestServer **server_ptr)
{
  SrTestServer *server = *server_ptr;
  int status = sr_test_server_stop (server);

  if (status != 0)
    {
      g_autofree char *log = sr_test_server_get_log (server);
      gsize len = strlen (log);

      /* The end of what it said is where it says why (a sanitizer's report, say). It
       * goes to stderr: check's own messages are limited to a few KiB. */
      g_printerr ("showroomd exited with status %d; its log ends:\n%s\n", status,
                  len > 20000 ? log + len - 20000 : log);
      ck_abort_msg ("showroomd exited with status %d (its log is on stderr)", status);
    }
  g_clear_pointer (server_ptr, sr_test_server_free);
  g_clear_pointer (conninfo, g_free);
  if (dbname != NULL)
    g_clear_pointer (dbname, g_free);
}

const char *
sr_test_server_get_address (SrTestServer *self)
{
  return self->address;
}

GPid
sr_test_server_get_pid (SrTestServer *self)
{
  const char *id = g_subprocess_get_identifier (self->process);

  return id ? (GPid) g_ascii_strtoll (id, NULL, 10) : 0;
}

int
sr_test_server_stop (SrTestServer *self)
{
  g_autoptr(GError) error = NULL;

  if (g_subprocess_get_identifier (self->process) != NULL)
    g_subprocess_send_signal (self->process, SIGTERM);
  if (!g_subprocess_wait (self->process, NULL, &error))
    return -1;
  if (!g_subprocess_get_if_exited (self->process))
    return 128 + g_subprocess_get_term_sig (self->process);

  return g_subprocess_get_exit_status (self->process);
}

void
sr_test_server_free (SrTestServer *self)
{
  if (self == NULL)
    return;

  if (g_subprocess_get_identifier (self->process) != NULL)
    {
      g_subprocess_force_exit (self->process);
      g_subprocess_wait (self->process, NULL, NULL);
    }
  g_thread_join (self->log_thread);
  g_object_unref (self->process);
  g_string_free (self->log, TRUE);
  g_mutex_clear (&self->log_lock);
  g_free (self->address);
  g_free (self);
}

static gboolean
hang_guard_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

void
sr_test_wait (gboolean *done)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (HANG_GUARD_S, hang_guard_cb, &timed_out);

  while (!*done && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  if (!timed_out)
    g_source_remove (id);
  ck_assert_msg (!timed_out, "nothing happened for %d s", HANG_GUARD_S);
}

void
sr_test_wait_until (gboolean (*check) (gpointer),
                    gpointer   data)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (HANG_GUARD_S, hang_guard_cb, &timed_out);

  while (!check (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  if (!timed_out)
    g_source_remove (id);
  ck_assert_msg (!timed_out, "condition not met within %d s", HANG_GUARD_S);
}

typedef struct {
  guint      done;
  guint      n;
  JsonNode **results;
  GError   **errors;
} Race;

typedef struct {
  Race  *race;
  guint  index;
} Racer;

static void
race_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Racer *racer = user_data;

  racer->race->results[racer->index] =
    sr_connection_call_finish (SR_CONNECTION (object), result, &racer->race->errors[racer->index]);
  racer->race->done++;
}

static gboolean
race_over (gpointer data)
{
  Race *race = data;

  return race->done == race->n;
}

void
sr_test_race (SrConnection **connections,
              guint          n,
              const char    *method,
              const char   **params,
              JsonNode     **results,
              GError       **errors)
{
  g_autofree Racer *racers = g_new0 (Racer, n);
  Race race = { 0, n, results, errors };

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(JsonNode) node = sr_json_from_string (params[i], -1, NULL);

      ck_assert_msg (node != NULL && JSON_NODE_HOLDS_OBJECT (node), "bad params: %s", params[i]);
      results[i] = NULL;
      errors[i] = NULL;
      racers[i].race = &race;
      racers[i].index = i;
      sr_connection_call_async (connections[i], method, json_node_get_object (node), NULL,
                                race_cb, &racers[i]);
    }
  sr_test_wait_until (race_over, &race);
}

typedef struct {
  gboolean  done;
  gboolean  ok;
  JsonNode *result;
  GError   *error;
} Wait;

static void
connect_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Wait *wait = user_data;

  wait->ok = sr_connection_connect_finish (SR_CONNECTION (object), result, &wait->error);
  wait->done = TRUE;
}

char *
sr_test_config_file (const char *contents)
{
  g_autoptr(GError) error = NULL;
  char *path = NULL;
  int fd = g_file_open_tmp ("sr-test-XXXXXX.conf", &path, &error);

  ck_assert_msg (fd >= 0, "%s", error ? error->message : "");
  g_close (fd, NULL);
  ck_assert_msg (g_file_set_contents (path, contents, -1, &error), "%s",
                 error ? error->message : "");
  return path;
}

SrConnection *
sr_test_connect (SrTestServer *server)
{
  SrConnection *connection = sr_connection_new (server->address, FALSE);
  Wait wait = { 0 };

  sr_connection_connect_async (connection, NULL, connect_cb, &wait);
  sr_test_wait (&wait.done);
  ck_assert_msg (wait.ok, "connect failed: %s", wait.error ? wait.error->message : "?");

  return connection;
}

SrConnection *
sr_test_connect_as (SrTestServer *server,
                    const char   *email)
{
  SrConnection *connection = sr_test_connect (server);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) result = NULL;

  result = sr_test_callf (connection, &error, "auth.login",
                          "{\"email\":\"%s\",\"password\":\"%s\"}", email, SR_TEST_PASSWORD);
  ck_assert_msg (result != NULL, "login as %s failed: %s", email, error ? error->message : "?");

  return connection;
}

static void
call_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Wait *wait = user_data;

  wait->result = sr_connection_call_finish (SR_CONNECTION (object), result, &wait->error);
  wait->done = TRUE;
}

JsonNode *
sr_test_call (SrConnection  *connection,
              const char    *method,
              const char    *params,
              GError       **error)
{
  g_autoptr(JsonNode) params_node = NULL;
  Wait wait = { 0 };

  if (params != NULL)
    {
      g_autoptr(GError) parse_error = NULL;

      params_node = sr_json_from_string (params, -1, &parse_error);
      ck_assert_msg (params_node != NULL && JSON_NODE_HOLDS_OBJECT (params_node),
                     "test params are not a JSON object: %s", params);
    }

  sr_connection_call_async (connection, method,
                            params_node ? json_node_get_object (params_node) : NULL,
                            NULL, call_cb, &wait);
  sr_test_wait (&wait.done);

  if (wait.error != NULL)
    g_propagate_error (error, wait.error);
  return wait.result;
}

JsonNode *
sr_test_callf (SrConnection  *connection,
               GError       **error,
               const char    *method,
               const char    *format,
               ...)
{
  g_autofree char *params = NULL;
  va_list args;

  va_start (args, format);
  params = g_strdup_vprintf (format, args);
  va_end (args);

  return sr_test_call (connection, method, params, error);
}

GError *
sr_test_call_fails (SrConnection *connection,
                    const char   *method,
                    const char   *params,
                    const char   *reason)
{
  g_autoptr(JsonNode) result = NULL;
  GError *error = NULL;

  result = sr_test_call (connection, method, params, &error);
  ck_assert_msg (result == NULL, "%s %s succeeded; expected %s", method,
                 params ? params : "", reason);
  ck_assert_msg (error->domain == SR_ERROR, "%s failed outside SR_ERROR: %s", method, error->message);
  ck_assert_msg (g_str_equal (sr_error_reason (error->code), reason),
                 "%s %s failed with %s (%s); expected %s", method, params ? params : "",
                 sr_error_reason (error->code), error->message, reason);

  return error;
}

JsonNode *
sr_test_call_ok (SrConnection *connection,
                 const char   *method,
                 const char   *params)
{
  g_autoptr(GError) error = NULL;
  JsonNode *result = sr_test_call (connection, method, params, &error);

  ck_assert_msg (result != NULL, "%s %s failed: %s", method, params ? params : "",
                 error ? error->message : "?");
  return result;
}

JsonNode *
sr_test_call_okf (SrConnection *connection,
                  const char   *method,
                  const char   *format,
                  ...)
{
  g_autofree char *params = NULL;
  va_list args;

  va_start (args, format);
  params = g_strdup_vprintf (format, args);
  va_end (args);

  return sr_test_call_ok (connection, method, params);
}

char *
sr_test_query (const char *dbname,
               const char *sql)
{
  g_autoptr(GError) error = NULL;
  char *value = sr_test_pg_query_value (sr_test_cluster (), dbname, sql, &error);

  ck_assert_msg (value != NULL, "%s: %s", sql, error ? error->message : "?");
  return value;
}

char *
sr_test_queryf (const char *dbname,
                const char *format,
                ...)
{
  g_autofree char *sql = NULL;
  va_list args;

  va_start (args, format);
  sql = g_strdup_vprintf (format, args);
  va_end (args);

  return sr_test_query (dbname, sql);
}

gint64
sr_test_query_int (const char *dbname,
                   const char *sql)
{
  g_autofree char *value = sr_test_query (dbname, sql);

  return g_ascii_strtoll (value, NULL, 10);
}

void
sr_test_exec (const char *dbname,
              const char *sql)
{
  g_autoptr(GError) error = NULL;

  ck_assert_msg (sr_test_pg_exec (sr_test_cluster (), dbname, sql, &error),
                 "%s: %s", sql, error ? error->message : "?");
}

void
sr_test_execf (const char *dbname,
               const char *format,
               ...)
{
  g_autofree char *sql = NULL;
  va_list args;

  va_start (args, format);
  sql = g_strdup_vprintf (format, args);
  va_end (args);

  sr_test_exec (dbname, sql);
}

GSocketConnection *
sr_test_raw_connect (SrTestServer *server)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GError) error = NULL;
  GSocketConnection *connection;

  g_socket_client_set_enable_proxy (client, FALSE);
  connection = g_socket_client_connect_to_host (client, server->address, 0, NULL, &error);
  ck_assert_msg (connection != NULL, "raw connect failed: %s", error ? error->message : "?");
  g_socket_set_timeout (g_socket_connection_get_socket (connection), HANG_GUARD_S);

  return connection;
}

void
sr_test_raw_send (GSocketConnection *connection,
                  const void        *data,
                  gsize              len)
{
  g_autoptr(GError) error = NULL;
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (connection));

  ck_assert_msg (g_output_stream_write_all (out, data, len, NULL, NULL, &error),
                 "raw send failed: %s", error ? error->message : "?");
}

void
sr_test_raw_send_frame (GSocketConnection *connection,
                        const char        *text)
{
  g_autoptr(GBytes) frame = sr_frame_encode (text, strlen (text));
  gsize len;
  const void *data = g_bytes_get_data (frame, &len);

  sr_test_raw_send (connection, data, len);
}

JsonObject *
sr_test_raw_read (GSocketConnection *connection)
{
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *body = NULL;
  guint8 header[4];
  gsize got = 0;
  guint32 len;

  if (!g_input_stream_read_all (in, header, 4, &got, NULL, &error) || got < 4)
    return NULL;

  len = (guint32) header[0] << 24 | header[1] << 16 | header[2] << 8 | header[3];
  ck_assert_msg (len > 0 && len <= SR_FRAME_SERVER_MAX, "server frame of %u bytes", len);
  body = g_malloc (len + 1);
  ck_assert_msg (g_input_stream_read_all (in, body, len, &got, NULL, &error) && got == len,
                 "short frame from the server");
  body[len] = '\0';

  node = sr_json_from_string (body, len, &error);
  ck_assert_msg (node != NULL && JSON_NODE_HOLDS_OBJECT (node), "server sent non-JSON: %s", body);

  return json_object_ref (json_node_get_object (node));
}

static const char *
error_data_string (JsonObject *response,
                   const char *name)
{
  JsonObject *error;
  JsonObject *data;

  if (!json_object_has_member (response, "error"))
    return NULL;
  error = json_object_get_object_member (response, "error");
  data = json_object_get_object_member (error, "data");
  return data && json_object_has_member (data, name) ?
         json_object_get_string_member (data, name) : NULL;
}

const char *
sr_test_error_reason (JsonObject *response)
{
  return error_data_string (response, "reason");
}

const char *
sr_test_error_field (JsonObject *response)
{
  return error_data_string (response, "field");
}

gint64
sr_test_error_code (JsonObject *response)
{
  if (!json_object_has_member (response, "error"))
    return 0;
  return json_object_get_int_member (json_object_get_object_member (response, "error"), "code");
}

static JsonNode *
walk (JsonNode   *node,
      const char *path)
{
  g_auto(GStrv) parts = g_strsplit (path, ".", -1);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      ck_assert_msg (node != NULL && JSON_NODE_HOLDS_OBJECT (node), "no object at %s", path);
      node = json_object_get_member (json_node_get_object (node), parts[i]);
    }
  ck_assert_msg (node != NULL, "no member %s", path);

  return node;
}

gint64
sr_test_count (const char *dbname,
               const char *table)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM %s", table);

  return sr_test_query_int (dbname, sql);
}

JsonObject *
sr_test_object (JsonNode *node)
{
  ck_assert_msg (node != NULL && JSON_NODE_HOLDS_OBJECT (node), "not a JSON object");
  return json_node_get_object (node);
}

gint64
sr_test_get_int (JsonNode   *node,
                 const char *path)
{
  JsonNode *member = walk (node, path);

  ck_assert_msg (JSON_NODE_HOLDS_VALUE (member) &&
                 json_node_get_value_type (member) == G_TYPE_INT64, "%s is not an integer", path);
  return json_node_get_int (member);
}

const char *
sr_test_get_string (JsonNode   *node,
                    const char *path)
{
  JsonNode *member = walk (node, path);

  ck_assert_msg (JSON_NODE_HOLDS_VALUE (member) &&
                 json_node_get_value_type (member) == G_TYPE_STRING, "%s is not a string", path);
  return json_node_get_string (member);
}

static void
watcher_event_cb (SrConnection *connection,
                  JsonObject   *params,
                  gpointer      user_data)
{
  SrTestWatcher *self = user_data;

  g_ptr_array_add (self->events, json_object_ref (params));
}

void
sr_test_watcher_start (SrTestWatcher *self,
                       SrTestServer  *server,
                       const char    *email)
{
  g_autoptr(JsonNode) subscribed = NULL;

  self->connection = sr_test_connect_as (server, email);
  self->events = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_signal_connect (self->connection, "event", G_CALLBACK (watcher_event_cb), self);
  subscribed = sr_test_call_ok (self->connection, "subscribe", NULL);
}

void
sr_test_watcher_stop (SrTestWatcher *self)
{
  g_clear_object (&self->connection);
  g_clear_pointer (&self->events, g_ptr_array_unref);
}

JsonObject *
sr_test_watcher_find (SrTestWatcher *self,
                      const char    *entity,
                      gint64         id,
                      const char    *status)
{
  for (guint i = 0; i < self->events->len; i++)
    {
      JsonObject *event = g_ptr_array_index (self->events, i);
      JsonObject *data = json_object_get_object_member (event, "data");

      if (g_str_equal (json_object_get_string_member (event, "entity"), entity) &&
          json_object_get_int_member (event, "id") == id && data != NULL &&
          (status == NULL || g_strcmp0 (json_object_get_string_member (data, "status"), status) == 0))
        return event;
    }

  return NULL;
}

typedef struct {
  SrTestWatcher *watcher;
  const char    *entity;
  gint64         id;
  const char    *status;
} AwaitedEvent;

static gboolean
event_arrived (gpointer data)
{
  AwaitedEvent *awaited = data;

  return sr_test_watcher_find (awaited->watcher, awaited->entity, awaited->id, awaited->status) != NULL;
}

JsonObject *
sr_test_watcher_await (SrTestWatcher *self,
                       const char    *entity,
                       gint64         id,
                       const char    *status)
{
  AwaitedEvent awaited = { self, entity, id, status };

  sr_test_wait_until (event_arrived, &awaited);
  return sr_test_watcher_find (self, entity, id, status);
}

void
sr_test_watcher_settle (SrTestWatcher *self)
{
  json_node_unref (sr_test_call_ok (self->connection, "ping", NULL));
  json_node_unref (sr_test_call_ok (self->connection, "ping", NULL));
}
