/* sr-bench-env.c: cluster, seed data, the showroomd process and pgbench.
 *
 * The seed is written with one generate_series statement per table; the vehicles go in
 * with session_replication_role = replica so 100,000 rows do not also write 100,000
 * change-log entries nobody will read.
 */
#define G_LOG_DOMAIN "sr-bench"

#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "sr-password.h"
#include "sr-test-pg.h"
#include "sr-bench-env.h"

#define DB_NAME          "showroom_bench"
#define START_TIMEOUT_S  60
#define STOP_TIMEOUT_S   15

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGresult, PQclear)

struct _SrBenchEnv
{
  SrBenchEnvOptions  options;
  char              *showroomd;

  SrTestPg          *pg;
  char              *conninfo;

  GSubprocess       *server;
  GThread           *log_thread;
  GMutex             log_lock;
  GString           *log;
  guint              port;
};

static const char seed_branches_sql[] =
  "INSERT INTO branches (name, city)"
  " SELECT 'Branch ' || i, (ARRAY['Mumbai','Pune','Delhi','Chennai','Kolkata','Jaipur',"
  "                               'Kochi','Indore'])[1 + (i - 1) % 8]"
  "   FROM generate_series(1, $1::int) i";

static const char seed_users_sql[] =
  "INSERT INTO users (email, name, role, branch_id, password_hash)"
  " SELECT r || b.id || '@bench.test', initcap(r) || ' of ' || b.name, r::user_role, b.id, $1"
  "   FROM branches b, unnest(ARRAY['admin', 'manager', 'sales']) r"
  "  ORDER BY b.id, r";

/* VINs: eleven hex digits (A-F and 0-9 are all valid VIN characters) and the row
 * number, so they are unique. */
static const char seed_vehicles_sql[] =
  "INSERT INTO vehicles (vin, make, model, variant, year, color, fuel, odometer_km, price,"
  "                      cost, status, branch_id, location, arrived_on)"
  " SELECT upper(substr(md5(i::text), 1, 11)) || lpad(i::text, 6, '0'),"
  "        (ARRAY['Maruti','Hyundai','Tata','Mahindra','Kia','Toyota','Honda','Skoda'])[1 + i % 8],"
  "        (ARRAY['Swift','Creta','Nexon','XUV700','Seltos','Innova','City','Kushaq','Baleno',"
  "               'Venue','Punch','Thar'])[1 + i % 12],"
  "        (ARRAY['LXi','VXi','ZXi','Base','Top','AT'])[1 + i % 6],"
  "        2015 + i % 10,"
  "        (ARRAY['White','Silver','Red','Blue','Black','Grey','Brown'])[1 + i % 7],"
  "        (ARRAY['petrol','diesel','electric','hybrid','cng'])[1 + i % 5]::fuel_type,"
  "        (i * 37) % 150000,"
  "        (300000 + (i * 7919) % 2500000)::numeric(12, 2),"
  "        (250000 + (i * 7919) % 2000000)::numeric(12, 2),"
  "        (ARRAY['incoming','in_stock','in_stock','in_stock','reserved','sold'])[1 + i % 6]::vehicle_status,"
  "        1 + i % $2::int,"
  "        'Bay ' || i % 50,"
  "        current_date - i % 365"
  "   FROM generate_series(1, $1::int) i";

/* One statement with text parameters; its rows, if any, are not wanted. */
gboolean
sr_bench_exec (PGconn             *conn,
               const char         *sql,
               int                 n_values,
               const char *const  *values,
               GError            **error)
{
  g_autoptr(PGresult) result = PQexecParams (conn, sql, n_values, NULL, values, NULL, NULL, 0);
  ExecStatusType status = PQresultStatus (result);

  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s", PQresultErrorMessage (result));
      return FALSE;
    }

  return TRUE;
}

PGconn *
sr_bench_env_connect (SrBenchEnv  *self,
                      GError     **error)
{
  PGconn *conn = PQconnectdb (self->conninfo);

  if (PQstatus (conn) != CONNECTION_OK)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot connect to %s: %s",
                   DB_NAME, PQerrorMessage (conn));
      PQfinish (conn);
      return NULL;
    }

  return conn;
}

const char *
sr_bench_env_get_dbname (SrBenchEnv *self)
{
  return DB_NAME;
}

static gboolean
migrate (SrBenchEnv  *self,
         GError     **error)
{
  const char *argv[] = { self->showroomd, "--db", self->conninfo, "--migrate", NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                     &out, &err, &status, error))
    return FALSE;

  if (!g_spawn_check_wait_status (status, NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "showroomd --migrate failed:\n%s%s",
                   out, err);
      return FALSE;
    }

  return TRUE;
}

static gboolean
seed (SrBenchEnv  *self,
      GError     **error)
{
  PGconn *conn;
  g_autofree char *hash = NULL;
  g_autofree char *branches = g_strdup_printf ("%u", self->options.n_branches);
  g_autofree char *vehicles = g_strdup_printf ("%u", self->options.n_vehicles);
  const char *branch_values[] = { branches };
  const char *vehicle_values[] = { vehicles, branches };
  const char *user_values[1];
  gboolean ok;

  /* Hashed once; every user shares it. */
  hash = sr_password_hash (SR_BENCH_PASSWORD, error);
  if (hash == NULL)
    return FALSE;
  user_values[0] = hash;

  conn = sr_bench_env_connect (self, error);
  if (conn == NULL)
    return FALSE;

  ok = sr_bench_exec (conn, seed_branches_sql, 1, branch_values, error) &&
       sr_bench_exec (conn, seed_users_sql, 1, user_values, error) &&
       sr_bench_exec (conn, "SET session_replication_role = replica", 0, NULL, error) &&
       sr_bench_exec (conn, seed_vehicles_sql, 2, vehicle_values, error) &&
       sr_bench_exec (conn, "SET session_replication_role = DEFAULT", 0, NULL, error) &&
       sr_bench_exec (conn, "VACUUM (ANALYZE) vehicles", 0, NULL, error) &&
       sr_bench_exec (conn, "ANALYZE", 0, NULL, error);

  PQfinish (conn);
  return ok;
}

SrBenchEnv *
sr_bench_env_new (const SrBenchEnvOptions  *options,
                  GError                  **error)
{
  SrBenchEnv *self = g_new0 (SrBenchEnv, 1);

  self->options = *options;
  self->showroomd = g_strdup (options->showroomd);
  self->options.showroomd = self->showroomd;
  g_mutex_init (&self->log_lock);
  self->log = g_string_new (NULL);

  self->pg = sr_test_pg_start (error);
  if (self->pg == NULL ||
      !sr_test_pg_create_db (self->pg, DB_NAME, NULL, error))
    goto fail;

  self->conninfo = sr_test_pg_conninfo (self->pg, DB_NAME);
  if (!migrate (self, error) || !seed (self, error))
    goto fail;

  return self;

fail:
  sr_bench_env_free (self);
  return NULL;
}

/* The server */

static gpointer
log_reader (gpointer data)
{
  SrBenchEnv *self = data;
  GInputStream *stream = g_subprocess_get_stderr_pipe (self->server);
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
sr_bench_env_get_server_log (SrBenchEnv *self)
{
  char *copy;

  g_mutex_lock (&self->log_lock);
  copy = g_strdup (self->log->str);
  g_mutex_unlock (&self->log_lock);

  return copy;
}

static void
child_setup (gpointer user_data)
{
  /* Should the benchmark die without cleaning up, the server goes with it. */
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static gboolean
server_running (SrBenchEnv *self)
{
  return self->server != NULL && g_subprocess_get_identifier (self->server) != NULL;
}

gboolean
sr_bench_env_start_server (SrBenchEnv  *self,
                           GError     **error)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autofree char *pool = g_strdup_printf ("%u", self->options.pool_size);
  /* Pool size 0: leave it to the server's default. */
  const char *argv[] = { self->showroomd, "--db", self->conninfo, "--listen", "127.0.0.1:0",
                         "--no-tls", self->options.pool_size > 0 ? "--pool-size" : NULL,
                         pool, NULL };
  gint64 deadline = g_get_monotonic_time () + START_TIMEOUT_S * G_USEC_PER_SEC;

  g_return_val_if_fail (self->server == NULL, FALSE);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_unsetenv (launcher, "G_DEBUG");
  g_subprocess_launcher_unsetenv (launcher, "G_MESSAGES_DEBUG");
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  self->server = g_subprocess_launcher_spawnv (launcher, argv, error);
  if (self->server == NULL)
    return FALSE;
  self->log_thread = g_thread_new ("server-log", log_reader, self);

  /* "listening on 127.0.0.1:PORT (no TLS)" gives the port; "ready" follows once the
   * socket service runs. */
  for (;;)
    {
      g_autofree char *log = sr_bench_env_get_server_log (self);
      const char *line = strstr (log, "listening on 127.0.0.1:");

      if (line != NULL && strstr (line, " ready") != NULL)
        {
          self->port = (guint) g_ascii_strtoull (line + strlen ("listening on 127.0.0.1:"), NULL, 10);
          if (self->port == 0)
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "no port in: %s", line);
              return FALSE;
            }
          return TRUE;
        }

      if (!server_running (self))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "showroomd exited at start:\n%s", log);
          return FALSE;
        }
      if (g_get_monotonic_time () > deadline)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "showroomd did not start:\n%s", log);
          return FALSE;
        }
      g_usleep (10000);
    }
}

static void
wait_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_subprocess_wait_finish (G_SUBPROCESS (object), result, NULL);
  *(gboolean *) user_data = TRUE;
}

gboolean
sr_bench_env_stop_server (SrBenchEnv *self)
{
  gboolean clean = FALSE;

  if (self->server == NULL)
    return TRUE;

  if (server_running (self))
    {
      gboolean done = FALSE;
      gint64 deadline = g_get_monotonic_time () + STOP_TIMEOUT_S * G_USEC_PER_SEC;

      g_subprocess_send_signal (self->server, SIGTERM);
      g_subprocess_wait_async (self->server, NULL, wait_cb, &done);
      while (!done && g_get_monotonic_time () < deadline)
        if (!g_main_context_iteration (NULL, FALSE))
          g_usleep (10000);

      if (!done)
        {
          g_message ("showroomd did not stop within %d s of SIGTERM; killing it", STOP_TIMEOUT_S);
          g_subprocess_force_exit (self->server);
          while (!done)
            g_main_context_iteration (NULL, TRUE);
        }
    }

  clean = g_subprocess_get_if_exited (self->server) &&
          g_subprocess_get_exit_status (self->server) == 0;

  if (self->log_thread != NULL)
    g_thread_join (g_steal_pointer (&self->log_thread));
  g_clear_object (&self->server);
  self->port = 0;

  return clean;
}

gboolean
sr_bench_env_check_server (SrBenchEnv  *self,
                           GError     **error)
{
  if (server_running (self))
    return TRUE;

  if (self->server == NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "showroomd is not running");
  else if (g_subprocess_get_if_signaled (self->server))
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "showroomd was killed by signal %d",
                 g_subprocess_get_term_sig (self->server));
  else
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "showroomd exited with status %d",
                 g_subprocess_get_exit_status (self->server));
  return FALSE;
}

guint
sr_bench_env_get_port (SrBenchEnv *self)
{
  return self->port;
}

GPid
sr_bench_env_get_server_pid (SrBenchEnv *self)
{
  const char *id = self->server ? g_subprocess_get_identifier (self->server) : NULL;

  return id ? (GPid) g_ascii_strtoll (id, NULL, 10) : 0;
}

guint64
sr_bench_env_get_server_rss (SrBenchEnv *self)
{
  g_autofree char *path = NULL;
  g_autofree char *status = NULL;
  const char *line;
  GPid pid = sr_bench_env_get_server_pid (self);

  if (pid == 0)
    return 0;

  path = g_strdup_printf ("/proc/%d/status", (int) pid);
  if (!g_file_get_contents (path, &status, NULL, NULL))
    return 0;

  line = strstr (status, "\nVmRSS:");
  if (line == NULL)
    return 0;

  return g_ascii_strtoull (line + strlen ("\nVmRSS:"), NULL, 10);
}

/* CPU accounting */

static guint64 ticks_to_us;

/* utime and stime (in µs) from /proc/.../stat; FALSE when the process is gone. Also
 * its name and parent, for the caller to classify it. */
static gboolean
read_stat (const char  *path,
           char        *comm,
           gsize        comm_size,
           GPid        *ppid,
           guint64     *user_us,
           guint64     *sys_us)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) fields = NULL;
  const char *open_paren;
  const char *close_paren;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return FALSE;

  /* pid (comm) state ppid ... utime(14) stime(15): comm may hold spaces. */
  open_paren = strchr (text, '(');
  close_paren = strrchr (text, ')');
  if (open_paren == NULL || close_paren == NULL || close_paren < open_paren)
    return FALSE;
  if (comm != NULL)
    g_strlcpy (comm, open_paren + 1, MIN (comm_size, (gsize) (close_paren - open_paren)));

  fields = g_strsplit (close_paren + 2, " ", 0);
  if (g_strv_length (fields) < 13)
    return FALSE;

  if (ticks_to_us == 0)
    ticks_to_us = G_USEC_PER_SEC / sysconf (_SC_CLK_TCK);
  if (ppid != NULL)
    *ppid = (GPid) g_ascii_strtoll (fields[1], NULL, 10);
  *user_us = g_ascii_strtoull (fields[11], NULL, 10) * ticks_to_us;
  *sys_us = g_ascii_strtoull (fields[12], NULL, 10) * ticks_to_us;
  return TRUE;
}

/* cutime and cstime (µs): the exited children it waited for. */
static gboolean
read_child_times (const char *path,
                  guint64    *user_us,
                  guint64    *sys_us)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) fields = NULL;
  const char *close_paren;

  if (!g_file_get_contents (path, &text, NULL, NULL) ||
      (close_paren = strrchr (text, ')')) == NULL)
    return FALSE;

  fields = g_strsplit (close_paren + 2, " ", 0);
  if (g_strv_length (fields) < 15)
    return FALSE;

  *user_us = g_ascii_strtoull (fields[13], NULL, 10) * ticks_to_us;
  *sys_us = g_ascii_strtoull (fields[14], NULL, 10) * ticks_to_us;
  return TRUE;
}

static guint64
read_switches (const char *status_path)
{
  g_autofree char *text = NULL;
  guint64 total = 0;
  const char *p;

  if (!g_file_get_contents (status_path, &text, NULL, NULL))
    return 0;
  if ((p = strstr (text, "voluntary_ctxt_switches:")) != NULL)
    total += g_ascii_strtoull (p + strlen ("voluntary_ctxt_switches:"), NULL, 10);
  if ((p = strstr (text, "nonvoluntary_ctxt_switches:")) != NULL)
    total += g_ascii_strtoull (p + strlen ("nonvoluntary_ctxt_switches:"), NULL, 10);

  return total;
}

static GPid
postmaster_pid (SrBenchEnv *self)
{
  g_autofree char *path = g_build_filename (sr_test_pg_get_dir (self->pg), "data",
                                            "postmaster.pid", NULL);
  g_autofree char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return 0;
  return (GPid) g_ascii_strtoll (text, NULL, 10);
}

void
sr_bench_env_sample_cpu (SrBenchEnv *self,
                         SrBenchCpu *out)
{
  GPid server = sr_bench_env_get_server_pid (self);
  GPid postmaster = self->pg ? postmaster_pid (self) : 0;
  struct rusage usage;

  memset (out, 0, sizeof *out);
  if (ticks_to_us == 0)
    ticks_to_us = G_USEC_PER_SEC / sysconf (_SC_CLK_TCK);

  if (server != 0)
    {
      g_autofree char *task_dir = g_strdup_printf ("/proc/%d/task", (int) server);
      g_autoptr(GDir) dir = g_dir_open (task_dir, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *stat = g_build_filename (task_dir, name, "stat", NULL);
          g_autofree char *status = g_build_filename (task_dir, name, "status", NULL);
          char comm[32] = "";
          guint64 user, sys;

          if (!read_stat (stat, comm, sizeof comm, NULL, &user, &sys))
            continue;
          out->server_switches += read_switches (status);

          if (g_ascii_strtoll (name, NULL, 10) == server)
            {
              out->server_main_user += user;
              out->server_main_sys += sys;
            }
          else if (g_str_has_prefix (comm, "sr-db"))
            {
              out->server_db_user += user;
              out->server_db_sys += sys;
            }
          else
            {
              out->server_other_user += user;
              out->server_other_sys += sys;
            }
        }
    }

  if (postmaster != 0)
    {
      g_autoptr(GDir) dir = g_dir_open ("/proc", 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *stat = NULL;
          GPid pid = (GPid) g_ascii_strtoll (name, NULL, 10);
          GPid ppid = 0;
          guint64 user, sys;

          if (pid <= 0)
            continue;
          stat = g_build_filename ("/proc", name, "stat", NULL);
          if (read_stat (stat, NULL, 0, &ppid, &user, &sys) &&
              (pid == postmaster || ppid == postmaster))
            {
              out->pg_user += user;
              out->pg_sys += sys;
            }
          /* Backends that have exited (pgbench's) count in the postmaster's children. */
          if (pid == postmaster)
            {
              guint64 child_user, child_sys;

              if (read_child_times (stat, &child_user, &child_sys))
                {
                  out->pg_user += child_user;
                  out->pg_sys += child_sys;
                }
            }
        }
    }

  {
    g_autofree char *text = NULL;

    /* cpu  user nice system idle iowait irq softirq steal ... */
    if (g_file_get_contents ("/proc/stat", &text, NULL, NULL) && g_str_has_prefix (text, "cpu "))
      {
        g_auto(GStrv) fields = g_strsplit_set (text + 4, " \n", 10);
        guint n = g_strv_length (fields);
        guint64 busy = 0;
        guint k = 0;

        for (guint i = 0; i < n && k < 8; i++)
          {
            if (fields[i][0] == '\0')
              continue;
            if (k != 3 && k != 4)   /* idle, iowait */
              busy += g_ascii_strtoull (fields[i], NULL, 10);
            k++;
          }
        out->machine_busy = busy * ticks_to_us;
      }
  }
  out->wall = g_get_monotonic_time ();

  if (getrusage (RUSAGE_SELF, &usage) == 0)
    {
      out->self_user = usage.ru_utime.tv_sec * G_USEC_PER_SEC + usage.ru_utime.tv_usec;
      out->self_sys = usage.ru_stime.tv_sec * G_USEC_PER_SEC + usage.ru_stime.tv_usec;
    }
  if (getrusage (RUSAGE_CHILDREN, &usage) == 0)
    {
      out->children_user = usage.ru_utime.tv_sec * G_USEC_PER_SEC + usage.ru_utime.tv_usec;
      out->children_sys = usage.ru_stime.tv_sec * G_USEC_PER_SEC + usage.ru_stime.tv_usec;
    }
}

void
sr_bench_cpu_diff (const SrBenchCpu *after,
                   const SrBenchCpu *before,
                   SrBenchCpu       *out)
{
  const guint64 *a = (const guint64 *) after;
  const guint64 *b = (const guint64 *) before;
  guint64 *o = (guint64 *) out;

  /* Every field is a guint64 counter. */
  for (gsize i = 0; i < sizeof (SrBenchCpu) / sizeof (guint64); i++)
    o[i] = a[i] >= b[i] ? a[i] - b[i] : 0;
}

/* pgbench */

static char *
find_pgbench (GError **error)
{
  const char *bindir_env = g_getenv ("SR_TEST_PG_BINDIR");
  g_autofree char *bindir = NULL;
  char *path;

  if (bindir_env != NULL && bindir_env[0] != '\0')
    bindir = g_strdup (bindir_env);
  else
    {
      const char *argv[] = { "pg_config", "--bindir", NULL };
      int status = 0;

      if (g_spawn_sync (NULL, (char **) argv, NULL,
                        G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                        &bindir, NULL, &status, NULL) &&
          g_spawn_check_wait_status (status, NULL))
        g_strstrip (bindir);
      else
        g_clear_pointer (&bindir, g_free);
    }

  path = bindir ? g_build_filename (bindir, "pgbench", NULL) : NULL;
  if (path == NULL || !g_file_test (path, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_free (path);
      path = g_find_program_in_path ("pgbench");
    }
  if (path == NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                 "pgbench not found (pg_config --bindir: %s)", bindir ? bindir : "unavailable");

  return path;
}

double
sr_bench_env_run_pgbench (SrBenchEnv         *self,
                          const char         *script,
                          const char *const  *extra,
                          const char         *pgoptions,
                          GError            **error)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *pgbench = find_pgbench (error);
  g_autofree char *script_path = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_auto(GStrv) envp = g_get_environ ();
  const char *tps;
  int status = 0;

  if (pgbench == NULL)
    return -1;

  /* In the cluster's dir, which the postgres user can read when we run as root. */
  script_path = g_build_filename (sr_test_pg_get_dir (self->pg), "bench-script.sql", NULL);
  if (!g_file_set_contents (script_path, script, -1, error) ||
      g_chmod (script_path, 0644) != 0)
    return -1;

  if (geteuid () == 0)
    {
      char *runuser = g_find_program_in_path ("runuser");

      if (runuser == NULL && g_file_test ("/usr/sbin/runuser", G_FILE_TEST_IS_EXECUTABLE))
        runuser = g_strdup ("/usr/sbin/runuser");
      if (runuser == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                       "running as root, but runuser is not there to run pgbench as postgres");
          return -1;
        }
      g_ptr_array_add (argv, runuser);
      g_ptr_array_add (argv, g_strdup ("-u"));
      g_ptr_array_add (argv, g_strdup ("postgres"));
      g_ptr_array_add (argv, g_strdup ("--"));
    }

  g_ptr_array_add (argv, g_steal_pointer (&pgbench));
  g_ptr_array_add (argv, g_strdup ("-h"));
  g_ptr_array_add (argv, g_strdup (sr_test_pg_get_dir (self->pg)));
  g_ptr_array_add (argv, g_strdup ("-p"));
  g_ptr_array_add (argv, g_strdup_printf ("%u", sr_test_pg_get_port (self->pg)));
  g_ptr_array_add (argv, g_strdup ("-U"));
  g_ptr_array_add (argv, g_strdup ("postgres"));
  for (guint i = 0; extra != NULL && extra[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (extra[i]));
  g_ptr_array_add (argv, g_strdup ("-f"));
  g_ptr_array_add (argv, g_strdup (script_path));
  g_ptr_array_add (argv, g_strdup (DB_NAME));
  g_ptr_array_add (argv, NULL);

  envp = g_environ_setenv (envp, "LC_ALL", "C", TRUE);
  if (pgoptions != NULL)
    envp = g_environ_setenv (envp, "PGOPTIONS", pgoptions, TRUE);
  else
    envp = g_environ_unsetenv (envp, "PGOPTIONS");

  if (!g_spawn_sync (sr_test_pg_get_dir (self->pg), (char **) argv->pdata, envp,
                     G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, error))
    return -1;

  if (!g_spawn_check_wait_status (status, NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "pgbench failed:\n%s%s", out, err);
      return -1;
    }

  tps = strstr (out, "tps = ");
  if (tps == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "no \"tps = \" in pgbench's output:\n%s", out);
      return -1;
    }

  return g_ascii_strtod (tps + strlen ("tps = "), NULL);
}

void
sr_bench_env_free (SrBenchEnv *self)
{
  if (self == NULL)
    return;

  sr_bench_env_stop_server (self);
  g_clear_pointer (&self->pg, sr_test_pg_free);

  g_free (self->conninfo);
  g_free (self->showroomd);
  g_string_free (self->log, TRUE);
  g_mutex_clear (&self->log_lock);
  g_free (self);
}
