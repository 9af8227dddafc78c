/* sr-test-pg.c: private PostgreSQL cluster for integration tests.
 *
 * initdb + pg_ctl in a temp dir, Unix socket only; as root the cluster runs as `postgres`.
 */
#define G_LOG_DOMAIN "sr-test-pg"

#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <gio/gio.h>

#include "sr-test-pg.h"

#define PG_USER           "postgres"
#define BASE_PORT         5432
#define PORT_SPREAD       10000
#define START_TIMEOUT_S   "120"
#define STOP_TIMEOUT_S    "60"
#define LOG_TAIL_BYTES    4096
#define MAX_DIR_LEN       80      /* the socket path must fit in sun_path (108) */
#define DB_BUSY_RETRIES   10

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGconn, PQfinish)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGresult, PQclear)

struct _SrTestPg
{
  char     *dir;
  char     *data_dir;
  char     *log_path;
  char     *bindir;
  char     *runuser;        /* set when running as root and runuser exists */
  char     *su;             /* fallback when running as root without runuser */
  guint     port;
  uid_t     pg_uid;
  gid_t     pg_gid;
  pid_t     owner_pid;
  gboolean  as_postgres;
  gboolean  initialized;
  gboolean  running;
};

/* --- paths and binaries ------------------------------------------------------------ */

static gboolean
path_is_safe (const char *path)
{
  const char *p;

  if (path == NULL || !g_path_is_absolute (path) || strlen (path) > MAX_DIR_LEN - 20)
    return FALSE;

  for (p = path; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("/._-", *p) == NULL)
      return FALSE;

  return TRUE;
}

/* Whether every component of @path is a directory others may traverse. */
static gboolean
path_is_world_traversable (const char *path)
{
  g_autofree char *copy = g_strdup (path);
  char *slash;

  for (;;)
    {
      GStatBuf st;

      if (g_stat (copy[0] != '\0' ? copy : "/", &st) != 0)
        return FALSE;
      if (!S_ISDIR (st.st_mode) || (st.st_mode & S_IXOTH) == 0)
        return FALSE;

      slash = strrchr (copy, '/');
      if (slash == NULL || copy[0] == '\0')
        break;
      *slash = '\0';
    }

  return TRUE;
}

static const char *
pick_tmp_parent (gboolean as_postgres)
{
  const char *tmp = g_get_tmp_dir ();

  if (path_is_safe (tmp) && (!as_postgres || path_is_world_traversable (tmp)))
    return tmp;

  return "/tmp";
}

static char *
find_program (const char *name,
              const char *const *fallbacks)
{
  char *path = g_find_program_in_path (name);
  guint i;

  for (i = 0; path == NULL && fallbacks[i] != NULL; i++)
    if (g_file_test (fallbacks[i], G_FILE_TEST_IS_EXECUTABLE))
      path = g_strdup (fallbacks[i]);

  return path;
}

static gboolean
bindir_is_usable (const char *bindir)
{
  g_autofree char *initdb = NULL;
  g_autofree char *pg_ctl = NULL;

  if (bindir == NULL || bindir[0] == '\0')
    return FALSE;

  initdb = g_build_filename (bindir, "initdb", NULL);
  pg_ctl = g_build_filename (bindir, "pg_ctl", NULL);

  return g_file_test (initdb, G_FILE_TEST_IS_EXECUTABLE)
         && g_file_test (pg_ctl, G_FILE_TEST_IS_EXECUTABLE);
}

/* Highest /usr/lib/postgresql/N/bin holding initdb, for hosts without pg_config. */
static char *
find_debian_bindir (void)
{
  g_autoptr(GDir) d = g_dir_open ("/usr/lib/postgresql", 0, NULL);
  const char *name;
  char *best = NULL;
  guint64 best_version = 0;

  if (d == NULL)
    return NULL;

  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *bindir = NULL;
      guint64 version;

      if (!g_ascii_string_to_unsigned (name, 10, 1, G_MAXUINT, &version, NULL))
        continue;

      bindir = g_build_filename ("/usr/lib/postgresql", name, "bin", NULL);
      if (version > best_version && bindir_is_usable (bindir))
        {
          g_free (best);
          best = g_steal_pointer (&bindir);
          best_version = version;
        }
    }

  return best;
}

static char *
find_bindir (GError **error)
{
  static const char *const pg_config_fallbacks[] = { "/usr/bin/pg_config", NULL };
  const char *env = g_getenv ("SR_TEST_PG_BINDIR");
  g_autofree char *pg_config = NULL;
  g_autofree char *out = NULL;
  char *bindir;

  if (env != NULL && env[0] != '\0')
    {
      if (!bindir_is_usable (env))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       "SR_TEST_PG_BINDIR=%s has no initdb/pg_ctl", env);
          return NULL;
        }
      return g_strdup (env);
    }

  pg_config = find_program ("pg_config", pg_config_fallbacks);
  if (pg_config != NULL)
    {
      const char *argv[] = { pg_config, "--bindir", NULL };
      int wait_status = 0;

      if (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                        &out, NULL, &wait_status, NULL)
          && g_spawn_check_wait_status (wait_status, NULL))
        {
          g_strstrip (out);
          if (bindir_is_usable (out))
            return g_steal_pointer (&out);
        }
    }

  bindir = find_debian_bindir ();
  if (bindir != NULL)
    return bindir;

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
               "PostgreSQL server binaries not found (pg_config --bindir: %s)",
               out != NULL ? out : "unavailable");
  return NULL;
}

static gboolean
pick_port (guint   *port,
           GError **error)
{
  const char *env = g_getenv ("SR_TEST_PG_PORT");
  guint64 value;
  g_autoptr(GError) local_error = NULL;

  if (env == NULL || env[0] == '\0')
    {
      *port = BASE_PORT + (guint) g_random_int_range (0, PORT_SPREAD);
      return TRUE;
    }

  if (!g_ascii_string_to_unsigned (env, 10, 1, 65535, &value, &local_error))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "Invalid SR_TEST_PG_PORT: %s", local_error->message);
      return FALSE;
    }

  *port = (guint) value;
  return TRUE;
}

/* --- running the server tools ------------------------------------------------------ */

static GStrv
build_argv (SrTestPg           *self,
            const char *const  *argv)
{
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();

  if (self->as_postgres && self->runuser != NULL)
    {
      g_strv_builder_add_many (b, self->runuser, "-u", PG_USER, "--", NULL);
      g_strv_builder_addv (b, (const char **) argv);
    }
  else if (self->as_postgres)
    {
      g_autoptr(GString) cmd = g_string_new ("exec");
      guint i;

      for (i = 0; argv[i] != NULL; i++)
        {
          g_autofree char *quoted = g_shell_quote (argv[i]);

          g_string_append_c (cmd, ' ');
          g_string_append (cmd, quoted);
        }
      g_strv_builder_add_many (b, self->su, PG_USER, "-s", "/bin/sh", "-c", cmd->str, NULL);
    }
  else
    {
      g_strv_builder_addv (b, (const char **) argv);
    }

  return g_strv_builder_end (b);
}

/* Runs a server tool (as postgres when needed); on failure the error holds its output. */
static gboolean
run_tool (SrTestPg           *self,
          const char *const  *argv,
          GError            **error)
{
  g_auto(GStrv) full_argv = build_argv (self, argv);
  g_auto(GStrv) envp = g_get_environ ();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) local_error = NULL;
  int wait_status = 0;

  /* Untranslated messages, whatever the caller's locale. */
  envp = g_environ_setenv (envp, "LC_ALL", "C", TRUE);
  envp = g_environ_unsetenv (envp, "PGDATA");
  envp = g_environ_unsetenv (envp, "PGPORT");
  envp = g_environ_unsetenv (envp, "PGHOST");

  /* Descriptors other than stdio are closed in the child, so a daemonised postmaster
   * never holds on to the test runner's pipes; pg_ctl -l sends its output to the log. */
  if (!g_spawn_sync (self->dir, full_argv, envp, G_SPAWN_DEFAULT, NULL, NULL,
                     &out, &err, &wait_status, &local_error))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "Could not run %s: %s", argv[0], local_error->message);
      return FALSE;
    }

  if (!g_spawn_check_wait_status (wait_status, &local_error))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "%s %s failed (%s):\n%s%s%s",
                   argv[0], argv[1] != NULL ? argv[1] : "", local_error->message,
                   g_strstrip (out), out[0] != '\0' ? "\n" : "", g_strstrip (err));
      return FALSE;
    }

  return TRUE;
}

static char *
read_log_tail (SrTestPg *self)
{
  g_autofree char *contents = NULL;
  gsize len = 0;
  const char *tail;

  if (self->log_path == NULL
      || !g_file_get_contents (self->log_path, &contents, &len, NULL))
    return g_strdup ("(no server log)");

  tail = contents;
  if (len > LOG_TAIL_BYTES)
    {
      const char *nl;

      tail = contents + len - LOG_TAIL_BYTES;
      nl = strchr (tail, '\n');
      if (nl != NULL && nl[1] != '\0')
        tail = nl + 1;
    }

  return g_strchomp (g_strdup (tail));
}

static char *
pid_file_path (SrTestPg *self)
{
  return g_build_filename (self->data_dir, "postmaster.pid", NULL);
}

static gboolean
postmaster_pid_exists (SrTestPg *self)
{
  g_autofree char *pid_file = NULL;

  if (self->data_dir == NULL)
    return FALSE;

  pid_file = pid_file_path (self);
  return g_file_test (pid_file, G_FILE_TEST_EXISTS);
}

static gboolean
pg_ctl_stop (SrTestPg    *self,
             const char  *mode,
             GError     **error)
{
  g_autofree char *pg_ctl = g_build_filename (self->bindir, "pg_ctl", NULL);
  const char *argv[] = { pg_ctl, "stop", "-D", self->data_dir, "-m", mode,
                         "-w", "-t", STOP_TIMEOUT_S, NULL };

  if (!postmaster_pid_exists (self))
    {
      self->running = FALSE;
      return TRUE;
    }

  if (!run_tool (self, argv, error))
    return FALSE;

  self->running = FALSE;
  return TRUE;
}

/* Last resort when pg_ctl could not stop the server: signal the postmaster directly. */
static void
kill_postmaster (SrTestPg *self)
{
  g_autofree char *pid_file = pid_file_path (self);
  g_autofree char *contents = NULL;
  guint64 pid;
  int i;

  if (!g_file_get_contents (pid_file, &contents, NULL, NULL))
    return;

  contents[strcspn (contents, "\n")] = '\0';
  if (!g_ascii_string_to_unsigned (contents, 10, 2, G_MAXINT, &pid, NULL))
    return;

  /* SIGQUIT is an immediate shutdown; the postmaster removes its pid file on exit. */
  if (kill ((pid_t) pid, SIGQUIT) != 0)
    return;

  for (i = 0; i < 100 && g_file_test (pid_file, G_FILE_TEST_EXISTS); i++)
    g_usleep (100 * G_TIME_SPAN_MILLISECOND);

  if (g_file_test (pid_file, G_FILE_TEST_EXISTS))
    kill ((pid_t) pid, SIGKILL);
}

static void
rm_rf (const char *path)
{
  GStatBuf st;

  if (g_lstat (path, &st) != 0)
    return;

  if (S_ISDIR (st.st_mode))
    {
      g_autoptr(GDir) d = g_dir_open (path, 0, NULL);
      const char *name;

      while (d != NULL && (name = g_dir_read_name (d)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          rm_rf (child);
        }

      if (g_rmdir (path) != 0)
        g_message ("Could not remove %s: %s", path, g_strerror (errno));
    }
  else if (g_unlink (path) != 0)
    {
      g_message ("Could not remove %s: %s", path, g_strerror (errno));
    }
}

/* --- libpq ------------------------------------------------------------------------- */

static void
append_conninfo_value (GString    *s,
                       const char *key,
                       const char *value)
{
  const char *p;
  gboolean quote = value[0] == '\0';

  for (p = value; *p != '\0' && !quote; p++)
    if (g_ascii_isspace (*p) || *p == '\'' || *p == '\\')
      quote = TRUE;

  if (s->len > 0)
    g_string_append_c (s, ' ');
  g_string_append_printf (s, "%s=", key);

  if (!quote)
    {
      g_string_append (s, value);
      return;
    }

  g_string_append_c (s, '\'');
  for (p = value; *p != '\0'; p++)
    {
      if (*p == '\'' || *p == '\\')
        g_string_append_c (s, '\\');
      g_string_append_c (s, *p);
    }
  g_string_append_c (s, '\'');
}

static void
notice_cb (void       *arg,
           const char *message)
{
  g_debug ("%.*s", (int) strcspn (message, "\n"), message);
}

static PGconn *
connect_db (SrTestPg    *self,
            const char  *dbname,
            GError     **error)
{
  g_autofree char *conninfo = sr_test_pg_conninfo (self, dbname);
  g_autofree char *full = g_strconcat (conninfo, " connect_timeout=30", NULL);
  g_autoptr(PGconn) conn = PQconnectdb (full);

  if (conn == NULL || PQstatus (conn) != CONNECTION_OK)
    {
      g_autofree char *msg = g_strdup (conn != NULL ? PQerrorMessage (conn) : "out of memory");

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "Could not connect to %s: %s", conninfo, g_strchomp (msg));
      return NULL;
    }

  PQsetNoticeProcessor (conn, notice_cb, NULL);
  return g_steal_pointer (&conn);
}

/* Runs @sql; returns the (successful) result, or NULL with @error and @sqlstate set. */
static PGresult *
run_sql (SrTestPg    *self,
         const char  *dbname,
         const char  *sql,
         char         sqlstate[6],
         GError     **error)
{
  g_autoptr(PGconn) conn = NULL;
  g_autoptr(PGresult) res = NULL;
  ExecStatusType status;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (sql != NULL, NULL);

  if (sqlstate != NULL)
    sqlstate[0] = '\0';

  conn = connect_db (self, dbname, error);
  if (conn == NULL)
    return NULL;

  res = PQexec (conn, sql);
  status = res != NULL ? PQresultStatus (res) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && status != PGRES_EMPTY_QUERY)
    {
      g_autofree char *msg = NULL;

      if (res != NULL && PQresultErrorMessage (res)[0] != '\0')
        msg = g_strdup (PQresultErrorMessage (res));
      else if (PQerrorMessage (conn)[0] != '\0')
        msg = g_strdup (PQerrorMessage (conn));
      else
        msg = g_strdup_printf ("unexpected result status %s", PQresStatus (status));

      if (sqlstate != NULL && res != NULL)
        {
          const char *state = PQresultErrorField (res, PG_DIAG_SQLSTATE);

          if (state != NULL)
            g_strlcpy (sqlstate, state, 6);
        }

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s", g_strchomp (msg));
      return NULL;
    }

  return g_steal_pointer (&res);
}

static gboolean
name_is_valid (const char *name)
{
  const char *p;

  if (name == NULL || name[0] == '\0' || strlen (name) > 63)
    return FALSE;

  for (p = name; *p != '\0'; p++)
    if (!g_ascii_islower (*p) && !g_ascii_isdigit (*p) && *p != '_')
      return FALSE;

  return TRUE;
}

/* --- public API -------------------------------------------------------------------- */

static gboolean
init_cluster (SrTestPg  *self,
              GError   **error)
{
  g_autofree char *initdb = g_build_filename (self->bindir, "initdb", NULL);
  const char *argv[] = { initdb, "-D", self->data_dir, "-U", PG_USER, "--auth=trust",
                         "--encoding=UTF8", "--locale=C.UTF-8", "-N", NULL };

  if (!run_tool (self, argv, error))
    return FALSE;

  self->initialized = TRUE;
  return TRUE;
}

SrTestPg *
sr_test_pg_start (GError **error)
{
  g_autoptr(SrTestPg) self = g_new0 (SrTestPg, 1);
  g_autofree char *template = NULL;

  self->owner_pid = getpid ();
  self->as_postgres = getuid () == 0 || geteuid () == 0;

  if (!pick_port (&self->port, error))
    return NULL;

  self->bindir = find_bindir (error);
  if (self->bindir == NULL)
    return NULL;

  if (self->as_postgres)
    {
      static const char *const runuser_fallbacks[] = { "/usr/sbin/runuser", "/sbin/runuser", NULL };
      static const char *const su_fallbacks[] = { "/usr/bin/su", "/bin/su", NULL };
      struct passwd *pw = getpwnam (PG_USER);

      if (pw == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       "Running as root but there is no '%s' user to run the server as",
                       PG_USER);
          return NULL;
        }
      self->pg_uid = pw->pw_uid;
      self->pg_gid = pw->pw_gid;

      self->runuser = find_program ("runuser", runuser_fallbacks);
      if (self->runuser == NULL)
        self->su = find_program ("su", su_fallbacks);
      if (self->runuser == NULL && self->su == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       "Running as root but neither runuser nor su is available");
          return NULL;
        }
    }

  /* g_dir_make_tmp() in a parent the postgres user can reach, with a short socket path. */
  template = g_build_filename (pick_tmp_parent (self->as_postgres), "sr-test-pg-XXXXXX", NULL);
  if (g_mkdtemp_full (template, 0700) == NULL)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "Could not create temp dir %s: %s", template, g_strerror (saved_errno));
      return NULL;
    }
  self->dir = g_steal_pointer (&template);
  self->data_dir = g_build_filename (self->dir, "data", NULL);
  self->log_path = g_build_filename (self->dir, "log", NULL);

  /* World-traversable so clients running as any user can reach the socket. */
  if (g_chmod (self->dir, 0755) != 0
      || (self->as_postgres && chown (self->dir, self->pg_uid, self->pg_gid) != 0))
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "Could not set up temp dir %s: %s", self->dir, g_strerror (saved_errno));
      return NULL;
    }

  if (!init_cluster (self, error))
    return NULL;

  if (!sr_test_pg_start_server (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

void
sr_test_pg_free (SrTestPg *self)
{
  if (self == NULL)
    return;

  /* A forked child (check's CK_FORK runs atexit handlers there) must not tear down
   * the cluster its parent still uses. */
  if (self->dir != NULL && getpid () == self->owner_pid)
    {
      if (self->bindir != NULL && postmaster_pid_exists (self))
        {
          g_autoptr(GError) error = NULL;

          if (!pg_ctl_stop (self, "immediate", &error))
            {
              g_message ("Could not stop test cluster, killing it: %s", error->message);
              kill_postmaster (self);
            }
        }
      rm_rf (self->dir);
    }

  g_free (self->dir);
  g_free (self->data_dir);
  g_free (self->log_path);
  g_free (self->bindir);
  g_free (self->runuser);
  g_free (self->su);
  g_free (self);
}

const char *
sr_test_pg_get_dir (SrTestPg *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->dir;
}

guint
sr_test_pg_get_port (SrTestPg *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->port;
}

char *
sr_test_pg_conninfo (SrTestPg   *self,
                     const char *dbname)
{
  g_autoptr(GString) s = g_string_new (NULL);
  char port[16];

  g_return_val_if_fail (self != NULL, NULL);

  g_snprintf (port, sizeof port, "%u", self->port);
  append_conninfo_value (s, "host", self->dir);
  append_conninfo_value (s, "port", port);
  append_conninfo_value (s, "dbname", dbname != NULL ? dbname : "postgres");
  append_conninfo_value (s, "user", PG_USER);

  return g_string_free (g_steal_pointer (&s), FALSE);
}

gboolean
sr_test_pg_exec (SrTestPg    *self,
                 const char  *dbname,
                 const char  *sql,
                 GError     **error)
{
  g_autoptr(PGresult) res = run_sql (self, dbname, sql, NULL, error);

  return res != NULL;
}

char *
sr_test_pg_query_value (SrTestPg    *self,
                        const char  *dbname,
                        const char  *sql,
                        GError     **error)
{
  g_autoptr(PGresult) res = run_sql (self, dbname, sql, NULL, error);

  if (res == NULL)
    return NULL;

  if (PQresultStatus (res) != PGRES_TUPLES_OK || PQntuples (res) < 1 || PQnfields (res) < 1)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Query returned no rows: %s", sql);
      return NULL;
    }

  if (PQgetisnull (res, 0, 0))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Query returned NULL: %s", sql);
      return NULL;
    }

  return g_strdup (PQgetvalue (res, 0, 0));
}

gboolean
sr_test_pg_create_db (SrTestPg    *self,
                      const char  *name,
                      const char  *template_db,
                      GError     **error)
{
  g_autofree char *sql = NULL;
  int attempt;

  g_return_val_if_fail (self != NULL, FALSE);

  if (!name_is_valid (name) || (template_db != NULL && !name_is_valid (template_db)))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "Invalid database name (expected [a-z0-9_]+): %s",
                   name_is_valid (name) ? template_db : (name != NULL ? name : "(null)"));
      return FALSE;
    }

  if (template_db != NULL)
    sql = g_strdup_printf ("CREATE DATABASE \"%s\" TEMPLATE \"%s\"", name, template_db);
  else
    sql = g_strdup_printf ("CREATE DATABASE \"%s\"", name);

  /* 55006 (object_in_use): the template still has a session, e.g. one just closed by a
   * test or an autovacuum worker; the server already waits a few seconds, retry anyway. */
  for (attempt = 0; ; attempt++)
    {
      g_autoptr(GError) local_error = NULL;
      g_autoptr(PGresult) res = NULL;
      char sqlstate[6];

      res = run_sql (self, "postgres", sql, sqlstate, &local_error);
      if (res != NULL)
        return TRUE;

      if (strcmp (sqlstate, "55006") != 0 || attempt >= DB_BUSY_RETRIES)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }

      g_usleep (200 * G_TIME_SPAN_MILLISECOND);
    }
}

gboolean
sr_test_pg_stop_server (SrTestPg  *self,
                        GError   **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return pg_ctl_stop (self, "fast", error);
}

gboolean
sr_test_pg_start_server (SrTestPg  *self,
                         GError   **error)
{
  g_autofree char *pg_ctl = NULL;
  g_autofree char *quoted_dir = NULL;
  g_autofree char *opts = NULL;
  g_autofree char *conninfo = NULL;
  g_autoptr(GError) local_error = NULL;
  PGPing ping = PQPING_NO_RESPONSE;
  int i;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (self->initialized, FALSE);

  if (self->running)
    return TRUE;

  pg_ctl = g_build_filename (self->bindir, "pg_ctl", NULL);
  quoted_dir = g_shell_quote (self->dir);
  opts = g_strdup_printf ("-c listen_addresses='' -k %s -c unix_socket_directories=%s -p %u"
                          " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
                          " -c max_connections=300 -c shared_buffers=64MB",
                          quoted_dir, quoted_dir, self->port);

  {
    const char *argv[] = { pg_ctl, "start", "-D", self->data_dir, "-l", self->log_path,
                           "-w", "-t", START_TIMEOUT_S, "-o", opts, NULL };

    if (run_tool (self, argv, &local_error))
      {
        /* pg_ctl -w waited for "ready" in postmaster.pid; confirm over the socket. */
        conninfo = sr_test_pg_conninfo (self, "postgres");
        for (i = 0; i < 100; i++)
          {
            ping = PQping (conninfo);
            if (ping == PQPING_OK)
              break;
            g_usleep (100 * G_TIME_SPAN_MILLISECOND);
          }
      }
  }

  if (ping != PQPING_OK)
    {
      g_autofree char *tail = read_log_tail (self);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "PostgreSQL failed to start in %s on port %u: %s\n--- server log tail ---\n%s",
                   self->dir, self->port,
                   local_error != NULL ? local_error->message : "server does not answer",
                   tail);

      /* Do not leave a half-started postmaster behind. */
      if (postmaster_pid_exists (self) && !pg_ctl_stop (self, "immediate", NULL))
        kill_postmaster (self);
      self->running = FALSE;
      return FALSE;
    }

  self->running = TRUE;
  return TRUE;
}

gboolean
sr_test_pg_restart (SrTestPg  *self,
                    GError   **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return sr_test_pg_stop_server (self, error)
         && sr_test_pg_start_server (self, error);
}
